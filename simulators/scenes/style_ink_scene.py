"""Kitchen backgrounds and hard negatives of the `ink` training style.

The kitchen is painted on rice paper with a limited palette drawn per frame: a wall wash
(sometimes faint brush tiles, a lattice window, an extractor hood), a shelf with jars, a
back counter with pots, and a floor whose brush lines run to a vanishing point. The
distractors are things a detector could mistake for heads, hats, masks or rodents (bowls,
buns, cloths, a chef hat on a shelf, cabbages, sacks, a cat, a mop, shadows) and are
never labelled.
"""

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.style_ink_paint import (
    U8,
    Canvas,
    Color,
    c3,
    fibres,
    jitter,
    mix,
    noise,
    splatter,
    stroke,
)

PALETTES: tuple[tuple[Color, ...], ...] = (
    ((140, 86, 44), (72, 148, 200), (62, 92, 124)),  # indigo, ochre, sepia
    ((160, 190, 150), (110, 140, 84), (52, 92, 164)),  # celadon, jade, rust
    ((54, 70, 186), (64, 96, 128), (110, 110, 108)),  # vermilion, sepia, ink grey
    ((156, 134, 112), (184, 176, 166), (96, 112, 132)),  # blue greys
    ((64, 104, 172), (92, 168, 206), (86, 122, 110)),  # sienna, yellow ochre, olive
    ((120, 120, 118), (170, 168, 164), (70, 70, 72)),  # pure ink greys
)
PAPERS: tuple[Color, ...] = (
    (214, 230, 238),
    (226, 234, 236),
    (200, 218, 228),
    (222, 226, 220),
    (190, 208, 214),
    (232, 236, 238),
)
INK: Color = (30, 28, 26)

DISTRACTORS: tuple[str, ...] = (
    "bowls",
    "bowl_stack",
    "buns",
    "towel",
    "apron_hook",
    "shelf_hat",
    "cabbage",
    "pot_lid",
    "sack",
    "potatoes",
    "shadow",
    "cat",
    "mop",
    "gloves",
    "steam",
    "ladle",
)


def _u(rng: np.random.Generator, a: float, b: float) -> float:
    return float(rng.uniform(a, b))


