"""Scene style `shaded`: soft-shaded, textured kitchen drawn independently of classic.

Gradient walls with noise texture and brick or panel courses, a glossy floor with
reflections, warm tungsten light with a vignette and hot spots. Workers are shaded
(each part is filled, then lit by a vertical gradient), with ears and several hair
styles; hats are tall pleated toques, skull caps or hairnets; masks are cup-shaped N95s
or folded KN95s. Rodents are brown rats with pink ears and a thin tail. Hard negatives:
white towels, folded cloths on the counter, upturned bowls, dark bins and shoes,
crouching cats, shadows.
"""

import math
from typing import Any

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


def _shade(col: Color, f: float) -> Color:
    return (
        int(np.clip(col[0] * f, 0, 255)),
        int(np.clip(col[1] * f, 0, 255)),
        int(np.clip(col[2] * f, 0, 255)),
    )


def background(width: int, height: int, rng: np.random.Generator) -> tuple[Image, Layout]:
    s = height / 240.0
    horizon = int(height * rng.uniform(0.38, 0.52))
    top, bottom = np.array(_c(rng, 90, 200), np.float32), np.array(_c(rng, 110, 230), np.float32)
    ramp = np.linspace(0, 1, horizon, dtype=np.float32)[:, None, None]
    img = np.zeros((height, width, 3), np.float32)
    img[:horizon] = top * (1 - ramp) + bottom * ramp
    if rng.random() < 0.5:  # brick courses
        course = max(4, int(rng.uniform(6, 12) * s))
        for k, y in enumerate(range(0, horizon, course)):
            cv2.line(img, (0, y), (width - 1, y), (bottom * 0.75).tolist(), 1)
            off = (k % 2) * course
            for x in range(off, width, 2 * course):
                cv2.line(img, (x, y), (x, min(horizon, y + course)), (bottom * 0.75).tolist(), 1)
    floor = np.array(_c(rng, 40, 140), np.float32)
    fr = np.linspace(0.8, 1.2, height - horizon, dtype=np.float32)[:, None, None]
    img[horizon:] = floor * fr
    img += rng.normal(0, 5, (height, width, 1)).astype(np.float32)  # texture
    shelf_y = int(height * rng.uniform(0.15, 0.3))
    cv2.rectangle(img, (0, shelf_y), (width - 1, shelf_y + max(2, int(3 * s))), (60, 80, 110), -1)
    counter_top = horizon - int(height * rng.uniform(0.1, 0.17))
    steel = np.array(_c(rng, 120, 200), np.float32)
    cg = np.linspace(1.15, 0.8, horizon - counter_top, dtype=np.float32)[:, None, None]
    img[counter_top:horizon] = steel * cg
    pots: list[tuple[int, int, int]] = []
    for _ in range(int(rng.integers(0, 5))):
        r = int(rng.uniform(9, 24) * s)
        cx = int(rng.uniform(0.05, 0.95) * width)
        t = counter_top - int(r * rng.uniform(0.7, 1.5))
        col = np.array(_c(rng, 60, 210), np.float32)
        for dx in range(-r, r + 1):  # a cylinder lit from the left
            cv2.line(
                img,
                (cx + dx, t),
                (cx + dx, counter_top),
                (col * (1.2 - 0.5 * (dx + r) / (2 * r))).tolist(),
                1,
            )
        pots.append((cx, t, r))
    out = np.clip(img, 0, 255).astype(np.uint8)
    # reflections of the counter on the glossy floor
    refl = cv2.flip(out[counter_top:horizon], 0)
    n = min(len(refl), height - horizon)
    out[horizon : horizon + n] = (0.75 * out[horizon : horizon + n] + 0.25 * refl[:n]).astype(
        np.uint8
    )
    return out, Layout(horizon=horizon, counter_top=counter_top, shelf_y=shelf_y, pots=tuple(pots))


SKIN: tuple[Color, ...] = (
    (130, 165, 210),
    (105, 140, 190),
    (85, 115, 160),
    (150, 180, 225),
    (95, 125, 175),
)


def _fill_lit(img: Image, pts: Any, col: Color, y0: float, y1: float) -> None:
    """Fill a polygon with a vertical light gradient (lighter at the top)."""
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.asarray(pts, np.int32)], 255)
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return
    f = 1.15 - 0.35 * np.clip((ys - y0) / max(1.0, y1 - y0), 0, 1)
    img[ys, xs] = np.clip(np.array(col, np.float32)[None, :] * f[:, None], 0, 255).astype(np.uint8)


