"""Papercut: a training style that shows the kitchen as a layered paper-craft diorama.

Every shape is a piece of coloured paper, card or felt with a slightly irregular hand-cut
outline (jitter and straight scissor facets), a visible fibre, grain, felt or corrugated
texture, a soft drop shadow on the layer behind it (down-right or down-left per frame)
and a white highlight where its edge catches the light; wall, shelf, counter and floor are
separate sheets, and the people, rodents and props sit on top with their own shadows.
Colours come from one limited craft-paper palette per frame. The point is to teach a
detector heads, hats, masks and rodents as stacks of flat cut shapes, with texture and
shadow cues that no other style has, rather than by one renderer's shading. Night is a
dim diorama lit by one small lamp; infrared is near-grey with noise and a bright centre.
Drawn by an author who saw neither the other styles nor any detector output.
"""

import itertools
import math

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.compose import StyleKit
from simulators.scenes.style_papercut_paper import (
    NOISE,
    PALETTES,
    Color,
    Sheet,
    _bgr,
    cut,
    ellipse,
    jitter,
    quads,
    rect,
    set_key,
    shade,
    strip,
    tile,
)
from simulators.scenes.style_papercut_people import worker
from simulators.scenes.style_papercut_props import DISTRACTORS, distractor
from simulators.scenes.style_papercut_rodent import rodent


def _pick(pal: tuple[Color, ...], rng: np.random.Generator) -> Color:
    return pal[int(rng.integers(len(pal)))]


