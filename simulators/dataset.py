"""Export synthetic camera scenes as a YOLO-format data set with a fixed split.

Layout under OUT: `images/{train,val,heavy}/NNNNNN.jpg`, `labels/{split}/NNNNNN.txt`
(one `cls cx cy w h` line per object, normalised), `data.yaml` (class names, splits)
and `report.json` (class balance per split, duplicate check). Frame i of a split is
rendered from `default_rng([seed, split_code, i])`, so any frame can be re-rendered
from its name alone: that is how `verify_sample` checks the labels against the
drawing. `val` is the evaluation split of the training styles; `heavy` holds
distractor-heavy scenes (plates, cloths, steam, brushes) to measure false alarms.

With several `styles` and a `heldout_style`, frames of the training splits rotate over
the styles, two more splits appear: `tune` (same styles, only for picking the card's
thresholds) and `heldout` (the held-out style alone, never trained or tuned on), and
`randomise` puts the training frames through domain randomisation (zoom 0.3-1.5x,
blur, low light, infrared, glare, haze, colour shifts, JPEG 20-95). `rodent_rate`
draws more rodents into the training frames only (see `SceneSpec.rodent_rate`): the
evaluation and tuning splits keep the natural rate, so thresholds and figures stay
those of a camera's everyday frames.
"""

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from simulators.scenes import ALL_CLASSES, CLASSES, GroundTruth, SceneSpec, render_scene

log = logging.getLogger(__name__)

SPLITS: dict[str, int] = {"train": 0, "val": 1, "heavy": 2, "tune": 3, "heldout": 4}
JPEG_QUALITY = 90


