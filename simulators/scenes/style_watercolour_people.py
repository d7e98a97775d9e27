"""Workers and rodents for the `watercolour` style: loose washes on the actor geometry.

A worker is a few overlapping washes (trousers, coat, maybe an apron, arms) of one of
several builds, then a head: a warm skin wash with a darker wet edge that fills the head
box (a squarish silhouette plus hair, so the label box is the painted head), a few brush
dabs for the face, then mask and hat. Two guarantees keep the labels honest: where the
skin glaze did not change the page enough (skin-coloured wall, dark paper) a second glaze
goes on, and without a hat the band above the head top is put back as it was, so the
wash's bleed never paints above the head. Rodents are grey-brown washes with a dark wet
edge, ear dabs and a thin tail stroke trailing behind.
"""

import numpy as np

from simulators.scenes.actors import head_box
from simulators.scenes.spec import WorkerSpec
from simulators.scenes.style_watercolour_paint import (
    Color,
    Roi,
    brush,
    ellipse_wash,
    jitter,
    mix,
    poly_wash,
    wash,
)
from simulators.scenes.style_watercolour_wear import draw_hat, draw_mask

Box = tuple[float, float, float, float]

SKIN: tuple[Color, ...] = (
    (175, 200, 238),
    (145, 175, 225),
    (115, 150, 205),
    (90, 125, 180),
    (65, 95, 150),
    (48, 68, 112),
)
HAIR: tuple[Color, ...] = (
    (30, 30, 35),
    (35, 50, 80),
    (50, 80, 120),
    (110, 115, 120),
    (60, 110, 160),
)
COATS: tuple[Color, ...] = (
    (50, 50, 55),
    (110, 60, 40),
    (140, 140, 140),
    (70, 100, 60),
    (60, 50, 120),
)
TROUSERS: tuple[Color, ...] = ((45, 45, 50), (110, 80, 50), (90, 90, 95), (60, 70, 80))
RODENT: tuple[Color, ...] = ((90, 100, 110), (70, 85, 105), (110, 112, 115), (60, 75, 95))


def _pick(rng: np.random.Generator, cs: tuple[Color, ...], amount: int = 10) -> Color:
    return jitter(rng, cs[int(rng.integers(len(cs)))], amount)


def _body(img: np.ndarray, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator) -> None:
    """Legs, coat, apron and arms as loose washes (raised hands stay below the head top)."""
    ph, cx, fy, hh, top = g["ph"], g["cx"], g["fy"], g["hh"], g["top"]
    build = float(rng.uniform(0.8, 1.3))
    neck_y, waist_y = top + hh, fy - 0.47 * ph
    sh = 0.13 * ph * build
    legs = _pick(rng, TROUSERS)
    for side in (-1, 1):
        x = cx + side * 0.05 * ph * build
        brush(
            img,
            [(x, waist_y), (x + side * 0.015 * ph, fy - 0.02 * ph)],
            0.075 * ph * build,
            legs,
            0.8,
        )
    white = rng.random() < 0.6
    coat = (225, 218, 210) if white else _pick(rng, COATS)
    torso = [
        (cx - sh, neck_y + 0.03 * ph),
        (cx + sh, neck_y + 0.03 * ph),
        (cx + sh * 0.9, waist_y + 0.1 * ph),
        (cx - sh * 0.9, waist_y + 0.1 * ph),
    ]
    poly_wash(img, torso, coat, 0.55 if white else 0.8, edge=0.6, lift=0.7 if white else 0.0)
    if rng.random() < 0.5:
        apron = (215, 215, 215) if rng.random() < 0.4 else _pick(rng, COATS + TROUSERS, 20)
        ap = [
            (cx - sh * 0.65, neck_y + 0.14 * ph),
            (cx + sh * 0.65, neck_y + 0.14 * ph),
            (cx + sh * 0.75, waist_y + 0.22 * ph),
            (cx - sh * 0.75, waist_y + 0.22 * ph),
        ]
        poly_wash(img, ap, apron, 0.7, edge=0.6)
    skin = _pick(rng, SKIN)
    both = rng.random() < 0.4
    for side in (-1, 1):
        sx, sy = cx + side * sh * 0.95, neck_y + 0.05 * ph
        if spec.arms_up and (side == 1 or both):
            elbow = (sx + side * 0.1 * ph, sy - 0.02 * ph)
            hand = (cx + side * (sh + 0.14 * ph), top + 0.5 * hh)
        else:
            elbow = (sx + side * 0.04 * ph, sy + 0.15 * ph)
            hand = (cx + side * rng.uniform(0.12, 0.24) * ph, sy + rng.uniform(0.22, 0.32) * ph)
        brush(
            img,
            [(sx, sy), elbow, hand],
            0.055 * ph * build,
            coat if not white else (200, 190, 185),
            0.6,
        )
        r = max(1.0, 0.022 * ph)
        ellipse_wash(img, hand, (r, r), skin, 0.9, edge=0.5)


