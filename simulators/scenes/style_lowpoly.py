"""`lowpoly` training style: a faceted low-polygon 3D render of a commercial kitchen.

Everything is built from flat-shaded triangles and quads whose tone follows one
directional key light plus an ambient term, so every facet has its own flat brightness
and round things (heads, pots, bowls, cabbages, rats) show their facet edges, as in a
game engine with flat shading. Backdrops are simple gradients or large faceted panels,
the floor is a perspective grid of tiles, contacts get ambient-occlusion darkening, and
the camera look adds soft distance fog and a slightly desaturated palette; at night the
frame is dark with a coloured rim light on the edges, and the infrared night variant is
near-monochrome grey with a bright centre. It exists as training data: a detector that
sees the same people, hats, masks and rodents in this look as in the others learns their
shapes rather than one renderer's look. Workers and rodents live in
`style_lowpoly_people`, the facet geometry in `style_lowpoly_mesh`.
"""

import itertools
from functools import lru_cache

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.compose import StyleKit
from simulators.scenes.style_lowpoly_mesh import (
    Color,
    Image,
    Light,
    column,
    draw_patch,
    facet,
    flat,
    get_light,
    mul,
    pick,
    random_light,
    ring,
    set_light,
)
from simulators.scenes.style_lowpoly_people import draw_rodent, draw_worker
from simulators.scenes.style_lowpoly_props import DISTRACTORS, distractor

WALLS: tuple[Color, ...] = (
    (200, 205, 200),
    (175, 190, 200),
    (205, 195, 175),
    (160, 175, 160),
    (215, 215, 220),
    (140, 150, 170),
    (185, 200, 215),
)
FLOORS: tuple[Color, ...] = (
    (120, 125, 130),
    (90, 110, 130),
    (150, 150, 145),
    (70, 85, 95),
    (135, 150, 160),
    (100, 100, 110),
)
COUNTERS: tuple[Color, ...] = ((190, 190, 195), (170, 175, 180), (90, 120, 150), (120, 120, 125))
POTS: tuple[Color, ...] = (
    (185, 185, 190),
    (150, 155, 160),
    (50, 50, 55),
    (60, 90, 170),
    (70, 110, 180),
)
DEG = np.array


def _grad(h: int, w: int, top: Color, bottom: Color) -> Image:
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    col = np.array(top, np.float32)[None, :] * (1 - t) + np.array(bottom, np.float32)[None, :] * t
    return np.ascontiguousarray(np.broadcast_to(col[:, None, :], (h, w, 3)).astype(np.uint8))


def _wall(img: Image, w: int, horizon: int, base: Color, rng: np.random.Generator) -> None:
    kind = int(rng.integers(3))
    if kind == 2:  # a plain gradient with a faceted dado rail
        y = int(horizon * rng.uniform(0.55, 0.75))
        facet(
            img, [(0, y), (w, y), (w, y + 3), (0, y + 3)], mul(base, 0.8), (0, -1, 0.5), get_light()
        )
        return
    nx = int(rng.integers(5, 10)) if kind == 0 else int(rng.integers(8, 14))
    ny = int(rng.integers(3, 6)) if kind == 0 else int(rng.integers(5, 9))
    xs = np.linspace(0, w, nx + 1)
    ys = np.linspace(0, horizon, ny + 1)
    gx, gy = np.meshgrid(xs, ys)
    if kind == 0:  # big triangulated panels with a little relief
        gx[1:-1, 1:-1] += rng.uniform(-0.25, 0.25, (ny - 1, nx - 1)) * (w / nx)
        gy[1:-1, 1:-1] += rng.uniform(-0.25, 0.25, (ny - 1, nx - 1)) * (horizon / ny)
        gz = rng.uniform(0, 0.3 * w / nx, gx.shape)
        rel = 0.6
    else:  # tiles: flat squares with grout lines
        gz = np.zeros_like(gx)
        rel = 0.0
    p = np.stack([gx, gy, gz * rel + 0 * gx], -1)
    t = np.linspace(1.05, 0.92, ny)[:, None] + rng.uniform(-0.05, 0.05, (ny, nx))
    cols = np.array(base, float)[None, None, :] * t[..., None]
    draw_patch(img, p, cols, get_light(), quads=kind == 1)
    if kind == 1:
        g = mul(base, 0.75)
        for x in xs[1:-1]:
            cv2.line(img, (int(x), 0), (int(x), horizon), g, 1)
        for y in ys[1:-1]:
            cv2.line(img, (0, int(y)), (w, int(y)), g, 1)


