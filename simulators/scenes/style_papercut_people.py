"""Cut-paper workers for the `papercut` style.

A worker is a stack of cut pieces pasted bottom-up: leg strips and paper shoes, a tunic,
an apron, arm strips with round hands, a neck, ear pieces, a head piece cut to fill the
head box, a hair piece (several cuts), pen-dot or paper eyes, a mouth, then a mask with
string ear loops and a paper hat (`style_papercut_wear`). The whole figure casts one soft
shadow on the layer behind it.
"""

import math

import numpy as np

from simulators.scenes.actors import head_box
from simulators.scenes.spec import WorkerSpec
from simulators.scenes.style_papercut_paper import (
    Color,
    Sheet,
    _bgr,
    clip_pts,
    cut,
    ellipse,
    jitter,
    rect,
    shade,
    strip,
    superellipse,
)
from simulators.scenes.style_papercut_wear import hat, mask

Box = tuple[float, float, float, float]

SKINS: tuple[Color, ...] = tuple(
    _bgr(c)
    for c in (
        (255, 224, 200),
        (246, 204, 170),
        (232, 184, 146),
        (214, 160, 120),
        (190, 134, 96),
        (160, 106, 72),
        (128, 82, 54),
        (96, 60, 40),
        (70, 44, 32),
        (240, 196, 150),
    )
)
HAIRS: tuple[Color, ...] = tuple(
    _bgr(c)
    for c in (
        (24, 20, 20),
        (60, 40, 28),
        (110, 70, 40),
        (160, 80, 40),
        (230, 196, 110),
        (150, 150, 150),
        (236, 232, 224),
        (40, 30, 60),
        (200, 60, 90),
    )
)
MASKS_SURGICAL: tuple[Color, ...] = tuple(
    _bgr(c)
    for c in ((170, 210, 236), (244, 246, 246), (170, 226, 200), (240, 190, 206), (40, 40, 44))
)
HATS_WHITE: tuple[Color, ...] = ((246, 248, 250), (232, 240, 244), (236, 236, 236), (222, 236, 246))


def _pick(seq: tuple[Color, ...], rng: np.random.Generator) -> Color:
    return seq[int(rng.integers(len(seq)))]


