"""Scene style `photo`: a colour photograph from a fixed kitchen camera, for training.

Drawn independently of the other styles, with a different technique: surfaces are
per-pixel textures computed on coordinate grids (brushed steel streaks, tiles with grout
and a specular sheen per tile, painted walls with soft light falloff, a floor in true
perspective with the counter reflected in it, windows blown out by daylight), and every
actor part is an anti-aliased, alpha-blended polygon shaded from the scene's light side
(`style_photo_people`). The camera (`light`) adds fluorescent colour casts, vignetting,
exposure errors, sensor noise and lens blur; at night an infrared grey picture with a
bright centre and glow. Hard negatives look like heads or rodents but are not: bowls
and pots from above, dark lids, mops, rolled cloths, sponges, a cat, shoes, bags, loose
hats and masks on the counter, paper bags, drain covers and shadows.
"""

import functools
import itertools
import math

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.compose import Box, Image, StyleKit
from simulators.scenes.style_photo_people import (
    CAPS,
    MASKS,
    Color,
    backdrop,
    ell,
    paint,
    pick,
    quad,
    shade,
    worker,
)

WALLS: tuple[Color, ...] = (  # BGR paints and tile glazes
    (200, 205, 210),
    (170, 200, 215),
    (150, 175, 140),
    (190, 170, 120),
    (120, 150, 180),
    (90, 100, 110),
    (210, 215, 205),
    (140, 140, 175),
    (60, 75, 95),
)
FLOORS: tuple[Color, ...] = (
    (80, 90, 110),
    (60, 60, 65),
    (120, 120, 115),
    (50, 80, 140),
    (70, 110, 90),
    (140, 145, 150),
)


def _c(rng: np.random.Generator, lo: int, hi: int) -> Color:
    v = rng.integers(lo, hi, size=3)
    return int(v[0]), int(v[1]), int(v[2])


def _vary(rng: np.random.Generator, col: Color, amount: float) -> np.ndarray:
    return np.clip(np.array(col, np.float32) + rng.uniform(-amount, amount, 3), 0, 255).astype(
        np.float32
    )


@functools.lru_cache(maxsize=8)
def _radial(h: int, w: int) -> np.ndarray:
    """Squared distance from the frame centre, in frame fractions (cached per size)."""
    y = ((np.arange(h, dtype=np.float32) - h / 2) / h) ** 2
    x = ((np.arange(w, dtype=np.float32) - w / 2) / w) ** 2
    r2 = y[:, None] + x[None, :]
    r2.setflags(write=False)
    return r2


@functools.lru_cache(maxsize=8)
def _noise(h: int, w: int) -> np.ndarray:
    """A fixed bank of sensor noise twice the frame size; frames read it at random offsets.

    Drawing fresh Gaussian noise for every pixel costs more than the rest of the frame;
    a random window into a fixed bank is as good for training and keeps seeds exact.
    """
    bank = np.random.default_rng(12345).standard_normal((2 * h, 2 * w, 3), dtype=np.float32)
    bank.setflags(write=False)
    return bank


def _tint(lum: np.ndarray, col: np.ndarray) -> np.ndarray:
    """A colour image from a brightness map (per-channel planes: much faster than
    numpy broadcasting over a last axis of 3)."""
    lum = np.asarray(lum, np.float32)
    return np.asarray(cv2.merge([lum * float(col[0]), lum * float(col[1]), lum * float(col[2])]))


