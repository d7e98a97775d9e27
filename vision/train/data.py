"""Load a YOLO-format data set (as written by `bk sim dataset`) into memory, letterboxed."""

from pathlib import Path

import cv2
import numpy as np

from vision.letterbox import letterbox


def load_split(
    root: Path, split: str, in_w: int, in_h: int, limit: int | None = None
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray], list[tuple[int, int]]]:
    """Images (N, 3, in_h, in_w) uint8 letterboxed; per image (M,5) cls+box in input
    pixels; per image the original-pixel boxes (M,5) for evaluation; original sizes."""
    files = sorted((root / "images" / split).glob("*.jpg"))[:limit]
    imgs = np.zeros((len(files), 3, in_h, in_w), np.uint8)
    targets: list[np.ndarray] = []
    originals: list[np.ndarray] = []
    sizes: list[tuple[int, int]] = []
    for i, f in enumerate(files):
        img = cv2.imread(str(f))
        if img is None:
            raise ValueError(f"unreadable image {f}")
        h, w = img.shape[:2]
        canvas, lb = letterbox(img, in_w, in_h)
        imgs[i] = canvas.transpose(2, 0, 1)
        text = (root / "labels" / split / (f.stem + ".txt")).read_text().split()
        rows = np.array(text, np.float64).reshape(-1, 5)
        boxes = (
            np.stack(
                [
                    (rows[:, 1] - rows[:, 3] / 2) * w,
                    (rows[:, 2] - rows[:, 4] / 2) * h,
                    (rows[:, 1] + rows[:, 3] / 2) * w,
                    (rows[:, 2] + rows[:, 4] / 2) * h,
                ],
                1,
            )
            if len(rows)
            else np.zeros((0, 4))
        )
        originals.append(np.concatenate([rows[:, :1], boxes], 1))
        targets.append(np.concatenate([rows[:, :1], lb.to_input(boxes)], 1))
        sizes.append((w, h))
    return imgs, targets, originals, sizes
