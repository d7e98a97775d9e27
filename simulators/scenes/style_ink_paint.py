"""Brush and paper primitives of the `ink` training style (ink-and-wash painting).

A `Canvas` is a float copy of one rectangle of the frame: shapes are drawn as masks
with OpenCV, then laid on as watercolour washes (mottled pigment, a darker rim where the
pigment pools, a little bleed that runs downward past the shape) or as ink strokes whose
dryness breaks them up. Only the canvas rectangle is written back, so an actor painted on
its own canvas changes only its own neighbourhood. Noise comes from tiles made once at
import with a fixed seed and sampled at random offsets, so a frame costs no noise synthesis.
"""

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[Any]
"""A float32 image or mask (OpenCV returns loosely typed arrays)."""
U8 = npt.NDArray[Any]
"""A uint8 image or mask."""
Color = tuple[int, int, int]

_TILE_N = 256


def _make_tile(seed: int) -> F32:
    """Smooth 256x256 noise in about [-1, 1]: three octaves of upsampled random values."""
    r = np.random.default_rng(seed)
    acc = np.zeros((_TILE_N, _TILE_N), np.float32)
    for cells, amp in ((8, 1.0), (24, 0.5), (96, 0.3)):
        small = r.standard_normal((cells, cells)).astype(np.float32)
        acc += amp * cv2.resize(small, (_TILE_N, _TILE_N), interpolation=cv2.INTER_CUBIC)
    acc /= float(np.abs(acc).max())
    return acc


_TILES: tuple[F32, ...] = tuple(_make_tile(s) for s in (11, 23, 37))
_FIBRES: F32 = np.clip(
    cv2.resize(
        np.random.default_rng(5).standard_normal((256, 24)).astype(np.float32),
        (_TILE_N, _TILE_N),
        interpolation=cv2.INTER_LINEAR,
    ),
    -2.5,
    2.5,
)
"""Stretched noise: long paper fibres running across the sheet."""


def noise(rng: np.random.Generator, h: int, w: int, zoom: float = 1.0) -> F32:
    """A random window of a noise tile resized to (h, w); `zoom` > 1 gives broader blots."""
    h, w = max(1, h), max(1, w)
    tile = _TILES[int(rng.integers(0, len(_TILES)))]
    ch = int(np.clip(min(h, _TILE_N) / zoom, 4, _TILE_N))
    cw = int(np.clip(min(w, _TILE_N) / zoom, 4, _TILE_N))
    oy = int(rng.integers(0, _TILE_N - ch + 1))
    ox = int(rng.integers(0, _TILE_N - cw + 1))
    win = tile[oy : oy + ch, ox : ox + cw]
    if rng.random() < 0.5:
        win = win.T if ch == cw else win[::-1]
    return np.ascontiguousarray(cv2.resize(win, (w, h), interpolation=cv2.INTER_LINEAR))


def fibres(rng: np.random.Generator, h: int, w: int) -> F32:
    """Rice-paper fibres (about [-2.5, 2.5]) in a random orientation."""
    t = _FIBRES if rng.random() < 0.5 else _FIBRES.T
    oy, ox = (int(v) for v in rng.integers(0, 64, size=2))
    win = t[oy : oy + 192, ox : ox + 192]
    return np.ascontiguousarray(cv2.resize(win, (w, h), interpolation=cv2.INTER_LINEAR))


def c3(x: F32) -> F32:
    """A one-channel array as three channels (numpy broadcasting over BGR is slow here)."""
    out: F32 = cv2.merge([x, x, x])
    return out


def jitter(rng: np.random.Generator, c: Sequence[int], amount: int) -> Color:
    d = rng.integers(-amount, amount + 1, size=3).tolist()
    return (
        min(255, max(0, c[0] + d[0])),
        min(255, max(0, c[1] + d[1])),
        min(255, max(0, c[2] + d[2])),
    )


def mix(a: Sequence[int], b: Sequence[int], t: float) -> Color:
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


