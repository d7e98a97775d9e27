"""Train the head-crop classifier of `vision.attributes` from rendered data sets.

The crops come from data sets `bk sim dataset` / `bk vision train` wrote (YOLO labels
with a `head` class): every labelled head, cut out as the runtime cuts it
(`vision.attributes.head_crops`, one definition), labelled with the attribute classes
whose box is that head's box. Only splits of the training styles belong here: a
held-out style must stay out of training and tuning alike.

Why the augmentation is heavy: the classifier's worth is on drawing styles it never
saw, so colour (brightness, white balance, saturation, grey as from infrared cameras,
contrast, noise), geometry (zoom 0.8-1.25, shift, mirror) and resolution (heads shrunk
to 6-24 px and enlarged back, as a far worker is) are all randomised while the shapes
that decide (a hat's crown, a mask's band) stay.

Why colour keeps its hue (`colour="natural"`): a kitchen cap may be any vivid colour,
hair is not (black, brown, blond, grey, a natural colour tinted), and where a cap is
drawn as a dome like hair, its hue is all that tells them apart. `@11`'s classifier was
trained with the channels shuffled (`colour="shuffle"`), which turns blond and brown hair
into blue and green domes labelled "no hat": it learnt that a dome's hue says nothing,
and read coloured caps as hair.

Training checkpoints every epoch and resumes from the checkpoint of the same
configuration; a different one is refused rather than silently mixed.
"""

import hashlib
import logging
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
import torch
import yaml
from torch import nn
from torch.nn import functional as nnf

from core.errors import ConfigError
from vision.attributes import head_crops
from vision.card import AttributeStage, load_card, write_card
from vision.evaluate import read_truth

log = logging.getLogger(__name__)


COLOURS = ("natural", "shuffle")
"""Colour augmentations of `augment` (see the module's docstring)."""


@dataclass(frozen=True)
class AttributeTrainConfig:
    """What identifies a run (its checkpoint is resumed only by the same)."""

    sources: tuple[str, ...]
    classes: tuple[str, ...] = ("no_hat", "no_mask")
    head_class: str = "head"
    size: int = 32
    expand: float = 1.4
    epochs: int = 12
    lr: float = 3e-3
    batch: int = 256
    seed: int = 0
    colour: str = "natural"
    """"natural" (hue kept, see the module's docstring) or "shuffle" (`@11`'s)."""

    def __post_init__(self) -> None:
        if self.colour not in COLOURS:
            raise ConfigError(f"colour {self.colour!r} is not one of {', '.join(COLOURS)}")


