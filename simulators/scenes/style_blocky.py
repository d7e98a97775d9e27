"""Scene style `blocky` (HELD OUT): never used for training or threshold tuning.

A second held-out look, drawn independently of the other styles so that it measures
how a detector generalises rather than how well it learned one renderer: a low-poly
kitchen where everything is a few flat facets in two tones (a lit side and a shaded
side). Walls are brushed stainless panels or wide wooden boards under a faint
triangulated facet mesh; floors are large stone slabs in perspective or terrazzo
speckle; light is warm tungsten, cold fluorescent or neutral, always with a vignette.
Workers have polygonal bodies and faceted heads with a realistic range of skin and
hair; hats are tall pleated toques, baseball caps, blue or white bouffant hairnets
and paper forage caps; masks are blue surgical masks with pleats, white pointed KN95s
and black cloth masks. Rodents are faceted grey, brown or black rats with ears and a
long tail. Hard negatives: white bowls and towels at head height, hanging ladles, pot
lids, shoes, dark sponges and brushes on the floor, faceted cats.
"""

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.compose import Box, Image, StyleKit
from simulators.scenes.spec import WorkerSpec

Color = tuple[int, int, int]
Pt = tuple[int, int]

SKIN: tuple[Color, ...] = (  # BGR, very light to very dark
    (188, 206, 242),
    (165, 188, 232),
    (135, 165, 215),
    (110, 145, 196),
    (88, 122, 172),
    (62, 92, 138),
    (44, 64, 102),
    (34, 48, 78),
)
HAIR: tuple[Color, ...] = (
    (18, 18, 22),
    (22, 30, 48),
    (30, 52, 88),
    (28, 55, 130),
    (95, 160, 205),
    (140, 142, 148),
    (200, 200, 205),
)


def _c(rng: np.random.Generator, lo: int, hi: int) -> Color:
    v = rng.integers(lo, hi, size=3)
    return int(v[0]), int(v[1]), int(v[2])


def _p(x: float, y: float) -> Pt:
    return round(x), round(y)


def _u8(v: float) -> int:
    return 0 if v < 0 else 255 if v > 255 else int(v)


def _tone(col: Color, k: float, add: float = 0.0) -> Color:
    """The same colour lit (k > 1) or in shade (k < 1): the two tones of every facet."""
    return _u8(col[0] * k + add), _u8(col[1] * k + add), _u8(col[2] * k + add)


def _jit(rng: np.random.Generator, col: Color, a: int) -> Color:
    d = rng.integers(-a, a + 1, size=3).tolist()
    return _u8(col[0] + d[0]), _u8(col[1] + d[1]), _u8(col[2] + d[2])


def _poly(img: Image, pts: list[Pt], col: Color) -> None:
    cv2.fillPoly(img, [np.array(pts, np.int32)], col, cv2.LINE_8)


def _clip_left(pts: list[Pt], s: int) -> list[Pt]:
    """The part of a polygon left of x = s (Sutherland-Hodgman against one half-plane)."""
    out: list[Pt] = []
    for i, a in enumerate(pts):
        b = pts[(i + 1) % len(pts)]
        a_in, b_in = a[0] <= s, b[0] <= s
        if a_in:
            out.append(a)
        if a_in != b_in:
            y = a[1] + (b[1] - a[1]) * (s - a[0]) / (b[0] - a[0])
            out.append((s, round(y)))
    return out


def _facets(img: Image, pts: list[Pt], col: Color, split: float, lit_left: bool) -> None:
    """A polygon in two tones, split by a vertical line at x = `split`."""
    light, dark = _tone(col, 1.08, 8), _tone(col, 0.72)
    _poly(img, pts, dark if lit_left else light)
    left = _clip_left(pts, round(split))
    if len(left) >= 3:
        _poly(img, left, light if lit_left else dark)


# ----------------------------------------------------------------------------- background


def _facet_mesh(region: np.ndarray, rng: np.random.Generator, cell: int, amp: float) -> None:
    """Multiply a region by a faint low-poly triangle mesh (each triangle its own tone)."""
    h, w = region.shape[:2]
    gx = np.arange(-cell, w + 2 * cell, cell, dtype=np.float32)
    gy = np.arange(-cell, h + 2 * cell, cell, dtype=np.float32)
    px = gx[None, :] + rng.uniform(-0.35, 0.35, (len(gy), len(gx))) * cell
    py = gy[:, None] + rng.uniform(-0.35, 0.35, (len(gy), len(gx))) * cell
    shade = np.ones((h, w), np.float32)
    for i in range(len(gy) - 1):
        for j in range(len(gx) - 1):
            a = (px[i, j], py[i, j])
            b = (px[i, j + 1], py[i, j + 1])
            c = (px[i + 1, j], py[i + 1, j])
            d = (px[i + 1, j + 1], py[i + 1, j + 1])
            for tri in ((a, b, d), (a, d, c)):
                pts = np.array([_p(*q) for q in tri], np.int32)
                cv2.fillPoly(shade, [pts], float(1.0 + rng.uniform(-amp, amp)))
    region[:] = np.clip(region.astype(np.float32) * shade[..., None], 0, 255).astype(np.uint8)