def _tiled_wall(rng: np.random.Generator, rows: int, w: int, s: float) -> np.ndarray:
    """Glazed wall tiles: grout lines, a per-tile tint and a sheen toward one corner."""
    base = _vary(rng, WALLS[int(rng.integers(len(WALLS)))], 20)
    tw = max(5.0, rng.uniform(10, 24) * s)
    th = tw * float(rng.choice([1.0, 0.5]))
    u = (np.arange(w, dtype=np.float32) + rng.uniform(0, tw)) / tw
    v = (np.arange(rows, dtype=np.float32) + rng.uniform(0, th)) / th
    fu, fv = u - np.floor(u), v - np.floor(v)
    tile_id = (np.floor(v)[:, None] * 3.71 + np.floor(u)[None, :] * 7.13) % 1.0
    sheen = np.exp(-((fv - 0.25) ** 2) / 0.05)[:, None] * np.exp(-((fu - 0.3) ** 2) / 0.05)
    lum = 0.94 + 0.08 * tile_id + 0.14 * sheen
    grout = (np.diff(np.floor(v), prepend=-1) > 0)[:, None] | (
        np.diff(np.floor(u), prepend=-1) > 0
    )[None, :]
    lum[grout] = rng.uniform(0.55, 0.75)
    return _tint(lum, base)


def _painted_wall(rng: np.random.Generator, rows: int, w: int) -> np.ndarray:
    """A painted wall lit by a ceiling lamp: a smooth pool of light fading to the sides."""
    base = _vary(rng, WALLS[int(rng.integers(len(WALLS)))], 25)
    lx, ly = rng.uniform(0, w), rng.uniform(-0.3, 0.2) * rows
    gx = np.exp(-(((np.arange(w, dtype=np.float32) - lx) / (0.6 * w)) ** 2))
    gy = np.exp(-(((np.arange(rows, dtype=np.float32) - ly) / (1.2 * rows)) ** 2))
    lum = 0.72 + 0.42 * gy[:, None] * gx[None, :]
    return _tint(lum, base)


def _steel(rng: np.random.Generator, rows: int, w: int, tint: float = 1.0) -> np.ndarray:
    """Brushed stainless steel: horizontal streaks and a bright reflection band."""
    rows = max(1, rows)
    noise = rng.standard_normal((rows, w), dtype=np.float32)
    streaks = cv2.blur(noise, (31, 1)) * 14
    base = rng.uniform(150, 205) * tint
    band = np.exp(
        -(((np.arange(rows, dtype=np.float32) / rows) - rng.uniform(0.1, 0.5)) ** 2) / 0.02
    )
    lum = base + streaks + 35 * band[:, None]
    cool = np.array([1.04, 1.0, 0.96], np.float32)
    return _tint(lum, cool)


def _floor(rng: np.random.Generator, img: np.ndarray, horizon: int) -> None:
    """Floor tiles or epoxy in perspective, darker in the distance."""
    h, w = img.shape[:2]
    base = _vary(rng, FLOORS[int(rng.integers(len(FLOORS)))], 18)
    d = (np.arange(h - horizon, dtype=np.float32) + 4.0) / max(1.0, h - horizon)
    lum = np.repeat((0.75 + 0.35 * d)[:, None], w, axis=1)
    if rng.random() < 0.65:  # tiles: grout converges to a vanishing point
        vx = rng.uniform(0.3, 0.7) * w
        size = rng.uniform(0.6, 1.4)
        zu = (np.arange(w, dtype=np.float32) - vx)[None, :] / (d * w * 0.25 * size)[:, None]
        iu = np.floor(zu)
        gu = np.zeros_like(lum, dtype=bool)
        gu[:, 1:] = iu[:, 1:] != iu[:, :-1]
        gv = np.diff(np.floor(1.0 / (d * 4.0 * size)), prepend=0) != 0
        dark = rng.uniform(0.55, 0.8)
        fade = np.clip(3 * d, 0, 1)[:, None]
        lum = np.where(gu | gv[:, None], lum * (1 - (1 - dark) * fade), lum)
        if rng.random() < 0.4:  # checkerboard
            checker = (iu + np.floor(1.0 / (d * 4.0 * size))[:, None]) % 2 == 0
            lum[checker] *= 0.85
    img[horizon:] = _tint(lum, base)


