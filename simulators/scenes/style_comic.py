"""`comic`, a training style: a kitchen as a printed comic-book or manga panel.

Each frame is one panel: bold black ink outlines of varying weight over flat cel-shaded
fills from a limited bright palette (or black-and-white manga with grey screentone),
Ben-Day dot screens of varying size and angle for shading and backgrounds, sometimes
manga focus lines, sound-effect lettering, a panel border with its white gutter, and
slightly mis-registered colour plates. Workers are inked comic figures of several builds
and skin tones whose heads are a flat skin fill inside an ink outline with simple face
marks; hats and masks of many kinds are inked shapes over the head; rodents are cartoon
rats. Night is dark blue-black flats under heavy screentone, infrared a grey manga page.
Why: a detector that has only seen shaded or photographic pixels must learn heads, hats,
masks and rodents from outlines, flat fills and dot patterns too, and the hard negatives
(cloths, aprons, bowls, a cat, a hat or mask on a shelf, posters with faces, speech
bubbles) are drawn in the same ink so outlines and dots alone are no cue.
"""

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.compose import StyleKit
from simulators.scenes.style_comic_ink import (
    BRIGHT,
    INK,
    WHITE,
    Color,
    blob,
    clip_box,
    dot_field,
    focus_lines,
    grey_of,
    inked,
    line,
    mix,
    screen,
    shade,
)
from simulators.scenes.style_comic_people import draw_rodent, draw_worker
from simulators.scenes.style_comic_props import DISTRACTORS, draw_distractor

GREYS: tuple[Color, ...] = ((235, 235, 235), (200, 200, 200), (165, 165, 165), (125, 125, 125))


def _palette(rng: np.random.Generator, manga: bool) -> list[Color]:
    """Four flats for wall, floor, counter and shelf: bright inks or manga greys."""
    if manga:
        return [GREYS[int(i)] for i in rng.integers(0, len(GREYS), 4)]
    picks = rng.choice(len(BRIGHT), 4, replace=False)
    soft = float(rng.uniform(0.0, 0.45))
    return [mix(BRIGHT[int(i)], WHITE, soft) for i in picks]


def _layout(h: int, rng: np.random.Generator) -> tuple[int, int, int]:
    """Horizon, counter top and shelf rows, kept in order on any frame size."""
    horizon = min(h - 1, max(3, int(h * rng.uniform(0.42, 0.58))))
    counter = min(horizon - 1, max(2, horizon - int(h * rng.uniform(0.1, 0.16))))
    shelf = min(counter - 1, max(1, int(h * rng.uniform(0.14, 0.3))))
    return horizon, counter, shelf


def _wall(img: np.ndarray, horizon: int, wall: Color, s: float, rng: np.random.Generator) -> None:
    """Ben-Day dots, inked tiles, focus lines or a plain flat on the wall."""
    w = img.shape[1]
    r = rng.random()
    period = max(2, round(float(rng.uniform(3, 7)) * s))
    if r < 0.4:
        dot = (
            shade(wall, float(rng.uniform(0.6, 0.85)))
            if rng.random() < 0.6
            else mix(wall, WHITE, 0.7)
        )
        screen(
            img,
            (0, 0, w, horizon),
            dot,
            period,
            int(rng.choice([15, 45, 75])),
            float(rng.uniform(0.15, 0.35)),
        )
    elif r < 0.7:
        tile = max(4, round(float(rng.uniform(10, 22)) * s))
        grout = shade(wall, 0.55)
        for y in range(tile, horizon, tile):
            cv2.line(img, (0, y), (w - 1, y), grout, 1)
        for x in range(int(rng.uniform(0, tile)), w, tile):
            cv2.line(img, (x, 0), (x, horizon - 1), grout, 1)
    elif r < 0.85:
        ys = np.linspace(1, 0, max(1, horizon), dtype=np.float32)[:, None]
        screen(img, (0, 0, w, horizon), shade(wall, 0.6), period, 45, 0.05 + 0.4 * ys)


def _window_or_hood(
    img: np.ndarray, shelf: int, s: float, lw: int, rng: np.random.Generator, manga: bool
) -> None:
    """A window with cartoon glare strokes, or an extractor hood with a shaded side."""
    h, w = img.shape[:2]
    if rng.random() < 0.5:
        x, ww = float(rng.uniform(0.05, 0.7)) * w, float(rng.uniform(0.15, 0.3)) * w
        y, wh = float(rng.uniform(0.02, 0.1)) * h, float(rng.uniform(0.12, 0.2)) * h
        sky = grey_of((240, 215, 160)) if manga else (240, 215, 160)
        inked(img, np.array([(x, y), (x + ww, y), (x + ww, y + wh), (x, y + wh)]), sky, lw)
        line(img, (x + ww / 2, y), (x + ww / 2, y + wh), INK, lw)
        for k in (0.15, 0.3):
            line(
                img,
                (x + ww * k, y + wh * 0.7),
                (x + ww * (k + 0.12), y + wh * 0.25),
                WHITE,
                max(1, lw),
            )
    else:
        x, hw = float(rng.uniform(0.1, 0.6)) * w, float(rng.uniform(0.2, 0.35)) * w
        bot = max(2.0, shelf - 2.0)
        steel = (175, 175, 180) if not manga else (175, 175, 175)
        hood = np.array([(x + 0.25 * hw, 0), (x + 0.75 * hw, 0), (x + hw, bot), (x, bot)])
        inked(img, hood, steel, lw)
        inked(
            img,
            np.array([(x + 0.6 * hw, 0), (x + 0.75 * hw, 0), (x + hw, bot), (x + 0.7 * hw, bot)]),
            shade(steel, 0.75),
            lw,
        )


