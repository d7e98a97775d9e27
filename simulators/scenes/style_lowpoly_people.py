"""Workers and rodents of the `lowpoly` training style, built from flat-shaded facets.

A worker is a faceted ellipsoid head (hair facets on top, a tapered jaw, ears at the
box edges) on a tapered-cylinder coat, limbs of three-sided prisms and faceted hands;
hats (pleated toque with a puffed top, paper cap, mob cap, skull cap, peaked cap) and
masks (pleated, folded, cloth) are patches on the same surfaces. Every random choice is
drawn up front in a fixed order, so a worker with and without a mask differs only there.
"""

import math
from dataclasses import dataclass

import numpy as np

from simulators.scenes.compose import Box
from simulators.scenes.spec import WorkerSpec
from simulators.scenes.style_lowpoly_mesh import (
    Color,
    Image,
    Light,
    column,
    darken,
    draw_patch,
    ellipsoid,
    facet,
    flat,
    get_light,
    jitter_light,
    limb,
    mul,
    pick,
    ring,
)

SKIN: tuple[Color, ...] = (
    (150, 178, 222),
    (120, 155, 205),
    (95, 128, 180),
    (70, 95, 140),
    (165, 190, 230),
    (110, 140, 175),
)
HAIR: tuple[Color, ...] = (
    (28, 26, 30),
    (35, 48, 70),
    (50, 72, 105),
    (130, 130, 135),
    (60, 110, 160),
)
COATS: tuple[Color, ...] = (
    (236, 236, 232),
    (225, 228, 230),
    (240, 240, 240),
    (48, 48, 52),
    (110, 80, 50),
    (60, 60, 150),
    (90, 130, 80),
    (150, 150, 150),
    (180, 140, 100),
    (70, 120, 180),
)
APRONS: tuple[Color, ...] = (
    (230, 230, 230),
    (40, 40, 45),
    (60, 90, 140),
    (120, 60, 40),
    (90, 140, 160),
)
TROUSERS: tuple[Color, ...] = (
    (35, 35, 40),
    (80, 80, 85),
    (70, 45, 30),
    (200, 200, 200),
    (110, 110, 110),
)
HATS: tuple[Color, ...] = (
    (242, 242, 242),
    (235, 238, 240),
    (245, 245, 245),
    (200, 170, 120),
    (40, 40, 45),
    (60, 60, 160),
    (90, 150, 90),
)
MASKS: tuple[Color, ...] = (
    (225, 200, 150),
    (238, 238, 238),
    (40, 40, 44),
    (200, 180, 225),
    (170, 210, 160),
    (215, 190, 120),
)
HAT_KINDS = ("toque", "toque", "paper", "mob", "skull", "peaked")
MASK_KINDS = ("pleated", "folded", "cloth")

DEG = np.array


@dataclass(frozen=True)
class Look:
    """Every random choice of one worker."""

    light: Light
    skin: Color
    hair: Color
    hairline: float
    side_hair: bool
    coat: Color
    apron: Color | None
    trousers: Color
    shoes: Color
    gloves: Color | None
    hat: str
    hat_col: Color
    hat_tall: float
    mask: str
    mask_col: Color
    shoulder: float
    swing: float
    stance: float
    jit: int
    mouth_open: bool


def _look(rng: np.random.Generator) -> Look:
    """Draw every choice in a fixed order, whatever the spec asks for."""
    return Look(
        light=jitter_light(get_light(), rng),
        skin=pick(rng, SKIN, 8),
        hair=pick(rng, HAIR, 8),
        hairline=float(rng.uniform(15, 45)),
        side_hair=bool(rng.random() < 0.6),
        coat=pick(rng, COATS, 8),
        apron=pick(rng, APRONS, 8) if rng.random() < 0.45 else None,
        trousers=pick(rng, TROUSERS, 6),
        shoes=pick(rng, ((20, 20, 22), (230, 230, 230), (40, 50, 70)), 5),
        gloves=pick(rng, ((200, 120, 50), (30, 30, 30)), 10) if rng.random() < 0.3 else None,
        hat=HAT_KINDS[int(rng.integers(len(HAT_KINDS)))],
        hat_col=pick(rng, HATS[:3], 6) if rng.random() < 0.6 else pick(rng, HATS, 10),
        hat_tall=float(rng.uniform(0.8, 1.4)),
        mask=MASK_KINDS[int(rng.integers(len(MASK_KINDS)))],
        mask_col=pick(rng, MASKS, 8),
        shoulder=float(rng.uniform(0.9, 1.12)),
        swing=float(rng.uniform(-0.04, 0.04)),
        stance=float(rng.uniform(0.0, 0.03)),
        jit=int(rng.integers(0, 2**31)),
        mouth_open=bool(rng.random() < 0.3),
    )


