"""Hard negatives of the `sketch` style, drawn in the same pencil as the workers.

Bowls, plates, a cloth over a rail, a chef hat lying on the shelf, a cat, mops, sacks,
cabbages, gloves, aprons on hooks, hatched floor shadows, curly steam and loose
construction ovals: shapes a detector could mistake for heads, hats, masks or rodents.
"""

import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.style_sketch_pencil import (
    Color,
    ellipse_pts,
    hatch,
    local_colour,
    marks,
    mix,
    poly_mask,
    shade,
    shape,
    stroke,
    tone,
)

DISTRACTORS: tuple[str, ...] = (
    "bowl",
    "plates",
    "cloth",
    "hat_shelf",
    "cat",
    "mop",
    "sack",
    "cabbage",
    "gloves",
    "apron_hook",
    "shadow",
    "steam",
    "ovals",
)

_ACCENT: tuple[Color, ...] = ((60, 60, 200), (170, 110, 50), (70, 150, 80), (60, 190, 220))


def _spot(
    img: np.ndarray, layout: Layout, rng: np.random.Generator, where: str
) -> tuple[float, float]:
    h, w = img.shape[:2]
    x = float(rng.uniform(0.03, 0.97)) * w
    if where == "shelf":
        return x, float(layout.shelf_y)
    if where == "counter":
        return x, float(layout.counter_top)
    if where == "wall":
        return x, float(rng.uniform(0.05, 0.95)) * max(2, layout.counter_top)
    lo = layout.horizon + 0.05 * (h - layout.horizon)
    return x, float(rng.uniform(lo, max(lo, h - 2.0)))


