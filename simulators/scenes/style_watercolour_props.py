"""The painted kitchen page and its hard negatives for the `watercolour` style.

The page is paper of a random tint with a variegated wall wash (a second colour dropped
in wet-in-wet, white patches left unpainted for light), a back counter and pots with dark
wet edges, a shelf stroke, a floor wash, loose pencil under-drawing, and now and then a
splatter or a back-run. The distractors are painted in the same washes: things a
detector might take for a hat, a mask, a face or a rodent (white cloths, aprons, bowls,
plates, steam, shadows, a cat, a hat or a mask lying on a shelf, posters with faces,
grey blots on the floor), so that "painted white dome" or "grey-brown wash" is not by
itself a cue.
"""

import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.style_watercolour_paint import (
    Color,
    Roi,
    backrun,
    blotch,
    brush,
    col,
    ellipse_pts,
    ellipse_wash,
    jitter,
    outline,
    pencil,
    poly_wash,
    splatter,
    wash,
)
from simulators.scenes.style_watercolour_wear import draw_hat, draw_mask

PAPERS: tuple[Color, ...] = ((240, 244, 247), (222, 236, 244), (230, 234, 236), (210, 228, 240))
WALLS: tuple[Color, ...] = (
    (200, 170, 120),  # cerulean
    (120, 190, 225),  # yellow ochre
    (150, 190, 150),  # sage
    (170, 160, 215),  # rose
    (170, 170, 165),  # Payne's grey, thinned
    (190, 200, 150),  # turquoise
)
FLOORS: tuple[Color, ...] = ((90, 120, 160), (130, 130, 125), (80, 110, 130), (110, 100, 150))
STEEL: tuple[Color, ...] = ((170, 150, 130), (160, 160, 155), (140, 150, 165))
POTS: tuple[Color, ...] = (
    (60, 70, 170),
    (150, 150, 150),
    (60, 90, 140),
    (130, 90, 50),
    (70, 70, 75),
)
DISTRACTORS: tuple[str, ...] = (
    "cloth",
    "apron",
    "bowl",
    "pot",
    "steam",
    "shadow",
    "cat",
    "shelf_hat",
    "shelf_mask",
    "plate",
    "poster",
    "blot",
)


def _pick(rng: np.random.Generator, cs: tuple[Color, ...], amount: int = 12) -> Color:
    return jitter(rng, cs[int(rng.integers(len(cs)))], amount)


def _rect(x1: float, y1: float, x2: float, y2: float) -> list[tuple[float, float]]:
    return [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]


def _layout(w: int, h: int, rng: np.random.Generator) -> Layout:
    """Where the wall meets the floor, the counter and the shelf (valid from h >= 4)."""
    horizon = min(h - 1, max(3, int(h * rng.uniform(0.42, 0.55))))
    counter_top = min(horizon - 1, max(2, horizon - int(h * rng.uniform(0.1, 0.16))))
    shelf_y = min(counter_top - 1, max(1, int(h * rng.uniform(0.14, 0.3))))
    return Layout(horizon=horizon, counter_top=counter_top, shelf_y=shelf_y, pots=())


def _wall(img: np.ndarray, lay: Layout, rng: np.random.Generator) -> None:
    """A variegated wall wash with a second colour bled in and white left for light."""
    w = img.shape[1]
    roi = Roi(img, 0, 0, w - 1, lay.horizon, pad=0)
    if not roi.ok:
        return
    roi.mask[:] = 255
    hh, ww = roi.mask.shape
    vary = 0.45 + 0.9 * blotch(rng, hh, ww, 5)
    wash(img, roi, _pick(rng, WALLS), float(rng.uniform(0.3, 0.55)), edge=0.0, vary=vary)
    if rng.random() < 0.7:  # wet-in-wet: a second hue bleeding into the first
        drop = blotch(rng, hh, ww, 3) ** 3 * 1.6
        wash(img, roi, _pick(rng, WALLS), float(rng.uniform(0.3, 0.5)), edge=0.0, vary=drop)
    tile = max(4, int(rng.uniform(9, 22) * hh / 110))
    x0, y0 = int(rng.uniform(0, 0.6) * ww), int(rng.uniform(0, 0.5) * hh)
    grout = int(rng.integers(150, 190))
    for y in range(y0, min(hh, y0 + tile * 5), tile):  # a few tiles hinted, not all
        pencil(img, (x0, y), (x0 + tile * float(rng.integers(3, 8)), y), rng, grout, 0.05)
    for x in range(x0, min(ww, x0 + tile * 6), tile):
        pencil(img, (x, y0), (x, y0 + tile * float(rng.integers(2, 5))), rng, grout, 0.05)