def _body(img: Image, g: dict[str, float], spec: WorkerSpec, lk: Look) -> None:
    ph, cx, fy, top = g["ph"], g["cx"], g["fy"], g["top"]
    light = lk.light
    coat, trousers, shoes, skin = lk.coat, lk.trousers, lk.shoes, lk.skin
    sw = 0.13 * ph * float(lk.shoulder)
    sy, hy, ky = top + 0.19 * ph, top + 0.53 * ph, top + 0.76 * ph
    stance = float(lk.stance) * ph
    # contact shadow (ambient occlusion under the feet)
    darken(img, ring(cx, fy, 0.14 * ph, 0.02 * ph, 10), 0.6)
    for side in (-1, 1):
        hip = (cx + side * 0.05 * ph, hy)
        knee = (cx + side * (0.055 * ph + stance), ky)
        ankle = (cx + side * (0.05 * ph + stance * 1.5), fy - 0.025 * ph)
        draw_patch(img, limb(hip, knee, 0.045 * ph, 0.04 * ph), trousers, light)
        draw_patch(img, limb(knee, ankle, 0.04 * ph, 0.034 * ph), trousers, light)
        sx = ankle[0] + side * 0.012 * ph
        facet(
            img,
            [
                (sx - 0.04 * ph, fy - 0.035 * ph),
                (sx + 0.04 * ph, fy - 0.035 * ph),
                (sx + 0.045 * ph, fy),
                (sx - 0.045 * ph, fy),
            ],
            shoes,
            (0, -0.6, 0.8),
            light,
        )
    neck = limb((cx, top + 0.13 * ph), (cx, sy + 0.01 * ph), 0.034 * ph, 0.038 * ph, 2)
    draw_patch(img, neck, skin, light)
    ys = [sy - 0.01 * ph, sy + 0.03 * ph, top + 0.36 * ph, hy, hy + 0.09 * ph]
    rs = [0.8 * sw, sw, 0.9 * sw, 0.84 * sw, 0.9 * sw]
    draw_patch(img, column(cx, ys, rs, 5, 0.6), coat, light)
    # collar: two facets meeting under the chin
    cc = mul(coat, 0.92)
    flat(
        img,
        [
            (cx - 0.05 * ph, sy - 0.015 * ph),
            (cx, sy + 0.05 * ph),
            (cx - 0.015 * ph, sy - 0.01 * ph),
        ],
        cc,
    )
    flat(
        img,
        [
            (cx + 0.05 * ph, sy - 0.015 * ph),
            (cx, sy + 0.05 * ph),
            (cx + 0.015 * ph, sy - 0.01 * ph),
        ],
        cc,
    )
    apron = lk.apron
    if isinstance(apron, tuple):
        ay = [sy + 0.06 * ph, hy - 0.04 * ph, top + 0.8 * ph]
        ar = [0.55 * sw, 0.86 * sw, 0.95 * sw]
        draw_patch(img, column(cx, ay, ar, 4, 0.62), apron, light)
    else:  # double-breasted buttons
        for bx in (-0.035 * ph, 0.035 * ph):
            for k in range(3):
                flat(
                    img,
                    ring(
                        cx + bx, sy + (0.07 + 0.07 * k) * ph, 0.008 * ph + 0.5, 0.008 * ph + 0.5, 4
                    ),
                    (60, 60, 60),
                )
    gloves = lk.gloves
    hand_col = gloves if isinstance(gloves, tuple) else skin
    swing = float(lk.swing) * ph
    for side in (-1, 1):
        sh = (cx + side * 0.88 * sw, sy + 0.025 * ph)
        if spec.arms_up:
            elbow = (cx + side * (sw + 0.07 * ph), sy + 0.01 * ph)
            hand = (cx + side * (sw + 0.03 * ph), top + 0.45 * g["hh"])
        else:
            elbow = (cx + side * (sw + 0.025 * ph), sy + 0.17 * ph)
            hand = (cx + side * (0.9 * sw + 0.02 * ph) + side * swing, sy + 0.32 * ph)
        draw_patch(img, limb(sh, elbow, 0.036 * ph, 0.031 * ph), coat, light)
        draw_patch(img, limb(elbow, hand, 0.031 * ph, 0.026 * ph), coat, light)
        hr = 0.024 * ph + 0.5
        lat, lon = DEG([-90, -30, 30, 90]), DEG([-90, -30, 30, 90])
        draw_patch(
            img, ellipsoid(hand[0], hand[1] + hr * 0.6, hr, hr * 1.2, lat, lon), hand_col, light
        )


