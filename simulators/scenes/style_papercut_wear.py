"""Paper hats and masks for the `papercut` style's workers: a pleated toque, a folded
forage cap, a felt skull cap, a bandana and a bouffant net; surgical, cloth and cone masks
with string ear loops."""

import numpy as np

from simulators.scenes.style_papercut_paper import (
    Color,
    Sheet,
    clip_pts,
    cut,
    ellipse,
    rect,
    shade,
    superellipse,
)


def mask(
    sheet: Sheet,
    rng: np.random.Generator,
    cx: float,
    top: float,
    hw: float,
    hh: float,
    kind: int,
    col: Color,
    pattern: int,
    pcol: Color,
    turn: float,
    rough: float,
) -> None:
    x1, x2 = cx - hw / 2, cx + hw / 2
    mx = cx + turn * 0.06 * hw
    y0, y1 = top + 0.55 * hh, top + 0.97 * hh
    r = rough * 0.5
    if kind == 0:  # surgical: pleated rectangle
        shape = superellipse(mx, (y0 + y1) / 2, 0.44 * hw, (y1 - y0) / 2, 5.0, 28)
    elif kind == 1:  # cloth: curved over the chin
        shape = np.array(
            [
                (mx - 0.44 * hw, y0 + 0.05 * hh),
                (mx, y0 - 0.03 * hh),
                (mx + 0.44 * hw, y0 + 0.05 * hh),
                (mx + 0.42 * hw, y1 - 0.12 * hh),
                (mx + 0.2 * hw, y1),
                (mx - 0.2 * hw, y1),
                (mx - 0.42 * hw, y1 - 0.12 * hh),
            ]
        )
    else:  # cone respirator
        shape = ellipse(mx, (y0 + y1) / 2 + 0.01 * hh, 0.4 * hw, (y1 - y0) / 2 + 0.02 * hh, 24)
    shape = clip_pts(cut(shape, rng, r), x1, top, x2, top + hh)
    tex = "felt" if kind == 1 else "fibre"
    sheet.piece([shape], col, rng, tex=tex, lift=max(1.0, 0.05 * hh), dark=0.45)
    string = (236, 236, 236) if col[0] < 200 else (150, 150, 156)
    for sgn in (-1, 1):
        sheet.line(
            [(mx + sgn * 0.42 * hw, y0 + 0.08 * hh), (cx + sgn * 0.48 * hw, top + 0.5 * hh)],
            string,
            max(1.0, 0.03 * hw),
        )
        sheet.line(
            [(mx + sgn * 0.42 * hw, y1 - 0.1 * hh), (cx + sgn * 0.48 * hw, top + 0.62 * hh)],
            string,
            max(1.0, 0.03 * hw),
        )
    if hw < 6:
        return
    line = shade(col, 0.75)
    if kind == 0:
        for f in (0.3, 0.5, 0.7):
            yy = y0 + f * (y1 - y0)
            sheet.line([(mx - 0.4 * hw, yy), (mx + 0.4 * hw, yy)], line, max(1.0, 0.025 * hw))
        sheet.line(
            [(mx - 0.15 * hw, y0 + 0.04 * hh), (mx + 0.15 * hw, y0 + 0.04 * hh)],
            (200, 200, 200),
            max(1.0, 0.03 * hw),
        )
    elif kind == 1 and pattern == 1:  # stripes
        for f in (0.25, 0.5, 0.75):
            yy = y0 + f * (y1 - y0)
            sheet.line([(mx - 0.4 * hw, yy), (mx + 0.4 * hw, yy)], pcol, max(1.0, 0.05 * hw))
    elif kind == 1 and pattern == 2:  # dots
        for fx in (-0.25, 0.0, 0.25):
            for fy in (0.3, 0.65):
                sheet.dot(mx + fx * hw, y0 + fy * (y1 - y0), max(0.6, 0.04 * hw), pcol)
    elif kind == 1 and pattern == 3:  # check
        for f in (-0.2, 0.0, 0.2):
            sheet.line([(mx + f * hw, y0 + 0.02 * hh), (mx + f * hw, y1 - 0.04 * hh)], pcol, 1.0)
        for f in (0.35, 0.7):
            yy = y0 + f * (y1 - y0)
            sheet.line([(mx - 0.4 * hw, yy), (mx + 0.4 * hw, yy)], pcol, 1.0)
    elif kind == 2:  # seam and, sometimes, a valve
        sheet.line([(mx, y0), (mx, y1)], line, max(1.0, 0.025 * hw))
        if pattern >= 2:
            sheet.dot(mx + 0.2 * hw, y0 + 0.55 * (y1 - y0), 0.08 * hw, shade(col, 0.7))


