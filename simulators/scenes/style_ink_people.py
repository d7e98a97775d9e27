"""Workers and rodents of the `ink` training style, painted as ink-and-wash figures.

Each actor is painted on its own `Canvas` (a rectangle around it), washes first and ink
outlines after, so drawing it changes only pixels near it. A worker's head fills the box
`head_box(g)` (hair top to chin, ear to ear); without a hat the hair is its topmost paint,
and washes bleed only downward, so nothing of the worker shows above that box.
"""

import cv2
import numpy as np

from simulators.scenes.actors import head_box
from simulators.scenes.spec import WorkerSpec
from simulators.scenes.style_ink_paint import U8, Canvas, Color, jitter, mix, stroke

Box = tuple[float, float, float, float]

SKIN: tuple[Color, ...] = (
    (150, 182, 226),
    (132, 166, 214),
    (112, 146, 196),
    (92, 124, 170),
    (72, 98, 138),
    (160, 190, 228),
)
HAIR: tuple[Color, ...] = ((28, 26, 24), (30, 40, 58), (40, 56, 84), (120, 120, 124), (26, 30, 40))
COATS: tuple[Color, ...] = (
    (236, 238, 236),
    (226, 232, 234),
    (214, 222, 226),
    (140, 72, 36),
    (70, 142, 200),
    (150, 178, 140),
    (52, 64, 196),
    (48, 46, 44),
    (150, 150, 146),
    (196, 160, 108),
    (88, 104, 60),
)
MASKS: tuple[Color, ...] = (
    (232, 206, 160),
    (238, 240, 240),
    (40, 40, 42),
    (170, 170, 168),
    (196, 180, 232),
    (170, 200, 150),
    (220, 170, 120),
)
HATS: tuple[Color, ...] = (
    (244, 246, 246),
    (238, 240, 238),
    (232, 236, 240),
    (40, 38, 36),
    (150, 80, 36),
    (56, 60, 190),
    (176, 206, 160),
    (210, 196, 236),
)
HAT_KINDS = ("toque", "paper", "mob", "bandana", "cap")
MASK_KINDS = ("surgical", "cloth", "cup")


def _ink_color(rng: np.random.Generator) -> Color:
    base = ((26, 24, 22), (44, 30, 22), (24, 26, 40), (34, 34, 34))[int(rng.integers(0, 4))]
    return jitter(rng, base, 6)


def _pick(rng: np.random.Generator, seq: tuple[Color, ...], amount: int = 10) -> Color:
    return jitter(rng, seq[int(rng.integers(0, len(seq)))], amount)


def _outline(cv: Canvas, poly: list[tuple[float, float]], w: float, ink: Color, dry: float) -> None:
    m = cv.mask()
    p = cv.pts([*poly, poly[0]])
    stroke(m, p, w, cv.rng, taper=False)
    cv.ink(m, ink, opacity=float(cv.rng.uniform(0.6, 0.9)), dry=dry)


def _edge(m: U8) -> U8:
    """The rim of a mask, where the brush outline goes."""
    out: U8 = cv2.morphologyEx(m, cv2.MORPH_GRADIENT, np.ones((2, 2), np.uint8))
    return out


def _limb(
    cv: Canvas, a: tuple[float, float], b: tuple[float, float], c: tuple[float, float], t: float
) -> U8:
    m = cv.mask()
    p = cv.pts([a, b, c])
    cv2.polylines(m, [p], False, 255, max(1, round(t)), cv2.LINE_AA)
    return m


