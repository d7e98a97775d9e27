"""Train TinyGrid on the simulators' data set and export it to ONNX.

CenterNet-style targets: a Gaussian peak per object on its class's heat map (focal
loss), the sub-cell offset and log size regressed at the peak cell (L1). Deterministic
under a seed (torch, numpy and the batch order are seeded).

Frames come from a rendered data set on disk, loaded into memory, or (`online`) are
rendered while training runs by worker processes (see `online`); the arithmetic runs
on `device` (the CPU, or an accelerator when a machine has one).

Training on two shared CPU cores spans sessions, so it checkpoints after every epoch
(model, optimizer, schedule, random states, seconds spent so far) to
`cfg.checkpoint`, written atomically, and resumes from it; the total training time adds
up across runs. An online run also checkpoints within an epoch, every
`cfg.checkpoint_every_s`, and stops at the first batch past its time budget: its
samples are drawn by their index, not by a generator that runs through the epoch, so it
resumes at any batch exactly. A borrowed machine whose call ends at a hard limit then
loses minutes, not an epoch, and a budget is kept to a batch. A run from frames in
memory draws its order and augmentation from one generator in sequence, so it stops and
resumes at epoch ends only.
"""

import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vision.train.augment import augment_picture
from vision.train.data import load_split
from vision.train.model import STRIDE, TinyGrid, fold_input_scale
from vision.train.online import OnlinePrep, OnlineSource, run_loader
from vision.train.targets import build_targets

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
    stride: int = STRIDE
    """Output grid stride, 8 or 4 (see `TinyGrid`)."""
    separable: bool = False
    """Stride 4: the fine block depthwise-separable (faster; see `TinyGrid`)."""
    context: bool = False
    """A stride-16 context branch (see `TinyGrid`): sees whole large heads."""
    threads: int = 2
    limit: int | None = None
    num_classes: int = 3
    checkpoint: Path | None = None
    """Resume from here when it exists; written after every epoch."""
    time_budget_s: float | None = None
    """Stop once this many seconds are spent: an online run at the first batch past it,
    a run from memory at the first epoch end past it (checkpointed either way)."""
    checkpoint_every_s: float = 300.0
    """An online run also checkpoints within an epoch when this many seconds passed
    since the last checkpoint (a kill loses at most this much training)."""
    scale_jitter: tuple[float, float] | None = None
    """Zoom each training picture by a factor drawn from this range (None: off)."""
    stylise: float = 0.0
    """Share of training pictures redrawn in a random look (see `stylise`)."""
    randconv: float = 0.0
    """Share of training pictures passed through a random convolution (see
    `random_convolution`): textures and colours change, shapes stay."""
    splits: tuple[str, ...] = ("train",)
    """Data set splits to train on (several scene styles may live in several splits)."""
    class_weights: tuple[float, ...] | None = None
    """Per class factor on its heat-map loss (None: all 1). A class the network finds
    hard and sees rarely (rodents: a quarter as many as heads, and small) otherwise
    gets a small share of every step's gradient."""
    init_from: Path | None = None
    """Start from this checkpoint's weights (same width and classes) when there is no
    checkpoint of our own to resume: a warm start that spends the 2 CPU cores on what
    the new data adds instead of relearning what an earlier model already knows. A
    stride-4 model may start from a stride-8 one: every layer of the same name and
    shape is taken, the rest (the fine head) starts fresh."""
    online: OnlineSource | None = None
    """Render fresh training frames every epoch instead of reading `data` (see
    `online`); `data` then serves only the card's evaluation splits."""
    device: str = "cpu"
    """Where the arithmetic runs: "cpu", or "cuda" on a machine with an accelerator. A
    checkpoint made on one resumes on the other."""
    export_input: tuple[int, int] | None = None
    """Export (and so evaluate and card) the network at this input width x height
    instead of the training one (None: the same). The network is convolutional, so its
    weights run at any input; a wider one shows it a frame's small workers larger. Not
    part of the checkpoint's identity: a finished run is exported again at another
    input without training."""

    @property
    def exported_size(self) -> tuple[int, int]:
        """The input width x height of the exported ONNX file and its card."""
        return self.export_input or (self.in_w, self.in_h)


