"""Hard negatives for the `papercut` style, never labelled: paper bowls and plates, a
folded napkin, a chef hat lying on a shelf, a cut-paper cat, mops, sacks, vegetables,
gloves, aprons on hooks, a paper shadow shape on the floor and cotton-wool steam.
"""

import math

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.style_papercut_paper import (
    Color,
    Sheet,
    _bgr,
    cut,
    ellipse,
    jitter,
    rect,
    shade,
    strip,
    superellipse,
)

DISTRACTORS: tuple[str, ...] = (
    "bowls",
    "plates",
    "napkin",
    "shelf_hat",
    "cat",
    "mop",
    "sack",
    "vegetables",
    "gloves",
    "apron_hook",
    "floor_shadow",
    "steam",
)

WHITES: tuple[Color, ...] = ((246, 248, 250), (236, 240, 242), (226, 238, 246), (240, 240, 236))


def _pick(seq: tuple[Color, ...], rng: np.random.Generator) -> Color:
    return seq[int(rng.integers(len(seq)))]


def distractor(
    img: np.ndarray, kind: str, layout: Layout, rng: np.random.Generator, s: float
) -> None:
    """Draw one never-labelled thing of `kind`; unknown kinds draw nothing."""
    h, w = img.shape[:2]
    if h < 4 or w < 4 or not math.isfinite(s) or s <= 0:
        return
    draw = _KINDS.get(kind)
    if draw is not None:
        draw(img, layout, rng, s, w, h)


def _sheet(img: np.ndarray, cx: float, cy: float, rx: float, ry: float) -> Sheet:
    return Sheet(img, cx - rx, cy - ry, cx + rx, cy + ry)


def _spot(layout: Layout, rng: np.random.Generator, h: int) -> float:
    """A surface row: the shelf, the counter top or the floor."""
    r = rng.random()
    if r < 0.3:
        return float(layout.shelf_y)
    if r < 0.65:
        return float(layout.counter_top)
    return float(rng.uniform(layout.horizon + 0.05 * h, h * 0.98))


def _bowls(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, w: int, h: int
) -> None:
    base = _spot(lay, rng, h)
    cx, r = float(rng.uniform(0, w)), float(rng.uniform(8, 22) * s)
    sh = _sheet(img, cx, base - 2 * r, 2 * r, 2.5 * r)
    for i in range(int(rng.integers(1, 4))):
        col = _pick(sh.palette, rng)
        y0 = base - i * 0.35 * r
        bowl = ellipse(cx, y0 - 0.6 * r, r, 0.6 * r, 18, 0, 180)
        sh.piece([cut(bowl, rng, 0.6)], col, rng, lift=1.5 * s)
        sh.piece(
            [cut(ellipse(cx, y0 - 0.6 * r, r, 0.2 * r, 16), rng, 0.5)],
            shade(col, 1.25),
            rng,
            lift=0.0,
            dark=0.0,
        )
    sh.commit()


def _plates(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, w: int, h: int
) -> None:
    base = _spot(lay, rng, h)
    cx, r = float(rng.uniform(0, w)), float(rng.uniform(7, 18) * s)
    upright = rng.random() < 0.5
    ry = r if upright else 0.35 * r
    cy = base - ry
    sh = _sheet(img, cx, cy, 1.4 * r, 1.4 * ry + 4)
    col = _pick(WHITES, rng) if rng.random() < 0.7 else _pick(sh.palette, rng)
    n = 28
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    k = 1 + 0.06 * (np.arange(n) % 2)
    scallop = np.stack([cx + r * k * np.cos(t), cy + ry * k * np.sin(t)], axis=1)
    sh.piece([cut(scallop, rng, 0.4, facet=0.0)], col, rng, tex="smooth", lift=1.5 * s)
    sh.piece([ellipse(cx, cy, 0.7 * r, 0.7 * ry, 20)], shade(col, 0.93), rng, lift=0.0, dark=0.0)
    if rng.random() < 0.5:
        sh.line(
            [
                (cx + 0.8 * r * math.cos(a), cy + 0.8 * ry * math.sin(a))
                for a in np.linspace(0, 2 * math.pi, 24)
            ],
            _pick(sh.palette, rng),
            1.5 * s,
        )
    sh.commit()