def _body(cv: Canvas, spec: WorkerSpec, g: dict[str, float], ink: Color, lw: float) -> None:
    rng = cv.rng
    ph, cx, fy, hh, top = g["ph"], g["cx"], g["fy"], g["hh"], g["top"]
    dry = float(rng.uniform(0.1, 0.8))
    sh_y = top + hh + 0.035 * ph
    sw = 0.12 * ph * rng.uniform(0.9, 1.1)
    hip = 0.095 * ph * rng.uniform(0.9, 1.15)
    waist = fy - 0.47 * ph
    hem = fy - rng.uniform(0.3, 0.44) * ph
    coat = _pick(rng, COATS) if rng.random() < 0.6 else _pick(rng, COATS[:3], 6)
    trousers = _pick(rng, ((40, 38, 36), (70, 60, 50), (110, 70, 40), (90, 90, 90)), 12)
    # legs and shoes
    stance = rng.uniform(0.03, 0.075) * ph
    lt = max(2.0, 0.07 * ph)
    legs = cv.mask()
    for sgn in (-1, 1):
        p = cv.pts([(cx + sgn * 0.045 * ph, waist), (cx + sgn * stance, fy - 0.03 * ph)])
        cv2.line(legs, tuple(p[0]), tuple(p[1]), 255, max(2, round(lt)), cv2.LINE_AA)
    cv.wash(legs, trousers, bleed=2, mottle=0.2)
    cv.ink(_edge(legs), ink, opacity=0.7, dry=dry)
    shoes = cv.mask()
    for sgn in (-1, 1):
        ax = (max(2, round(0.045 * ph)), max(1, round(0.02 * ph)))
        cv2.ellipse(shoes, cv.pt(cx + sgn * stance, fy - 0.015 * ph), ax, 0, 0, 360, 255, -1)
    cv.ink(shoes, mix(ink, (60, 60, 60), 0.3), opacity=0.95)
    # coat
    poly = [
        (cx - sw, sh_y),
        (cx + sw, sh_y),
        (cx + sw * 0.92, sh_y + 0.2 * ph),
        (cx + hip * 1.08, hem),
        (cx - hip * 1.08, hem),
        (cx - sw * 0.92, sh_y + 0.2 * ph),
    ]
    m = cv.mask()
    cv2.fillPoly(m, [cv.pts(poly)], 255, cv2.LINE_AA)
    cv.wash(m, coat, bleed=2, rim=0.4, mottle=0.2)
    _outline(cv, poly, lw, ink, dry)
    if rng.random() < 0.55:  # apron
        apron = _pick(rng, ((236, 238, 238), (60, 80, 110), (130, 70, 40), (40, 40, 40)), 10)
        a_top = sh_y + (0.02 if rng.random() < 0.5 else 0.17) * ph
        ap = [
            (cx - hip * 0.8, a_top),
            (cx + hip * 0.8, a_top),
            (cx + hip * 1.0, fy - 0.2 * ph),
            (cx - hip * 1.0, fy - 0.2 * ph),
        ]
        m = cv.mask()
        cv2.fillPoly(m, [cv.pts(ap)], 255, cv2.LINE_AA)
        cv.wash(m, apron, opacity=0.9, bleed=1)
        _outline(cv, ap, lw * 0.8, ink, dry)
    elif rng.random() < 0.6:  # double row of buttons
        m = cv.mask()
        for row in range(4):
            for sgn in (-1, 1):
                b = cv.pt(cx + sgn * 0.04 * ph, sh_y + (0.05 + 0.055 * row) * ph)
                cv2.circle(m, b, max(1, round(0.008 * ph)), 255, -1)
        cv.ink(m, ink, opacity=0.7)
    # arms: sleeves then hands
    hands = cv.mask()
    sleeve = cv.mask()
    at = max(2.0, 0.055 * ph)
    for sgn in (-1, 1):
        s = (cx + sgn * sw * 0.9, sh_y + 0.03 * ph)
        if spec.arms_up:
            e = (cx + sgn * (sw + 0.09 * ph), sh_y + 0.07 * ph)
            hnd = (cx + sgn * (sw + 0.05 * ph), max(top + hh * 1.15, sh_y - 0.02 * ph))
        elif rng.random() < 0.4:  # working at the waist
            e = (cx + sgn * (sw + 0.03 * ph), sh_y + 0.16 * ph)
            hnd = (cx + sgn * 0.06 * ph, sh_y + 0.24 * ph)
        else:
            e = (cx + sgn * (sw + 0.025 * ph), sh_y + 0.17 * ph)
            hnd = (cx + sgn * (sw + rng.uniform(-0.02, 0.02) * ph), sh_y + 0.32 * ph)
        sleeve |= _limb(cv, s, e, hnd, at)
        cv2.circle(hands, cv.pt(*hnd), max(1, round(0.03 * ph)), 255, -1)
    cv.wash(sleeve, mix(coat, (0, 0, 0), 0.08), bleed=2, rim=0.4, mottle=0.2)
    cv.ink(_edge(sleeve), ink, opacity=0.75, dry=dry)
    g_col = (236, 236, 236) if rng.random() < 0.3 else None  # white kitchen gloves
    cv.wash(hands, g_col or _pick(rng, SKIN, 8), opacity=0.95, bleed=0)


