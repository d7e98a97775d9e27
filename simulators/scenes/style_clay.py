"""Scene style `clay`: a claymation kitchen miniature, a held-out style.

Held out: never used for training or threshold tuning, only to measure how a detector
generalises to a look it has not seen; drawn from scratch, without sight of the detector
or of the other styles' drawings.

A miniature kitchen set seen from a fixed camera: tiled, planked or plastered walls, a
shelf of jars, a counter with a stove, a sink and cabinets, a floor in perspective, all
with soft rounded edges and a shallow depth of field (the back of the set is blurred).
The actors (`style_clay_people`) are sculpted from ellipsoids and capsules by the clay
renderer (`style_clay_sculpt`) and lit per pixel by the set's key light, sometimes with a
coloured rim light; the camera then adds a colour temperature, exposure, vignette and
noise, or a dim bluish or infrared night with a lamp's glow. Hard negatives are clay
props that look a little like heads or rodents: bowls, pots, lids, sponges, rolled
towels, loaves, bin bags, shoes, mops, a cat, a hat or a mask put down on a counter.
"""

import functools
import math

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.compose import Image, StyleKit
from simulators.scenes.style_clay_people import HATS, MASKS, rodent, worker
from simulators.scenes.style_clay_sculpt import (
    Clay,
    Color,
    Mat,
    Studio,
    contact_shadow,
    pick,
    set_studio,
    studio_of,
)

Float = np.ndarray

WALLS: tuple[Color, ...] = (
    (200, 225, 240),
    (95, 125, 200),
    (80, 175, 215),
    (185, 215, 170),
    (150, 140, 70),
    (225, 200, 160),
    (205, 170, 190),
    (190, 185, 240),
    (175, 178, 176),
    (105, 70, 45),
    (85, 130, 105),
)
FLOORS: tuple[Color, ...] = (
    (60, 70, 170),
    (215, 225, 230),
    (70, 110, 150),
    (120, 120, 118),
    (150, 110, 70),
    (40, 45, 50),
    (110, 160, 190),
    (95, 140, 100),
)
COUNTERS: tuple[Color, ...] = (
    (200, 198, 192),
    (185, 185, 182),
    (80, 120, 170),
    (180, 205, 150),
    (150, 110, 80),
    (230, 230, 232),
    (70, 80, 120),
)


def _ramp(a: Float) -> Float:
    out: Float = np.minimum(np.maximum(a, 0.0), 1.0)
    return out


def _shift(c: Color, k: float) -> Color:
    return (min(255, int(c[0] * k)), min(255, int(c[1] * k)), min(255, int(c[2] * k)))


def _pillow(
    img: Float, x0: float, y0: float, x1: float, y1: float, col: Color, bevel: float, st: Studio
) -> None:
    """A slab with rounded, key-lit edges, so even flat set pieces look modelled in clay."""
    h, w = img.shape[:2]
    a0, b0, a1, b1 = max(0, int(x0)), max(0, int(y0)), min(w, int(x1)), min(h, int(y1))
    if a1 <= a0 or b1 <= b0:
        return
    xx = np.arange(a0, a1, dtype=np.float32)
    yy = np.arange(b0, b1, dtype=np.float32)
    bevel = max(bevel, 1.0)
    nx = _ramp(1 - (x1 - 1 - xx) / bevel) - _ramp(1 - (xx - x0) / bevel)
    ny = _ramp(1 - (y1 - 1 - yy) / bevel) - _ramp(1 - (yy - y0) / bevel)
    shade = 1.0 + 0.45 * (nx[None] * st.key[0] + ny[:, None] * st.key[1])
    img[b0:b1, a0:a1] = np.array(col, np.float32) * shade[..., None]