def loss_fn(
    raw: torch.Tensor,
    heat: torch.Tensor,
    mask: torch.Tensor,
    reg: torch.Tensor,
    nc: int,
    class_weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """Focal heat-map loss (each class's channel times its weight, if any) per object,
    plus L1 offset and 0.5 x L1 log size at the objects' cells."""
    p = torch.sigmoid(raw[:, :nc]).clamp(1e-4, 1 - 1e-4)
    pos = heat.eq(1.0).float()
    neg = 1.0 - pos
    pos_map = -(torch.log(p) * (1 - p) ** 2 * pos)
    neg_map = -(torch.log(1 - p) * p**2 * (1 - heat) ** 4 * neg)
    if class_weights is not None:
        w = class_weights.view(1, nc, 1, 1)
        pos_map, neg_map = pos_map * w, neg_map * w
    pos_loss, neg_loss = pos_map.sum(), neg_map.sum()
    n_pos = pos.sum().clamp(min=1.0)
    focal = (pos_loss + neg_loss) / n_pos
    off = torch.sigmoid(raw[:, nc : nc + 2])
    size = raw[:, nc + 2 : nc + 4]
    m = mask.unsqueeze(1)
    n_obj = mask.sum().clamp(min=1.0)
    off_l = (torch.abs(off - reg[:, :2]) * m).sum() / n_obj
    size_l = (torch.abs(size - reg[:, 2:]) * m).sum() / n_obj
    return focal + off_l + 0.5 * size_l


def class_weight_tensor(cfg: TrainConfig) -> torch.Tensor | None:
    """`cfg.class_weights` as the loss takes them; refuses a list of the wrong length
    or a weight that is not positive (it would train a class away)."""
    if cfg.class_weights is None:
        return None
    if len(cfg.class_weights) != cfg.num_classes or min(cfg.class_weights) <= 0:
        raise ValueError(
            f"class weights {list(cfg.class_weights)}: need {cfg.num_classes} positive numbers"
        )
    return torch.tensor(cfg.class_weights, dtype=torch.float32)


def _identity(cfg: TrainConfig, steps_per_epoch: int) -> dict[str, Any]:
    """What must match for a checkpoint to be resumed by this configuration."""
    return (
        {
            "name": cfg.name,
            "width": cfg.width,
            "num_classes": cfg.num_classes,
            "in": [cfg.in_w, cfg.in_h],
            "epochs": cfg.epochs,
            "batch": cfg.batch,
            "lr": cfg.lr,
            "seed": cfg.seed,
            "steps_per_epoch": steps_per_epoch,
        }
        | ({"init_from": cfg.init_from.name} if cfg.init_from is not None else {})
        | ({"stride": cfg.stride} if cfg.stride != STRIDE else {})
        | ({"fine": "separable"} if cfg.separable else {})
        | ({"context": True} if cfg.context else {})
        | ({"class_weights": list(cfg.class_weights)} if cfg.class_weights else {})
        | ({"online": cfg.online.identity()} if cfg.online is not None else {})
    )


def warm_start(model: TinyGrid, weights: dict[str, torch.Tensor]) -> list[str]:
    """Load every tensor of `weights` whose name and shape the model has; return the
    model's tensors left as initialised. Refuses a start where the two share no more
    than the output layer (another width), since that would be a fresh start in
    disguise."""
    own = model.state_dict()
    taken = {k: v for k, v in weights.items() if k in own and own[k].shape == v.shape}
    fresh = [k for k in own if k not in taken]
    if len(taken) < len(own) // 2:
        raise ValueError(
            f"the warm-start weights fit only {len(taken)} of the model's {len(own)} "
            "tensors: same width and classes are needed"
        )
    model.load_state_dict(taken, strict=False)
    return fresh


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write atomically: a kill during the write leaves the previous checkpoint whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


PROGRESS_EVERY_S = 60.0
"""How often a long epoch logs how far it is (an epoch on the CPU takes many minutes)."""

Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]
"""Pictures (N, 3, H, W) uint8, brightness factors (N,), heat maps, masks, regression."""


def _memory_batches(
    imgs: np.ndarray, targets: list[np.ndarray], cfg: TrainConfig, rng: np.random.Generator
) -> Iterator[Batch]:
    """One epoch over the frames in memory, shuffled, augmented by the run's generator
    (so the order of draws, and with it a seeded run, stays what it always was)."""
    gh, gw = cfg.in_h // cfg.stride, cfg.in_w // cfg.stride
    order = rng.permutation(len(imgs))
    augmenting = cfg.scale_jitter is not None or cfg.stylise > 0 or cfg.randconv > 0
    for k in range(0, len(order), cfg.batch):
        idx = order[k : k + cfg.batch]
        tgts = [targets[i].copy() for i in idx]
        batch = imgs[idx]  # fancy indexing already copies
        if augmenting:
            for j in range(len(idx)):
                batch[j], tgts[j] = augment_picture(
                    batch[j], tgts[j], rng, cfg.scale_jitter, cfg.stylise, cfg.randconv
                )
        flip = rng.random(len(idx)) < 0.5
        for j in np.where(flip)[0]:
            batch[j] = batch[j, :, :, ::-1]
            t = tgts[j]
            t[:, [1, 3]] = cfg.in_w - t[:, [3, 1]]
        factors = rng.uniform(0.75, 1.25, size=len(idx)).astype(np.float32)
        heat, mask, reg = build_targets(tgts, cfg.num_classes, gh, gw, cfg.stride)
        yield (
            torch.from_numpy(batch),
            torch.from_numpy(factors),
            torch.from_numpy(heat),
            torch.from_numpy(mask),
            torch.from_numpy(reg),
        )