def _counter(
    img: np.ndarray,
    counter: int,
    horizon: int,
    col: Color,
    s: float,
    lw: int,
    rng: np.random.Generator,
) -> None:
    """Counter front with a lighter top slab, cabinet doors and dots darkening downward."""
    w = img.shape[1]
    img[counter:horizon] = col
    rows = max(1, horizon - counter)
    grad = np.linspace(0.05, 0.45, rows, dtype=np.float32)[:, None]
    screen(img, (0, counter, w, horizon), shade(col, 0.6), max(2, round(4 * s)), 45, grad)
    slab = max(2, round(4 * s))
    img[counter : min(horizon, counter + slab)] = mix(col, WHITE, 0.5)
    cv2.line(img, (0, counter), (w - 1, counter), INK, lw)
    cv2.line(img, (0, counter + slab), (w - 1, counter + slab), INK, max(1, lw - 1))
    step = max(8, round(float(rng.uniform(35, 80)) * s))
    for x in range(int(rng.uniform(5, 30) * s), w, step):
        cv2.line(img, (x, counter + slab), (x, horizon), INK, 1)
        cv2.line(
            img,
            (x + round(4 * s), counter + slab + round(5 * s)),
            (x + round(4 * s), counter + slab + round(10 * s)),
            INK,
            max(1, lw),
        )


def _floor(img: np.ndarray, horizon: int, col: Color, s: float, rng: np.random.Generator) -> None:
    """Checker tiles (vectorised) or perspective ink lines, a dotted band under the counter."""
    h, w = img.shape[:2]
    img[horizon:] = col
    if rng.random() < 0.45:
        t = max(3, round(float(rng.uniform(12, 26)) * s))
        ys = np.arange(horizon, h)[:, None] // t
        xs = np.arange(w)[None, :] // t
        img[horizon:][(ys + xs) % 2 == 1] = shade(col, 0.78)
    else:
        vx = float(rng.uniform(0.2, 0.8)) * w
        n = int(rng.integers(5, 12))
        segs = [
            np.array([[[round(vx + (x - vx) * 0.25), horizon]], [[round(x), h + 2]]], np.int32)
            for x in np.linspace(-w, 2 * w, 3 * n)
        ]
        cv2.polylines(img, segs, False, shade(col, 0.45), 1)
    band = max(2, round(float(rng.uniform(4, 10)) * s))
    screen(
        img, (0, horizon, w, min(h, horizon + band)), shade(col, 0.4), max(2, round(3 * s)), 15, 0.4
    )


def _pots(
    img: np.ndarray, counter: int, s: float, lw: int, manga: bool, rng: np.random.Generator
) -> tuple[tuple[int, int, int], ...]:
    """Inked pots on the counter with a highlight stripe and a lid ellipse."""
    w = img.shape[1]
    pots = []
    for _ in range(int(rng.integers(0, 4))):
        r = max(1, round(float(rng.uniform(10, 20)) * s))
        cx = min(w - 1, int(rng.uniform(0.05, 0.95) * w))
        top = counter - max(1, round(r * float(rng.uniform(0.8, 1.3))))
        c = BRIGHT[int(rng.integers(len(BRIGHT)))] if rng.random() < 0.5 else (165, 168, 172)
        c = grey_of(c) if manga else c
        inked(
            img,
            np.array([(cx - r, top), (cx + r, top), (cx + r, counter), (cx - r, counter)]),
            c,
            lw,
        )
        line(
            img,
            (cx - r * 0.55, top + 2),
            (cx - r * 0.55, counter - 2),
            mix(c, WHITE, 0.75),
            max(1, lw),
        )
        inked(img, blob(cx, top, r * 1.05, max(1.0, r / 3)), shade(c, 0.8), lw)
        pots.append((cx, top, r))
    return tuple(pots)


def _panel(img: np.ndarray, s: float, rng: np.random.Generator) -> None:
    """A white gutter and a heavy panel border at the frame edges (sometimes)."""
    h, w = img.shape[:2]
    g = max(1, round(float(rng.uniform(2, 7)) * s))
    img[:g], img[h - g :], img[:, :g], img[:, w - g :] = WHITE, WHITE, WHITE, WHITE
    b = max(1, round(float(rng.uniform(1.5, 3.5)) * s))
    cv2.rectangle(img, (g, g), (w - 1 - g, h - 1 - g), INK, b)


