"""Hard negatives of the `lowpoly` training style: faceted things that are not labelled.

White bowls and bowl stacks, steamed buns, cloths and aprons on hooks, a chef hat on a
shelf, cabbages, sacks and potatoes, pot lids, shadows, a cat, a mop, gloves and a wall
clock: shapes a detector could take for a head, a hat, a mask or a rodent.
"""

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.style_lowpoly_mesh import (
    Color,
    Image,
    column,
    darken,
    draw_patch,
    ellipsoid,
    facet,
    flat,
    get_light,
    limb,
    mul,
    pick,
    ring,
)

POTS: tuple[Color, ...] = (
    (185, 185, 190),
    (150, 155, 160),
    (50, 50, 55),
    (60, 90, 170),
    (70, 110, 180),
)
DEG = np.array


DISTRACTORS = (
    "bowl",
    "bowl_stack",
    "bun",
    "cloth",
    "apron_hook",
    "shelf_hat",
    "cabbage",
    "pot_lid",
    "sack",
    "potatoes",
    "shadow",
    "cat",
    "mop",
    "glove",
    "clock",
)
_WHITE: tuple[Color, ...] = ((235, 235, 235), (225, 232, 238), (215, 220, 220), (240, 245, 245))


def _spot(
    kind: str, lay: Layout, w: int, h: int, rng: np.random.Generator
) -> tuple[float, float, float]:
    """Where a thing stands (x, bottom y) and a size factor for the distance."""
    x = float(rng.uniform(0.03, 0.97) * w)
    where = {
        "bowl": ("shelf", "counter"),
        "bowl_stack": ("shelf", "counter"),
        "bun": ("counter",),
        "cloth": ("wall", "counter"),
        "apron_hook": ("wall",),
        "shelf_hat": ("shelf",),
        "cabbage": ("counter", "floor"),
        "pot_lid": ("wall", "counter"),
        "sack": ("floor",),
        "potatoes": ("floor", "counter"),
        "shadow": ("floor", "wall"),
        "cat": ("floor",),
        "mop": ("floor",),
        "glove": ("counter", "shelf"),
        "clock": ("wall",),
    }[kind]
    spot = where[int(rng.integers(len(where)))]
    if spot == "shelf":
        return x, float(lay.shelf_y - 3), 1.0
    if spot == "counter":
        return x, float(lay.counter_top + 2), 1.0
    if spot == "wall":
        return x, float(rng.uniform(0.1 * h, lay.counter_top - 0.03 * h)), 1.0
    y = float(rng.uniform(lay.horizon + 0.05 * h, h))
    depth = (y - lay.horizon) / max(1.0, h - lay.horizon)
    return x, y, 0.8 + 0.9 * depth