def _proj(g: dict[str, float], la: float, lo: float, scale: float = 1.0) -> tuple[float, float]:
    """A point on the head surface (degrees) projected to the image."""
    rx, ry = 0.44 * g["hw"], g["hh"] / 2
    a, o = math.radians(la), math.radians(lo)
    sq = 1.0 - 0.3 * max(0.0, -math.sin(a)) ** 1.5
    return g["cx"] + scale * rx * math.cos(a) * math.sin(o) * sq, g["top"] + ry - ry * math.sin(a)


def _head(img: Image, g: dict[str, float], spec: WorkerSpec, lk: Look) -> None:
    cx, top, hh, hw = g["cx"], g["top"], g["hh"], g["hw"]
    light = lk.light
    skin, hair = lk.skin, lk.hair
    rx, ry, cy = 0.44 * hw, hh / 2, top + hh / 2
    jrng = np.random.default_rng(int(lk.jit))
    ear = mul(skin, 0.85)
    for side in (-1, 1):
        flat(
            img,
            [
                (cx + side * rx * 0.9, cy - 0.13 * hh),
                (cx + side * hw / 2, cy - 0.09 * hh),
                (cx + side * hw / 2, cy + 0.1 * hh),
                (cx + side * rx * 0.85, cy + 0.16 * hh),
            ],
            ear,
        )
    lat = DEG([-90.0, -62, -34, -8, 0, 22, 48, 70, 90])
    lon = DEG([-90.0, -62, -34, -10, 12, 36, 64, 90])
    pts = ellipsoid(cx, cy, rx, ry, lat, lon, taper=0.3, jitter=0.05, rng=jrng)
    lac = (lat[:-1] + lat[1:])[:, None] / 2 + 0 * lon[None, :-1]
    loc = (lon[:-1] + lon[1:])[None, :] / 2 + 0 * lat[:-1, None]
    hairy = lac > float(lk.hairline)
    if lk.side_hair:
        hairy |= (np.abs(loc) > 70) & (lac > -15)
    back = -spec.turn * 90.0  # the back of the head shows hair when it turns
    if abs(spec.turn) > 0.35:
        hairy |= (loc * np.sign(back) > 95 - abs(back)) & (lac > -30)
    cols = np.where(hairy[..., None], np.array(hair, float), np.array(skin, float))
    draw_patch(img, pts, cols, light)
    lo0 = spec.turn * 55.0
    eye = (25, 22, 28)
    for dl in (-24.0, 24.0):
        o = lo0 + dl
        if math.cos(math.radians(o)) < 0.2:
            continue
        ex, ey = _proj(g, 6, o)
        ew, eh = 0.05 * hw * math.cos(math.radians(o)) + 0.3, 0.022 * hh + 0.3
        flat(
            img,
            [(ex - ew, ey - eh), (ex + ew, ey - eh), (ex + ew, ey + eh), (ex - ew, ey + eh)],
            eye,
        )
        bx, by = _proj(g, 17, o)
        flat(
            img,
            [
                (bx - ew * 1.3, by - eh * 0.5),
                (bx + ew * 1.3, by - eh * 1.2),
                (bx + ew * 1.3, by),
                (bx - ew * 1.3, by + eh * 0.5),
            ],
            hair,
        )
    if not spec.mask:
        nt, nl, nr = _proj(g, 8, lo0), _proj(g, -18, lo0 - 10), _proj(g, -18, lo0 + 10)
        push = spec.turn * 0.06 * hw
        facet(
            img,
            [nt, (nl[0] + push, nl[1]), (nr[0] + push, nr[1])],
            mul(skin, 0.8),
            (-0.5 if spec.turn < 0 else 0.5, 0.2, 0.8),
            light,
        )
        ml, mr = _proj(g, -38, lo0 - 18), _proj(g, -38, lo0 + 18)
        mh = (0.065 if lk.mouth_open else 0.035) * hh + 0.5
        my = (ml[1] + mr[1]) / 2
        flat(
            img,
            [
                (ml[0], my),
                ((ml[0] + mr[0]) / 2, my - mh),
                (mr[0], my),
                ((ml[0] + mr[0]) / 2, my + mh),
            ],
            (50, 45, 120),
        )
    else:
        _mask(img, g, spec, lk, light, lo0)
    if spec.hat:
        _hat(img, g, lk, light)


