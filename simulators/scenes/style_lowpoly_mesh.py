"""Facet geometry for the `lowpoly` training style: flat-shaded patches of triangles.

Every surface of the style is a small grid of 3D points in screen-aligned coordinates
(x right, y down, z toward the camera, orthographic). `draw_patch` cuts the grid into
triangles, gives each its own flat tone from its normal (ambient plus a directional key
light) and fills it with one `cv2.fillConvexPoly`, so round things show their facet
edges. The scene's key light is set by the background and read by the actors, so a
frame is lit from one side; each actor jitters it a little.
"""

from contextvars import ContextVar
from dataclasses import dataclass

import cv2
import numpy as np

Color = tuple[int, int, int]
Image = np.ndarray
Pt = tuple[float, float]


@dataclass(frozen=True)
class Light:
    """Unit vector toward the key light, ambient and diffuse shares, a BGR tint."""

    d: tuple[float, float, float]
    amb: float
    dif: float
    tint: tuple[float, float, float]


DEFAULT_LIGHT = Light((-0.45, -0.7, 0.55), 0.45, 0.6, (1.0, 1.0, 1.0))
_LIGHT: ContextVar[Light] = ContextVar("lowpoly_light", default=DEFAULT_LIGHT)


def set_light(light: Light) -> None:
    _LIGHT.set(light)


def get_light() -> Light:
    return _LIGHT.get()


def random_light(rng: np.random.Generator) -> Light:
    """A key light from upper left or right, in front; warm, neutral or cool."""
    v = np.array([rng.uniform(-0.9, 0.9), -rng.uniform(0.3, 1.0), rng.uniform(0.35, 1.0)])
    v /= np.linalg.norm(v)
    warm = float(rng.uniform(-0.08, 0.08))
    return Light(
        (float(v[0]), float(v[1]), float(v[2])),
        float(rng.uniform(0.32, 0.55)),
        float(rng.uniform(0.45, 0.7)),
        (1.0 - warm, 1.0, 1.0 + warm),
    )


def jitter_light(light: Light, rng: np.random.Generator, amount: float = 0.15) -> Light:
    v = np.array(light.d) + rng.normal(0, amount, 3)
    v[2] = abs(v[2]) + 0.1
    v /= np.linalg.norm(v)
    return Light((float(v[0]), float(v[1]), float(v[2])), light.amb, light.dif, light.tint)


def tone(light: Light, normals: np.ndarray) -> np.ndarray:
    """Flat brightness per facet: ambient plus the key light on its normal.

    Normalised so that a facet facing the camera keeps its nominal colour: the lit side
    of a round thing is brighter than that, the side away from the light darker.
    """
    d = np.array(light.d)
    front = light.amb + light.dif * max(d[2], 0.3)
    out: np.ndarray = np.minimum(
        (light.amb + light.dif * np.clip(normals @ d, 0.0, 1.0)) / front, 1.3
    )
    return out


def shade_color(base: Color, t: float, light: Light) -> Color:
    c = np.clip(np.array(base, float) * t * np.array(light.tint), 0, 255)
    return int(c[0]), int(c[1]), int(c[2])


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.stack(
        [
            a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1],
            a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
            a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0],
        ],
        -1,
    )


def draw_patch(
    img: Image,
    pts: np.ndarray,
    cols: np.ndarray | Color,
    light: Light,
    factor: np.ndarray | None = None,
    quads: bool = False,
) -> None:
    """Fill grid `pts` (a, b, 3) as 2(a-1)(b-1) flat-shaded triangles (or quads).

    `cols` is one BGR colour or one per cell (a-1, b-1, 3); `factor` (a-1, b-1) scales a
    cell's tone (pleats, stripes). Cells wholly outside the image are not drawn.
    """
    v00, v01, v10, v11 = pts[:-1, :-1], pts[:-1, 1:], pts[1:, :-1], pts[1:, 1:]
    reps = 1 if quads else 2
    if quads:
        poly = np.stack([v00, v01, v11, v10], -2).reshape(-1, 4, 3)
        n = _cross(poly[:, 2] - poly[:, 0], poly[:, 1] - poly[:, 3])
    else:
        poly = np.concatenate(
            [np.stack([v00, v01, v11], -2), np.stack([v00, v11, v10], -2)], axis=0
        ).reshape(-1, 3, 3)
        n = _cross(poly[:, 1] - poly[:, 0], poly[:, 2] - poly[:, 0])
    n *= np.where(n[:, 2:3] < 0, -1.0, 1.0) / (np.sqrt((n * n).sum(1, keepdims=True)) + 1e-9)
    t = tone(light, n)
    if factor is not None:
        t = t * np.tile(factor.reshape(-1), reps)
    tint = np.array(light.tint)
    if isinstance(cols, np.ndarray):
        base = np.tile(cols.reshape(-1, 3), (reps, 1))
        out = np.clip(base * t[:, None] * tint, 0, 255)
    else:
        out = np.clip(t[:, None] * (np.array(cols, float) * tint)[None, :], 0, 255)
    xy = np.rint(poly[:, :, :2]).astype(np.int32)
    h, w = img.shape[:2]
    lo, hi = xy.min(axis=1), xy.max(axis=1)
    vis: list[bool] = ((hi[:, 0] >= 0) & (lo[:, 0] < w) & (hi[:, 1] >= 0) & (lo[:, 1] < h)).tolist()
    for p, c, k in zip(xy, out.tolist(), vis, strict=True):
        if k:
            cv2.fillConvexPoly(img, p, c)


