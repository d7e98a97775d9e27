"""Measure a model's mAP@0.5 per class on a split of a YOLO-format data set."""

from pathlib import Path

import cv2
import numpy as np

from vision.card import Thresholds
from vision.detector import Detector
from vision.metrics import average_precision, best_f1_threshold


def read_truth(label: Path, width: int, height: int) -> np.ndarray:
    vals = np.array(label.read_text().split(), np.float64).reshape(-1, 5)
    cx, cy, w, h = vals[:, 1] * width, vals[:, 2] * height, vals[:, 3] * width, vals[:, 4] * height
    return np.stack([vals[:, 0], cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)


Preds = dict[int, list[tuple[np.ndarray, np.ndarray]]]
Truths = dict[int, list[np.ndarray]]


def collect(
    detector: Detector, root: Path, split: str, limit: int | None = None, score: float = 0.01
) -> tuple[Preds, Truths]:
    """Run the detector over a split keeping scores down to `score` (AP needs the whole
    precision/recall curve); the card's thresholds are restored afterwards."""
    files = sorted((root / "images" / split).glob("*.jpg"))[:limit]
    classes = detector.classes
    preds: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {c: [] for c in range(len(classes))}
    truths: dict[int, list[np.ndarray]] = {c: [] for c in range(len(classes))}
    saved = detector.card.thresholds
    detector.card.thresholds = Thresholds(
        score=score, nms_iou=saved.nms_iou, class_agnostic_nms=saved.class_agnostic_nms
    )
    try:
        for f in files:
            img = cv2.imread(str(f))
            if img is None:
                raise ValueError(f"unreadable image {f}")
            h, w = img.shape[:2]
            gt = read_truth(root / "labels" / split / (f.stem + ".txt"), w, h)
            found = detector.detect(img)
            for c, name in enumerate(classes):
                sel = [d for d in found if d.cls == name]
                boxes = np.array([d.box for d in sel], np.float64).reshape(-1, 4)
                scores = np.array([d.score for d in sel], np.float64)
                preds[c].append((boxes, scores))
                truths[c].append(gt[gt[:, 0] == c, 1:])
    finally:
        detector.card.thresholds = saved
    return preds, truths


def evaluate(
    detector: Detector, root: Path, split: str, limit: int | None = None
) -> dict[str, float]:
    """mAP@0.5 per class (and their mean under `mean`) of `detector` on `root/images/split`."""
    preds, truths = collect(detector, root, split, limit)
    return summarise(preds, truths, detector.classes)


def summarise(preds: Preds, truths: Truths, classes: list[str]) -> dict[str, float]:
    result = {
        name: round(average_precision(preds[c], truths[c]), 4) for c, name in enumerate(classes)
    }
    valid = [v for v in result.values() if v == v]
    result["mean"] = round(float(np.mean(valid)), 4) if valid else float("nan")
    return result


def tune_thresholds(preds: Preds, truths: Truths, classes: list[str]) -> dict[str, float]:
    """Per-class score thresholds with the best F1 (the card's defaults)."""
    return {
        name: round(best_f1_threshold(preds[c], truths[c])[0], 3) for c, name in enumerate(classes)
    }