def _head(cv: Canvas, spec: WorkerSpec, g: dict[str, float], ink: Color, lw: float) -> None:
    rng = cv.rng
    cx, hh, hw, top, ph = g["cx"], g["hh"], g["hw"], g["top"], g["ph"]
    turn = float(np.clip(spec.turn, -1, 1))
    skin = _pick(rng, SKIN, 8)
    hair = _pick(rng, HAIR, 8)
    cy = top + hh * 0.53
    # neck
    m = cv.mask()
    nw = hw * 0.22
    cv2.rectangle(m, cv.pt(cx - nw, cy), cv.pt(cx + nw, top + hh + 0.045 * ph), 255, -1)
    cv.wash(m, mix(skin, (0, 0, 0), 0.12), bleed=0)
    # face and ears (ears reach the box sides)
    face = cv.mask()
    cv2.ellipse(face, cv.pt(cx, cy), (round(hw * 0.43), round(hh * 0.46)), 0, 0, 360, 255, -1)
    erx, ery = max(1, round(hw * 0.08)), max(1, round(hh * 0.11))
    for sgn in (-1, 1):
        ex = cx + sgn * (hw * 0.5 - erx) - turn * hw * 0.02
        cv2.ellipse(face, cv.pt(ex, top + hh * 0.56), (erx, ery), 0, 0, 360, 255, -1)
    cv.wash(face, skin, opacity=0.95, bleed=1, rim=0.3)
    m = cv.mask()
    cv2.ellipse(m, cv.pt(cx, cy), (round(hw * 0.43), round(hh * 0.46)), 0, 10, 170, 255, 1)
    cv.ink(m, ink, opacity=0.7, dry=0.4)
    # hair: an ellipse from the box top with the face cut out
    style = int(rng.integers(0, 4))
    ay = hh * (0.3, 0.4, 0.47, 0.36)[style]
    hm = cv.mask()
    axes = (round(hw * 0.46), max(1, round(ay)))
    cv2.ellipse(hm, cv.pt(cx, top + ay), axes, 0, 0, 360, 255, -1)
    if style == 2:  # long hair falling behind the neck
        cv2.rectangle(hm, cv.pt(cx - hw * 0.4, cy), cv.pt(cx + hw * 0.4, top + hh * 1.35), 255, -1)
    fx = cx + turn * hw * 0.2
    hairline = hh * float(rng.uniform(0.28, 0.38))
    cut = (round(hw * 0.36 * (1 - 0.25 * abs(turn))), round(hh * 0.62 - hairline * 0.5))
    cv2.ellipse(hm, cv.pt(fx, top + hairline + cut[1]), cut, 0, 0, 360, 0, -1)
    cv.wash(hm, hair, opacity=0.96, bleed=1, rim=0.2, mottle=0.25)
    cv.ink(hm, ink, opacity=0.25, dry=0.9)
    # face features follow the turn
    feat = cv.mask()
    ew = hw * 0.16 * (1 - 0.3 * abs(turn))
    er = max(1, round(hw * 0.045))
    for sgn in (-1, 1):
        cv2.circle(feat, cv.pt(fx + sgn * ew, top + hh * 0.5), er, 255, -1)
        p = cv.pts([(fx + sgn * ew * 0.5, top + hh * 0.4), (fx + sgn * ew * 1.5, top + hh * 0.41)])
        cv2.line(feat, tuple(p[0]), tuple(p[1]), 255, max(1, round(lw * 0.7)), cv2.LINE_AA)
    p = cv.pts([(fx + turn * hw * 0.04, top + hh * 0.56), (fx + turn * hw * 0.1, top + hh * 0.68)])
    cv2.line(feat, tuple(p[0]), tuple(p[1]), 255, 1, cv2.LINE_AA)
    cv.ink(feat, ink, opacity=0.9)
    if spec.mask:
        _mask(cv, fx, g, turn, ink, lw)
    else:
        mouth = cv.mask()
        mw = max(1, round(hw * rng.uniform(0.08, 0.14)))
        mh = max(1, round(hh * rng.uniform(0.02, 0.06)))
        cv2.ellipse(mouth, cv.pt(fx, top + hh * 0.8), (mw, mh), 0, 0, 360, 255, -1)
        cv.ink(mouth, jitter(rng, (58, 52, 150), 20), opacity=0.9)
    if spec.hat:
        _hat(cv, g, turn, ink, lw)


