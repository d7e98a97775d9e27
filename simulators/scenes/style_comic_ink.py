"""Ink, flat colour and screentone primitives of the `comic` style.

A printed comic is black ink lines over flat colour plates, with Ben-Day dots and grey
screentone for shading. Dot screens are a per-pixel distance to the nearest dot centre
of a rotated grid (`dot_field`), computed once per frame size, period and angle and
cached, so any region is screened by one comparison instead of drawing dot by dot.
Every helper clips to the frame, so shapes that hang off a tiny frame never raise.
"""

import math

import cv2
import numpy as np

Color = tuple[int, int, int]
Points = np.ndarray

INK: Color = (20, 20, 20)
WHITE: Color = (246, 246, 246)
SKINS: tuple[Color, ...] = (
    (200, 220, 252),
    (165, 196, 242),
    (140, 175, 228),
    (105, 145, 205),
    (80, 118, 176),
    (60, 88, 135),
    (45, 62, 98),
)
BRIGHT: tuple[Color, ...] = (
    (60, 210, 250),  # yellow
    (230, 190, 70),  # cyan-blue
    (160, 110, 245),  # pink
    (120, 220, 140),  # green
    (50, 140, 245),  # orange
    (235, 160, 110),  # sky blue
    (70, 70, 220),  # red
    (200, 120, 150),  # violet
    (190, 230, 250),  # cream
    (150, 200, 120),  # teal
)

_FIELDS: dict[tuple[int, int, int, int], np.ndarray] = {}


def col(v: object) -> Color:
    """Any three numbers as a clipped BGR colour tuple (what OpenCV wants)."""
    a = np.clip(np.asarray(v, dtype=np.float64).reshape(-1)[:3], 0, 255)
    return int(a[0]), int(a[1]), int(a[2])


def shade(c: Color, k: float) -> Color:
    """A cel-shading tone: the colour scaled by k (darker below 1)."""
    return col(np.array(c, float) * k)


def mix(a: Color, b: Color, t: float) -> Color:
    return col(np.array(a, float) * (1 - t) + np.array(b, float) * t)


def lum(c: Color) -> float:
    return 0.114 * c[0] + 0.587 * c[1] + 0.299 * c[2]


def grey_of(c: Color) -> Color:
    v = int(lum(c))
    return v, v, v


def far(c: Color, ref: Color) -> int:
    """Largest channel difference: how far apart two flats read in print."""
    return int(max(abs(int(c[i]) - int(ref[i])) for i in range(3)))


def ink_for(page: Color) -> Color:
    """Black ink, or white ink on a page too dark for black lines to show (as comics
    reverse their line work on night panels)."""
    return INK if far(INK, page) > 60 else (232, 232, 232)


def pick(
    rng: np.random.Generator, options: tuple[Color, ...], avoid: tuple[Color, ...], manga: bool
) -> Color:
    """A colour from `options` (greyed on a manga page) that reads apart from every
    colour in `avoid` (the skin under it, the page around it), else the best one."""
    tones = [grey_of(c) if manga else c for c in options]
    best, score = tones[0], -1
    for i in rng.permutation(len(tones)):
        c = tones[int(i)]
        d = min(far(c, a) for a in avoid)
        if d > 60:
            return c
        if d > score:
            best, score = c, d
    return best


