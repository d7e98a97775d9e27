"""Scene style `flat`: a flat-colour illustration kitchen, drawn independently of classic.

Painted wall panels and a perspective floor (no tiles), stainless benches with
highlights, cool fluorescent light. Workers are capsule bodies with round heads and
bob or cropped hair; hats are disposable mob caps (blue or white pleated discs) or
striped paper caps; masks are pleated surgical masks (blue, white, black). Rodents
are teardrop bodies with big round ears. Hard negatives: bowl stacks, hanging ladles,
blue cloths, black pans, sacks, floor shadows and cats.
"""

import math

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.compose import Box, Image, StyleKit
from simulators.scenes.spec import WorkerSpec

Color = tuple[int, int, int]


def _c(rng: np.random.Generator, lo: int, hi: int) -> Color:
    v = rng.integers(lo, hi, size=3)
    return int(v[0]), int(v[1]), int(v[2])


def _p(x: float, y: float) -> tuple[int, int]:
    return round(x), round(y)


def background(width: int, height: int, rng: np.random.Generator) -> tuple[Image, Layout]:
    s = height / 240.0
    img = np.zeros((height, width, 3), np.uint8)
    horizon = int(height * rng.uniform(0.4, 0.56))
    wall = _c(rng, 120, 230)
    img[:horizon] = wall
    # painted wall panels of two tones
    x = 0
    while x < width:
        pw = int(rng.uniform(0.12, 0.3) * width)
        if rng.random() < 0.5:
            tone = tuple(int(np.clip(c + rng.integers(-35, 35), 0, 255)) for c in wall)
            cv2.rectangle(img, (x, int(horizon * 0.35)), (x + pw, horizon), tone, -1)
        x += pw
    floor = _c(rng, 50, 150)
    img[horizon:] = floor
    vx = width * rng.uniform(0.3, 0.7)
    line = tuple(int(np.clip(c - 25, 0, 255)) for c in floor)
    for k in range(-6, 7):  # floor lines converging on a vanishing point
        cv2.line(img, _p(vx + k * width * 0.06, horizon), _p(vx + k * width * 0.4, height), line, 1)
    shelf_y = int(height * rng.uniform(0.12, 0.28))
    cv2.line(img, (0, shelf_y), (width - 1, shelf_y), _c(rng, 60, 140), max(2, int(3 * s)))
    counter_top = horizon - int(height * rng.uniform(0.09, 0.15))
    steel = _c(rng, 160, 225)
    cv2.rectangle(img, (0, counter_top), (width - 1, horizon), steel, -1)
    for _ in range(int(rng.integers(2, 6))):  # highlights on the steel
        hx = int(rng.uniform(0, width))
        cv2.line(img, (hx, counter_top + 2), (hx + int(20 * s), horizon - 2), (245, 245, 245), 1)
    pots: list[tuple[int, int, int]] = []
    for _ in range(int(rng.integers(0, 4))):
        r = int(rng.uniform(8, 20) * s)
        cx = int(rng.uniform(0.05, 0.95) * width)
        top = counter_top - int(r * rng.uniform(0.6, 1.2))
        col = _c(rng, 20, 120)
        cv2.rectangle(img, (cx - r, top), (cx + r, counter_top), col, -1)
        cv2.line(img, (cx - r - int(5 * s), top + 3), (cx + r + int(5 * s), top + 3), col, 2)
        pots.append((cx, top, r))
    layout = Layout(horizon=horizon, counter_top=counter_top, shelf_y=shelf_y, pots=tuple(pots))
    return img, layout


SKIN: tuple[Color, ...] = ((120, 160, 215), (100, 140, 195), (80, 115, 170), (150, 185, 230))
MASK_COL: tuple[Color, ...] = ((210, 170, 90), (240, 240, 240), (35, 35, 35), (200, 190, 120))