def _names(root: Path) -> dict[str, int]:
    try:
        meta = yaml.safe_load((root / "data.yaml").read_text())
        return {str(v): int(k) for k, v in meta["names"].items()}
    except (OSError, KeyError, AttributeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{root} is not a data set with class names (data.yaml): {exc}") from exc


def _same_box(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two boxes (x1, y1, x2, y2 as fractions of the frame) are one: the renderer
    writes a worker's attribute boxes on the head box itself."""
    return bool(np.all(np.abs(a - b) <= 1e-3))


def collect_crops(
    root: Path, split: str, cfg: AttributeTrainConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Every labelled head of one split: uint8 crops (N, 3, S, S) and 0/1 labels (N, K)."""
    names = _names(root)
    missing = {cfg.head_class, *cfg.classes} - set(names)
    if missing:
        raise ConfigError(f"{root} has no class {sorted(missing)}")
    head_id, ids = names[cfg.head_class], [names[c] for c in cfg.classes]
    images = sorted((root / "images" / split).glob("*.jpg"))
    if not images:
        raise ConfigError(f"{root}/images/{split} holds no frames")
    xs: list[np.ndarray] = []
    ys: list[list[float]] = []
    for path in images:
        labels = root / "labels" / split / (path.stem + ".txt")
        if not labels.exists():
            continue
        boxes = read_truth(labels, 1, 1)  # class, corners as fractions of the frame
        heads = boxes[boxes[:, 0] == head_id, 1:]
        if not len(heads):
            continue
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is None:
            raise ConfigError(f"cannot read {path}")
        h, w = frame.shape[:2]
        pixel = [(x1 * w, y1 * h, x2 * w, y2 * h) for x1, y1, x2, y2 in heads]
        crops = head_crops(frame, pixel, cfg.size, cfg.expand)
        xs.append(np.round(crops * 255).astype(np.uint8))
        for head in heads:
            ys.append(
                [float(any(row[0] == k and _same_box(row[1:], head) for row in boxes)) for k in ids]
            )
    if not xs:
        raise ConfigError(f"{root}/labels/{split} labels no {cfg.head_class}")
    return np.concatenate(xs), np.array(ys, np.float32)


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class HeadNet(nn.Module):
    """Four double-convolution blocks, pooled to one vector, one logit per class."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            _block(3, 24),
            nn.MaxPool2d(2),
            _block(24, 48),
            nn.MaxPool2d(2),
            _block(48, 96),
            nn.MaxPool2d(2),
            _block(96, 96),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(96, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # type: ignore[no-any-return]


class _Uniform(Protocol):
    def __call__(self, *shape: int, lo: float, hi: float) -> torch.Tensor: ...


def _shuffled_colour(x: torch.Tensor, gen: torch.Generator, uniform: _Uniform) -> torch.Tensor:
    """Channels in random order, each with its own gain and offset (`@11`'s)."""
    n = x.shape[0]
    order = torch.argsort(torch.rand(n, 3, generator=gen), dim=1)
    x = torch.gather(x, 1, order[:, :, None, None].expand_as(x))
    return x * uniform(n, 3, 1, 1, lo=0.6, hi=1.4) + uniform(n, 3, 1, 1, lo=-0.2, hi=0.2)


def _natural_colour(x: torch.Tensor, uniform: _Uniform) -> torch.Tensor:
    """Brightness and offset shared by the channels, a mild white-balance cast (a
    camera's, not a new hue) and saturation from washed out to vivid."""
    n = x.shape[0]
    x = x * uniform(n, 1, 1, 1, lo=0.6, hi=1.4) + uniform(n, 1, 1, 1, lo=-0.15, hi=0.15)
    x = x * uniform(n, 3, 1, 1, lo=0.87, hi=1.15)
    grey = x.mean(1, keepdim=True)
    return grey + (x - grey) * uniform(n, 1, 1, 1, lo=0.4, hi=1.4)


def augment(x: torch.Tensor, gen: torch.Generator, colour: str = "natural") -> torch.Tensor:
    """A batch (N, 3, S, S, 0..1) redrawn: geometry, resolution, colour (see above)."""
    n, _, s, _ = x.shape

    def uniform(*shape: int, lo: float, hi: float) -> torch.Tensor:
        return torch.rand(*shape, generator=gen) * (hi - lo) + lo

    zoom = torch.exp(uniform(n, lo=float(np.log(0.8)), hi=float(np.log(1.25))))
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = zoom * torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    theta[:, 1, 1] = zoom
    theta[:, :, 2] = uniform(n, 2, lo=-0.12, hi=0.12)
    grid = nnf.affine_grid(theta, list(x.shape), align_corners=False)
    x = nnf.grid_sample(x, grid, padding_mode="border", align_corners=False)
    # far workers: half the batch shrunk to 6-24 px (four sizes per batch) and back
    low = torch.randperm(n, generator=gen)[: n // 2]
    for part in low.chunk(4):
        r = int(torch.randint(6, 25, (1,), generator=gen))
        small = nnf.interpolate(x[part], size=(r, r), mode="area")
        x[part] = nnf.interpolate(small, size=(s, s), mode="bilinear", align_corners=False)
    if colour == "shuffle":
        x = _shuffled_colour(x, gen, uniform)
    elif colour == "natural":
        x = _natural_colour(x, uniform)
    else:
        raise ValueError(f"colour {colour!r} is not one of {', '.join(COLOURS)}")
    grey = torch.rand(n, generator=gen) < 0.25
    x[grey] = x[grey].mean(1, keepdim=True).expand(-1, 3, -1, -1)
    mean = x.mean((1, 2, 3), keepdim=True)
    x = (x - mean) * uniform(n, 1, 1, 1, lo=0.5, hi=1.5) + mean
    x = x + torch.randn(x.shape, generator=gen) * uniform(n, 1, 1, 1, lo=0.0, hi=0.06)
    return x.clamp(0.0, 1.0)


def train_attributes(
    cfg: AttributeTrainConfig,
    crops: np.ndarray,
    labels: np.ndarray,
    checkpoint: Path,
    threads: int = 2,
    budget_s: float | None = None,
) -> tuple[HeadNet, dict[str, Any]]:
    """Train (resuming `checkpoint` when it holds this configuration); returns the net
    and a summary. Stops at an epoch end once `budget_s` is spent (checkpointed)."""
    torch.set_num_threads(max(1, threads))
    torch.manual_seed(cfg.seed)
    net = HeadNet(len(cfg.classes))
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-4)
    per_epoch = max(1, len(crops) // cfg.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=cfg.lr, total_steps=cfg.epochs * per_epoch
    )
    identity = {**asdict(cfg), "crops": len(crops)}
    start, spent, losses = 0, 0.0, []
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        if state["identity"] != identity:
            raise ConfigError(
                f"{checkpoint} holds another configuration ({state['identity']}); "
                "remove it or name another --checkpoint"
            )
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        start, spent, losses = state["epoch"], state["seconds"], state["losses"]
        log.info("resuming %s at epoch %d of %d", checkpoint, start, cfg.epochs)
    x_all = torch.from_numpy(crops)
    y_all = torch.from_numpy(labels)
    t0 = time.monotonic()
    for epoch in range(start, cfg.epochs):
        gen = torch.Generator().manual_seed(cfg.seed * 1000 + epoch)
        net.train()
        order = torch.randperm(len(crops), generator=gen)
        total = 0.0
        for k in range(per_epoch):
            idx = order[k * cfg.batch : (k + 1) * cfg.batch]
            x = augment(x_all[idx].float() / 255.0, gen, cfg.colour)
            loss = nnf.binary_cross_entropy_with_logits(net(x), y_all[idx])
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
            sched.step()
            total += float(loss.detach())
        losses.append(round(total / per_epoch, 4))
        elapsed = spent + time.monotonic() - t0
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        torch.save(
            {
                "identity": identity,
                "model": net.state_dict(),
                "opt": opt.state_dict(),
                "sched": sched.state_dict(),
                "epoch": epoch + 1,
                "seconds": elapsed,
                "losses": losses,
            },
            checkpoint,
        )
        log.info(
            "epoch %d/%d loss %.4f (%.0f s trained in all)",
            epoch + 1,
            cfg.epochs,
            losses[-1],
            elapsed,
        )
        if budget_s is not None and time.monotonic() - t0 >= budget_s:
            break
    net.eval()
    done = len(losses) >= cfg.epochs
    summary = {
        "epochs_done": len(losses),
        "complete": done,
        "train_seconds": round(spent + time.monotonic() - t0, 1),
        "losses": losses,
        "crops": len(crops),
        "positives": {c: int(labels[:, j].sum()) for j, c in enumerate(cfg.classes)},
        "params": sum(p.numel() for p in net.parameters()),
    }
    return net, summary


def export_attributes(net: HeadNet, cfg: AttributeTrainConfig, path: Path) -> Path:
    """ONNX with a dynamic batch: input `crops` (N, 3, S, S, BGR 0..1), output `logits`."""
    net.eval()
    torch.onnx.export(
        net,
        (torch.zeros(1, 3, cfg.size, cfg.size),),
        str(path),
        input_names=["crops"],
        output_names=["logits"],
        dynamic_axes={"crops": {0: "n"}, "logits": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    return path


def attach_stage(
    card_path: Path, model: Path, cfg: AttributeTrainConfig, training: dict[str, Any]
) -> None:
    """Add (or replace) the card's attribute stage: `model` is copied beside the card
    when it lies elsewhere, its SHA-256 recorded. The track thresholds stay: fused
    scores differ from the detector's, so choose them on the bench's tune cameras."""
    card, _ = load_card(card_path, check_stage=False)
    target = card_path.parent / model.name
    if target.resolve() != model.resolve():
        shutil.copy(model, target)
    stage = AttributeStage(
        onnx=target.name,
        sha256=hashlib.sha256(target.read_bytes()).hexdigest(),
        size=cfg.size,
        expand=cfg.expand,
        head_class=cfg.head_class,
        classes=list(cfg.classes),
        training=training,
    )
    write_card(card.model_copy(update={"attributes": stage}), card_path)
