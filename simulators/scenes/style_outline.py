"""Scene style `outline` (HELD OUT): never used for training or threshold tuning.

An inked-cartoon kitchen drawn independently of the other styles: every shape has a
dark outline and a pastel fill, a checkerboard floor, wooden wall panels with a window,
overcast or green-tinted CCTV light. Workers have outlined bodies and heads; hats are
bandanas, flat caps or outlined toques; masks are patterned cloth masks with ties.
Rodents are outlined mice with whiskers. Hard negatives: mops, sacks, outlined cats,
hanging white cloths, plates on the rail.
"""

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.compose import Box, Image, StyleKit
from simulators.scenes.spec import WorkerSpec

Color = tuple[int, int, int]
INK: Color = (40, 35, 30)


def _c(rng: np.random.Generator, lo: int, hi: int) -> Color:
    v = rng.integers(lo, hi, size=3)
    return int(v[0]), int(v[1]), int(v[2])


def _p(x: float, y: float) -> tuple[int, int]:
    return round(x), round(y)


def _poly(img: Image, pts: list[tuple[int, int]], fill: Color, t: int = 1) -> None:
    arr = np.array(pts, np.int32)
    cv2.fillPoly(img, [arr], fill)
    cv2.polylines(img, [arr], True, INK, t)


def _ell(
    img: Image, c: tuple[int, int], ax: tuple[int, int], fill: Color, a0: int = 0, a1: int = 360
) -> None:
    ax = (max(1, ax[0]), max(1, ax[1]))
    cv2.ellipse(img, c, ax, 0, a0, a1, fill, -1)
    cv2.ellipse(img, c, ax, 0, a0, a1, INK, 1)