def background(w: int, h: int, rng: np.random.Generator) -> tuple[U8, Layout]:
    """A kitchen on rice paper; returns the image and its `Layout`."""
    s = h / 240.0
    pal = PALETTES[int(rng.integers(0, len(PALETTES)))]
    paper_c = jitter(rng, PAPERS[int(rng.integers(0, len(PAPERS)))], 8)
    paper = np.array(paper_c, np.float32)
    grain = 1.0 + 0.05 * noise(rng, h, w, 0.6) + 0.012 * fibres(rng, h, w)
    horizon = int(h * _u(rng, 0.42, 0.56))
    counter_top = int(horizon - h * _u(rng, 0.09, 0.17))
    shelf_y = int(min(h * _u(rng, 0.12, 0.3), counter_top - 22 * s))
    img = np.empty((h, w, 3), np.uint8)
    cv = Canvas(img, (0, 0, w, h), rng, zoom=_u(rng, 1.5, 4.0))
    # paper, then wall, counter front and floor as one wash whose colour is set row by row
    wall_c = mix(paper_c, pal[int(rng.integers(0, 3))], _u(rng, 0.12, 0.5))
    floor_c = mix(paper_c, pal[int(rng.integers(0, 3))], _u(rng, 0.2, 0.55))
    c_col = mix(paper_c, (150, 150, 146) if rng.random() < 0.5 else pal[2], _u(rng, 0.35, 0.7))
    rows = np.empty((h, 1, 3), np.float32)
    rows[:horizon, 0] = wall_c
    rows[:horizon] *= (
        1.0 + np.linspace(_u(rng, -0.12, 0.12), 0, horizon, dtype=np.float32)[:, None, None]
    )
    rows[counter_top:horizon, 0] = c_col
    rows[horizon:, 0] = floor_c
    op = np.full((h, 1, 1), _u(rng, 0.6, 0.95), np.float32)
    op[counter_top:] = 0.9
    mottle = 1.0 + _u(rng, 0.08, 0.3) * cv.tex
    under = cv2.resize(paper * (1.0 - op), (w, h), interpolation=cv2.INTER_NEAREST)
    over = cv2.resize(rows * op, (w, h), interpolation=cv2.INTER_NEAREST)
    cv.buf = c3(grain) * under + c3(mottle) * over
    # every ink line of the room goes into one mask (its value is the line's strength)
    lines = cv.mask()
    if rng.random() < 0.55:  # faint brush tiles
        v = int(_u(rng, 20, 64))
        step = int(_u(rng, 12, 26) * s)
        for y in range(counter_top, 0, -step):
            cv2.line(lines, (0, y), (w, y + int(rng.integers(-1, 2))), v, 1)
        for x in range(int(rng.integers(0, step)), w, step):
            cv2.line(lines, (x, 0), (x, counter_top), v, 1)
    vx, vy = _u(rng, 0.2, 0.8) * w, horizon - _u(rng, 0.4, 1.2) * h
    v = int(_u(rng, 25, 75))
    for k in range(-6, 14):
        bx = w * k / 8
        tx = vx + (bx - vx) * (horizon - vy) / (h - vy)
        if rng.random() < 0.25:  # the brush skipped a line
            continue
        cv2.line(lines, cv.pt(tx, horizon), cv.pt(bx, h), v, 1, cv2.LINE_AA)
    for k in range(1, 8):
        y = horizon + (h - horizon) * (k / 7) ** 1.7
        cv2.line(lines, cv.pt(0, y), cv.pt(w, y), v, 1)
    lines[horizon : horizon + max(2, int(5 * s))] = 64  # shadow at the counter's foot
    door = _u(rng, 30, 60) * s
    for dx in np.arange(_u(rng, 0, door), w, door):
        cv2.line(lines, cv.pt(dx, counter_top + 4 * s), cv.pt(dx, horizon - 2), 190, 1)
    stroke(
        lines, cv.pts([(0, counter_top), (w * 0.5, counter_top), (w, counter_top)]), 2.5 * s, rng
    )
    if rng.random() < 0.4:  # lattice window
        ww, wh = _u(rng, 50, 90) * s, _u(rng, 40, 60) * s
        wx = _u(rng, 0, w - ww)
        wy = max(2.0, shelf_y - wh - 8 * s) if rng.random() < 0.5 else _u(rng, 4, 10) * s
        win = cv.mask()
        cv2.rectangle(win, cv.pt(wx, wy), cv.pt(wx + ww, wy + wh), 255, -1)
        cv.wash(win, mix(paper_c, (200, 190, 170), 0.5), opacity=0.8, bleed=1)
        cv2.rectangle(lines, cv.pt(wx, wy), cv.pt(wx + ww, wy + wh), 220, max(1, round(2 * s)))
        n = int(rng.integers(3, 6))
        for k in range(1, n):
            cv2.line(lines, cv.pt(wx + ww * k / n, wy), cv.pt(wx + ww * k / n, wy + wh), 200, 1)
            cv2.line(lines, cv.pt(wx, wy + wh * k / n), cv.pt(wx + ww, wy + wh * k / n), 200, 1)
    if rng.random() < 0.4:  # extractor hood
        hx, hw_ = _u(rng, 0.1, 0.6) * w, _u(rng, 0.25, 0.4) * w
        hy = shelf_y + 6 * s
        poly = [(hx + hw_ * 0.2, 0), (hx + hw_ * 0.8, 0), (hx + hw_, hy), (hx, hy)]
        hood = cv.mask()
        cv2.fillPoly(hood, [cv.pts(poly)], 255)
        cv.wash(hood, mix(paper_c, (130, 130, 126), 0.55), opacity=0.85, bleed=1, rim=0.4)
        cv2.polylines(lines, [cv.pts(poly)], True, 190, max(1, round(1.5 * s)), cv2.LINE_AA)
    # shelf with jars
    sx0, sx1 = _u(rng, -0.1, 0.4) * w, _u(rng, 0.6, 1.1) * w
    jars = cv.mask()
    jx = sx0 + _u(rng, 2, 20) * s
    while jx < sx1 - 10 * s:
        jw, jh = _u(rng, 5, 11) * s, _u(rng, 8, 20) * s
        cv2.rectangle(jars, cv.pt(jx, shelf_y - jh), cv.pt(jx + jw, shelf_y), 255, -1)
        jx += jw + _u(rng, 3, 20) * s
    cv.wash(jars, mix(paper_c, pal[int(rng.integers(0, 3))], 0.6), opacity=0.85, rim=0.5)
    stroke(lines, cv.pts([(sx0, shelf_y), (sx1, shelf_y)]), 3 * s, rng)
    cv.ink(lines, mix(INK, pal[2], 0.2), opacity=0.9, dry=0.6)
    pots = _pots(cv, w, counter_top, s, pal)
    for _ in range(int(rng.integers(1, 4))):
        splatter(
            cv,
            _u(rng, 0, w),
            _u(rng, 0, h),
            _u(rng, 4, 20) * s,
            int(rng.integers(3, 12)),
            INK,
            2 * s,
        )
    cv.commit()
    return img, Layout(horizon=horizon, counter_top=counter_top, shelf_y=shelf_y, pots=pots)