def _window(img: np.ndarray, lay: Layout, rng: np.random.Generator) -> None:
    """A window kept as paper with a pale sky wash, or an extractor hood in grey."""
    h, w = img.shape[:2]
    x = rng.uniform(0.05, 0.7) * w
    ww, wh = rng.uniform(0.15, 0.3) * w, rng.uniform(0.12, 0.22) * h
    y = rng.uniform(0.02, 0.1) * h
    if rng.random() < 0.6:
        poly_wash(img, _rect(x, y, x + ww, y + wh), (235, 215, 190), 0.35, edge=0.5, lift=0.9)
        outline(img, np.array(_rect(x, y, x + ww, y + wh)), 110)
        pencil(img, (x + ww / 2, y), (x + ww / 2, y + wh), rng, 120)
    else:
        hood = [(x, y + wh), (x + ww, y + wh), (x + ww * 0.8, y), (x + ww * 0.2, y)]
        poly_wash(img, hood, _pick(rng, STEEL), 0.6, edge=0.8)


def _counter(img: np.ndarray, lay: Layout, rng: np.random.Generator) -> None:
    """The back counter: a steel wash, a lifted highlight on its lip, door lines."""
    h, w = img.shape[:2]
    s = h / 240
    steel = _pick(rng, STEEL)
    poly_wash(img, _rect(-2, lay.counter_top, w + 1, lay.horizon), steel, 0.65, edge=0.8)
    lip = lay.counter_top + max(1.0, 3 * s)
    poly_wash(img, _rect(-2, lay.counter_top, w + 1, lip), (235, 235, 235), 0.1, edge=0.0, lift=0.7)
    step = max(10.0, rng.uniform(40, 90) * s)
    for x in np.arange(rng.uniform(5, 40) * s, w, step):
        pencil(img, (x, lip + 2 * s), (x, lay.horizon), rng, 140)