def hat(
    sheet: Sheet,
    rng: np.random.Generator,
    cx: float,
    top: float,
    hw: float,
    hh: float,
    hat_h: float,
    kind: int,
    col: Color,
    tall: float,
    pal: tuple[Color, ...],
    rough: float,
    side: int,
) -> None:
    lift = max(1.0, 0.05 * hh)
    r = rough * 0.7
    if kind == 0:  # tall pleated toque: a folded band and a puffed crown
        band_top = top - 0.02 * hh
        ht = top - tall * hat_h
        n = 5
        crown = [(cx - 0.46 * hw, band_top + 0.05 * hh)]
        for i in range(n + 1):
            f = i / n
            bump = 0.06 * hat_h if i % 2 else 0.0
            crown.append((cx + (-0.62 + 1.24 * f) * hw, ht - bump))
        crown.append((cx + 0.46 * hw, band_top + 0.05 * hh))
        crown_pts = np.array(crown)
        crown_pts[1:-1, 1] += 0.25 * (tall * hat_h) * np.abs(np.linspace(-1, 1, n + 1)) ** 2
        sheet.piece([cut(crown_pts, rng, r)], col, rng, lift=lift)
        for i in range(1, n):
            px = cx + (-0.5 + i / n) * hw
            sheet.line(
                [(px, band_top), (px * 1.0 + (px - cx) * 0.2, ht + 0.15 * hat_h)],
                shade(col, 0.8),
                max(1.0, 0.02 * hw),
            )
        band = rect(cx - 0.5 * hw, band_top, cx + 0.5 * hw, top + 0.27 * hh)
        sheet.piece([cut(band, rng, r)], shade(col, 0.96), rng, lift=lift)
    elif kind == 1:  # folded paper forage cap
        base = top + 0.24 * hh
        pts = np.array(
            [
                (cx - 0.55 * hw, base),
                (cx + 0.55 * hw, base),
                (cx + 0.4 * hw, top - 0.55 * hat_h),
                (cx + side * 0.1 * hw, top - 0.75 * hat_h),
                (cx - 0.4 * hw, top - 0.55 * hat_h),
            ]
        )
        sheet.piece([cut(pts, rng, r, facet=0.0)], col, rng, lift=lift)
        sheet.line(
            [(cx - 0.5 * hw, base - 0.12 * hh), (cx + 0.5 * hw, base - 0.12 * hh)],
            shade(col, 0.7),
            max(1.0, 0.03 * hw),
        )
    elif kind == 2:  # skull cap
        dome = ellipse(cx, top + 0.3 * hh, 0.53 * hw, 0.3 * hh + 0.45 * hat_h, 20, 180, 360)
        sheet.piece([cut(dome, rng, r)], col, rng, tex="felt", lift=lift)
        sheet.line(
            [(cx - 0.5 * hw, top + 0.27 * hh), (cx + 0.5 * hw, top + 0.27 * hh)],
            shade(col, 0.75),
            max(1.0, 0.05 * hw),
        )
    elif kind == 3:  # bandana with a knot and tails at one side
        dome = ellipse(cx, top + 0.33 * hh, 0.52 * hw, 0.33 * hh + 0.35 * hat_h, 20, 180, 360)
        kx = cx + side * 0.5 * hw
        tails = np.array(
            [
                (kx, top + 0.25 * hh),
                (kx + side * 0.35 * hw, top + 0.5 * hh),
                (kx + side * 0.15 * hw, top + 0.55 * hh),
                (kx - side * 0.05 * hw, top + 0.35 * hh),
            ]
        )
        sheet.piece([cut(dome, rng, r), cut(tails, rng, r)], col, rng, lift=lift)
        sheet.dot(kx, top + 0.28 * hh, 0.1 * hw, shade(col, 0.8))
        dots = (250, 250, 250) if sum(col) < 500 else pal[0]
        if hw >= 8:
            for fx, fy in ((-0.3, 0.05), (0.0, -0.1), (0.3, 0.05), (-0.15, 0.2), (0.15, 0.2)):
                sheet.dot(cx + fx * hw, top + fy * hh, max(0.6, 0.035 * hw), dots)
    else:  # bouffant net: a puffy textured piece with a netting and an elastic edge
        y_top, y_bot = top - 0.6 * hat_h, top + 0.4 * hh
        puff = ellipse(
            cx, (y_top + y_bot) / 2 + 0.1 * hh, 0.62 * hw, (y_bot - y_top) / 2 + 0.1 * hh
        )
        puff[:, 1] = np.minimum(puff[:, 1], y_bot)
        sheet.piece([cut(puff, rng, r)], col, rng, tex="felt", lift=lift, edge=0.5)
        if hw >= 8:
            net = shade(col, 0.85)
            for f in np.linspace(-0.45, 0.45, 5):
                sheet.line(
                    [(cx + f * hw, y_top + 0.1 * hat_h), (cx + f * 1.1 * hw, top + 0.35 * hh)],
                    net,
                    1.0,
                )
            for f in np.linspace(0.2, 0.8, 3):
                yy = y_top + f * (top + 0.4 * hh - y_top)
                sheet.line([(cx - 0.55 * hw, yy), (cx + 0.55 * hw, yy)], net, 1.0)
        sheet.line(
            [(cx - 0.6 * hw, top + 0.4 * hh), (cx + 0.6 * hw, top + 0.4 * hh)],
            shade(col, 0.7),
            max(1.0, 0.04 * hw),
        )
