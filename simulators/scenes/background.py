"""Kitchen backgrounds: tiled wall, back counter with pots, a shelf, tiled floor.

The layout (where the wall meets the floor, the counter, the shelf) is returned so the
actors can stand on the floor and distractors can sit on the shelf at head height.
"""

from dataclasses import dataclass

import cv2
import numpy as np

Color = tuple[int, int, int]


@dataclass(frozen=True)
class Layout:
    horizon: int
    """Row where the wall meets the floor."""
    counter_top: int
    shelf_y: int
    pots: tuple[tuple[int, int, int], ...]
    """(centre x, top y, radius) of pots on the counter, where steam rises."""


def _col(rng: np.random.Generator, lo: int, hi: int) -> Color:
    c = rng.integers(lo, hi, size=3)
    return int(c[0]), int(c[1]), int(c[2])


def _jitter(rng: np.random.Generator, base: Color, amount: int) -> Color:
    c = np.clip(np.array(base) + rng.integers(-amount, amount + 1, size=3), 0, 255)
    return int(c[0]), int(c[1]), int(c[2])


def _tiles(
    img: np.ndarray, y0: int, y1: int, size: int, grout: Color, rng: np.random.Generator
) -> None:
    w = img.shape[1]
    for y in range(y0, y1, size):
        cv2.line(img, (0, y), (w - 1, y), grout, 1)
    off = int(rng.integers(0, size))
    for x in range(off, w, size):
        cv2.line(img, (x, y0), (x, y1 - 1), grout, 1)


def draw_background(width: int, height: int, rng: np.random.Generator) -> tuple[np.ndarray, Layout]:
    """A kitchen seen from a ceiling camera: BGR uint8 image and its layout."""
    s = height / 240.0
    img = np.zeros((height, width, 3), np.uint8)
    horizon = int(height * rng.uniform(0.42, 0.55))
    wall = _col(rng, 150, 235)
    img[:horizon] = wall
    tile = max(4, int(rng.integers(9, 22) * s))
    _tiles(img, 0, horizon, tile, _jitter(rng, wall, 40), rng)
    floor = _col(rng, 70, 170)
    img[horizon:] = floor
    _tiles(img, horizon, height, max(5, int(tile * 1.6)), _jitter(rng, floor, 35), rng)
    cv2.line(img, (0, horizon), (width - 1, horizon), _col(rng, 40, 90), max(1, int(3 * s)))
    # window or extractor hood on the wall
    if rng.random() < 0.5:
        wx = int(rng.uniform(0.05, 0.7) * width)
        ww, wh = int(rng.uniform(0.15, 0.3) * width), int(rng.uniform(0.12, 0.22) * height)
        wy = int(rng.uniform(0.03, 0.12) * height)
        cv2.rectangle(img, (wx, wy), (wx + ww, wy + wh), _col(rng, 200, 255), -1)
        cv2.rectangle(img, (wx, wy), (wx + ww, wy + wh), _col(rng, 60, 120), max(1, int(2 * s)))
    # shelf along the wall at about head height
    shelf_y = int(height * rng.uniform(0.14, 0.3))
    cv2.rectangle(
        img, (0, shelf_y), (width - 1, shelf_y + max(2, int(4 * s))), _col(rng, 90, 200), -1
    )
    # back counter (stainless or painted) against the wall
    counter_h = int(height * rng.uniform(0.1, 0.16))
    counter_top = horizon - counter_h
    steel = _col(rng, 140, 215)
    cv2.rectangle(img, (0, counter_top), (width - 1, horizon), steel, -1)
    cv2.rectangle(
        img,
        (0, counter_top),
        (width - 1, counter_top + max(2, int(5 * s))),
        _jitter(rng, steel, 30),
        -1,
    )
    for x in range(int(rng.integers(10, 40) * s), width, max(10, int(rng.integers(40, 90) * s))):
        cv2.line(img, (x, counter_top + int(6 * s)), (x, horizon), _jitter(rng, steel, 50), 1)
    pots: list[tuple[int, int, int]] = []
    for _ in range(int(rng.integers(0, 4))):
        r = int(rng.uniform(10, 22) * s)
        cx = int(rng.uniform(0.05, 0.95) * width)
        top = counter_top - int(r * rng.uniform(0.8, 1.4))
        color = _col(rng, 60, 200)
        cv2.rectangle(img, (cx - r, top), (cx + r, counter_top + 2), color, -1)
        cv2.ellipse(img, (cx, top), (r, max(2, r // 3)), 0, 0, 360, _jitter(rng, color, 40), -1)
        pots.append((cx, top, r))
    return img, Layout(horizon=horizon, counter_top=counter_top, shelf_y=shelf_y, pots=tuple(pots))
