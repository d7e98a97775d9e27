"""`sketch`, a training style: the kitchen drawn by hand in pencil, graphite and pen on paper.

Each frame is an artist's sketchbook page or storyboard panel: off-white, cream or grey
paper with grain, a kitchen in wobbly contour lines of varying weight (overshooting,
sometimes doubled), construction and perspective lines, parallel and cross-hatching that
gets denser where it is dark, smudged graphite tone and only a few coloured-pencil or
marker accents. Workers are pencil figures of several builds whose heads are a light
pencil tone with hatched hair and a few strokes for the face; hats and masks are outlined
shapes with pleats, straps and texture strokes; rodents are gesture sketches with hatched
fur and a long tail stroke. Night is charcoal on dark grey paper or a dimmed photocopy,
infrared a near-grey page with a brighter centre. Why: a detector that only saw filled,
coloured shapes must learn heads, hats, masks and rodents from line and hatching alone,
and the hard negatives (bowls, cloths, a hat on a shelf, a cat, construction ovals,
hatched shadows) are drawn in the same pencil so line work alone is not a cue.
"""

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.compose import StyleKit
from simulators.scenes.style_sketch_pencil import (
    Color,
    col,
    ellipse_pts,
    hatch,
    lines,
    marks,
    mix,
    poly_mask,
    shade,
    shape,
    stroke,
    tone,
)
from simulators.scenes.style_sketch_people import draw_worker
from simulators.scenes.style_sketch_props import DISTRACTORS, draw_distractor
from simulators.scenes.style_sketch_rodent import draw_rodent

PAPERS: tuple[Color, ...] = (
    (242, 244, 245),  # off-white
    (214, 234, 244),  # cream
    (200, 225, 238),  # warm cream
    (222, 224, 224),  # light grey
    (232, 226, 220),  # blue-grey
    (185, 205, 218),  # toned tan
)