def _napkin(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, w: int, h: int
) -> None:
    base = _spot(lay, rng, h)
    cx, a = float(rng.uniform(0, w)), float(rng.uniform(8, 20) * s)
    sh = _sheet(img, cx, base - a, 1.5 * a, 1.8 * a)
    col = _pick(WHITES, rng)
    if rng.random() < 0.5:  # a standing mitre fold, hat-like
        pts = np.array(
            [
                (cx - 0.6 * a, base),
                (cx + 0.6 * a, base),
                (cx + 0.5 * a, base - 1.1 * a),
                (cx, base - 1.6 * a),
                (cx - 0.5 * a, base - 1.1 * a),
            ]
        )
        sh.piece([cut(pts, rng, 0.5, facet=0.0)], col, rng, lift=1.5 * s)
        sh.line([(cx, base), (cx, base - 1.6 * a)], shade(col, 0.85), 1.0)
    else:  # folded flat triangle with a fold line
        pts = np.array([(cx - a, base), (cx + a, base), (cx + 0.2 * a, base - 0.8 * a)])
        sh.piece([cut(pts, rng, 0.5, facet=0.0)], col, rng, lift=1.5 * s)
        sh.line(
            [(cx - 0.4 * a, base - 0.4 * a), (cx + a * 0.9, base - 0.05 * a)], shade(col, 0.85), 1.0
        )
    sh.commit()


def _shelf_hat(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, w: int, h: int
) -> None:
    base = float(lay.shelf_y if rng.random() < 0.7 else lay.counter_top)
    cx, a = float(rng.uniform(0, w)), float(rng.uniform(9, 18) * s)
    sh = _sheet(img, cx, base - a, 2.2 * a, 2.2 * a)
    col = _pick(WHITES, rng)
    if rng.random() < 0.5:  # lying on its side: band to the left, crown to the right
        crown = superellipse(cx + 0.4 * a, base - 0.55 * a, 0.9 * a, 0.55 * a, 2.2, 24)
        sh.piece([cut(crown, rng, 0.6)], col, rng, lift=1.5 * s)
        sh.piece(
            [cut(rect(cx - 0.9 * a, base - 1.0 * a, cx - 0.4 * a, base), rng, 0.4)],
            shade(col, 0.95),
            rng,
            lift=1.0 * s,
        )
    else:  # upright, empty
        crown = ellipse(cx, base - 1.3 * a, 0.75 * a, 0.6 * a, 20)
        sh.piece([cut(crown, rng, 0.6)], col, rng, lift=1.5 * s)
        sh.piece(
            [cut(rect(cx - 0.55 * a, base - 0.9 * a, cx + 0.55 * a, base), rng, 0.4)],
            shade(col, 0.95),
            rng,
            lift=1.0 * s,
        )
    sh.commit()