class Canvas:
    """A rectangle of the frame painted in float, then written back with `commit`."""

    def __init__(
        self,
        img: U8,
        box: tuple[float, float, float, float],
        rng: np.random.Generator,
        zoom: float = 1.0,
    ) -> None:
        h, w = img.shape[:2]
        self.img = img
        self.x0 = int(np.clip(np.floor(box[0]), 0, w))
        self.y0 = int(np.clip(np.floor(box[1]), 0, h))
        self.x1 = int(np.clip(np.ceil(box[2]), self.x0, w))
        self.y1 = int(np.clip(np.ceil(box[3]), self.y0, h))
        self.h, self.w = self.y1 - self.y0, self.x1 - self.x0
        self.empty = self.h < 2 or self.w < 2
        self.rng = rng
        self.buf: F32 = img[self.y0 : self.y1, self.x0 : self.x1].astype(np.float32)
        self.tex: F32 = noise(rng, self.h, self.w, zoom) if not self.empty else self.buf[..., 0]

    def pt(self, x: float, y: float) -> tuple[int, int]:
        return round(x - self.x0), round(y - self.y0)

    def pts(self, seq: Sequence[tuple[float, float]]) -> npt.NDArray[np.int32]:
        return np.array([self.pt(x, y) for x, y in seq], np.int32)

    def mask(self) -> U8:
        return np.zeros((self.h, self.w), np.uint8)

    def wash(
        self,
        m: U8,
        color: Sequence[int],
        opacity: float = 0.92,
        bleed: int = 1,
        rim: float = 0.25,
        mottle: float = 0.12,
    ) -> None:
        """Lay a watercolour wash of `color` over mask `m` (0/255)."""
        sub = self._window(m, bleed + 3)
        if sub is None:
            return
        ys, xs = sub
        a = m[ys, xs].astype(np.float32) * (1.0 / 255.0)
        if bleed > 0:  # wet paint creeps out a little and runs downward
            k = 2 * bleed + 1
            b = cv2.blur(a, (k, k))
            run = np.zeros_like(b)
            if bleed < b.shape[0]:
                run[bleed:] = b[:-bleed]
            a = np.maximum(a, 0.55 * run)
        pool = np.clip(a - cv2.blur(a, (5, 5)), 0.0, 1.0) * (rim * 2.0)
        al = a * opacity
        lit = al * (1.0 + mottle * self.tex[ys, xs] - pool)
        buf = self.buf[ys, xs]
        buf *= c3(1.0 - al)
        buf += cv2.merge([lit * float(c) for c in color[:3]])

    def _window(self, m: U8, pad: int) -> tuple[slice, slice] | None:
        """Slices around the painted part of `m` (with `pad`), None if nothing is painted."""
        if self.empty:
            return None
        x, y, bw, bh = cv2.boundingRect(m)
        if bw == 0 or bh == 0:
            return None
        return (
            slice(max(0, y - pad), min(self.h, y + bh + 2 * pad)),
            slice(max(0, x - pad), min(self.w, x + bw + pad)),
        )

    def ink(
        self,
        m: U8,
        color: Sequence[int] = (30, 28, 26),
        opacity: float = 0.9,
        dry: float = 0.0,
    ) -> None:
        """Lay ink over mask `m`; `dry` (0..1) breaks the stroke up like a dry brush."""
        sub = self._window(m, 0)
        if sub is None:
            return
        ys, xs = sub
        a = m[ys, xs].astype(np.float32) * (opacity / 255.0)
        if dry > 0:
            a *= np.clip(1.2 + 1.6 * dry * self.tex[ys, xs] - 0.6 * dry, 0.15, 1.0)
        buf = self.buf[ys, xs]
        buf *= c3(1.0 - a)
        buf += cv2.merge([a * float(c) for c in color[:3]])

    def commit(self) -> None:
        if self.empty:
            return
        np.clip(self.buf, 0, 255, out=self.buf)
        self.img[self.y0 : self.y1, self.x0 : self.x1] = self.buf.astype(np.uint8)


def stroke(
    m: U8,
    pts: npt.NDArray[np.int32],
    width: float,
    rng: np.random.Generator,
    taper: bool = True,
) -> None:
    """A brush stroke along `pts`: each segment gets its own width (pressure)."""
    n = len(pts)
    for i in range(n - 1):
        u = i / max(1, n - 2)
        press = 0.55 + 0.9 * np.sin(np.pi * u) if taper else 1.0
        t = max(1, round(width * press * rng.uniform(0.75, 1.25)))
        aa = cv2.LINE_AA if t > 1 else cv2.LINE_8  # a hair-thin stroke stays one pixel wide
        cv2.line(m, tuple(pts[i]), tuple(pts[i + 1]), 255, t, aa)


def splatter(
    cv: Canvas, cx: float, cy: float, spread: float, n: int, color: Sequence[int], size: float
) -> None:
    """A flick of brush drops around (cx, cy)."""
    m = cv.mask()
    r = cv.rng
    for _ in range(n):
        x = cx + r.normal(0, spread)
        y = cy + r.normal(0, spread * 0.7)
        cv2.circle(m, cv.pt(x, y), max(1, round(size * r.uniform(0.3, 1.0))), 255, -1)
    cv.ink(m, color, opacity=float(r.uniform(0.35, 0.8)))
