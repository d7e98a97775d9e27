"""mAP@0.5 per class (all-point interpolated average precision, as in VOC 2010+)."""

from collections.abc import Sequence

import numpy as np


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in a (N,4) with every box in b (M,4), x1 y1 x2 y2."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return np.asarray(inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9))


def _match_image(
    boxes: np.ndarray, scores: np.ndarray, gt: np.ndarray, iou: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One image, best score first: (prediction order, is-true-positive per prediction
    in that order, is-found per truth)."""
    order = np.argsort(-scores)
    used = np.zeros(len(gt), bool)
    tps = np.zeros(len(order), bool)
    ious = iou_matrix(boxes[order], gt)
    for k in range(len(order)):
        if len(gt):
            cand = np.where(~used, ious[k], -1.0)
            j = int(np.argmax(cand))
            if cand[j] >= iou:
                used[j] = True
                tps[k] = True
    return order, tps, used


def match(
    preds: Sequence[tuple[np.ndarray, np.ndarray]], truths: Sequence[np.ndarray], iou: float = 0.5
) -> tuple[np.ndarray, np.ndarray, int]:
    """Greedy matching per image, best score first: (scores, is-true-positive, n truths)
    with the predictions sorted by descending score."""
    n_gt = sum(len(t) for t in truths)
    records: list[tuple[float, int]] = []
    for (boxes, scores), gt in zip(preds, truths, strict=True):
        order, tps, _found = _match_image(boxes, scores, gt, iou)
        records.extend((float(scores[idx]), int(tp)) for idx, tp in zip(order, tps, strict=True))
    records.sort(key=lambda r: -r[0])
    return np.array([r[0] for r in records]), np.array([r[1] for r in records], float), n_gt


WIDTH_BANDS: tuple[float, ...] = (0.0, 6.0, 8.0, 12.0, 16.0, 24.0)
"""Lower edges (frame pixels) of the object-width bands `recall_by_width` reports."""


def recall_by_width(
    preds: Sequence[tuple[np.ndarray, np.ndarray]],
    truths: Sequence[np.ndarray],
    threshold: float,
    iou: float = 0.5,
    bands: Sequence[float] = WIDTH_BANDS,
) -> list[dict[str, float | int | str]]:
    """Recall at `threshold` per band of the true box's width in frame pixels, with
    the count of truths in each band (bands without any are left out).

    Why: one recall figure over a set mixes heads 3 px wide, where a hat or a mask is a
    pixel or two, with heads 20 px wide. Split by width it tells an integrator how big
    a worker must appear for the model to be trusted, which is what a camera's
    placement and resolution decide."""
    edges = np.asarray([*bands, np.inf])
    found_n = np.zeros(len(bands), int)
    total_n = np.zeros(len(bands), int)
    for (boxes, scores), gt in zip(preds, truths, strict=True):
        if not len(gt):
            continue
        keep = scores >= threshold
        _order, _tps, found = _match_image(boxes[keep], scores[keep], gt, iou)
        band = np.searchsorted(edges, gt[:, 2] - gt[:, 0], side="right") - 1
        band = np.clip(band, 0, len(bands) - 1)
        np.add.at(total_n, band, 1)
        np.add.at(found_n, band, found.astype(int))
    out: list[dict[str, float | int | str]] = []
    for b in range(len(bands)):
        if total_n[b]:
            hi = edges[b + 1]
            label = f">={bands[b]:g}" if np.isinf(hi) else f"{bands[b]:g}-{hi:g}"
            recall = round(float(found_n[b] / total_n[b]), 4)
            out.append({"width_px": label, "recall": recall, "n": int(total_n[b])})
    return out


def average_precision(
    preds: Sequence[tuple[np.ndarray, np.ndarray]], truths: Sequence[np.ndarray], iou: float = 0.5
) -> float:
    """AP of one class. preds[i] = (boxes (N,4), scores (N,)), truths[i] = boxes (M,4).

    Returns nan when the class has no ground truth at all.
    """
    _scores, tps, n_gt = match(preds, truths, iou)
    if n_gt == 0:
        return float("nan")
    if len(tps) == 0:
        return 0.0
    ctp = np.cumsum(tps)
    recall = ctp / n_gt
    precision = ctp / np.arange(1, len(tps) + 1)
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[1.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    steps = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))


def best_f1_threshold(
    preds: Sequence[tuple[np.ndarray, np.ndarray]], truths: Sequence[np.ndarray], iou: float = 0.5
) -> tuple[float, float]:
    """The score threshold with the best F1 on this data, and that F1."""
    scores, tps, n_gt = match(preds, truths, iou)
    if n_gt == 0 or len(tps) == 0:
        return 0.5, 0.0
    ctp = np.cumsum(tps)
    precision = ctp / np.arange(1, len(tps) + 1)
    recall = ctp / n_gt
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-9)
    i = int(np.argmax(f1))
    return float(scores[i]), float(f1[i])
