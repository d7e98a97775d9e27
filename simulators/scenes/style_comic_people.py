"""Workers and rodents of the `comic` style: inked figures with flat cel-shaded fills.

Figures vary in build (narrow to broad shoulders, chibi bodies under big heads or
realistic proportions), coat, apron and skin tone. A head is an inked superellipse that
fills its box (outline inside the box, hair and face marks inside the outline), its
skin picked to stand apart from the page under it, so a 10 px head still reads as a
head; raised arms stop beside the head so nothing rises above a bare head. Rodents are
cartoon rats with ears, a snout, an eye and a trailing tail line.
"""

import cv2
import numpy as np

from simulators.scenes.actors import head_box
from simulators.scenes.spec import WorkerSpec
from simulators.scenes.style_comic_ink import (
    BRIGHT,
    INK,
    SKINS,
    WHITE,
    Color,
    blob,
    clip_box,
    col,
    far,
    grey_of,
    ink_for,
    inked,
    ipts,
    is_manga,
    limb,
    line,
    mix,
    pick,
    screen_poly,
    shade,
    solid,
    speed_lines,
)
from simulators.scenes.style_comic_wear import draw_hat, draw_mask

Box = tuple[float, float, float, float]
HAIRS: tuple[Color, ...] = (
    (20, 18, 20),
    (30, 50, 80),
    (60, 170, 230),  # blonde
    (40, 70, 170),  # auburn
    (170, 90, 40),  # manga blue
    (150, 150, 150),
)


def _page_under(img: np.ndarray, box: Box) -> Color:
    x0, y0, x1, y1 = clip_box(img, *box)
    if x1 <= x0 or y1 <= y0:
        return WHITE
    return col(img[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0))


def _skin(rng: np.random.Generator, page: Color, manga: bool) -> Color:
    """A skin tone whose flat fill and cel shadow both stand apart from the page."""
    order = rng.permutation(len(SKINS))
    best, score = SKINS[0], -1
    for i in order:
        c = grey_of(SKINS[int(i)]) if manga else SKINS[int(i)]
        d = min(far(c, page), far(shade(c, 0.82), page))
        if d > 55:
            return c
        if d > score:
            best, score = c, d
    return best


def _hair(
    img: np.ndarray, g: dict[str, float], lw: int, colour: Color, rng: np.random.Generator
) -> None:
    """Hair cap inside the head outline with a jagged manga fringe and a shine."""
    cx, top, hh, hw = g["cx"], g["top"], g["hh"], g["hw"]
    rx, ry = hw / 2 - lw * 0.5, hh / 2 - lw * 0.5
    arc = blob(cx, top + hh / 2, rx, ry, 4.0, 40)
    depth = float(rng.uniform(0.25, 0.42))
    cap = arc[arc[:, 1] < top + depth * hh]
    if len(cap) < 3:
        return
    cap = cap[np.argsort(np.arctan2(cap[:, 1] - (top + hh / 2), cap[:, 0] - cx))]
    n = int(rng.integers(3, 6))
    xs = np.linspace(cx + rx, cx - rx, 2 * n + 1)
    ys = np.where(np.arange(2 * n + 1) % 2 == 0, top + depth * hh, top + (depth + 0.12) * hh)
    fringe = np.stack([xs, ys], 1)
    inked(img, np.concatenate([cap, fringe]), colour, 0)
    if rng.random() < 0.6:
        line(
            img,
            (cx - 0.25 * hw, top + 0.12 * hh),
            (cx - 0.05 * hw, top + 0.08 * hh),
            mix(colour, WHITE, 0.6),
            max(1, lw),
        )


def _face(
    img: np.ndarray,
    g: dict[str, float],
    turn: float,
    skin: Color,
    manga: bool,
    reverse: bool,
    rng: np.random.Generator,
) -> None:
    """Simple comic face marks that slide with the head turn: eyes, nose, mouth. On a
    dark page (`reverse`, white line work) eyes get whites so they still show."""
    top, hh, hw = g["top"], g["hh"], g["hw"]
    fx = g["cx"] + turn * 0.18 * hw
    ey = top + 0.52 * hh
    er = max(1.0, 0.055 * hw)
    for dx in (-0.2, 0.2):
        ex = fx + dx * hw
        if hw < 16:  # a small head: eyes are two short strokes
            line(img, (ex, ey - 0.04 * hh), (ex, ey + 0.03 * hh), INK, 1)
        elif rng.random() < 0.5 and not reverse:
            solid(img, ex, ey, er, er * 1.3, 2, INK, 1)
        else:  # big manga eye: white with a pupil
            solid(img, ex, ey, er * 1.4, er * 1.7, 2, WHITE, 1)
            solid(img, ex + turn * er * 0.4, ey + er * 0.3, er * 0.7, er, 2, INK, 1)
    line(
        img,
        (fx - 0.05 * hw, top + 0.67 * hh),
        (fx + 0.03 * hw + turn * 0.05 * hw, top + 0.7 * hh),
        shade(skin, 0.5),
        1,
    )
    mw = float(rng.uniform(0.1, 0.16)) * hw
    mouth = grey_of((40, 30, 120)) if manga else (40, 30, 120)
    line(img, (fx - mw, top + 0.82 * hh), (fx + mw, top + 0.82 * hh), mouth, max(1, round(hh / 22)))
    if rng.random() < 0.3 and not manga:  # blush marks
        for dx in (-0.3, 0.3):
            line(
                img,
                (fx + dx * hw - 1, top + 0.64 * hh),
                (fx + dx * hw + 1, top + 0.62 * hh),
                (140, 120, 235),
                1,
            )