def _pots(
    cv: Canvas, w: int, counter_top: int, s: float, pal: tuple[Color, ...]
) -> tuple[tuple[int, int, int], ...]:
    rng = cv.rng
    out = []
    body = cv.mask()
    edge = cv.mask()
    for _ in range(int(rng.integers(1, 5))):
        r = int(_u(rng, 8, 18) * s)
        cx = int(_u(rng, 0.05, 0.95) * w)
        top = int(counter_top - r * _u(rng, 0.9, 1.5))
        cv2.rectangle(body, cv.pt(cx - r, top), cv.pt(cx + r, counter_top), 255, -1)
        cv2.ellipse(body, cv.pt(cx, counter_top), (r, max(1, r // 4)), 0, 0, 180, 255, -1)
        cv2.ellipse(edge, cv.pt(cx, top), (r, max(1, r // 4)), 0, 0, 360, 255, 1, cv2.LINE_AA)
        cv2.line(edge, cv.pt(cx - r, top), cv.pt(cx - r, counter_top), 255, 1)
        cv2.line(edge, cv.pt(cx + r, top), cv.pt(cx + r, counter_top), 255, 1)
        for sgn in (-1, 1):
            cv2.line(
                edge,
                cv.pt(cx + sgn * r, top + 3 * s),
                cv.pt(cx + sgn * (r + 4 * s), top + 2 * s),
                255,
                max(1, round(2 * s)),
            )
        out.append((cx, top, r))
    col = (70, 70, 72) if rng.random() < 0.5 else mix((150, 150, 150), pal[2], 0.4)
    cv.wash(body, col, opacity=0.9, rim=0.5, mottle=0.2)
    cv.ink(edge, INK, opacity=0.8, dry=0.4)
    return tuple(out)


def _floor_spot(layout: Layout, h: int, rng: np.random.Generator) -> tuple[float, float]:
    y = _u(rng, layout.horizon + 4, h - 2)
    depth = (y - layout.horizon) / max(1.0, h - layout.horizon)
    return y, 0.7 + 0.8 * depth


def distractor(img: U8, kind: str, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """Paint one unlabelled hard negative of `kind` somewhere it belongs."""
    h, w = img.shape[:2]
    x = _u(rng, 0.03, 0.97) * w
    ct, sy = float(layout.counter_top), float(layout.shelf_y)
    k = s * _u(rng, 0.8, 1.3)
    white = jitter(rng, (236, 240, 240), 8)
    if kind in ("sack", "potatoes", "shadow", "cat", "mop"):
        y, d = _floor_spot(layout, h, rng)
        k *= d
    elif kind in ("shelf_hat",):
        y = sy
    elif kind in ("apron_hook", "towel", "ladle"):
        y = _u(rng, sy + 10 * s, ct - 4 * s)
    elif kind == "steam":
        y = ct - 20 * s
        if layout.pots:
            px, pt, _r = layout.pots[int(rng.integers(0, len(layout.pots)))]
            x, y = float(px), float(pt)
    else:
        y = ct if rng.random() < 0.75 else sy
    r = 30 * k
    cv = Canvas(img, (x - 2.2 * r, y - 2.6 * r, x + 2.2 * r, y + 1.2 * r), rng, zoom=0.8)
    fill = cv.mask()
    edge = cv.mask()
    col: Color = white
    if kind == "bowls":
        for i in range(int(rng.integers(1, 4))):
            bx = x + (i - 1) * 14 * k
            cv2.ellipse(
                fill, cv.pt(bx, y - 4 * k), (round(8 * k), round(6 * k)), 0, 0, 180, 255, -1
            )
            cv2.ellipse(
                fill, cv.pt(bx, y - 4 * k), (round(8 * k), round(2 * k)), 0, 0, 360, 255, -1
            )
            cv2.ellipse(edge, cv.pt(bx, y - 4 * k), (round(8 * k), round(6 * k)), 0, 0, 180, 255, 1)
        col = white if rng.random() < 0.7 else jitter(rng, (200, 170, 120), 15)
    elif kind == "bowl_stack":
        for i in range(int(rng.integers(3, 7))):
            yy = y - i * 4 * k
            cv2.ellipse(
                fill, cv.pt(x, yy - 3 * k), (round(9 * k), round(4 * k)), 0, 0, 360, 255, -1
            )
            cv2.ellipse(edge, cv.pt(x, yy - 3 * k), (round(9 * k), round(4 * k)), 0, 0, 180, 255, 1)
    elif kind == "buns":
        for i in range(int(rng.integers(1, 5))):
            bx, by = x + (i % 3 - 1) * 11 * k, y - 5 * k - (i // 3) * 8 * k
            cv2.ellipse(fill, cv.pt(bx, by), (round(6 * k), round(5 * k)), 0, 0, 360, 255, -1)
            cv2.ellipse(
                edge, cv.pt(bx, by - 2 * k), (round(2 * k), round(1 * k)), 0, 0, 360, 255, 1
            )
        col = jitter(rng, (214, 232, 240), 10)
    elif kind == "towel":
        tw, th = _u(rng, 10, 18) * k, _u(rng, 14, 26) * k
        cv2.rectangle(fill, cv.pt(x - tw / 2, y), cv.pt(x + tw / 2, y + th), 255, -1)
        for f in (0.3, 0.6):
            cv2.line(edge, cv.pt(x - tw / 2, y + th * f), cv.pt(x + tw / 2, y + th * f), 255, 1)
        col = white if rng.random() < 0.6 else jitter(rng, (180, 200, 150), 30)
    elif kind == "apron_hook":
        aw, ah = 16 * k, 30 * k
        poly = [(x - aw * 0.35, y), (x + aw * 0.35, y), (x + aw / 2, y + ah), (x - aw / 2, y + ah)]
        cv2.fillPoly(fill, [cv.pts(poly)], 255)
        cv2.circle(edge, cv.pt(x, y - 2 * k), max(1, round(2 * k)), 255, -1)
        cv2.polylines(edge, [cv.pts(poly)], True, 255, 1, cv2.LINE_AA)
        col = white if rng.random() < 0.5 else jitter(rng, (120, 90, 60), 30)
    elif kind == "shelf_hat":
        hw, hh = 12 * k, 16 * k
        poly = [(x - hw / 2, y), (x + hw / 2, y), (x + hw * 0.62, y - hh), (x - hw * 0.62, y - hh)]
        cv2.fillPoly(fill, [cv.pts(poly)], 255)
        cv2.ellipse(fill, cv.pt(x, y - hh), (round(hw * 0.66), round(4 * k)), 0, 0, 360, 255, -1)
        for f in (-0.25, 0.0, 0.25):
            cv2.line(edge, cv.pt(x + f * hw, y - 2 * k), cv.pt(x + f * hw * 1.3, y - hh), 255, 1)
    elif kind == "cabbage":
        cr = 9 * k
        cv2.circle(fill, cv.pt(x, y - cr), round(cr), 255, -1)
        for a in (-0.5, 0.0, 0.5):
            p = cv.pts([(x + a * cr, y - 0.2 * cr), (x + a * cr * 0.6, y - cr), (x, y - 1.9 * cr)])
            cv2.polylines(edge, [p], False, 255, 1, cv2.LINE_AA)
        col = jitter(rng, (120, 190, 150), 20)
    elif kind == "pot_lid":
        cv2.ellipse(fill, cv.pt(x, y - 10 * k), (round(11 * k), round(10 * k)), 0, 0, 360, 255, -1)
        cv2.circle(edge, cv.pt(x, y - 10 * k), max(1, round(2 * k)), 255, -1)
        col = jitter(rng, (150, 150, 150), 40)
    elif kind == "sack":
        poly = [(x - 9 * k, y), (x + 9 * k, y), (x + 7 * k, y - 18 * k), (x - 7 * k, y - 18 * k)]
        cv2.fillPoly(fill, [cv.pts(poly)], 255)
        cv2.ellipse(fill, cv.pt(x, y - 18 * k), (round(5 * k), round(3 * k)), 0, 0, 360, 255, -1)
        cv2.line(edge, cv.pt(x - 5 * k, y - 16 * k), cv.pt(x + 5 * k, y - 16 * k), 255, 1)
        col = jitter(rng, (80, 120, 150), 15)
    elif kind == "potatoes":
        for _ in range(int(rng.integers(2, 6))):
            px, py = x + _u(rng, -12, 12) * k, y - _u(rng, 2, 6) * k
            ax = (round(_u(rng, 3, 6) * k), round(_u(rng, 2, 4) * k))
            cv2.ellipse(fill, cv.pt(px, py), ax, _u(rng, 0, 180), 0, 360, 255, -1)
        col = jitter(rng, (70, 110, 140), 15)
    elif kind == "shadow":
        ax = (round(_u(rng, 12, 26) * k), round(_u(rng, 3, 7) * k))
        cv2.ellipse(fill, cv.pt(x, y), ax, _u(rng, -10, 10), 0, 360, 255, -1)
        fill = cv2.blur(fill, (5, 5))
        col = (60, 58, 56)
    elif kind == "cat":
        f = 1.0 if rng.random() < 0.5 else -1.0
        cv2.ellipse(fill, cv.pt(x, y - 8 * k), (round(13 * k), round(8 * k)), 0, 0, 360, 255, -1)
        hx, hy = x + f * 12 * k, y - 17 * k
        cv2.circle(fill, cv.pt(hx, hy), round(6 * k), 255, -1)
        for e in (-1, 1):
            ear = [
                (hx + e * 5 * k, hy - 2 * k),
                (hx + e * 5.5 * k, hy - 10 * k),
                (hx + e * 1 * k, hy - 5 * k),
            ]
            cv2.fillPoly(fill, [cv.pts(ear)], 255)
        tail = cv.pts(
            [
                (x - f * 12 * k, y - 6 * k),
                (x - f * 20 * k, y - 12 * k),
                (x - f * 18 * k, y - 22 * k),
            ]
        )
        stroke(fill, tail, 3 * k, rng)
        col = jitter(
            rng, ((40, 40, 44), (70, 130, 190), (150, 150, 150))[int(rng.integers(0, 3))], 10
        )
    elif kind == "mop":
        stroke(edge, cv.pts([(x, y - 2 * k), (x + _u(rng, -8, 8) * k, y - 60 * k)]), 2 * k, rng)
        for dx in np.linspace(-7, 7, 7):
            cv2.line(fill, cv.pt(x, y - 6 * k), cv.pt(x + dx * k, y), 255, max(1, round(2 * k)))
        col = jitter(rng, (190, 200, 200), 30)
    elif kind == "gloves":
        for i in range(2):
            gx = x + i * 9 * k
            cv2.ellipse(
                fill, cv.pt(gx, y - 4 * k), (round(4 * k), round(3 * k)), 0, 0, 360, 255, -1
            )
            for j in range(4):
                p = cv.pts(
                    [(gx - 3 * k + j * 2 * k, y - 5 * k), (gx - 4 * k + j * 2.5 * k, y - 11 * k)]
                )
                cv2.line(fill, tuple(p[0]), tuple(p[1]), 255, max(1, round(1.6 * k)))
        col = white if rng.random() < 0.4 else jitter(rng, (200, 150, 80), 30)
    elif kind == "steam":
        for _ in range(3):
            x0 = x + _u(rng, -8, 8) * k
            pts = [
                (x0 + np.sin(u * 4 + x0) * 4 * k, y - u * 40 * k) for u in np.linspace(0.1, 1, 6)
            ]
            stroke(fill, cv.pts(pts), 3 * k, rng)
        fill = cv2.blur(fill, (5, 5))
        col = jitter(rng, (235, 235, 232), 6)
    else:  # ladle hanging from a rail
        cv2.line(edge, cv.pt(x, y), cv.pt(x, y + 22 * k), 255, max(1, round(1.5 * k)))
        cv2.ellipse(fill, cv.pt(x, y + 25 * k), (round(5 * k), round(4 * k)), 0, 0, 360, 255, -1)
        col = jitter(rng, (170, 170, 168), 20)
    cv.wash(fill, col, opacity=_u(rng, 0.55, 0.9) if kind in ("shadow", "steam") else 0.92, rim=0.4)
    if kind not in ("shadow", "steam"):
        cv.ink(cv2.morphologyEx(fill, cv2.MORPH_GRADIENT, np.ones((2, 2), np.uint8)), INK, 0.6, 0.5)
    cv.ink(edge, INK, opacity=0.75, dry=0.3)
    cv.commit()