def worker(img: np.ndarray, ws: WorkerSpec, g: dict[str, float], rng: np.random.Generator) -> Box:
    """Draw one cut-paper worker from `worker_geometry`; returns `head_box(g)`."""
    box = head_box(g)
    ph, cx, fy, hh, hw, top = g["ph"], g["cx"], g["fy"], g["hh"], g["hw"], g["top"]
    if not all(math.isfinite(v) for v in (ph, cx, fy, hh, hw, top)) or ph <= 0:
        return box
    sheet = Sheet(img, cx - 0.5 * ph, top - 0.5 * ph, cx + 0.5 * ph, fy + 0.08 * ph)
    if sheet.empty:
        return box
    sheet.clip_top = top
    sheet.track()
    pal = sheet.palette
    # every choice first, so hat/mask/arms do not change the rest of the look
    skin = jitter(_pick(SKINS, rng), rng, 8)
    hair = jitter(_pick(HAIRS, rng), rng, 10)
    cut_kind = int(rng.integers(5))
    jacket = jitter(_pick(HATS_WHITE, rng), rng, 6) if rng.random() < 0.55 else _pick(pal, rng)
    apron_kind = int(rng.integers(3))
    apron = _pick(pal, rng) if rng.random() < 0.7 else (238, 238, 232)
    trousers = _pick(((40, 40, 44), (70, 60, 50), (110, 90, 60), (60, 70, 90)), rng)
    trouser_tex = "felt" if rng.random() < 0.4 else "fibre"
    shoes = _pick(((20, 20, 24), (240, 240, 240), (40, 50, 80), (30, 30, 120)), rng)
    eye_kind = int(rng.integers(3))
    mouth_kind = int(rng.integers(3))
    blush = rng.random() < 0.4
    hat_kind = int(rng.integers(5))
    hat_col = jitter(_pick(HATS_WHITE, rng), rng, 6) if rng.random() < 0.6 else _pick(pal, rng)
    hat_tall = float(rng.uniform(1.3, 2.4))
    mask_kind = int(rng.integers(3))
    mask_col = _pick(MASKS_SURGICAL, rng) if rng.random() < 0.6 else _pick(pal, rng)
    pattern = int(rng.integers(4))
    pattern_col = _pick(pal, rng)
    side = 1 if rng.random() < 0.5 else -1
    rough = float(np.clip(0.012 * ph, 0.25, 2.0))
    lift = max(1.0, 0.014 * ph)
    small = max(1.0, 0.006 * ph)
    turn = float(np.clip(ws.turn, -1, 1))
    x1, x2, y2 = box[0], box[2], box[3]

    def piece(
        polys: list[np.ndarray], col: Color, tex: str = "fibre", lf: float = small, ed: float = 0.35
    ) -> None:
        sheet.piece([cut(p, rng, rough) for p in polys], col, rng, tex=tex, lift=lf, edge=ed)

    def strips(polys: list[np.ndarray], col: Color, tex: str, lf: float, ed: float) -> None:
        """Straight-cut paper strips (legs, sleeves): no wobble, clean scissor edges."""
        sheet.piece(polys, col, rng, tex=tex, lift=lf, edge=ed)

    def row(f: float) -> float:  # a row at fraction f of the person height
        return top + f * ph

    # legs and shoes
    legs = []
    for sgn in (-1, 1):
        hip = cx + sgn * 0.055 * ph
        foot = cx + sgn * 0.07 * ph
        legs.append(strip([(hip, row(0.53)), (foot, fy - 0.03 * ph)], 0.085 * ph))
    strips(legs, trousers, trouser_tex, 0.0, 0.0)
    piece(
        [
            ellipse(cx + sgn * 0.075 * ph + turn * 0.02 * ph, fy - 0.02 * ph, 0.06 * ph, 0.025 * ph)
            for sgn in (-1, 1)
        ],
        shoes,
        "smooth",
        0.0,
        0.25,
    )
    # arms behind the torso when raised, in front when down
    arms = []
    hands = []
    for sgn in (-1, 1):
        sh = (cx + sgn * 0.13 * ph, row(0.185))
        if ws.arms_up:
            el = (cx + sgn * 0.23 * ph, row(0.2))
            wr = (cx + sgn * (hw / 2 + 0.07 * ph), top + 0.5 * hh)
            hands.append((wr[0], top + 0.38 * hh))
        else:
            el = (cx + sgn * 0.165 * ph, row(0.36))
            wr = (cx + sgn * 0.155 * ph, row(0.49))
            hands.append((wr[0], row(0.51)))
        arms.append(strip([sh, el, wr], 0.06 * ph))
    hand_polys = [ellipse(x, y, 0.028 * ph, 0.03 * ph, 12) for x, y in hands]
    if ws.arms_up:
        strips(arms, jacket, "fibre", 0.0, 0.2)
        piece(hand_polys, skin, "fibre", 0.0, 0.0)
    # torso (tunic) and apron
    tunic = np.array(
        [
            (cx - 0.065 * ph, row(0.155)),
            (cx + 0.065 * ph, row(0.155)),
            (cx + 0.14 * ph, row(0.18)),
            (cx + 0.125 * ph, row(0.56)),
            (cx - 0.125 * ph, row(0.56)),
            (cx - 0.14 * ph, row(0.18)),
        ]
    )
    piece([tunic], jacket, "fibre", 0.0)
    if jacket[0] > 200 and jacket[1] > 200 and ph > 40:  # a chef's double-breasted jacket
        for frac in (0.25, 0.32, 0.39):
            for sgn in (-1, 1):
                sheet.dot(cx + sgn * 0.04 * ph, row(frac), max(0.7, 0.009 * ph), (60, 60, 60))
    if apron_kind == 0:  # bib apron with a neck string
        ap = np.array(
            [
                (cx - 0.065 * ph, row(0.24)),
                (cx + 0.065 * ph, row(0.24)),
                (cx + 0.07 * ph, row(0.38)),
                (cx + 0.13 * ph, row(0.42)),
                (cx + 0.12 * ph, row(0.76)),
                (cx - 0.12 * ph, row(0.76)),
                (cx - 0.13 * ph, row(0.42)),
                (cx - 0.07 * ph, row(0.38)),
            ]
        )
        piece([ap], apron, "fibre")
        sheet.line(
            [(cx - 0.06 * ph, row(0.245)), (cx - 0.02 * ph, row(0.16))], (220, 220, 220), 0.01 * ph
        )
        sheet.line(
            [(cx + 0.06 * ph, row(0.245)), (cx + 0.02 * ph, row(0.16))], (220, 220, 220), 0.01 * ph
        )
    elif apron_kind == 1:  # waist apron
        piece([rect(cx - 0.13 * ph, row(0.43), cx + 0.13 * ph, row(0.72))], apron, "felt")
        sheet.line(
            [(cx - 0.13 * ph, row(0.44)), (cx + 0.13 * ph, row(0.44))],
            shade(apron, 0.6),
            0.012 * ph,
        )
    else:  # long apron with a pocket
        piece([rect(cx - 0.11 * ph, row(0.2), cx + 0.11 * ph, row(0.8))], apron, "fibre")
        piece([rect(cx - 0.05 * ph, row(0.46), cx + 0.05 * ph, row(0.54))], shade(apron, 0.82))
    if not ws.arms_up:
        strips(arms, jacket, "fibre", small, 0.2)
        piece(hand_polys, skin, "fibre", 0.0, 0.0)
    # neck, ears, head
    piece(
        [rect(cx - 0.2 * hw, top + 0.8 * hh, cx + 0.2 * hw, row(0.175))],
        shade(skin, 0.85),
        "fibre",
        0.0,
        0.0,
    )
    ear_y = top + 0.55 * hh
    ears = []
    for sgn in (-1, 1):
        size = 1.0 - 0.5 * max(0.0, sgn * turn)
        ex = cx + sgn * (hw / 2 - 0.09 * hw * size)
        ears.append(clip_pts(ellipse(ex, ear_y, 0.09 * hw * size, 0.13 * hh, 12), x1, top, x2, y2))
    face = superellipse(cx, top + 0.54 * hh, 0.43 * hw, 0.46 * hh, 3.0, 32)
    sheet.piece(ears, shade(skin, 0.92), rng, lift=0.0, edge=0.0)
    sheet.piece(
        [clip_pts(cut(face, rng, rough * 0.6), x1 + 0.3, top + 0.5, x2 - 0.3, y2)],
        skin,
        rng,
        lift=small,
    )
    _hair(sheet, cut_kind, hair, rng, cx, top, hw, hh, rough, small, side)
    _features(sheet, ws, rng, cx, top, hw, hh, skin, eye_kind, mouth_kind, blush, turn)
    if ws.mask:
        mask(sheet, rng, cx, top, hw, hh, mask_kind, mask_col, pattern, pattern_col, turn, rough)
    if ws.hat:
        hat(sheet, rng, cx, top, hw, hh, g["hat_h"], hat_kind, hat_col, hat_tall, pal, rough, side)
    sheet.cast(lift, 0.42)
    sheet.commit()
    return box


