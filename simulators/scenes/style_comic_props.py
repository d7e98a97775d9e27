"""Hard negatives of the `comic` style, inked like the actors so ink is no cue.

White cloths and aprons (mask- and hat-coloured), bowls, pots, steam curls, cast
shadows, a cat, a chef hat or mask lying on a shelf, round plates, posters with comic
faces, speech-bubble ovals, a rodent-sized sponge and sound-effect lettering. Each is
placed from the layout (shelf, counter, wall, floor) and sized by `s` (frame height /
240); drawing off the edge of a tiny frame is clipped, never an error.
"""

from collections.abc import Callable

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.style_comic_ink import (
    BRIGHT,
    INK,
    SKINS,
    WHITE,
    Color,
    blob,
    grey_of,
    inked,
    ipts,
    is_manga,
    line,
    mix,
    screen_poly,
    shade,
    solid,
)

Draw = Callable[[np.ndarray, Layout, np.random.Generator, float, Callable[[Color], Color]], None]


def _lw(s: float) -> int:
    return max(1, round(1.5 * s))


def _bright(rng: np.random.Generator) -> Color:
    return BRIGHT[int(rng.integers(len(BRIGHT)))]


def _cloth(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """A white or coloured cloth hanging from the shelf edge, folds and a shaded side."""
    w = img.shape[1]
    x, y = float(rng.uniform(0, 0.95)) * w, lay.shelf_y + 3 * s
    cw, ch = float(rng.uniform(8, 22)) * s, float(rng.uniform(10, 30)) * s
    c = t(WHITE if rng.random() < 0.6 else _bright(rng))
    xs = np.linspace(x + cw, x, 5)
    bottom = np.stack([xs, y + ch + np.sin(xs) * 2 * s], 1)
    poly = np.concatenate([np.array([(x, y), (x + cw, y)]), bottom])
    inked(img, poly, c, _lw(s))
    screen_poly(img, poly[[1, 2, 3]], shade(c, 0.7), max(2, round(3 * s)), 45, 0.3)
    line(img, (x + cw * 0.4, y + 2 * s), (x + cw * 0.45, y + ch * 0.8), INK, 1)


def _apron(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """An apron on a wall hook: bib, skirt and a neck loop (a torso without a head)."""
    w = img.shape[1]
    x, y = float(rng.uniform(0.05, 0.95)) * w, float(rng.uniform(0.3, 0.9)) * lay.counter_top
    a = float(rng.uniform(8, 16)) * s
    c = t(WHITE if rng.random() < 0.5 else _bright(rng))
    poly = np.array(
        [
            (x - a * 0.5, y),
            (x + a * 0.5, y),
            (x + a * 0.6, y + a * 0.8),
            (x + a, y + a * 2.4),
            (x - a, y + a * 2.4),
            (x - a * 0.6, y + a * 0.8),
        ]
    )
    cv2.ellipse(
        img,
        (round(x), round(y)),
        (max(1, round(a * 0.5)), max(1, round(a * 0.6))),
        0,
        180,
        360,
        INK,
        _lw(s),
    )
    inked(img, poly, c, _lw(s))
    line(img, (x - a * 0.7, y + a * 1.1), (x + a * 0.7, y + a * 1.1), shade(c, 0.6), _lw(s))


def _bowl(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """White bowls on the counter or shelf; upside-down stacks look like hat crowns."""
    w = img.shape[1]
    y = float(lay.counter_top if rng.random() < 0.5 else lay.shelf_y)
    x, r = float(rng.uniform(0.03, 0.97)) * w, float(rng.uniform(6, 15)) * s
    c = t(WHITE if rng.random() < 0.7 else _bright(rng))
    for k in range(int(rng.integers(1, 4))):
        yy = y - k * r * 0.45
        dome = blob(x, yy, r, r * 0.7, 2.0, 24)
        dome = dome[dome[:, 1] <= yy + 0.5]
        inked(img, dome, c, _lw(s))
    line(img, (x - r * 0.5, y - r * 0.4), (x - r * 0.2, y - r * 0.55), shade(c, 0.7), _lw(s))


def _pot(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """A pot on the counter: flat body, highlight stripe, lid and knob."""
    w = img.shape[1]
    r, x = float(rng.uniform(8, 18)) * s, float(rng.uniform(0.03, 0.97)) * w
    top = lay.counter_top - r * float(rng.uniform(0.8, 1.3))
    c = t(_bright(rng) if rng.random() < 0.5 else (170, 170, 175))
    inked(
        img,
        np.array([(x - r, top), (x + r, top), (x + r, lay.counter_top), (x - r, lay.counter_top)]),
        c,
        _lw(s),
    )
    line(
        img,
        (x - r * 0.6, top + 2 * s),
        (x - r * 0.6, lay.counter_top - 2 * s),
        mix(c, WHITE, 0.7),
        _lw(s),
    )
    inked(img, blob(x, top, r * 1.05, max(1.0, r * 0.25)), shade(c, 0.8), _lw(s))
    solid(img, x, top - r * 0.25, r * 0.15 + 1, r * 0.12 + 1, 2, shade(c, 0.6), 1)


def _steam(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """Steam curls: two or three wavy ink strokes rising over a pot or the counter."""
    w = img.shape[1]
    x0 = (
        float(lay.pots[int(rng.integers(len(lay.pots)))][0])
        if lay.pots and rng.random() < 0.7
        else float(rng.uniform(0, 1)) * w
    )
    y0 = float(lay.counter_top) - 4 * s
    ht = float(rng.uniform(20, 45)) * s
    u = np.linspace(0, 1, 12)
    curls = [
        ipts(np.stack([x0 + k * 5 * s + np.sin(u * 7 + k) * 4 * s, y0 - u * ht], 1))
        for k in range(-1, int(rng.integers(1, 3)))
    ]
    ink = INK if rng.random() < 0.6 else t(WHITE)
    cv2.polylines(img, curls, False, ink, _lw(s))


def _shadow(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """A cast shadow in screentone or flat dark: a floor oval or a head-and-shoulders
    silhouette on the wall."""
    h, w = img.shape[:2]
    x = float(rng.uniform(0, 1)) * w
    dark = t((60, 40, 50))
    if rng.random() < 0.5:
        y = float(rng.uniform(lay.horizon, h))
        poly = blob(x, y, float(rng.uniform(12, 35)) * s, float(rng.uniform(3, 8)) * s)
    else:
        y = float(rng.uniform(0.2, 0.8)) * lay.counter_top
        r = float(rng.uniform(7, 14)) * s
        poly = np.concatenate(
            [
                blob(x, y, r * 0.8, r, 2.0, 20),
                np.array([(x + 2 * r, y + 3 * r), (x - 2 * r, y + 3 * r)]),
            ]
        )
    if rng.random() < 0.5:
        screen_poly(img, poly, dark, max(2, round(3 * s)), 45, float(rng.uniform(0.25, 0.45)))
    else:
        inked(img, poly, dark, 0)


def _cat(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """A cartoon cat on the floor: body, round head, pointed ears, curled tail."""
    h, w = img.shape[:2]
    x, y = float(rng.uniform(0, 1)) * w, float(rng.uniform(lay.horizon, h))
    a = float(rng.uniform(8, 16)) * s
    fur = ((40, 120, 230), (30, 30, 34), (150, 150, 155), (235, 235, 235))
    c, lw = t(fur[int(rng.integers(len(fur)))]), _lw(s)
    f = 1 if rng.random() < 0.5 else -1
    u = np.linspace(0, 1, 8)
    tail = np.stack([x - f * a * (1 + u * 0.8), y - a * 0.5 - np.sin(u * 3) * a], 1)
    cv2.polylines(img, [ipts(tail)], False, INK, lw + 2)
    solid(img, x, y - a * 0.5, a * 1.1, a * 0.5, 2.2, c, lw)
    hx, hy = x + f * a, y - a * 1.1
    for e in (-1, 1):
        inked(
            img,
            np.array(
                [
                    (hx + e * a * 0.45, hy - a * 0.1),
                    (hx + e * a * 0.4, hy - a * 0.75),
                    (hx + e * a * 0.05, hy - a * 0.35),
                ]
            ),
            c,
            lw,
        )
    solid(img, hx, hy, a * 0.5, a * 0.45, 2.2, c, lw)
    for e in (-1, 1):
        line(img, (hx + e * a * 0.18, hy - a * 0.05), (hx + e * a * 0.18, hy + a * 0.05), INK, lw)


def _shelf_hat(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """A chef's toque standing empty on the shelf."""
    w = img.shape[1]
    x, y, r = float(rng.uniform(0.05, 0.95)) * w, float(lay.shelf_y), float(rng.uniform(6, 11)) * s
    c = t(WHITE)
    inked(img, blob(x, y - 2.2 * r, r * 1.1, r * 1.1, 2.4), c, _lw(s))
    inked(
        img,
        np.array(
            [
                (x - r * 0.8, y - 1.2 * r),
                (x + r * 0.8, y - 1.2 * r),
                (x + r * 0.8, y),
                (x - r * 0.8, y),
            ]
        ),
        c,
        _lw(s),
    )


def _shelf_mask(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """A face mask lying on the shelf or counter with its ear loops."""
    w = img.shape[1]
    x = float(rng.uniform(0.05, 0.95)) * w
    y = float(lay.shelf_y if rng.random() < 0.5 else lay.counter_top) - 3 * s
    a = float(rng.uniform(5, 9)) * s
    c = t(((236, 214, 170), WHITE, (40, 38, 42), (200, 185, 240))[int(rng.integers(4))])
    for e in (-1, 1):
        cv2.ellipse(
            img,
            (round(x + e * a), round(y)),
            (max(1, round(a * 0.4)), max(1, round(a * 0.3))),
            0,
            0,
            360,
            INK,
            1,
        )
    inked(img, blob(x, y, a, a * 0.45, 3.0), c, _lw(s))
    line(img, (x - a * 0.8, y), (x + a * 0.8, y), shade(c, 0.6), 1)


def _plate(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """A round plate on a wall rack (face-sized disc) or lying on the counter."""
    w = img.shape[1]
    x, r = float(rng.uniform(0.03, 0.97)) * w, float(rng.uniform(6, 13)) * s
    c = t(WHITE if rng.random() < 0.7 else mix(WHITE, _bright(rng), 0.4))
    if rng.random() < 0.5:
        y = float(rng.uniform(0.1, 0.9)) * lay.counter_top
        solid(img, x, y, r, r, 2, c, _lw(s))
        cv2.circle(img, (round(x), round(y)), max(1, round(r * 0.6)), shade(c, 0.75), 1)
    else:
        inked(img, blob(x, lay.counter_top - r * 0.2, r, max(1.0, r * 0.3)), c, _lw(s))


def _poster(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """A wall poster with a comic face (sometimes wearing a hat) on a flat colour."""
    w = img.shape[1]
    pw, ph = float(rng.uniform(16, 30)) * s, float(rng.uniform(20, 36)) * s
    x, y = float(rng.uniform(0, 0.9)) * w, float(rng.uniform(0.02, 0.5)) * lay.counter_top
    inked(
        img,
        np.array([(x, y), (x + pw, y), (x + pw, y + ph), (x, y + ph)]),
        t(mix(_bright(rng), WHITE, 0.5)),
        _lw(s),
    )
    fx, fy, r = x + pw / 2, y + ph * 0.5, pw * 0.28
    solid(img, fx, fy, r, r * 1.2, 3.5, t(SKINS[int(rng.integers(len(SKINS)))]), 1)
    for e in (-1, 1):
        solid(img, fx + e * r * 0.4, fy, max(1.0, r * 0.12), max(1.0, r * 0.15), 2, INK, 1)
    line(img, (fx - r * 0.3, fy + r * 0.6), (fx + r * 0.3, fy + r * 0.6), INK, 1)
    if rng.random() < 0.5:
        inked(img, blob(fx, fy - r * 1.6, r * 0.8, r * 0.6), t(WHITE), 1)


def _bubble(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """A speech-bubble oval with a tail and a few lines of scribbled lettering."""
    w = img.shape[1]
    rx, ry = float(rng.uniform(12, 30)) * s, float(rng.uniform(7, 15)) * s
    x, y = float(rng.uniform(0.05, 0.95)) * w, float(rng.uniform(0.1, 0.9)) * lay.counter_top
    f = 1 if rng.random() < 0.5 else -1
    inked(
        img,
        np.array([(x + f * rx * 0.2, y), (x + f * rx * 0.7, y + ry * 1.7), (x + f * rx * 0.5, y)]),
        t(WHITE),
        _lw(s),
    )
    solid(img, x, y, rx, ry, 2, t(WHITE), _lw(s))
    for k in (-0.3, 0.1, 0.45):
        line(
            img,
            (x - rx * 0.55, y + k * ry),
            (x + rx * float(rng.uniform(0.1, 0.55)), y + k * ry),
            INK,
            1,
        )


def _sponge(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """A sponge, brush or shoe on the floor: rodent-sized, rodent-coloured."""
    h, w = img.shape[:2]
    x, y = float(rng.uniform(0, 1)) * w, float(rng.uniform(lay.horizon + 4 * s, h))
    a, b = float(rng.uniform(6, 13)) * s, float(rng.uniform(3, 6)) * s
    c = t(((70, 90, 120), (95, 100, 110), (60, 60, 66), (60, 170, 200))[int(rng.integers(4))])
    inked(img, blob(x, y - b, a, b, 3.0), c, _lw(s))
    if rng.random() < 0.5:  # a brush handle
        line(img, (x + a, y - b), (x + a * 2, y - b * 2.5), INK, _lw(s) + 1)


def _sfx(
    img: np.ndarray, lay: Layout, rng: np.random.Generator, s: float, t: Callable[[Color], Color]
) -> None:
    """Sound-effect lettering: thick inked letters with a bright fill."""
    w = img.shape[1]
    word = str(rng.choice(["SIZZLE", "CLANG!", "BAM", "TSSS", "CHOP", "BUBBLE"]))
    x, y = round(float(rng.uniform(0, 0.7)) * w), round(float(rng.uniform(0.15, 0.9)) * lay.horizon)
    k = float(rng.uniform(0.5, 1.0)) * s
    th = max(1, round(2 * k))
    cv2.putText(img, word, (x, y), cv2.FONT_HERSHEY_DUPLEX, k, INK, th + 2 * _lw(s))
    cv2.putText(img, word, (x, y), cv2.FONT_HERSHEY_DUPLEX, k, t(_bright(rng)), th)


KINDS: dict[str, Draw] = {
    "cloth": _cloth,
    "apron": _apron,
    "bowl": _bowl,
    "pot": _pot,
    "steam": _steam,
    "shadow": _shadow,
    "cat": _cat,
    "shelf_hat": _shelf_hat,
    "shelf_mask": _shelf_mask,
    "plate": _plate,
    "poster": _poster,
    "bubble": _bubble,
    "sponge": _sponge,
    "sfx": _sfx,
}
DISTRACTORS: tuple[str, ...] = tuple(KINDS)


def draw_distractor(
    img: np.ndarray, kind: str, layout: Layout, rng: np.random.Generator, s: float
) -> None:
    """Draw one hard negative; on a manga page in greys."""
    tone: Callable[[Color], Color] = grey_of if is_manga(img) else (lambda c: c)
    KINDS[kind](img, layout, rng, max(0.05, s), tone)
