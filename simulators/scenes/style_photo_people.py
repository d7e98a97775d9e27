"""Painting helpers and the kitchen workers of scene style `photo`.

Every part of a person is an anti-aliased sub-pixel polygon alpha-blended into the frame
and shaded like a rounded surface lit from the scene's light side, so edges are soft and
bodies look solid, as in a camera picture rather than a cartoon. Random choices are
drawn up front in a fixed order, so a worker with and without a hat or a mask differs
only where the hat or the mask is painted. Skin, hair and hat colours keep a contrast
margin against the wall behind them (a pale head is never lost on a pale wall).
"""

import math

import cv2
import numpy as np

from simulators.scenes.compose import Box, Image
from simulators.scenes.spec import WorkerSpec

Color = tuple[int, int, int]
Pts = np.ndarray

SKIN: tuple[Color, ...] = (  # BGR, from very dark to very fair
    (38, 52, 78),
    (52, 72, 105),
    (66, 92, 135),
    (82, 115, 160),
    (98, 135, 180),
    (115, 152, 200),
    (135, 172, 215),
    (160, 192, 232),
    (178, 205, 240),
)
HAIR: tuple[Color, ...] = (  # black, dark brown, brown, blonde, grey, white, auburn
    (22, 22, 26),
    (28, 38, 55),
    (40, 62, 95),
    (110, 170, 210),
    (140, 140, 145),
    (220, 222, 225),
    (35, 65, 140),
)
CAPS: tuple[Color, ...] = (  # disposable caps: white, blue, green, pink, black, red
    (245, 245, 245),
    (215, 150, 70),
    (130, 190, 120),
    (200, 170, 245),
    (35, 35, 38),
    (50, 50, 200),
)
MASKS: tuple[Color, ...] = (  # surgical: light blue, white, black, pink
    (235, 205, 165),
    (240, 240, 240),
    (40, 40, 42),
    (205, 185, 240),
)
CLOTH: tuple[Color, ...] = (
    (70, 40, 30),
    (60, 60, 150),
    (120, 110, 90),
    (40, 110, 60),
    (160, 90, 40),
)
UNIFORM: tuple[Color, ...] = (
    (240, 240, 238),
    (245, 245, 245),
    (225, 228, 230),
    (40, 40, 42),
    (120, 70, 30),
    (60, 60, 170),
    (70, 130, 70),
    (150, 110, 60),
)


def _p(x: float, y: float) -> tuple[int, int]:
    return round(x), round(y)