def _mask(
    img: Image, g: dict[str, float], spec: WorkerSpec, lk: Look, light: Light, lo0: float
) -> None:
    cx, top, hh, hw = g["cx"], g["top"], g["hh"], g["hw"]
    rx, ry, cy = 0.44 * hw, hh / 2, top + hh / 2
    col = lk.mask_col
    kind = lk.mask
    lo_a, lo_b = max(-88.0, lo0 - 72), min(88.0, lo0 + 72)
    if kind == "folded":
        lon = DEG([lo_a, lo0, lo_b])
        lat = DEG([-74.0, -45, -12])
    else:
        lon = np.linspace(lo_a, lo_b, 5)
        lat = DEG([-72.0, -55, -40, -25, -10])
    pts = ellipsoid(cx, cy, rx * 1.03, ry, lat, lon, rz=rx * 1.25, taper=0.3)
    if kind == "folded":  # a ridge down the middle of the face
        pts[:, 1, 2] += 0.25 * rx
    fac = None
    if kind == "pleated":
        fac = np.where(np.arange(4)[:, None] % 2 == 0, 1.0, 0.84) + 0 * lon[None, :-1]
    draw_patch(img, pts, col, light, fac)
    loop = mul(col, 0.8)
    for la in (-14.0, -62.0):
        for o, side in ((lo_a, -1), (lo_b, 1)):
            if abs(o) < 80:
                p = _proj(g, la, o)
                q = (cx + side * rx * 0.97, cy + (0.02 if la > -30 else 0.12) * hh)
                flat(img, [p, q, (q[0], q[1] + 1), (p[0], p[1] + 1)], loop)


def _hat(img: Image, g: dict[str, float], lk: Look, light: Light) -> None:
    cx, top, hh, hw, hat_h = g["cx"], g["top"], g["hh"], g["hw"], g["hat_h"]
    rx = 0.44 * hw
    col = lk.hat_col
    kind = lk.hat
    tall = float(lk.hat_tall)
    yb = top + 0.27 * hh
    if kind == "toque":
        band = column(cx, [yb, top - 0.04 * hh], [rx * 1.04, rx * 1.02], 6)
        draw_patch(img, band, col, light)
        y_top = top - hat_h * tall
        body = column(cx, [top - 0.03 * hh, (top + y_top) / 2, y_top], [rx, rx * 1.1, rx * 1.2], 8)
        pleat = np.where(np.arange(8)[None, :] % 2 == 0, 1.0, 0.86) + 0 * np.zeros((2, 1))
        draw_patch(img, body, col, light, pleat)
        puff = ellipsoid(
            cx,
            y_top,
            rx * 1.3,
            0.22 * hat_h * tall + 1,
            DEG([0.0, 35, 65, 90]),
            np.linspace(-90, 90, 7),
        )
        draw_patch(img, puff, col, light)
    elif kind == "paper":
        yt = top - 0.45 * hat_h
        cap = column(cx, [yb, yt], [rx * 1.04, rx * 0.95], 4)
        draw_patch(img, cap, col, light)
        facet(
            img,
            [(cx - rx * 0.7, yt + 0.5), (cx, yt - 0.2 * hat_h), (cx + rx * 0.7, yt + 0.5)],
            col,
            (0, -0.8, 0.6),
            light,
        )
    elif kind == "mob":
        dome = ellipsoid(
            cx,
            yb,
            rx * 1.22,
            yb - top + 0.3 * hat_h,
            DEG([0.0, 25, 50, 72, 90]),
            np.linspace(-90, 90, 7),
            jitter=0.04,
            rng=np.random.default_rng(7),
        )
        draw_patch(img, dome, col, light)
        frill = mul(col, 1.05, 8)
        n = 7
        for k in range(n):
            x0 = cx - rx * 1.22 + 2 * rx * 1.22 * k / n
            x1 = x0 + 2 * rx * 1.22 / n
            flat(
                img,
                [(x0, yb - 0.06 * hh), (x1, yb - 0.06 * hh), ((x0 + x1) / 2, yb + 0.08 * hh)],
                frill,
            )
    else:  # skull cap, or a peaked cap
        cy = top + 0.36 * hh
        dome = ellipsoid(
            cx, cy, rx * 1.06, cy - top + 0.13 * hh, DEG([0.0, 30, 60, 90]), np.linspace(-90, 90, 7)
        )
        draw_patch(img, dome, col, light)
        if kind == "peaked":
            bc = mul(col, 0.8)
            facet(
                img,
                [
                    (cx - rx * 0.9, cy),
                    (cx + rx * 0.9, cy),
                    (cx + rx * 0.75, cy + 0.13 * hh),
                    (cx - rx * 0.75, cy + 0.13 * hh),
                ],
                bc,
                (0, -1, 0.3),
                light,
            )