def worker(img: Image, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator) -> Box:
    ph, cx, fy, hh, hw, top = g["ph"], g["cx"], g["fy"], g["hh"], g["hw"], g["top"]
    neck_y = top + hh
    coat = _c(rng, 190, 256) if rng.random() < 0.75 else _c(rng, 40, 190)
    trousers = _c(rng, 15, 100)
    sh = 0.14 * ph
    waist = fy - 0.45 * ph
    for side in (-1, 1):  # trousers as tapered polygons
        leg = np.array(
            [
                _p(cx + side * 0.01 * ph, waist),
                _p(cx + side * 0.11 * ph, waist),
                _p(cx + side * 0.08 * ph, fy),
                _p(cx + side * 0.02 * ph, fy),
            ],
            np.int32,
        )
        _fill_lit(img, leg, trousers, waist, fy)
    coat_pts = np.array(
        [
            _p(cx - sh, neck_y + 0.03 * ph),
            _p(cx + sh, neck_y + 0.03 * ph),
            _p(cx + sh * 1.05, waist + 0.12 * ph),
            _p(cx - sh * 1.05, waist + 0.12 * ph),
        ],
        np.int32,
    )
    _fill_lit(img, coat_pts, coat, neck_y, waist + 0.12 * ph)
    for k in range(3):  # double-breasted buttons
        for dx in (-0.3, 0.3):
            cv2.circle(
                img,
                _p(cx + dx * sh, neck_y + (0.08 + 0.07 * k) * ph),
                max(1, int(0.008 * ph)),
                _shade(coat, 0.6),
                -1,
            )
    if rng.random() < 0.4:  # a towel over the shoulder: white, mask-like
        cv2.rectangle(
            img,
            _p(cx + sh * 0.4, neck_y + 0.03 * ph),
            _p(cx + sh * 0.9, neck_y + 0.2 * ph),
            (235, 235, 235),
            -1,
        )
    for side in (-1, 1):
        sx, sy = cx + side * sh, neck_y + 0.06 * ph
        if spec.arms_up and side == 1:
            ex, ey = cx + side * 0.24 * ph, neck_y - 0.06 * ph
        else:
            ex, ey = cx + side * rng.uniform(0.17, 0.26) * ph, neck_y + rng.uniform(0.22, 0.34) * ph
        cv2.line(img, _p(sx, sy), _p(ex, ey), _shade(coat, 0.85), max(2, int(0.055 * ph)))
        cv2.circle(img, _p(ex, ey), max(1, int(0.022 * ph)), SKIN[1], -1)
    skin = SKIN[int(rng.integers(len(SKIN)))]
    cv2.rectangle(
        img,
        _p(cx - hw * 0.18, neck_y - 0.1 * hh),
        _p(cx + hw * 0.18, neck_y + 0.035 * ph),
        _shade(skin, 0.85),
        -1,
    )
    # ears at the box's sides, then a face narrower than the box
    for side in (-1, 1):
        cv2.ellipse(
            img,
            _p(cx + side * hw * 0.42, top + hh * 0.55),
            (max(1, int(hw * 0.08)), max(1, int(hh * 0.1))),
            0,
            0,
            360,
            _shade(skin, 0.9),
            -1,
        )
    face = cv2.ellipse2Poly(
        _p(cx, top + hh * 0.5), (max(2, int(hw * 0.42)), max(2, int(hh * 0.5))), 0, 0, 360, 10
    )
    _fill_lit(img, face, skin, top, top + hh)
    hair = _c(rng, 5, 60)
    style = int(rng.integers(3))
    if style == 0:  # short
        cv2.ellipse(
            img,
            _p(cx, top + hh * 0.35),
            (max(2, int(hw * 0.44)), max(2, int(hh * 0.35))),
            0,
            180,
            360,
            hair,
            -1,
        )
    elif style == 1:  # fringe
        cv2.ellipse(
            img,
            _p(cx, top + hh * 0.42),
            (max(2, int(hw * 0.45)), max(2, int(hh * 0.42))),
            0,
            170,
            370,
            hair,
            -1,
        )
    else:  # bun at the back of the head, inside the box
        cv2.ellipse(
            img,
            _p(cx, top + hh * 0.38),
            (max(2, int(hw * 0.44)), max(2, int(hh * 0.38))),
            0,
            180,
            360,
            hair,
            -1,
        )
        cv2.circle(img, _p(cx + hw * 0.3, top + hh * 0.25), max(1, int(hw * 0.16)), hair, -1)
    fx = cx + spec.turn * hw * 0.16
    for dx in (-0.16, 0.16):
        cv2.ellipse(
            img,
            _p(fx + dx * hw, top + hh * 0.52),
            (max(1, int(hw * 0.06)), max(1, int(hh * 0.03))),
            0,
            0,
            360,
            (25, 20, 20),
            -1,
        )
    cv2.line(img, _p(fx - hw * 0.1, top + hh * 0.44), _p(fx - hw * 0.24, top + hh * 0.43), hair, 1)
    if spec.mask:
        col = (235, 235, 235) if rng.random() < 0.6 else _c(rng, 150, 230)
        if rng.random() < 0.5:  # cup-shaped N95
            cv2.ellipse(
                img,
                _p(cx, top + hh * 0.79),
                (max(2, int(hw * 0.36)), max(2, int(hh * 0.21))),
                0,
                0,
                360,
                col,
                -1,
            )
            cv2.ellipse(
                img,
                _p(cx, top + hh * 0.79),
                (max(2, int(hw * 0.36)), max(2, int(hh * 0.21))),
                0,
                0,
                360,
                _shade(col, 0.75),
                1,
            )
        else:  # folded KN95 with a centre seam
            pts = np.array(
                [
                    _p(cx - hw * 0.4, top + hh * 0.66),
                    _p(cx, top + hh * 0.6),
                    _p(cx + hw * 0.4, top + hh * 0.66),
                    _p(cx + hw * 0.3, top + hh * 0.96),
                    _p(cx - hw * 0.3, top + hh * 0.96),
                ],
                np.int32,
            )
            _fill_lit(img, pts, col, top + hh * 0.6, top + hh)
            cv2.line(img, _p(cx, top + hh * 0.6), _p(cx, top + hh * 0.96), _shade(col, 0.7), 1)
        for side in (-1, 1):
            cv2.line(
                img,
                _p(cx + side * hw * 0.36, top + hh * 0.7),
                _p(cx + side * hw * 0.45, top + hh * 0.5),
                _shade(col, 0.8),
                1,
            )
    else:
        cv2.line(
            img,
            _p(fx - hw * 0.1, top + hh * 0.8),
            _p(fx + hw * 0.1, top + hh * 0.8),
            (70, 70, 150),
            max(1, int(hw * 0.04)),
        )
    if spec.hat:
        kind = int(rng.integers(3))
        white = _c(rng, 220, 256)
        if kind == 0:  # tall pleated toque
            th = g["hat_h"] * rng.uniform(1.0, 1.4)
            body = np.array(
                [
                    _p(cx - hw * 0.5, top + hh * 0.25),
                    _p(cx + hw * 0.5, top + hh * 0.25),
                    _p(cx + hw * 0.62, top - th),
                    _p(cx - hw * 0.62, top - th),
                ],
                np.int32,
            )
            _fill_lit(img, body, white, top - th, top + hh * 0.25)
            for k in range(-2, 3):
                cv2.line(
                    img,
                    _p(cx + k * hw * 0.2, top - th),
                    _p(cx + k * hw * 0.17, top + hh * 0.1),
                    _shade(white, 0.82),
                    1,
                )
        elif kind == 1:  # skull cap
            # A dark cap is drawn so that the picture shows a cap, not hair of the same
            # colour: it sits lower on the forehead and higher on the crown than any
            # hair style here, and its folded band is light. (Drawn as the hair was,
            # a black cap on dark hair was a "hat" label no eye could see.)
            dark = rng.random() >= 0.6
            col = _c(rng, 10, 80) if dark else white
            band = _c(rng, 170, 240) if dark else _shade(col, 0.7)
            cv2.ellipse(
                img,
                _p(cx, top + hh * 0.4),
                (max(2, int(hw * 0.52)), max(2, int(hh * 0.5))),
                0,
                180,
                360,
                col,
                -1,
            )
            cv2.line(
                img,
                _p(cx - hw * 0.52, top + hh * 0.38),
                _p(cx + hw * 0.52, top + hh * 0.38),
                band,
                max(1, int(hh * (0.1 if dark else 0.06))),
            )
        else:  # hairnet: a light mesh over the hair and a band
            cv2.ellipse(
                img,
                _p(cx, top + hh * 0.36),
                (max(2, int(hw * 0.5)), max(2, int(hh * 0.4))),
                0,
                180,
                360,
                (200, 200, 205),
                -1,
            )
            for k in range(-3, 4):
                cv2.line(
                    img,
                    _p(cx + k * hw * 0.13, top - hh * 0.02),
                    _p(cx + k * hw * 0.15, top + hh * 0.36),
                    (150, 150, 160),
                    1,
                )
            cv2.line(
                img,
                _p(cx - hw * 0.5, top + hh * 0.36),
                _p(cx + hw * 0.5, top + hh * 0.36),
                (230, 230, 230),
                max(1, int(hh * 0.07)),
            )
    return (cx - hw / 2, top, cx + hw / 2, top + hh)


