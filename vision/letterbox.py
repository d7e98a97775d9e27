"""Letterbox resize: keep the aspect ratio, pad to the model's input size.

The same function serves training and inference, so boxes learnt on letterboxed
pictures map back to the camera's pixels through `Letterbox.to_original`.
"""

from dataclasses import dataclass

import cv2
import numpy as np

PAD_VALUE = 114


@dataclass(frozen=True)
class Letterbox:
    """How an original frame was placed into the model input."""

    scale: float
    pad_x: int
    pad_y: int
    width: int
    """Original frame width."""
    height: int

    def to_original(self, boxes: np.ndarray) -> np.ndarray:
        """(N, 4) x1 y1 x2 y2 in input pixels -> original pixels, clipped to the frame."""
        out = boxes.astype(np.float64).copy()
        out[:, [0, 2]] = (out[:, [0, 2]] - self.pad_x) / self.scale
        out[:, [1, 3]] = (out[:, [1, 3]] - self.pad_y) / self.scale
        out[:, [0, 2]] = out[:, [0, 2]].clip(0, self.width)
        out[:, [1, 3]] = out[:, [1, 3]].clip(0, self.height)
        return out

    def to_input(self, boxes: np.ndarray) -> np.ndarray:
        """(N, 4) original pixels -> input pixels (for training targets)."""
        out = boxes.astype(np.float64).copy()
        out[:, [0, 2]] = out[:, [0, 2]] * self.scale + self.pad_x
        out[:, [1, 3]] = out[:, [1, 3]] * self.scale + self.pad_y
        return out


def letterbox(img: np.ndarray, in_w: int, in_h: int) -> tuple[np.ndarray, Letterbox]:
    """Resize `img` (H, W, 3) into an (in_h, in_w, 3) canvas, centred, grey padding."""
    h, w = img.shape[:2]
    scale = min(in_w / w, in_h / h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    # the scale actually applied per axis can differ from `scale` by rounding; use the
    # exact one of the wider axis so to_original inverts to_input exactly
    pad_x, pad_y = (in_w - nw) // 2, (in_h - nh) // 2
    canvas = np.full((in_h, in_w, 3), PAD_VALUE, np.uint8)
    resized = img if (nw, nh) == (w, h) else cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA)
    canvas[pad_y : pad_y + nh, pad_x : pad_x + nw] = resized
    return canvas, Letterbox(scale=scale, pad_x=pad_x, pad_y=pad_y, width=w, height=h)