def is_manga(img: np.ndarray) -> bool:
    """True on a black-and-white page (every sampled pixel grey), so actors drawn on it
    use grey tones too, as a manga artist would."""
    h, w = img.shape[:2]
    smp = img[:: max(1, h // 12), :: max(1, w // 12)]
    return bool(
        np.array_equal(smp[..., 0], smp[..., 1]) and np.array_equal(smp[..., 1], smp[..., 2])
    )


def ipts(p: Points) -> np.ndarray:
    return np.round(np.asarray(p, np.float64)).astype(np.int32).reshape(-1, 1, 2)


def blob(cx: float, cy: float, rx: float, ry: float, p: float = 2.0, n: int = 28) -> Points:
    """Superellipse outline: p=2 an ellipse, larger p a rounder box."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    x = cx + rx * np.sign(c) * np.abs(c) ** (2 / p)
    y = cy + ry * np.sign(s) * np.abs(s) ** (2 / p)
    return np.stack([x, y], axis=1)


def inked(
    img: np.ndarray,
    poly: Points,
    fill: Color | None,
    lw: int,
    ink: Color = INK,
    off: tuple[int, int] = (0, 0),
) -> None:
    """A flat fill (shifted by `off`, a mis-registered colour plate) under an ink line."""
    if fill is not None:
        cv2.fillPoly(img, [ipts(np.asarray(poly) + np.array(off))], fill)
    if lw > 0:
        cv2.polylines(img, [ipts(poly)], True, ink, lw)


def solid(
    img: np.ndarray,
    cx: float,
    cy: float,
    rx: float,
    ry: float,
    p: float,
    fill: Color,
    lw: int,
    ink: Color = INK,
) -> None:
    """An inked superellipse whose outline lies inside (rx, ry), so it never spills."""
    cv2.fillPoly(img, [ipts(blob(cx, cy, rx, ry, p))], ink)
    cv2.fillPoly(img, [ipts(blob(cx, cy, max(0.5, rx - lw), max(0.5, ry - lw), p))], fill)


def line(
    img: np.ndarray,
    a: tuple[float, float],
    b: tuple[float, float],
    c: Color,
    lw: int,
) -> None:
    cv2.line(img, (round(a[0]), round(a[1])), (round(b[0]), round(b[1])), c, max(1, lw))


def limb(
    img: np.ndarray,
    a: tuple[float, float],
    b: tuple[float, float],
    fill: Color,
    width: int,
    lw: int,
    ink: Color = INK,
) -> None:
    """A round-ended stroke with an ink contour: an ink line under a narrower fill."""
    line(img, a, b, ink, width + 2 * lw)
    line(img, a, b, fill, width)


def dot_field(h: int, w: int, period: int, angle: int) -> np.ndarray:
    """Distance (in periods, 0..0.71) from each pixel to the nearest dot centre of a
    grid rotated by `angle` degrees; dots of radius r are `field < r`. Cached."""
    key = (h, w, period, angle)
    got = _FIELDS.get(key)
    if got is not None:
        return got
    if len(_FIELDS) > 48:
        _FIELDS.clear()
    a = math.radians(angle)
    ys = np.arange(h, dtype=np.float32)[:, None] / period
    xs = np.arange(w, dtype=np.float32)[None, :] / period
    u = xs * math.cos(a) + ys * math.sin(a)
    v = ys * math.cos(a) - xs * math.sin(a)
    fu = u - np.floor(u) - 0.5
    fv = v - np.floor(v) - 0.5
    field: np.ndarray = np.sqrt(fu * fu + fv * fv).astype(np.float32)
    _FIELDS[key] = field
    return field


def clip_box(
    img: np.ndarray, x0: float, y0: float, x1: float, y1: float
) -> tuple[int, int, int, int]:
    h, w = img.shape[:2]
    return (
        int(min(max(0, math.floor(x0)), w)),
        int(min(max(0, math.floor(y0)), h)),
        int(min(max(0, math.ceil(x1)), w)),
        int(min(max(0, math.ceil(y1)), h)),
    )


def screen(
    img: np.ndarray,
    box: tuple[int, int, int, int],
    c: Color,
    period: int,
    angle: int,
    r: float | np.ndarray,
    where: np.ndarray | None = None,
) -> None:
    """Ben-Day dots of colour `c` and radius `r` (a number or rows x 1 / cols gradient)
    in the clipped box, optionally only where `where` (the box's shape) is True."""
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return
    h, w = img.shape[:2]
    f = dot_field(h, w, max(2, int(period)), int(angle))[y0:y1, x0:x1]
    m = f < r
    if where is not None:
        m &= where
    img[y0:y1, x0:x1][m] = c


def poly_mask(img: np.ndarray, poly: Points) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """The clipped bounding box of a polygon and its filled mask over that box."""
    p = np.asarray(poly, np.float64)
    box = clip_box(img, p[:, 0].min(), p[:, 1].min(), p[:, 0].max() + 1, p[:, 1].max() + 1)
    x0, y0, x1, y1 = box
    m = np.zeros((max(0, y1 - y0), max(0, x1 - x0)), np.uint8)
    if m.size:
        cv2.fillPoly(m, [ipts(p - np.array([x0, y0]))], 1)
    return box, m.astype(bool)


def screen_poly(img: np.ndarray, poly: Points, c: Color, period: int, angle: int, r: float) -> None:
    """Screentone laid inside a polygon (a cel shadow drawn in dots)."""
    box, m = poly_mask(img, poly)
    if m.size:
        screen(img, box, c, period, angle, r, m)


def focus_lines(
    img: np.ndarray, cx: float, cy: float, inner: float, n: int, c: Color, rng: np.random.Generator
) -> None:
    """Manga focus lines: thin wedges from beyond the frame edge toward a centre, all in
    one fillPoly call."""
    h, w = img.shape[:2]
    far_r = float(np.hypot(w, h)) + 4
    ang = rng.uniform(0, 2 * np.pi, n)
    half = rng.uniform(0.004, 0.02, n)
    stop = inner * rng.uniform(1.0, 1.8, n)
    tris = []
    for a, hw, r0 in zip(ang, half, stop, strict=True):
        p = [
            (cx + far_r * math.cos(a - hw), cy + far_r * math.sin(a - hw)),
            (cx + far_r * math.cos(a + hw), cy + far_r * math.sin(a + hw)),
            (cx + r0 * math.cos(a), cy + r0 * math.sin(a)),
        ]
        tris.append(ipts(np.array(p)))
    if tris:
        cv2.fillPoly(img, tris, c)


def speed_lines(
    img: np.ndarray,
    box: tuple[float, float, float, float],
    n: int,
    c: Color,
    rng: np.random.Generator,
    lw: int = 1,
) -> None:
    """Horizontal motion lines of random length inside a box, one polylines call."""
    x0, y0, x1, y1 = box
    ys = rng.uniform(y0, y1, n)
    xa = rng.uniform(x0, x1, n)
    ln = rng.uniform(0.2, 0.7, n) * (x1 - x0)
    segs = [
        ipts(np.array([(a, y), (min(x1, a + b), y)])) for a, b, y in zip(xa, ln, ys, strict=True)
    ]
    if segs:
        cv2.polylines(img, segs, False, c, max(1, lw))