def _fixture(
    img: Image, w: int, h: int, lay: tuple[int, int, int], rng: np.random.Generator
) -> None:
    """A window, a range hood or a wall cabinet between the shelf and the counter."""
    _horizon, counter_top, shelf_y = lay
    light = get_light()
    kind = int(rng.integers(4))
    x0 = float(rng.uniform(0.0, 0.7) * w)
    x1 = min(float(w), x0 + float(rng.uniform(0.18, 0.35) * w))
    if kind == 0:  # window: a sky gradient behind a frame
        y0, y1 = shelf_y + 0.06 * h, counter_top - 0.05 * h
        if y1 - y0 < 8:
            return
        sky = _grad(
            int(y1 - y0),
            int(x1 - x0),
            pick(rng, ((235, 215, 180), (220, 225, 230))),
            (245, 240, 225),
        )
        img[int(y0) : int(y0) + sky.shape[0], int(x0) : int(x0) + sky.shape[1]] = sky
        fr = pick(rng, ((230, 230, 230), (80, 80, 85), (90, 120, 150)))
        for a, b, c, d in (
            (x0, y0, x1, y0 + 3),
            (x0, y1 - 3, x1, y1),
            (x0, y0, x0 + 3, y1),
            (x1 - 3, y0, x1, y1),
            ((x0 + x1) / 2 - 1, y0, (x0 + x1) / 2 + 1, y1),
        ):
            facet(img, [(a, b), (c, b), (c, d), (a, d)], fr, (0, -0.3, 1), light)
    elif kind == 1:  # range hood: a faceted trapezoid over the counter
        yb = counter_top - float(rng.uniform(0.12, 0.2)) * h
        yt = max(0.0, yb - 0.14 * h)
        steel = pick(rng, ((190, 190, 195), (150, 150, 155)))
        m = (x0 + x1) / 2
        facet(
            img,
            [(m - 0.25 * (x1 - x0), yt), (m, yt), (m, yb), (x0, yb)],
            steel,
            (-0.6, -0.3, 0.7),
            light,
        )
        facet(
            img,
            [(m, yt), (m + 0.25 * (x1 - x0), yt), (x1, yb), (m, yb)],
            steel,
            (0.6, -0.3, 0.7),
            light,
        )
        facet(
            img,
            [(x0, yb), (x1, yb), (x1, yb + 4), (x0, yb + 4)],
            mul(steel, 0.8),
            (0, 0.2, 1),
            light,
        )
    elif kind == 2:  # wall cabinet
        y0, y1 = max(0.0, shelf_y - 0.16 * h), shelf_y - 0.02 * h
        if y1 - y0 < 6:
            return
        cab = pick(rng, ((200, 200, 200), (120, 150, 170), (90, 100, 110)))
        facet(img, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], cab, (0, 0, 1), light)
        m = (x0 + x1) / 2
        cv2.line(img, (int(m), int(y0)), (int(m), int(y1)), mul(cab, 0.7), 1)
        facet(
            img, [(x0, y1), (x1, y1), (x1 + 3, y1 + 3), (x0 - 3, y1 + 3)], cab, (0, 1, 0.4), light
        )


def _counter(img: Image, w: int, h: int, horizon: int, top: int, rng: np.random.Generator) -> None:
    light = get_light()
    c = pick(rng, COUNTERS, 8)
    depth = max(3, int(0.03 * h))
    x0 = 0 if rng.random() < 0.6 else int(rng.uniform(0, 0.3) * w)
    x1 = w if rng.random() < 0.6 else int(rng.uniform(0.7, 1.0) * w)
    facet(
        img, [(x0, top), (x1, top), (x1, top + depth), (x0, top + depth)], c, (0, -1, 0.25), light
    )
    front = mul(c, float(rng.uniform(0.75, 1.0)))
    facet(
        img,
        [(x0, top + depth), (x1, top + depth), (x1, horizon), (x0, horizon)],
        front,
        (0, 0.1, 1),
        light,
    )
    n = int(rng.integers(2, 7))
    edges = np.linspace(x0, x1, n + 1)
    for a, b in itertools.pairwise(edges):
        cv2.rectangle(
            img, (int(a) + 2, top + depth + 3), (int(b) - 2, horizon - 3), mul(front, 0.85), 1
        )
        hx = int(a + 0.8 * (b - a))
        cv2.line(img, (hx, top + depth + 6), (hx, top + depth + 12), mul(front, 0.5), 2)
    # ambient occlusion: where the counter meets the floor and the wall
    rows = slice(horizon, min(img.shape[0], horizon + max(2, int(0.025 * h))))
    img[rows, x0:x1] = (img[rows, x0:x1] * 0.72).astype(np.uint8)
    img[max(0, top - 2) : top, x0:x1] = (img[max(0, top - 2) : top, x0:x1] * 0.8).astype(np.uint8)