def _hair(
    sheet: Sheet,
    kind: int,
    col: Color,
    rng: np.random.Generator,
    cx: float,
    top: float,
    hw: float,
    hh: float,
    rough: float,
    lift: float,
    side: int,
) -> None:
    x1, x2, y2 = cx - hw / 2, cx + hw / 2, top + hh
    r = rough * 0.6

    def fit(p: np.ndarray) -> np.ndarray:
        return clip_pts(cut(p, rng, r), x1 + 0.3, top + 0.5, x2 - 0.3, y2)

    cap = superellipse(cx, top + 0.36 * hh, 0.49 * hw, 0.36 * hh, 2.6, 28)
    cap = cap[cap[:, 1] <= top + 0.36 * hh + 1e-6]
    base = np.vstack([cap, [[cx - 0.49 * hw, top + 0.36 * hh]]])
    if kind == 0:  # short crop with a jagged fringe
        fringe = np.array(
            [
                (cx + f * hw, top + (0.3 + 0.08 * (i % 2)) * hh)
                for i, f in enumerate(np.linspace(0.45, -0.45, 7))
            ]
        )
        sheet.piece([fit(np.vstack([cap, fringe]))], col, rng, lift=lift)
    elif kind == 1:  # side part with a sweeping fringe
        sweep = np.array(
            [
                (cx + side * 0.49 * hw, top + 0.3 * hh),
                (cx + side * 0.1 * hw, top + 0.32 * hh),
                (cx - side * 0.3 * hw, top + 0.45 * hh),
                (cx - side * 0.49 * hw, top + 0.5 * hh),
            ]
        )
        pts = cap if side < 0 else cap[::-1]
        sheet.piece([fit(np.vstack([pts, sweep]))], col, rng, lift=lift)
    elif kind == 2:  # bob: the cap and two side panels to the jaw
        panels = [
            rect(
                cx + sgn * 0.5 * hw - (0.17 * hw if sgn > 0 else 0),
                top + 0.2 * hh,
                cx + sgn * 0.5 * hw + (0.17 * hw if sgn < 0 else 0),
                top + 0.85 * hh,
            )
            for sgn in (-1, 1)
        ]
        sheet.piece([fit(base), *[fit(p) for p in panels]], col, rng, lift=lift)
    elif kind == 3:  # curls: felt circles along the crown
        n = max(4, int(hw / 3))
        curls = [fit(base)]
        for i in range(n):
            a = math.pi + math.pi * (i + 0.5) / n
            px = cx + 0.36 * hw * math.cos(a)
            py = top + 0.36 * hh + 0.26 * hh * math.sin(a)
            curls.append(fit(ellipse(px, py, 0.15 * hw, 0.12 * hh, 10)))
        sheet.piece(curls, col, rng, tex="felt", lift=lift)
    else:  # shaved: a thin stubble cap
        thin = superellipse(cx, top + 0.2 * hh, 0.46 * hw, 0.2 * hh, 2.4, 24)
        thin = thin[thin[:, 1] <= top + 0.2 * hh + 1e-6]
        thin = np.vstack([thin, [[cx - 0.46 * hw, top + 0.22 * hh]]])
        sheet.piece([fit(thin)], shade(col, 0.9), rng, tex="felt", lift=lift, edge=0.2)