def _pots(
    img: np.ndarray, lay: Layout, rng: np.random.Generator
) -> tuple[tuple[int, int, int], ...]:
    """Pots on the counter: a coloured wash, a darker wet edge, a white rim left."""
    h, w = img.shape[:2]
    s = h / 240
    out = []
    for _ in range(int(rng.integers(0, 4))):
        r = max(1, int(rng.uniform(10, 22) * s))
        cx = min(w - 1, int(rng.uniform(0.05, 0.95) * w))
        top = lay.counter_top - max(1, int(r * rng.uniform(0.8, 1.4)))
        c = _pick(rng, POTS)
        poly_wash(img, _rect(cx - r, top, cx + r, lay.counter_top + 2), c, 0.8, edge=0.9)
        ellipse_wash(img, (cx, top), (r, max(1, r // 3)), (240, 240, 240), 0.15, edge=0.6, lift=0.8)
        out.append((cx, top, r))
    return tuple(out)


def _floor(img: np.ndarray, lay: Layout, rng: np.random.Generator) -> None:
    """A floor wash darker near the wall, with perspective pencil lines."""
    h, w = img.shape[:2]
    roi = Roi(img, 0, lay.horizon, w - 1, h - 1, pad=0)
    if not roi.ok:
        return
    roi.mask[:] = 255
    hh, ww = roi.mask.shape
    grad = np.linspace(1.2, 0.6, hh, dtype=np.float32)[:, None]
    wash(
        img,
        roi,
        _pick(rng, FLOORS),
        float(rng.uniform(0.35, 0.6)),
        edge=0.0,
        vary=grad * (0.6 + 0.7 * blotch(rng, hh, ww, 4)),
    )
    vx = rng.uniform(0.2, 0.8) * w
    for k in range(int(rng.integers(3, 8))):
        x = (k + rng.random()) / 6 * w * 1.6 - 0.3 * w
        pencil(
            img,
            (vx + (x - vx) * 0.2, lay.horizon),
            (vx + (x - vx) * 0.6, lay.horizon + (h - lay.horizon) * 0.5),
            rng,
            160,
            0.0,
        )


def _accidents(img: np.ndarray, rng: np.random.Generator) -> None:
    """What a real painting has: flicked drops and back-runs in drying washes."""
    h, w = img.shape[:2]
    s = h / 240
    for _ in range(int(rng.integers(0, 3))):
        splatter(
            img, rng, _pick(rng, WALLS + POTS, 20), rng.uniform(0, w), rng.uniform(0, h), 8 * s
        )
    for _ in range(int(rng.integers(0, 3))):
        backrun(img, rng, rng.uniform(0, w), rng.uniform(0, h), rng.uniform(5, 14) * s)


def draw_background(w: int, h: int, rng: np.random.Generator) -> tuple[np.ndarray, Layout]:
    """The painted kitchen page (BGR uint8) and its layout."""
    w, h = max(1, w), max(1, h)
    paper = col(np.array(_pick(rng, PAPERS, 6)))
    img = np.empty((h, w, 3), np.uint8)
    img[:] = paper
    lay = _layout(w, h, rng)
    _wall(img, lay, rng)
    if rng.random() < 0.6:
        _window(img, lay, rng)
    s = h / 240
    brush(
        img,
        [(-2, lay.shelf_y), (w + 1, lay.shelf_y)],
        max(2.0, 4 * s),
        _pick(rng, POTS[1:4], 20),
        0.8,
    )
    _counter(img, lay, rng)
    pots = _pots(img, lay, rng)
    _floor(img, lay, rng)
    ellipse_wash(
        img, (w / 2, lay.horizon + 2 * s), (w * 0.7, max(1.0, 4 * s)), (120, 90, 90), 0.35, edge=0.0
    )
    for y in (lay.horizon, lay.counter_top, lay.shelf_y):  # under-drawing, a bit off
        pencil(
            img,
            (rng.uniform(-5, 0.3) * w / 5, y + rng.normal(0, 1.5 * s)),
            (w * rng.uniform(0.6, 1.1), y + rng.normal(0, 1.5 * s)),
            rng,
            110,
        )
    _accidents(img, rng)
    return img, Layout(lay.horizon, lay.counter_top, lay.shelf_y, pots)


def _white_thing(
    img: np.ndarray, pts: np.ndarray | list[tuple[float, float]], rng: np.random.Generator
) -> None:
    poly_wash(img, pts, jitter(rng, (205, 185, 170), 12), 0.3, edge=0.5, lift=0.9)
    outline(img, np.asarray(pts, float), int(rng.integers(90, 140)))


def _cloth(img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, apron: bool) -> None:
    h, w = img.shape[:2]
    x, y = rng.uniform(0.02, 0.95) * w, lay.shelf_y + rng.uniform(0, 0.25) * h
    cw, ch = rng.uniform(8, 22) * s, rng.uniform(10, 30) * s
    if apron:
        cw, ch = cw * 1.4, ch * 1.8
        pts = [
            (x + cw * 0.3, y),
            (x + cw * 0.7, y),
            (x + cw * 0.7, y + ch * 0.3),
            (x + cw, y + ch * 0.35),
            (x + cw * 0.95, y + ch),
            (x + cw * 0.05, y + ch),
            (x, y + ch * 0.35),
            (x + cw * 0.3, y + ch * 0.3),
        ]
    else:
        pts = [(x, y), (x + cw, y), (x + cw * 1.05, y + ch), (x - cw * 0.05, y + ch)]
    if rng.random() < 0.55:
        _white_thing(img, pts, rng)
    else:
        poly_wash(
            img,
            pts,
            _pick(rng, ((200, 150, 90), (60, 60, 160), (40, 40, 45), (150, 200, 220))),
            0.75,
            edge=0.7,
        )
    pencil(img, (x, y + ch * 0.3), (x + cw, y + ch * 0.3), rng, 140)


def _on_shelf(img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, kind: str) -> None:
    """A hat or mask lying on the shelf or counter, painted like the worn ones."""
    w = img.shape[1]
    hh = rng.uniform(14, 26) * s
    base = lay.shelf_y if rng.random() < 0.6 else lay.counter_top
    cx = rng.uniform(0.05, 0.95) * w
    if kind == "shelf_hat":
        g = {"cx": cx, "top": base - 0.3 * hh, "hh": hh, "hw": hh * 0.78}
        draw_hat(img, g, rng)
    else:
        g = {"cx": cx, "top": base - 0.95 * hh, "hh": hh, "hw": hh * 0.78}
        draw_mask(img, g, float(rng.uniform(-1, 1)), rng)


def _cat(img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float) -> None:
    h, w = img.shape[:2]
    x, y = rng.uniform(0.05, 0.95) * w, rng.uniform(lay.horizon + 8 * s, h)
    ln = rng.uniform(30, 55) * s
    f = 1.0 if rng.random() < 0.5 else -1.0
    c = _pick(rng, ((60, 110, 190), (90, 90, 95), (35, 35, 40), (200, 200, 205)), 15)
    brush(
        img,
        [
            (x - f * ln * 0.45, y - ln * 0.2),
            (x - f * ln * 0.75, y - ln * 0.5),
            (x - f * ln * 0.7, y - ln * 0.7),
        ],
        max(1.0, ln * 0.06),
        c,
        0.8,
    )
    ellipse_wash(img, (x, y - ln * 0.2), (ln * 0.45, ln * 0.2), c, 0.8, edge=0.8)
    hx, hy = x + f * ln * 0.42, y - ln * 0.42
    ellipse_wash(img, (hx, hy), (ln * 0.16, ln * 0.15), c, 0.85, edge=0.8)
    for d in (-0.6, 0.6):
        ear = [
            (hx + d * ln * 0.14, hy - ln * 0.08),
            (hx + d * ln * 0.05, hy - ln * 0.12),
            (hx + d * ln * 0.13, hy - ln * 0.28),
        ]
        poly_wash(img, ear, c, 0.85, edge=0.6)


def _poster(img: np.ndarray, rng: np.random.Generator, s: float) -> None:
    """A poster on the wall with a painted face (or a round clock, a plate rack)."""
    h, w = img.shape[:2]
    x, y = rng.uniform(0.02, 0.85) * w, rng.uniform(0.02, 0.2) * h
    pw, ph = rng.uniform(18, 34) * s, rng.uniform(22, 40) * s
    _white_thing(img, _rect(x, y, x + pw, y + ph), rng)
    fx, fy, r = x + pw / 2, y + ph * 0.42, min(pw, ph) * 0.3
    skin = _pick(rng, ((145, 175, 225), (90, 125, 180), (65, 95, 150)))
    ellipse_wash(img, (fx, fy), (r * 0.8, r), skin, 0.9, edge=0.7, lift=0.6)
    ellipse_wash(img, (fx, fy - r * 0.7), (r * 0.8, r * 0.35), (40, 45, 60), 0.8)
    for d in (-0.3, 0.3):
        ellipse_wash(
            img,
            (fx + d * r, fy),
            (max(0.7, r * 0.1), max(0.7, r * 0.08)),
            (30, 30, 35),
            0.9,
            edge=0.0,
        )
    ellipse_wash(
        img, (fx, fy + r * 0.5), (r * 0.25, max(0.7, r * 0.08)), (60, 55, 150), 0.9, edge=0.0
    )


def draw_distractor(
    img: np.ndarray, kind: str, layout: Layout, rng: np.random.Generator, s: float
) -> None:
    """One hard negative of `kind`, painted in the page's washes."""
    h, w = img.shape[:2]
    x = rng.uniform(0.03, 0.97) * w
    if kind in ("cloth", "apron"):
        _cloth(img, layout, rng, s, kind == "apron")
    elif kind in ("bowl", "plate"):
        y = float(layout.counter_top if rng.random() < 0.5 else layout.shelf_y)
        r = rng.uniform(7, 16) * s
        if kind == "bowl":  # upturned bowls, a white dome like a toque
            for k in range(int(rng.integers(1, 4))):
                _white_thing(
                    img, ellipse_pts((x, y - k * r * 0.35), (r, r * 0.7), 180, 360, 16), rng
                )
        else:  # a round plate standing in a rack, as round as a face
            yy = y - r * 1.05
            ellipse_wash(img, (x, yy), (r, r), (215, 200, 190), 0.3, edge=0.6, lift=0.9)
            outline(img, ellipse_pts((x, yy), (r * 0.65, r * 0.65)), 150)
    elif kind == "pot":
        y = rng.uniform(layout.horizon, h)
        r = rng.uniform(8, 18) * s
        poly_wash(img, _rect(x - r, y - r * 1.2, x + r, y), _pick(rng, POTS), 0.8, edge=0.9)
        ellipse_wash(
            img, (x, y - r * 1.2), (r, max(1.0, r / 3)), (235, 235, 235), 0.2, edge=0.6, lift=0.8
        )
    elif kind == "steam":
        px, py, pr = (
            layout.pots[int(rng.integers(len(layout.pots)))]
            if layout.pots
            else (x, layout.counter_top, 12 * s)
        )
        roi = Roi(img, px - pr * 1.6, py - pr * 4.5, px + pr * 1.6, py, pad=0)
        for k in range(3):  # puffs of steam: the paper lifted back, softly
            c = (px + rng.normal(0, pr * 0.4), py - pr * (1 + 1.1 * k))
            roi.ellipse(c, (pr * rng.uniform(0.5, 1.0), pr * rng.uniform(0.6, 1.0)))
        wash(img, roi, (250, 250, 250), 0.0, edge=0.15, lift=float(rng.uniform(0.3, 0.6)))
    elif kind == "shadow":
        y = rng.uniform(layout.horizon + 3 * s, h)
        ellipse_wash(
            img,
            (x, y),
            (rng.uniform(10, 40) * s, rng.uniform(3, 9) * s),
            (150, 110, 110),
            0.55,
            edge=0.5,
        )
    elif kind == "cat":
        _cat(img, layout, rng, s)
    elif kind in ("shelf_hat", "shelf_mask"):
        _on_shelf(img, layout, rng, s, kind)
    elif kind == "poster":
        _poster(img, rng, s)
    else:  # "blot": a grey-brown back-run on the floor, rodent-sized
        y = rng.uniform(layout.horizon + 3 * s, h)
        ellipse_wash(
            img,
            (x, y),
            (rng.uniform(6, 14) * s, rng.uniform(3, 6) * s),
            (90, 100, 110),
            0.7,
            edge=0.9,
        )
        backrun(img, rng, x, y, rng.uniform(3, 6) * s)