def rodent(img: Image, geom: tuple[float, float, float, float], rng: np.random.Generator) -> Box:
    x, y, length, facing = geom
    col = (int(rng.integers(30, 60)), int(rng.integers(50, 80)), int(rng.integers(70, 110)))
    bl, bh = length * 0.38, length * 0.18
    body = cv2.ellipse2Poly(_p(x, y - bh), (max(2, int(bl)), max(2, int(bh))), 0, 0, 360, 15)
    _fill_lit(img, body, col, y - 2 * bh, y)
    hc = (x + facing * bl * 1.0, y - bh * 0.9)
    cv2.ellipse(
        img,
        _p(*hc),
        (max(2, int(bl * 0.45)), max(1, int(bh * 0.6))),
        0,
        -15 * facing,
        345 * facing,
        col,
        -1,
    )
    ear = (hc[0] - facing * bl * 0.1, hc[1] - bh * 0.55)
    cv2.circle(img, _p(*ear), max(1, int(bh * 0.3)), (150, 160, 220), -1)
    cv2.circle(
        img, _p(hc[0] + facing * bl * 0.3, hc[1] - bh * 0.1), max(1, int(bh * 0.1)), (5, 5, 5), -1
    )
    t0 = (x - facing * bl, y - bh * 0.6)
    pts = [
        _p(t0[0] - facing * length * 0.6 * u, t0[1] + math.sin(u * 4) * bh * 0.4)
        for u in np.linspace(0, 1, 9)
    ]
    cv2.polylines(img, [np.array(pts, np.int32)], False, (120, 130, 170), 1)
    x1 = min(x - bl, hc[0] - bl * 0.45)
    x2 = max(x + bl, hc[0] + bl * 0.45)
    return (x1, min(y - 2 * bh, ear[1] - bh * 0.3), x2, y)