def _mask(cv: Canvas, fx: float, g: dict[str, float], turn: float, ink: Color, lw: float) -> None:
    rng = cv.rng
    cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
    kind = MASK_KINDS[int(rng.integers(0, len(MASK_KINDS)))]
    col = _pick(rng, MASKS, 10)
    y0, y1 = top + hh * 0.6, top + hh * 0.94
    xl = max(cx - hw * 0.43, fx - hw * 0.34)
    xr = min(cx + hw * 0.43, fx + hw * 0.34)
    m = cv.mask()
    if kind == "cup":
        cv2.ellipse(
            m,
            cv.pt(fx, (y0 + y1) / 2),
            (round((xr - xl) / 2), round((y1 - y0) / 2)),
            0,
            0,
            360,
            255,
            -1,
        )
    elif kind == "cloth":
        poly = [
            (xl, y0),
            (fx, y0 - hh * 0.05),
            (xr, y0),
            (xr, y1 - hh * 0.08),
            (fx, y1),
            (xl, y1 - hh * 0.08),
        ]
        cv2.fillPoly(m, [cv.pts(poly)], 255, cv2.LINE_AA)
    else:
        cv2.rectangle(m, cv.pt(xl, y0), cv.pt(xr, y1 - hh * 0.04), 255, -1)
    cv.wash(m, col, opacity=0.97, bleed=0, rim=0.3)
    lines = cv.mask()
    if kind == "surgical":
        for k in (0.3, 0.55, 0.8):
            yy = y0 + (y1 - y0) * k
            cv2.line(lines, cv.pt(xl + 1, yy), cv.pt(xr - 1, yy), 255, 1, cv2.LINE_AA)
    elif kind == "cup":
        cv2.line(lines, cv.pt(fx, y0), cv.pt(fx, y1), 255, 1, cv2.LINE_AA)
    for x_edge, sgn in ((xl, -1), (xr, 1)):  # ear loops
        ear = (cx + sgn * hw * 0.42, top + hh * 0.56)
        cv2.line(lines, cv.pt(x_edge, y0 + 1), cv.pt(*ear), 255, 1, cv2.LINE_AA)
    cv.ink(lines, mix(ink, col, 0.35), opacity=0.75)