def _silhouette(roi: Roi, box: Box) -> None:
    """A squarish head (superellipse) filling its box, so the box is the painted head."""
    x1, y1, x2, y2 = box
    cx, cy, ax, ay = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / 2 + 0.4, (y2 - y1) / 2 + 0.4
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    pts = np.stack(
        [cx + ax * np.sign(c) * np.abs(c) ** 0.5, cy + ay * np.sign(s) * np.abs(s) ** 0.5], axis=1
    )
    roi.poly(pts)


def _hair(img: np.ndarray, g: dict[str, float], turn: float, rng: np.random.Generator) -> None:
    """A hair wash over the crown and down the sides, hairline varying by person."""
    cx, top, hh, hw = g["cx"], g["top"], g["hh"], g["hw"]
    line = top + hh * rng.uniform(0.2, 0.32)
    side = top + hh * rng.uniform(0.35, 0.75)
    off = turn * hw * 0.1
    pts = [
        (cx - 0.5 * hw, top + 0.15 * hh),
        (cx - 0.38 * hw, top),
        (cx + 0.38 * hw, top),
        (cx + 0.5 * hw, top + 0.15 * hh),
        (cx + 0.5 * hw, side),
        (cx + 0.38 * hw, side),
        (cx + 0.3 * hw + off, line),
        (cx + off, line + 0.04 * hh),
        (cx - 0.3 * hw + off, line),
        (cx - 0.38 * hw, side),
        (cx - 0.5 * hw, side),
    ]
    poly_wash(img, pts, _pick(rng, HAIR, 12), 0.85, edge=0.6)


def _face(
    img: np.ndarray, g: dict[str, float], turn: float, skin: Color, rng: np.random.Generator
) -> None:
    """Shadow side, eyes, nose and mouth as a few quick dabs, shifted by the head turn."""
    cx, top, hh, hw = g["cx"], g["top"], g["hh"], g["hw"]
    fx = cx + turn * hw * 0.18
    shade = -1.0 if turn > 0 else 1.0
    ellipse_wash(
        img, (cx + shade * 0.32 * hw, top + 0.62 * hh), (0.16 * hw, 0.3 * hh), skin, 0.45, edge=0.2
    )
    ey = top + 0.5 * hh
    er = max(0.8, 0.06 * hw)
    for dx in (-0.2, 0.2):
        ellipse_wash(img, (fx + dx * hw, ey), (er * 1.3, er), (40, 35, 45), 0.95, edge=0.3)
    brush(
        img,
        [(fx, ey + 0.08 * hh), (fx + turn * 0.06 * hw, ey + 0.2 * hh)],
        max(1.0, 0.05 * hw),
        mix(skin, (20, 30, 60), 0.5),
        0.8,
    )
    my = top + 0.82 * hh
    lips = (60, 55, 150) if rng.random() < 0.5 else mix(skin, (30, 20, 70), 0.6)
    ellipse_wash(img, (fx, my), (0.17 * hw, max(1.0, 0.045 * hh)), lips, 0.95, edge=0.4)


def _reglaze(img: np.ndarray, before: np.ndarray, roi: Roi) -> None:
    """Where the head glaze barely changed the page, glaze again, darker."""
    if not roi.ok:
        return
    part = img[roi.y0 : roi.y1, roi.x0 : roi.x1]
    diff = np.abs(part.astype(np.int16) - before.astype(np.int16)).max(axis=2)
    weak = (diff <= 34) & (roi.mask > 0)
    if weak.any():
        dark = part[weak].astype(np.float32)
        lighter = dark.mean() < 110
        part[weak] = np.clip(dark * 0.55 + 120 if lighter else dark * 0.62, 0, 255).astype(np.uint8)