def distractor(img: Image, kind: str, layout: Layout, rng: np.random.Generator, s: float) -> None:
    h, w = img.shape[:2]
    if kind == "towel":
        x, y = rng.uniform(0.02, 0.95) * w, layout.shelf_y + rng.uniform(0, 0.3) * h
        tw, th = rng.uniform(8, 20) * s, rng.uniform(10, 26) * s
        pts = np.array(
            [_p(x, y), _p(x + tw, y), _p(x + tw * 0.9, y + th), _p(x + tw * 0.1, y + th)], np.int32
        )
        _fill_lit(img, pts, _c(rng, 200, 256), y, y + th)
    elif kind == "folded":  # folded cloth on the counter: a white or blue rectangle
        x, y = rng.uniform(0.02, 0.95) * w, float(layout.counter_top)
        cw, ch = rng.uniform(10, 22) * s, rng.uniform(4, 8) * s
        col = (235, 235, 235) if rng.random() < 0.5 else (200, 160, 90)
        cv2.rectangle(img, _p(x, y - ch), _p(x + cw, y), col, -1)
        cv2.line(img, _p(x, y - ch / 2), _p(x + cw, y - ch / 2), _shade(col, 0.8), 1)
    elif kind == "bowl":  # upturned bowl at head height
        x, y = rng.uniform(0.03, 0.97) * w, float(layout.shelf_y)
        r = rng.uniform(6, 14) * s
        dome = cv2.ellipse2Poly(_p(x, y), (int(r), max(1, int(r * 0.7))), 0, 180, 360, 15)
        _fill_lit(img, dome, (240, 240, 240), y - r, y)
    elif kind == "bin":  # dark bin, shoe or brush on the floor
        x = rng.uniform(0.02, 0.95) * w
        y = rng.uniform(layout.horizon + 4 * s, h - 2)
        bw, bh = rng.uniform(8, 20) * s, rng.uniform(4, 12) * s
        pts = np.array([_p(x, y - bh), _p(x + bw, y - bh), _p(x + bw, y), _p(x, y)], np.int32)
        _fill_lit(img, pts, _c(rng, 20, 80), y - bh, y)
    elif kind == "cat":  # crouching cat: long body, ears up, tail curled
        x = rng.uniform(0.05, 0.9) * w
        y = rng.uniform(layout.horizon + 10 * s, h - 2)
        sz = rng.uniform(12, 22) * s
        col = _c(rng, 40, 200)
        body = cv2.ellipse2Poly(
            _p(x, y - sz * 0.35), (int(sz * 0.8), max(2, int(sz * 0.35))), 0, 0, 360, 15
        )
        _fill_lit(img, body, col, y - sz * 0.7, y)
        hx, hy = x + sz * 0.85, y - sz * 0.75
        cv2.circle(img, _p(hx, hy), max(2, int(sz * 0.3)), col, -1)
        for dx in (-0.17, 0.17):
            tri = np.array(
                [
                    _p(hx + dx * sz - 3 * s, hy - sz * 0.15),
                    _p(hx + dx * sz + 3 * s, hy - sz * 0.15),
                    _p(hx + dx * sz, hy - sz * 0.5),
                ],
                np.int32,
            )
            cv2.fillConvexPoly(img, tri, col)
        cv2.ellipse(
            img,
            _p(x - sz * 0.9, y - sz * 0.5),
            (int(sz * 0.3), int(sz * 0.3)),
            0,
            90,
            300,
            col,
            max(1, int(sz * 0.1)),
        )
    elif kind == "shadow":
        layer = np.zeros(img.shape[:2], np.uint8)
        x, y = rng.uniform(0, w), rng.uniform(layout.horizon, h)
        cv2.ellipse(
            layer,
            _p(x, y),
            (int(rng.uniform(8, 35) * s), int(rng.uniform(3, 9) * s)),
            0,
            0,
            360,
            255,
            -1,
        )
        a = cv2.GaussianBlur(layer, (0, 0), 2.5 * s).astype(np.float32)[..., None] / 255.0 * 0.55
        img[:] = (img * (1 - a)).astype(np.uint8)