def _studio(rng: np.random.Generator, s: float) -> Studio:
    """One light set-up per kitchen, so every actor of a frame is lit alike: a key from
    above, warm, cool or neutral, and sometimes a coloured rim as in a stop-motion studio."""
    kx, ky, kz = rng.uniform(-0.85, 0.85), rng.uniform(-0.85, -0.15), rng.uniform(0.35, 0.9)
    n = math.sqrt(kx * kx + ky * ky + kz * kz)
    temp = int(rng.integers(0, 3))
    key = ((0.7, 0.82, 0.95), (0.95, 0.86, 0.74), (0.85, 0.85, 0.85))[temp]
    amb = ((0.46, 0.4, 0.34), (0.32, 0.38, 0.46), (0.4, 0.4, 0.4))[(temp + 1) % 3]
    k = float(rng.uniform(0.85, 1.1))
    rim: tuple[float, float, float] = (0.0, 0.0, 0.0)
    if rng.random() < 0.45:
        tint = ((0.9, 0.3, 0.8), (0.95, 0.85, 0.2), (0.2, 0.55, 0.95), (1.0, 0.5, 0.3))
        r = tint[int(rng.integers(len(tint)))]
        a = float(rng.uniform(0.25, 0.55))
        rim = (r[0] * a, r[1] * a, r[2] * a)
    side = -1.0 if kx > 0 else 1.0
    return Studio(
        key=(kx / n, ky / n, kz / n),
        key_col=(key[0] * k, key[1] * k, key[2] * k),
        ambient=amb,
        rim=rim,
        rim_dir=(side * 0.95, -0.3),
        spec=float(rng.uniform(0.2, 0.6)),
        wrap=float(rng.uniform(0.2, 0.6)),
        lump=float(rng.uniform(0.05, 0.2)),
        dof=float(rng.uniform(0.7, 2.0)) * s,
    )