@dataclass(frozen=True)
class DatasetPlan:
    """How many frames each split gets for a total of n (val 20 %, heavy 10 % extra)."""

    n: int
    seed: int
    width: int = 320
    height: int = 240
    styles: tuple[str, ...] = ("classic",)
    heldout_style: str | None = None
    label_heads: bool = False
    randomise: bool = False
    rodent_rate: float | None = None

    def __post_init__(self) -> None:
        if self.rodent_rate is not None and not 0.0 <= self.rodent_rate <= 1.0:
            raise ValueError(f"rodent_rate is a chance (0..1), not {self.rodent_rate}")

    def counts(self) -> dict[str, int]:
        val = max(1, self.n // 5)
        out = {"train": self.n - val, "val": val, "heavy": max(1, self.n // 10)}
        if self.heldout_style is not None:
            out["tune"] = val
            out["heldout"] = val
        return out

    @property
    def classes(self) -> tuple[str, ...]:
        return ALL_CLASSES if self.label_heads else CLASSES


def frame_spec(plan: DatasetPlan, split: str, index: int) -> tuple[SceneSpec, np.random.Generator]:
    """The spec and generator that render frame `index` of `split` (pure function)."""
    rng = np.random.default_rng([plan.seed, SPLITS[split], index])
    if split == "heldout" and plan.heldout_style is not None:
        style = plan.heldout_style
    else:
        style = plan.styles[index % len(plan.styles)]
    spec = SceneSpec(
        width=plan.width,
        height=plan.height,
        t=float(index % 50) * 0.2,
        distractor_heavy=split == "heavy",
        style=style,
        label_heads=plan.label_heads,
        rodent_rate=plan.rodent_rate if split == "train" else None,
    )
    return spec, rng


def render_frame(plan: DatasetPlan, split: str, index: int) -> tuple[np.ndarray, list[GroundTruth]]:
    """Frame `index` of `split` exactly as exported (randomisation included)."""
    spec, rng = frame_spec(plan, split, index)
    img, truths = render_scene(spec, rng)
    if not (plan.randomise and split == "train"):
        return img, truths
    prng = np.random.default_rng([plan.seed, 7, index])
    if prng.random() < 0.3:  # keep some training frames clean
        return img, truths
    from simulators.scenes.perturb import randomise

    boxes = np.array([(g.x1, g.y1, g.x2, g.y2) for g in truths], np.float64).reshape(-1, 4)
    img, moved = randomise(img, boxes, prng)
    out = []
    for g, (x1, y1, x2, y2) in zip(truths, moved, strict=True):
        cx1, cy1 = max(0.0, x1), max(0.0, y1)
        cx2, cy2 = min(float(plan.width), x2), min(float(plan.height), y2)
        area = max(1e-6, (x2 - x1) * (y2 - y1))
        if cx2 - cx1 < 3 or cy2 - cy1 < 3 or (cx2 - cx1) * (cy2 - cy1) < 0.6 * area:
            continue
        out.append(GroundTruth(g.cls, round(cx1, 2), round(cy1, 2), round(cx2, 2), round(cy2, 2)))
    return img, out


def label_lines(truths: list[GroundTruth], width: int, height: int) -> str:
    lines = []
    for gt in truths:
        c, cx, cy, bw, bh = gt.yolo(width, height)
        lines.append(f"{c} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}")
    return "\n".join(lines) + ("\n" if lines else "")


def read_labels(path: Path, width: int, height: int) -> list[GroundTruth]:
    """YOLO label file back to pixel boxes."""
    out = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        c, cx, cy, bw, bh = line.split()
        x, y, w, h = float(cx) * width, float(cy) * height, float(bw) * width, float(bh) * height
        out.append(GroundTruth(ALL_CLASSES[int(c)], x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    return out


def export_dataset(
    out: Path,
    n: int,
    seed: int,
    width: int = 320,
    height: int = 240,
    *,
    styles: tuple[str, ...] = ("classic",),
    heldout_style: str | None = None,
    label_heads: bool = False,
    randomise: bool = False,
    rodent_rate: float | None = None,
    only: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Render and write the data set (or `only` some of its splits, e.g. evaluation
    sets without the training split); return (and write) the report."""
    plan = DatasetPlan(
        n, seed, width, height, styles, heldout_style, label_heads, randomise, rodent_rate
    )
    balance: dict[str, Counter[str]] = {}
    hashes: dict[str, set[str]] = {}
    frames: dict[str, int] = {}
    for split, count in plan.counts().items():
        if only is not None and split not in only:
            continue
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
        balance[split] = Counter()
        hashes[split] = set()
        frames[split] = count
        for i in range(count):
            img, truths = render_frame(plan, split, i)
            ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if not ok:
                raise RuntimeError("JPEG encoding failed")
            (out / "images" / split / f"{i:06d}.jpg").write_bytes(jpeg.tobytes())
            (out / "labels" / split / f"{i:06d}.txt").write_text(label_lines(truths, width, height))
            hashes[split].add(hashlib.sha256(img.tobytes()).hexdigest())
            balance[split].update(gt.cls for gt in truths)
            if not truths:
                balance[split]["(empty frame)"] += 1
            if (i + 1) % 1000 == 0 or i + 1 == count:
                log.info("data set %s: %s %d/%d frames rendered", out, split, i + 1, count)
    shared = {
        f"{a}&{b}": len(hashes[a] & hashes[b])
        for a in frames
        for b in frames
        if SPLITS[a] < SPLITS[b]
    }
    report: dict[str, Any] = {
        "seed": seed,
        "size": [width, height],
        "classes": list(plan.classes),
        "frames": frames,
        "objects": {split: dict(sorted(c.items())) for split, c in balance.items()},
        "identical_frames_across_splits": shared,
        "duplicate_frames_within_split": {s: frames[s] - len(hashes[s]) for s in frames},
    }
    if plan.heldout_style is not None or plan.styles != ("classic",) or plan.label_heads:
        report["styles"] = list(plan.styles)
        report["heldout_style"] = plan.heldout_style
        report["label_heads"] = plan.label_heads
        report["randomise"] = plan.randomise
    if plan.rodent_rate is not None:
        report["rodent_rate"] = plan.rodent_rate
    (out / "report.json").write_text(json.dumps(report, indent=2))
    names = "\n".join(f"  {i}: {c}" for i, c in enumerate(plan.classes))
    (out / "data.yaml").write_text(
        f"# bk sim dataset --n {n} --seed {seed}\npath: {out.resolve()}\n"
        f"train: images/train\nval: images/val\ntest: images/heavy\n"
        f"width: {width}\nheight: {height}\nseed: {seed}\nnames:\n{names}\n"
    )
    log.info("data set written to %s: %s", out, frames)
    return report


def verify_sample(out: Path, seed: int, n: int, k: int = 20, split: str = "val") -> list[str]:
    """Re-render k frames of a split and compare with the stored labels and pictures.

    Returns a list of problems (empty when all match). Also writes the re-rendered frames
    with their label boxes drawn to `OUT/check/` for a look by eye.
    """
    rep = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else {}
    plan = DatasetPlan(
        n=n,
        seed=seed,
        width=rep.get("size", [320, 240])[0],
        height=rep.get("size", [320, 240])[1],
        styles=tuple(rep.get("styles", ["classic"])),
        heldout_style=rep.get("heldout_style"),
        label_heads=bool(rep.get("label_heads", False)),
        randomise=bool(rep.get("randomise", False)),
    )
    count = plan.counts()[split]
    problems: list[str] = []
    check = out / "check"
    check.mkdir(exist_ok=True)
    for i in np.linspace(0, count - 1, min(k, count)).astype(int):
        spec, _rng = frame_spec(plan, split, int(i))
        img, truths = render_frame(plan, split, int(i))
        stored = read_labels(out / "labels" / split / f"{i:06d}.txt", spec.width, spec.height)
        if len(stored) != len(truths):
            problems.append(f"{split}/{i}: {len(stored)} labels stored, {len(truths)} drawn")
            continue
        for a, b in zip(stored, truths, strict=True):
            err = max(abs(a.x1 - b.x1), abs(a.y1 - b.y1), abs(a.x2 - b.x2), abs(a.y2 - b.y2))
            if a.cls != b.cls or err > 0.01:
                problems.append(f"{split}/{i}: label {a} differs from drawn {b}")
        jpeg = cv2.imread(str(out / "images" / split / f"{i:06d}.jpg"))
        if jpeg is None or cv2.PSNR(jpeg, img) < 28:
            problems.append(f"{split}/{i}: stored picture differs from the re-rendered one")
        for gt in stored:
            cv2.rectangle(img, (int(gt.x1), int(gt.y1)), (int(gt.x2), int(gt.y2)), (0, 0, 255), 1)
            cv2.putText(img, gt.cls, (int(gt.x1), max(8, int(gt.y1) - 2)), 0, 0.3, (0, 0, 255), 1)
        cv2.imwrite(str(check / f"{split}_{i:06d}.jpg"), img)
    return problems
