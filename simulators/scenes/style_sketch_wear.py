"""Hats and masks of the `sketch` style: outlined shapes with pleats, straps and texture.

Hats (a tall pleated toque, a paper forage cap, a skull cap, a bandana knotted at the back,
a puffy disposable bouffant) are always painted above the head box; masks (surgical,
cloth, cone) cover nose and mouth in a tone picked to stand out from face and paper.
"""

import numpy as np

from simulators.scenes.spec import WorkerSpec
from simulators.scenes.style_sketch_pencil import (
    Color,
    col,
    ellipse_pts,
    lum,
    marks,
    mix,
    shade,
    shape,
    stroke,
)

Box = tuple[float, float, float, float]
ACCENTS: tuple[Color, ...] = (
    (60, 60, 200),  # red pencil
    (170, 110, 50),  # blue
    (70, 150, 80),  # green
    (60, 190, 220),  # yellow marker
    (40, 90, 150),  # brown
    (150, 80, 140),  # purple
)
SKIN_TINTS: tuple[tuple[float, float, float], ...] = (
    (0, 0, 0),
    (-22, -6, 10),
    (-30, -14, 4),
    (-12, -2, 8),
)


def ink_colour(rng: np.random.Generator) -> Color:
    v = float(rng.uniform(25, 95))
    return col([v + 6, v + 2, v])


def pick_tone(under: np.ndarray | None, cands: list[Color], need: float = 0.96) -> Color:
    """The first tone that stands out (> 40 in some channel) from most of what lies under
    it, else the one that stands out from the most: a head stays solid in front of a dark
    jacket, a shadow or a dark shelf."""
    if under is None or under.size == 0:
        return cands[0]
    best, best_f = cands[0], -1.0
    for c in cands:
        f = float(np.mean(np.abs(under - np.array(c, np.int16)).max(axis=-1) > 40))
        if f >= need:
            return c
        if f > best_f:
            best, best_f = c, f
    return best


