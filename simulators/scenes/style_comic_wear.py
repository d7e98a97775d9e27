"""Hats and face masks of the `comic` style, inked over a worker's head.

Kinds vary so no single silhouette stands for "hat" or "mask": tall puffy toques, skull
caps, hairnets, folded paper caps and knotted bandanas; surgical, cloth and N95 masks in
white, blue, black, pink or a dotted print. Every hat rises above the head box top (the
label contract: a hat is on the head, above it), every mask covers nose to chin.
"""

import numpy as np

from simulators.scenes.style_comic_ink import (
    BRIGHT,
    INK,
    WHITE,
    Color,
    blob,
    far,
    grey_of,
    inked,
    line,
    mix,
    pick,
    screen_poly,
    shade,
    solid,
)

HATS = ("toque", "toque", "skull", "net", "paper", "bandana")
MASK_COLOURS: tuple[Color, ...] = (
    WHITE,
    (236, 214, 170),  # surgical blue
    (205, 160, 90),  # deep blue
    (40, 38, 42),  # black
    (200, 185, 240),  # pink
    (215, 230, 225),  # off-white
)


def draw_hat(
    img: np.ndarray,
    g: dict[str, float],
    look: tuple[Color, Color, Color],
    lw: int,
    manga: bool,
    rng: np.random.Generator,
) -> None:
    """One hat kind at random, its crown above `g["top"]`; `look` is (skin, page, ink):
    the hat's colour keeps apart from skin and page, its outline is the page's ink."""
    skin, page, ink = look
    kind = str(rng.choice(HATS))
    cx, top, hh, hw = g["cx"], g["top"], g["hh"], g["hw"]
    rise = max(4.0, g["hat_h"])
    white = mix(WHITE, (230, 240, 250), float(rng.uniform(0, 0.6)))
    white = grey_of(white) if manga else white
    if kind == "toque":
        tall = rise * float(rng.uniform(1.3, 2.3))
        band = np.array(
            [
                (cx - 0.52 * hw, top - 0.1 * rise),
                (cx + 0.52 * hw, top - 0.1 * rise),
                (cx + 0.5 * hw, top + 0.3 * hh),
                (cx - 0.5 * hw, top + 0.3 * hh),
            ]
        )
        puff_w = hw * float(rng.uniform(0.55, 0.75))
        puff = blob(cx, top - tall / 2 - 0.05 * rise, puff_w, tall / 2 + 0.05 * rise, 2.6)
        inked(img, puff, white, lw, ink)
        inked(img, band, white, lw, ink)
        side = 1 if rng.random() < 0.5 else -1
        screen_poly(
            img,
            blob(cx + side * puff_w * 0.55, top - tall / 2, puff_w * 0.35, tall * 0.4, 2),
            shade(white, 0.7),
            max(2, round(rise / 6)),
            45,
            0.3,
        )
        for k in (-0.25, 0.0, 0.25):  # pleats
            line(
                img, (cx + k * hw, top - 0.05 * rise), (cx + k * hw * 1.3, top - tall * 0.6), ink, 1
            )
        return
    colour = white
    if rng.random() < 0.45 or min(far(white, skin), far(white, page)) < 60:
        colour = pick(rng, (*BRIGHT, INK), (skin, page), manga)
    if kind in ("skull", "net", "bandana"):
        dome_h = rise * float(rng.uniform(0.45, 0.8)) + 0.35 * hh
        cy = top + 0.35 * hh
        dome = blob(cx, cy, 0.56 * hw, dome_h, 2.2, 32)
        dome = dome[dome[:, 1] <= cy + 0.5]
        inked(img, dome, colour, lw, ink)
        if kind == "net":  # mesh: fine dots over the dome, an elastic band under it
            screen_poly(img, dome, shade(colour, 0.6), 2, 45, 0.25)
            line(img, (cx - 0.55 * hw, cy), (cx + 0.55 * hw, cy), ink, lw)
        elif kind == "bandana":
            screen_poly(img, dome, mix(colour, WHITE, 0.7), max(3, round(hw / 6)), 15, 0.22)
            side = 1 if rng.random() < 0.5 else -1
            kx = cx + side * 0.5 * hw
            knot = np.array(
                [(kx, cy - 0.1 * hh), (kx + side * 0.3 * hw, cy + 0.1 * hh), (kx, cy + 0.2 * hh)]
            )
            inked(img, knot, colour, lw, ink)
        else:
            line(img, (cx, cy - dome_h), (cx, cy), shade(colour, 0.7), 1)
        return
    # folded paper cap: a low trapezoid with a crease
    cap = np.array(
        [
            (cx - 0.55 * hw, top + 0.3 * hh),
            (cx + 0.55 * hw, top + 0.3 * hh),
            (cx + 0.4 * hw, top - rise * 0.9),
            (cx - 0.4 * hw, top - rise * 0.9),
        ]
    )
    inked(img, cap, colour, lw, ink)
    line(img, (cx - 0.5 * hw, top + 0.05 * hh), (cx + 0.5 * hw, top + 0.05 * hh), ink, 1)


def draw_mask(
    img: np.ndarray,
    g: dict[str, float],
    turn: float,
    look: tuple[Color, Color, Color],
    lw: int,
    manga: bool,
    rng: np.random.Generator,
) -> None:
    """A face mask over nose, mouth and chin, straps to the ears; kind and print vary.
    Its colour keeps apart from the skin and the page (`look` is skin, page, ink)."""
    skin, page, ink = look
    cx, top, hh, hw = g["cx"] + turn * 0.08 * g["hw"], g["top"], g["hh"], g["hw"]
    colour = pick(rng, MASK_COLOURS, (skin, page), manga)
    kind = str(rng.choice(["surgical", "cloth", "n95"]))
    y0, y1 = top + 0.6 * hh, top + 0.95 * hh
    half = 0.46 * hw
    if kind == "n95":
        poly = blob(cx, (y0 + y1) / 2, half, (y1 - y0) / 2, 2.2)
    else:
        poly = np.array(
            [
                (cx - half, y0 + 0.06 * hh),
                (cx, y0 - 0.03 * hh),
                (cx + half, y0 + 0.06 * hh),
                (cx + half * 0.95, y1 - 0.1 * hh),
                (cx, y1),
                (cx - half * 0.95, y1 - 0.1 * hh),
            ]
        )
    # a thin contour that shows against the mask's own colour
    ink_line = ink if far(ink, colour) > 60 else mix(colour, WHITE, 0.55)
    inked(img, poly, colour, max(1, lw // 2), ink_line)
    for side in (-1, 1):  # ear loops up to the head's sides
        line(
            img,
            (cx + side * half, y0 + 0.1 * hh),
            (g["cx"] + side * 0.48 * hw, top + 0.48 * hh),
            ink_line,
            1,
        )
    if rng.random() < 0.3:  # a printed pattern
        screen_poly(img, poly, mix(colour, INK, 0.5), max(3, round(hw / 7)), 30, 0.2)
    if kind == "surgical":
        for k in (0.35, 0.55, 0.75):
            y = y0 + k * (y1 - y0)
            line(img, (cx - half * 0.85, y), (cx + half * 0.85, y), ink_line, 1)
    elif kind == "cloth":
        line(img, (cx, y0), (cx, y1), ink_line, 1)
    elif rng.random() < 0.5:  # N95 valve
        solid(
            img,
            cx + 0.2 * hw,
            (y0 + y1) / 2 + 0.05 * hh,
            0.1 * hw,
            0.1 * hw,
            2,
            shade(colour, 0.8),
            1,
        )