def _pot(
    img: Image, cx: float, bottom: float, r: float, hgt: float, col: Color, light: Light
) -> None:
    body = column(cx, [bottom - hgt, bottom - hgt * 0.5, bottom], [r, r * 1.02, r * 0.96], 6, 0.8)
    draw_patch(img, body, col, light)
    rim = ring(cx, bottom - hgt, r, r * 0.28, 10)
    facet(img, rim, col, (0, -1, 0.2), light)
    for side in (-1, 1):
        flat(
            img,
            [
                (cx + side * r, bottom - hgt * 0.8),
                (cx + side * r * 1.25, bottom - hgt * 0.75),
                (cx + side * r * 1.25, bottom - hgt * 0.6),
                (cx + side * r, bottom - hgt * 0.6),
            ],
            mul(col, 0.6),
        )


def _floor(img: Image, w: int, h: int, horizon: int, base: Color, rng: np.random.Generator) -> None:
    vx = float(rng.uniform(0.2, 0.8) * w)
    vy = horizon - float(rng.uniform(0.3, 1.0) * h)
    ncol = int(rng.integers(7, 14))
    nrow = int(rng.integers(4, 8))
    xh = np.linspace(-0.5 * w, 1.5 * w, ncol * 2 + 1)
    f = np.linspace(0, 1, nrow + 1) ** 1.5
    ys = horizon + (h + 2 - horizon) * f
    k = (ys - vy) / (horizon - vy)
    gx = vx + (xh[None, :] - vx) * k[:, None]
    p = np.stack([gx, ys[:, None] + 0 * gx, np.zeros_like(gx)], -1)
    ii, jj = np.meshgrid(np.arange(nrow), np.arange(ncol * 2), indexing="ij")
    check = float(rng.uniform(0.0, 0.15))
    t = 1.0 + np.where((ii + jj) % 2 == 0, check, -check) + rng.uniform(-0.04, 0.04, ii.shape)
    t *= np.linspace(0.85, 1.1, nrow)[:, None]
    cols = np.array(base, float)[None, None, :] * t[..., None]
    ambient = get_light()
    draw_patch(img, p, cols, ambient, quads=True)


def background(w: int, h: int, rng: np.random.Generator) -> tuple[Image, Layout]:
    """A faceted kitchen: wall, fixture, shelf, counter with pots, perspective floor."""
    light = random_light(rng)
    set_light(light)
    horizon = int(h * rng.uniform(0.42, 0.62))
    counter_top = int(horizon - h * rng.uniform(0.1, 0.17))
    shelf_y = int(min(h * rng.uniform(0.12, 0.28), counter_top - 0.12 * h))
    wall = pick(rng, WALLS, 15)
    img = _grad(
        h, w, mul(wall, float(rng.uniform(0.75, 0.95))), mul(wall, float(rng.uniform(1.0, 1.1)))
    )
    _wall(img, w, horizon, wall, rng)
    _fixture(img, w, h, (horizon, counter_top, shelf_y), rng)
    # shelf: a top facet and a front facet on two brackets
    sx0 = int(rng.uniform(-0.1, 0.4) * w)
    sx1 = int(sx0 + rng.uniform(0.4, 1.0) * w)
    sc = pick(rng, ((180, 180, 185), (70, 110, 150), (200, 200, 200)), 8)
    for bx in (sx0 + 0.1 * (sx1 - sx0), sx1 - 0.1 * (sx1 - sx0)):
        facet(
            img,
            [(bx, shelf_y), (bx + 3, shelf_y), (bx + 3, shelf_y + 0.05 * h)],
            sc,
            (0, 0, 1),
            light,
        )
    facet(
        img,
        [(sx0, shelf_y - 3), (sx1, shelf_y - 3), (sx1, shelf_y), (sx0, shelf_y)],
        sc,
        (0, -1, 0.3),
        light,
    )
    facet(
        img,
        [(sx0, shelf_y), (sx1, shelf_y), (sx1, shelf_y + 3), (sx0, shelf_y + 3)],
        sc,
        (0, 0.3, 1),
        light,
    )
    img[shelf_y + 3 : shelf_y + 6, max(0, sx0) : max(0, sx1)] //= 2
    _counter(img, w, h, horizon, counter_top, rng)
    pots = []
    for _ in range(int(rng.integers(1, 4))):
        r = float(rng.uniform(0.03, 0.06) * w)
        cx = float(rng.uniform(0.08, 0.92) * w)
        hgt = r * float(rng.uniform(0.7, 1.4))
        bottom = counter_top + 0.6 * max(3, int(0.03 * h))
        _pot(img, cx, bottom, r, hgt, pick(rng, POTS, 8), light)
        pots.append((int(cx), int(bottom - hgt), int(r)))
    _floor(img, w, h, horizon, pick(rng, FLOORS, 12), rng)
    return img, Layout(horizon, counter_top, shelf_y, tuple(pots))


