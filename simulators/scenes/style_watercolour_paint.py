"""Watercolour primitives for the `watercolour` style: washes, strokes, pencil and blooms.

A wash is transparent pigment: it multiplies the page by its colour (layers glaze and
darken, white paper shows through), pools darker along its edges where the water dried
(the hard "wet edge"), granulates unevenly with the paper grain, and bleeds a pixel or two
past the shape it was laid in. Light things (white hats, cloths, masks) are painted the
way a painter keeps them: the paper is lifted back first (`lift`), then a pale shadow
wash goes on. Every shape is painted inside a small region of interest so a frame with
dozens of washes stays cheap; the paper grain is one fixed texture cut at the region's
own position, so the same seed always paints the same pixels.
"""

import cv2
import numpy as np

Color = tuple[int, int, int]
Pt = tuple[float, float]

_TEX = 256
_GRAIN: list[np.ndarray] = []


def col(c: np.ndarray | tuple[float, ...] | list[float]) -> Color:
    """A BGR colour clipped to 0..255 as plain ints (what cv2 wants)."""
    a = np.clip(np.asarray(c, float), 0, 255)
    return int(a[0]), int(a[1]), int(a[2])


def mix(a: Color, b: Color, t: float) -> Color:
    """`a` moved a fraction `t` towards `b`."""
    return col([a[i] + (b[i] - a[i]) * t for i in range(3)])


def jitter(rng: np.random.Generator, c: Color, amount: int) -> Color:
    """A hand-mixed colour is never quite the same twice."""
    return col(np.array(c, float) + rng.integers(-amount, amount + 1, size=3))


def grain_texture() -> np.ndarray:
    """Cold-press paper grain (0..1, mean about 0.5), built once from a fixed seed and
    tiled 2x2 so any crop of up to `_TEX` px starting inside the first tile is valid."""
    if not _GRAIN:
        g = np.random.default_rng(1234)
        f = np.fft.fftfreq(_TEX)
        r = np.sqrt(f[:, None] ** 2 + f[None, :] ** 2)
        spec = np.fft.fft2(g.standard_normal((_TEX, _TEX)))
        coarse = np.fft.ifft2(spec * np.exp(-((r / 0.03) ** 2))).real  # periodic: no seams
        fine = np.fft.ifft2(spec * np.exp(-((r / 0.3) ** 2))).real
        coarse, fine = coarse / coarse.std(), fine / fine.std()
        tex = np.clip(0.5 + 0.12 * coarse + 0.16 * fine, 0, 1)
        _GRAIN.append(np.tile(tex.astype(np.float32), (2, 2)))
    return _GRAIN[0]