def _hat(cv: Canvas, g: dict[str, float], turn: float, ink: Color, lw: float) -> None:
    rng = cv.rng
    cx, hh, hw, top, hat_h = g["cx"], g["hh"], g["hw"], g["top"], g["hat_h"]
    kind = HAT_KINDS[int(rng.integers(0, len(HAT_KINDS)))]
    white = rng.random() < 0.6 or (kind == "toque" and rng.random() < 0.8)
    col = _pick(rng, HATS[:3], 6) if white else _pick(rng, HATS, 10)
    m = cv.mask()
    lines = cv.mask()
    band_y = top + hh * rng.uniform(0.24, 0.32)
    lift = max(2.0, hat_h * 0.2)
    if kind == "toque":
        height = max(4.0, hat_h * rng.uniform(1.3, 2.3))
        crown = top - height
        poly = [
            (cx - hw * 0.5, band_y),
            (cx + hw * 0.5, band_y),
            (cx + hw * 0.62, crown),
            (cx - hw * 0.62, crown),
        ]
        cv2.fillPoly(m, [cv.pts(poly)], 255, cv2.LINE_AA)
        cv2.ellipse(
            m, cv.pt(cx, crown), (round(hw * 0.66), round(hat_h * 0.45)), 0, 0, 360, 255, -1
        )
        for k in (-0.3, -0.1, 0.1, 0.3):
            cv2.line(lines, cv.pt(cx + k * hw, top - lift), cv.pt(cx + k * hw * 1.3, crown), 255, 1)
        cv2.line(lines, cv.pt(cx - hw * 0.5, top), cv.pt(cx + hw * 0.5, top), 255, 1)
    elif kind == "paper":
        crown = top - max(3.0, hat_h * rng.uniform(0.5, 0.8))
        poly = [
            (cx - hw * 0.52, band_y),
            (cx + hw * 0.52, band_y),
            (cx + hw * 0.42, crown),
            (cx - hw * 0.42, crown),
        ]
        cv2.fillPoly(m, [cv.pts(poly)], 255, cv2.LINE_AA)
        cv2.rectangle(
            lines,
            cv.pt(cx - hw * 0.5, top + hh * 0.02),
            cv.pt(cx + hw * 0.5, top + hh * 0.1),
            255,
            -1,
        )
        cv2.line(lines, cv.pt(cx, crown), cv.pt(cx, top + hh * 0.02), 255, 1)
    elif kind == "mob":
        ry = (band_y - top + lift) * 0.5 + hh * 0.12
        cyy = top - lift + ry
        cv2.ellipse(m, cv.pt(cx, cyy), (round(hw * 0.6), round(ry)), 0, 0, 360, 255, -1)
        m[max(0, cv.pt(0, band_y)[1]) :] = 0
        for k in (-0.35, -0.12, 0.12, 0.35):
            cv2.line(
                lines,
                cv.pt(cx + k * hw, band_y),
                cv.pt(cx + k * hw * 0.8, band_y - hh * 0.1),
                255,
                1,
            )
    elif kind == "bandana":
        ry = band_y - top + lift
        cv2.ellipse(
            m, cv.pt(cx, top - lift + ry), (round(hw * 0.5), round(ry)), 0, 180, 360, 255, -1
        )
        back = -1.0 if turn >= 0 else 1.0
        knot = [
            (cx + back * hw * 0.45, band_y - hh * 0.08),
            (cx + back * hw * 0.72, band_y + hh * 0.2),
            (cx + back * hw * 0.52, band_y + hh * 0.08),
        ]
        cv2.fillPoly(m, [cv.pts(knot)], 255, cv2.LINE_AA)
        if rng.random() < 0.5:  # polka dots
            for _ in range(6):
                px = cx + rng.uniform(-0.35, 0.35) * hw
                py = top + rng.uniform(0.0, 0.2) * hh
                cv2.circle(lines, cv.pt(px, py), max(1, round(hw * 0.03)), 255, -1)
    else:  # cap with a brim towards the face
        ry = band_y - top + lift
        cv2.ellipse(
            m, cv.pt(cx, top - lift + ry), (round(hw * 0.5), round(ry)), 0, 180, 360, 255, -1
        )
        d = 1.0 if turn >= 0 else -1.0
        bx = cx + d * hw * (0.2 + 0.3 * abs(turn))
        cv2.ellipse(
            m, cv.pt(bx, band_y), (round(hw * 0.42), max(1, round(hh * 0.06))), 0, 0, 360, 255, -1
        )
    if m.any():
        cv.wash(m, col, opacity=0.97, bleed=0, rim=0.35)
        edge = _edge(m)
        cv.ink(edge, ink, opacity=0.75, dry=0.5)
    cv.ink(lines, mix(ink, col, 0.4), opacity=0.7)


def worker(img: U8, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator) -> Box:
    """Paint one worker on its own canvas; return the head box (hair top to chin, ear to ear)."""
    ph, cx, top, hat_h = g["ph"], g["cx"], g["top"], g["hat_h"]
    box = (cx - 0.42 * ph - 3, top - 2.6 * hat_h - 6, cx + 0.42 * ph + 3, g["fy"] + 0.04 * ph + 4)
    cv = Canvas(img, box, rng, zoom=float(np.clip(ph / 60, 0.6, 3.0)))
    ink = _ink_color(rng)
    lw = max(1.0, 0.02 * ph * rng.uniform(0.6, 1.3))
    _body(cv, spec, g, ink, lw)
    _head(cv, spec, g, ink, lw)
    cv.commit()
    return head_box(g)


RODENT_COLS: tuple[Color, ...] = (
    (96, 98, 100),
    (60, 80, 104),
    (42, 42, 46),
    (80, 90, 104),
    (130, 128, 126),
)