def light(img: Image, rng: np.random.Generator, night: bool, ir: bool) -> Image:
    h, w = img.shape[:2]
    f = img.astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    vig = 1.0 - rng.uniform(0.2, 0.5) * (((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2) * 2
    f *= vig[..., None]
    for _ in range(int(rng.integers(0, 3))):  # hot spots of downlights
        sx, sy = rng.uniform(0, w), rng.uniform(0, h * 0.6)
        f += 50 * np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * (0.12 * w) ** 2))[..., None]
    if night and ir:
        grey = cv2.cvtColor(np.clip(f, 0, 255).astype(np.uint8), cv2.COLOR_BGR2GRAY).astype(
            np.float32
        )
        f = np.repeat((grey * rng.uniform(0.6, 1.0) + rng.uniform(0, 30))[..., None], 3, axis=2)
        f += rng.normal(0, rng.uniform(3, 9), (h, w, 1))
    elif night:
        f *= rng.uniform(0.2, 0.45) * np.array([0.8, 0.95, 1.2], np.float32)
        f += rng.normal(0, 6, f.shape)
    else:
        f *= np.array([0.85, 0.97, 1.1], np.float32) * rng.uniform(0.85, 1.15)  # warm tungsten
        f += rng.normal(0, 2.5, f.shape)
    return np.clip(f, 0, 255).astype(np.uint8)


KIT = StyleKit(
    name="shaded",
    background=background,
    worker=worker,
    rodent=rodent,
    distractor=distractor,
    light=light,
    distractors=("towel", "folded", "bowl", "bin", "cat", "shadow"),
)