def background(width: int, height: int, rng: np.random.Generator) -> tuple[np.ndarray, Layout]:
    """A paper diorama kitchen: wall card, shelf strip, counter sheet with pots, floor."""
    w, h = max(0, int(width)), max(0, int(height))
    s = max(1, h) / 240.0
    pal_id, side = int(rng.integers(len(PALETTES))), 1 if rng.random() < 0.5 else -1
    pal = PALETTES[pal_id]
    horizon = int(h * rng.uniform(0.4, 0.58))
    counter_top = horizon - int(h * rng.uniform(0.09, 0.17))
    shelf_y = int(h * rng.uniform(0.12, 0.3))
    shelf_y = max(0, min(shelf_y, counter_top - max(2, int(0.07 * h))))
    img = np.zeros((h, w, 3), np.uint8)
    set_key(img, pal_id, side)
    sh = Sheet(img, 0, 0, w, h)
    sh.palette, sh.side = pal, side
    lift = max(1.0, 2.0 * s)
    # the wall card and its decoration
    wall = shade(_pick(pal, rng), float(rng.uniform(1.0, 1.55)))
    wall_tex = "corrugated" if rng.random() < 0.2 else "fibre"
    sh.fill(0, horizon + 1, wall, wall_tex, rng)
    deco = int(rng.integers(4))
    alt = jitter(shade(wall, float(rng.uniform(0.82, 0.92))), rng, 10)
    if deco == 0:  # paper tiles
        t = max(5, int(rng.uniform(12, 24) * s))
        gap = max(1, t // 10)
        tiles = [
            (x + gap, y + gap, x + t - gap, y + t - gap)
            for y in range(0, max(1, counter_top), t)
            for x in range(0, w, t)
            if (x // t + y // t) % 2 == 0
        ]
        if tiles:
            sh.piece(
                quads(np.array(tiles), rng, 0.5), alt, rng, lift=max(1.0, s), dark=0.25, edge=0.2
            )
    elif deco == 1:  # wallpaper strips
        t = max(4, int(rng.uniform(10, 26) * s))
        strips = [(x, -2, x + t * 0.5, counter_top) for x in range(0, w, t)]
        sh.piece(quads(np.array(strips), rng, 0.6), alt, rng, lift=max(1.0, s), dark=0.2, edge=0.15)
    elif deco == 2:  # a bunting garland of triangles
        gy = float(rng.uniform(0.04, 0.1) * h)
        n = max(3, int(w / max(6.0, 18 * s)))
        flags = []
        for i in range(n):
            x0 = i * w / n
            sag = 6 * s * math.sin(math.pi * (i + 0.5) / n)
            flags.append(
                np.array(
                    [
                        (x0 + 1, gy + sag),
                        (x0 + w / n - 1, gy + sag),
                        (x0 + w / (2 * n), gy + sag + 12 * s),
                    ]
                )
            )
        sh.line([(0.0, gy), (w / 2, gy + 6 * s), (float(w), gy)], (240, 240, 240), max(1.0, s))
        for k in range(2):
            sh.piece(flags[k::2], _pick(pal, rng), rng, lift=lift)
    # a window with sky and a cotton cloud
    if rng.random() < 0.5 and w > 20:
        wx = float(rng.uniform(0.05, 0.7) * w)
        ww, wh = float(rng.uniform(0.15, 0.3) * w), float(rng.uniform(0.1, 0.2) * h)
        wy = float(max(shelf_y + 0.04 * h, rng.uniform(0.02, 0.1) * h))
        if wy + wh < counter_top - 2:
            frame_col = _pick(pal, rng)
            sh.piece([cut(rect(wx, wy, wx + ww, wy + wh), rng, 0.6)], frame_col, rng, lift=lift)
            bd = max(2.0, 3 * s)
            sky = _bgr((150, 200, 240)) if rng.random() < 0.7 else _bgr((40, 50, 100))
            sh.piece(
                [rect(wx + bd, wy + bd, wx + ww - bd, wy + wh - bd)],
                sky,
                rng,
                lift=1.0,
                dark=0.5,
                edge=0.0,
            )
            sh.piece(
                [cut(ellipse(wx + ww * 0.4, wy + wh * 0.4, ww * 0.15, wh * 0.12, 12), rng, 1.0)],
                (246, 246, 246),
                rng,
                tex="felt",
                lift=1.0,
                dark=0.1,
            )
            sh.piece(
                [
                    rect(wx + ww / 2 - bd / 2, wy, wx + ww / 2 + bd / 2, wy + wh),
                    rect(wx, wy + wh / 2 - bd / 2, wx + ww, wy + wh / 2 + bd / 2),
                ],
                frame_col,
                rng,
                lift=1.0,
            )
    # hanging utensils on a rail
    if rng.random() < 0.4 and counter_top - shelf_y > 20 * s:
        ry = shelf_y + 0.35 * (counter_top - shelf_y)
        sh.piece([rect(0, ry, w, ry + max(2, 2 * s))], (150, 150, 156), rng, tex="smooth", lift=1.0)
        for _ in range(int(rng.integers(2, 6))):
            ux = float(rng.uniform(0, w))
            r = float(rng.uniform(5, 10) * s)
            col = (60, 60, 66) if rng.random() < 0.5 else _pick(pal, rng)
            sh.piece(
                [
                    strip([(ux, ry), (ux, ry + 1.2 * r)], max(1.5, 1.5 * s)),
                    cut(ellipse(ux, ry + 2 * r, r, r, 16), rng, 0.4),
                ],
                col,
                rng,
                lift=lift,
            )
    # the shelf strip with brackets and jars
    shelf_h = max(2, int(5 * s))
    kraft = jitter(_bgr((190, 150, 104)), rng, 15) if rng.random() < 0.6 else _pick(pal, rng)
    sh.piece(
        [cut(rect(-2, shelf_y, w + 2, shelf_y + shelf_h), rng, 0.5, step=10)],
        kraft,
        rng,
        tex="corrugated" if rng.random() < 0.4 else "fibre",
        lift=lift,
    )
    jars: list[np.ndarray] = []
    lids: list[np.ndarray] = []
    for _ in range(int(rng.integers(0, 5))):
        jx = float(rng.uniform(0, w))
        jw, jh = float(rng.uniform(4, 9) * s), float(rng.uniform(6, 14) * s)
        jars.append(cut(rect(jx - jw, shelf_y - jh, jx + jw, shelf_y), rng, 0.4))
        lids.append(rect(jx - jw * 1.1, shelf_y - jh - 2 * s, jx + jw * 1.1, shelf_y - jh + s))
    for k in range(2):  # two papers for the jars, pasted together
        if jars[k::2]:
            sh.piece(jars[k::2], _pick(pal, rng), rng, lift=1.0)
    lid_col = shade(_pick(pal, rng), 0.7)
    for lid in lids:
        sh.flat(lid, lid_col)
    # the floor sheet
    floor = shade(_pick(pal, rng), float(rng.uniform(0.55, 0.85)))
    ftex = ("fibre", "felt", "corrugated")[int(rng.integers(3))]
    sh.fill(horizon, h, floor, ftex, rng)
    fdeco = int(rng.integers(3))
    falt = jitter(shade(floor, float(rng.uniform(1.1, 1.35))), rng, 10)
    if fdeco == 0 and h - horizon > 4:  # checker squares in perspective
        vx, vy = w * float(rng.uniform(0.3, 0.7)), horizon - 0.6 * (h - horizon)
        size = max(6.0, float(rng.uniform(18, 34)) * s)
        xs = np.arange(vx - size * math.ceil(vx / size + 4), w + 4 * size, size)
        ys = [float(horizon)]
        while ys[-1] < h:
            ys.append(ys[-1] + max(2.0, (ys[-1] - vy) * size / (h - vy) * 0.8))

        def fan(x: float, y: float) -> tuple[float, float]:
            return vx + (x - vx) * (y - vy) / (h - vy), y

        squares = [
            np.array([fan(x, ya), fan(x + size, ya), fan(x + size, yb), fan(x, yb)])
            for k, (ya, yb) in enumerate(itertools.pairwise(ys))
            for i, x in enumerate(xs)
            if (i + k) % 2 == 0
        ]
        sh.piece(squares, falt, rng, lift=0.0, dark=0.0, edge=0.15)
    elif fdeco == 1:  # planks
        gap = max(4, int(rng.uniform(14, 30) * s))
        for x in range(int(rng.integers(0, gap)), w, gap):
            sh.line([(x, horizon), (x + (x - w / 2) * 0.6, h)], shade(floor, 0.7), max(1.0, s))
    else:  # a felt rug
        rx0, rx1 = float(rng.uniform(0, 0.4) * w), float(rng.uniform(0.6, 1.0) * w)
        ry0 = float(horizon + rng.uniform(0.2, 0.5) * (h - horizon))
        sh.piece(
            [cut(rect(rx0, ry0, rx1, h + 4), rng, 1.0)],
            _pick(pal, rng),
            rng,
            tex="felt",
            lift=1.0,
            dark=0.3,
        )
    # the counter sheet standing in front of the wall
    body = _pick(pal, rng) if rng.random() < 0.6 else jitter((196, 190, 184), rng, 12)
    sh.piece(
        [cut(rect(-2, counter_top, w + 2, horizon), rng, 0.5, step=12)],
        body,
        rng,
        tex="smooth" if rng.random() < 0.5 else "fibre",
        lift=max(1.0, 3 * s),
        dark=0.45,
    )
    top_h = max(2.0, 4 * s)
    sh.piece(
        [rect(-2, counter_top, w + 2, counter_top + top_h)],
        shade(body, 1.25),
        rng,
        lift=1.0,
        dark=0.3,
    )
    door_w = max(8, int(rng.uniform(30, 60) * s))
    doors = [
        (x + 2 * s, counter_top + top_h + 2 * s, x + door_w - 2 * s, horizon - 2 * s)
        for x in range(int(rng.integers(0, door_w)) - door_w, w, door_w)
    ]
    if horizon - counter_top > top_h + 6 * s:
        door_col = shade(body, float(rng.uniform(0.8, 0.9)))
        sh.piece(quads(np.array(doors), rng, 0.5), door_col, rng, lift=1.0, dark=0.3)
        for p in doors:
            sh.dot(
                float(p[2]) - 4 * s, (counter_top + horizon) / 2, max(1.0, 1.5 * s), (60, 60, 70)
            )
    pots: list[tuple[int, int, int]] = []
    for _ in range(int(rng.integers(0, 4))):
        r = max(2, int(rng.uniform(9, 20) * s))
        px = int(rng.uniform(0.05, 0.95) * w)
        top = counter_top - max(1, int(r * rng.uniform(0.8, 1.4)))
        col = (120, 120, 126) if rng.random() < 0.4 else _pick(pal, rng)
        handles = [
            strip([(px + d * r, top + 0.4 * r), (px + d * 1.4 * r, top + 0.3 * r)], max(1.5, 2 * s))
            for d in (-1, 1)
        ]
        sh.piece(
            [cut(rect(px - r, top, px + r, counter_top + 2), rng, 0.5), *handles],
            col,
            rng,
            lift=lift,
        )
        sh.flat(cut(ellipse(px, top, r, max(2, r // 3), 16), rng, 0.4), shade(col, 0.7))
        pots.append((px, top, r))
    sh.commit()
    set_key(img, pal_id, side)
    return img, Layout(horizon=horizon, counter_top=counter_top, shelf_y=shelf_y, pots=tuple(pots))


def _radial(h: int, w: int, cx: float, cy: float, r: float) -> np.ndarray:
    ys = ((np.arange(h, dtype=np.float32) - cy) / r) ** 2
    xs = ((np.arange(w, dtype=np.float32) - cx) / r) ** 2
    out: np.ndarray = ys[:, None] + xs[None, :]
    return out


def light(img: np.ndarray, rng: np.random.Generator, night: bool, ir: bool) -> np.ndarray:
    """A photo of the diorama: daylight, one small lamp at night, or near-grey infrared."""
    h, w = img.shape[:2]
    if h == 0 or w == 0:
        return img
    diag = math.hypot(w, h)
    if not night:
        tint = (rng.uniform(0.9, 1.06), rng.uniform(0.96, 1.04), rng.uniform(0.94, 1.1))
        gain = float(rng.uniform(0.92, 1.08))
        cx, cy = w * float(rng.uniform(0.3, 0.7)), h * float(rng.uniform(0.3, 0.7))
        d2 = _radial(h, w, cx, cy, diag * 0.6)
        g = (1 - float(rng.uniform(0.05, 0.3)) * np.minimum(d2, 1.5)) * gain
        lit = cv2.multiply(img, cv2.merge([g * float(t) for t in tint]), dtype=cv2.CV_8U)
        if rng.random() < 0.3:  # shallow depth of field
            lit = cv2.GaussianBlur(lit, (3, 3), 0)
        noise = float(rng.uniform(0, 3))
    elif not ir:
        lx, ly = w * float(rng.uniform(0.1, 0.9)), h * float(rng.uniform(0.0, 0.6))
        pool = np.exp(-_radial(h, w, lx, ly, diag * float(rng.uniform(0.2, 0.45))))
        ambient = float(rng.uniform(0.2, 0.34))
        warm = rng.random() < 0.6
        lamp = np.array((0.55, 0.8, 1.05) if warm else (1.05, 0.85, 0.6)) * rng.uniform(0.7, 1.0)
        gains = cv2.merge([ambient + pool * float(c) for c in lamp])
        lit = cv2.multiply(img, gains, dtype=cv2.CV_8U)
        gamma = float(rng.uniform(1.1, 1.4))
        lut = np.clip(255 * (np.arange(256) / 255) ** gamma + 0.5, 0, 255).astype(np.uint8)
        lit = cv2.LUT(lit, lut)
        noise = float(rng.uniform(2, 6))
    else:
        wts = rng.dirichlet([6, 8, 6])
        grey: np.ndarray = cv2.transform(img, wts.reshape(1, 3)).astype(np.float32)
        centre = np.exp(
            -_radial(
                h,
                w,
                w * float(rng.uniform(0.4, 0.6)),
                h * float(rng.uniform(0.4, 0.6)),
                diag * float(rng.uniform(0.35, 0.6)),
            )
        )
        grey *= float(rng.uniform(0.35, 0.55)) + float(rng.uniform(0.35, 0.6)) * centre
        grey += float(rng.uniform(5, 25))
        if rng.random() < 0.5:
            grey = cv2.GaussianBlur(grey, (3, 3), 0)
        tone = 1 + rng.uniform(-0.03, 0.03, size=3)
        lit = cv2.merge([cv2.convertScaleAbs(grey, alpha=float(t)) for t in tone])
        noise = float(rng.uniform(4, 10))
    if noise <= 0:
        return lit
    n = noise * tile(NOISE, h, w, rng)
    out: np.ndarray = cv2.add(lit, cv2.merge([n, n, n]), dtype=cv2.CV_8U)
    return out


KIT = StyleKit(
    name="papercut",
    background=background,
    worker=worker,
    rodent=rodent,
    distractor=distractor,
    light=light,
    distractors=DISTRACTORS,
)
