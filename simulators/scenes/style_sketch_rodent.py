"""Rodents of the `sketch` style: quick gesture sketches of rats and mice.

A body and a wedge of a head in a hatched fur tone, an ear, an eye dot, a few leg strokes
and a long tail stroke trailing behind; the returned box holds body, head and ears (not
the tail), and the body fills it.
"""

import numpy as np

from simulators.scenes.style_sketch_pencil import (
    ellipse_pts,
    fill,
    local_colour,
    lum,
    mix,
    poly_mask,
    shade,
    shape,
    stroke,
)
from simulators.scenes.style_sketch_wear import ink_colour

Box = tuple[float, float, float, float]


def draw_rodent(
    img: np.ndarray, geom: tuple[float, float, float, float], rng: np.random.Generator
) -> Box:
    """A quick gesture sketch of a rat or mouse running; returns the body+head box."""
    x, y, length, facing = geom
    f = 1.0 if facing >= 0 else -1.0
    ln = max(4.0, float(length))
    mouse = rng.random() < 0.35
    paper = local_colour(img, x - ln / 2, y - ln / 3, x + ln / 2, y)
    ink = ink_colour(rng)
    fur = shade(paper, -float(rng.uniform(45, 95))) if lum(paper) > 120 else shade(paper, 60)
    if rng.random() < 0.2:
        fur = mix(fur, (60, 90, 120), 0.4)
    ry = ln * (0.2 if mouse else 0.16)
    bx, by = x - f * 0.08 * ln, y - 0.05 * ln - ry
    body = ellipse_pts(bx, by, 0.34 * ln, ry, n=20)
    hx, hy = bx + f * 0.3 * ln, y - 0.06 * ln - 0.9 * ry
    head = np.array(
        [
            (hx - f * 0.06 * ln, hy - 0.8 * ry),
            (hx + f * 0.22 * ln, hy + 0.35 * ry),
            (hx + f * 0.04 * ln, hy + 0.75 * ry),
            (hx - f * 0.1 * ln, hy + 0.6 * ry),
        ]
    )
    er = ry * (0.75 if mouse else 0.5)
    ear = ellipse_pts(hx - f * 0.02 * ln, hy - 0.8 * ry, er, er, n=10)
    # tail: a long thin stroke from the rump
    tx, ty = bx - f * 0.32 * ln, by + 0.3 * ry
    tl = ln * float(rng.uniform(0.8, 1.15))
    t = np.linspace(0, 1, 8)
    wave = np.sin(t * np.pi * float(rng.uniform(1, 2.5)) + float(rng.uniform(0, 3))) * 0.08 * ln
    tail = np.stack([tx - f * t * tl, ty + 0.05 * ln * t + wave * t], axis=1)
    stroke(img, tail, ink, rng, 2 if ln > 30 else 1, 0.3)
    # legs
    for lx in (bx - f * 0.2 * ln, bx + f * 0.18 * ln):
        stroke(
            img,
            [(lx, by + 0.6 * ry), (lx + f * float(rng.uniform(-0.08, 0.08)) * ln, y)],
            ink,
            rng,
            1,
            0.1,
        )
    sp = max(1.7, ln / 12)
    ang = float(rng.uniform(10, 40)) * -f
    masks = []
    for pts in (body, head, ear):
        m = shape(
            img,
            pts,
            rng,
            ink,
            fur,
            shade(fur, -65),
            sp,
            ang + float(rng.uniform(-15, 15)),
            cross=rng.random() < 0.3,
            wobble=min(0.6, ln / 60),
            double=0.3,
        )
        masks.append(m)
    inner = ellipse_pts(hx - f * 0.02 * ln, hy - 0.8 * ry, er * 0.5, er * 0.5, n=8)
    fill(img, poly_mask(img, inner), shade(fur, 35), rng)
    ex, ey = hx + f * 0.05 * ln, hy
    er2 = max(0.6, ln / 40)
    fill(img, poly_mask(img, ellipse_pts(ex, ey, er2, er2, n=8)), (15, 15, 15), rng, 2)
    if ln > 24:
        nx, ny = hx + f * 0.22 * ln, hy + 0.35 * ry
        for dy in (-0.04, 0.03):
            stroke(img, [(nx, ny), (nx + f * 0.1 * ln, ny + dy * ln)], shade(ink, 30), rng, 1, 0.1)
    pts = np.vstack([body, head, ear, [(bx, y)]])
    h, w = img.shape[:2]
    x1, x2 = float(pts[:, 0].min()), float(pts[:, 0].max()) + 1
    y1, y2 = float(pts[:, 1].min()), float(pts[:, 1].max()) + 1
    del masks, h, w
    return x1, y1, x2, y2
