"""Turn raw model outputs into boxes in input pixels, then NMS through OpenCV.

Two formats, chosen by the card:
- `bk-grid` (this project's TinyGrid): 1 x (C+4) x Gh x Gw: C peak-filtered class
  scores, centre offset in the cell (2), box width and height in input pixels (2).
- `yolov8` (Ultralytics export): 1 x (4+C) x A: cx, cy, w, h in input pixels, then C
  class scores (already sigmoid), one column per anchor point.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from vision.card import Thresholds


@dataclass(frozen=True)
class RawDetections:
    """Candidates before NMS: boxes (N,4) x1 y1 x2 y2 in input pixels, scores, class ids."""

    boxes: np.ndarray
    scores: np.ndarray
    class_ids: np.ndarray

    @staticmethod
    def empty() -> "RawDetections":
        return RawDetections(
            np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
        )


def _min_thresholds(classes: list[str], thresholds: Thresholds) -> np.ndarray:
    return np.array([thresholds.floor_for(c) for c in classes], np.float32)


def decode_grid(
    out: np.ndarray, classes: list[str], thresholds: Thresholds, stride: int
) -> RawDetections:
    """Decode a `bk-grid` output (1, C+4, Gh, Gw)."""
    if out.ndim != 4 or out.shape[0] != 1 or out.shape[1] != len(classes) + 4:
        raise ValueError(f"bk-grid output of shape {out.shape} does not fit {len(classes)} classes")
    c = len(classes)
    scores = out[0, :c]
    thr = _min_thresholds(classes, thresholds)[:, None, None]
    cls_ids, ys, xs = np.nonzero(scores >= thr)
    if len(cls_ids) == 0:
        return RawDetections.empty()
    sc = scores[cls_ids, ys, xs]
    cx = (xs + out[0, c, ys, xs]) * stride
    cy = (ys + out[0, c + 1, ys, xs]) * stride
    w, h = out[0, c + 2, ys, xs], out[0, c + 3, ys, xs]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1).astype(np.float32)
    return RawDetections(boxes, sc.astype(np.float32), cls_ids.astype(np.int64))


def decode_yolov8(out: np.ndarray, classes: list[str], thresholds: Thresholds) -> RawDetections:
    """Decode a YOLOv8 export (1, 4+C, A); also accepts the transposed (1, A, 4+C)."""
    if out.ndim != 3 or out.shape[0] != 1:
        raise ValueError(f"yolov8 output of shape {out.shape} is not (1, 4+C, anchors)")
    c = len(classes)
    pred = out[0]
    if pred.shape[0] != 4 + c and pred.shape[1] == 4 + c:
        pred = pred.T
    if pred.shape[0] != 4 + c:
        raise ValueError(f"yolov8 output of shape {out.shape} does not fit {c} classes")
    cls_scores = pred[4:]
    best = np.argmax(cls_scores, axis=0)
    best_score = cls_scores[best, np.arange(pred.shape[1])]
    keep = best_score >= _min_thresholds(classes, thresholds)[best]
    if not np.any(keep):
        return RawDetections.empty()
    cx, cy, w, h = pred[0, keep], pred[1, keep], pred[2, keep], pred[3, keep]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1).astype(np.float32)
    return RawDetections(boxes, best_score[keep].astype(np.float32), best[keep].astype(np.int64))


def nms(raw: RawDetections, thresholds: Thresholds, max_det: int = 300) -> RawDetections:
    """Non-maximum suppression with OpenCV, per class unless the card says agnostic."""
    if len(raw.scores) == 0:
        return raw
    xywh = raw.boxes.copy()
    xywh[:, 2:] -= xywh[:, :2]
    bboxes = [list(map(float, b)) for b in xywh]
    scores = [float(s) for s in raw.scores]
    if thresholds.class_agnostic_nms:
        idx = cv2.dnn.NMSBoxes(bboxes, scores, 0.0, thresholds.nms_iou)
    else:
        idx = cv2.dnn.NMSBoxesBatched(
            bboxes, scores, [int(c) for c in raw.class_ids], 0.0, thresholds.nms_iou
        )
    keep = np.asarray(idx, np.int64).reshape(-1)
    keep = keep[np.argsort(-raw.scores[keep], kind="stable")][:max_det]
    return RawDetections(raw.boxes[keep], raw.scores[keep], raw.class_ids[keep])