def ellipsoid(
    cx: float,
    cy: float,
    rx: float,
    ry: float,
    lat: np.ndarray,
    lon: np.ndarray,
    rz: float | None = None,
    taper: float = 0.0,
    jitter: float = 0.0,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Front of an ellipsoid between latitudes/longitudes in degrees (lat 90 = top).

    `taper` narrows the lower half (a jaw); `jitter` moves inner vertices (a fraction of
    the smaller radius) so the facets are irregular; the outline vertices stay put.
    """
    la = np.radians(lat)[:, None]
    lo = np.radians(lon)[None, :]
    squeeze = 1.0 - taper * np.clip(-np.sin(la), 0, 1) ** 1.5
    x = cx + rx * np.cos(la) * np.sin(lo) * squeeze
    y = cy - ry * np.sin(la) + 0 * lo
    z = (rz if rz is not None else rx) * np.cos(la) * np.cos(lo) * squeeze
    p = np.stack([x, y, z], -1)
    if jitter > 0 and rng is not None and p.shape[0] > 2 and p.shape[1] > 2:
        inner = p[1:-1, 1:-1]
        inner += rng.normal(0, jitter * min(rx, ry), inner.shape)
    return p


def limb(
    p0: Pt, p1: Pt, r0: float, r1: float, around: int = 3, along: int = 1, zs: float = 1.0
) -> np.ndarray:
    """The front half of a tapered cylinder from p0 to p1 (arms, legs, pots, hats)."""
    a = np.array(p0, float)
    b = np.array(p1, float)
    ax = b - a
    ln = float(np.hypot(ax[0], ax[1])) + 1e-9
    perp = np.array([-ax[1], ax[0]]) / ln
    if perp[0] < 0:
        perp = -perp
    t = np.linspace(0, 1, along + 1)[:, None]
    u = np.linspace(-np.pi / 2, np.pi / 2, around + 1)[None, :]
    r = r0 + (r1 - r0) * t
    cen = a[None, :] + t * ax[None, :]
    x = cen[:, 0:1] + r * np.sin(u) * perp[0]
    y = cen[:, 1:2] + r * np.sin(u) * perp[1]
    z = r * np.cos(u) * zs
    return np.stack([x + 0 * u, y + 0 * u, z + 0 * t], -1)


def column(cx: float, ys: list[float], rs: list[float], around: int, zs: float = 1.0) -> np.ndarray:
    """A vertical solid of revolution (front half): rows at `ys` with radii `rs`."""
    u = np.linspace(-np.pi / 2, np.pi / 2, around + 1)[None, :]
    r = np.array(rs, float)[:, None]
    x = cx + r * np.sin(u)
    y = np.array(ys, float)[:, None] + 0 * u
    z = r * np.cos(u) * zs
    return np.stack([x, y, z], -1)


def flat(img: Image, pts: list[Pt] | np.ndarray, color: Color) -> None:
    cv2.fillConvexPoly(img, np.rint(np.asarray(pts, float)).astype(np.int32), color)


def facet(
    img: Image,
    pts: list[Pt] | np.ndarray,
    base: Color,
    normal: tuple[float, float, float],
    light: Light,
) -> None:
    """One flat polygon lit as if its surface faced `normal`."""
    n = np.array(normal, float)
    n /= np.linalg.norm(n) + 1e-9
    flat(img, pts, shade_color(base, float(tone(light, n[None, :])[0]), light))


def darken(img: Image, pts: list[Pt] | np.ndarray, factor: float) -> None:
    """Multiply the pixels inside a polygon (contact shadows, ambient occlusion)."""
    p = np.rint(np.asarray(pts, float)).astype(np.int32)
    h, w = img.shape[:2]
    x0, y0 = max(0, int(p[:, 0].min())), max(0, int(p[:, 1].min()))
    x1, y1 = min(w, int(p[:, 0].max()) + 1), min(h, int(p[:, 1].max()) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    m = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillConvexPoly(m, p - np.array([x0, y0], np.int32), 1)
    roi = img[y0:y1, x0:x1]
    sel = m.astype(bool)
    roi[sel] = (roi[sel] * factor).astype(np.uint8)


def ring(cx: float, cy: float, rx: float, ry: float, n: int, phase: float = 0.0) -> np.ndarray:
    """An n-gon on an ellipse (flat lids, shadows, plates)."""
    a = phase + np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], -1)


def pick(rng: np.random.Generator, options: tuple[Color, ...], jit: int = 10) -> Color:
    c = np.array(options[int(rng.integers(len(options)))]) + rng.integers(-jit, jit + 1, 3)
    c = np.clip(c, 0, 255)
    return int(c[0]), int(c[1]), int(c[2])


def mul(c: Color, f: float, add: float = 0.0) -> Color:
    """A colour scaled by `f` (plus `add`), clipped to 0..255."""
    return (
        int(min(255.0, max(0.0, c[0] * f + add))),
        int(min(255.0, max(0.0, c[1] * f + add))),
        int(min(255.0, max(0.0, c[2] * f + add))),
    )