def _online_batches(batches: Iterator[list[torch.Tensor]], steps: int) -> Iterator[Batch]:
    """One epoch's batches from the run's render processes."""
    for _ in range(steps):
        pictures, factors, heat, mask, reg = next(batches)
        yield pictures, factors.float(), heat, mask, reg


def device_label(cfg: TrainConfig) -> str:
    """What trained an epoch, for the card: the accelerator's name, or the CPU."""
    if cfg.device.startswith("cuda") and torch.cuda.is_available():
        label = f"{torch.cuda.get_device_name(torch.device(cfg.device))} ({cfg.device})"
    else:
        label = f"CPU, {cfg.threads} threads"
    if cfg.online is not None:
        label += f", {cfg.online.workers} render processes"
    return label


def train(cfg: TrainConfig) -> tuple[Path, dict[str, float]]:
    """Train (resuming from cfg.checkpoint), save `<name>.onnx` in out_dir; return the
    ONNX path and stats (`train_seconds` counts every session's training time)."""
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    device = torch.device(cfg.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    rng = np.random.default_rng(cfg.seed)
    t0 = time.monotonic()
    imgs = np.zeros((0, 3, cfg.in_h, cfg.in_w), np.uint8)
    targets: list[np.ndarray] = []
    if cfg.online is None:
        parts = [load_split(cfg.data, sp, cfg.in_w, cfg.in_h, cfg.limit) for sp in cfg.splits]
        imgs = np.concatenate([p[0] for p in parts])
        targets = [t for p in parts for t in p[1]]
        log.info("loaded %d training frames in %.1f s", len(imgs), time.monotonic() - t0)
        frames_per_epoch = len(imgs)
    else:
        frames_per_epoch = cfg.online.frames_per_epoch
        log.info(
            "online: %d fresh frames per epoch, rendered by %d processes%s",
            frames_per_epoch,
            cfg.online.workers,
            f", each rendered frame serving {cfg.online.echo}" if cfg.online.echo > 1 else "",
        )
    model = TinyGrid(cfg.num_classes, cfg.width, cfg.stride, cfg.separable, cfg.context)
    model = model.to(device)
    steps_per_epoch = math.ceil(frames_per_epoch / cfg.batch)
    steps = cfg.epochs * steps_per_epoch
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.15
    )
    identity = _identity(cfg, steps_per_epoch)
    start_epoch, spent, history, init_seconds = 0, 0.0, [], 0.0
    skip, partial_loss = 0, 0.0  # batches of epoch `start_epoch` trained before, their loss
    if cfg.checkpoint is not None and cfg.checkpoint.exists():
        state = torch.load(cfg.checkpoint, weights_only=False, map_location="cpu")
        if state["identity"] != identity:
            raise ValueError(
                f"checkpoint {cfg.checkpoint} was made for {state['identity']}, "
                f"not {identity}: delete it or train with its settings"
            )
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        start_epoch, spent, history = state["epoch"], state["seconds"], state["history"]
        skip, partial_loss = int(state.get("step", 0)), float(state.get("partial_loss", 0.0))
        init_seconds = float(state.get("init_seconds", 0.0))
        log.info(
            "resumed %s at epoch %d%s (%.0f s trained before)",
            cfg.checkpoint,
            start_epoch + (1 if skip else 0),
            f", batch {skip + 1} of {steps_per_epoch}" if skip else "",
            spent,
        )
    elif cfg.init_from is not None:
        warm = torch.load(cfg.init_from, weights_only=False, map_location="cpu")
        fresh = warm_start(model, warm["model"])
        init_seconds = float(warm["seconds"]) + float(warm.get("init_seconds", 0.0))
        log.info(
            "warm start from %s (%d epochs, %.0f s trained there); fresh: %s",
            cfg.init_from,
            warm["epoch"],
            warm["seconds"],
            ", ".join(fresh) or "nothing",
        )
    weights = class_weight_tensor(cfg)
    if weights is not None:
        weights = weights.to(device)

    def checkpoint(epochs_done: int, step: int, seconds: float, loss_so_far: float) -> None:
        """Save where the run is: `epochs_done` whole epochs, then `step` batches of the
        next one (0 at an epoch's end) whose losses summed to `loss_so_far`."""
        if cfg.checkpoint is None:
            return
        save_checkpoint(
            cfg.checkpoint,
            {
                "identity": identity,
                "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                "opt": opt.state_dict(),
                "sched": sched.state_dict(),
                "rng": rng.bit_generator.state,
                "torch_rng": torch.get_rng_state(),
                "epoch": epochs_done,
                "step": step,
                "partial_loss": loss_so_far,
                "seconds": seconds,
                "history": history,
                "init_seconds": init_seconds,
            },
        )

    rendered: Iterator[list[torch.Tensor]] = iter(())
    if cfg.online is not None and start_epoch < cfg.epochs:
        prep = OnlinePrep(
            cfg.in_w,
            cfg.in_h,
            cfg.num_classes,
            cfg.stride,
            cfg.scale_jitter,
            cfg.stylise,
            cfg.randconv,
        )
        pin = device.type == "cuda"
        span = (start_epoch, cfg.epochs)
        rendered = iter(run_loader(cfg.online, prep, cfg.batch, span, pin, skip))
    session = last_save = last_log = time.monotonic()
    stopped = False
    for epoch in range(start_epoch, cfg.epochs):
        e0 = time.monotonic()
        model.train()
        first = skip if epoch == start_epoch else 0
        batches = (
            _memory_batches(imgs, targets, cfg, rng)
            if cfg.online is None
            else _online_batches(rendered, steps_per_epoch - first)
        )
        total = torch.full((), partial_loss if first else 0.0, dtype=torch.float64, device=device)
        step = first
        for pictures, factors, heat, mask, reg in batches:
            x = pictures.to(device, non_blocking=True).float()
            x = x * factors.to(device, non_blocking=True).view(-1, 1, 1, 1)
            raw = model.raw(x.clamp(0, 255) / 255.0)
            loss = loss_fn(
                raw,
                heat.to(device, non_blocking=True),
                mask.to(device, non_blocking=True),
                reg.to(device, non_blocking=True),
                cfg.num_classes,
                weights,
            )
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
            sched.step()
            total += loss.detach()
            step += 1
            now = time.monotonic()
            if now - last_log >= PROGRESS_EVERY_S:
                rate = (step - first) * cfg.batch / max(now - e0, 1e-9)
                log.info(
                    "epoch %d/%d: batch %d of %d, %.1f samples/s, about %.0f min to its end",
                    epoch + 1,
                    cfg.epochs,
                    step,
                    steps_per_epoch,
                    rate,
                    (steps_per_epoch - step) * cfg.batch / max(rate, 1e-9) / 60,
                )
                last_log = now
            if cfg.online is None or step == steps_per_epoch:
                continue
            over = cfg.time_budget_s is not None and now - session >= cfg.time_budget_s
            if over or now - last_save >= cfg.checkpoint_every_s:
                checkpoint(epoch, step, spent + now - e0, float(total))
                last_save = now
            if over:
                log.info(
                    "time budget spent: stopping at batch %d of %d in epoch %d (checkpointed)",
                    step,
                    steps_per_epoch,
                    epoch + 1,
                )
                stopped = True
                break
        spent += time.monotonic() - e0
        if stopped:
            break
        mean_loss = float(total) / max(1, frames_per_epoch / cfg.batch)
        history.append(
            {
                "epoch": epoch + 1,
                "loss": round(mean_loss, 4),
                "seconds": round(spent, 1),
                "device": device_label(cfg),
            }
        )
        log.info(
            "epoch %d/%d loss %.4f (%.0f s trained in all)", epoch + 1, cfg.epochs, mean_loss, spent
        )
        checkpoint(epoch + 1, 0, spent, 0.0)
        last_save = time.monotonic()
        if cfg.time_budget_s is not None and time.monotonic() - session >= cfg.time_budget_s:
            log.info("time budget spent: stopping after epoch %d (checkpointed)", epoch + 1)
            break
    rendered = iter(())  # lets the render processes go (a budget may stop the run early)
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    done = len(history) and history[-1]["epoch"] == cfg.epochs
    model = model.cpu()
    onnx_path = export_onnx(model, cfg, cfg.out_dir / f"{cfg.name}.onnx")
    params = sum(p.numel() for p in model.parameters())
    return onnx_path, {
        "train_seconds": round(spent, 1),
        "init_seconds": round(init_seconds, 1),
        "params": float(params),
        "train_frames": float(frames_per_epoch),
        "epochs_done": float(history[-1]["epoch"] if history else 0),
        "complete": float(bool(done)),
    }


def export_onnx(model: TinyGrid, cfg: TrainConfig, path: Path) -> Path:
    """Export with BatchNorm folded by eval mode and the 1/255 folded into the first
    convolution (`fold_input_scale`); fixed 1x3xHxW input named `images`, of
    `cfg.exported_size`."""
    model.eval()
    width, height = cfg.exported_size
    dummy = torch.zeros(1, 3, height, width)
    torch.onnx.export(
        fold_input_scale(model),
        (dummy,),
        str(path),
        input_names=["images"],
        output_names=["grid"],
        opset_version=17,
        dynamo=False,
    )
    return path