@lru_cache(maxsize=8)
def _radial(h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    out: np.ndarray = d.astype(np.float32)
    return out


def light(img: Image, rng: np.random.Generator, night: bool, ir: bool) -> Image:
    """Camera look applied last: desaturation, tint, distance fog; night and infrared."""
    h, w = img.shape[:2]
    d2 = _radial(h, w)
    if ir:  # infrared: grey, skin and cloth bright, a hot spot in the middle
        lum = cv2.transform(img, np.array([[0.2, 0.35, 0.45]], np.float32)).reshape(h, w)
        spot = 1.0 - float(rng.uniform(0.4, 0.6)) * np.minimum(d2, 1.6) / 1.6
        v = (
            float(rng.uniform(10, 25)) + lum.astype(np.float32) * float(rng.uniform(0.45, 0.6))
        ) * spot
        noise = cv2.resize(rng.normal(0, 3, (h // 4 + 1, w // 4 + 1)).astype(np.float32), (w, h))
        g = np.clip(v + noise, 0, 255).astype(np.uint8)
        out: Image = cv2.merge([g, g, g])
        tint = int(rng.integers(-2, 3))
        out[:, :, 1] = cv2.add(out[:, :, 1], max(0, tint))
        return out
    sat = float(rng.uniform(0.62, 0.9))  # keep 62-90 % of the colour
    gray = np.array([0.114, 0.587, 0.299], np.float32)
    m = sat * np.eye(3, dtype=np.float32) + (1 - sat) * np.tile(gray, (3, 1))
    if night:
        gains = np.array([rng.uniform(0.3, 0.45), rng.uniform(0.22, 0.32), rng.uniform(0.18, 0.3)])
    else:
        warm = float(rng.uniform(-0.06, 0.06))
        gains = float(rng.uniform(0.92, 1.1)) * np.array([1 - warm, 1.0, 1 + warm])
    out = cv2.transform(img, np.hstack([m * gains[:, None], np.zeros((3, 1))]).astype(np.float32))
    # distance fog (strongest around the far wall) and a soft vignette, in one pass
    rows = np.linspace(0.0, 1.0, h, dtype=np.float32)
    peak = float(rng.uniform(0.35, 0.6))
    amt = float(rng.uniform(0.05, 0.3)) * (0.4 if night else 1.0)
    fog_w = (amt * np.exp(-(((rows - peak) / 0.3) ** 2))).astype(np.float32)
    fog = np.array(pick(rng, ((215, 215, 210), (225, 215, 205), (200, 205, 215)), 5), np.float32)
    if night:
        fog = fog * 0.25
    vig = float(rng.uniform(0.05, 0.25)) / 2.0
    a = (1.0 - fog_w)[:, None] * (1.0 - vig * np.minimum(d2, 2.0))
    f = out.astype(np.float32)
    f *= a[:, :, None]
    f += fog_w[:, None, None] * fog[None, None, :]
    if night:  # coloured rim light on the edges that face it
        lum = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
        side = 1.0 if rng.random() < 0.5 else -1.0
        edge = np.zeros_like(lum)
        edge[:, 1:] = lum[:, 1:] - lum[:, :-1]
        edge = np.minimum(np.maximum(edge * side, 0.0), 60.0)
        edge[:, 1:] = np.maximum(edge[:, 1:], edge[:, :-1])  # two pixels wide
        rim = np.array(
            pick(rng, ((255, 160, 60), (200, 80, 220), (80, 200, 255), (120, 255, 140)), 0)
        )
        f += edge[:, :, None] * (rim.astype(np.float32) * float(rng.uniform(1.0, 1.8)) / 255.0)
    lit: Image = cv2.convertScaleAbs(f)
    return lit


def rodent(
    img: Image, rg: tuple[float, float, float, float], rng: np.random.Generator
) -> tuple[float, float, float, float]:
    return draw_rodent(img, rg, rng)


KIT = StyleKit(
    name="lowpoly",
    background=background,
    worker=draw_worker,
    rodent=rodent,
    distractor=distractor,
    light=light,
    distractors=DISTRACTORS,
)
