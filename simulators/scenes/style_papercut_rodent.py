"""Cut-paper rats and mice for the `papercut` style: a body oval and a pointed head in
grey, brown or black paper or felt, round ear pieces, a bead eye and a string tail."""

import math

import numpy as np

from simulators.scenes.style_papercut_paper import (
    Color,
    Sheet,
    _bgr,
    clip_pts,
    cut,
    ellipse,
    jitter,
    shade,
)

Box = tuple[float, float, float, float]


def _pick(seq: tuple[Color, ...], rng: np.random.Generator) -> Color:
    return seq[int(rng.integers(len(seq)))]


RODENT_COLS: tuple[Color, ...] = tuple(
    _bgr(c)
    for c in (
        (128, 128, 132),
        (150, 146, 140),
        (110, 80, 60),
        (140, 104, 72),
        (44, 42, 46),
        (90, 90, 96),
    )
)


def rodent(
    img: np.ndarray, geom: tuple[float, float, float, float], rng: np.random.Generator
) -> Box:
    """A cut-paper rat or mouse running toward `facing`; returns its body+head box."""
    x, y, ln, f = geom
    f = 1.0 if f >= 0 else -1.0
    box = (
        x - 0.4 * ln if f > 0 else x - 0.5 * ln,
        y - 0.42 * ln,
        x + 0.5 * ln if f > 0 else x + 0.4 * ln,
        y,
    )
    if not all(math.isfinite(v) for v in (x, y, ln)) or ln <= 0:
        return box
    sheet = Sheet(img, x - 1.1 * ln, y - 0.6 * ln, x + 1.1 * ln, y + 0.15 * ln)
    if sheet.empty:
        return box
    col = jitter(_pick(RODENT_COLS, rng), rng, 10)
    mouse = rng.random() < 0.4
    tex = "felt" if rng.random() < 0.5 else "fibre"
    rough = float(np.clip(0.015 * ln, 0.25, 1.5))
    lift = max(1.0, 0.04 * ln)
    tail_col = _bgr((210, 150, 150)) if rng.random() < 0.6 else shade(col, 0.8)
    ear_in = _bgr((236, 160, 170))
    bead = (12, 12, 16) if rng.random() < 0.7 else (40, 30, 140)
    swing = float(rng.uniform(-0.08, 0.08))

    def at(u: float, v: float) -> tuple[float, float]:  # body frame to image
        return x + f * u * ln, y - v * ln

    def poly(pts: list[tuple[float, float]]) -> np.ndarray:
        return np.array([at(u, v) for u, v in pts])

    bx0, by0, bx1, by1 = box
    # string tail, then little leg strips
    tail = [at(-0.36, 0.12), at(-0.6, 0.1 + swing), at(-0.8, 0.16 - swing), at(-1.0, 0.08)]
    sheet.line(tail, tail_col, max(1.0, (0.035 if not mouse else 0.02) * ln))
    legs = [
        poly([(u - 0.035, 0.1), (u + 0.035, 0.1), (u + 0.05 + s, 0.0), (u - 0.01 + s, 0.0)])
        for u, s in ((-0.2, -0.04), (0.16, 0.04))
    ]
    sheet.piece([clip_pts(p, bx0, by0, bx1, by1) for p in legs], shade(col, 0.8), rng, lift=lift)
    # body, head, ears, eye, nose
    ba = 0.33 if not mouse else 0.3
    bb = 0.17 if not mouse else 0.18
    body = np.array([at(u, v) for u, v in ellipse(-0.05, 0.18, ba, bb, 24)])
    snout = 0.5 if not mouse else 0.46
    head = poly([(0.18, 0.3), (0.3, 0.28), (snout, 0.14), (0.3, 0.05), (0.18, 0.06)])
    shapes = [clip_pts(cut(p, rng, rough), bx0, by0, bx1, by1) for p in (body, head)]
    sheet.piece(shapes, col, rng, tex=tex, lift=lift)
    er = 0.085 if not mouse else 0.11
    ear = np.array([at(u, v) for u, v in ellipse(0.22, 0.42 - er, er, er, 14)])
    sheet.piece(
        [clip_pts(cut(ear, rng, rough * 0.5), bx0, by0, bx1, by1)],
        shade(col, 0.9),
        rng,
        lift=max(1.0, lift * 0.6),
    )
    if ln > 14:
        inner = np.array([at(u, v) for u, v in ellipse(0.22, 0.42 - er, er * 0.55, er * 0.55, 10)])
        sheet.piece([inner], ear_in, rng, lift=0.0, dark=0.0, edge=0.0)
    ex, ey = at(0.33, 0.2)
    sheet.dot(ex, ey, max(0.7, 0.03 * ln), bead)
    if ln > 10:
        sheet.dot(ex - f * 0.01 * ln, ey - 0.01 * ln, max(0.5, 0.01 * ln), (230, 230, 230))
    nx, ny = at(snout - 0.03, 0.14)
    sheet.dot(nx, ny, max(0.7, 0.025 * ln), _bgr((230, 120, 140)))
    if ln > 16:
        for dv in (-0.03, 0.0, 0.03):
            sheet.line(
                [at(snout - 0.05, 0.14), at(snout + 0.12, 0.14 + dv * 2)], (200, 200, 200), 1.0
            )
    sheet.commit()
    return box