def draw_mask(
    img: np.ndarray,
    box: Box,
    ws: WorkerSpec,
    face: Color,
    ink: Color,
    paper: Color,
    rng: np.random.Generator,
    under: np.ndarray | None,
) -> None:
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    fx = (x1 + x2) / 2 + ws.turn * 0.12 * w
    kind = str(rng.choice(["surgical", "surgical", "cloth", "cone"]))
    r = rng.random()
    if r < 0.35:
        c = mix(paper, (255, 255, 255), 0.5)  # white, left as paper
    elif r < 0.6:
        c = mix(paper, (215, 175, 120), 0.7)  # pale blue pencil
    elif r < 0.8:
        c = mix(paper, ACCENTS[int(rng.integers(len(ACCENTS)))], 0.75)
    else:
        c = shade(face, -85)  # black cloth
    if abs(lum(c) - lum(paper)) < 35:  # a white mask on white paper: lightly toned
        c = shade(c, -40 if lum(paper) > 120 else 40)
    if abs(lum(c) - lum(face)) < 40:
        c = shade(face, 60 if lum(face) < 160 else -70)
    low = under[under.shape[0] // 2 :] if under is not None else None
    cands = [
        c,
        shade(c, -45),
        shade(c, 45),
        mix(c, (128, 128, 128), 0.75),
        shade(face, 60),
        shade(face, -60),
    ]
    c = pick_tone(low, [k for k in cands if abs(lum(k) - lum(face)) >= 40] or [c], 0.9)
    top = y1 + float(rng.uniform(0.52, 0.58)) * h
    bot = y1 + float(rng.uniform(0.93, 1.0)) * h
    hw = 0.44 * w
    if kind == "surgical":
        pts = np.array(
            [
                (fx - hw, top + 0.04 * h),
                (fx + hw, top + 0.04 * h),
                (fx + hw * 0.92, bot - 0.05 * h),
                (fx, bot),
                (fx - hw * 0.92, bot - 0.05 * h),
            ]
        )
    elif kind == "cloth":
        arc = ellipse_pts(fx, top + 0.06 * h, hw, (bot - top) * 0.95, 0.0, np.pi, 10)
        pts = np.vstack(
            [[(fx - hw, top + 0.05 * h), (fx, top - 0.02 * h), (fx + hw, top + 0.05 * h)], arc]
        )
    else:
        pts = ellipse_pts(
            fx, (top + bot) / 2 + 0.02 * h, hw * 0.9, (bot - top) / 2 + 0.02 * h, n=16
        )
    m = shape(
        img,
        pts,
        rng,
        ink,
        c,
        shade(c, -45) if rng.random() < 0.6 else None,
        max(1.8, w / 8),
        float(rng.uniform(20, 160)),
        wobble=0.25,
        double=0.2,
        keep=True,
    )
    if m is None:
        return
    sy = top + 0.1 * h
    straps: list[list[tuple[float, float]]] = []
    for sx, ex in ((fx - hw, x1 + 0.5), (fx + hw, x2 - 0.5)):  # straps to the ears
        straps.append([(sx, sy), (ex, y1 + 0.5 * h)])
        if kind != "cone":
            straps.append([(sx, bot - 0.1 * h), (ex, y1 + 0.62 * h)])
    marks(img, straps, ink, rng, 1, 0.2)
    if h < 12:
        return
    if kind == "surgical":
        pleats = [
            [(fx - hw * 0.85, top + k * (bot - top)), (fx + hw * 0.85, top + k * (bot - top) + 0.5)]
            for k in (0.3, 0.5, 0.7)
        ]
        marks(img, pleats, shade(c, -60), rng, 1, 0.3)
    elif kind == "cone":
        marks(
            img,
            [[(fx, top + 0.02 * h), (fx + 0.03 * w, bot - 0.02 * h)]],
            shade(c, -70),
            rng,
            1,
            0.2,
        )
    else:
        marks(
            img,
            [[(fx - hw * 0.5, top + 0.15 * h), (fx - hw * 0.3, bot - 0.1 * h)]],
            shade(c, -50),
            rng,
        )


def draw_hat(
    img: np.ndarray,
    box: Box,
    ws: WorkerSpec,
    g: dict[str, float],
    ink: Color,
    paper: Color,
    rng: np.random.Generator,
) -> None:
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    cx = (x1 + x2) / 2
    hat_h = g["hat_h"]
    kind = str(rng.choice(["toque", "toque", "paper", "skull", "bandana", "bouffant"]))
    white = mix(paper, (255, 255, 255), 0.6)
    r = rng.random()
    c = (
        white
        if r < 0.7
        else ACCENTS[int(rng.integers(len(ACCENTS)))]
        if r < 0.88
        else shade(paper, -140)
    )
    if kind != "toque" and c == white and rng.random() < 0.3:
        c = mix(paper, (150, 150, 150), 0.5)
    lw = 1 if w < 30 else 2
    hc = shade(c, -50)
    band = y1 + float(rng.uniform(0.22, 0.34)) * h
    if kind == "toque":
        top = y1 - hat_h * float(rng.uniform(1.0, 1.9))
        bw = 0.52 * w
        cw = bw * float(rng.uniform(1.1, 1.35))
        crown = np.vstack(
            [
                [(cx - bw, band - 0.25 * h)],
                ellipse_pts(
                    cx, top + 0.35 * (y1 - top), cw, 0.4 * (y1 - top) + 1, np.pi, 2 * np.pi, 14
                ),
                [(cx + bw, band - 0.25 * h)],
            ]
        )
        shape(
            img,
            crown,
            rng,
            ink,
            c,
            hc if rng.random() < 0.6 else None,
            max(2.0, w / 6),
            100,
            thick=lw,
        )
        shape(
            img,
            np.array(
                [
                    (cx - bw, band - 0.3 * h),
                    (cx + bw, band - 0.3 * h),
                    (cx + bw, band),
                    (cx - bw, band),
                ]
            ),
            rng,
            ink,
            c,
            None,
            thick=lw,
        )
        pleats = [
            [(cx + k * bw, band - 0.28 * h), (cx + k * cw * 1.05, top + 0.3 * (y1 - top))]
            for k in np.linspace(-0.7, 0.7, int(rng.integers(3, 6)))
        ]
        marks(img, pleats, shade(c, -70), rng, 1, 0.4)
    elif kind == "paper":
        top = y1 - hat_h * float(rng.uniform(0.55, 0.95))
        pts = np.array(
            [
                (cx - 0.56 * w, band),
                (cx - 0.45 * w, top + 0.3 * (band - top)),
                (cx + ws.turn * 0.1 * w, top),
                (cx + 0.45 * w, top + 0.3 * (band - top)),
                (cx + 0.56 * w, band),
            ]
        )
        shape(
            img, pts, rng, ink, c, hc if rng.random() < 0.5 else None, max(2.0, w / 6), 30, thick=lw
        )
        stroke(
            img,
            [(cx - 0.5 * w, band - 0.18 * h), (cx + 0.5 * w, band - 0.16 * h)],
            ink,
            rng,
            1,
            0.3,
        )
    elif kind == "skull":
        top = y1 - hat_h * float(rng.uniform(0.3, 0.55))
        pts = np.vstack([ellipse_pts(cx, band, 0.53 * w, band - top, np.pi, 2 * np.pi, 14)])
        if rng.random() < 0.5:
            c = shade(paper, -150)
        shape(img, pts, rng, ink, c, shade(c, -40), max(2.0, w / 7), 120, cross=True, thick=lw)
        stroke(
            img,
            [(cx - 0.52 * w, band - 0.06 * h), (cx + 0.52 * w, band - 0.06 * h)],
            ink,
            rng,
            lw,
            0.3,
        )
    elif kind == "bandana":
        top = y1 - hat_h * float(rng.uniform(0.25, 0.45))
        pts = ellipse_pts(
            cx, band + 0.05 * h, 0.55 * w, band + 0.05 * h - top, np.pi, 2 * np.pi, 14
        )
        shape(img, pts, rng, ink, c, hc, max(2.0, w / 6), 35, thick=lw)
        side = -1.0 if ws.turn >= 0 else 1.0
        kx = cx + side * 0.5 * w
        tail = np.array(
            [
                (kx, band - 0.05 * h),
                (kx + side * 0.3 * w, band + 0.2 * h),
                (kx + side * 0.12 * w, band + 0.28 * h),
            ]
        )
        shape(img, tail, rng, ink, c, None, thick=1)
        if w > 12:
            k = int(rng.integers(3, 7))
            px, py = (
                rng.uniform(cx - 0.35 * w, cx + 0.35 * w, k),
                rng.uniform(top + 0.4 * (band - top), band, k),
            )
            marks(
                img,
                [[(a, b), (a + 0.8, b + 0.4)] for a, b in zip(px, py, strict=True)],
                shade(c, -80),
                rng,
                1,
                0,
            )
    else:  # bouffant: puffy disposable cap with a scalloped elastic edge
        top = y1 - hat_h * float(rng.uniform(0.45, 0.8))
        pts = ellipse_pts(cx, band, 0.62 * w, band - top, np.pi, 2 * np.pi, 16)
        pts = np.vstack([pts, [(cx + 0.62 * w, band + 0.06 * h), (cx - 0.62 * w, band + 0.06 * h)]])
        shape(
            img, pts, rng, ink, c, hc if rng.random() < 0.4 else None, max(2.0, w / 6), 60, thick=lw
        )
        n = max(3, int(w // 4))
        scallops = [
            ellipse_pts(
                cx - 0.6 * w + (k + 0.5) * 1.2 * w / n,
                band + 0.03 * h,
                0.6 * w / n,
                0.05 * h,
                0,
                np.pi,
                5,
            )
            for k in range(n)
        ]
        marks(img, scallops, ink, rng, 1, 0.1)
        px = rng.uniform(cx - 0.4 * w, cx + 0.4 * w, int(rng.integers(2, 5)))
        marks(
            img,
            [[(a, top + 0.3 * (band - top)), (a + 0.1 * w, band - 0.3 * (band - top))] for a in px],
            shade(c, -60),
            rng,
            1,
            0.4,
        )