def draw_distractor(
    img: np.ndarray, kind: str, layout: Layout, rng: np.random.Generator, s: float
) -> None:
    """Draw one never-labelled thing of `kind` (see DISTRACTORS)."""
    h, w = img.shape[:2]
    s = max(0.2, float(s))
    v = float(rng.uniform(25, 95))
    ink: Color = (int(v + 6), int(v + 2), int(v))
    paper = local_colour(img, 0, 0, w, min(h, 8))
    white = mix(paper, (255, 255, 255), 0.6)
    grey = shade(paper, -float(rng.uniform(40, 110)))
    where = str(rng.choice(["shelf", "counter", "floor"]))
    if kind in ("bowl", "plates", "cabbage", "gloves"):
        x, y = _spot(img, layout, rng, where)
        r = float(rng.uniform(8, 20)) * s * (1.4 if where == "floor" else 1.0)
        if kind == "bowl":
            pts = np.vstack(
                [ellipse_pts(x, y - 0.6 * r, r, 0.6 * r, 0, np.pi, 12), [(x - r, y - 0.6 * r)]]
            )
            shape(img, pts, rng, ink, white, shade(paper, -70), max(1.8, r / 5), 100)
            stroke(img, ellipse_pts(x, y - 0.6 * r, r, 0.22 * r), ink, rng, 1, 0.3, double=0.4)
        elif kind == "plates":
            for k in range(int(rng.integers(2, 7))):
                yy = y - k * max(1.5, 0.14 * r)
                shape(
                    img,
                    ellipse_pts(x, yy - 0.2 * r, r, 0.25 * r),
                    rng,
                    ink,
                    white,
                    None,
                    wobble=0.3,
                )
        elif kind == "cabbage":
            for _ in range(int(rng.integers(1, 4))):
                cx = x + float(rng.uniform(-1.2, 1.2)) * r
                rr = r * float(rng.uniform(0.6, 0.9))
                green = mix(paper, (90, 170, 110), 0.6) if rng.random() < 0.4 else grey
                shape(
                    img,
                    ellipse_pts(cx, y - rr, rr, rr * 0.9),
                    rng,
                    ink,
                    green,
                    shade(green, -50),
                    max(1.8, rr / 4),
                    60,
                )
                veins = [
                    ellipse_pts(cx + a * rr, y - rr, rr * 0.6, rr * 0.8, -1.2, 1.2, 6)
                    for a in (-0.6, 0.0, 0.6)
                ]
                marks(img, veins, ink, rng, 1, 0.3)
        else:
            for side in (-1.0, 1.0):
                gx = x + side * 0.7 * r
                c = mix(paper, _ACCENT[1], 0.6) if rng.random() < 0.4 else white
                palm = ellipse_pts(gx, y - 0.4 * r, 0.45 * r, 0.3 * r)
                shape(img, palm, rng, ink, c, None, wobble=0.3)
                for k in range(4):
                    fx = gx - 0.35 * r + k * 0.23 * r
                    shape(
                        img,
                        np.array(
                            [
                                (fx - 0.08 * r, y - 0.55 * r),
                                (fx + 0.08 * r, y - 0.55 * r),
                                (fx + 0.06 * r, y - 1.0 * r),
                                (fx - 0.06 * r, y - 1.0 * r),
                            ]
                        ),
                        rng,
                        ink,
                        c,
                        None,
                        wobble=0.2,
                        double=0.0,
                    )
    elif kind == "cloth" or kind == "apron_hook":
        x, y = _spot(img, layout, rng, "wall")
        r = float(rng.uniform(12, 26)) * s
        stroke(img, [(x - 1.6 * r, y), (x + 1.6 * r, y)], ink, rng, 2, 0.3, over=3)
        if kind == "cloth":
            c = white if rng.random() < 0.7 else mix(paper, _ACCENT[int(rng.integers(4))], 0.6)
            pts = np.array(
                [
                    (x - r, y),
                    (x + r, y),
                    (x + 1.1 * r, y + 1.5 * r),
                    (x + 0.3 * r, y + 1.35 * r),
                    (x - 0.4 * r, y + 1.6 * r),
                    (x - 1.05 * r, y + 1.4 * r),
                ]
            )
            shape(img, pts, rng, ink, c, shade(c, -45), max(2.0, r / 5), 95)
            for fk in (-0.5, 0.1, 0.6):
                stroke(
                    img,
                    [(x + fk * r, y + 0.1 * r), (x + fk * r * 1.1, y + 1.3 * r)],
                    shade(c, -70),
                    rng,
                    1,
                    0.4,
                )
        else:
            c = white if rng.random() < 0.4 else mix(paper, _ACCENT[int(rng.integers(4))], 0.7)
            stroke(img, ellipse_pts(x, y + 2, 2.0 * s, 2.5 * s, 0, 3.5, 6), ink, rng, 1, 0.1)
            pts = np.array(
                [
                    (x - 0.35 * r, y + 0.3 * r),
                    (x + 0.35 * r, y + 0.3 * r),
                    (x + 0.5 * r, y + 0.9 * r),
                    (x + 0.7 * r, y + 2.6 * r),
                    (x - 0.7 * r, y + 2.6 * r),
                    (x - 0.5 * r, y + 0.9 * r),
                ]
            )
            shape(img, pts, rng, ink, c, shade(c, -50), max(2.0, r / 5), 60)
            stroke(
                img,
                [(x - 0.35 * r, y + 0.3 * r), (x, y + 2), (x + 0.35 * r, y + 0.3 * r)],
                ink,
                rng,
                1,
                0.2,
            )
    elif kind == "hat_shelf":
        x, y = _spot(img, layout, rng, "shelf" if rng.random() < 0.7 else "counter")
        r = float(rng.uniform(8, 16)) * s
        band = np.array([(x - r, y), (x + r, y), (x + r, y - 0.5 * r), (x - r, y - 0.5 * r)])
        crown = np.vstack(
            [
                [(x - r, y - 0.5 * r)],
                ellipse_pts(x, y - 1.3 * r, 1.3 * r, 0.9 * r, np.pi, 2 * np.pi, 12),
                [(x + r, y - 0.5 * r)],
            ]
        )
        if rng.random() < 0.4:  # lying on its side: crown to one side, band standing up
            f = 1.0 if rng.random() < 0.5 else -1.0
            lying = ellipse_pts(x + f * 0.9 * r, y - 0.75 * r, 1.1 * r, 0.75 * r, n=16)
            shape(img, lying, rng, ink, white, shade(paper, -60), max(1.8, r / 4), 0)
            shape(
                img,
                np.array(
                    [
                        (x - 0.25 * r, y),
                        (x + 0.25 * r, y),
                        (x + 0.25 * r, y - 1.3 * r),
                        (x - 0.25 * r, y - 1.3 * r),
                    ]
                ),
                rng,
                ink,
                white,
                None,
            )
        else:
            shape(img, crown, rng, ink, white, shade(paper, -60), max(1.8, r / 4), 90)
            shape(img, band, rng, ink, white, None)
            for fk in (-0.5, 0.0, 0.5):
                stroke(
                    img,
                    [(x + fk * r, y - 0.5 * r), (x + fk * r * 1.2, y - 1.7 * r)],
                    shade(paper, -90),
                    rng,
                    1,
                    0.3,
                )
    elif kind == "cat":
        x, y = _spot(img, layout, rng, "floor")
        r = float(rng.uniform(10, 20)) * s
        f = 1.0 if rng.random() < 0.5 else -1.0
        c = grey if rng.random() < 0.7 else shade(paper, -140)
        body = ellipse_pts(x, y - 0.55 * r, 1.1 * r, 0.5 * r)
        for lx in (-0.7, -0.4, 0.5, 0.8):
            stroke(img, [(x + lx * r, y - 0.4 * r), (x + lx * r, y)], ink, rng, 2, 0.2)
        shape(img, body, rng, ink, c, shade(c, -45), max(1.8, r / 5), 30)
        hx, hy = x + f * 1.1 * r, y - 1.1 * r
        head = np.vstack(
            [
                ellipse_pts(hx, hy, 0.45 * r, 0.4 * r, 0.3, 2.8, 8),
                [
                    (hx - 0.42 * r, hy - 0.2 * r),
                    (hx - 0.35 * r, hy - 0.75 * r),
                    (hx - 0.1 * r, hy - 0.38 * r),
                    (hx + 0.1 * r, hy - 0.38 * r),
                    (hx + 0.35 * r, hy - 0.75 * r),
                    (hx + 0.42 * r, hy - 0.2 * r),
                ],
            ]
        )
        shape(img, head, rng, ink, c, shade(c, -45), max(1.8, r / 5), 120)
        t = np.linspace(0, 1, 8)
        tail = np.stack(
            [x - f * (1.0 + 0.8 * t) * r, y - 0.6 * r - np.sin(t * 3) * 0.8 * r], axis=1
        )
        stroke(img, tail, ink, rng, 2, 0.3)
    elif kind == "mop":
        x, y = _spot(img, layout, rng, "floor")
        r = float(rng.uniform(25, 55)) * s
        tilt = float(rng.uniform(-0.35, 0.35)) * r
        stroke(
            img,
            [(x + tilt, y - 2.2 * r), (x, y - 0.25 * r)],
            ink,
            rng,
            max(1, int(2 * s)),
            0.3,
            over=3,
        )
        dxs = rng.uniform(-0.3, 0.3, int(rng.integers(6, 12))) * r
        strands = [[(x, y - 0.28 * r), (x + dx, y - 0.1 * r), (x + 1.3 * dx, y)] for dx in dxs]
        marks(img, strands, shade(ink, 20), rng, 1, 0.5)
        if rng.random() < 0.5:
            shape(
                img,
                np.array(
                    [
                        (x - 0.5 * r, y - 0.35 * r),
                        (x + 0.5 * r, y - 0.35 * r),
                        (x + 0.4 * r, y),
                        (x - 0.4 * r, y),
                    ]
                ),
                rng,
                ink,
                mix(paper, _ACCENT[3], 0.6),
                None,
            )
    elif kind == "sack":
        x, y = _spot(img, layout, rng, "floor")
        r = float(rng.uniform(12, 24)) * s
        pts = np.array(
            [
                (x - 0.8 * r, y),
                (x - 0.95 * r, y - 0.9 * r),
                (x - 0.6 * r, y - 1.6 * r),
                (x - 0.3 * r, y - 1.9 * r),
                (x + 0.3 * r, y - 1.85 * r),
                (x + 0.65 * r, y - 1.55 * r),
                (x + 0.95 * r, y - 0.85 * r),
                (x + 0.8 * r, y),
            ]
        )
        c = mix(paper, (120, 170, 200), 0.5) if rng.random() < 0.5 else grey
        shape(img, pts, rng, ink, c, shade(c, -50), max(1.8, r / 5), 75, cross=rng.random() < 0.5)
        shape(
            img,
            np.array(
                [
                    (x - 0.4 * r, y - 1.2 * r),
                    (x + 0.4 * r, y - 1.2 * r),
                    (x + 0.4 * r, y - 0.7 * r),
                    (x - 0.4 * r, y - 0.7 * r),
                ]
            ),
            rng,
            ink,
            white,
            None,
            wobble=0.2,
        )
    elif kind == "shadow":
        x, y = _spot(img, layout, rng, "floor")
        r = float(rng.uniform(15, 45)) * s
        m = poly_mask(img, ellipse_pts(x, y, r, r * float(rng.uniform(0.15, 0.4)), n=16))
        ang = float(rng.uniform(0, 180))
        hatch(img, m, ink, max(1.8, 2.5 * s), ang, rng, 0.6)
        if rng.random() < 0.6:
            hatch(img, m, ink, max(1.8, 3 * s), ang + 75, rng, 0.5)
        if rng.random() < 0.4:
            tone(img, m, shade(paper, -60), 0.4, rng)
    elif kind == "steam":
        if layout.pots and rng.random() < 0.8:
            px, py, pr = layout.pots[int(rng.integers(len(layout.pots)))]
            x, y, r = float(px), float(py), float(pr)
        else:
            x, y = _spot(img, layout, rng, "counter")
            r = 12 * s
        for k in range(int(rng.integers(2, 5))):
            t = np.linspace(0, 1, 14)
            sx = x + float(rng.uniform(-0.6, 0.6)) * r
            amp = float(rng.uniform(0.2, 0.45)) * r
            pts = np.stack(
                [
                    sx + np.sin(t * 9 + k) * amp * (1 + t),
                    y - 3 - t * r * float(rng.uniform(1.5, 3)),
                ],
                axis=1,
            )
            marks(img, [pts], shade(paper, -float(rng.uniform(40, 90))), rng, 1, 0.3)
    else:  # ovals: loose construction circles with guide lines, never filled
        x, y = _spot(img, layout, rng, "wall" if rng.random() < 0.7 else "floor")
        r = float(rng.uniform(5, 14)) * s
        c = shade(paper, -float(rng.uniform(50, 110)))
        for _ in range(int(rng.integers(1, 4))):
            stroke(img, ellipse_pts(x, y, r * 0.8, r, 0, 6.6, 16), c, rng, 1, 0.5, double=0.5)
            stroke(img, [(x, y - 1.2 * r), (x, y + 1.2 * r)], c, rng, 1, 0.2)
            stroke(img, [(x - r, y), (x + r, y + 0.1 * r)], c, rng, 1, 0.2)
            x += float(rng.uniform(1.8, 3.0)) * r
