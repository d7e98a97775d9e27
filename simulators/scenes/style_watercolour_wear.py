"""Hats and face masks for the `watercolour` style, painted as washes over the head.

White things are kept as lifted paper with a cool shadow wash and a pencil contour, the
way a watercolourist keeps whites; coloured ones are a darker glaze with a wet edge.
Several kinds of each (tall toques, skull caps, hairnets, paper caps; surgical, cloth and
N95 masks in white, blue, black or a pattern) so no single shape or colour means "hat"
or "mask" to the detector. Each hat reaches above the head top (by at least 3 px), and
each mask covers the nose and mouth rows of the head box.
"""

import numpy as np

from simulators.scenes.style_watercolour_paint import (
    Color,
    Roi,
    ellipse_pts,
    ellipse_wash,
    jitter,
    outline,
    poly_wash,
    wash,
)

SHADOW: Color = (205, 185, 170)
"""Cool blue-grey used to shade white fabric."""
HAT_COLOURS: tuple[Color, ...] = (
    (40, 40, 45),
    (150, 90, 40),
    (60, 60, 160),
    (80, 130, 70),
    (190, 150, 90),
)
MASK_COLOURS: tuple[Color, ...] = ((225, 190, 130), (210, 170, 110), (45, 45, 50), (120, 80, 60))
HAT_KINDS = ("toque", "skull", "hairnet", "paper")
MASK_KINDS = ("surgical", "cloth", "n95")


def _white(img: np.ndarray, pts: np.ndarray, rng: np.random.Generator, shade: float) -> None:
    """Keep the paper white, shade it with a cool wash and draw its contour."""
    poly_wash(img, pts, jitter(rng, SHADOW, 10), shade, edge=0.45, lift=0.92)
    outline(img, pts, int(rng.integers(85, 130)))


def _fabric(img: np.ndarray, pts: np.ndarray, rng: np.random.Generator, c: Color) -> None:
    """A coloured cloth: lifted first so it reads the same on any skin or hair."""
    poly_wash(img, pts, jitter(rng, c, 12), 0.9, edge=0.7, lift=0.8)
    outline(img, pts, int(rng.integers(40, 90)))