def _cat(img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, w: int, h: int) -> None:
    base = float(rng.uniform(lay.horizon + 0.05 * h, h * 0.99))
    depth = (base - lay.horizon) / max(1.0, h - lay.horizon)
    a = float(rng.uniform(12, 22) * s * (0.7 + 0.6 * depth))
    cx = float(rng.uniform(0, w))
    f = 1.0 if rng.random() < 0.5 else -1.0
    col = _pick(
        tuple(
            _bgr(c)
            for c in ((30, 30, 34), (230, 140, 60), (150, 150, 150), (240, 236, 228), (120, 90, 60))
        ),
        rng,
    )
    sh = _sheet(img, cx, base - a, 2.2 * a, 1.6 * a)
    sitting = rng.random() < 0.5
    if sitting:
        body = ellipse(cx, base - 0.55 * a, 0.45 * a, 0.55 * a, 20)
        hx, hy = cx + f * 0.1 * a, base - 1.2 * a
        tail = [
            (cx - f * 0.3 * a, base - 0.05 * a),
            (cx - f * 0.8 * a, base - 0.1 * a),
            (cx - f * 0.9 * a, base - 0.5 * a),
        ]
    else:
        body = ellipse(cx, base - 0.5 * a, 0.8 * a, 0.3 * a, 20)
        hx, hy = cx + f * 0.85 * a, base - 0.8 * a
        tail = [
            (cx - f * 0.75 * a, base - 0.55 * a),
            (cx - f * 1.1 * a, base - 0.9 * a),
            (cx - f * 1.3 * a, base - 1.0 * a),
        ]
        for u in (-0.5, -0.3, 0.4, 0.6):
            sh.piece(
                [strip([(cx + f * u * a, base - 0.4 * a), (cx + f * u * a, base)], 0.14 * a)],
                shade(col, 0.9),
                rng,
                lift=1.0,
            )
    sh.piece([strip(tail, 0.14 * a)], shade(col, 0.9), rng, lift=1.0)
    ears = [
        np.array(
            [
                (hx + d * 0.3 * a, hy - 0.1 * a),
                (hx + d * 0.28 * a, hy - 0.45 * a),
                (hx + d * 0.05 * a, hy - 0.25 * a),
            ]
        )
        for d in (-1, 1)
    ]
    head = ellipse(hx, hy, 0.33 * a, 0.28 * a, 18)
    sh.piece([cut(p, rng, 0.6) for p in (body, head, *ears)], col, rng, tex="felt", lift=1.5 * s)
    eye = (60, 200, 120) if sum(col) < 300 else (30, 30, 30)
    for d in (-1, 1):
        sh.dot(hx + d * 0.12 * a + f * 0.04 * a, hy - 0.03 * a, max(0.7, 0.05 * a), eye)
    sh.commit()


def _mop(img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, w: int, h: int) -> None:
    base = float(rng.uniform(lay.horizon + 0.03 * h, h * 0.99))
    ln = float(rng.uniform(0.35, 0.6) * h)
    cx = float(rng.uniform(0, w))
    lean = float(rng.uniform(-0.25, 0.25))
    sh = _sheet(img, cx, base - ln / 2, 0.5 * ln, 0.6 * ln)
    handle = strip([(cx, base - 0.1 * ln), (cx + lean * ln, base - ln)], max(2.0, 3 * s))
    sh.piece([handle], _bgr((200, 160, 100)), rng, lift=2 * s)
    fr = 0.18 * ln
    col = _pick(WHITES, rng) if rng.random() < 0.6 else _pick(sh.palette, rng)
    strings = []
    for t in np.linspace(-1, 1, 9):
        strings.append(
            strip(
                [
                    (cx + t * 0.3 * fr, base - 0.15 * ln),
                    (cx + t * fr + float(rng.normal(0, 0.1)) * fr, base),
                ],
                max(1.5, 2 * s),
            )
        )
    sh.piece(strings, col, rng, tex="felt", lift=1.5 * s)
    sh.commit()


def _sack(img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, w: int, h: int) -> None:
    base = float(rng.uniform(lay.horizon + 0.03 * h, h * 0.99))
    a = float(rng.uniform(14, 30) * s)
    cx = float(rng.uniform(0, w))
    sh = _sheet(img, cx, base - a, 1.4 * a, 1.6 * a)
    col = _bgr((186, 150, 104)) if rng.random() < 0.6 else jitter(_bgr((220, 200, 160)), rng, 15)
    body = np.array(
        [
            (cx - 0.6 * a, base),
            (cx + 0.6 * a, base),
            (cx + 0.55 * a, base - 0.9 * a),
            (cx + 0.2 * a, base - 1.25 * a),
            (cx - 0.25 * a, base - 1.2 * a),
            (cx - 0.55 * a, base - 0.9 * a),
        ]
    )
    sh.piece(
        [cut(body, rng, 0.8)],
        col,
        rng,
        tex="corrugated" if rng.random() < 0.3 else "felt",
        lift=2 * s,
    )
    sh.line(
        [(cx - 0.3 * a, base - 1.0 * a), (cx + 0.3 * a, base - 1.02 * a)],
        shade(col, 0.6),
        max(1.0, 2 * s),
    )
    if rng.random() < 0.6:
        sh.piece(
            [cut(rect(cx - 0.25 * a, base - 0.6 * a, cx + 0.25 * a, base - 0.3 * a), rng, 0.4)],
            _pick(sh.palette, rng),
            rng,
            lift=1.0,
            dark=0.3,
        )
    sh.commit()


