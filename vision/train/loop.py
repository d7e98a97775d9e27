"""Train TinyGrid on the simulators' data set and export it to ONNX.

CenterNet-style targets: a Gaussian peak per object on its class's heat map (focal
loss), the sub-cell offset and log size regressed at the peak cell (L1). Deterministic
under a seed (torch, numpy and the batch order are seeded; two CPU threads).
"""

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vision.train.data import load_split
from vision.train.model import STRIDE, WH_BASE, TinyGrid

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    data: Path
    out_dir: Path
    name: str = "hygiene-tinygrid"
    seed: int = 0
    epochs: int = 6
    batch: int = 32
    lr: float = 5e-3
    in_w: int = 256
    in_h: int = 256
    width: int = 16
    threads: int = 2
    limit: int | None = None
    num_classes: int = 3


def build_targets(targets: list[np.ndarray], nc: int, gh: int, gw: int) -> tuple[np.ndarray, ...]:
    b = len(targets)
    heat = np.zeros((b, nc, gh, gw), np.float32)
    mask = np.zeros((b, gh, gw), np.float32)
    reg = np.zeros((b, 4, gh, gw), np.float32)
    ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
    for i, t in enumerate(targets):
        for c, x1, y1, x2, y2 in t:
            bw, bh = max(1.0, x2 - x1), max(1.0, y2 - y1)
            gx, gy = (x1 + x2) / 2 / STRIDE, (y1 + y2) / 2 / STRIDE
            ix, iy = min(gw - 1, int(gx)), min(gh - 1, int(gy))
            sigma = max(0.5, math.sqrt(bw * bh) / STRIDE / 4)
            g = np.exp(-((xs - ix) ** 2 + (ys - iy) ** 2) / (2 * sigma**2))
            heat[i, int(c)] = np.maximum(heat[i, int(c)], g)
            heat[i, int(c), iy, ix] = 1.0
            mask[i, iy, ix] = 1.0
            reg[i, :, iy, ix] = (gx - ix, gy - iy, math.log(bw / WH_BASE), math.log(bh / WH_BASE))
    return heat, mask, reg


def loss_fn(
    raw: torch.Tensor, heat: torch.Tensor, mask: torch.Tensor, reg: torch.Tensor, nc: int
) -> torch.Tensor:
    p = torch.sigmoid(raw[:, :nc]).clamp(1e-4, 1 - 1e-4)
    pos = heat.eq(1.0).float()
    neg = 1.0 - pos
    pos_loss = -(torch.log(p) * (1 - p) ** 2 * pos).sum()
    neg_loss = -(torch.log(1 - p) * p**2 * (1 - heat) ** 4 * neg).sum()
    n_pos = pos.sum().clamp(min=1.0)
    focal = (pos_loss + neg_loss) / n_pos
    off = torch.sigmoid(raw[:, nc : nc + 2])
    size = raw[:, nc + 2 : nc + 4]
    m = mask.unsqueeze(1)
    n_obj = mask.sum().clamp(min=1.0)
    off_l = (torch.abs(off - reg[:, :2]) * m).sum() / n_obj
    size_l = (torch.abs(size - reg[:, 2:]) * m).sum() / n_obj
    return focal + off_l + 0.5 * size_l


def train(cfg: TrainConfig) -> tuple[Path, dict[str, float]]:
    """Train, save `<name>.pt` and `<name>.onnx` in out_dir; return onnx path and stats."""
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    rng = np.random.default_rng(cfg.seed)
    t0 = time.monotonic()
    imgs, targets, _orig, _sizes = load_split(cfg.data, "train", cfg.in_w, cfg.in_h, cfg.limit)
    log.info("loaded %d training frames in %.1f s", len(imgs), time.monotonic() - t0)
    model = TinyGrid(cfg.num_classes, cfg.width)
    steps = cfg.epochs * math.ceil(len(imgs) / cfg.batch)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.15
    )
    gh, gw = cfg.in_h // STRIDE, cfg.in_w // STRIDE
    step = 0
    for epoch in range(cfg.epochs):
        model.train()
        order = rng.permutation(len(imgs))
        total = 0.0
        for k in range(0, len(order), cfg.batch):
            idx = order[k : k + cfg.batch]
            x = imgs[idx].astype(np.float32)
            tgts = [targets[i].copy() for i in idx]
            flip = rng.random(len(idx)) < 0.5
            for j in np.where(flip)[0]:
                x[j] = x[j, :, :, ::-1]
                t = tgts[j]
                t[:, [1, 3]] = cfg.in_w - t[:, [3, 1]]
            x *= rng.uniform(0.75, 1.25, size=(len(idx), 1, 1, 1)).astype(np.float32)
            heat, mask, reg = build_targets(tgts, cfg.num_classes, gh, gw)
            raw = model.raw(torch.from_numpy(np.clip(x, 0, 255)) / 255.0)
            loss = loss_fn(
                raw,
                torch.from_numpy(heat),
                torch.from_numpy(mask),
                torch.from_numpy(reg),
                cfg.num_classes,
            )
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
            sched.step()
            step += 1
            total += float(loss)
        log.info(
            "epoch %d/%d loss %.4f (%.0f s)",
            epoch + 1,
            cfg.epochs,
            total / max(1, len(order) / cfg.batch),
            time.monotonic() - t0,
        )
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    pt = cfg.out_dir / f"{cfg.name}.pt"
    torch.save(model.state_dict(), pt)
    onnx_path = export_onnx(model, cfg, cfg.out_dir / f"{cfg.name}.onnx")
    params = sum(p.numel() for p in model.parameters())
    return onnx_path, {
        "train_seconds": round(time.monotonic() - t0, 1),
        "params": float(params),
        "train_frames": float(len(imgs)),
    }


def export_onnx(model: TinyGrid, cfg: TrainConfig, path: Path) -> Path:
    """Export with BatchNorm folded by eval mode; fixed 1x3xHxW input named `images`."""
    model.eval()
    dummy = torch.zeros(1, 3, cfg.in_h, cfg.in_w)
    torch.onnx.export(
        model,
        (dummy,),
        str(path),
        input_names=["images"],
        output_names=["grid"],
        opset_version=17,
        dynamo=False,
    )
    return path