def _pattern(img: np.ndarray, pts: np.ndarray, rng: np.random.Generator) -> None:
    """Stripes or dots painted over a cloth, clipped to its shape."""
    a = np.asarray(pts, float)
    roi = Roi(img, a[:, 0].min(), a[:, 1].min(), a[:, 0].max(), a[:, 1].max(), pad=1)
    if not roi.ok:
        return
    shape = roi.poly(a).mask.copy()
    roi.mask[:] = 0
    h, w = roi.mask.shape
    step = max(2, int(min(h, w) / rng.uniform(3, 5)))
    if rng.random() < 0.5:
        for y in range(int(rng.integers(0, step)), h, step):
            roi.mask[y : y + max(1, step // 3)] = 255
    else:
        for y in range(1, h, step):
            for x in range(1 + (y // step % 2) * step // 2, w, step):
                roi.mask[y : y + max(1, step // 3), x : x + max(1, step // 3)] = 255
    roi.mask &= shape
    wash(img, roi, jitter(rng, HAT_COLOURS[int(rng.integers(len(HAT_COLOURS)))], 15), 0.8)


def _paint(img: np.ndarray, pts: np.ndarray, rng: np.random.Generator, shade: float) -> None:
    """White, plain colour or patterned, chosen per garment."""
    u = rng.random()
    if u < 0.5:
        _white(img, pts, rng, shade)
    else:
        _fabric(img, pts, rng, HAT_COLOURS[int(rng.integers(len(HAT_COLOURS)))])
        if u > 0.8:
            _pattern(img, pts, rng)


def draw_hat(img: np.ndarray, g: dict[str, float], rng: np.random.Generator) -> None:
    """One of four hats over the top of the head box."""
    cx, top, hh, hw = g["cx"], g["top"], g["hh"], g["hw"]
    kind = HAT_KINDS[int(rng.integers(len(HAT_KINDS)))]
    lift = max(3.0, 0.2 * hh)
    if kind == "toque":
        tall = hh * rng.uniform(0.7, 1.2)
        band = np.array(
            [
                (cx - 0.55 * hw, top + 0.3 * hh),
                (cx + 0.55 * hw, top + 0.3 * hh),
                (cx + 0.5 * hw, top - 0.1 * hh),
                (cx - 0.5 * hw, top - 0.1 * hh),
            ]
        )
        puff = ellipse_pts((cx, top - tall * 0.55), (0.62 * hw, tall * 0.55), 150, 390)
        crown = np.vstack([[(cx - 0.5 * hw, top)], puff, [(cx + 0.5 * hw, top)]])
        _white(img, crown, rng, 0.35)
        for k in (-0.25, 0.2):  # pleats
            outline(
                img,
                np.array([(cx + k * hw, top - 0.05 * hh), (cx + k * hw * 1.3, top - tall * 0.6)]),
                150,
                False,
            )
        _white(img, band, rng, 0.25)
    elif kind == "skull":
        dome = ellipse_pts((cx, top + 0.32 * hh), (0.56 * hw, 0.32 * hh + lift), 180, 360)
        _paint(img, dome, rng, 0.4)
    elif kind == "hairnet":
        dome = ellipse_pts((cx, top + 0.4 * hh), (0.57 * hw, 0.4 * hh + lift), 180, 360)
        tint = (210, 215, 220) if rng.random() < 0.6 else (200, 170, 140)
        poly_wash(img, dome, tint, 0.45, edge=0.5, lift=0.35)
        for k in np.linspace(-0.4, 0.4, 5):  # the mesh, loosely
            outline(
                img,
                np.array([(cx + k * hw, top + 0.35 * hh), (cx + k * hw * 0.6, top - lift * 0.6)]),
                120,
                False,
            )
        outline(img, dome, int(rng.integers(80, 120)), False)
    else:  # a folded paper cap (garrison style), often with a coloured stripe
        cap = np.array(
            [
                (cx - 0.58 * hw, top + 0.25 * hh),
                (cx + 0.58 * hw, top + 0.25 * hh),
                (cx + 0.45 * hw, top - lift - 0.15 * hh),
                (cx - 0.4 * hw, top - lift - 0.1 * hh),
            ]
        )
        _white(img, cap, rng, 0.3)
        if rng.random() < 0.7:
            c = HAT_COLOURS[int(rng.integers(len(HAT_COLOURS)))]
            stripe = np.array(
                [
                    (cx - 0.56 * hw, top + 0.12 * hh),
                    (cx + 0.56 * hw, top + 0.12 * hh),
                    (cx + 0.56 * hw, top + 0.2 * hh),
                    (cx - 0.56 * hw, top + 0.2 * hh),
                ]
            )
            poly_wash(img, stripe, jitter(rng, c, 10), 0.85, edge=0.4)


def draw_mask(img: np.ndarray, g: dict[str, float], turn: float, rng: np.random.Generator) -> None:
    """A face mask over nose, mouth and chin, with its straps to the ears."""
    cx, top, hh, hw = g["cx"], g["top"], g["hh"], g["hw"]
    fx = cx + turn * hw * 0.12
    y0, y1 = top + 0.55 * hh, top + 0.95 * hh
    kind = MASK_KINDS[int(rng.integers(len(MASK_KINDS)))]
    if kind == "n95":
        cup = ellipse_pts((fx, (y0 + y1) / 2), (0.4 * hw, (y1 - y0) / 2 + 0.5), 0, 360)
        if rng.random() < 0.7:
            _white(img, cup, rng, 0.3)
        else:
            _paint(img, cup, rng, 0.3)
        outline(img, np.array([(fx, y0 + 1), (fx, y1 - 1)]), 140, False)
        if rng.random() < 0.4:  # exhalation valve
            ellipse_wash(
                img,
                (fx + 0.12 * hw, (y0 + y1) / 2 + 0.05 * hh),
                (0.08 * hw, 0.07 * hh),
                (120, 120, 125),
                0.8,
            )
    else:
        dx = 0.46 * hw if kind == "surgical" else 0.42 * hw
        body = np.array(
            [
                (fx - dx, y0 + 0.03 * hh),
                (fx + dx, y0 + 0.03 * hh),
                (fx + dx * 0.95, y1 - 0.05 * hh),
                (fx + dx * 0.5, y1),
                (fx - dx * 0.5, y1),
                (fx - dx * 0.95, y1 - 0.05 * hh),
            ]
        )
        u = rng.random()
        if kind == "surgical" and u < 0.55:
            _fabric(img, body, rng, MASK_COLOURS[int(rng.integers(2))])
        elif u < 0.4:
            _white(img, body, rng, 0.35)
        else:
            _fabric(img, body, rng, MASK_COLOURS[int(rng.integers(len(MASK_COLOURS)))])
            if kind == "cloth" and rng.random() < 0.5:
                _pattern(img, body, rng)
        if kind == "surgical":  # pleats
            for k in (0.3, 0.5, 0.7):
                y = y0 + k * (y1 - y0)
                outline(img, np.array([(fx - dx * 0.8, y), (fx + dx * 0.8, y)]), 150, False)
    for side in (-1, 1):  # straps to the ears
        ex = cx + side * 0.5 * hw
        outline(
            img,
            np.array([(fx + side * 0.38 * hw, y0 + 0.05 * hh), (ex, top + 0.5 * hh)]),
            150,
            False,
        )