def _vegetables(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, w: int, h: int
) -> None:
    base = _spot(lay, rng, h)
    cx = float(rng.uniform(0, w))
    a = float(rng.uniform(5, 11) * s)
    sh = _sheet(img, cx, base - 2 * a, 5 * a, 3 * a)
    green = _bgr((70, 160, 60))
    for i in range(int(rng.integers(2, 6))):
        x = cx + (i - 2) * 1.6 * a + float(rng.normal(0, 0.3 * a))
        kind = int(rng.integers(4))
        if kind == 0:  # tomato
            sh.piece(
                [cut(ellipse(x, base - a, a, 0.9 * a, 16), rng, 0.4)],
                _bgr((220, 40, 30)),
                rng,
                lift=1.2 * s,
            )
            sh.dot(x, base - 1.8 * a, 0.3 * a, green)
        elif kind == 1:  # carrot with fronds
            pts = np.array(
                [(x - 0.4 * a, base - 0.6 * a), (x + 2.2 * a, base - 0.3 * a), (x - 0.4 * a, base)]
            )
            sh.piece([cut(pts, rng, 0.4)], _bgr((245, 130, 30)), rng, lift=1.2 * s)
            sh.piece(
                [strip([(x - 0.4 * a, base - 0.3 * a), (x - 1.2 * a, base - 1.2 * a)], 0.3 * a)],
                green,
                rng,
                lift=1.0,
            )
        elif kind == 2:  # cabbage
            sh.piece(
                [cut(ellipse(x, base - 1.1 * a, 1.2 * a, 1.1 * a, 18), rng, 0.5)],
                _bgr((150, 200, 90)),
                rng,
                tex="felt",
                lift=1.2 * s,
            )
            sh.line([(x, base - 2 * a), (x - 0.3 * a, base - 0.3 * a)], _bgr((220, 240, 180)), 1.0)
        else:  # aubergine
            sh.piece(
                [cut(ellipse(x, base - 0.5 * a, 1.3 * a, 0.5 * a, 16), rng, 0.4)],
                _bgr((90, 40, 110)),
                rng,
                lift=1.2 * s,
            )
            sh.dot(x - 1.2 * a, base - 0.5 * a, 0.3 * a, green)
    sh.commit()


def _gloves(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, w: int, h: int
) -> None:
    base = _spot(lay, rng, h)
    cx = float(rng.uniform(0, w))
    a = float(rng.uniform(6, 12) * s)
    sh = _sheet(img, cx, base - 1.5 * a, 3 * a, 2 * a)
    col = _pick(
        tuple(
            _bgr(c)
            for c in (
                (60, 120, 220),
                (250, 220, 60),
                (240, 240, 240),
                (230, 190, 160),
                (40, 40, 40),
            )
        ),
        rng,
    )
    for d in (-1, 1):
        gx = cx + d * 1.1 * a
        palm = rect(gx - 0.45 * a, base - 0.9 * a, gx + 0.45 * a, base)
        fingers = [
            strip([(gx + f * a, base - 0.8 * a), (gx + f * 1.1 * a, base - 1.5 * a)], 0.22 * a)
            for f in (-0.33, -0.1, 0.12, 0.34)
        ]
        thumb = strip(
            [(gx - d * 0.4 * a, base - 0.4 * a), (gx - d * 0.8 * a, base - 0.8 * a)], 0.24 * a
        )
        sh.piece([cut(palm, rng, 0.3), *fingers, thumb], col, rng, tex="smooth", lift=1.2 * s)
    sh.commit()