def _paper(w: int, h: int, rng: np.random.Generator) -> tuple[np.ndarray, Color]:
    base = PAPERS[int(rng.integers(len(PAPERS)))]
    paper = col(np.array(base, float) + rng.integers(-8, 9, size=3))
    low = rng.normal(0, 1, (max(2, h // 40), max(2, w // 40))).astype(np.float32)
    mottle = cv2.resize(low, (w, h), interpolation=cv2.INTER_CUBIC) * float(rng.uniform(2, 6))
    mottle += (rng.random((h, w), dtype=np.float32) - 0.5) * float(rng.uniform(8, 14))
    chans = [cv2.convertScaleAbs(mottle, alpha=1.0, beta=float(c)) for c in paper]
    return cv2.merge(chans), paper


def _pencil(rng: np.random.Generator, lo: float = 40, hi: float = 110) -> Color:
    v = float(rng.uniform(lo, hi))
    return col([v + 8, v + 3, v])


def _hatched_edge(
    img: np.ndarray,
    y: float,
    s: float,
    ink: Color,
    rng: np.random.Generator,
    wob: float,
    tone: Color,
    spacing: float,
    angle: float,
    density: float,
) -> None:
    """The thin line under a slab (shelf board, counter top) and the hatched shadow band
    of 3 s px below it, across the whole frame."""
    w = img.shape[1]
    lines(img, np.array([(-3.0, y)]), np.array([(w + 3.0, y)]), ink, rng, 1, wob)
    band = np.array([(0.0, y), (w - 1.0, y), (w - 1.0, y + 3 * s), (0.0, y + 3 * s)])
    hatch(img, poly_mask(img, band), tone, spacing, angle, rng, density)


def background(w: int, h: int, rng: np.random.Generator) -> tuple[np.ndarray, Layout]:
    """A pencilled kitchen: perspective floor, tiled wall, shelf, counter and pots."""
    w, h = max(1, int(w)), max(1, int(h))
    s = h / 240.0
    img, paper = _paper(w, h, rng)
    ink = _pencil(rng)
    faint = mix(ink, paper, 0.55)
    lw = max(1, round(1.6 * s))
    horizon = int(h * rng.uniform(0.42, 0.58))
    counter_top = horizon - int(h * rng.uniform(0.1, 0.16))
    shelf_y = int(h * rng.uniform(0.14, 0.3))
    shelf_y = max(1, min(shelf_y, counter_top - max(4, int(0.06 * h))))
    wob = 0.5 * max(0.5, s)
    # construction lines: long, light, running past everything
    nc = int(rng.integers(2, 7))
    ys = rng.uniform(-0.1, 1.1, (nc, 2)) * h
    lines(
        img,
        np.stack([np.full(nc, -5.0), ys[:, 0]], 1),
        np.stack([np.full(nc, w + 5.0), ys[:, 1]], 1),
        mix(faint, paper, 0.5),
        rng,
        1,
        0.3,
    )
    vpx = float(rng.uniform(0.25, 0.75)) * w
    vpy = horizon - float(rng.uniform(0.2, 0.6)) * h
    # floor: perspective lines to a vanishing point and receding cross lines
    n = int(rng.integers(5, 12))
    xb = np.arange(-n, 2 * n + 1) * w / n
    xb = xb[rng.random(len(xb)) < 0.85]
    xh = vpx + (xb - vpx) * (horizon - vpy) / max(1.0, h - vpy)
    lines(
        img,
        np.stack([xh, np.full(len(xb), float(horizon))], 1),
        np.stack([xb, np.full(len(xb), h + 2.0)], 1),
        faint,
        rng,
        1,
        wob,
    )
    rows = int(rng.integers(4, 9))
    yy = horizon + (h - horizon) * (np.arange(1, rows) / rows) ** 1.5
    xa, xe = rng.uniform(-0.1, 0.3, rows - 1) * w, rng.uniform(0.7, 1.1, rows - 1) * w
    lines(
        img,
        np.stack([xa, yy], 1),
        np.stack([xe, yy + rng.uniform(-1, 1, rows - 1)], 1),
        faint,
        rng,
        1,
        wob,
        4,
    )
    if rng.random() < 0.6:  # graphite rubbed over part of the floor
        fx0, fx1 = sorted(rng.uniform(-0.2, 1.2, 2) * w)
        fm = poly_mask(
            img,
            np.array(
                [(fx0, horizon), (fx1, horizon), (fx1 + 0.1 * w, h - 1.0), (fx0 - 0.1 * w, h - 1.0)]
            ),
        )
        tone(img, fm, shade(paper, -float(rng.uniform(15, 45))), float(rng.uniform(0.3, 0.8)), rng)
    # wall tiles, only suggested in a patch as a sketcher does, line ends ragged
    tile = max(4, int(rng.integers(10, 24) * s))
    px0, px1 = sorted(rng.uniform(-0.2, 1.2, 2) * w)
    py0 = float(rng.uniform(-0.2, 0.6)) * counter_top
    ty = np.arange(counter_top - tile, max(-1.0, py0), -tile, dtype=np.float64)
    nt = len(ty)
    lines(
        img,
        np.stack([px0 + rng.uniform(-1, 1, nt) * tile, ty], 1),
        np.stack([px1 + rng.uniform(-1, 1, nt) * tile, ty], 1),
        faint,
        rng,
        1,
        0.3,
    )
    tx = np.arange(px0 + int(rng.integers(0, tile)), px1, tile, dtype=np.float64)
    nt = len(tx)
    lines(
        img,
        np.stack([tx, py0 + rng.uniform(-1, 1, nt) * tile], 1),
        np.stack([tx, np.full(nt, counter_top - 1.0)], 1),
        faint,
        rng,
        1,
        0.25,
    )
    # window or extractor hood
    r = rng.random()
    if r < 0.4:
        wx, ww = float(rng.uniform(0.05, 0.7)) * w, float(rng.uniform(0.15, 0.3)) * w
        wy, wh = float(rng.uniform(0.03, 0.1)) * h, float(rng.uniform(0.12, 0.2)) * h
        box = np.array([(wx, wy), (wx + ww, wy), (wx + ww, wy + wh), (wx, wy + wh)])
        shape(img, box, rng, ink, mix(paper, (255, 255, 255), 0.5), None, thick=lw, wobble=wob)
        stroke(img, [(wx + ww / 2, wy), (wx + ww / 2, wy + wh)], ink, rng, 1, wob)
        gxs = [wx + ww * (0.1 + 0.12 * k) for k in range(3)]
        glare = [[(gx, wy + wh * 0.6), (gx + ww * 0.15, wy + wh * 0.2)] for gx in gxs]
        marks(img, glare, faint, rng, 1, 0.4)
    elif r < 0.7:
        hx, hw = float(rng.uniform(0.1, 0.6)) * w, float(rng.uniform(0.2, 0.35)) * w
        hy = float(rng.uniform(0.0, 0.06)) * h
        hb = max(hy + 4, min(shelf_y - 2.0, hy + 0.2 * h))
        hood = np.array([(hx + 0.25 * hw, hy), (hx + 0.75 * hw, hy), (hx + hw, hb), (hx, hb)])
        shape(img, hood, rng, ink, None, faint, max(2.0, 3.5 * s), 90, thick=lw, wobble=wob)
    # shelf with brackets and jars
    sth = max(2, int(4 * s))
    lines(img, np.array([(-3.0, shelf_y)]), np.array([(w + 3.0, shelf_y)]), ink, rng, lw, wob)
    _hatched_edge(img, shelf_y + sth, s, ink, rng, wob, faint, max(1.8, 2.2 * s), 45, 0.8)
    bx = np.arange(float(rng.uniform(10, 50)) * s, w, float(rng.uniform(60, 120)) * s)
    if len(bx):
        br = [
            np.array([(x, shelf_y + sth), (x, shelf_y + sth + 10 * s), (x + 8 * s, shelf_y + sth)])
            for x in bx
        ]
        cv2.polylines(img, [(b * 16).astype(np.int32) for b in br], False, ink, 1, cv2.LINE_AA, 4)
    jars = []  # jars and tins on the shelf: outlines only, a lid line each
    for _ in range(int(rng.integers(0, 5))):
        jx, jw = float(rng.uniform(0.02, 0.95)) * w, float(rng.uniform(4, 9)) * s
        jy = shelf_y - float(rng.uniform(6, 16)) * s
        jars.append([(jx, shelf_y), (jx, jy), (jx + jw, jy), (jx + jw, shelf_y)])
        jars.append([(jx, jy + 2 * s), (jx + jw, jy + 2 * s)])
    marks(img, jars, ink, rng, 1, 0.35)
    # counter: slab, cabinet doors, hatched front and the shadow under the slab
    front = np.array(
        [(0.0, counter_top), (w - 1.0, counter_top), (w - 1.0, horizon), (0.0, horizon)]
    )
    fmask = poly_mask(img, front)
    if rng.random() < 0.7:
        hatch(
            img,
            fmask,
            faint,
            max(1.8, float(rng.uniform(2.5, 5)) * s),
            float(rng.choice([90, 75, 105, 45])),
            rng,
            0.7,
        )
    slab = max(2.0, 5 * s)
    stroke(
        img,
        [(-3.0, float(counter_top)), (w + 3.0, float(counter_top))],
        ink,
        rng,
        lw,
        wob,
        double=0.5,
    )
    _hatched_edge(img, counter_top + slab, s, ink, rng, wob, ink, max(1.8, 2 * s), 135, 0.7)
    step = max(10.0, float(rng.uniform(40, 90)) * s)
    dx = np.arange(float(rng.uniform(10, 40)) * s, w, step)
    nd = len(dx)
    lines(
        img,
        np.stack([dx, np.full(nd, counter_top + slab)], 1),
        np.stack([dx + rng.uniform(-1, 1, nd), np.full(nd, float(horizon))], 1),
        ink,
        rng,
        1,
        wob,
    )
    hy = counter_top + slab + 0.3 * (horizon - counter_top)
    lines(
        img,
        np.stack([dx + 4 * s, np.full(nd, hy)], 1),
        np.stack([dx + 4 * s, np.full(nd, hy + 5 * s)], 1),
        ink,
        rng,
        1,
        0.1,
    )
    # under-counter shadow on the floor and the wall/floor line
    sh = poly_mask(
        img,
        np.array(
            [(0.0, horizon), (w - 1.0, horizon), (w - 1.0, horizon + 6 * s), (0.0, horizon + 3 * s)]
        ),
    )
    hatch(img, sh, ink, max(1.8, 2 * s), 30, rng, 0.75)
    hatch(img, sh, ink, max(1.8, 2.4 * s), 120, rng, 0.5)
    stroke(
        img,
        [(-3.0, float(horizon)), (w + 3.0, float(horizon))],
        shade(ink, -20),
        rng,
        lw + 1,
        wob,
        double=0.5,
    )
    # pots on the counter: outlined cylinders, hatched on their shadow side
    pots: list[tuple[int, int, int]] = []
    for _ in range(int(rng.integers(0, 4))):
        pr = max(3, int(rng.uniform(10, 22) * s))
        pcx = int(rng.uniform(0.05, 0.95) * w)
        ptop = counter_top - int(pr * rng.uniform(0.8, 1.4))
        body = np.array(
            [(pcx - pr, ptop), (pcx + pr, ptop), (pcx + pr, counter_top), (pcx - pr, counter_top)],
            float,
        )
        pc = mix(paper, (255, 255, 255), 0.4) if rng.random() < 0.6 else shade(paper, -60)
        m = shape(img, body, rng, ink, pc, None, thick=lw, wobble=0.4, keep=True)
        if m is not None:
            pm, mx0, my0 = m
            xs = np.arange(mx0, mx0 + pm.shape[1])[None, :]
            side = pm & (xs > pcx + 0.35 * pr)
            hatch(img, (side, mx0, my0), ink, max(1.8, 2.2 * s), 90, rng, 0.7)
        stroke(
            img, ellipse_pts(pcx, ptop, pr, max(1.5, pr / 3), n=18), ink, rng, 1, 0.3, double=0.4
        )
        handles = [
            ellipse_pts(pcx + hs * pr * 1.1, ptop + pr * 0.3, pr * 0.2, pr * 0.12, n=8)
            for hs in (-1, 1)
        ]
        marks(img, handles, ink, rng, 1, 0.2)
        pots.append((pcx, ptop, pr))
    # storyboard panel frame and a pencilled note
    if rng.random() < 0.3:
        mg = max(2, int(rng.uniform(2, 6) * s))
        stroke(
            img,
            np.array(
                [(mg, mg), (w - 1 - mg, mg), (w - 1 - mg, h - 1 - mg), (mg, h - 1 - mg)], float
            ),
            shade(ink, -30),
            rng,
            max(1, lw),
            0.3,
            closed=True,
        )
    if rng.random() < 0.35:
        note = str(rng.choice(["INT. KITCHEN", "sc 4", "kitchen - day", "pass", "3A", "prep area"]))
        cv2.putText(
            img,
            note,
            (int(rng.uniform(0.05, 0.6) * w), int(rng.uniform(0.9, 0.97) * h)),
            cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
            0.35 * s + 0.05,
            faint,
            1,
            cv2.LINE_AA,
        )
    return img, Layout(horizon=horizon, counter_top=counter_top, shelf_y=shelf_y, pots=tuple(pots))


def light(img: np.ndarray, rng: np.random.Generator, night: bool, ir: bool) -> np.ndarray:
    """Day: an evenly lit page; night: charcoal or a dim photocopy; IR: near-grey."""
    h, w = img.shape[:2]
    ys = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    xs = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    if not night:  # uneven light across the page and a little scanner noise
        gx, gy = rng.uniform(-8, 8, 2)
        amp = float(rng.uniform(2, 6))
        small = (rng.random(((h + 1) // 2, (w + 1) // 2), dtype=np.float32) - 0.5) * amp
        add = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST) + (
            float(gx) * xs + float(gy) * ys
        )
        out = cv2.add(img, cv2.merge([add, add, add]), dtype=cv2.CV_8U)
        if rng.random() < 0.25:
            out = cv2.GaussianBlur(out, (3, 3), 0.6)
        return out
    f = img.astype(np.float32)
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    if ir:
        r2 = xs**2 + ys**2
        centre = 1.25 - float(rng.uniform(0.35, 0.6)) * r2
        g = (grey * float(rng.uniform(0.35, 0.5)) + 10) * centre
        g += rng.normal(0, float(rng.uniform(4, 9)), (h, w)).astype(np.float32)
        g = cv2.GaussianBlur(g, (3, 3), 0.7)
        tint = rng.uniform(-2, 2, 3).astype(np.float32)
        grey_out: np.ndarray = np.clip(g[..., None] + tint[None, None, :], 0, 255).astype(np.uint8)
        return grey_out
    if rng.random() < 0.5:  # charcoal on dark grey paper
        k = float(rng.uniform(0.28, 0.42))
        tint = np.array([1.08, 1.0, 0.94], np.float32) * rng.uniform(0.95, 1.05)
        out = (f * k + 6) * tint[None, None, :]
        out = cv2.GaussianBlur(out, (3, 3), 0.8)
        out += rng.normal(0, 3, (h, w, 1)).astype(np.float32)
    else:  # a dimmed, low-contrast photocopy with toner speckle
        g = 30 + grey * float(rng.uniform(0.25, 0.4))
        g += np.sin(ys * float(rng.uniform(20, 60))) * 2.0
        speck = rng.random((h, w)) < 0.01
        g[speck] *= 0.5
        g += rng.normal(0, 2.5, (h, w)).astype(np.float32)
        out = g[..., None] * np.array([1.02, 1.0, 0.97], np.float32)[None, None, :]
    return np.clip(out, 0, 255).astype(np.uint8)


KIT = StyleKit(
    name="sketch",
    background=background,
    worker=draw_worker,
    rodent=draw_rodent,
    distractor=draw_distractor,
    light=light,
    distractors=DISTRACTORS,
)