def background(width: int, height: int, rng: np.random.Generator) -> tuple[Image, Layout]:
    s = height / 240.0
    img = np.zeros((height, width, 3), np.uint8)
    horizon = int(height * rng.uniform(0.42, 0.58))
    wood = _c(rng, 110, 200)
    img[:horizon] = wood
    step = max(6, int(rng.uniform(10, 20) * s))
    for x in range(0, width, step):  # vertical wood planks
        cv2.line(img, (x, 0), (x, horizon), tuple(max(0, c - 30) for c in wood), 1)
    if rng.random() < 0.7:  # window with sky
        wx, wy = int(rng.uniform(0.05, 0.7) * width), int(rng.uniform(0.02, 0.1) * height)
        ww, wh = int(rng.uniform(0.15, 0.28) * width), int(rng.uniform(0.12, 0.2) * height)
        cv2.rectangle(img, (wx, wy), (wx + ww, wy + wh), (235, 210, 170), -1)
        cv2.rectangle(img, (wx, wy), (wx + ww, wy + wh), INK, 2)
        cv2.line(img, (wx + ww // 2, wy), (wx + ww // 2, wy + wh), INK, 1)
    a, b = _c(rng, 150, 245), _c(rng, 40, 140)
    cell = max(6, int(rng.uniform(14, 30) * s))
    for i, y in enumerate(range(horizon, height, max(3, cell // 2))):
        for j, x in enumerate(range(-(i % 2) * cell // 2, width, cell)):
            cv2.rectangle(img, (x, y), (x + cell, y + cell // 2), a if (i + j) % 2 else b, -1)
    shelf_y = int(height * rng.uniform(0.14, 0.3))
    cv2.rectangle(img, (0, shelf_y), (width - 1, shelf_y + max(2, int(3 * s))), INK, -1)
    counter_top = horizon - int(height * rng.uniform(0.1, 0.16))
    top = _c(rng, 150, 240)
    cv2.rectangle(img, (0, counter_top), (width - 1, horizon), top, -1)
    cv2.rectangle(img, (0, counter_top), (width - 1, horizon), INK, 2)
    pots: list[tuple[int, int, int]] = []
    for _ in range(int(rng.integers(0, 4))):
        r = int(rng.uniform(8, 20) * s)
        cx = int(rng.uniform(0.05, 0.95) * width)
        t = counter_top - int(r * rng.uniform(0.7, 1.3))
        _poly(
            img,
            [(cx - r, t), (cx + r, t), (cx + r, counter_top), (cx - r, counter_top)],
            _c(rng, 100, 230),
            2,
        )
        pots.append((cx, t, r))
    return img, Layout(horizon=horizon, counter_top=counter_top, shelf_y=shelf_y, pots=tuple(pots))


SKIN: tuple[Color, ...] = ((170, 200, 240), (130, 170, 220), (100, 140, 190), (150, 190, 235))


def worker(img: Image, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator) -> Box:
    ph, cx, fy, hh, hw, top = g["ph"], g["cx"], g["fy"], g["hh"], g["hw"], g["top"]
    neck_y = top + hh
    coat = _c(rng, 180, 250) if rng.random() < 0.65 else _c(rng, 90, 200)
    t = max(1, int(ph / 120))
    for side in (-1, 1):
        x0 = cx + side * 0.02 * ph
        _poly(
            img,
            [
                _p(x0, fy - 0.45 * ph),
                _p(x0 + side * 0.08 * ph, fy - 0.45 * ph),
                _p(x0 + side * 0.07 * ph, fy),
                _p(x0, fy),
            ],
            _c(rng, 60, 160),
            t,
        )
    sh = 0.12 * ph
    _poly(
        img,
        [
            _p(cx - sh, neck_y + 0.02 * ph),
            _p(cx + sh, neck_y + 0.02 * ph),
            _p(cx + sh * 1.2, fy - 0.4 * ph),
            _p(cx - sh * 1.2, fy - 0.4 * ph),
        ],
        coat,
        t,
    )
    if rng.random() < 0.5:  # bib apron with a pocket
        ap = _c(rng, 150, 250)
        _poly(
            img,
            [
                _p(cx - sh * 0.6, neck_y + 0.12 * ph),
                _p(cx + sh * 0.6, neck_y + 0.12 * ph),
                _p(cx + sh * 0.8, fy - 0.35 * ph),
                _p(cx - sh * 0.8, fy - 0.35 * ph),
            ],
            ap,
            t,
        )
    for side in (-1, 1):
        up = spec.arms_up and side == -1
        ex = cx + side * (0.22 if up else rng.uniform(0.14, 0.24)) * ph
        ey = neck_y + (-0.04 if up else rng.uniform(0.24, 0.34)) * ph
        cv2.line(
            img, _p(cx + side * sh, neck_y + 0.05 * ph), _p(ex, ey), INK, max(3, int(0.05 * ph))
        )
        cv2.line(
            img,
            _p(cx + side * sh, neck_y + 0.05 * ph),
            _p(ex, ey),
            coat,
            max(1, int(0.05 * ph) - 2),
        )
    skin = SKIN[int(rng.integers(len(SKIN)))]
    _ell(img, _p(cx, top + hh / 2), (int(hw / 2), int(hh / 2)), skin)
    hair = _c(rng, 20, 110)
    if rng.random() < 0.6:
        _ell(img, _p(cx, top + hh * 0.4), (int(hw / 2), int(hh * 0.4)), hair, 180, 360)
    else:  # spiky hair
        pts = [_p(cx + k * hw * 0.1, top + (0 if k % 2 else hh * 0.2)) for k in range(-5, 6)]
        pts += [_p(cx + hw * 0.5, top + hh * 0.35), _p(cx - hw * 0.5, top + hh * 0.35)]
        _poly(img, pts, hair)
    fx = cx + spec.turn * hw * 0.15
    for dx in (-0.17, 0.17):
        cv2.circle(
            img, _p(fx + dx * hw, top + hh * 0.52), max(1, int(hw * 0.07)), (255, 255, 255), -1
        )
        cv2.circle(img, _p(fx + dx * hw, top + hh * 0.52), max(1, int(hw * 0.035)), INK, -1)
    if spec.mask:
        base = _c(rng, 60, 250)
        y0, y1 = top + hh * 0.6, top + hh * 0.97
        _poly(
            img,
            [
                _p(cx - hw * 0.43, y0),
                _p(cx + hw * 0.43, y0),
                _p(cx + hw * 0.38, y1),
                _p(cx - hw * 0.38, y1),
            ],
            base,
        )
        dot = tuple(255 - c for c in base)
        for k in range(4):  # a printed pattern
            cv2.circle(img, _p(cx - hw * 0.25 + k * hw * 0.17, (y0 + y1) / 2), 1, dot, -1)
        for side in (-1, 1):
            cv2.line(
                img,
                _p(cx + side * hw * 0.43, y0 + 2),
                _p(cx + side * hw * 0.5, top + hh * 0.45),
                INK,
                1,
            )
    else:
        cv2.ellipse(
            img,
            _p(fx, top + hh * 0.78),
            (max(1, int(hw * 0.14)), max(1, int(hh * 0.06))),
            0,
            0,
            180,
            INK,
            1,
        )
    if spec.hat:
        kind = int(rng.integers(3))
        if kind == 0:  # bandana tied over the hair
            col = _c(rng, 40, 250)
            _poly(
                img,
                [
                    _p(cx - hw * 0.55, top + hh * 0.35),
                    _p(cx + hw * 0.55, top + hh * 0.35),
                    _p(cx + hw * 0.3, top - hh * 0.08),
                    _p(cx - hw * 0.3, top - hh * 0.08),
                ],
                col,
                t,
            )
            cv2.line(
                img,
                _p(cx + hw * 0.55, top + hh * 0.35),
                _p(cx + hw * 0.8, top + hh * 0.5),
                col,
                max(1, t + 1),
            )
        elif kind == 1:  # flat cap with a brim
            col = _c(rng, 30, 250)
            _ell(img, _p(cx, top + hh * 0.3), (int(hw * 0.55), int(hh * 0.35)), col, 180, 360)
            _poly(
                img,
                [
                    _p(cx - hw * 0.1, top + hh * 0.3),
                    _p(cx + hw * 0.75, top + hh * 0.3),
                    _p(cx + hw * 0.7, top + hh * 0.38),
                    _p(cx - hw * 0.1, top + hh * 0.38),
                ],
                col,
            )
        else:  # outlined toque
            th = g["hat_h"] * rng.uniform(0.8, 1.3)
            white = _c(rng, 225, 256)
            _poly(
                img,
                [
                    _p(cx - hw * 0.5, top + hh * 0.25),
                    _p(cx + hw * 0.5, top + hh * 0.25),
                    _p(cx + hw * 0.5, top - th * 0.3),
                    _p(cx - hw * 0.5, top - th * 0.3),
                ],
                white,
                t,
            )
            _ell(img, _p(cx, top - th * 0.55), (int(hw * 0.65), int(th * 0.45)), white)
    return (cx - hw / 2, top, cx + hw / 2, top + hh)


def rodent(img: Image, geom: tuple[float, float, float, float], rng: np.random.Generator) -> Box:
    x, y, length, facing = geom
    col = _c(rng, 90, 170)
    bl, bh = length * 0.36, length * 0.2
    _ell(img, _p(x, y - bh), (int(bl), int(bh)), col)
    nose = (x + facing * bl * 1.45, y - bh * 0.8)
    head = [
        _p(x + facing * bl * 0.7, y - bh * 1.6),
        _p(*nose),
        _p(x + facing * bl * 0.7, y - bh * 0.1),
    ]
    _poly(img, head, col)
    ear = (x + facing * bl * 0.65, y - bh * 1.75)
    _ell(img, _p(*ear), (int(bh * 0.45), int(bh * 0.45)), (190, 180, 235))
    for dy in (-0.2, 0.2):
        cv2.line(img, _p(*nose), _p(nose[0] + facing * bl * 0.3, nose[1] + dy * bh), INK, 1)
    cv2.line(
        img, _p(x - facing * bl, y - bh), _p(x - facing * (bl + length * 0.6), y - bh * 1.6), INK, 1
    )
    x1 = min(x - bl, nose[0])
    x2 = max(x + bl, nose[0])
    return (x1, min(y - 2 * bh, ear[1] - bh * 0.45), x2, y)


def distractor(img: Image, kind: str, layout: Layout, rng: np.random.Generator, s: float) -> None:
    h, w = img.shape[:2]
    if kind == "mop":  # a grey mop head on the floor: rodent-like
        x = rng.uniform(0.02, 0.95) * w
        y = rng.uniform(layout.horizon + 4 * s, h - 2)
        _ell(img, _p(x, y - 4 * s), (int(rng.uniform(6, 12) * s), int(4 * s)), _c(rng, 90, 180))
        cv2.line(img, _p(x, y - 4 * s), _p(x + 8 * s, y - 40 * s), INK, max(1, int(2 * s)))
    elif kind == "sack":
        x = rng.uniform(0.02, 0.95) * w
        y = rng.uniform(layout.horizon + 4 * s, h - 2)
        sw, sh = rng.uniform(10, 20) * s, rng.uniform(8, 16) * s
        _poly(
            img,
            [_p(x, y), _p(x + sw, y), _p(x + sw * 0.8, y - sh), _p(x + sw * 0.2, y - sh)],
            _c(rng, 100, 190),
        )
    elif kind == "cat":
        x = rng.uniform(0.05, 0.9) * w
        y = rng.uniform(layout.horizon + 10 * s, h - 2)
        sz = rng.uniform(10, 20) * s
        col = _c(rng, 60, 230)
        _ell(img, _p(x, y - sz * 0.45), (int(sz * 0.7), int(sz * 0.45)), col)
        hx, hy = x + sz * 0.75, y - sz * 0.95
        _ell(img, _p(hx, hy), (int(sz * 0.32), int(sz * 0.3)), col)
        for dx in (-0.18, 0.18):
            _poly(
                img,
                [
                    _p(hx + dx * sz - 3 * s, hy - sz * 0.15),
                    _p(hx + dx * sz + 3 * s, hy - sz * 0.15),
                    _p(hx + dx * sz, hy - sz * 0.5),
                ],
                col,
            )
    elif kind == "cloth":  # hanging white cloth at head height
        x, y = rng.uniform(0.02, 0.95) * w, float(layout.shelf_y)
        cw, ch = rng.uniform(8, 18) * s, rng.uniform(10, 24) * s
        _poly(img, [_p(x, y), _p(x + cw, y), _p(x + cw, y + ch), _p(x, y + ch)], _c(rng, 220, 256))
    elif kind == "plate":  # plates standing on the rail
        x, y = rng.uniform(0.02, 0.95) * w, float(layout.shelf_y)
        r = rng.uniform(5, 11) * s
        _ell(img, _p(x, y - r), (int(r), int(r)), (245, 245, 245))


def light(img: Image, rng: np.random.Generator, night: bool, ir: bool) -> Image:
    f = img.astype(np.float32)
    h, w = img.shape[:2]
    mode = rng.random()
    if night and ir:
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
        f = np.repeat((grey * rng.uniform(0.55, 0.9) + rng.uniform(0, 30))[..., None], 3, axis=2)
        f += rng.normal(0, 7, (h, w, 1))
    elif night:
        f *= rng.uniform(0.2, 0.4)
        f += rng.normal(0, 5, f.shape)
    elif mode < 0.4:  # green-tinted CCTV
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)[..., None]
        f = 0.5 * f + 0.5 * grey * np.array([0.8, 1.15, 0.8], np.float32)
        f += rng.normal(0, 3, f.shape)
    else:  # overcast: flat and desaturated
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)[..., None]
        f = 0.7 * f + 0.3 * grey
        f = f * rng.uniform(0.8, 1.05) + rng.uniform(0, 25)
        f += rng.normal(0, 2, f.shape)
    return np.clip(f, 0, 255).astype(np.uint8)


KIT = StyleKit(
    name="outline",
    background=background,
    worker=worker,
    rodent=rodent,
    distractor=distractor,
    light=light,
    distractors=("mop", "sack", "cat", "cloth", "plate"),
)