def _wall(img: Float, horizon: int, rng: np.random.Generator, st: Studio, s: float) -> None:
    """Subway or square tiles, planks, or plaster over a wainscot, each with a bevel lit from
    the key: no single wall texture should be what marks the style."""
    w = img.shape[1]
    col = np.array(pick(rng, WALLS), np.float32)
    kind = int(rng.integers(0, 4))
    if kind <= 1:
        tw = max(4, int(rng.uniform(16, 30) * s))
        th = tw // 2 if kind == 0 else tw
        grout = float(rng.uniform(0.6, 1.25))
        xx, yy = np.arange(tw, dtype=np.float32), np.arange(th, dtype=np.float32)
        bev = max(1.5, tw * 0.12)
        nx = _ramp(1 - (tw - 1.5 - xx) / bev) - _ramp(1 - (xx - 0.5) / bev)
        ny = _ramp(1 - (th - 1.5 - yy) / bev) - _ramp(1 - (yy - 0.5) / bev)
        tile = 1.0 + 0.35 * (nx[None] * st.key[0] + ny[:, None] * st.key[1])
        tile[:, :1] = grout
        tile[:1, :] = grout
        n = w // tw + 3
        strip = np.tile(tile, (1, n))
        for r, y in enumerate(range(0, horizon, th)):
            off = (tw // 2) * (r % 2) if kind == 0 else 0
            fac = np.repeat(1.0 + 0.05 * rng.standard_normal(n).astype(np.float32), tw)
            row = (strip * fac[None])[:, off : off + w]
            rows = min(th, horizon - y)
            img[y : y + rows] = col * row[:rows, :, None]
    elif kind == 2:
        pw = max(4, int(rng.uniform(14, 28) * s))
        n = w // pw + 2
        fac = np.repeat(1.0 + 0.08 * rng.standard_normal(n).astype(np.float32), pw)[:w]
        grain = rng.standard_normal((6, w)).astype(np.float32)
        grain = cv2.resize(grain, (w, horizon), interpolation=cv2.INTER_LINEAR) * 0.04
        shade = fac[None] + grain
        for x in range(0, w, pw):
            shade[:, x : x + max(1, int(1.2 * s))] *= 0.6
            shade[:, x + max(1, int(1.2 * s)) : x + max(2, int(3 * s))] *= 1.08
        img[:horizon] = col * shade[..., None]
    else:
        img[:horizon] = col
        dado = int(horizon * rng.uniform(0.45, 0.7))
        low = pick(rng, WALLS)
        _pillow(img, -10, dado, w + 10, horizon, low, 3 * s, st)
        _pillow(img, -10, dado - 3 * s, w + 10, dado + 2 * s, _shift(low, 0.8), 2 * s, st)
    lumps = cv2.resize(rng.standard_normal((5, 7)).astype(np.float32), (w, horizon))
    img[:horizon] *= (1.0 + 0.05 * lumps)[..., None]


def _floor(img: Float, horizon: int, rng: np.random.Generator, s: float) -> None:
    """Tiles, checkers or boards receding to a vanishing point, so the floor reads as depth
    behind the actors' feet lines."""
    h, w = img.shape[:2]
    vy = horizon - h * rng.uniform(0.3, 0.8)
    vx = w * rng.uniform(0.25, 0.75)
    near = rng.uniform(24, 48) * s
    dy = np.arange(horizon, h, dtype=np.float32)[:, None] - vy
    t = (h - vy) ** 2 / near / dy
    u = (np.arange(w, dtype=np.float32)[None] - vx) / dy * ((h - vy) / (near * 1.2))
    a = np.array(pick(rng, FLOORS), np.float32)
    b = np.array(pick(rng, FLOORS), np.float32)
    kind = int(rng.integers(0, 3))
    if kind == 2:  # boards towards the camera, with staggered joints
        k = np.floor(u).astype(np.int32)
        tone = 1.0 + 0.1 * rng.standard_normal(64).astype(np.float32)
        offs = rng.uniform(0, 1, 64).astype(np.float32)
        fac = tone[k % 64] * np.where(((t * 0.35 + offs[k % 64]) % 1.0) < 0.04, 0.7, 1.0)
        fac *= np.where((u % 1.0) < 0.06, 0.65, 1.0)
        floor = a * fac[..., None]
    else:
        checker = ((np.floor(u) + np.floor(t)).astype(np.int32) & 1).astype(np.float32)
        top = b if kind == 0 else a * 1.06
        floor = a + (top - a) * checker[..., None]
        gu = np.minimum(u % 1.0, 1 - u % 1.0) * dy / ((h - vy) / (near * 1.2))
        gt = np.minimum(t % 1.0, 1 - t % 1.0) * dy * dy / ((h - vy) ** 2 / near)
        line = np.minimum(np.minimum(gu, gt) * (1 / max(1.0, 1.2 * s)), 1.0)
        floor *= (0.72 + 0.28 * line)[..., None]
    depth = (np.arange(horizon, h, dtype=np.float32) - horizon) / max(1, h - horizon)
    floor *= (0.72 + 0.28 * np.sqrt(depth))[:, None, None]
    img[horizon:] = floor


def _props(c: Clay, x: float, base: float, r: float, kind: int, rng: np.random.Generator) -> float:
    """Jars, bottles and plate stacks: clutter that makes the soft back of the set look
    like a working kitchen. Returns the prop's top."""
    col = pick(rng, WALLS + COUNTERS + HATS, 20)
    m = c.material(Mat(col, spec=0.6, gloss=0.4 if kind == 0 else 0.0))
    if kind == 0:  # jar with a lid
        c.limb((x, base - r * 0.8), (x, base - r * 1.8), r * 0.8, r * 0.8, m)
        lid = c.material(Mat(pick(rng, HATS), spec=0.7))
        c.blob(x, base - r * 2.6, r * 0.85, r * 0.3, lid, z=r * 0.3)
        return base - r * 2.9
    if kind == 1:  # bottle
        c.limb((x, base - r), (x, base - r * 2.2), r, r * 0.9, m)
        c.limb((x, base - r * 2.6), (x, base - r * 3.8), r * 0.35, r * 0.3, m, z0=r * 0.3)
        return base - r * 4.1
    for k in range(int(rng.integers(2, 6))):  # a stack of plates
        c.blob(x, base - r * (0.25 + 0.32 * k), r * 1.6, r * 0.22, m, z=k * 0.01)
    return base - r * 2


def _pot(c: Clay, x: float, base: float, r: float, rng: np.random.Generator) -> int:
    """A pot with a lid and handles; returns its top, which the layout keeps for steam."""
    col = pick(rng, ((190, 190, 188), (40, 40, 45), (50, 60, 190), (60, 110, 190)), 10)
    m = c.material(Mat(col, spec=0.9, gloss=0.5))
    c.blob(x, base - r * 0.75, r, r * 0.75, m, rz=r * 0.9)
    c.blob(x, base - r * 1.35, r * 0.95, r * 0.25, m, z=r * 0.1)
    c.blob(x, base - r * 1.62, r * 0.18, r * 0.14, m, z=r * 0.3)
    for side in (-1.0, 1.0):
        c.limb(
            (x + side * r * 0.9, base - r),
            (x + side * r * 1.3, base - r * 1.05),
            r * 0.12,
            r * 0.12,
            m,
            z0=r * 0.2,
            z1=r * 0.2,
        )
    return int(base - r * 1.6)


def _set(
    width: int, height: int, rng: np.random.Generator, st: Studio
) -> tuple[Image, int, int, int, list[tuple[int, int, int]]]:
    """The miniature set: walls, shelf, counter (stove, sink, cabinets), floor; then DOF."""
    s = height / 240.0
    horizon = int(height * rng.uniform(0.42, 0.56))
    counter_top = horizon - int(height * rng.uniform(0.1, 0.16))
    shelf_y = int(height * rng.uniform(0.13, 0.26))
    f = np.zeros((height, width, 3), np.float32)
    _wall(f, horizon, rng, st, s)
    _floor(f, horizon, rng, s)
    if rng.random() < 0.35:  # a window onto a bright sky
        wx, ww = rng.uniform(0.05, 0.65) * width, rng.uniform(0.15, 0.28) * width
        wy0, wy1 = shelf_y + 8 * s, counter_top - 10 * s
        if wy1 - wy0 > 12 * s:
            frame = pick(rng, COUNTERS)
            _pillow(f, wx, wy0, wx + ww, wy1, frame, 3 * s, st)
            sky = pick(rng, ((245, 230, 200), (240, 240, 235), (240, 215, 170)))
            _pillow(f, wx + 3 * s, wy0 + 3 * s, wx + ww - 3 * s, wy1 - 3 * s, sky, 1, st)
            _pillow(f, wx + ww / 2 - s, wy0, wx + ww / 2 + 2 * s, wy1, frame, 1.5 * s, st)
    shelf_col = pick(rng, (*COUNTERS, (60, 90, 140)))
    th = max(3.0, 5 * s)
    shade = np.linspace(0.55, 1.0, max(1, int(7 * s)), dtype=np.float32)
    y0 = int(shelf_y + th)
    f[y0 : y0 + len(shade)] *= shade[: max(0, min(len(shade), height - y0)), None, None]
    _pillow(f, -5, shelf_y - 2 * s, width + 5, shelf_y + th, shelf_col, 2 * s, st)
    # counter: worktop lip, then cabinet doors, a stove and a sink set into it
    steel = pick(rng, COUNTERS)
    top_col = _shift(steel, 1.12)
    f[counter_top:horizon] = np.array(_shift(steel, 0.8), np.float32)
    dw = max(8.0, rng.uniform(34, 60) * s)
    x = -rng.uniform(0, dw)
    while x < width:
        _pillow(f, x + s, counter_top + 5 * s, x + dw - s, horizon - 4 * s, steel, 3 * s, st)
        knob_x = x + (dw * 0.8 if rng.random() < 0.5 else dw * 0.2)
        cv2.circle(
            f,
            (round(knob_x), round(counter_top + 12 * s)),
            max(1, round(1.5 * s)),
            _shift(steel, 0.55),
            -1,
            cv2.LINE_AA,
        )
        x += dw
    _pillow(f, -5, counter_top - 3 * s, width + 5, counter_top + 5 * s, top_col, 2.5 * s, st)
    sx, sw = rng.uniform(0.0, 0.7) * width, rng.uniform(0.22, 0.32) * width
    stove = rng.random() < 0.75
    if stove:  # oven front with a glowing window
        dark = pick(rng, ((60, 60, 62), (190, 190, 188), (40, 40, 120), (120, 160, 200)))
        _pillow(f, sx, counter_top + 2 * s, sx + sw, horizon - 2 * s, dark, 3 * s, st)
        oy0, oy1 = counter_top + 12 * s, horizon - 6 * s
        if oy1 - oy0 > 6 * s:
            glow = np.linspace(1.0, 0.3, max(1, int(oy1 - oy0)), dtype=np.float32)
            a0, a1 = int(sx + 6 * s), int(sx + sw - 6 * s)
            f[int(oy0) : int(oy0) + len(glow), a0:a1] = (
                np.array((40, 110, 230), np.float32) * glow[:, None, None] * 0.8
            )
    img = np.clip(f, 0, 255).astype(np.uint8)
    c = Clay(img, 0, 0, width, horizon + 2)
    pots: list[tuple[int, int, int]] = []
    if stove:
        knob = c.material(Mat((30, 30, 32), spec=0.8, gloss=0.5))
        for k in range(4):
            kx = sx + sw * (0.2 + 0.2 * k)
            c.blob(kx, counter_top + 7 * s, 2.2 * s, 2.2 * s, knob, z=3 * s)
        for _ in range(int(rng.integers(0, 3))):
            r = rng.uniform(9, 17) * s
            px = rng.uniform(sx + r, max(sx + r + 1, sx + sw - r))
            pots.append((int(px), _pot(c, px, counter_top - s, r, rng), int(r)))
    else:  # a sink with a chrome tap
        chrome = c.material(Mat((210, 210, 212), spec=1.0, gloss=1.2))
        cv2.ellipse(
            img,
            (round(sx + sw / 2), round(counter_top)),
            (round(sw * 0.4), round(3 * s)),
            0,
            0,
            360,
            (60, 60, 64),
            -1,
            cv2.LINE_AA,
        )
        tx = sx + sw / 2
        c.limb((tx, counter_top - s), (tx, counter_top - 16 * s), 1.8 * s, 1.8 * s, chrome)
        c.limb(
            (tx, counter_top - 16 * s), (tx + 9 * s, counter_top - 12 * s), 1.8 * s, 1.5 * s, chrome
        )
    x = rng.uniform(4, 20) * s
    while x < width:  # the shelf's jars, bottles and plates
        r = rng.uniform(3.5, 7) * s
        _props(c, x, shelf_y - 2 * s, r, int(rng.integers(0, 3)), rng)
        x += r * 2 + rng.uniform(10, 60) * s
    for _ in range(int(rng.integers(0, 3))):
        r = rng.uniform(4, 8) * s
        px = rng.uniform(0, width)
        if not (stove and sx - r < px < sx + sw + r):
            _props(c, px, counter_top - s, r, int(rng.integers(0, 3)), rng)
    c.shade(img, st, rng)
    # depth of field: the wall and the far floor soft, the near floor sharp
    f = img.astype(np.float32)
    soft = cv2.GaussianBlur(f, (0, 0), max(0.3, st.dof * 0.5))
    wgt = np.ones(height, np.float32)
    wgt[horizon:] = np.linspace(1.0, 0.0, height - horizon, dtype=np.float32) ** 1.5
    f += (soft - f) * wgt[:, None, None]
    xs = np.linspace(-1.0, 1.0, width, dtype=np.float32)
    f *= (1.0 + 0.22 * st.key[0] * xs)[None, :, None]  # brighter on the key light's side
    return np.clip(f, 0, 255).astype(np.uint8), horizon, counter_top, shelf_y, pots


def background(width: int, height: int, rng: np.random.Generator) -> tuple[Image, Layout]:
    """The set is built at half size and enlarged: it is out of focus anyway, and a quarter
    of the pixels keeps the frame within its time budget."""
    st = _studio(rng, height / 240.0)
    sw, sh = (width + 1) // 2, (height + 1) // 2
    small, horizon, counter_top, shelf_y, pots = _set(sw, sh, rng, st)
    img = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    kx, ky = width / sw, height / sh
    layout = Layout(
        horizon=round(horizon * ky),
        counter_top=round(counter_top * ky),
        shelf_y=round(shelf_y * ky),
        pots=tuple((round(x * kx), round(t * ky), round(r * ky)) for x, t, r in pots),
    )
    set_studio(img, st)
    return img, layout


PLACES: dict[str, tuple[str, ...]] = {
    "bowl": ("shelf", "counter", "floor"),
    "pot": ("counter", "floor"),
    "lid": ("shelf", "counter"),
    "sponge": ("counter", "floor"),
    "towel": ("shelf", "counter", "floor"),
    "loaf": ("shelf", "counter", "floor"),
    "bag": ("floor",),
    "shoe": ("floor",),
    "mop": ("floor",),
    "cat": ("floor", "floor", "counter"),
    "hat": ("shelf", "counter"),
    "mask": ("counter", "shelf"),
    "fruit": ("shelf", "counter", "floor"),
}


def _place(
    where: str, layout: Layout, rng: np.random.Generator, w: int, h: int, s: float, st: Studio
) -> tuple[float, float, float, float]:
    """(x, base line, size, blur): props at the back of the set are smaller and softer."""
    x = float(rng.uniform(0.03, 0.97)) * w
    if where == "shelf":
        return x, layout.shelf_y - 2 * s, 0.7, st.dof * 0.8
    if where == "counter":
        return x, layout.counter_top - s, 0.85, st.dof * 0.6
    y = float(rng.uniform(layout.horizon + 6 * s, h - 2))
    depth = (y - layout.horizon) / max(1.0, h - layout.horizon)
    return x, y, 0.7 + 0.9 * depth, st.dof * (1 - depth) ** 1.5


def _cat(c: Clay, x: float, b: float, r: float, rng: np.random.Generator) -> None:
    """The classic rodent look-alike; pointed ears, a thick tail and an upright sit are
    what should tell it apart."""
    fur = c.material(
        Mat(
            pick(rng, ((40, 40, 44), (60, 120, 200), (200, 200, 205), (90, 95, 100))),
            spec=0.3,
            groove=0.2,
            groove_period=2.5,
        )
    )
    f = float(rng.choice([-1.0, 1.0]))
    c.blob(x, b - r * 0.9, r * 0.75, r * 0.9, fur)
    c.limb((x - f * r * 0.5, b - r * 0.15), (x - f * r * 1.4, b - r * 0.5), r * 0.17, r * 0.12, fur)
    hx, hy = x + f * r * 0.15, b - r * 2.0
    c.blob(hx, hy, r * 0.55, r * 0.48, fur, z=r * 0.4)
    for side in (-1.0, 1.0):
        base = (hx + side * r * 0.32, hy - r * 0.3)
        c.limb(
            base, (hx + side * r * 0.45, hy - r * 0.85), r * 0.17, 0.5, fur, z0=r * 0.4, z1=r * 0.3
        )
    eye = c.material(Mat((60, 200, 150), spec=1.0, gloss=1.0))
    for side in (-1.0, 1.0):
        c.blob(hx + side * r * 0.2, hy - r * 0.02, r * 0.09, r * 0.11, eye, z=r * 0.85)
    c.blob(hx, hy + r * 0.15, r * 0.07, r * 0.05, c.material(Mat((150, 150, 215))), z=r * 0.95)


def distractor(img: Image, kind: str, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """Hard negatives: clay props sharing a shape or colour with heads, hats, masks or
    rodents. They are never labelled (only workers and rodents are)."""
    st = studio_of(img)
    h, w = img.shape[:2]
    places = PLACES[kind]
    where = places[int(rng.integers(len(places)))]
    x, b, size, blur = _place(where, layout, rng, w, h, s, st)
    r = float(rng.uniform(6, 12)) * s * size
    if where == "floor":
        contact_shadow(img, x, b, r * 1.4, r * 0.3, st, 0.45)
    c = Clay(img, x - 4 * r, b - 6 * r, x + 4 * r, b + 2)
    col = pick(rng, WALLS + COUNTERS + HATS, 15)
    m = c.material(Mat(col, spec=0.6))
    if kind == "bowl":
        if rng.random() < 0.4:  # upside down: a dome, much like a cap
            c.blob(x, b, r, r * 0.75, m, cut=(0.0, 0.0))
        else:
            c.blob(x, b - r * 0.6, r, r * 0.6, m, cut=(0.0, 0.0), below=True)
            c.blob(x, b - r * 0.6, r, r * 0.2, m, z=r, rz=r * 0.1)
            c.blob(
                x,
                b - r * 0.58,
                r * 0.84,
                r * 0.13,
                c.material(Mat(_shift(col, 0.6))),
                z=r * 1.1,
                rz=r * 0.05,
            )
    elif kind == "pot":
        _pot(c, x, b, r, rng)
    elif kind == "lid":
        metal = c.material(Mat(pick(rng, ((200, 200, 198), (60, 60, 64))), spec=1.0, gloss=1.0))
        c.blob(x, b - r, r, r * 0.95, metal, rz=r * 0.25)
        c.blob(x, b - r, r * 0.2, r * 0.2, metal, z=r * 0.2)
    elif kind == "sponge":
        yel = c.material(Mat(pick(rng, ((60, 210, 235), (200, 120, 240), (90, 200, 120))), 0.2))
        c.blob(x, b - r * 0.35, r, r * 0.35, yel, rz=r * 0.4)
        c.blob(x, b - r * 0.66, r * 0.96, r * 0.12, c.material(Mat((60, 140, 40), 0.2)), z=r * 0.3)
    elif kind == "towel":
        cloth = c.material(Mat(pick(rng, HATS + MASKS), 0.2, groove=0.3, groove_period=3 * s))
        if rng.random() < 0.5:  # rolled: a short fat capsule with a spiral end
            c.limb((x - r, b - r * 0.45), (x + r * 0.8, b - r * 0.45), r * 0.45, r * 0.45, cloth)
            c.blob(x + r * 0.85, b - r * 0.45, r * 0.25, r * 0.45, cloth, z=r * 0.2)
        else:  # folded in a stack
            for k in range(int(rng.integers(1, 4))):
                c.blob(x, b - r * (0.2 + 0.36 * k), r * 1.1, r * 0.2, cloth, z=k * 0.1, rz=r * 0.3)
    elif kind == "loaf":
        crust = c.material(
            Mat(
                pick(rng, ((60, 120, 180), (40, 80, 140), (90, 160, 210))),
                0.3,
                groove=0.4,
                groove_angle=0.9,
                groove_period=max(3.0, r * 0.5),
            )
        )
        c.blob(x, b - r * 0.5, r * 1.3, r * 0.5, crust, angle=float(rng.uniform(-0.1, 0.1)))
    elif kind == "bag":
        plastic = c.material(Mat(pick(rng, ((25, 25, 28), (40, 55, 40), (70, 60, 50))), 1.0, 0.6))
        for k in range(3):
            c.blob(
                x + (k - 1) * r * 0.55,
                b - r * (0.6 + 0.15 * (k % 2)),
                r * 0.7,
                r * 0.62,
                plastic,
                z=k % 2 * r * 0.2,
            )
        for side in (-1.0, 1.0):  # the knot's two ears
            c.blob(x + side * r * 0.2, b - r * 1.45, r * 0.16, r * 0.25, plastic, z=r * 0.4)
    elif kind == "shoe":
        shoe = c.material(Mat(pick(rng, ((25, 25, 28), (240, 240, 240), (200, 120, 60))), 0.8))
        f = float(rng.choice([-1.0, 1.0]))
        c.blob(x, b - r * 0.35, r * 1.1, r * 0.35, shoe)
        c.blob(x + f * r * 0.55, b - r * 0.4, r * 0.55, r * 0.42, shoe, z=r * 0.2)
        c.blob(
            x - f * r * 0.3,
            b - r * 0.55,
            r * 0.45,
            r * 0.25,
            c.material(Mat((30, 30, 35))),
            z=r * 0.3,
            rz=r * 0.05,
        )
    elif kind == "mop":
        bucket = c.material(Mat(pick(rng, ((40, 200, 240), (200, 120, 40), (60, 60, 200))), 0.7))
        head = c.material(Mat((200, 210, 215), 0.2, groove=0.6, groove_period=2.5))
        c.blob(x, b - r * 0.8, r * 1.0, r * 0.8, bucket, rz=r * 0.8)
        c.blob(x + r * 1.4, b - r * 0.4, r * 0.7, r * 0.45, head, z=r * 0.3)
        c.limb(
            (x + r * 1.4, b - r * 0.6),
            (x + r * 0.6, b - r * 5.5),
            r * 0.1,
            r * 0.1,
            c.material(Mat((60, 100, 150), 0.5)),
            z0=r * 0.3,
            z1=0.0,
        )
    elif kind == "cat":
        _cat(c, x, b, r, rng)
    elif kind == "hat":
        hat = c.material(Mat(pick(rng, HATS, 6), 0.35, groove=0.3, groove_period=max(2.5, r * 0.3)))
        if rng.random() < 0.6:  # a toque lying on its side
            c.limb((x - r, b - r * 0.4), (x - r * 0.4, b - r * 0.4), r * 0.4, r * 0.45, hat)
            c.blob(x + r * 0.4, b - r * 0.7, r * 0.9, r * 0.7, hat, z=r * 0.2)
        else:  # a round cap on its crown's rim
            c.blob(x, b, r, r * 0.7, hat, cut=(0.0, 0.0))
    elif kind == "mask":
        mc = pick(rng, MASKS, 8)
        mask = c.material(Mat(mc, 0.3, groove=0.5, groove_angle=math.pi / 2, groove_period=2.5))
        c.blob(x, b - r * 0.3, r, r * 0.3, mask, rz=r * 0.15)
        for side in (-1.0, 1.0):
            c.limb(
                (x + side * r, b - r * 0.45),
                (x + side * r * 1.6, b - r * 0.2),
                0.6,
                0.6,
                mask,
                z0=r * 0.1,
                z1=r * 0.1,
            )
    else:  # a round fruit or vegetable: cabbage, melon, onion, orange
        fruit = pick(rng, ((60, 200, 120), (60, 150, 240), (120, 200, 210), (70, 80, 170)))
        skin = c.material(Mat(fruit, 0.6, groove=0.3, groove_angle=0.0, groove_period=r * 0.4 + 2))
        c.blob(x, b - r * 0.8, r * 0.85, r * 0.8, skin)
    c.shade(img, st, rng, blur)


@functools.lru_cache(maxsize=1)
def _grain_tile() -> Float:
    """Sensor grain, made once: a frame takes a random window of it, not 77k new draws."""
    return np.random.default_rng(20240601).standard_normal((640, 640), dtype=np.float32)


def _grain(rng: np.random.Generator, h: int, w: int, sigma: float) -> Float:
    tile = _grain_tile()
    if h > tile.shape[0] or w > tile.shape[1]:
        return rng.standard_normal((h, w), dtype=np.float32) * sigma
    y, x = int(rng.integers(0, tile.shape[0] - h + 1)), int(rng.integers(0, tile.shape[1] - w + 1))
    g = tile[y : y + h, x : x + w] * sigma
    return g[::-1] if rng.random() < 0.5 else g


def _grey3(a: Float) -> Float:
    out: Float = cv2.cvtColor(np.ascontiguousarray(a, np.float32), cv2.COLOR_GRAY2BGR)
    return out


def light(img: Image, rng: np.random.Generator, night: bool, ir: bool) -> Image:
    """The camera: colour temperature, exposure, vignette, sensor noise; or a dim night,
    bluish with a lamp's warm glow or monochrome infrared with the illuminator's hot spot."""
    h, w = img.shape[:2]
    s = h / 240.0
    xs = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None]
    ys = np.linspace(-1.0, 1.0, h, dtype=np.float32)[:, None]
    vignette = 1.0 - float(rng.uniform(0.04, 0.15)) * (xs * xs + ys * ys)
    f: Float
    if night and ir:
        grey: Float = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
        cx, cy = rng.uniform(-0.3, 0.3), rng.uniform(-0.2, 0.4)
        spot = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) * rng.uniform(0.8, 1.8))
        grey = grey * (0.35 + 0.9 * spot) * rng.uniform(0.7, 1.1) + rng.uniform(5, 25)
        grey = cv2.GaussianBlur(grey, (0, 0), 0.6 * s)
        grey = (grey + _grain(rng, h, w, float(rng.uniform(4, 9)))) * vignette
        f = _grey3(grey)
        if rng.random() < 0.4:  # a faint green cast of some night cameras
            f = cv2.multiply(f, (0.92, 1.04, 0.92, 0.0))
    elif night:
        gx, gy = rng.uniform(-0.9, 0.9), rng.uniform(-1.0, 0.2)
        glow = np.exp(-((xs - gx) ** 2 + (ys - gy) ** 2) / rng.uniform(0.1, 0.5))
        lamp = (0.45, 0.75, 1.0) if rng.random() < 0.7 else (1.0, 0.9, 0.7)
        dim = float(rng.uniform(0.2, 0.42))
        haze = float(rng.uniform(10, 35))
        tone = (1.2, 0.9, 0.65)
        gain = [(1.0 + 2.2 * glow * lamp[c]) * (dim * tone[c]) * vignette for c in range(3)]
        add = _grain(rng, h, w, float(rng.uniform(3, 7)))
        f = img.astype(np.float32) * cv2.merge(gain)
        f += cv2.merge([glow * (lamp[c] * haze) + add for c in range(3)])
    else:
        temp = rng.uniform(-1, 1)  # warm (+) or cool (-) white balance
        expo = float(rng.uniform(0.8, 1.22))
        f = cv2.multiply(
            img.astype(np.float32), (expo * (1 - 0.12 * temp), expo, expo * (1 + 0.12 * temp), 0.0)
        )
        f *= _grey3(vignette)
        if rng.random() < 0.3:  # studio bloom around the highlights
            hi = cv2.GaussianBlur(np.maximum(f - 200, 0), (0, 0), 5 * s)
            f = f + 0.7 * hi
        f += _grey3(_grain(rng, h, w, float(rng.uniform(0.8, 3.5))))
    np.clip(f, 0, 255, out=f)
    out: Image = f.astype(np.uint8)
    return out


KIT = StyleKit(
    name="clay",
    background=background,
    worker=worker,
    rodent=rodent,
    distractor=distractor,
    light=light,
    distractors=tuple(PLACES),
)