def _wall(img: Image, horizon: int, rng: np.random.Generator, s: float) -> None:
    w = img.shape[1]
    if rng.random() < 0.55:  # brushed stainless panels with seams and rivets
        base = float(rng.uniform(135, 205))
        pw = max(12, int(rng.uniform(38, 80) * s))
        xs = np.arange(w, dtype=np.float32)
        phase = (xs % pw) / pw
        across = (0.5 - phase) * rng.uniform(20, 45)  # each panel catches light on one side
        streak = rng.normal(0, 4, horizon).astype(np.float32)  # horizontal brushing
        val = base + across[None, :] + streak[:, None]
        tint = np.array([1.03, 1.0, 0.97], np.float32)
        img[:horizon] = np.clip(val[..., None] * tint, 0, 255).astype(np.uint8)
        seam = _tone((int(base), int(base), int(base)), 0.55)
        for x in range(0, w, pw):
            cv2.line(img, (x, 0), (x, horizon - 1), seam, 1)
            for y in range(int(6 * s), horizon, max(8, int(22 * s))):
                cv2.circle(img, (x + max(2, int(3 * s)), y), max(1, int(s)), seam, -1)
    else:  # wide wooden boards, each its own tone with a bevelled light and dark edge
        wood = (
            int(rng.uniform(40, 90)),
            int(rng.uniform(75, 130)),
            int(rng.uniform(110, 185)),
        )
        bw = max(8, int(rng.uniform(16, 34) * s))
        for x in range(0, w, bw):
            col = _jit(rng, wood, 14)
            cv2.rectangle(img, (x, 0), (x + bw - 1, horizon - 1), col, -1)
            cv2.rectangle(img, (x, 0), (x + max(1, bw // 8), horizon - 1), _tone(col, 1.2), -1)
            cv2.line(img, (x + bw - 1, 0), (x + bw - 1, horizon - 1), _tone(col, 0.55), 1)
    _facet_mesh(img[:horizon], rng, max(16, int(rng.uniform(30, 60) * s)), 0.07)


def _floor(img: Image, horizon: int, rng: np.random.Generator, s: float) -> None:
    h, w = img.shape[:2]
    if rng.random() < 0.55:  # large stone slabs in perspective, running bond
        stone = (
            _c(rng, 95, 175)
            if rng.random() < 0.6
            else (
                int(rng.uniform(50, 90)),
                int(rng.uniform(80, 120)),
                int(rng.uniform(130, 180)),
            )
        )
        grout = _tone(stone, 0.55)
        img[horizon:] = grout
        vx = w * rng.uniform(0.2, 0.8)
        vy = horizon - h * rng.uniform(0.15, 0.5)
        n_rows = int(rng.integers(4, 8))
        inv = np.linspace(1 / (horizon - vy), 1 / (h + h * 0.4 - vy), n_rows + 1)
        rows = [vy + 1 / v for v in inv]
        slab = w * rng.uniform(0.25, 0.5)
        g = max(1, int(s))
        for k in range(n_rows):
            ya, yb = rows[k], rows[k + 1]
            off = (k % 2) * slab * 0.5 + rng.uniform(-0.1, 0.1) * slab
            u = -2 * w + off
            while u < 3 * w:
                ua, ub = u, u + slab * rng.uniform(0.8, 1.2)
                fa, fb = (ya - vy) / (h - vy), (yb - vy) / (h - vy)
                quad = [
                    _p(vx + (ua - vx) * fa + g, ya + g),
                    _p(vx + (ub - vx) * fa - g, ya + g),
                    _p(vx + (ub - vx) * fb - g, yb - g),
                    _p(vx + (ua - vx) * fb + g, yb - g),
                ]
                _poly(img, quad, _jit(rng, stone, 14))
                u = ub
    else:  # terrazzo: a base with chips of several colours, and brass divider strips
        base = _c(rng, 120, 215)
        img[horizon:] = base
        n = int((h - horizon) * w / rng.uniform(6, 14))
        ys = rng.integers(horizon, h, n)
        xs = rng.integers(0, w, n)
        palette = np.array(
            [_tone(base, 0.5), _tone(base, 1.2, 20), _c(rng, 40, 200), _c(rng, 60, 230)], np.uint8
        )
        img[ys, xs] = palette[rng.integers(0, len(palette), n)]
        for _ in range(int(rng.integers(20, 50))):
            y = int(rng.integers(horizon, h))
            r = max(1, int(s * (1 + 2 * (y - horizon) / max(1, h - horizon))))
            cv2.circle(img, (int(rng.integers(0, w)), y), r, tuple(int(c) for c in palette[1]), -1)
        if rng.random() < 0.6:
            strip = (60, 150, 190)
            y = horizon + int((h - horizon) * rng.uniform(0.3, 0.8))
            cv2.line(img, (0, y), (w - 1, y), strip, 1)
    cv2.line(img, (0, horizon), (w - 1, horizon), (40, 40, 45), max(1, int(2 * s)))


def background(width: int, height: int, rng: np.random.Generator) -> tuple[Image, Layout]:
    s = height / 240.0
    img = np.zeros((height, width, 3), np.uint8)
    horizon = int(height * rng.uniform(0.4, 0.56))
    _wall(img, horizon, rng, s)
    _floor(img, horizon, rng, s)
    if rng.random() < 0.6:  # a faceted extractor hood
        hx = width * rng.uniform(0.1, 0.8)
        hw_ = width * rng.uniform(0.18, 0.35)
        hy = height * rng.uniform(0.1, 0.2)
        steel = _c(rng, 150, 215)
        hood = [
            _p(hx + hw_ * 0.2, 0),
            _p(hx + hw_ * 0.8, 0),
            _p(hx + hw_, hy),
            _p(hx, hy),
        ]
        _facets(img, hood, steel, hx + hw_ * 0.5, bool(rng.random() < 0.5))
        cv2.rectangle(img, _p(hx, hy), _p(hx + hw_, hy + 3 * s), _tone(steel, 0.6), -1)
    shelf_y = int(height * rng.uniform(0.15, 0.3))
    rail = _c(rng, 110, 190)
    cv2.rectangle(img, (0, shelf_y), (width - 1, shelf_y + max(2, int(3 * s))), rail, -1)
    cv2.line(img, (0, shelf_y + max(2, int(3 * s))), (width - 1, shelf_y + 3), _tone(rail, 0.5), 1)
    counter_top = horizon - int(height * rng.uniform(0.1, 0.16))
    steel = _c(rng, 130, 210)
    lip = max(2, int(4 * s))
    cv2.rectangle(img, (0, counter_top), (width - 1, counter_top + lip), _tone(steel, 1.15, 10), -1)
    door = max(14, int(rng.uniform(40, 70) * s))
    for x in range(0, width, door):  # door fronts, each split into a lit and a dark facet
        _facets(
            img,
            [
                (x, counter_top + lip),
                (x + door - 1, counter_top + lip),
                (x + door - 1, horizon),
                (x, horizon),
            ],
            steel,
            x + door * 0.45,
            True,
        )
        cv2.line(img, (x, counter_top + lip), (x, horizon), _tone(steel, 0.45), 1)
    pots: list[tuple[int, int, int]] = []
    for _ in range(int(rng.integers(0, 4))):
        r = int(rng.uniform(8, 20) * s)
        cx = int(rng.uniform(0.05, 0.95) * width)
        t = counter_top - int(r * rng.uniform(0.7, 1.4))
        col = _c(rng, 70, 210)
        body = [
            (cx - r, t),
            (cx + r, t),
            (cx + int(r * 0.9), counter_top),
            (cx - int(r * 0.9), counter_top),
        ]
        _facets(img, body, col, cx - r * 0.2, False)
        lid = [
            (cx - r - 1, t),
            (cx - r // 2, t - max(2, r // 4)),
            (cx + r // 2, t - max(2, r // 4)),
            (cx + r + 1, t),
        ]
        _poly(img, lid, _tone(col, 1.2, 15))
        pots.append((cx, t, r))
    return img, Layout(horizon=horizon, counter_top=counter_top, shelf_y=shelf_y, pots=tuple(pots))


# ----------------------------------------------------------------------------- workers


def _limb(
    img: Image,
    a: tuple[float, float],
    b: tuple[float, float],
    wa: float,
    wb: float,
    col: Color,
    lit: bool,
) -> None:
    """A limb as a quad tapering from width `wa` to `wb`, lit on one long side."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = max(1e-6, float(np.hypot(dx, dy)))
    nx, ny = -dy / n, dx / n
    pts = [
        _p(a[0] + nx * wa / 2, a[1] + ny * wa / 2),
        _p(b[0] + nx * wb / 2, b[1] + ny * wb / 2),
        _p(b[0] - nx * wb / 2, b[1] - ny * wb / 2),
        _p(a[0] - nx * wa / 2, a[1] - ny * wa / 2),
    ]
    _poly(img, pts, _tone(col, 1.05, 5) if lit else _tone(col, 0.75))
    mid = [pts[0], pts[1], _p(b[0], b[1]), _p(a[0], a[1])]
    _poly(img, mid, _tone(col, 0.75) if lit else _tone(col, 1.05, 5))


def _body(
    img: Image, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator, lit_left: bool
) -> Color:
    ph, cx, fy, hh, top = g["ph"], g["cx"], g["fy"], g["hh"], g["top"]
    neck_y = top + hh
    waist = fy - 0.46 * ph
    sh = 0.125 * ph * rng.uniform(0.9, 1.1)
    r = rng.random()
    if r < 0.55:
        coat = _c(rng, 215, 250)  # chef whites
    elif r < 0.7:
        coat = _c(rng, 25, 55)  # black chef jacket
    else:
        coat = _c(rng, 60, 220)
    trousers = _c(rng, 25, 90) if rng.random() < 0.8 else _c(rng, 90, 160)
    skin = SKIN[int(rng.integers(len(SKIN)))]
    for side in (-1, 1):  # legs and shoes
        hip = (cx + side * 0.045 * ph, waist)
        foot = (cx + side * 0.06 * ph, fy - 0.02 * ph)
        _limb(img, hip, foot, 0.085 * ph, 0.06 * ph, trousers, (side < 0) == lit_left)
        shoe = [
            _p(foot[0] - 0.035 * ph, fy - 0.03 * ph),
            _p(foot[0] + 0.035 * ph, fy - 0.03 * ph),
            _p(foot[0] + 0.045 * ph + side * 0.01 * ph, fy),
            _p(foot[0] - 0.045 * ph + side * 0.01 * ph, fy),
        ]
        _poly(img, shoe, (22, 22, 26))
    torso = [
        _p(cx - sh, neck_y + 0.03 * ph),
        _p(cx + sh, neck_y + 0.03 * ph),
        _p(cx + sh * 1.05, neck_y + 0.12 * ph),
        _p(cx + sh * 0.9, waist + 0.07 * ph),
        _p(cx - sh * 0.9, waist + 0.07 * ph),
        _p(cx - sh * 1.05, neck_y + 0.12 * ph),
    ]
    _facets(img, torso, coat, cx + rng.uniform(-0.2, 0.2) * sh, lit_left)
    chest = [  # a shaded facet under the chest breaks the torso into a low-poly shape
        _p(cx - sh * 0.9, waist + 0.07 * ph),
        _p(cx + sh * 0.9, waist + 0.07 * ph),
        _p(cx + rng.uniform(-0.3, 0.3) * sh, waist - 0.08 * ph),
    ]
    _poly(img, chest, _tone(coat, 0.85))
    if rng.random() < 0.45:  # apron
        ap = _c(rng, 30, 240)
        apron = [
            _p(cx - sh * 0.55, neck_y + 0.14 * ph),
            _p(cx + sh * 0.55, neck_y + 0.14 * ph),
            _p(cx + sh * 0.85, waist + 0.2 * ph),
            _p(cx - sh * 0.85, waist + 0.2 * ph),
        ]
        _facets(img, apron, ap, cx, lit_left)
    elif coat[0] > 150 and rng.random() < 0.7:  # double-breasted buttons
        b = max(1, int(0.008 * ph))
        for k in range(3):
            for dx in (-0.35, 0.35):
                y = neck_y + (0.09 + 0.07 * k) * ph
                cv2.rectangle(
                    img, _p(cx + dx * sh - b, y - b), _p(cx + dx * sh + b, y + b), (60, 60, 60), -1
                )
    neck = [  # the neck is in the chin's shadow
        _p(cx - 0.03 * ph, neck_y - 0.01 * ph),
        _p(cx + 0.03 * ph, neck_y - 0.01 * ph),
        _p(cx + 0.045 * ph, neck_y + 0.035 * ph),
        _p(cx - 0.045 * ph, neck_y + 0.035 * ph),
    ]
    _poly(img, neck, _tone(skin, 0.7))
    collar = [
        _p(cx - 0.05 * ph, neck_y + 0.03 * ph),
        _p(cx + 0.05 * ph, neck_y + 0.03 * ph),
        _p(cx, neck_y + 0.08 * ph),
    ]
    _poly(img, collar, _tone(coat, 0.6))
    for side in (-1, 1):  # arms: upper arm, forearm, faceted hand
        shoulder = (cx + side * sh * 0.95, neck_y + 0.06 * ph)
        if spec.arms_up and side == (1 if lit_left else -1):
            elbow = (cx + side * 0.22 * ph, neck_y + 0.04 * ph)
            hand = (cx + side * 0.26 * ph, neck_y - 0.07 * ph)
        else:
            elbow = (cx + side * rng.uniform(0.15, 0.2) * ph, neck_y + rng.uniform(0.17, 0.22) * ph)
            hand = (cx + side * rng.uniform(0.12, 0.26) * ph, neck_y + rng.uniform(0.3, 0.38) * ph)
        lit = (side < 0) == lit_left
        _limb(img, shoulder, elbow, 0.065 * ph, 0.055 * ph, coat, lit)
        _limb(img, elbow, hand, 0.055 * ph, 0.045 * ph, coat, lit)
        r_ = 0.025 * ph
        hex_ = [
            _p(hand[0] + r_ * np.cos(a), hand[1] + r_ * np.sin(a))
            for a in np.linspace(0, 2 * np.pi, 6, endpoint=False)
        ]
        _poly(img, hex_, skin if lit else _tone(skin, 0.78))
    return skin


def _hair(
    img: Image, g: dict[str, float], rng: np.random.Generator, lit_left: bool, skin: Color
) -> None:
    """Visible hair or scalp on top of the head (no covering): the top row is `top`."""
    cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
    col = HAIR[int(rng.integers(len(HAIR)))]
    kind = int(rng.integers(5))
    if kind == 4:  # shaved or bald: the scalp shows, lit on one side
        scalp = [
            _p(cx - 0.3 * hw, top),
            _p(cx + 0.3 * hw, top),
            _p(cx + 0.47 * hw, top + 0.2 * hh),
            _p(cx - 0.47 * hw, top + 0.2 * hh),
        ]
        _facets(img, scalp, _tone(skin, 1.05, 6), cx + 0.1 * hw, lit_left)
        if rng.random() < 0.6:  # stubble at the sides
            for side in (-1, 1):
                _poly(
                    img,
                    [
                        _p(cx + side * 0.5 * hw, top + 0.22 * hh),
                        _p(cx + side * 0.47 * hw, top + 0.2 * hh),
                        _p(cx + side * 0.38 * hw, top + 0.2 * hh),
                        _p(cx + side * 0.44 * hw, top + 0.45 * hh),
                        _p(cx + side * 0.5 * hw, top + 0.45 * hh),
                    ],
                    _tone(col, 0.9),
                )
        return
    line = hh * rng.uniform(0.26, 0.36)
    cap = [
        _p(cx - 0.3 * hw, top),
        _p(cx + 0.3 * hw, top),
        _p(cx + 0.47 * hw, top + 0.18 * hh),
        _p(cx + 0.5 * hw, top + 0.45 * hh),
        _p(cx + 0.42 * hw, top + 0.45 * hh),
        _p(cx + 0.25 * hw, top + line),
        _p(cx - 0.25 * hw, top + line),
        _p(cx - 0.42 * hw, top + 0.45 * hh),
        _p(cx - 0.5 * hw, top + 0.45 * hh),
        _p(cx - 0.47 * hw, top + 0.18 * hh),
    ]
    _facets(img, cap, col, cx + rng.uniform(-0.15, 0.15) * hw, lit_left)
    if kind == 1:  # a fringe swept to one side
        side = 1 if rng.random() < 0.5 else -1
        _poly(
            img,
            [
                _p(cx - side * 0.3 * hw, top + line * 0.6),
                _p(cx + side * 0.45 * hw, top + line),
                _p(cx + side * 0.1 * hw, top + line * 1.45),
            ],
            _tone(col, 0.85),
        )
    elif kind == 2:  # long hair down the sides of the face
        for side in (-1, 1):
            _poly(
                img,
                [
                    _p(cx + side * 0.5 * hw, top + 0.4 * hh),
                    _p(cx + side * 0.5 * hw, top + 0.95 * hh),
                    _p(cx + side * 0.38 * hw, top + 0.85 * hh),
                    _p(cx + side * 0.4 * hw, top + 0.4 * hh),
                ],
                _tone(col, 0.8),
            )
    elif kind == 3:  # curly: a few lit facets on top
        for k in range(4):
            x = cx + (k - 1.5) * 0.2 * hw
            _poly(
                img,
                [
                    _p(x - 0.1 * hw, top + 0.12 * hh),
                    _p(x, top + 0.02 * hh),
                    _p(x + 0.1 * hw, top + 0.12 * hh),
                ],
                _tone(col, 1.3, 20),
            )


def _hat(img: Image, g: dict[str, float], rng: np.random.Generator, lit_left: bool) -> None:
    """A head covering: it hides the hair on top and rises above `top`."""
    cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
    kind = int(rng.integers(4))
    if kind == 0:  # tall pleated toque
        th = g["hat_h"] * rng.uniform(1.0, 1.8)
        white = _c(rng, 228, 256)
        band = [
            _p(cx - 0.52 * hw, top + 0.32 * hh),
            _p(cx + 0.52 * hw, top + 0.32 * hh),
            _p(cx + 0.5 * hw, top - 0.05 * hh),
            _p(cx - 0.5 * hw, top - 0.05 * hh),
        ]
        _facets(img, band, white, cx + 0.2 * hw, lit_left)
        n = int(rng.integers(4, 7))
        x0, x1 = cx - 0.5 * hw, cx + 0.5 * hw
        for k in range(n):  # pleats flare out towards the puffed top
            a, b = x0 + (x1 - x0) * k / n, x0 + (x1 - x0) * (k + 1) / n
            fa, fb = (a - cx) * 1.3 + cx, (b - cx) * 1.3 + cx
            pleat = [
                _p(a, top - 0.05 * hh),
                _p(b, top - 0.05 * hh),
                _p(fb, top - th * 0.75),
                _p(fa, top - th * 0.75),
            ]
            _poly(img, pleat, white if k % 2 == 0 else _tone(white, 0.82))
        puff = [
            _p(cx - 0.65 * hw, top - th * 0.72),
            _p(cx - 0.5 * hw, top - th * 0.97),
            _p(cx - 0.15 * hw, top - th * 1.05),
            _p(cx + 0.25 * hw, top - th),
            _p(cx + 0.6 * hw, top - th * 0.9),
            _p(cx + 0.66 * hw, top - th * 0.72),
        ]
        _facets(img, puff, white, cx + rng.uniform(-0.2, 0.2) * hw, lit_left)
    elif kind == 1:  # baseball-style cap with a brim towards the camera
        col = _c(rng, 20, 240)
        crown = [
            _p(cx - 0.53 * hw, top + 0.3 * hh),
            _p(cx - 0.45 * hw, top + 0.02 * hh),
            _p(cx - 0.15 * hw, top - 0.1 * hh),
            _p(cx + 0.15 * hw, top - 0.1 * hh),
            _p(cx + 0.45 * hw, top + 0.02 * hh),
            _p(cx + 0.53 * hw, top + 0.3 * hh),
        ]
        _facets(img, crown, col, cx + rng.uniform(-0.1, 0.1) * hw, lit_left)
        cv2.line(img, _p(cx, top - 0.1 * hh), _p(cx, top + 0.28 * hh), _tone(col, 0.6), 1)
        shift = rng.uniform(-0.15, 0.15) * hw
        brim = [
            _p(cx - 0.5 * hw + shift, top + 0.28 * hh),
            _p(cx + 0.5 * hw + shift, top + 0.28 * hh),
            _p(cx + 0.42 * hw + shift, top + 0.4 * hh),
            _p(cx - 0.42 * hw + shift, top + 0.4 * hh),
        ]
        _poly(img, brim, _tone(col, 0.6))
    elif kind == 2:  # bouffant hairnet cap, blue or white, with an elastic edge
        col = (205, 150, 80) if rng.random() < 0.5 else _c(rng, 225, 256)
        col = _jit(rng, col, 12)
        rise = hh * rng.uniform(0.12, 0.22)
        dome = [
            _p(cx - 0.58 * hw, top + 0.38 * hh),
            _p(cx - 0.6 * hw, top + 0.1 * hh),
            _p(cx - 0.35 * hw, top - rise),
            _p(cx + 0.05 * hw, top - rise * 1.1),
            _p(cx + 0.4 * hw, top - rise * 0.9),
            _p(cx + 0.6 * hw, top + 0.1 * hh),
            _p(cx + 0.58 * hw, top + 0.38 * hh),
        ]
        _facets(img, dome, col, cx + rng.uniform(-0.2, 0.2) * hw, lit_left)
        for k in range(3):  # gathers in the fabric
            x = cx + (k - 1) * 0.3 * hw
            cv2.line(
                img,
                _p(x, top - rise * 0.6),
                _p(x * 0.9 + cx * 0.1, top + 0.3 * hh),
                _tone(col, 0.8),
                1,
            )
        cv2.line(
            img,
            _p(cx - 0.58 * hw, top + 0.36 * hh),
            _p(cx + 0.58 * hw, top + 0.36 * hh),
            _tone(col, 0.65),
            max(1, int(hh * 0.05)),
        )
    else:  # paper forage cap (garrison style), white or coloured
        col = _c(rng, 220, 256) if rng.random() < 0.6 else _c(rng, 40, 220)
        ridge = hh * rng.uniform(0.15, 0.28)
        cap = [
            _p(cx - 0.52 * hw, top + 0.3 * hh),
            _p(cx - 0.4 * hw, top - ridge * 0.6),
            _p(cx + 0.4 * hw, top - ridge),
            _p(cx + 0.52 * hw, top + 0.3 * hh),
        ]
        _facets(img, cap, col, cx, lit_left)
        fold = [
            _p(cx - 0.52 * hw, top + 0.3 * hh),
            _p(cx + 0.52 * hw, top + 0.3 * hh),
            _p(cx + 0.5 * hw, top + 0.12 * hh),
            _p(cx - 0.5 * hw, top + 0.12 * hh),
        ]
        _poly(img, fold, _tone(col, 0.78))


def _mask(img: Image, g: dict[str, float], rng: np.random.Generator, lit_left: bool) -> None:
    """A mask over the mouth and nose, below the eyes."""
    cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
    kind = int(rng.integers(3))
    loop = (235, 235, 235)
    if kind == 0:  # surgical: pleated, blue mostly
        col = (215, 170, 110) if rng.random() < 0.7 else _c(rng, 150, 250)
        col = _jit(rng, col, 12)
        y0, y1 = top + 0.58 * hh, top + 0.95 * hh
        body = [
            _p(cx - 0.45 * hw, y0),
            _p(cx + 0.45 * hw, y0),
            _p(cx + 0.4 * hw, y1),
            _p(cx - 0.4 * hw, y1),
        ]
        _facets(img, body, col, cx + 0.1 * hw, lit_left)
        for k in range(1, 4):
            y = y0 + (y1 - y0) * k / 4
            cv2.line(img, _p(cx - 0.42 * hw, y), _p(cx + 0.42 * hw, y), _tone(col, 0.72), 1)
    elif kind == 1:  # KN95: white, a seam down the middle and a point at the chin
        col = _c(rng, 215, 250) if rng.random() < 0.75 else _c(rng, 30, 70)
        left = [
            _p(cx - 0.45 * hw, top + 0.6 * hh),
            _p(cx, top + 0.52 * hh),
            _p(cx, top + 0.99 * hh),
            _p(cx - 0.38 * hw, top + 0.86 * hh),
        ]
        right = [
            _p(cx + 0.45 * hw, top + 0.6 * hh),
            _p(cx, top + 0.52 * hh),
            _p(cx, top + 0.99 * hh),
            _p(cx + 0.38 * hw, top + 0.86 * hh),
        ]
        _poly(img, left, _tone(col, 1.05, 5) if lit_left else _tone(col, 0.78))
        _poly(img, right, _tone(col, 0.78) if lit_left else _tone(col, 1.05, 5))
        cv2.line(img, _p(cx, top + 0.52 * hh), _p(cx, top + 0.99 * hh), _tone(col, 0.6), 1)
    else:  # black (or dark) cloth mask, rounded by facets
        col = _c(rng, 15, 45) if rng.random() < 0.7 else _c(rng, 40, 120)
        body = [
            _p(cx - 0.46 * hw, top + 0.6 * hh),
            _p(cx - 0.2 * hw, top + 0.55 * hh),
            _p(cx + 0.2 * hw, top + 0.55 * hh),
            _p(cx + 0.46 * hw, top + 0.6 * hh),
            _p(cx + 0.38 * hw, top + 0.88 * hh),
            _p(cx + 0.12 * hw, top + 0.98 * hh),
            _p(cx - 0.12 * hw, top + 0.98 * hh),
            _p(cx - 0.38 * hw, top + 0.88 * hh),
        ]
        _facets(img, body, col, cx, lit_left)
        loop = _tone(col, 1.4, 15)
    for side in (-1, 1):  # ear loops
        cv2.line(
            img,
            _p(cx + side * 0.45 * hw, top + 0.62 * hh),
            _p(cx + side * 0.5 * hw, top + 0.48 * hh),
            loop,
            1,
        )


def worker(img: Image, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator) -> Box:
    cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
    lit_left = bool(rng.random() < 0.5)
    skin = _body(img, spec, g, rng, lit_left)
    fx = cx + spec.turn * hw * 0.14
    head = [  # a faceted head filling its box, hair top to chin, ear to ear
        _p(cx - 0.3 * hw, top),
        _p(cx + 0.3 * hw, top),
        _p(cx + 0.46 * hw, top + 0.18 * hh),
        _p(cx + 0.47 * hw, top + 0.45 * hh),
        _p(cx + 0.4 * hw, top + 0.75 * hh),
        _p(fx + 0.14 * hw, top + hh),
        _p(fx - 0.14 * hw, top + hh),
        _p(cx - 0.4 * hw, top + 0.75 * hh),
        _p(cx - 0.47 * hw, top + 0.45 * hh),
        _p(cx - 0.46 * hw, top + 0.18 * hh),
    ]
    _facets(img, head, skin, fx, lit_left)
    for side in (-1, 1):  # ears reach the box's sides
        ear = [
            _p(cx + side * 0.45 * hw, top + 0.4 * hh),
            _p(cx + side * 0.5 * hw, top + 0.43 * hh),
            _p(cx + side * 0.49 * hw, top + 0.6 * hh),
            _p(cx + side * 0.43 * hw, top + 0.62 * hh),
        ]
        _poly(img, ear, _tone(skin, 0.85))
    jaw = [
        _p(cx - 0.4 * hw, top + 0.75 * hh),
        _p(fx, top + 0.82 * hh),
        _p(cx + 0.4 * hw, top + 0.75 * hh),
        _p(fx + 0.14 * hw, top + hh),
        _p(fx - 0.14 * hw, top + hh),
    ]
    _poly(img, jaw, _tone(skin, 0.9))
    ink = _tone(skin, 0.35)
    e = max(1, int(hw * 0.06))
    for dx in (-0.18, 0.18):  # eyes and brows
        ex, ey = fx + dx * hw, top + 0.47 * hh
        cv2.rectangle(img, _p(ex - e, ey - e * 0.6), _p(ex + e, ey + e * 0.6), (30, 25, 25), -1)
        cv2.line(img, _p(ex - e * 1.5, ey - e * 2), _p(ex + e * 1.5, ey - e * 2.2), ink, 1)
    nose = [
        _p(fx, top + 0.5 * hh),
        _p(fx + 0.08 * hw, top + 0.66 * hh),
        _p(fx - 0.06 * hw, top + 0.66 * hh),
    ]
    _poly(img, nose, _tone(skin, 0.7))
    if spec.mask:
        _mask(img, g, rng, lit_left)
    else:
        mouth = [
            _p(fx - 0.12 * hw, top + 0.79 * hh),
            _p(fx + 0.12 * hw, top + 0.79 * hh),
            _p(fx, top + 0.84 * hh),
        ]
        _poly(img, mouth, _tone(skin, 0.45))
    if spec.hat:
        _hat(img, g, rng, lit_left)
    else:
        _hair(img, g, rng, lit_left, skin)
    return (cx - hw / 2, top, cx + hw / 2, top + hh)


# ----------------------------------------------------------------------------- rodents


def rodent(img: Image, geom: tuple[float, float, float, float], rng: np.random.Generator) -> Box:
    x, y, length, f = geom
    r = rng.random()
    if r < 0.4:
        col = _c(rng, 85, 120)  # grey
    elif r < 0.75:
        col = (int(rng.uniform(35, 55)), int(rng.uniform(60, 85)), int(rng.uniform(90, 125)))
    else:
        col = _c(rng, 25, 45)  # black
    bl, bh = length * 0.36, length * 0.2
    tail = [_p(x - f * bl * 0.95, y - bh * 0.5)]
    wav = rng.uniform(0.3, 0.9)
    for k in range(1, 5):  # a long tail in straight segments, thinning out
        tail.append(_p(x - f * (bl + length * 0.18 * k), y - bh * (0.3 + wav * np.sin(k * 1.3))))
    pink = _tone((150, 150, 190), 0.9) if col[0] > 60 else (70, 75, 100)
    for k in range(len(tail) - 1):
        cv2.line(img, tail[k], tail[k + 1], pink, max(1, int(length * 0.04 * (1 - k / 4))))
    for dx in (-0.6, 0.5):  # feet
        cv2.line(
            img, _p(x + f * dx * bl, y - bh * 0.4), _p(x + f * (dx * bl + 2), y), _tone(col, 0.5), 1
        )
    back = rng.uniform(1.7, 2.0)
    body = [
        _p(x - f * bl, y - bh * 0.35),
        _p(x - f * bl * 0.75, y - bh * 1.5),
        _p(x - f * bl * 0.1, y - bh * back),
        _p(x + f * bl * 0.75, y - bh * 1.55),
        _p(x + f * bl * 0.85, y - bh * 0.25),
        _p(x + f * bl * 0.1, y - bh * 0.05),
    ]
    _poly(img, body, _tone(col, 0.7))  # belly in shade
    top_ = [body[0], body[1], body[2], body[3], _p(x + f * bl * 0.2, y - bh * 1.1)]
    _poly(img, top_, _tone(col, 1.15, 10))  # the lit back
    nose = (x + f * bl * 1.45, y - bh * 0.6)
    head = [_p(x + f * bl * 0.65, y - bh * 1.6), _p(*nose), _p(x + f * bl * 0.7, y - bh * 0.2)]
    _poly(img, head, col)
    _poly(img, [head[0], _p(*nose), _p(x + f * bl * 0.95, y - bh * 0.95)], _tone(col, 1.25, 12))
    ear_top = y - bh * 2.3
    ear = [
        _p(x + f * bl * 0.55, y - bh * 1.5),
        _p(x + f * bl * 0.68, ear_top),
        _p(x + f * bl * 0.9, y - bh * 1.45),
    ]
    _poly(img, ear, pink)
    cv2.circle(img, _p(x + f * bl * 1.0, y - bh * 1.05), max(1, int(bh * 0.15)), (10, 10, 10), -1)
    x1 = min(x - bl, nose[0], x + bl)
    x2 = max(x + bl, nose[0], x - bl)
    return (x1, min(ear_top, y - bh * back), x2, y)


# ----------------------------------------------------------------------------- hard negatives


def distractor(img: Image, kind: str, layout: Layout, rng: np.random.Generator, s: float) -> None:
    h, w = img.shape[:2]
    x = rng.uniform(0.02, 0.95) * w
    fy = rng.uniform(layout.horizon + 4 * s, h - 2)  # a floor spot
    rail = float(layout.shelf_y)
    lit_left = bool(rng.random() < 0.5)
    if kind == "bowl":  # white bowls on the rail, upside down or upright: head-sized pale shapes
        r = rng.uniform(6, 13) * s
        col = _c(rng, 220, 256)
        if rng.random() < 0.5:
            pts = [
                _p(x - r, rail),
                _p(x - r * 0.7, rail - r * 0.8),
                _p(x + r * 0.7, rail - r * 0.8),
                _p(x + r, rail),
            ]
        else:
            pts = [
                _p(x - r, rail - r * 0.8),
                _p(x + r, rail - r * 0.8),
                _p(x + r * 0.6, rail),
                _p(x - r * 0.6, rail),
            ]
        _facets(img, pts, col, x, lit_left)
    elif kind == "towel":  # a white or striped towel hanging from the rail
        tw, th = rng.uniform(8, 18) * s, rng.uniform(12, 28) * s
        col = _c(rng, 215, 256)
        pts = [
            _p(x, rail),
            _p(x + tw, rail),
            _p(x + tw * 1.05, rail + th),
            _p(x - tw * 0.05, rail + th),
        ]
        _facets(img, pts, col, x + tw * rng.uniform(0.3, 0.7), lit_left)
        if rng.random() < 0.5:
            stripe = _c(rng, 40, 200)
            y = rail + th * 0.8
            cv2.line(img, _p(x, y), _p(x + tw, y), stripe, max(1, int(2 * s)))
    elif kind == "ladle":  # a hanging ladle: handle and a faceted cup at head height
        ln = rng.uniform(14, 30) * s
        steel = _c(rng, 150, 220)
        cv2.line(img, _p(x, rail), _p(x, rail + ln), steel, max(1, int(1.5 * s)))
        r = rng.uniform(4, 8) * s
        cup = [
            _p(x - r, rail + ln),
            _p(x + r, rail + ln),
            _p(x + r * 0.6, rail + ln + r),
            _p(x - r * 0.6, rail + ln + r),
        ]
        _facets(img, cup, steel, x, lit_left)
    elif kind == "lid":  # a pot lid with a knob, hung on the wall or leaning on the floor
        r = rng.uniform(6, 14) * s
        y = rail + r * 1.2 if rng.random() < 0.5 else fy - r
        col = _c(rng, 140, 230)
        pts = [
            _p(x + r * np.cos(a), y + r * 0.85 * np.sin(a))
            for a in np.linspace(0, 2 * np.pi, 8, endpoint=False)
        ]
        _facets(img, pts, col, x, lit_left)
        cv2.rectangle(
            img, _p(x - r * 0.15, y - r * 0.15), _p(x + r * 0.15, y + r * 0.15), (30, 30, 30), -1
        )
    elif kind == "shoe":  # a dark shoe on the floor
        ln = rng.uniform(10, 18) * s
        d = 1 if rng.random() < 0.5 else -1
        pts = [
            _p(x, fy),
            _p(x + d * ln, fy),
            _p(x + d * ln * 0.9, fy - ln * 0.3),
            _p(x + d * ln * 0.4, fy - ln * 0.35),
            _p(x + d * ln * 0.2, fy - ln * 0.55),
            _p(x, fy - ln * 0.5),
        ]
        _facets(img, pts, _c(rng, 15, 60), x + d * ln * 0.5, lit_left)
    elif kind == "sponge":  # a dark sponge with a scouring layer: rodent-sized and -coloured
        sw, sh = rng.uniform(7, 14) * s, rng.uniform(3, 6) * s
        col = _c(rng, 25, 90)
        _facets(
            img,
            [_p(x, fy), _p(x + sw, fy), _p(x + sw * 0.95, fy - sh), _p(x + sw * 0.05, fy - sh)],
            col,
            x + sw * 0.6,
            lit_left,
        )
        cv2.line(
            img,
            _p(x + sw * 0.05, fy - sh),
            _p(x + sw * 0.95, fy - sh),
            (40, 90, 40),
            max(1, int(1.5 * s)),
        )
    elif kind == "brush":  # a scrubbing brush: a dark block with bristles
        bw, bh = rng.uniform(10, 20) * s, rng.uniform(4, 7) * s
        col = _c(rng, 20, 110)
        _facets(
            img,
            [
                _p(x, fy - bh * 0.4),
                _p(x + bw, fy - bh * 0.4),
                _p(x + bw * 0.85, fy - bh),
                _p(x + bw * 0.15, fy - bh),
            ],
            col,
            x + bw * 0.5,
            lit_left,
        )
        for k in range(int(bw / max(1.0, 2 * s))):
            bx = x + k * 2 * s
            cv2.line(img, _p(bx, fy - bh * 0.4), _p(bx, fy), (40, 40, 45), 1)
        if rng.random() < 0.5:  # a long handle
            cv2.line(
                img,
                _p(x + bw * 0.5, fy - bh),
                _p(x + bw * 0.5 + 8 * s, fy - 45 * s),
                col,
                max(1, int(2 * s)),
            )
    elif kind == "cat":  # a faceted sitting or walking cat
        sz = rng.uniform(12, 24) * s
        col = _c(rng, 30, 200) if rng.random() < 0.6 else (60, 120, 200)
        d = 1 if rng.random() < 0.5 else -1
        body = [
            _p(x - d * sz * 0.7, fy),
            _p(x - d * sz * 0.8, fy - sz * 0.6),
            _p(x, fy - sz * 0.75),
            _p(x + d * sz * 0.55, fy - sz * 0.6),
            _p(x + d * sz * 0.6, fy),
        ]
        _facets(img, body, col, x, lit_left)
        hx, hy = x + d * sz * 0.65, fy - sz * 0.95
        head = [
            _p(hx - sz * 0.28, hy - sz * 0.1),
            _p(hx - sz * 0.25, hy - sz * 0.45),
            _p(hx - sz * 0.1, hy - sz * 0.25),
            _p(hx + sz * 0.1, hy - sz * 0.25),
            _p(hx + sz * 0.25, hy - sz * 0.45),
            _p(hx + sz * 0.28, hy - sz * 0.1),
            _p(hx, hy + sz * 0.2),
        ]
        _facets(img, head, col, hx, lit_left)
        tail = [
            _p(x - d * sz * 0.75, fy - sz * 0.2),
            _p(x - d * sz * 1.1, fy - sz * 0.6),
            _p(x - d * sz * 1.0, fy - sz * 1.0),
        ]
        for k in range(2):
            cv2.line(img, tail[k], tail[k + 1], _tone(col, 0.7), max(1, int(sz * 0.1)))


# ----------------------------------------------------------------------------- lighting


def light(img: Image, rng: np.random.Generator, night: bool, ir: bool) -> Image:
    h, w = img.shape[:2]
    f = img.astype(np.float32)
    ox, oy = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.3, 0.6)
    dx = ((np.arange(w, dtype=np.float32) - ox) / w) ** 2
    dy = ((np.arange(h, dtype=np.float32) - oy) / h) ** 2
    rad = dy[:, None] + dx[None, :]
    if night and ir:  # grey, a bright illuminator spot, a strong vignette and grain
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
        vig = np.clip(1.25 - rng.uniform(1.5, 2.5) * rad, 0.25, 1.25)
        g = grey * rng.uniform(0.6, 0.95) * vig + rng.uniform(0, 20)
        g += rng.standard_normal((h, w), np.float32) * np.float32(6)
        f = np.repeat(g[..., None], 3, axis=2)
    else:
        mode = rng.random()
        if mode < 0.4:
            tint = np.array([0.82, 0.97, 1.15], np.float32)  # warm tungsten
        elif mode < 0.75:
            tint = np.array([1.14, 1.03, 0.86], np.float32)  # cold fluorescent
        else:
            tint = np.array([1.0, 1.0, 1.0], np.float32)
        vig = np.clip(1.1 - rng.uniform(0.6, 1.6) * rad, 0.3, 1.1)
        gain = rng.uniform(0.2, 0.4) if night else rng.uniform(0.85, 1.15)
        f *= vig[..., None] * (tint * np.float32(gain))
        f += rng.standard_normal((h, w, 1), np.float32) * np.float32(6 if night else 2.5)
    np.clip(f, 0, 255, out=f)
    return f.astype(np.uint8)


KIT = StyleKit(
    name="blocky",
    background=background,
    worker=worker,
    rodent=rodent,
    distractor=distractor,
    light=light,
    distractors=("bowl", "towel", "ladle", "lid", "shoe", "sponge", "brush", "cat"),
)