def ell(cx: float, cy: float, rx: float, ry: float, a0: float = 0.0, a1: float = 360.0) -> Pts:
    """Points of an ellipse arc (degrees, 0 = right, 90 = down) as a float polygon."""
    n = max(8, int(abs(a1 - a0) / 12))
    t = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def quad(a: tuple[float, float], b: tuple[float, float], wa: float, wb: float) -> Pts:
    """A limb segment from a to b, wa wide at a and wb wide at b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = max(1e-6, math.hypot(dx, dy))
    nx, ny = -dy / n, dx / n
    return np.array(
        [
            (a[0] + nx * wa / 2, a[1] + ny * wa / 2),
            (b[0] + nx * wb / 2, b[1] + ny * wb / 2),
            (b[0] - nx * wb / 2, b[1] - ny * wb / 2),
            (a[0] - nx * wa / 2, a[1] - ny * wa / 2),
        ]
    )


def paint(
    img: Image, pts: Pts, col: Color, lx: float = 0.0, depth: float = 0.35, alpha: float = 1.0
) -> None:
    """Blend a soft-edged polygon into img, shaded like a rounded surface lit from lx.

    Sub-pixel anti-aliased edges and a cylinder-like brightness falloff away from the lit
    side are what make flat shapes read as solid objects in a photograph.
    """
    h, w = img.shape[:2]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    px0, py0, px1, py1 = float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])
    x0, x1 = max(0, int(px0) - 1), min(w, math.ceil(px1) + 2)
    y0, y1 = max(0, int(py0) - 1), min(h, math.ceil(py1) + 2)
    if x1 <= x0 or y1 <= y0:
        return
    if alpha >= 1.0 and (px1 - px0) * (py1 - py0) < 30:  # too small to show shading
        q = np.round(pts * 16).astype(np.int32)
        cv2.fillPoly(img, [q], shade(col, 1.0 - 0.1 * depth), cv2.LINE_AA, shift=4)
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    q = np.round((pts - np.array([x0, y0])) * 16).astype(np.int32)
    cv2.fillPoly(mask, [q], 255, cv2.LINE_AA, shift=4)
    a = mask.astype(np.float32)[..., None]
    a *= alpha / 255.0
    u = (np.arange(x0, x1, dtype=np.float32) + (0.5 - px0)) / max(1.0, px1 - px0)
    v = (np.arange(y0, y1, dtype=np.float32) + (0.5 - py0)) / max(1.0, py1 - py0)
    sx = np.minimum(np.maximum(1.1 - depth * 1.6 * np.abs(u - (0.5 - 0.3 * lx)), 0.45), 1.2)
    sy = 1.05 - 0.12 * np.minimum(np.maximum(v, 0), 1)
    tone = np.outer(sy, sx)[..., None] * np.array(col, np.float32)
    np.minimum(tone, 255, out=tone)
    roi = img[y0:y1, x0:x1]
    tone -= roi
    tone *= a
    tone += roi
    roi[:] = tone


def shade(col: Color, f: float) -> Color:
    return (
        int(min(255, col[0] * f)),
        int(min(255, col[1] * f)),
        int(min(255, col[2] * f)),
    )


def _gap(a: Color, b: np.ndarray) -> float:
    """How far a colour stands out from a backdrop, on its lit and on its shaded side."""
    lit = float(np.max(np.abs(np.array(a, np.float32) - b)))
    sides = min(float(np.max(np.abs(np.array(shade(a, f), np.float32) - b))) for f in (0.75, 1.1))
    return min(lit, sides + 17.0)


def backdrop(img: Image, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Mean colour of what is already painted in a box (the wall behind a head)."""
    h, w = img.shape[:2]
    xa, xb = max(0, int(x0)), min(w, math.ceil(x1))
    ya, yb = max(0, int(y0)), min(h, math.ceil(y1))
    if xb <= xa or yb <= ya:
        return np.full(3, 128.0, np.float32)
    return np.asarray(img[ya:yb, xa:xb].reshape(-1, 3).mean(axis=0), np.float32)


def contrast(col: Color, behind: list[np.ndarray], margin: float = 62.0) -> Color:
    """`col`, darkened or lightened until it stands out from every backdrop colour."""
    out = col
    for _ in range(8):
        if all(_gap(out, b) >= margin for b in behind):
            return out
        bright = float(np.mean(behind[0]))
        out = (
            shade(out, 0.72)
            if bright > 110
            else shade((out[0] + 30, out[1] + 30, out[2] + 30), 1.2)
        )
    return out


def pick(
    palette: tuple[Color, ...], start: int, behind: list[np.ndarray], margin: float = 62.0
) -> Color:
    """The palette colour nearest in brightness to `palette[start]` that contrasts with
    the backdrop, so a wall rules out only the tones it would hide, not a whole range."""
    want = palette[start % len(palette)]
    ok = [c for c in palette if all(_gap(c, b) >= margin for b in behind)]
    if not ok:
        return contrast(want, behind, margin)
    if want in ok:
        return want
    return min(ok, key=lambda c: (abs(sum(c) - sum(want)), palette.index(c)))