def _apron_hook(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, w: int, h: int
) -> None:
    hy = float(rng.uniform(0.05, 0.7) * max(1, lay.counter_top))
    cx = float(rng.uniform(0, w))
    a = float(rng.uniform(14, 28) * s)
    sh = _sheet(img, cx, hy + a, 1.2 * a, 1.4 * a)
    col = _pick(sh.palette, rng) if rng.random() < 0.6 else _pick(WHITES, rng)
    sh.dot(cx, hy, max(1.0, 2 * s), (60, 60, 70))
    bib = np.array(
        [
            (cx - 0.25 * a, hy + 0.15 * a),
            (cx + 0.25 * a, hy + 0.15 * a),
            (cx + 0.3 * a, hy + 0.7 * a),
            (cx + 0.5 * a, hy + 0.8 * a),
            (cx + 0.45 * a, hy + 2.0 * a),
            (cx - 0.45 * a, hy + 2.0 * a),
            (cx - 0.5 * a, hy + 0.8 * a),
            (cx - 0.3 * a, hy + 0.7 * a),
        ]
    )
    sh.line(
        [(cx - 0.22 * a, hy + 0.16 * a), (cx, hy), (cx + 0.22 * a, hy + 0.16 * a)],
        (220, 220, 220),
        max(1.0, 1.2 * s),
    )
    sh.piece([cut(bib, rng, 0.6)], col, rng, lift=2 * s)
    for d in (-1, 1):
        sh.line(
            [(cx + d * 0.5 * a, hy + 0.85 * a), (cx + d * 0.6 * a, hy + 1.6 * a)],
            (230, 230, 230),
            max(1.0, s),
        )
    sh.commit()


def _floor_shadow(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, w: int, h: int
) -> None:
    """A dark, soft-edged paper silhouette lying on the floor (a person's or a blob)."""
    base = float(rng.uniform(lay.horizon + 0.05 * h, h))
    cx = float(rng.uniform(0, w))
    a = float(rng.uniform(15, 45) * s)
    x0, y0 = int(max(0, cx - 2 * a)), int(max(0, base - a))
    x1, y1 = int(min(w, cx + 2 * a)), int(min(h, base + 0.6 * a))
    if x1 - x0 < 3 or y1 - y0 < 3:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    if rng.random() < 0.5:  # a person's shadow stretched across the floor
        head = ellipse(cx + 1.4 * a, base - 0.3 * a, 0.25 * a, 0.2 * a, 14)
        body = strip([(cx, base), (cx + 1.2 * a, base - 0.3 * a)], 0.4 * a)
        polys = [head, body]
    else:
        polys = [ellipse(cx, base - 0.2 * a, a, 0.35 * a, 18)]
    polys = [cut(p, rng, 1.0) for p in polys]
    cv2.fillPoly(mask, [np.round(p - (x0, y0)).astype(np.int32) for p in polys], 255)
    k = max(3, int(3 * s) | 1)
    soft = cv2.GaussianBlur(mask.astype(np.float32) / 255, (k, k), 0)
    roi = img[y0:y1, x0:x1].astype(np.float32)
    roi *= (1 - float(rng.uniform(0.3, 0.55)) * soft)[..., None]
    img[y0:y1, x0:x1] = np.clip(roi + 0.5, 0, 255).astype(np.uint8)


def _steam(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, w: int, h: int
) -> None:
    if lay.pots and rng.random() < 0.8:
        px, py, pr = lay.pots[int(rng.integers(len(lay.pots)))]
        cx, cy, r = float(px), float(py), float(max(4, pr))
    else:
        cx, cy, r = float(rng.uniform(0, w)), float(lay.counter_top), float(rng.uniform(6, 14) * s)
    sh = _sheet(img, cx, cy - 2.5 * r, 2 * r, 2.6 * r)
    puffs = []
    for i in range(int(rng.integers(3, 7))):
        fy = cy - (0.4 + 0.5 * i) * r
        fx = cx + float(rng.normal(0, 0.3 * r))
        rr = r * float(rng.uniform(0.35, 0.6))
        puffs.append(cut(ellipse(fx, fy, rr, rr * 0.8, 14), rng, rr * 0.12, facet=0.0))
    sh.piece(
        puffs,
        (244, 244, 244),
        rng,
        tex="felt",
        lift=1.0,
        dark=0.15,
        edge=0.0,
        alpha=float(rng.uniform(0.55, 0.9)),
    )
    sh.commit()


_KINDS = {
    "bowls": _bowls,
    "plates": _plates,
    "napkin": _napkin,
    "shelf_hat": _shelf_hat,
    "cat": _cat,
    "mop": _mop,
    "sack": _sack,
    "vegetables": _vegetables,
    "gloves": _gloves,
    "apron_hook": _apron_hook,
    "floor_shadow": _floor_shadow,
    "steam": _steam,
}