def _features(
    sheet: Sheet,
    ws: WorkerSpec,
    rng: np.random.Generator,
    cx: float,
    top: float,
    hw: float,
    hh: float,
    skin: Color,
    eye_kind: int,
    mouth_kind: int,
    blush: bool,
    turn: float,
) -> None:
    if hw < 5:
        return
    fx = cx + turn * 0.17 * hw
    ey = top + 0.5 * hh
    ink = (30, 28, 34)
    for sgn in (-1, 1):
        ex = fx + sgn * 0.19 * hw
        if eye_kind == 0:  # pen dots
            sheet.dot(ex, ey, max(0.6, 0.06 * hw), ink)
        elif eye_kind == 1:  # paper eyes with a dot pupil
            sheet.oval(ex, ey, 0.1 * hw, 0.07 * hh, (246, 246, 246))
            sheet.dot(ex + turn * 0.03 * hw, ey, max(0.5, 0.045 * hw), ink)
        else:  # closed happy arcs
            sheet.line(
                [(ex - 0.07 * hw, ey), (ex, ey - 0.04 * hh), (ex + 0.07 * hw, ey)],
                ink,
                max(1.0, 0.03 * hw),
            )
        if blush and not ws.mask:
            cheek = ((skin[0] + 150) // 2, (skin[1] + 140) // 2, (skin[2] + 240) // 2)
            sheet.oval(ex + sgn * 0.05 * hw, top + 0.68 * hh, 0.09 * hw, 0.05 * hh, cheek)
    nose = np.array(
        [
            (fx, top + 0.56 * hh),
            (fx + (0.08 + 0.06 * turn) * hw, top + 0.68 * hh),
            (fx - 0.06 * hw, top + 0.68 * hh),
        ]
    )
    sheet.flat(nose, shade(skin, 0.82))
    my = top + 0.8 * hh
    if mouth_kind == 0:  # pen smile
        sheet.line(
            [
                (fx - 0.13 * hw, my - 0.02 * hh),
                (fx, my + 0.03 * hh),
                (fx + 0.13 * hw, my - 0.02 * hh),
            ],
            ink,
            max(1.0, 0.035 * hw),
        )
    elif mouth_kind == 1:  # red paper half-moon
        sheet.flat(ellipse(fx, my - 0.02 * hh, 0.13 * hw, 0.06 * hh, 12, 0, 180), (60, 50, 200))
    else:  # straight pen line
        sheet.line([(fx - 0.11 * hw, my), (fx + 0.11 * hw, my)], ink, max(1.0, 0.03 * hw))