def _head(
    img: np.ndarray,
    spec: WorkerSpec,
    g: dict[str, float],
    look: tuple[Color, Color, Color],
    lw: int,
    manga: bool,
    rng: np.random.Generator,
) -> None:
    """Ink silhouette spanning the whole head box, skin flat, cel shadow, hair, face."""
    skin, page, ink = look
    cx, top, hh, hw = g["cx"], g["top"], g["hh"], g["hw"]
    p = float(rng.uniform(3.3, 4.6))
    solid(img, cx, top + hh / 2, hw / 2, hh / 2, p, skin, lw, ink)
    side = -1.0 if spec.turn > 0 else 1.0  # the shadow falls on the far cheek
    sh = blob(cx + side * 0.32 * hw, top + 0.6 * hh, 0.14 * hw, 0.3 * hh, 3.0)
    inked(img, sh, shade(skin, 0.82), 0)
    hair = _hair_colour(rng, page, manga)
    if hair is not None:
        _hair(img, g, lw, hair, rng)
    _face(img, g, spec.turn, skin, manga, ink != INK, rng)


def _hair_colour(rng: np.random.Generator, page: Color, manga: bool) -> Color | None:
    """A hair colour that shows on the page (or None: bald or cropped)."""
    if rng.random() < 0.15:
        return None
    return pick(rng, HAIRS, (page,), manga)


def _body(
    img: np.ndarray,
    spec: WorkerSpec,
    g: dict[str, float],
    look: tuple[Color, Color, Color],
    lw: int,
    manga: bool,
    rng: np.random.Generator,
) -> None:
    """Legs, coat with a cel-shaded side, apron, arms; all below the head top."""
    skin, _page, ink = look
    ph, cx, fy, hh = g["ph"], g["cx"], g["fy"], g["hh"]
    build = float(rng.uniform(0.75, 1.3)) * (0.8 if rng.random() < 0.3 else 1.0)
    sh = 0.13 * ph * build
    neck_y = g["top"] + hh
    waist = fy - 0.45 * ph
    tone = grey_of if manga else (lambda c: c)
    coat = (
        tone(mix(WHITE, BRIGHT[int(rng.integers(len(BRIGHT)))], 0.12))
        if rng.random() < 0.65
        else tone(BRIGHT[int(rng.integers(len(BRIGHT)))])
    )
    pants = tone((40, 36, 38) if rng.random() < 0.5 else (110, 70, 45))
    for s in (-1, 1):
        leg = np.array(
            [
                (cx + s * 0.015 * ph, waist),
                (cx + s * 0.1 * ph * build, waist),
                (cx + s * 0.085 * ph, fy - 0.03 * ph),
                (cx + s * 0.02 * ph, fy - 0.03 * ph),
            ]
        )
        inked(img, leg, pants, lw, ink)
        solid(img, cx + s * 0.06 * ph, fy - 0.025 * ph, 0.05 * ph, 0.025 * ph + 1, 2, INK, 1)
    torso = np.array(
        [
            (cx - sh, neck_y + 0.03 * ph),
            (cx + sh, neck_y + 0.03 * ph),
            (cx + sh * 0.9, waist + 0.08 * ph),
            (cx - sh * 0.9, waist + 0.08 * ph),
        ]
    )
    line(img, (cx, neck_y - 1), (cx, neck_y + 0.05 * ph), skin, max(2, round(0.08 * ph)))
    inked(img, torso, coat, lw, ink)
    side = 1 if rng.random() < 0.5 else -1
    t0, t1 = neck_y + 0.03 * ph, waist + 0.08 * ph
    inner = cx + side * 0.3 * sh
    half = np.array([(inner, t0), (cx + side * sh, t0), (cx + side * 0.9 * sh, t1), (inner, t1)])
    if rng.random() < 0.5:
        screen_poly(img, half, shade(coat, 0.6), max(2, round(ph / 45)), 45, 0.3)
    else:
        inked(img, half, shade(coat, 0.82), 0)
    inked(img, torso, None, lw, ink)
    if rng.random() < 0.5:  # apron
        apron = np.array(
            [
                (cx - 0.6 * sh, neck_y + 0.12 * ph),
                (cx + 0.6 * sh, neck_y + 0.12 * ph),
                (cx + 0.8 * sh, waist + 0.2 * ph),
                (cx - 0.8 * sh, waist + 0.2 * ph),
            ]
        )
        inked(
            img,
            apron,
            tone(BRIGHT[int(rng.integers(len(BRIGHT)))]) if rng.random() < 0.6 else tone(WHITE),
            lw,
            ink,
        )
    aw = max(2, round(0.05 * ph))
    for s in (-1, 1):
        shoulder = (cx + s * sh * 0.92, neck_y + 0.06 * ph)
        if spec.arms_up and (s == 1 or rng.random() < 0.4):
            # a raised hand stops beside the head, at cheek height, never above it
            hand = (cx + s * (g["hw"] / 2 + 0.06 * ph), g["top"] + 0.6 * hh)
        else:
            hand = (
                cx + s * float(rng.uniform(0.14, 0.28)) * ph,
                neck_y + float(rng.uniform(0.2, 0.34)) * ph,
            )
        limb(img, shoulder, hand, coat, aw, lw, ink)
        r = max(1.0, min(0.028 * ph, 0.35 * hh))
        solid(img, hand[0], hand[1], r + lw, r + lw, 2, skin, lw, ink)