def draw_worker(img: Image, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator) -> Box:
    """Draw one worker in place; return the head box (hair top to chin, ear to ear)."""
    lk = _look(rng)
    _body(img, g, spec, lk)
    _head(img, g, spec, lk)
    cx, hw = g["cx"], g["hw"]
    return (cx - hw / 2, g["top"], cx + hw / 2, g["top"] + g["hh"])


RODENT_COLS: tuple[Color, ...] = (
    (105, 108, 112),
    (55, 75, 100),
    (38, 38, 42),
    (150, 150, 155),
    (70, 90, 110),
)


def draw_rodent(
    img: Image, geom: tuple[float, float, float, float], rng: np.random.Generator
) -> Box:
    """A faceted rat or mouse facing its running direction; return the body+head box."""
    x, y, ln, facing = geom
    light = jitter_light(get_light(), rng, 0.2)
    col = pick(rng, RODENT_COLS, 10)
    stretch = float(rng.uniform(0.85, 1.15))
    bl = 0.62 * ln * stretch
    bh = ln * float(rng.uniform(0.26, 0.36)) / stretch
    leg = 0.06 * ln
    bx, by = x - facing * 0.12 * ln, y - leg - bh / 2
    darken(img, ring(bx, y, bl * 0.6, max(1.0, 0.05 * ln), 8), 0.65)
    # tail: a thin curve behind the body (not in the box)
    tail_len = ln * float(rng.uniform(0.5, 0.8))
    t = np.linspace(0, 1, 6)
    tx = bx - facing * (bl / 2 + t * tail_len)
    ty = by + bh * 0.3 + np.sin(t * 3 + float(rng.uniform(0, 3))) * 0.12 * ln * t
    tc = mul(col, 0.8, 30)
    for k in range(5):
        flat(
            img,
            [
                (tx[k], ty[k]),
                (tx[k + 1], ty[k + 1]),
                (tx[k + 1], ty[k + 1] + 1),
                (tx[k], ty[k] + 1),
            ],
            tc,
        )
    feet = []
    for fx in (-0.3, 0.3):
        px = bx + fx * bl
        foot = [
            (px - 0.03 * ln, by + bh * 0.3),
            (px + 0.03 * ln, by + bh * 0.3),
            (px + 0.04 * ln, y),
            (px - 0.04 * ln, y),
        ]
        flat(img, foot, mul(col, 0.6))
        feet += foot
    body = ellipsoid(
        bx,
        by,
        bl / 2,
        bh / 2,
        DEG([-90.0, -40, 0, 35, 70, 90]),
        np.linspace(-90, 90, 6),
        rz=bh / 2,
        jitter=0.06,
        rng=rng,
    )
    hump = float(rng.uniform(0.0, 0.25)) * bh
    body[:, :, 1] -= hump * np.cos(np.radians(np.linspace(-90, 90, 6)))[None, :] ** 2
    draw_patch(img, body, col, light)
    drop = float(rng.uniform(-0.1, 0.25)) * bh
    base = (bx + facing * bl * 0.38, by - 0.05 * bh)
    nose = (bx + facing * (bl / 2 + 0.3 * ln), by + 0.15 * bh + drop)
    head = limb(base, nose, 0.36 * bh, 0.05 * bh + 0.5, 3, 2)
    draw_patch(img, head, col, light)
    ears = []
    ec = mul(col, 0.7, 50)
    for k, dx in enumerate((-0.02, 0.05)):
        ex = base[0] + facing * dx * ln
        er = (0.07 + 0.02 * k) * ln
        e = [
            (ex - er * 0.6, base[1] - 0.25 * bh),
            (ex + er * 0.6, base[1] - 0.25 * bh),
            (ex + er * 0.4, base[1] - 0.25 * bh - er),
            (ex - er * 0.4, base[1] - 0.25 * bh - er),
        ]
        flat(img, e, ec)
        ears += e
    eye = (base[0] * 0.45 + nose[0] * 0.55, base[1] * 0.5 + nose[1] * 0.5 - 0.1 * bh)
    flat(img, ring(eye[0], eye[1], 0.025 * ln + 0.5, 0.025 * ln + 0.5, 4), (15, 15, 18))
    allp = np.concatenate(
        [
            body[:, :, :2].reshape(-1, 2),
            head[:, :, :2].reshape(-1, 2),
            np.array(ears),
            np.array(feet),
        ]
    )
    x1, y1 = allp.min(axis=0)
    x2, y2 = allp.max(axis=0)
    return float(x1), float(y1), float(x2), float(y2)