def worker(img: Image, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator) -> Box:
    ph, cx, fy, hh, hw, top = g["ph"], g["cx"], g["fy"], g["hh"], g["hw"], g["top"]
    uniform = _c(rng, 170, 256) if rng.random() < 0.6 else _c(rng, 20, 170)
    neck_y = top + hh
    body_w = 0.2 * ph
    # legs as two rounded bars, then a capsule body
    legs = _c(rng, 10, 90)
    lw = max(2, int(0.06 * ph))
    for dx in (-0.04, 0.04):
        cv2.line(img, _p(cx + dx * ph, fy - 0.45 * ph), _p(cx + dx * ph, fy - lw / 2), legs, lw)
    y0, y1 = neck_y + 0.03 * ph, fy - 0.4 * ph
    r = max(2, int(body_w / 2))
    cv2.rectangle(img, _p(cx - body_w / 2, y0 + r), _p(cx + body_w / 2, y1), uniform, -1)
    cv2.circle(img, _p(cx, y0 + r), r, uniform, -1)
    if rng.random() < 0.6:  # apron: a hard negative for masks and hats
        apron = _c(rng, 150, 256) if rng.random() < 0.5 else _c(rng, 30, 200)
        cv2.rectangle(img, _p(cx - body_w * 0.35, y0 + r), _p(cx + body_w * 0.35, y1), apron, -1)
    sleeve = max(2, int(0.05 * ph))
    for side in (-1, 1):
        sx = cx + side * body_w * 0.45
        if spec.arms_up and side == -1:
            end = (sx - 0.12 * ph, neck_y - 0.05 * ph)
        else:
            end = (sx + side * 0.06 * ph, neck_y + rng.uniform(0.25, 0.35) * ph)
        cv2.line(img, _p(sx, y0 + r * 0.6), _p(*end), uniform, sleeve)
        cv2.circle(img, _p(*end), max(1, sleeve // 2 + 1), SKIN[0], -1)
    skin = SKIN[int(rng.integers(len(SKIN)))]
    # round head filling the head box; hair as a cap of colour or a bob
    cv2.ellipse(
        img, _p(cx, top + hh / 2), (max(2, int(hw / 2)), max(2, int(hh / 2))), 0, 0, 360, skin, -1
    )
    hair = _c(rng, 10, 70)
    if rng.random() < 0.5:
        cv2.ellipse(
            img,
            _p(cx, top + hh / 2),
            (max(2, int(hw / 2)), max(2, int(hh / 2))),
            0,
            180,
            360,
            hair,
            -1,
        )
    else:
        cv2.ellipse(
            img,
            _p(cx, top + hh * 0.45),
            (max(2, int(hw / 2)), max(2, int(hh * 0.45))),
            0,
            160,
            380,
            hair,
            -1,
        )
    fx = cx + spec.turn * hw * 0.15
    for dx in (-0.17, 0.17):
        cv2.circle(img, _p(fx + dx * hw, top + hh * 0.55), max(1, int(hw * 0.05)), (20, 20, 20), -1)
    if spec.mask:
        mc = MASK_COL[int(rng.integers(len(MASK_COL)))]
        pts = np.array(
            [
                _p(cx - hw * 0.44, top + hh * 0.64),
                _p(cx + hw * 0.44, top + hh * 0.64),
                _p(cx + hw * 0.36, top + hh * 0.98),
                _p(cx - hw * 0.36, top + hh * 0.98),
            ],
            np.int32,
        )
        cv2.fillConvexPoly(img, pts, mc)
        pleat = tuple(max(0, c - 40) for c in mc)
        for dy in (0.74, 0.84, 0.92):
            cv2.line(
                img, _p(cx - hw * 0.38, top + hh * dy), _p(cx + hw * 0.38, top + hh * dy), pleat, 1
            )
    else:
        cv2.ellipse(
            img, _p(fx, top + hh * 0.8), (max(1, int(hw * 0.12)), 1), 0, 0, 180, (50, 50, 150), 1
        )
    if spec.hat:
        if rng.random() < 0.5:  # mob cap: a pleated disc over the hair
            cap = (230, 170, 90) if rng.random() < 0.5 else (245, 245, 245)
            cv2.ellipse(
                img,
                _p(cx, top + hh * 0.12),
                (max(2, int(hw * 0.62)), max(2, int(hh * 0.38))),
                0,
                180,
                360,
                cap,
                -1,
            )
            cv2.line(
                img,
                _p(cx - hw * 0.6, top + hh * 0.12),
                _p(cx + hw * 0.6, top + hh * 0.12),
                tuple(max(0, c - 50) for c in cap),
                1,
            )
        else:  # striped paper cap
            cap_h = g["hat_h"] * 0.7
            cv2.rectangle(
                img,
                _p(cx - hw * 0.52, top - cap_h),
                _p(cx + hw * 0.52, top + hh * 0.2),
                (250, 250, 250),
                -1,
            )
            cv2.line(
                img,
                _p(cx - hw * 0.52, top - cap_h * 0.4),
                _p(cx + hw * 0.52, top - cap_h * 0.4),
                _c(rng, 60, 200),
                max(1, int(cap_h * 0.15)),
            )
    return (cx - hw / 2, top, cx + hw / 2, top + hh)


def rodent(img: Image, geom: tuple[float, float, float, float], rng: np.random.Generator) -> Box:
    x, y, length, facing = geom
    col = _c(rng, 60, 120) if rng.random() < 0.6 else (60, 80, 100)
    bl, bh = length * 0.34, length * 0.19
    # teardrop body: a circle at the back, a triangle to the nose
    back = (x - facing * bl * 0.3, y - bh)
    nose = (x + facing * bl * 1.35, y - bh * 0.7)
    cv2.circle(img, _p(*back), max(2, int(bh)), col, -1)
    tri = np.array([_p(back[0], y - 2 * bh), _p(back[0], y), _p(*nose)], np.int32)
    cv2.fillConvexPoly(img, tri, col)
    ear = (x + facing * bl * 0.45, y - bh * 1.75)
    cv2.circle(img, _p(*ear), max(1, int(bh * 0.45)), (150, 150, 200), -1)
    cv2.circle(img, _p(nose[0] - facing * bl * 0.35, y - bh * 1.05), 1, (5, 5, 5), -1)
    tail0 = (back[0] - facing * bh, y - bh * 0.6)
    pts = [
        _p(tail0[0] - facing * length * 0.55 * u, tail0[1] - math.sin(u * math.pi) * bh)
        for u in np.linspace(0, 1, 8)
    ]
    cv2.polylines(
        img, [np.array(pts, np.int32)], False, (140, 140, 190), max(1, int(length * 0.02))
    )
    x1 = min(back[0] - bh, nose[0])
    x2 = max(back[0] + bh, nose[0])
    return (x1, min(y - 2 * bh, ear[1] - bh * 0.45), x2, y)


def distractor(img: Image, kind: str, layout: Layout, rng: np.random.Generator, s: float) -> None:
    h, w = img.shape[:2]
    if kind == "bowls":  # a stack of white bowls: round and white like a cap
        x, y = rng.uniform(0.03, 0.97) * w, float(layout.counter_top)
        r = rng.uniform(6, 14) * s
        for k in range(int(rng.integers(1, 5))):
            cv2.ellipse(
                img,
                _p(x, y - k * r * 0.4),
                (int(r), max(1, int(r * 0.5))),
                0,
                0,
                180,
                (240, 240, 240),
                -1,
            )
    elif kind == "ladle":  # hanging ladle or sieve at head height
        x, y = rng.uniform(0.03, 0.97) * w, layout.shelf_y + 2
        ln = rng.uniform(10, 25) * s
        cv2.line(img, _p(x, y), _p(x, y + ln), (180, 180, 180), 1)
        cv2.circle(img, _p(x, y + ln), max(2, int(ln * 0.25)), _c(rng, 150, 230), -1)
    elif kind == "cloth":  # blue or white cloth: mask-like
        x, y = rng.uniform(0.02, 0.95) * w, layout.shelf_y + rng.uniform(0, 0.3) * h
        cw, ch = rng.uniform(8, 20) * s, rng.uniform(6, 16) * s
        col = MASK_COL[int(rng.integers(len(MASK_COL)))]
        cv2.rectangle(img, _p(x, y), _p(x + cw, y + ch), col, -1)
        for k in range(1, 3):
            cv2.line(
                img,
                _p(x, y + ch * k / 3),
                _p(x + cw, y + ch * k / 3),
                tuple(max(0, c - 40) for c in col),
                1,
            )
    elif kind == "pan":  # black pan or sack on the floor: rodent-like
        x = rng.uniform(0.02, 0.95) * w
        y = rng.uniform(layout.horizon + 4 * s, h - 2)
        r = rng.uniform(5, 12) * s
        col = _c(rng, 20, 90)
        cv2.ellipse(img, _p(x, y - r * 0.4), (int(r), max(1, int(r * 0.45))), 0, 0, 360, col, -1)
        if rng.random() < 0.5:
            cv2.line(
                img, _p(x + r, y - r * 0.4), _p(x + 2.2 * r, y - r * 0.6), col, max(1, int(2 * s))
            )
    elif kind == "shadow":  # a soft dark blob on the floor
        x = rng.uniform(0, w)
        y = rng.uniform(layout.horizon, h)
        layer = np.zeros(img.shape[:2], np.uint8)
        cv2.ellipse(
            layer,
            _p(x, y),
            (int(rng.uniform(10, 40) * s), int(rng.uniform(3, 10) * s)),
            0,
            0,
            360,
            255,
            -1,
        )
        a = cv2.GaussianBlur(layer, (0, 0), 3 * s).astype(np.float32)[..., None] / 255.0 * 0.5
        img[:] = (img * (1 - a)).astype(np.uint8)
    elif kind == "cat":  # a cat is not a rodent: upright ears, body taller than long
        x = rng.uniform(0.05, 0.9) * w
        y = rng.uniform(layout.horizon + 10 * s, h - 2)
        sz = rng.uniform(10, 20) * s
        col = _c(rng, 30, 200)
        cv2.ellipse(img, _p(x, y - sz * 0.5), (int(sz * 0.7), int(sz * 0.5)), 0, 0, 360, col, -1)
        hx, hy = x + sz * 0.7, y - sz * 1.0
        cv2.circle(img, _p(hx, hy), max(2, int(sz * 0.33)), col, -1)
        for dx in (-0.2, 0.2):
            tri = np.array(
                [
                    _p(hx + dx * sz - 3 * s, hy - sz * 0.2),
                    _p(hx + dx * sz + 3 * s, hy - sz * 0.2),
                    _p(hx + dx * sz, hy - sz * 0.55),
                ],
                np.int32,
            )
            cv2.fillConvexPoly(img, tri, col)
        cv2.line(
            img,
            _p(x - sz * 0.6, y - sz * 0.5),
            _p(x - sz * 0.9, y - sz * 1.4),
            col,
            max(1, int(sz * 0.1)),
        )


def light(img: Image, rng: np.random.Generator, night: bool, ir: bool) -> Image:
    f = img.astype(np.float32)
    h, w = img.shape[:2]
    # fluorescent tubes: bright bands across the top, cool tint
    band = np.ones(h, np.float32)
    for _ in range(int(rng.integers(1, 3))):
        cy = rng.uniform(0, 0.4) * h
        band += 0.12 * np.exp(-(((np.arange(h) - cy) / (0.2 * h)) ** 2))
    f *= band[:, None, None] * np.array([1.08, 1.0, 0.93], np.float32)
    if night and ir:
        grey = cv2.cvtColor(np.clip(f, 0, 255).astype(np.uint8), cv2.COLOR_BGR2GRAY).astype(
            np.float32
        )
        grey = grey * rng.uniform(0.5, 0.9) + rng.uniform(10, 40)
        f = (np.repeat(grey[..., None], 3, axis=2) + rng.normal(0, 6, (h, w, 1))).astype(np.float32)
    elif night:
        f *= rng.uniform(0.2, 0.45)
        f += rng.normal(0, 5, f.shape)
    else:
        f *= rng.uniform(0.85, 1.15)
        f += rng.normal(0, 2, f.shape)
    return np.clip(f, 0, 255).astype(np.uint8)


KIT = StyleKit(
    name="flat",
    background=background,
    worker=worker,
    rodent=rodent,
    distractor=distractor,
    light=light,
    distractors=("bowls", "ladle", "cloth", "pan", "shadow", "cat"),
)
