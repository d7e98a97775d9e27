"""Export synthetic camera scenes as a YOLO-format data set with a fixed split.

Layout under OUT: `images/{train,val,heavy}/NNNNNN.jpg`, `labels/{split}/NNNNNN.txt`
(one `cls cx cy w h` line per object, normalised), `data.yaml` (class names, splits)
and `report.json` (class balance per split, duplicate check). Frame i of a split is
rendered from `default_rng([seed, split_code, i])`, so any frame can be re-rendered
from its name alone: that is how `verify_sample` checks the labels against the
drawing. `val` is the held-out evaluation split; `heavy` holds distractor-heavy
scenes (plates, cloths, steam, brushes) to measure false alarms.
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

from simulators.scenes import CLASSES, GroundTruth, SceneSpec, render_scene

log = logging.getLogger(__name__)

SPLITS: dict[str, int] = {"train": 0, "val": 1, "heavy": 2}
JPEG_QUALITY = 90


@dataclass(frozen=True)
class DatasetPlan:
    """How many frames each split gets for a total of n (val 20 %, heavy 10 % extra)."""

    n: int
    seed: int
    width: int = 320
    height: int = 240

    def counts(self) -> dict[str, int]:
        val = max(1, self.n // 5)
        return {"train": self.n - val, "val": val, "heavy": max(1, self.n // 10)}


def frame_spec(plan: DatasetPlan, split: str, index: int) -> tuple[SceneSpec, np.random.Generator]:
    """The spec and generator that render frame `index` of `split` (pure function)."""
    rng = np.random.default_rng([plan.seed, SPLITS[split], index])
    spec = SceneSpec(
        width=plan.width,
        height=plan.height,
        t=float(index % 50) * 0.2,
        distractor_heavy=split == "heavy",
    )
    return spec, rng


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
        out.append(GroundTruth(CLASSES[int(c)], x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    return out


def export_dataset(
    out: Path, n: int, seed: int, width: int = 320, height: int = 240
) -> dict[str, Any]:
    """Render and write the data set; return (and write) the report."""
    plan = DatasetPlan(n=n, seed=seed, width=width, height=height)
    balance: dict[str, Counter[str]] = {}
    hashes: dict[str, set[str]] = {}
    frames: dict[str, int] = {}
    for split, count in plan.counts().items():
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
        balance[split] = Counter()
        hashes[split] = set()
        frames[split] = count
        for i in range(count):
            spec, rng = frame_spec(plan, split, i)
            img, truths = render_scene(spec, rng)
            ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if not ok:
                raise RuntimeError("JPEG encoding failed")
            (out / "images" / split / f"{i:06d}.jpg").write_bytes(jpeg.tobytes())
            (out / "labels" / split / f"{i:06d}.txt").write_text(label_lines(truths, width, height))
            hashes[split].add(hashlib.sha256(img.tobytes()).hexdigest())
            balance[split].update(gt.cls for gt in truths)
            if not truths:
                balance[split]["(empty frame)"] += 1
    shared = {
        f"{a}&{b}": len(hashes[a] & hashes[b])
        for a in SPLITS
        for b in SPLITS
        if SPLITS[a] < SPLITS[b]
    }
    report = {
        "seed": seed,
        "size": [width, height],
        "classes": list(CLASSES),
        "frames": frames,
        "objects": {split: dict(sorted(c.items())) for split, c in balance.items()},
        "identical_frames_across_splits": shared,
        "duplicate_frames_within_split": {s: frames[s] - len(hashes[s]) for s in SPLITS},
    }
    (out / "report.json").write_text(json.dumps(report, indent=2))
    names = "\n".join(f"  {i}: {c}" for i, c in enumerate(CLASSES))
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
    plan = DatasetPlan(n=n, seed=seed)
    count = plan.counts()[split]
    problems: list[str] = []
    check = out / "check"
    check.mkdir(exist_ok=True)
    for i in np.linspace(0, count - 1, min(k, count)).astype(int):
        spec, rng = frame_spec(plan, split, int(i))
        img, truths = render_scene(spec, rng)
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