def grain(h: int, w: int, ox: int, oy: int) -> np.ndarray:
    """The paper grain under a region at (ox, oy) of size h x w."""
    tex = grain_texture()
    if h <= _TEX and w <= _TEX:
        y, x = oy % _TEX, ox % _TEX
        return tex[y : y + h, x : x + w]
    reps = (h // _TEX + 2, w // _TEX + 2)
    big = np.tile(tex[:_TEX, :_TEX], reps)
    y, x = oy % _TEX, ox % _TEX
    return big[y : y + h, x : x + w]


def blotch(rng: np.random.Generator, h: int, w: int, cells: int = 6) -> np.ndarray:
    """Smooth low-frequency noise (0..1): the unevenness of a hand-laid wash."""
    lo = rng.random((max(2, h // max(1, cells * 4) + 2), max(2, w // max(1, cells * 4) + 2)))
    out: np.ndarray = cv2.resize(lo.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    clipped: np.ndarray = np.clip(out, 0, 1)
    return clipped


class Roi:
    """A clipped rectangle of the frame with its own mask to draw a shape into."""

    def __init__(self, img: np.ndarray, x1: float, y1: float, x2: float, y2: float, pad: int = 3):
        h, w = img.shape[:2]
        self.x0 = max(0, int(np.floor(min(x1, x2))) - pad)
        self.y0 = max(0, int(np.floor(min(y1, y2))) - pad)
        self.x0, self.y0 = min(self.x0, w), min(self.y0, h)
        self.x1 = max(self.x0, min(w, int(np.ceil(max(x1, x2))) + pad + 1))
        self.y1 = max(self.y0, min(h, int(np.ceil(max(y1, y2))) + pad + 1))
        self.ok = self.x1 > self.x0 and self.y1 > self.y0
        self.mask = np.zeros((max(0, self.y1 - self.y0), max(0, self.x1 - self.x0)), np.uint8)

    def pts(self, p: np.ndarray | list[Pt]) -> np.ndarray:
        """Frame points to mask coordinates (int32, for cv2)."""
        a = np.asarray(p, np.float64).reshape(-1, 2) - (self.x0, self.y0)
        return np.round(a).astype(np.int32)

    def poly(self, p: np.ndarray | list[Pt]) -> "Roi":
        if self.ok and len(p) >= 3:
            cv2.fillPoly(self.mask, [self.pts(p)], 255)
        return self

    def ellipse(self, c: Pt, ax: Pt, angle: float = 0.0) -> "Roi":
        if self.ok:
            centre = (round(c[0] - self.x0), round(c[1] - self.y0))
            axes = (max(1, round(ax[0])), max(1, round(ax[1])))
            cv2.ellipse(self.mask, centre, axes, angle, 0, 360, 255, -1)
        return self

    def line(self, p: np.ndarray | list[Pt], width: float) -> "Roi":
        if self.ok and len(p) >= 2:
            cv2.polylines(self.mask, [self.pts(p)], False, 255, max(1, round(width)))
        return self


def wash(
    img: np.ndarray,
    roi: Roi,
    color: Color,
    opacity: float,
    edge: float = 0.5,
    lift: float = 0.0,
    lift_to: Color = (246, 247, 249),
    vary: np.ndarray | None = None,
) -> None:
    """Glaze `color` through the mask of `roi` onto `img` in place (see module doc)."""
    if not roi.ok or not roi.mask.any():
        return
    m = roi.mask.astype(np.float32) * (1.0 / 255.0)
    soft = cv2.GaussianBlur(m, (3, 3), 0)
    size = min(m.shape)
    k = 5 if size < 40 else 7
    inner = cv2.GaussianBlur(m, (k, k), 0)
    ring = np.clip(m - inner, 0, 1) * 2.5  # pigment that dried along the edge
    h, w = m.shape
    g = grain(h, w, roi.x0, roi.y0)
    a = soft * (opacity * (0.78 + 0.44 * g))
    if vary is not None:
        a *= vary
    a += edge * ring
    np.clip(a, 0, 1, out=a)
    part = img[roi.y0 : roi.y1, roi.x0 : roi.x1].astype(np.float32)
    if lift > 0:
        la = (soft * lift)[..., None]
        part += (np.array(lift_to, np.float32) - part) * la
    trans = 1.0 - np.array(color, np.float32) * (1.0 / 255.0)
    part *= 1.0 - a[..., None] * trans
    img[roi.y0 : roi.y1, roi.x0 : roi.x1] = part.astype(np.uint8)


def poly_wash(
    img: np.ndarray,
    p: np.ndarray | list[Pt],
    color: Color,
    opacity: float,
    edge: float = 0.5,
    lift: float = 0.0,
) -> None:
    """A wash laid inside a polygon."""
    a = np.asarray(p, np.float64).reshape(-1, 2)
    if len(a) < 3:
        return
    roi = Roi(img, a[:, 0].min(), a[:, 1].min(), a[:, 0].max(), a[:, 1].max())
    wash(img, roi.poly(a), color, opacity, edge=edge, lift=lift)


def ellipse_wash(
    img: np.ndarray,
    c: Pt,
    ax: Pt,
    color: Color,
    opacity: float,
    edge: float = 0.5,
    lift: float = 0.0,
) -> None:
    """A wash laid inside an axis-aligned ellipse."""
    roi = Roi(img, c[0] - ax[0], c[1] - ax[1], c[0] + ax[0], c[1] + ax[1])
    wash(img, roi.ellipse(c, ax), color, opacity, edge=edge, lift=lift)


def brush(
    img: np.ndarray, p: np.ndarray | list[Pt], width: float, color: Color, opacity: float
) -> None:
    """One loaded brush stroke along a path (arms, legs, a tail, a shelf)."""
    a = np.asarray(p, np.float64).reshape(-1, 2)
    r = width / 2 + 1
    roi = Roi(img, a[:, 0].min() - r, a[:, 1].min() - r, a[:, 0].max() + r, a[:, 1].max() + r)
    wash(img, roi.line(a, width), color, opacity, edge=0.35)


def pencil(
    img: np.ndarray,
    p0: Pt,
    p1: Pt,
    rng: np.random.Generator,
    shade: int = 120,
    over: float = 0.08,
) -> None:
    """A loose under-drawing line: slightly off the shape, overshooting its ends."""
    dx, dy = p1[0] - p0[0], p1[1] - p0[1]
    o0, o1 = rng.uniform(0, over), rng.uniform(0, over)
    a = (p0[0] - dx * o0, p0[1] - dy * o0 + rng.normal(0, 0.6))
    b = (p1[0] + dx * o1, p1[1] + dy * o1 + rng.normal(0, 0.6))
    c = jitter(rng, (shade, shade, shade + 4), 8)
    cv2.line(img, (round(a[0]), round(a[1])), (round(b[0]), round(b[1])), c, 1, cv2.LINE_AA)


def outline(img: np.ndarray, p: np.ndarray, shade: int, closed: bool = True) -> None:
    """A pencil contour round a shape (hats, masks, plates)."""
    q = np.round(np.asarray(p, np.float64).reshape(-1, 2)).astype(np.int32)
    if len(q) >= 2:
        cv2.polylines(img, [q], closed, (shade, shade, shade + 6), 1, cv2.LINE_AA)


def ellipse_pts(c: Pt, ax: Pt, a0: float = 0.0, a1: float = 360.0, n: int = 24) -> np.ndarray:
    """Points along an ellipse arc (degrees, clockwise from +x as in cv2)."""
    t = np.radians(np.linspace(a0, a1, n))
    return np.stack([c[0] + ax[0] * np.cos(t), c[1] + ax[1] * np.sin(t)], axis=1)


def splatter(
    img: np.ndarray, rng: np.random.Generator, color: Color, x: float, y: float, r: float
) -> None:
    """A flick of paint: a few round drops of different sizes."""
    for _ in range(int(rng.integers(3, 9))):
        dx, dy = rng.normal(0, r, 2)
        rad = float(rng.uniform(0.6, 2.2)) * max(0.5, r / 8)
        ellipse_wash(img, (x + dx, y + dy), (rad, rad), color, 0.75, edge=0.4)


def backrun(img: np.ndarray, rng: np.random.Generator, x: float, y: float, r: float) -> None:
    """A "cauliflower": water crept back into a drying wash, pushing pigment out into a
    lighter blossom with a dark, frilly rim."""
    roi = Roi(img, x - r * 1.4, y - r * 1.4, x + r * 1.4, y + r * 1.4, pad=2)
    if not roi.ok:
        return
    angles = np.linspace(0, 2 * np.pi, 18, endpoint=False)
    rad = r * (0.75 + 0.5 * rng.random(18))
    pts = np.stack([x + rad * np.cos(angles), y + rad * np.sin(angles)], axis=1)
    roi.poly(pts)
    wash(img, roi, (200, 196, 190), 0.15, edge=0.9, lift=0.35)