def draw_worker(
    img: np.ndarray, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator
) -> Box:
    """Paint one worker in place; return exactly `head_box(g)`."""
    box = head_box(g)
    w = img.shape[1]
    ycut = int(np.ceil(g["top"] - 2))
    xa, xb = max(0, int(g["cx"] - 0.6 * g["ph"])), min(w, int(g["cx"] + 0.6 * g["ph"]) + 1)
    band = img[max(0, ycut - 8) : max(0, ycut), xa:xb].copy() if not spec.hat else None
    head = Roi(img, *box, pad=0)
    _silhouette(head, box)
    before = img[head.y0 : head.y1, head.x0 : head.x1].copy()
    _body(img, spec, g, rng)
    skin = _pick(rng, SKIN, 8)
    neck = [
        (g["cx"] - 0.2 * g["hw"], g["top"] + 0.8 * g["hh"]),
        (g["cx"] + 0.2 * g["hw"], g["top"] + 0.8 * g["hh"]),
        (g["cx"] + 0.22 * g["hw"], g["top"] + g["hh"] + 0.04 * g["ph"]),
        (g["cx"] - 0.22 * g["hw"], g["top"] + g["hh"] + 0.04 * g["ph"]),
    ]
    poly_wash(img, neck, skin, 0.85, edge=0.4, lift=0.8)
    wash(img, head, skin, 0.95, edge=0.7, lift=0.85)
    _hair(img, g, spec.turn, rng)
    _face(img, g, spec.turn, skin, rng)
    if spec.mask:
        draw_mask(img, g, spec.turn, rng)
    if spec.hat:
        draw_hat(img, g, rng)
    _reglaze(img, before, head)  # after the wear: a white mask on white paper gets shaded
    if band is not None and ycut > 0:
        img[max(0, ycut - 8) : ycut, xa:xb] = band
    return box


def draw_rodent(
    img: np.ndarray, geom: tuple[float, float, float, float], rng: np.random.Generator
) -> Box:
    """A rat or mouse: body and head washes, ears, an eye and a tail trailing behind."""
    x, y, length, facing = geom
    c = _pick(rng, RODENT, 12)
    bl, bh = length * 0.36, length * 0.2
    hx, hy = x + facing * bl * 1.0, y - bh * 0.8
    t0 = (x - facing * bl * 0.9, y - bh * 0.6)
    u = np.linspace(0, 1, 8)
    wave = float(rng.uniform(2, 4))
    tail = np.stack(
        [t0[0] - facing * u * length * 0.6, t0[1] + np.sin(u * wave) * bh * 0.4], axis=1
    )
    brush(img, tail, max(1.0, length * 0.03), mix(c, (150, 150, 190), 0.3), 0.85)
    for dx in (-0.5, 0.45):
        brush(
            img,
            [(x + dx * bl, y - bh * 0.4), (x + dx * bl + facing * 1, y)],
            max(1.0, 0.04 * length),
            c,
            0.9,
        )
    ellipse_wash(img, (x, y - bh), (bl, bh), c, 0.85, edge=0.9)
    snout = [
        (hx - facing * bl * 0.3, hy - bh * 0.55),
        (hx + facing * bl * 0.55, hy + bh * 0.15),
        (hx - facing * bl * 0.3, hy + bh * 0.6),
    ]
    poly_wash(img, snout, c, 0.85, edge=0.8)
    ex, ey = hx - facing * bl * 0.2, hy - bh * 0.65
    er = max(1.0, bh * 0.33)
    ellipse_wash(img, (ex, ey), (er, er), mix(c, (120, 120, 190), 0.35), 0.85, edge=0.8)
    eye = (hx + facing * bl * 0.12, hy - bh * 0.1)
    ellipse_wash(img, eye, (max(0.6, bh * 0.12), max(0.6, bh * 0.12)), (20, 20, 25), 1.0, edge=0.0)
    xs = (x - bl, x + bl, hx - facing * bl * 0.3, hx + facing * bl * 0.55)
    return (min(xs), min(y - 2 * bh, ey - er), max(xs), y)