def _window(rng: np.random.Generator, img: np.ndarray, top: int, s: float) -> None:
    """A window with bright daylight, mullions and bloom around it."""
    h, w = img.shape[:2]
    ww, wh = int(rng.uniform(0.15, 0.32) * w), int(rng.uniform(0.12, 0.25) * h)
    wx, wy = int(rng.uniform(0.02, 0.95) * w - ww / 2), int(rng.uniform(0.02, 0.1) * h)
    wh = min(wh, max(4, top - wy - 2))
    if wh < 4:
        return
    sky = np.array([250, 248, 240], np.float32) * rng.uniform(0.92, 1.0)
    x0, x1 = max(0, wx), min(w, wx + ww)
    grad = np.linspace(1.0, 0.93, wh, dtype=np.float32)[:, None, None]
    img[wy : wy + wh, x0:x1] = sky * grad
    frame = (235.0, 235.0, 235.0) if rng.random() < 0.5 else (70.0, 70.0, 75.0)
    t = max(1, int(2 * s))
    cv2.rectangle(img, (wx, wy), (wx + ww, wy + wh), frame, t)
    cv2.line(img, (wx + ww // 2, wy), (wx + ww // 2, wy + wh), frame, t)
    pad = int(15 * s)
    gy0, gy1, gx0, gx1 = max(0, wy - pad), min(h, wy + wh + pad), max(0, x0 - pad), min(w, x1 + pad)
    glow = np.zeros((gy1 - gy0, gx1 - gx0), np.float32)
    glow[wy - gy0 : wy + wh - gy0, x0 - gx0 : x1 - gx0] = 1.0
    img[gy0:gy1, gx0:gx1] += 60 * cv2.GaussianBlur(glow, (0, 0), 5 * s)[..., None]


def _door(rng: np.random.Generator, img: np.ndarray, horizon: int, s: float) -> None:
    """A painted or steel door standing on the floor line, with a handle."""
    w = img.shape[1]
    dw = int(rng.uniform(0.1, 0.16) * w)
    dx = int(rng.uniform(0.0, 1.0) * (w - dw))
    dh = int(horizon * rng.uniform(0.7, 0.9))
    col = np.array(_c(rng, 60, 200), np.float32)
    img[horizon - dh : horizon, dx : dx + dw] = col * np.linspace(1.05, 0.9, dw)[None, :, None]
    edge = tuple(float(v) for v in col * 0.6)
    cv2.rectangle(img, (dx, horizon - dh), (dx + dw, horizon), edge, max(1, int(s)))
    hy = horizon - dh // 2
    cv2.line(
        img,
        (dx + dw - int(5 * s), hy),
        (dx + dw - int(5 * s), hy + int(8 * s)),
        (210.0, 210.0, 210.0),
        max(1, int(2 * s)),
    )


def _hood(rng: np.random.Generator, img: np.ndarray, s: float) -> None:
    """A stainless extraction hood hanging from the ceiling."""
    h, w = img.shape[:2]
    hw = int(rng.uniform(0.25, 0.5) * w)
    hx = int(rng.uniform(0, 1) * (w - hw))
    hb = int(rng.uniform(0.08, 0.16) * h)
    img[0:hb, hx : hx + hw] = _steel(rng, hb, hw, 0.95)
    cv2.line(img, (hx, hb), (hx + hw, hb), (40.0, 40.0, 45.0), max(1, int(2 * s)))


def _counter(rng: np.random.Generator, img: np.ndarray, top: int, horizon: int, s: float) -> None:
    """Back counter of brushed steel with a darker kick plate and an optional sink."""
    w = img.shape[1]
    img[top:horizon] = _steel(rng, horizon - top, w)
    lip = max(2, int(4 * s))
    img[top : top + lip] *= 1.15
    img[horizon - max(2, int(6 * s)) : horizon] *= 0.55
    for x in range(int(rng.uniform(0.1, 0.3) * w), w, int(rng.uniform(0.2, 0.35) * w)):
        cv2.line(img, (x, top + lip), (x, horizon), (70.0, 70.0, 75.0), 1)
    if rng.random() < 0.5:  # sink: a dark recess with a bright rim and a tap
        sx, sw = int(rng.uniform(0.05, 0.8) * w), int(rng.uniform(0.12, 0.2) * w)
        cv2.rectangle(img, (sx, top), (sx + sw, top + lip), (60.0, 60.0, 62.0), -1)
        tap = (sx + sw // 2, top - int(12 * s))
        cv2.line(img, (sx + sw // 2, top), tap, (190.0, 190.0, 195.0), max(1, int(2 * s)))
        cv2.line(img, tap, (tap[0] + int(6 * s), tap[1]), (190.0, 190.0, 195.0), max(1, int(2 * s)))


def _shelf(rng: np.random.Generator, img: np.ndarray, shelf_y: int, s: float) -> None:
    """A steel wall shelf with a soft shadow under it."""
    w = img.shape[1]
    t = max(2, int(4 * s))
    img[shelf_y : shelf_y + t] = _steel(rng, t, w, 1.1)
    sh = max(2, int(8 * s))
    img[shelf_y + t : shelf_y + t + sh] *= np.linspace(0.7, 1.0, sh, dtype=np.float32)[
        :, None, None
    ]


def _pots(
    rng: np.random.Generator, img: np.ndarray, counter_top: int, s: float
) -> tuple[tuple[int, int, int], ...]:
    """Steel or enamel pots on the counter, shaded like cylinders."""
    out = []
    for _ in range(int(rng.integers(0, 4))):
        r = int(rng.uniform(9, 20) * s)
        cx = int(rng.uniform(0.05, 0.95) * img.shape[1])
        top = counter_top - int(r * rng.uniform(0.8, 1.4))
        col = _c(rng, 60, 210)
        body = np.array(
            [(cx - r, top), (cx + r, top), (cx + r, counter_top), (cx - r, counter_top)]
        )
        paint(img, body, col, -0.5, 0.6)
        paint(img, ell(cx, top, r, max(2, r // 3)), shade(col, 1.2), -0.5, 0.3)
        out.append((cx, top, r))
    return tuple(out)


def background(width: int, height: int, rng: np.random.Generator) -> tuple[Image, Layout]:
    """A kitchen wall, counter, shelf and floor in a palette drawn from the seed."""
    s = height / 240.0
    horizon = int(height * rng.uniform(0.4, 0.55))
    img = np.empty((height, width, 3), np.float32)
    tiled = rng.random() < 0.55
    wall = _tiled_wall(rng, horizon, width, s) if tiled else _painted_wall(rng, horizon, width)
    img[:horizon] = wall
    _floor(rng, img, horizon)
    counter_top = horizon - int(height * rng.uniform(0.1, 0.16))
    shelf_y = int(height * rng.uniform(0.14, 0.28))
    if rng.random() < 0.5:
        _window(rng, img, counter_top, s)
    if rng.random() < 0.35:
        _door(rng, img, horizon, s)
    if rng.random() < 0.4:
        _hood(rng, img, s)
    _shelf(rng, img, shelf_y, s)
    _counter(rng, img, counter_top, horizon, s)
    n = min(height - horizon, horizon - counter_top)  # counter reflected in the floor
    if n > 0:
        img[horizon : horizon + n] = (
            0.8 * img[horizon : horizon + n] + 0.2 * img[horizon - n : horizon][::-1]
        )
    out = np.clip(img, 0, 255).astype(np.uint8)
    pots = _pots(rng, out, counter_top, s)
    return out, Layout(horizon=horizon, counter_top=counter_top, shelf_y=shelf_y, pots=pots)


RODENT_FUR: tuple[Color, ...] = (
    (105, 108, 112),
    (55, 80, 110),
    (32, 32, 35),
    (38, 50, 68),
    (80, 95, 115),
)


def _tail(
    img: Image, x: float, y: float, f: float, length: float, bh: float, curl: bool, col: Color
) -> None:
    """A long tapering tail from the rump, trailing or curled under the body."""
    pts = []
    for i in range(12):
        u = i / 11
        if curl:
            a = math.pi * (0.5 + 1.3 * u)
            pts.append(
                (
                    x - f * length * 0.35 * math.cos(a) * (1 - 0.3 * u),
                    y + bh * 0.4 - bh * 0.9 * math.sin(a) * 0.5,
                )
            )
        else:
            pts.append((x - f * u * length, y + math.sin(u * 3.5) * bh * 0.45 + u * bh * 0.3))
    for i in range(11):
        t = max(1, round((1 - i / 11) * max(1.0, bh * 0.28)))
        cv2.line(
            img,
            (round(pts[i][0]), round(pts[i][1])),
            (round(pts[i + 1][0]), round(pts[i + 1][1])),
            col,
            t,
            cv2.LINE_AA,
        )


def rodent(img: Image, geom: tuple[float, float, float, float], rng: np.random.Generator) -> Box:
    """A rat or mouse (side, three-quarter or curled); returns its body+head box."""
    x, y, length, f = geom
    fur_i = int(rng.integers(len(RODENT_FUR)))
    pose = str(rng.choice(["side", "side", "three_quarter", "curled"]))
    if rng.random() < 0.3:  # a mouse: smaller, bigger ears
        length *= 0.75
    floor = backdrop(img, x - length * 0.4, y - length * 0.3, x + length * 0.4, y)
    fur = pick(RODENT_FUR, fur_i, [floor], 40.0)  # never lost on a floor of its own colour
    lx = f * 0.6
    bl = length * (0.36 if pose == "side" else 0.28)
    bh = max(2.0, length * (0.17 if pose == "side" else 0.22))
    ink: Color = (150, 150, 190)
    tail_x = x - f * bl * 0.85
    _tail(img, tail_x, y - bh * 0.5, f, length * 0.8, bh, pose == "curled", shade(fur, 1.2))
    body = ell(x, y - bh, bl, bh)
    hx = x + f * bl * (1.0 if pose == "side" else 0.75)
    hy = y - bh * (0.9 if pose != "curled" else 0.6)
    head = np.array(
        [
            (hx - f * bl * 0.35, hy - bh * 0.6),
            (hx + f * bl * 0.2, hy - bh * 0.45),
            (hx + f * bl * 0.62, hy + bh * 0.1),
            (hx + f * bl * 0.2, hy + bh * 0.55),
            (hx - f * bl * 0.35, hy + bh * 0.55),
        ]
    )
    paint(img, body, fur, lx, 0.45)
    for dx in (-0.5, 0.45):  # feet
        cv2.circle(img, (round(x + dx * bl), round(y - 1)), max(1, round(bh * 0.15)), ink, -1)
    paint(img, head, shade(fur, 1.05), lx, 0.35)
    er = bh * (0.38 if length < geom[2] else 0.3)
    ear = (hx - f * bl * 0.15, hy - bh * 0.6)
    paint(img, ell(ear[0], ear[1], er, er), shade(fur, 0.8))
    paint(img, ell(ear[0], ear[1], er * 0.55, er * 0.55), ink, 0.0, 0.0, 0.7)
    nose = (round(hx + f * bl * 0.6), round(hy + bh * 0.08))
    cv2.circle(img, nose, max(1, round(bh * 0.1)), ink, -1)
    eye = (round(hx + f * bl * 0.22), round(hy - bh * 0.12))
    cv2.circle(img, eye, max(1, round(bh * 0.12)), (8, 8, 8), -1)
    pts = np.concatenate([body, head, ell(ear[0], ear[1], er, er)])
    return (
        float(pts[:, 0].min()),
        float(pts[:, 1].min()),
        float(pts[:, 0].max()),
        float(max(y, pts[:, 1].max())),
    )


def _bowl(img: Image, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """A round bowl or pot seen from above: a head-sized ring with a dark inside."""
    h, w = img.shape[:2]
    x, y = (
        rng.uniform(0.05, 0.95) * w,
        rng.choice([layout.counter_top, layout.shelf_y, int(rng.uniform(layout.horizon, h))]),
    )
    r = rng.uniform(6, 15) * s
    col = _c(rng, 120, 240)
    paint(img, ell(x, y - r * 0.3, r, r * 0.55), col, -0.4, 0.4)
    paint(img, ell(x, y - r * 0.32, r * 0.78, r * 0.4), shade(col, 0.55), 0.4, 0.3)


def _lid(img: Image, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """A dark pot lid with a knob (like a dark head from above)."""
    x = rng.uniform(0.05, 0.95) * img.shape[1]
    y = float(layout.counter_top if rng.random() < 0.6 else layout.shelf_y)
    r = rng.uniform(7, 14) * s
    col = _c(rng, 25, 70)
    paint(img, ell(x, y - r * 0.4, r, r * 0.45), col, -0.5, 0.5)
    paint(img, ell(x, y - r * 0.7, r * 0.2, r * 0.15), shade(col, 1.6), -0.5)


def _mop(img: Image, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """A mop or broom leaning on the wall: long handle, stringy or bristled head."""
    h, w = img.shape[:2]
    x = rng.uniform(0.03, 0.97) * w
    y = rng.uniform(layout.horizon, h - 2)
    hl = rng.uniform(50, 100) * s
    tilt = rng.uniform(-0.3, 0.3) * hl
    paint(img, quad((x, y - 4 * s), (x + tilt, y - hl), 3 * s, 2.5 * s), _c(rng, 60, 200), 0.3)
    col = _c(rng, 120, 230) if rng.random() < 0.5 else _c(rng, 30, 80)
    head = np.array(
        [(x - 8 * s, y), (x + 8 * s, y), (x + 5 * s, y - 7 * s), (x - 5 * s, y - 7 * s)]
    )
    paint(img, head, col, 0.3, 0.5)
    for k in range(-3, 4):
        cv2.line(
            img,
            (round(x + k * 2 * s), round(y - 6 * s)),
            (round(x + k * 2.4 * s), round(y)),
            shade(col, 0.7),
            1,
        )


def _roll(img: Image, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """A rolled cloth or a sponge on the counter or the floor (rodent-sized)."""
    h, w = img.shape[:2]
    x = rng.uniform(0.03, 0.95) * w
    y = float(layout.counter_top) if rng.random() < 0.5 else rng.uniform(layout.horizon + 4, h - 2)
    ln, th = rng.uniform(10, 24) * s, rng.uniform(4, 8) * s
    col = _c(rng, 40, 240)
    if rng.random() < 0.5:
        paint(img, ell(x, y - th / 2, ln / 2, th / 2), col, 0.0, 0.6)
        cv2.ellipse(
            img,
            (round(x + ln / 2 - 1), round(y - th / 2)),
            (max(1, round(th / 4)), max(1, round(th / 2))),
            0,
            0,
            360,
            shade(col, 0.7),
            1,
        )
    else:
        box = np.array([(x, y - th), (x + ln * 0.6, y - th), (x + ln * 0.6, y), (x, y)])
        paint(img, box, (60, 200, 230), 0.0, 0.2)  # sponge with a green scrub layer
        scrub = box.copy()
        scrub[2:, 1] = y - th * 0.6
        paint(img, scrub, (60, 140, 60), 0.0, 0.2)


def _cat(img: Image, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """A sitting or crouching cat on the floor: round head with ears, furry body."""
    h, w = img.shape[:2]
    x, y = rng.uniform(0.05, 0.95) * w, rng.uniform(layout.horizon + 8, h - 2)
    r = rng.uniform(9, 18) * s
    fur = _c(rng, 30, 200)
    paint(img, ell(x, y - r * 0.7, r * 1.2, r * 0.7), fur, 0.4, 0.5)
    hx, hy = x + r * rng.choice([-1.0, 1.0]), y - r * 1.3
    for e in (-1, 1):
        ear = np.array(
            [
                (hx + e * r * 0.45, hy - r * 0.2),
                (hx + e * r * 0.35, hy - r * 0.85),
                (hx + e * r * 0.05, hy - r * 0.45),
            ]
        )
        paint(img, ear, shade(fur, 0.9), 0.4)
    paint(img, ell(hx, hy, r * 0.5, r * 0.45), fur, 0.4, 0.4)
    for e in (-1, 1):
        cv2.circle(
            img,
            (round(hx + e * r * 0.2), round(hy - r * 0.05)),
            max(1, round(r * 0.07)),
            (60, 160, 120),
            -1,
        )
    tail = [(x - r * 1.1, y - r * 0.3), (x - r * 1.6, y - r * 0.2), (x - r * 1.8, y - r * 0.7)]
    for a, b in itertools.pairwise(tail):
        cv2.line(
            img,
            (round(a[0]), round(a[1])),
            (round(b[0]), round(b[1])),
            fur,
            max(1, round(r * 0.18)),
            cv2.LINE_AA,
        )


def _shoe(img: Image, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """A clog or shoe on the floor (dark and rodent-sized)."""
    h, w = img.shape[:2]
    x, y = rng.uniform(0.03, 0.97) * w, rng.uniform(layout.horizon + 4, h - 2)
    ln = rng.uniform(10, 20) * s
    col = _c(rng, 15, 80) if rng.random() < 0.6 else _c(rng, 150, 245)
    sole = np.array(
        [
            (x, y),
            (x + ln, y),
            (x + ln * 1.05, y - ln * 0.2),
            (x + ln * 0.4, y - ln * 0.42),
            (x, y - ln * 0.35),
        ]
    )
    paint(img, sole, col, 0.5, 0.4)
    cv2.line(img, (round(x), round(y)), (round(x + ln), round(y)), shade(col, 0.5), 1)


def _bag(img: Image, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """A brown paper bag or a dark rubbish bag on the counter or the floor."""
    h, w = img.shape[:2]
    x = rng.uniform(0.03, 0.9) * w
    y = float(layout.counter_top) if rng.random() < 0.5 else rng.uniform(layout.horizon + 6, h - 2)
    bw, bh = rng.uniform(10, 22) * s, rng.uniform(12, 28) * s
    col = (70, 120, 165) if rng.random() < 0.5 else _c(rng, 20, 60)
    pts = np.array(
        [
            (x, y),
            (x + bw, y),
            (x + bw * 0.95, y - bh),
            (x + bw * 0.55, y - bh * 1.08),
            (x + bw * 0.05, y - bh),
        ]
    )
    paint(img, pts, col, -0.4, 0.5)
    cv2.line(
        img,
        (round(x + bw * 0.1), round(y - bh * 0.85)),
        (round(x + bw * 0.9), round(y - bh * 0.85)),
        shade(col, 0.75),
        1,
    )


def _loose(img: Image, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """A cap or a mask lying on the counter or shelf, not on anybody's head."""
    x = rng.uniform(0.05, 0.95) * img.shape[1]
    y = float(layout.counter_top if rng.random() < 0.6 else layout.shelf_y)
    r = rng.uniform(6, 12) * s
    if rng.random() < 0.5:
        col = CAPS[int(rng.integers(len(CAPS)))]
        paint(img, ell(x, y, r, r * 0.7, 180, 360), col, -0.4, 0.4)
    else:
        col = MASKS[int(rng.integers(len(MASKS)))]
        pts = np.concatenate(
            [ell(x, y - r * 0.35, r, r * 0.15, 180, 360), ell(x, y - r * 0.3, r, r * 0.3, 0, 180)]
        )
        paint(img, pts, col, -0.4, 0.3)
        cv2.line(
            img,
            (round(x - r), round(y - r * 0.3)),
            (round(x - r * 1.4), round(y - r * 0.7)),
            (210, 210, 210),
            1,
        )


def _drain(img: Image, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """A dark drain cover in the floor, foreshortened by the view angle."""
    h, w = img.shape[:2]
    x, y = rng.uniform(0.05, 0.95) * w, rng.uniform(layout.horizon + 6, h - 4)
    r = rng.uniform(6, 14) * s
    paint(img, ell(x, y, r, r * 0.4), (30, 32, 35), 0.0, 0.2)
    for k in (-0.5, 0.0, 0.5):
        cv2.line(
            img,
            (round(x - r * 0.7), round(y + k * r * 0.3)),
            (round(x + r * 0.7), round(y + k * r * 0.3)),
            (70, 72, 75),
            1,
        )


def _shadow(img: Image, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """A soft shadow cast on the wall or the floor: a dark core inside a fainter penumbra."""
    h, w = img.shape[:2]
    x, y = rng.uniform(0, 1) * w, rng.uniform(0.1, 0.95) * h
    rx, ry = rng.uniform(8, 30) * s, rng.uniform(5, 22) * s
    dark = rng.uniform(0.15, 0.3)
    paint(img, ell(x, y, rx * 1.25, ry * 1.25), (0, 0, 0), 0.0, 0.0, dark)
    paint(img, ell(x, y, rx, ry), (0, 0, 0), 0.0, 0.0, dark)


_DISTRACTORS = {
    "bowl": _bowl,
    "lid": _lid,
    "mop": _mop,
    "roll": _roll,
    "cat": _cat,
    "shoe": _shoe,
    "bag": _bag,
    "loose_wear": _loose,
    "drain": _drain,
    "shadow": _shadow,
}


def distractor(img: Image, kind: str, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """Draw one named hard negative (see `KIT.distractors`)."""
    _DISTRACTORS[kind](img, layout, rng, s)


def _grain(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A random h x w window of the fixed sensor-noise bank."""
    oy, ox = int(rng.integers(0, h + 1)), int(rng.integers(0, w + 1))
    return _noise(h, w)[oy : oy + h, ox : ox + w]


def light(img: Image, rng: np.random.Generator, night: bool, ir: bool) -> Image:
    """Camera and lighting: colour cast, vignette, exposure, blur, noise; IR at night.

    By day a fluorescent or tungsten cast, a lens vignette and an exposure error of
    about +-1/2 stop; at night without IR a dim, noisy colour picture; with IR a grey
    picture lit by the camera's own illuminator (bright centre, glowing highlights).
    """
    h, w = img.shape[:2]
    r2 = _radial(h, w)
    f: np.ndarray = img.astype(np.float32)
    if rng.random() < 0.5:  # slight defocus or motion softness
        k = 3 if rng.random() < 0.7 else 5
        f = np.asarray(cv2.GaussianBlur(f, (k, k), 0), np.float32)
    grain = _grain(rng, h, w)
    if night and ir:
        grey = f @ np.array([0.3, 0.5, 0.2], np.float32)
        centre = 1.2 - rng.uniform(1.2, 2.2) * r2
        grey = grey * (rng.uniform(0.55, 0.9) * centre) + rng.uniform(5, 25)
        glow = cv2.GaussianBlur(np.maximum(grey - 200, 0), (0, 0), 4)
        grey += glow * 0.8 + grain[..., 0] * rng.uniform(4, 10)
        return np.repeat(np.asarray(np.clip(grey, 0, 255), np.uint8)[..., None], 3, axis=2)
    cast = np.array(
        [rng.uniform(0.9, 1.12), rng.uniform(0.98, 1.1), rng.uniform(0.85, 1.05)], np.float32
    )
    exposure = rng.uniform(0.35, 0.6) if night else float(np.exp(rng.uniform(-0.3, 0.35)))
    gain = (1.0 - rng.uniform(0.2, 1.2) * r2) * exposure
    f = np.asarray(cv2.multiply(f, _tint(gain, cast)), np.float32)
    cv2.scaleAdd(grain, rng.uniform(4, 9) if night else rng.uniform(1, 4), f, dst=f)
    np.clip(f, 0, 255, out=f)
    return f.astype(np.uint8)


KIT = StyleKit(
    name="photo",
    background=background,
    worker=worker,
    rodent=rodent,
    distractor=distractor,
    light=light,
    distractors=tuple(_DISTRACTORS),
)