def draw_worker(
    img: np.ndarray, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator
) -> Box:
    """Draw one inked worker; return exactly the head box of `g`."""
    box = head_box(g)
    manga = is_manga(img)
    page = _page_under(img, box)
    look = (_skin(rng, page, manga), page, ink_for(page))
    lw = max(1, round(g["ph"] * float(rng.uniform(0.008, 0.018))))
    _body(img, spec, g, look, lw, manga, rng)
    _head(img, spec, g, look, lw, manga, rng)
    if spec.mask:
        draw_mask(img, g, spec.turn, look, lw, manga, rng)
    if spec.hat:
        draw_hat(img, g, look, lw, manga, rng)
    return box


def draw_rodent(
    img: np.ndarray, geom: tuple[float, float, float, float], rng: np.random.Generator
) -> Box:
    """A cartoon rat: inked body and head, pink ear, eye, tail line trailing behind."""
    x, y, length, facing = geom
    manga = is_manga(img)
    fur = ((95, 100, 110), (70, 90, 120), (60, 60, 66), (120, 125, 130), (50, 75, 105))
    c = fur[int(rng.integers(len(fur)))]
    c = grey_of(c) if manga else c
    lw = max(1, round(length * 0.03))
    bl, bh = length * 0.36, length * 0.2
    tail0 = (x - facing * bl * 0.85, y - bh * 0.6)
    u = np.linspace(0, 1, 8)
    tail = np.stack(
        [tail0[0] - facing * u * length * 0.6, tail0[1] + np.sin(u * 3.5 + x * 0.07) * bh * 0.5], 1
    )
    cv2.polylines(img, [ipts(tail)], False, INK, max(1, lw))
    if rng.random() < 0.4:  # motion lines behind the runner
        sx = x - facing * bl * 1.1
        speed_lines(
            img,
            (min(sx, sx - facing * bl), y - 1.6 * bh, max(sx, sx - facing * bl), y - 0.3 * bh),
            3,
            INK,
            rng,
        )
    solid(img, x, y - bh, bl, bh, 2.2, c, lw)
    hx, hy = x + facing * bl * 1.0, y - bh * 0.9
    ear = (hx - facing * bl * 0.2, hy - bh * 0.55)
    er = max(1.0, bh * 0.38)
    solid(img, ear[0], ear[1], er, er, 2, (170, 150, 230) if not manga else (190, 190, 190), lw)
    snout = np.array(
        [
            (hx - facing * bl * 0.3, hy - bh * 0.55),
            (hx + facing * bl * 0.55, hy + bh * 0.15),
            (hx - facing * bl * 0.3, hy + bh * 0.6),
        ]
    )
    inked(img, snout, c, lw)
    inked(img, blob(hx - facing * bl * 0.15, hy, bl * 0.32, bh * 0.55), c, 0)
    solid(
        img,
        hx + facing * bl * 0.12,
        hy - bh * 0.15,
        max(1.0, bh * 0.13),
        max(1.0, bh * 0.13),
        2,
        INK,
        1,
    )
    for dx in (-0.5, 0.4):
        line(img, (x + dx * bl, y - bh * 0.3), (x + dx * bl, y), INK, lw)
    x1 = min(x - bl, hx - facing * bl * 0.3, hx + facing * bl * 0.55)
    x2 = max(x + bl, hx - facing * bl * 0.3, hx + facing * bl * 0.55)
    return (x1, min(y - 2 * bh, ear[1] - er), x2, y)
