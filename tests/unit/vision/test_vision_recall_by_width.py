"""Recall split by the true box's width: found and missed objects land in their band,
thresholds and IoU are honoured, and the split agrees with the overall recall."""

import numpy as np

from vision.metrics import match, recall_by_width


def _box(x: float, y: float, w: float, h: float) -> list[float]:
    return [x, y, x + w, y + h]


def test_small_missed_and_large_found_land_in_their_bands() -> None:
    truths = [np.array([_box(10, 10, 4, 5), _box(50, 50, 20, 24)])]
    preds = [(np.array([_box(50, 50, 20, 24)]), np.array([0.9]))]
    bands = recall_by_width(preds, truths, threshold=0.5)
    assert bands == [
        {"width_px": "0-6", "recall": 0.0, "n": 1},
        {"width_px": "16-24", "recall": 1.0, "n": 1},
    ]


def test_threshold_and_iou_decide_what_is_found() -> None:
    truths = [np.array([_box(0, 0, 30, 30)])]
    low = [(np.array([_box(0, 0, 30, 30)]), np.array([0.4]))]
    assert recall_by_width(low, truths, threshold=0.5)[0]["recall"] == 0.0
    assert recall_by_width(low, truths, threshold=0.3)[0]["recall"] == 1.0
    shifted = [(np.array([_box(20, 0, 30, 30)]), np.array([0.9]))]  # IoU 0.2
    assert recall_by_width(shifted, truths, threshold=0.3) == [
        {"width_px": ">=24", "recall": 0.0, "n": 1}
    ]


def test_one_prediction_finds_one_truth_only() -> None:
    twins = [np.array([_box(0, 0, 10, 10), _box(1, 0, 10, 10)])]
    one = [(np.array([_box(0, 0, 10, 10)]), np.array([0.9]))]
    assert recall_by_width(one, twins, threshold=0.5) == [
        {"width_px": "8-12", "recall": 0.5, "n": 2}
    ]


def test_bands_add_up_to_the_overall_recall() -> None:
    rng = np.random.default_rng(3)
    truths, preds = [], []
    for _ in range(40):
        n = int(rng.integers(0, 5))
        xy = rng.uniform(0, 200, (n, 2))
        wh = rng.uniform(2, 40, (n, 2))
        gt = np.concatenate([xy, xy + wh], 1)
        keep = rng.random(n) < 0.7
        boxes = gt[keep] + rng.normal(0, 1.0, (int(keep.sum()), 4))
        extra = np.concatenate([rng.uniform(0, 200, (2, 2)), rng.uniform(200, 240, (2, 2))], 1)
        truths.append(gt)
        preds.append((np.concatenate([boxes, extra]), rng.uniform(0, 1, len(boxes) + 2)))
    scores, tps, n_gt = match(preds, truths)
    overall = tps[scores >= 0.4].sum() / n_gt
    bands = recall_by_width(preds, truths, threshold=0.4)
    assert sum(int(b["n"]) for b in bands) == n_gt
    found = sum(float(b["recall"]) * int(b["n"]) for b in bands)
    assert abs(found / n_gt - overall) < 1e-3
    assert len(bands) >= 4


def test_no_truths_gives_no_bands() -> None:
    preds = [(np.array([_box(0, 0, 10, 10)]), np.array([0.9]))]
    assert recall_by_width(preds, [np.zeros((0, 4))], threshold=0.5) == []