class Look:
    """Every random choice for one worker, drawn in a fixed order before painting."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.skin_i = int(rng.integers(len(SKIN)))
        self.hair_i = int(rng.integers(len(HAIR)))
        self.hair_style = str(rng.choice(["short", "tied", "bun", "fringe", "bald", "shaved"]))
        self.top_wear = str(rng.choice(["chef", "chef", "polo", "tee"]))
        self.uniform = UNIFORM[int(rng.integers(len(UNIFORM)))]
        self.chef_white = UNIFORM[int(rng.integers(3))]
        self.apron = bool(rng.random() < 0.55)
        self.apron_col = tuple(int(v) for v in rng.integers(20, 240, size=3))
        self.trousers = tuple(int(v) for v in rng.integers(20, 90, size=3))
        self.long_sleeve = bool(rng.random() < 0.6)
        self.lx = float(rng.uniform(-1, 1))
        self.arm_l = float(rng.uniform(0.15, 0.32))
        self.arm_r = float(rng.uniform(0.15, 0.32))
        self.hat_kind = str(
            rng.choice(["toque", "bouffant", "bouffant", "skull", "net", "bandana"])
        )
        self.cap_i = int(rng.integers(len(CAPS)))
        self.cloth = CLOTH[int(rng.integers(len(CLOTH)))]
        self.mask_kind = str(rng.choice(["surgical", "surgical", "cloth", "kn95"]))
        self.mask_i = int(rng.integers(len(MASKS)))
        self.pattern = int(rng.integers(3))
        self.lip = (
            int(rng.integers(70, 110)),
            int(rng.integers(80, 110)),
            int(rng.integers(140, 190)),
        )


def _legs(img: Image, lk: Look, cx: float, fy: float, ph: float, waist: float) -> None:
    """Trousers and shoes, feet on the floor line."""
    trousers: Color = (lk.trousers[0], lk.trousers[1], lk.trousers[2])
    for side in (-1, 1):
        leg = np.array(
            [
                (cx + side * 0.005 * ph, waist),
                (cx + side * 0.12 * ph, waist),
                (cx + side * 0.085 * ph, fy - 0.02 * ph),
                (cx + side * 0.02 * ph, fy - 0.02 * ph),
            ]
        )
        paint(img, leg, trousers, lk.lx, 0.4)
        shoe = ell(cx + side * 0.06 * ph, fy - 0.012 * ph, 0.045 * ph, 0.018 * ph)
        paint(img, shoe, (25, 25, 28), lk.lx, 0.2)


def _torso(img: Image, lk: Look, cx: float, ph: float, neck: float, waist: float) -> Color:
    """Jacket or shirt with an optional apron; returns the sleeve colour."""
    coat = lk.chef_white if lk.top_wear == "chef" else lk.uniform
    sh = 0.135 * ph
    body = np.array(
        [
            (cx - sh * 0.6, neck - 0.005 * ph),
            (cx + sh * 0.6, neck - 0.005 * ph),
            (cx + sh, neck + 0.03 * ph),
            (cx + sh * 0.92, waist + 0.06 * ph),
            (cx - sh * 0.92, waist + 0.06 * ph),
            (cx - sh, neck + 0.03 * ph),
        ]
    )
    paint(img, body, coat, lk.lx, 0.45)
    if lk.top_wear == "chef":  # double-breasted buttons
        dark = shade(coat, 0.7)
        for k in range(4):
            y = neck + (0.06 + 0.07 * k) * ph
            for dx in (-0.045, 0.045):
                cv2.circle(img, _p(cx + dx * ph, y), max(1, int(0.008 * ph)), dark, -1)
    else:  # collar
        paint(img, ell(cx, neck + 0.01 * ph, 0.05 * ph, 0.02 * ph, 0, 180), shade(coat, 0.85))
    if lk.apron:
        ac: Color = (lk.apron_col[0], lk.apron_col[1], lk.apron_col[2])
        top = neck + 0.1 * ph if lk.top_wear == "chef" else waist - 0.02 * ph
        apron = np.array(
            [
                (cx - sh * 0.55, top),
                (cx + sh * 0.55, top),
                (cx + sh * 0.8, waist + 0.2 * ph),
                (cx - sh * 0.8, waist + 0.2 * ph),
            ]
        )
        paint(img, apron, ac, lk.lx, 0.3)
    return coat


def _arms(
    img: Image, spec: WorkerSpec, lk: Look, g: dict[str, float], sleeve: Color, skin: Color
) -> None:
    """Two arms in sleeves, hands in skin tone; one raised with `arms_up`."""
    cx, ph, neck = g["cx"], g["ph"], g["top"] + g["hh"]
    for side, reach in ((-1, lk.arm_l), (1, lk.arm_r)):
        sho = (cx + side * 0.125 * ph, neck + 0.04 * ph)
        if spec.arms_up and side == 1:
            elbow = (cx + 0.24 * ph, neck + 0.02 * ph)
            hand = (cx + 0.29 * ph, neck - 0.07 * ph)
        else:
            elbow = (cx + side * (0.15 + 0.1 * reach) * ph, neck + 0.19 * ph)
            hand = (cx + side * (0.1 + 0.35 * reach) * ph, neck + 0.33 * ph)
        paint(img, quad(sho, elbow, 0.065 * ph, 0.05 * ph), sleeve, lk.lx, 0.4)
        fore = sleeve if lk.long_sleeve else skin
        paint(img, quad(elbow, hand, 0.05 * ph, 0.04 * ph), fore, lk.lx, 0.4)
        paint(img, ell(hand[0], hand[1], 0.024 * ph, 0.028 * ph), skin, lk.lx, 0.3)


def _long_hair(img: Image, lk: Look, g: dict[str, float], hair: Color) -> None:
    """Tied hair: a ponytail hanging behind the neck, drawn before the body."""
    if lk.hair_style != "tied":
        return
    cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
    tail = np.array(
        [
            (cx - 0.3 * hw, top + 0.6 * hh),
            (cx + 0.3 * hw, top + 0.6 * hh),
            (cx + 0.2 * hw, top + 1.45 * hh),
            (cx - 0.2 * hw, top + 1.45 * hh),
        ]
    )
    paint(img, tail, hair, lk.lx, 0.5)


def _head(img: Image, spec: WorkerSpec, lk: Look, g: dict[str, float], skin: Color) -> None:
    """Neck, ears and the face oval filling the head box."""
    cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
    neck = np.array(
        [
            (cx - 0.24 * hw, top + 0.75 * hh),
            (cx + 0.24 * hw, top + 0.75 * hh),
            (cx + 0.27 * hw, top + hh + 0.05 * g["ph"]),
            (cx - 0.27 * hw, top + hh + 0.05 * g["ph"]),
        ]
    )
    paint(img, neck, shade(skin, 0.85), lk.lx, 0.4)
    for side in (-1, 1):
        if spec.turn * side < -0.6:  # the far ear is hidden in profile
            continue
        ex = cx + side * (0.42 * hw) + spec.turn * 0.05 * hw
        paint(img, ell(ex, top + 0.55 * hh, 0.085 * hw, 0.12 * hh), shade(skin, 0.92), lk.lx)
    face = ell(cx + spec.turn * 0.03 * hw, top + 0.5 * hh, 0.44 * hw, 0.5 * hh)
    paint(img, face, skin, lk.lx - 0.6 * spec.turn, 0.25)


def _hair(img: Image, spec: WorkerSpec, lk: Look, g: dict[str, float], hair: Color) -> None:
    """Hair on the top of the skull in one of several natural shapes (never above it)."""
    cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
    hx = cx + spec.turn * 0.03 * hw
    style = lk.hair_style
    if style == "bald":
        return
    if style == "shaved":
        paint(img, ell(hx, top + 0.5 * hh, 0.44 * hw, 0.5 * hh, 180, 360), hair, lk.lx, 0.3, 0.45)
        return
    line = {"short": 0.26, "tied": 0.24, "bun": 0.22, "fringe": 0.36}[style]
    cap = ell(hx, top + 0.5 * hh, 0.46 * hw, 0.5 * hh, 170, 370)
    side_drop = np.array([(hx + 0.46 * hw, top + 0.55 * hh), (hx - 0.46 * hw, top + 0.55 * hh)])
    fringe = np.array(
        [
            (hx + 0.3 * hw, top + line * hh),
            (hx + 0.1 * hw, top + (line + 0.05) * hh),
            (hx - 0.15 * hw, top + (line + 0.02) * hh),
            (hx - 0.32 * hw, top + (line + 0.06) * hh),
        ]
    )
    shape = np.concatenate([cap, side_drop[:1], fringe, side_drop[1:]])
    paint(img, shape, hair, lk.lx, 0.45)
    if style == "bun":
        paint(img, ell(hx, top + 0.1 * hh, 0.17 * hw, 0.1 * hh), shade(hair, 1.1), lk.lx)


def _face(img: Image, spec: WorkerSpec, lk: Look, g: dict[str, float], hair: Color) -> None:
    """Eyes, brows, nose and mouth, shifted and foreshortened by the head turn."""
    cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
    fx = cx + spec.turn * 0.2 * hw
    gap = 0.19 * hw * (1 - 0.35 * abs(spec.turn))
    ey = top + 0.5 * hh
    r = max(1, round(0.055 * hw))
    for side in (-1, 1):
        if spec.turn * side < -0.75:
            continue
        x = fx + side * gap
        cv2.ellipse(img, _p(x, ey), (r + 1, max(1, r - 1)), 0, 0, 360, (215, 215, 220), -1)
        cv2.circle(img, _p(x + spec.turn * r * 0.5, ey), max(1, r - 1), (30, 25, 25), -1)
        cv2.line(img, _p(x - r * 1.3, ey - 0.08 * hh), _p(x + r * 1.3, ey - 0.09 * hh), hair, 1)
    nose = np.array(
        [
            (fx, ey + 0.04 * hh),
            (fx + (0.08 + 0.1 * spec.turn) * hw, ey + 0.2 * hh),
            (fx, ey + 0.21 * hh),
        ]
    )
    paint(img, nose, (60, 70, 95), 0.0, 0.0, 0.35)
    mw = 0.13 * hw
    cv2.line(
        img,
        _p(fx - mw, ey + 0.3 * hh),
        _p(fx + mw, ey + 0.3 * hh),
        lk.lip,
        max(1, round(0.04 * hw)),
    )


def _mask(img: Image, spec: WorkerSpec, lk: Look, g: dict[str, float]) -> None:
    """Surgical, cloth or KN95 mask over nose and mouth, below the eyes, inside the head box."""
    cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
    fx = cx + spec.turn * 0.12 * hw
    y0, y1 = top + 0.6 * hh, top + 0.97 * hh
    half = 0.42 * hw
    if lk.mask_kind == "kn95":
        col = MASKS[lk.mask_i % 2]
        pts = np.array(
            [
                (fx - half, y0 + 0.06 * hh),
                (fx, y0 - 0.02 * hh),
                (fx + half, y0 + 0.06 * hh),
                (fx + half * 0.8, y1 - 0.08 * hh),
                (fx, y1),
                (fx - half * 0.8, y1 - 0.08 * hh),
            ]
        )
        paint(img, pts, col, lk.lx, 0.5)
        cv2.line(img, _p(fx, y0), _p(fx, y1 - 1), shade(col, 0.75), 1)
    else:
        col = MASKS[lk.mask_i] if lk.mask_kind == "surgical" else lk.cloth
        pts = np.concatenate(
            [
                ell(fx, y0 + 0.05 * hh, half, 0.05 * hh, 180, 360),
                ell(fx, y1 - 0.12 * hh, half, 0.12 * hh, 0, 180),
            ]
        )
        paint(img, pts, col, lk.lx, 0.4)
        if lk.mask_kind == "surgical":  # pleats
            for k in (0.3, 0.5, 0.7):
                y = y0 + k * (y1 - y0)
                cv2.line(img, _p(fx - half * 0.9, y), _p(fx + half * 0.9, y), shade(col, 0.82), 1)
        else:
            _pattern(img, lk, fx, y0, y1, half)
    for side in (-1, 1):  # ear loops
        x = fx + side * half
        cv2.line(
            img,
            _p(x, y0 + 0.05 * hh),
            _p(cx + side * 0.44 * hw, top + 0.56 * hh),
            (200, 200, 200),
            1,
        )


def _pattern(img: Image, lk: Look, fx: float, y0: float, y1: float, half: float) -> None:
    """Dots or stripes on a cloth mask (pattern 0 leaves it plain)."""
    light = shade(lk.cloth, 1.8)
    if lk.pattern == 1:
        for k in range(5):
            for j in range(2):
                x = fx - half * 0.7 + k * half * 0.35
                cv2.circle(img, _p(x, y0 + (0.35 + 0.35 * j) * (y1 - y0)), 1, light, -1)
    elif lk.pattern == 2:
        for frac in (0.3, 0.6):
            ys = y0 + frac * (y1 - y0)
            cv2.line(img, _p(fx - half * 0.8, ys), _p(fx + half * 0.8, ys), light, 1)


def _hat(img: Image, lk: Look, g: dict[str, float], hair: Color, behind: list[np.ndarray]) -> None:
    """Head cover over the whole top of the head, always rising above the hair top."""
    cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
    kind = lk.hat_kind
    if kind == "toque":
        white = contrast((242, 242, 240), behind)
        band = np.array(
            [
                (cx - 0.5 * hw, top - 0.1 * hh),
                (cx + 0.5 * hw, top - 0.1 * hh),
                (cx + 0.49 * hw, top + 0.33 * hh),
                (cx - 0.49 * hw, top + 0.33 * hh),
            ]
        )
        crown = ell(cx, top - 0.1 * hh - g["hat_h"] * 0.55, 0.62 * hw, g["hat_h"] * 0.7)
        paint(img, crown, white, lk.lx, 0.35)
        paint(img, band, white, lk.lx, 0.3)
        for k in (-0.3, 0.0, 0.3):  # pleats
            cv2.line(
                img,
                _p(cx + k * hw, top - 0.12 * hh),
                _p(cx + k * 1.2 * hw, top - g["hat_h"] * 0.9),
                shade(white, 0.85),
                1,
            )
        return
    if kind == "net":
        col = contrast(shade(hair, 0.7), behind)  # hair pressed flat under the net
        puff = np.concatenate(
            [
                ell(cx, top + 0.45 * hh, 0.5 * hw, 0.55 * hh, 180, 360),
                ell(cx, top + 0.42 * hh, 0.5 * hw, 0.06 * hh, 0, 180),
            ]
        )
        paint(img, puff, col, lk.lx, 0.4)
        mesh: Color = (200, 200, 200) if sum(col) < 300 else (40, 40, 40)
        net: Color = (150, 90, 40) if lk.cap_i % 2 else mesh  # a blue, black or white net
        paint(img, puff, net, lk.lx, 0.2, 0.35)
        for k in range(-4, 5):
            x = cx + k * 0.12 * hw
            cv2.line(
                img, _p(x - 0.1 * hw, top - 0.08 * hh), _p(x + 0.1 * hw, top + 0.42 * hh), mesh, 1
            )
        return
    col = CAPS[lk.cap_i] if kind != "bandana" else lk.cloth
    col = contrast(col, behind)
    rise, rim, wide = {
        "bouffant": (0.28, 0.38, 0.56),
        "skull": (0.08, 0.3, 0.49),
        "bandana": (0.12, 0.33, 0.5),
    }[kind]
    cap = np.concatenate(
        [
            ell(cx, top + rim * hh, wide * hw, (rim + rise) * hh, 180, 360),
            ell(cx, top + rim * hh, wide * hw, 0.05 * hh, 0, 180),
        ]
    )
    paint(img, cap, col, lk.lx, 0.4)
    if kind == "bouffant":  # gathers of the elastic rim
        for k in range(-3, 4):
            x = cx + k * 0.14 * hw
            cv2.line(img, _p(x, top + (rim - 0.12) * hh), _p(x, top + rim * hh), shade(col, 0.8), 1)
    elif kind == "bandana":  # knot at the side
        paint(img, ell(cx + 0.5 * hw, top + rim * hh, 0.09 * hw, 0.07 * hh), shade(col, 0.9), lk.lx)


def worker(img: Image, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator) -> Box:
    """Paint one worker from `worker_geometry`; return the head box (hair top to chin)."""
    lk = Look(rng)
    ph, cx, fy, hh, hw, top = g["ph"], g["cx"], g["fy"], g["hh"], g["hw"], g["top"]
    box = (cx - hw / 2, top, cx + hw / 2, top + hh)
    head_bg = backdrop(img, *box)
    crown_bg = backdrop(img, cx - 0.2 * hw, top - 0.05 * hh, cx + 0.2 * hw, top + 0.12 * hh)
    hat_bg = backdrop(img, cx - 0.4 * hw, top - g["hat_h"], cx + 0.4 * hw, top)
    skin = pick(SKIN, lk.skin_i, [head_bg, crown_bg])
    hair = pick(HAIR, lk.hair_i, [crown_bg, head_bg])
    neck = top + hh
    waist = fy - 0.47 * ph
    _long_hair(img, lk, g, hair)
    _legs(img, lk, cx, fy, ph, waist)
    sleeve = _torso(img, lk, cx, ph, neck, waist)
    _arms(img, spec, lk, g, sleeve, skin)
    _head(img, spec, lk, g, skin)
    _hair(img, spec, lk, g, hair)
    _face(img, spec, lk, g, hair)
    if spec.mask:
        _mask(img, spec, lk, g)
    if spec.hat:
        _hat(img, lk, g, hair, [hat_bg, crown_bg])
    return box
