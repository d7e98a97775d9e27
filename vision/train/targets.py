"""CenterNet-style training targets: per class a Gaussian heat map peaking at each
object's centre cell, and at that cell the sub-cell offset and log size."""

import math

import numpy as np

from vision.train.model import STRIDE, WH_BASE


def build_targets(
    targets: list[np.ndarray], nc: int, gh: int, gw: int, stride: int = STRIDE
) -> tuple[np.ndarray, ...]:
    b = len(targets)
    heat = np.zeros((b, nc, gh, gw), np.float32)
    mask = np.zeros((b, gh, gw), np.float32)
    reg = np.zeros((b, 4, gh, gw), np.float32)
    ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
    for i, t in enumerate(targets):
        for c, x1, y1, x2, y2 in t:
            bw, bh = max(1.0, x2 - x1), max(1.0, y2 - y1)
            gx, gy = (x1 + x2) / 2 / stride, (y1 + y2) / 2 / stride
            ix, iy = min(gw - 1, int(gx)), min(gh - 1, int(gy))
            sigma = max(0.5, math.sqrt(bw * bh) / stride / 4)
            g = np.exp(-((xs - ix) ** 2 + (ys - iy) ** 2) / (2 * sigma**2))
            heat[i, int(c)] = np.maximum(heat[i, int(c)], g)
            heat[i, int(c), iy, ix] = 1.0
            mask[i, iy, ix] = 1.0
            reg[i, :, iy, ix] = (gx - ix, gy - iy, math.log(bw / WH_BASE), math.log(bh / WH_BASE))
    return heat, mask, reg