def distractor(img: Image, kind: str, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """Hard negatives: things shaped like heads, hats, masks or rodents, never labelled."""
    h, w = img.shape[:2]
    x, y, k = _spot(kind, layout, w, h, rng)
    u = s * k * float(rng.uniform(0.8, 1.25))
    light = get_light()
    white = pick(rng, _WHITE, 8)
    hemi = np.linspace(-90, 90, 7)
    if kind in ("bowl", "bowl_stack"):
        r = 11 * u
        for j in range(1 if kind == "bowl" else int(rng.integers(2, 5))):
            by = y - j * 0.45 * r
            draw_patch(
                img,
                ellipsoid(x, by - 0.55 * r, r, 0.55 * r, DEG([-90.0, -50, -20, 0]), hemi),
                white,
                light,
            )
            facet(
                img, ring(x, by - 0.55 * r, r, 0.22 * r, 12), mul(white, 0.85), (0, -1, 0.3), light
            )
    elif kind == "bun":
        for j in range(int(rng.integers(1, 4))):
            r = 7 * u
            bx = x + j * 1.8 * r
            darken(img, ring(bx, y, r, 0.2 * r, 8), 0.7)
            pts = ellipsoid(
                bx, y, r, 0.8 * r, DEG([0.0, 30, 55, 75, 90]), hemi, jitter=0.08, rng=rng
            )
            draw_patch(img, pts, mul(white, 1.0, 5), light)
    elif kind in ("cloth", "apron_hook"):
        wd, ln = (12 * u, 22 * u) if kind == "cloth" else (16 * u, 38 * u)
        col = (
            white
            if rng.random() < 0.6
            else pick(rng, ((60, 60, 65), (140, 90, 60), (90, 130, 170)))
        )
        y0 = y - (0 if kind == "cloth" else ln)
        folds = column(x, [y0, y0 + ln], [wd * 0.8, wd], 6, 0.5)
        folds[:, 1::2, 2] += wd * 0.3
        draw_patch(img, folds, col, light)
        if kind == "apron_hook":
            cv2.line(img, (int(x - 4 * u), int(y0)), (int(x), int(y0 - 7 * u)), mul(col, 0.8), 1)
            cv2.line(img, (int(x + 4 * u), int(y0)), (int(x), int(y0 - 7 * u)), mul(col, 0.8), 1)
            flat(img, ring(x, y0 - 7 * u, 1.5, 1.5, 4), (60, 60, 60))
        elif rng.random() < 0.5:
            cv2.line(
                img,
                (int(x - wd), int(y0 + ln * 0.7)),
                (int(x + wd), int(y0 + ln * 0.7)),
                (60, 60, 160),
                1,
            )
    elif kind == "shelf_hat":
        r = 7 * u
        draw_patch(img, column(x, [y, y - 1.6 * r], [r, r * 1.15], 8), white, light)
        draw_patch(
            img,
            ellipsoid(x, y - 1.6 * r, r * 1.35, 0.6 * r, DEG([0.0, 40, 70, 90]), hemi),
            white,
            light,
        )
    elif kind in ("cabbage", "sack", "potatoes"):
        if kind == "cabbage":
            col, r, n = pick(rng, ((90, 170, 120), (70, 140, 90), (120, 80, 130))), 9 * u, 1
        elif kind == "sack":
            col, r, n = pick(rng, ((90, 130, 160), (80, 110, 140))), 15 * u, 1
        else:
            col, r, n = pick(rng, ((70, 110, 150), (60, 95, 125))), 4.5 * u, int(rng.integers(3, 7))
        for _ in range(n):
            px = x + float(rng.uniform(-3, 3) * r) * (n > 1)
            ry = r * (1.2 if kind == "sack" else 0.8 if kind == "potatoes" else 0.95)
            darken(img, ring(px, y, r, 0.25 * r, 8), 0.7)
            lat = DEG([-90.0, -45, 0, 45, 90])
            pts = ellipsoid(px, y - ry, r, ry, lat, np.linspace(-90, 90, 6), jitter=0.12, rng=rng)
            draw_patch(img, pts, col, light)
        if kind == "sack":
            flat(
                img,
                [
                    (x - 3 * u, y - 2.4 * r),
                    (x + 3 * u, y - 2.4 * r),
                    (x + 2 * u, y - 2 * r),
                    (x - 2 * u, y - 2 * r),
                ],
                mul(col, 0.7),
            )
    elif kind == "pot_lid":
        r = 10 * u
        draw_patch(
            img,
            ellipsoid(
                x,
                y - r,
                r,
                r * (0.35 if y > layout.counter_top else 1),
                DEG([0.0, 30, 60, 90]),
                np.linspace(-90, 90, 9),
            ),
            pick(rng, POTS),
            light,
        )
        flat(img, ring(x, y - r - 0.3 * r, 0.2 * r + 1, 0.12 * r + 1, 6), (40, 40, 40))
    elif kind == "shadow":
        r = 14 * u
        darken(
            img,
            ring(x, y - r * 0.5, r, r * float(rng.uniform(0.4, 1.0)), 9, float(rng.uniform(0, 1))),
            0.6,
        )
    elif kind == "cat":
        col = pick(rng, ((60, 120, 200), (40, 40, 45), (120, 120, 125), (200, 200, 205)))
        r = 10 * u
        f = 1 if rng.random() < 0.5 else -1
        draw_patch(
            img,
            limb((x - f * 1.5 * r, y - 0.8 * r), (x - f * 3 * r, y - 2 * r), 0.2 * r, 0.15 * r),
            col,
            light,
        )
        draw_patch(
            img,
            ellipsoid(x, y - 0.75 * r, 1.5 * r, 0.75 * r, DEG([-90.0, -30, 30, 90]), hemi),
            col,
            light,
        )
        hx, hy = x + f * 1.4 * r, y - 1.5 * r
        for e in (-1, 1):
            facet(
                img,
                [
                    (hx + e * 0.6 * r, hy - 0.2 * r),
                    (hx + e * 0.2 * r, hy - 0.4 * r),
                    (hx + e * 0.55 * r, hy - 1.1 * r),
                ],
                col,
                (e * 0.4, -0.5, 0.8),
                light,
            )
        draw_patch(
            img, ellipsoid(hx, hy, 0.65 * r, 0.6 * r, DEG([-90.0, -30, 30, 90]), hemi), col, light
        )
    elif kind == "mop":
        top = (x + 10 * u, y - 55 * u)
        draw_patch(img, limb(top, (x, y - 8 * u), 1.2 * u, 1.2 * u, 2), (60, 120, 170), light)
        draw_patch(
            img,
            column(x, [y - 9 * u, y], [4 * u, 9 * u], 7, 0.6),
            pick(rng, ((170, 170, 170), (200, 200, 190))),
            light,
        )
    elif kind == "glove":
        col = pick(rng, ((200, 120, 50), (230, 230, 230), (60, 170, 230)))
        r = 5 * u
        draw_patch(
            img, ellipsoid(x, y - r, r, 1.1 * r, DEG([-90.0, -30, 30, 90]), hemi), col, light
        )
        for j in range(4):
            fx = x - 0.8 * r + j * 0.55 * r
            draw_patch(
                img,
                limb(
                    (fx, y - 1.8 * r), (fx + (j - 1.5) * 0.2 * r, y - 3.2 * r), 0.25 * r, 0.2 * r, 2
                ),
                col,
                light,
            )
    else:  # clock: a round, head-sized white face on the wall
        r = 11 * u
        draw_patch(
            img,
            ellipsoid(
                x, y - r, r, r, DEG([-90.0, -45, 0, 45, 90]), np.linspace(-90, 90, 7), rz=0.3 * r
            ),
            white,
            light,
        )
        a = float(rng.uniform(0, 6.3))
        cv2.line(
            img,
            (int(x), int(y - r)),
            (int(x + 0.7 * r * np.cos(a)), int(y - r + 0.7 * r * np.sin(a))),
            (30, 30, 30),
            1,
        )
        cv2.line(img, (int(x), int(y - r)), (int(x), int(y - 1.6 * r)), (30, 30, 30), 1)