def background(w: int, h: int, rng: np.random.Generator) -> tuple[np.ndarray, Layout]:
    """An inked comic kitchen panel: wall, window/hood, shelf, counter, pots, floor."""
    w, h = max(1, int(w)), max(1, int(h))
    s = h / 240.0
    manga = rng.random() < 0.3
    wall, floor, bench, board = _palette(rng, manga)
    lw = max(1, round(float(rng.uniform(1.2, 3.0)) * s))
    horizon, counter, shelf = _layout(h, rng)
    img = np.empty((h, w, 3), np.uint8)
    img[:horizon] = wall
    _wall(img, horizon, wall, s, rng)
    if rng.random() < 0.75:
        _window_or_hood(img, shelf, s, lw, rng, manga)
    if rng.random() < 0.2:
        focus_lines(
            img,
            w * float(rng.uniform(0.3, 0.7)),
            h * float(rng.uniform(0.2, 0.6)),
            0.45 * max(w, h),
            int(rng.integers(20, 60)),
            INK,
            rng,
        )
    sth = max(2, round(4 * s))
    cv2.rectangle(img, (-2, shelf), (w + 2, shelf + sth), board, -1)
    cv2.rectangle(img, (-2, shelf), (w + 2, shelf + sth), INK, max(1, lw - 1))
    x0, y0, x1, y1 = clip_box(img, 0, shelf + sth + 1, w, min(counter, shelf + sth + 1 + 3 * s))
    img[y0:y1, x0:x1] = shade(wall, 0.7)
    _counter(img, counter, horizon, bench, s, lw, rng)
    _floor(img, horizon, floor, s, rng)
    cv2.line(img, (0, horizon), (w - 1, horizon), INK, lw + 1)
    pots = _pots(img, counter, s, lw, manga, rng)
    if rng.random() < 0.35:
        _panel(img, s, rng)
    return img, Layout(horizon=horizon, counter_top=counter, shelf_y=shelf, pots=pots)


def _shift(ch: np.ndarray, dx: int, dy: int) -> np.ndarray:
    m = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
    out: np.ndarray = cv2.warpAffine(
        ch, m, (ch.shape[1], ch.shape[0]), borderMode=cv2.BORDER_REPLICATE
    )
    return out


def _print_day(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mis-registered plates, yellowed newsprint, dot gain: a printed page by day."""
    out = img.copy()
    if rng.random() < 0.4:  # one colour plate a pixel or two off the ink
        c = int(rng.integers(0, 3))
        out[..., c] = _shift(
            np.ascontiguousarray(out[..., c]), int(rng.integers(-2, 3)), int(rng.integers(-2, 3))
        )
    if rng.random() < 0.3:
        paper = np.array(
            [float(rng.uniform(0.78, 0.9)), float(rng.uniform(0.9, 0.97)), 1.0], np.float32
        )
        out = cv2.multiply(out, np.full(out.shape, 1.0, np.float32) * paper, dtype=cv2.CV_8U)
    if rng.random() < 0.2:
        out = cv2.GaussianBlur(out, (3, 3), 0.6)
    return out


def _screened(grey: np.ndarray, rng: np.random.Generator, dark: int, light_v: int) -> np.ndarray:
    """Manga screentone: ink stays ink, mid greys become dots, highlights a flat."""
    h, w = grey.shape
    f = dot_field(
        h, w, max(2, round(float(rng.uniform(3, 5)) * h / 240)), int(rng.choice([15, 45, 75]))
    )
    cover = np.clip((230.0 - grey) / 180.0, 0, 1) * 0.62
    out = np.where(f < cover, dark, light_v).astype(np.uint8)
    out[grey < 50] = min(dark, 20)
    return out


def light(img: np.ndarray, rng: np.random.Generator, night: bool, ir: bool) -> np.ndarray:
    """Day: a printed page; night: dark blue-black flats under heavy screentone; IR:
    a grey manga page (equal channels, screentoned mid-tones, brighter centre)."""
    if not night:
        return _print_day(img, rng)
    h, w = img.shape[:2]
    if ir:
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
        g = _screened(grey, rng, int(rng.uniform(20, 45)), int(rng.uniform(150, 200))).astype(
            np.float32
        )
        ys = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
        xs = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
        g *= 1.1 - float(rng.uniform(0.3, 0.5)) * (xs * xs + ys * ys)
        return cv2.merge([np.clip(g, 0, 255).astype(np.uint8)] * 3)
    k = float(rng.uniform(0.28, 0.42))
    tint = (
        np.array([1.0, float(rng.uniform(0.55, 0.75)), float(rng.uniform(0.4, 0.6))], np.float32)
        * k
    )
    f = img.astype(np.float32) * tint
    dots = dot_field(
        h, w, max(2, round(float(rng.uniform(3, 6)) * h / 240)), int(rng.choice([15, 45]))
    )
    f[dots < float(rng.uniform(0.25, 0.45))] *= 0.45
    return np.clip(f, 0, 255).astype(np.uint8)


KIT = StyleKit(
    name="comic",
    background=background,
    worker=draw_worker,
    rodent=draw_rodent,
    distractor=draw_distractor,
    light=light,
    distractors=DISTRACTORS,
)