def rodent(img: U8, rg: tuple[float, float, float, float], rng: np.random.Generator) -> Box:
    """Paint a rat or mouse running along the floor; return its body+head box (no tail)."""
    x, y, length, f = rg
    run = rng.random() < 0.6
    bl = length * 0.34 * (1.1 if run else 0.92)
    bh = length * 0.16 * (0.85 if run else 1.15)
    cv = Canvas(
        img,
        (x - 1.4 * length - 4, y - 1.2 * length - 4, x + 1.4 * length + 4, y + 4),
        rng,
        zoom=0.7,
    )
    col = _pick(rng, RODENT_COLS, 12)
    ink = _ink_color(rng)
    hx, hy = x + f * bl * 1.05, y - bh * 0.85
    hax, hay = bl * 0.45, bh * 0.62
    tip = (hx + f * hax * 1.6, hy + bh * 0.2)
    ear = (hx - f * hax * 0.3, hy - hay * 0.9)
    er = max(1.0, bh * 0.38)
    # tail first (thin ink, not part of the box)
    tail = cv.mask()
    t0 = (x - f * bl * 0.85, y - bh * 0.55)
    tl = length * rng.uniform(0.55, 0.8)
    ph0 = rng.uniform(0, 6)
    tpts = [
        (t0[0] - f * tl * u, t0[1] + np.sin(u * 3.5 + ph0) * bh * 0.5 + u * bh * 0.3)
        for u in np.linspace(0, 1, 8)
    ]
    stroke(tail, cv.pts(tpts), max(1.0, length * 0.03), rng)
    cv.ink(tail, mix(col, ink, 0.5), opacity=0.85)
    # legs
    legs = cv.mask()
    for dx in (-0.6, 0.6):
        lx = x + dx * bl
        cv2.line(
            legs,
            cv.pt(lx, y - bh * 0.5),
            cv.pt(lx + f * bl * 0.15, y),
            255,
            max(1, round(bh * 0.2)),
        )
    cv.ink(legs, mix(col, ink, 0.6), opacity=0.9)
    body = cv.mask()
    cv2.ellipse(body, cv.pt(x, y - bh), (max(2, round(bl)), max(2, round(bh))), 0, 0, 360, 255, -1)
    cv2.ellipse(body, cv.pt(hx, hy), (max(1, round(hax)), max(1, round(hay))), 0, 0, 360, 255, -1)
    snout = [(hx, hy - hay * 0.9), tip, (hx, hy + hay * 0.9)]
    cv2.fillPoly(body, [cv.pts(snout)], 255, cv2.LINE_AA)
    cv2.circle(body, cv.pt(*ear), round(er), 255, -1)
    cv.wash(body, col, opacity=0.95, bleed=1, rim=0.4, mottle=0.25)
    fur = cv.mask()
    for _ in range(5):  # dry-brush fur strokes along the back
        u = rng.uniform(-0.8, 0.6)
        p0 = (x + u * bl, y - bh * rng.uniform(1.2, 1.8))
        p1 = (p0[0] + f * bl * 0.35, p0[1] + bh * 0.15)
        cv2.line(fur, cv.pt(*p0), cv.pt(*p1), 255, max(1, round(bh * 0.18)), cv2.LINE_AA)
    cv.ink(fur & body, ink, opacity=0.5, dry=0.9)
    edge = _edge(body)
    cv.ink(edge, ink, opacity=0.6, dry=0.5)
    dots = cv.mask()
    cv2.circle(dots, cv.pt(hx + f * hax * 0.35, hy - hay * 0.25), max(1, round(bh * 0.12)), 255, -1)
    cv2.circle(dots, cv.pt(*tip), max(1, round(bh * 0.1)), 255, -1)
    cv.ink(dots, (20, 20, 24), opacity=0.95)
    inner = cv.mask()
    cv2.circle(inner, cv.pt(*ear), max(1, round(er * 0.55)), 255, -1)
    cv.wash(inner, (150, 150, 205), opacity=0.7, bleed=0)
    cv.commit()
    xs = (x - bl, x + bl, hx - hax, hx + hax, tip[0], ear[0] - er, ear[0] + er)
    return (min(xs), min(y - 2 * bh, ear[1] - er, hy - hay), max(xs), y)
