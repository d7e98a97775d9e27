"""Pencil, pen and graphite marks for the `sketch` style: wobbly strokes, hatching, tone.

Every mark works on a crop clipped to the frame, so nothing is written outside it, and
takes its randomness from the caller's generator, so a seed gives the same page.
"""

import cv2
import numpy as np

Color = tuple[int, int, int]
Mask = tuple[np.ndarray, int, int]
"""A boolean mask and the frame position (x0, y0) of its top-left pixel."""

SHIFT = 4
ONE = float(1 << SHIFT)


def col(c: np.ndarray | tuple[float, ...] | list[float]) -> Color:
    a, b, d = (min(255.0, max(0.0, float(v))) for v in c[:3])
    return int(a), int(b), int(d)


def shade(c: Color, d: float) -> Color:
    return col((c[0] + d, c[1] + d, c[2] + d))


def mix(a: Color, b: Color, t: float) -> Color:
    return col(tuple(x * (1 - t) + y * t for x, y in zip(a, b, strict=True)))


def lum(c: Color) -> float:
    return 0.114 * c[0] + 0.587 * c[1] + 0.299 * c[2]


def region(img: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> tuple[int, ...] | None:
    """Pixel bounds (x0, y0, x1, y1), end exclusive, of a float box clipped to the frame."""
    h, w = img.shape[:2]
    if not all(np.isfinite(v) for v in (x0, y0, x1, y1)):
        return None
    ix0, iy0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
    ix1, iy1 = min(w, int(np.ceil(x1)) + 1), min(h, int(np.ceil(y1)) + 1)
    if ix1 - ix0 < 1 or iy1 - iy0 < 1:
        return None
    return ix0, iy0, ix1, iy1


def local_colour(img: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> Color:
    """Median colour of the frame under a box (paper white when the box is off frame)."""
    r = region(img, x0, y0, x1, y1)
    if r is None:
        return 230, 232, 234
    crop = img[r[1] : r[3], r[0] : r[2]].reshape(-1, 3)
    return col(np.median(crop, axis=0))


def ellipse_pts(
    cx: float, cy: float, rx: float, ry: float, a0: float = 0.0, a1: float = 6.2832, n: int = 20
) -> np.ndarray:
    t = np.linspace(a0, a1, n)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def poly_mask(img: np.ndarray, pts: np.ndarray) -> Mask | None:
    """Mask of a filled polygon with float points, cropped to its box inside the frame."""
    if len(pts) < 3 or not np.all(np.isfinite(pts)):
        return None
    r = region(img, pts[:, 0].min() - 1, pts[:, 1].min() - 1, pts[:, 0].max(), pts[:, 1].max())
    if r is None:
        return None
    x0, y0, x1, y1 = r
    m = np.zeros((y1 - y0, x1 - x0), np.uint8)
    q = np.round((pts - np.array([x0, y0])) * ONE).astype(np.int32)
    cv2.fillPoly(m, [q], 1, cv2.LINE_8, SHIFT)
    if not m.any():
        return None
    return m.astype(bool), x0, y0


def fill(
    img: np.ndarray, m: Mask | None, color: Color, rng: np.random.Generator, grain: int = 0
) -> None:
    """A flat graphite or coloured-pencil tone (the page's grain comes later, in `light`)."""
    if m is None:
        return
    mask, x0, y0 = m
    crop = img[y0 : y0 + mask.shape[0], x0 : x0 + mask.shape[1]]
    if grain <= 0:
        crop[mask] = color
        return
    n = int(np.count_nonzero(mask))
    noise = rng.integers(-grain, grain + 1, size=(n, 1), dtype=np.int16)
    crop[mask] = np.clip(np.array(color, np.int16)[None, :] + noise, 0, 255).astype(np.uint8)


def tone(
    img: np.ndarray, m: Mask | None, color: Color, alpha: float, rng: np.random.Generator
) -> None:
    """Smudged graphite: a blend toward `color` that varies like a rubbed finger."""
    if m is None:
        return
    mask, x0, y0 = m
    hh, ww = mask.shape
    low = rng.random((max(2, hh // 6), max(2, ww // 6))).astype(np.float32)
    field = cv2.resize(low, (ww, hh), interpolation=cv2.INTER_LINEAR)
    a = (alpha * (0.55 + 0.45 * field)) * mask
    crop = img[y0 : y0 + hh, x0 : x0 + ww]
    f = crop.astype(np.float32)
    f += (np.array(color, np.float32) - f) * a[..., None]
    crop[...] = np.clip(f, 0, 255).astype(np.uint8)


_TEX = 128
_TEXTURES: dict[tuple[int, int], np.ndarray] = {}


def _field(
    hh: int,
    ww: int,
    x0: int,
    y0: int,
    spacing: float,
    angle: float,
    width: float,
    gaps: bool,
    low: np.ndarray,
    phase: float,
) -> np.ndarray:
    """Coverage (0..1) of wobbly parallel lines with breaks over an hh x ww crop."""
    th = np.deg2rad(angle)
    c, s = np.cos(th), np.sin(th)
    ys = np.arange(y0, y0 + hh, dtype=np.float32)[:, None]
    xs = np.arange(x0, x0 + ww, dtype=np.float32)[None, :]
    wob = cv2.resize(low.astype(np.float32), (ww, hh), interpolation=cv2.INTER_LINEAR)
    d = (xs * (c / spacing) + ys * (s / spacing)) + (wob + phase)
    idx = np.floor(d)
    a = np.abs(d - idx - 0.5)
    a *= -spacing
    a += width * 0.5 + 0.5
    np.clip(a, 0, 1, out=a)
    if gaps and hh * ww > 120:  # strokes of limited length: a break every few spacings
        along = (
            ys * (c / max(4.0, spacing * 5)) - xs * (s / max(4.0, spacing * 5))
        ) + idx * 0.618034 * 7.3
        a *= (along - np.floor(along)) < 0.84
        a *= 0.6 + 0.4 * ((idx * 0.381966) % 1.0)  # each line pressed a little differently
    out: np.ndarray = a
    return out


def _texture(ai: int, si: int) -> np.ndarray:
    """A cached hatching texture for angle index `ai` (15 degree steps) and spacing si/2 px;
    generated from a fixed seed per key, so frames do not depend on the order of calls."""
    key = (ai, max(3, si))
    tex = _TEXTURES.get(key)
    if tex is None:
        rng = np.random.default_rng([77, key[0], key[1]])
        f = _field(
            _TEX,
            _TEX,
            0,
            0,
            key[1] / 2.0,
            key[0] * 15.0,
            1.0,
            True,
            rng.normal(0, 0.6, (10, 10)),
            0.0,
        )
        tex = np.round(f * 255).astype(np.uint8)
        _TEXTURES[key] = tex
    return tex


def hatch(
    img: np.ndarray,
    m: Mask | None,
    color: Color,
    spacing: float,
    angle: float,
    rng: np.random.Generator,
    alpha: float = 0.85,
    width: float = 1.0,
    gaps: bool = True,
) -> None:
    """Parallel pencil lines at `angle` degrees across the mask, with breaks and wobble."""
    if m is None:
        return
    mask, x0, y0 = m
    hh, ww = mask.shape
    spacing = max(1.6, spacing)
    if hh * ww < 90 or min(hh, ww) < 4:  # too small to show lines: the mean tone they give
        crop = img[y0 : y0 + hh, x0 : x0 + ww]
        t = alpha * min(0.8, (width * 0.5 + 0.5) / spacing * 1.4)
        sel = crop[mask].astype(np.float32)
        crop[mask] = (sel + (np.array(color, np.float32) - sel) * t).astype(np.uint8)
        return
    if width == 1.0 and gaps:
        tex = _texture(round(angle / 15.0) % 12, round(min(spacing, 12.0) * 2))
        if (
            hh > _TEX or ww > _TEX
        ):  # a wide wall or floor: the texture tiled (a seam reads as a new stroke)
            tex = np.tile(tex, (-(-hh // _TEX), -(-ww // _TEX)))
        oy, ox = (int(v) for v in rng.integers(0, np.array(tex.shape) - np.array([hh, ww]) + 1))
        a = tex[oy : oy + hh, ox : ox + ww] * np.float32(1 / 255)
    else:
        a = _field(
            hh,
            ww,
            x0,
            y0,
            spacing,
            angle,
            width,
            gaps,
            rng.normal(0, 0.45, (3, 3)),
            float(rng.random()),
        )
    a *= mask
    a *= alpha
    crop = img[y0 : y0 + hh, x0 : x0 + ww]
    f = crop.astype(np.float32)
    f += (np.array(color, np.float32) - f) * a[..., None]
    crop[...] = f.astype(np.uint8)


def _path(p: np.ndarray, rng: np.random.Generator, wobble: float, over: float) -> np.ndarray:
    if len(p) < 2:
        return p
    r = rng.random(4)
    if over > 0:
        p = p.copy()
        d0, d1 = p[0] - p[1], p[-1] - p[-2]
        p[0] += d0 * (over * r[0] / max(1e-6, float(np.hypot(d0[0], d0[1]))))
        p[-1] += d1 * (over * r[1] / max(1e-6, float(np.hypot(d1[0], d1[1]))))
    dif = p[1:] - p[:-1]
    seg = np.hypot(dif[:, 0], dif[:, 1])
    total = float(seg.sum())
    if wobble <= 0 or total < 3.0:
        return p
    if len(p) == 2:  # a straight line: points every ~4 px along it
        k = min(40, int(total * 0.25) + 2)
        q = p[0] + np.linspace(0.0, 1.0, k)[:, None] * dif[0]
        nd = np.array([[-dif[0, 1] / total, dif[0, 0] / total]])
    elif float(seg.max()) < 6.0:  # already dense (ellipses, curves)
        q = p
        nd = np.empty_like(q)
        nd[:-1, 0], nd[:-1, 1] = -dif[:, 1], dif[:, 0]
        nd[-1] = nd[-2]
        nd = nd / np.maximum(1e-6, np.hypot(nd[:, 0], nd[:, 1]))[:, None]
    else:  # each segment split into pieces of about 4 px
        reps = np.minimum((seg * 0.25).astype(np.int64) + 1, 20)
        idx = np.repeat(np.arange(len(seg)), reps)
        start = np.cumsum(reps) - reps
        fr = (np.arange(idx.size) - start[idx]) / reps[idx]
        q = np.empty((idx.size + 1, 2))
        q[:-1] = p[idx] + dif[idx] * fr[:, None]
        q[-1] = p[-1]
        nd = np.empty_like(q)
        nd[:-1, 0], nd[:-1, 1] = -dif[idx, 1], dif[idx, 0]
        nd[-1] = nd[-2]
        nd = nd / np.maximum(1e-6, np.hypot(nd[:, 0], nd[:, 1]))[:, None]
    n = len(q)
    t = np.arange(n) * (1.0 / max(1, n - 1))
    off = np.sin(r[2] * 6.283 + (3.1 + 6.3 * r[3]) * t) * 0.7 + (rng.random(n) - 0.5) * 0.6
    out: np.ndarray = q + nd * (off * wobble)[:, None]
    return out


def lines(
    img: np.ndarray,
    p0: np.ndarray,
    p1: np.ndarray,
    color: Color,
    rng: np.random.Generator,
    thick: int = 1,
    wobble: float = 0.5,
    over: float = 0.0,
) -> None:
    """Many straight hand-drawn lines at once (floor, tiles, construction lines)."""
    p0, p1 = np.asarray(p0, np.float64).reshape(-1, 2), np.asarray(p1, np.float64).reshape(-1, 2)
    n = len(p0)
    if n == 0 or not (np.all(np.isfinite(p0)) and np.all(np.isfinite(p1))):
        return
    k = 10
    d = p1 - p0
    ln = np.maximum(1e-6, np.sqrt((d**2).sum(axis=1)))[:, None]
    u = d / ln
    if over > 0:
        e = rng.random((n, 2)) * over
        p0 = p0 - u * e[:, :1]
        p1 = p1 + u * e[:, 1:]
        d = p1 - p0
    t = np.linspace(0, 1, k)[None, :, None]
    q = p0[:, None, :] + d[:, None, :] * t
    ph = rng.random((n, 1)) * 6.283
    off = (
        np.sin(ph + t[..., 0] * 6.283 * (0.5 + rng.random((n, 1)))) * 0.7
        + (rng.random((n, k)) - 0.5) * 0.5
    )
    nrm = np.stack([-u[:, 1], u[:, 0]], axis=1)[:, None, :]
    q = q + nrm * (off * wobble)[..., None]
    arr = np.round(np.clip(q, -4e4, 4e4) * ONE).astype(np.int32)
    cv2.polylines(img, list(arr), False, color, max(1, int(thick)), cv2.LINE_AA, SHIFT)


def stroke(
    img: np.ndarray,
    pts: np.ndarray | list[tuple[float, float]],
    color: Color,
    rng: np.random.Generator,
    thick: int = 1,
    wobble: float = 0.5,
    over: float = 0.0,
    double: float = 0.0,
    closed: bool = False,
) -> None:
    """One hand-drawn line: wobbly, with pressure changes, overshoot and sometimes doubled."""
    p = np.asarray(pts, np.float64)
    if len(p) < 2 or not (np.abs(p) < 1e5).all():
        return
    if closed:
        p = np.vstack([p, p[:1]])
    q = _path(p, rng, wobble, over)
    thick = max(1, int(thick))
    arr = np.round(q * ONE).astype(np.int32)
    if len(arr) > 6 and rng.random() < 0.5:  # pressure: one stretch pressed lighter
        k = int(rng.integers(2, len(arr) - 2))
        light = shade(color, float(rng.uniform(20, 50)))
        cv2.polylines(img, [arr[: k + 1]], False, color, thick, cv2.LINE_AA, SHIFT)
        cv2.polylines(img, [arr[k:]], False, light, max(1, thick - 1), cv2.LINE_AA, SHIFT)
    else:
        cv2.polylines(img, [arr], False, color, thick, cv2.LINE_AA, SHIFT)
    if double > 0 and rng.random() < double:
        q2 = _path(p, rng, wobble * 1.4 + 0.4, over)
        arr2 = np.round(q2 * ONE).astype(np.int32)
        cv2.polylines(img, [arr2], False, shade(color, 40), 1, cv2.LINE_AA, SHIFT)


def marks(
    img: np.ndarray,
    polys: list[list[tuple[float, float]]] | list[np.ndarray],
    color: Color,
    rng: np.random.Generator,
    thick: int = 1,
    jitter: float = 0.25,
) -> None:
    """Many short marks (features, pleats, straps) in one go, each point nudged a little."""
    arrs = [np.asarray(q, np.float64) for q in polys if len(q) >= 2]
    if not arrs:
        return
    sizes = [len(q) for q in arrs]
    allp = np.vstack(arrs)
    if not (np.abs(allp) < 1e5).all():
        return
    allp = allp + (rng.random(allp.shape) - 0.5) * (2 * jitter)
    ip = np.round(allp * ONE).astype(np.int32)
    cuts = np.cumsum(sizes)[:-1]
    cv2.polylines(img, np.split(ip, cuts), False, color, max(1, int(thick)), cv2.LINE_AA, SHIFT)


def shape(
    img: np.ndarray,
    pts: np.ndarray,
    rng: np.random.Generator,
    line: Color,
    fill_col: Color | None = None,
    hatch_col: Color | None = None,
    spacing: float = 3.0,
    angle: float = 45.0,
    cross: bool = False,
    thick: int = 1,
    wobble: float = 0.5,
    double: float = 0.15,
    keep: bool = False,
) -> Mask | None:
    """A filled, hatched and outlined polygon; returns its mask when hatched or `keep`."""
    if hatch_col is None and not keep:  # a plain tone: straight onto the page
        if fill_col is not None and len(pts) >= 3 and (np.abs(pts) < 1e5).all():
            q = np.round(np.asarray(pts, np.float64) * ONE).astype(np.int32)
            cv2.fillPoly(img, [q], fill_col, cv2.LINE_8, SHIFT)
        stroke(img, pts, line, rng, thick, wobble, over=1.5 * wobble, double=double, closed=True)
        return None
    m = poly_mask(img, pts)
    if fill_col is not None:
        fill(img, m, fill_col, rng)
    if hatch_col is not None:
        hatch(img, m, hatch_col, spacing, angle, rng)
        if cross:
            hatch(img, m, hatch_col, spacing * 1.2, angle + 80 + rng.uniform(-10, 10), rng, 0.7)
    stroke(img, pts, line, rng, thick, wobble, over=1.5 * wobble, double=double, closed=True)
    return m
