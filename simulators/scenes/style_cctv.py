"""Scene style `cctv`: a held-out look imitating a ceiling CCTV / IP-camera frame.

Why: a detector trained on the other styles is measured on this one to learn how it
copes with a near-photographic look it never saw, so it is drawn independently and as
close to a real kitchen camera as procedural drawing allows:

- Kitchen: perspective floor (quarry / ceramic tiles with anti-aliased grout whose width
  follows the perspective, per-tile tone, worn patches, or speckled epoxy / anti-slip
  floors with glossy reflections), a drain channel, tiled back wall (square or staggered
  subway tiles), ceiling strip with light fittings, brushed stainless hood and cooking
  line with doors and handles, wall shelf with stock, pots with cylinder highlights,
  windows and an optional perspective side wall.
- People: soft contact shadow, trousers, white or light chef jackets (double-breasted,
  shaded like a cylinder, fold lines), bib or waist aprons, sleeves as shaded tubes,
  bare or gloved hands, varied skin tones, hair from black to blond, grey and white,
  crops, long, ponytails, buns, curls, balding and bald heads. Hats: tall pleated toques,
  paper caps, mob caps (white, blue, green, pink, black, red), skull caps (dark ones
  included) and baseball caps; all cover the hair, which is tucked in under them. Masks:
  pleated surgical (blue, white, green, pink, black), contoured cloth and KN95 types.
- Rodents: rats and mice (brown, grey, black, pale) with haunch, tapered snout, ear,
  eye, feet and a tapering tail, top-lit with fur grain and a contact shadow.
- Hard negatives: pots, bowl stacks, cloths, aprons on hooks, mops and buckets, boxes,
  cats, floor shadows, drain covers, sacks, bins, hats and masks lying about, produce.
- Camera: fluorescent/LED white balance, uneven overhead light, barrel vignette,
  blown-out windows with bloom, tone curve, lens softness and over-sharpening halos,
  luma and blotchy chroma noise, a burnt-in timestamp and camera name at the top, JPEG
  compression. Night: dark, noisy, desaturated, windows black. Infrared: grey, skin
  and fabric bright, an illuminator hot spot with strong fall-off.

Every random choice comes from the generator passed in, so a seed gives identical
pixels; sizes scale with the frame height (`h / 240`).
"""

import datetime
import math
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.compose import Box, Image, StyleKit
from simulators.scenes.spec import WorkerSpec

Color = tuple[int, int, int]
Pt = tuple[float, float]
Shade = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""Brightness factor from frame columns (shape (1, w)) and rows (shape (h, 1))."""

_SHIFT = 4  # sub-pixel bits for OpenCV drawing: small heads keep smooth outlines
_ONE = 1 << _SHIFT
SENTINEL: Color = (253, 255, 254)
"""Colour of window panes in the background: `light` finds them again to blow them
out by day and darken them at night (what the camera sees depends on the hour)."""


def _rgb(r: int, g: int, b: int) -> Color:
    """Palette entries are written as RGB for readability; OpenCV wants BGR."""
    return b, g, r


def _pick(rng: np.random.Generator, items: Sequence[Color]) -> Color:
    return items[int(rng.integers(len(items)))]


def _jit(rng: np.random.Generator, c: Color, amount: float) -> Color:
    """A colour varied in brightness (mostly) and a little in hue."""
    k = 1.0 + float(rng.uniform(-amount, amount))
    d = rng.uniform(-4, 4, size=3)
    v = [int(min(255.0, max(0.0, ch * k + float(e)))) for ch, e in zip(c, d, strict=True)]
    return v[0], v[1], v[2]


def _add(c: Color, d: int) -> Color:
    v = [min(255, max(0, ch + d)) for ch in c]
    return v[0], v[1], v[2]


def _scale(c: Color, k: float) -> Color:
    v = [int(min(255.0, max(0.0, ch * k))) for ch in c]
    return v[0], v[1], v[2]


# --- shading functions -------------------------------------------------------------


def _cyl(cx: float, r: float, lx: float = 0.0, lo: float = 0.7, hi: float = 0.38) -> Shade:
    """Across a vertical cylinder of radius `r` at `cx`; `lx` moves the lit side."""

    def f(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        u = (xs - cx) / max(r, 1e-3) - 0.35 * lx
        return lo + hi * np.sqrt(np.clip(1.0 - u * u, 0.0, 1.0))

    return f


def _sphere(cx: float, cy: float, rx: float, ry: float, lx: float = 0.0) -> Shade:
    """A ball lit from above and a little to the side: a rounded head, a cap, a bowl."""

    def f(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        u = (xs - cx) / max(rx, 1e-3)
        v = (ys - cy) / max(ry, 1e-3)
        n = np.sqrt(np.clip(1.0 - u * u - v * v, 0.0, 1.0))
        return 0.56 + 0.44 * n + 0.07 * (-v) + 0.1 * lx * u

    return f


def _vgrad(y0: float, y1: float, a: float, b: float) -> Shade:
    """Linear in rows: `a` at y0, `b` at y1 (overhead light: tops brighter)."""

    def f(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        t = np.clip((ys - y0) / max(y1 - y0, 1e-3), 0.0, 1.0)
        return a + (b - a) * t

    return f


def _tube(p: Pt, q: Pt, r: float, lx: float = 0.0) -> Shade:
    """Across a tube from p to q of radius r (sleeves, legs, a tail)."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    n = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / n, dx / n

    def f(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        d = ((xs - p[0]) * nx + (ys - p[1]) * ny) / max(r, 1e-3) - 0.3 * lx
        return 0.66 + 0.42 * np.sqrt(np.clip(1.0 - d * d, 0.0, 1.0))

    return f


def _mul(*fns: Shade) -> Shade:
    def f(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.ones((ys.shape[0], xs.shape[1]), np.float32)
        for fn in fns:
            out = out * fn(xs, ys)
        return out

    return f


# --- a float canvas over a part of the frame ---------------------------------------


class _Canvas:
    """A float copy of one region of the frame, painted with anti-aliased coverage masks.

    Parts are painted as shaded, textured colour through a mask and the region is
    written back once; pixels no part touched keep their exact value, because the
    compositor decides what a worker or rodent drew by comparing pixels.
    """

    def __init__(self, img: Image, box: Box, rng: np.random.Generator, cell: float = 3.0) -> None:
        h, w = img.shape[:2]
        self.img = img
        self.x0, self.y0 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
        self.x1, self.y1 = min(w, math.ceil(box[2])), min(h, math.ceil(box[3]))
        self.ok = self.x1 > self.x0 and self.y1 > self.y0
        if not self.ok:
            self.x1, self.y1 = self.x0 + 1, self.y0 + 1
        rh, rw = self.y1 - self.y0, self.x1 - self.x0
        self.f: np.ndarray = (
            img[self.y0 : self.y1, self.x0 : self.x1].astype(np.float32)
            if self.ok
            else np.zeros((1, 1, 3), np.float32)
        )
        self.fine: np.ndarray = _gauss(rng, rh, rw, 1)
        # blotches taller than wide: cloth hangs in vertical folds, fur and hair streak
        gh, gw = max(2, int(rh / (2.5 * cell)) + 2), max(2, int(rw / cell) + 2)
        small = rng.standard_normal((gh, gw), dtype=np.float32)
        self.soft: np.ndarray = cv2.resize(small, (rw, rh), interpolation=cv2.INTER_CUBIC)

    def p(self, x: float, y: float) -> tuple[int, int]:
        return round((x - self.x0) * _ONE), round((y - self.y0) * _ONE)

    def mask(self) -> np.ndarray:
        return np.zeros(self.f.shape[:2], np.uint8)

    def ellipse(
        self,
        c: Pt,
        ax: float,
        ay: float,
        angle: float = 0.0,
        a0: float = 0.0,
        a1: float = 360.0,
        m: np.ndarray | None = None,
    ) -> np.ndarray:
        m = self.mask() if m is None else m
        axes = (max(1, round(ax * _ONE)), max(1, round(ay * _ONE)))
        cv2.ellipse(m, self.p(*c), axes, angle, a0, a1, 255, -1, cv2.LINE_AA, _SHIFT)
        return m

    def poly(self, pts: Sequence[Pt], m: np.ndarray | None = None) -> np.ndarray:
        m = self.mask() if m is None else m
        arr = np.array([self.p(*q) for q in pts], np.int32)
        cv2.fillPoly(m, [arr], 255, cv2.LINE_AA, _SHIFT)
        return m

    def line(
        self, pts: Sequence[Pt], th: float, m: np.ndarray | None = None, closed: bool = False
    ) -> np.ndarray:
        m = self.mask() if m is None else m
        arr = np.array([self.p(*q) for q in pts], np.int32)
        cv2.polylines(m, [arr], closed, 255, max(1, round(th)), cv2.LINE_AA, _SHIFT)
        return m

    def paint(
        self,
        m: np.ndarray,
        color: Color,
        shade: Shade | None = None,
        alpha: float = 1.0,
        blur: float = 0.0,
        tex: float = 0.0,
        soft: float = 0.0,
        clip: np.ndarray | None = None,
    ) -> None:
        """Blend `color` (times `shade`, grain `tex`, blotches `soft`) through mask `m`."""
        if not self.ok:
            return
        x, y, bw, bh = cv2.boundingRect(m)
        if bw == 0 or bh == 0:
            return
        if blur > 0.3:  # blur only around the shape, not the whole canvas
            pad = int(3 * blur) + 1
            rh, rw = m.shape
            xa, ya = max(0, x - pad), max(0, y - pad)
            xb, yb = min(rw, x + bw + pad), min(rh, y + bh + pad)
            a8: np.ndarray = cv2.GaussianBlur(m[ya:yb, xa:xb], (0, 0), blur)
            x, y, bw, bh = xa, ya, xb - xa, yb - ya
        else:
            a8 = m[y : y + bh, x : x + bw]
        a = a8.astype(np.float32)
        a *= alpha / 255.0
        if clip is not None:
            a *= clip[y : y + bh, x : x + bw].astype(np.float32) / 255.0
        region = self.f[y : y + bh, x : x + bw]
        a3 = cv2.merge([a, a, a])  # numpy broadcasting over the colour axis is slow
        if shade is None and not tex and not soft:
            region += (np.array(color, np.float32) - region) * a3
            return
        fac: np.ndarray = np.ones((bh, bw), np.float32)
        if shade is not None:
            xs = np.arange(x, x + bw, dtype=np.float32)[None, :] + (self.x0 + 0.5)
            ys = np.arange(y, y + bh, dtype=np.float32)[:, None] + (self.y0 + 0.5)
            fac *= shade(xs, ys)
        if tex:
            fac *= 1.0 + tex * self.fine[y : y + bh, x : x + bw]
        if soft:
            fac *= 1.0 + soft * self.soft[y : y + bh, x : x + bw]
        region += (_three(fac, color) - region) * a3

    def commit(self) -> None:
        if self.ok:
            out = _to_u8(self.f)
            self.img[self.y0 : self.y1, self.x0 : self.x1] = out


# --- background ----------------------------------------------------------------------

WALL_TILES: tuple[Color, ...] = (
    _rgb(236, 236, 232),
    _rgb(228, 226, 214),
    _rgb(214, 218, 220),
    _rgb(206, 222, 214),
    _rgb(220, 226, 234),
    _rgb(198, 196, 190),
    _rgb(236, 230, 214),
)
FLOORS: dict[str, tuple[Color, ...]] = {
    "quarry": (_rgb(150, 72, 52), _rgb(128, 64, 50), _rgb(160, 96, 70), _rgb(110, 60, 48)),
    "ceramic": (_rgb(150, 150, 146), _rgb(178, 170, 156), _rgb(120, 122, 124), _rgb(196, 192, 184)),
    "epoxy": (_rgb(128, 130, 128), _rgb(96, 120, 92), _rgb(128, 70, 60), _rgb(92, 104, 120)),
}
STEEL: tuple[Color, ...] = (_rgb(176, 180, 184), _rgb(160, 164, 168), _rgb(194, 196, 198))


def _hash01(i: np.ndarray, j: np.ndarray, salt: int) -> np.ndarray:
    """A repeatable pseudo-random value in [-0.5, 0.5) per (i, j) tile."""
    k = (i * 92821 + j * 68917 + salt * 31337) % 1009
    out: np.ndarray = (k.astype(np.float32) / 1009.0) - 0.5
    return out


def _lowfreq(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    small = rng.standard_normal((max(2, cells * h // max(w, 1) + 2), cells + 2), dtype=np.float32)
    out: np.ndarray = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return out


def _brushed(rng: np.random.Generator, h: int, w: int, s: float) -> np.ndarray:
    """Brushed stainless: fine streaks along the rows."""
    n = _gauss(rng, max(1, h), max(1, w))
    k = max(3, int(14 * s)) | 1
    out: np.ndarray = cv2.blur(n, (k, 1)) * 0.9
    return out


def _floor(
    f: np.ndarray, horizon: int, rng: np.random.Generator, s: float
) -> tuple[float, list[float]]:
    """Paint the floor below `horizon` in perspective; return how glossy it is and the
    columns where it mirrors the lights."""
    h, w = f.shape[:2]
    kind = str(rng.choice(["quarry", "ceramic", "ceramic", "epoxy"]))
    base = np.array(_jit(rng, _pick(rng, FLOORS[kind]), 0.08), np.float32)
    focal = w * rng.uniform(0.75, 1.15)
    a = focal * rng.uniform(0.35, 0.85)  # camera height / wall distance, in pixels
    v = horizon - a  # vanishing line of the floor plane (above the wall line)
    vx = w * rng.uniform(0.2, 0.8)
    ys = np.arange(horizon, h, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(w, dtype=np.float32)[None, :] + 0.5
    z = a / (ys - v)  # depth, 1 at the wall, smaller towards the camera
    xw = (xs - vx) * z / focal
    rows = h - horizon
    fac: np.ndarray = np.ones((rows, w), np.float32)
    safety: np.ndarray | None = None
    if kind != "epoxy":
        tile_px = rng.uniform(14, 34) * s  # tile width in pixels at the wall line
        t = tile_px / focal
        du = (1.0 - z) / t + rng.uniform(0, 1)
        dv = xw / t + rng.uniform(0, 1)
        i, j = np.floor(du).astype(np.int64), np.floor(dv).astype(np.int64)
        fac = fac * (1.0 + rng.uniform(0.05, 0.14) * _hash01(i, j, 1))
        # grout lines, anti-aliased, as wide as the perspective makes them
        gpx = rng.uniform(0.7, 1.4) * max(1.0, s) / z
        ddu = a / (t * (ys - v) ** 2)  # d(du)/d(row)
        ddv = z / (focal * t)  # d(dv)/d(column)
        fu, fv = du - np.floor(du), dv - np.floor(dv)
        dist_u = np.minimum(fu, 1 - fu) / ddu
        dist_v = np.minimum(fv, 1 - fv) / ddv
        cov = np.clip(gpx * 0.5 + 0.5 - np.minimum(dist_u, dist_v), 0.0, 1.0)
        grout = rng.uniform(0.55, 0.8) if kind != "ceramic" or rng.random() < 0.7 else 1.15
        fac = fac * (1.0 + (grout - 1.0) * cov)
        fac = fac * (1.0 + 0.03 * _gauss(rng, rows, w))
    else:
        grain = _gauss(rng, rows, w)
        fac = fac * (1.0 + rng.uniform(0.04, 0.1) * grain)
        flakes = rng.random((rows, w), dtype=np.float32) < rng.uniform(0.0, 0.03)
        fac = np.where(flakes, fac * rng.uniform(0.75, 1.3), fac)
        if rng.random() < 0.4:  # painted safety line along the wall
            y0 = rng.uniform(0.1, 0.3) * rows
            band = ((ys - horizon) > y0) & ((ys - horizon) < y0 + max(2.0, 4 * s))
            safety = np.broadcast_to(band, (rows, w))
    # worn patches and dirt: low-frequency blotches, darker near the wall and edges
    fac = fac * (1.0 + rng.uniform(0.05, 0.14) * _lowfreq(rng, rows, w, 7))
    fac = fac * (0.82 + 0.18 * np.clip((ys - horizon) / (0.25 * rows + 1), 0, 1))
    # a worn walkway in front of the counter
    wy = rng.uniform(0.2, 0.6) * rows
    fac = fac * (
        1.0 + rng.uniform(-0.08, 0.08) * np.exp(-(((ys - horizon - wy) / (0.2 * rows)) ** 2))
    )
    f[horizon:] = _three(fac, [float(c) for c in base])
    if safety is not None:
        yellow = np.array(_rgb(220, 190, 40), np.float32)
        f[horizon:][safety] = yellow * fac[safety][:, None]
    # glossy floors mirror the lights: soft bright streaks below them
    gloss = rng.uniform(0.0, 0.35) if kind == "epoxy" else rng.uniform(0.0, 0.15)
    return gloss, [float(x) for x in rng.uniform(0, w, size=int(rng.integers(1, 4)))]


def _wall(
    f: np.ndarray, y0: int, y1: int, rng: np.random.Generator, s: float, color: Color
) -> None:
    """Tiled wall between rows y0 and y1: square or staggered subway tiles."""
    w = f.shape[1]
    if y1 <= y0:
        return
    th = max(3, int(rng.uniform(6, 13) * s))
    tw = th if rng.random() < 0.5 else 2 * th
    stagger = tw // 2 if tw > th and rng.random() < 0.8 else 0
    gw = max(1, round(s * rng.uniform(0.7, 1.2)))
    oy, ox = int(rng.integers(0, th)), int(rng.integers(0, tw))
    ys = np.arange(y0, y1)[:, None]
    xs = np.arange(w)[None, :]
    row = (ys - y0 + oy) // th
    colx = xs + (row % 2) * stagger + ox
    col = colx // tw
    fac = 1.0 + 0.06 * _hash01(row, col, 2)
    in_row = (ys - y0 + oy) % th
    fac = np.where(in_row == gw, fac * 1.05, fac)  # bevel catching the light
    grout = (in_row < gw) | (colx % tw < gw)
    gf = rng.uniform(0.72, 0.9)
    fac = np.where(grout, gf, fac)
    fac = fac * (1.0 + 0.05 * _lowfreq(rng, y1 - y0, w, 6))
    f[y0:y1] = np.array(color, np.float32) * fac[..., None]


def _box_shade(f: np.ndarray, x0: int, y0: int, x1: int, y1: int, color: Color, k: float) -> None:
    """A flat box front with a top-lit gradient."""
    h, w = f.shape[:2]
    x0, x1 = max(0, x0), min(w, x1)
    y0, y1 = max(0, y0), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    g = np.linspace(1.0 + k, 1.0 - k, y1 - y0, dtype=np.float32)[:, None, None]
    f[y0:y1, x0:x1] = np.array(color, np.float32) * g


def _hood(f: np.ndarray, rng: np.random.Generator, s: float, y_top: int) -> tuple[int, int, int]:
    """Stainless canopy hood; returns (x0, x1, bottom row)."""
    h, w = f.shape[:2]
    hw = int(w * rng.uniform(0.3, 0.75))
    x0 = int(rng.uniform(-0.1, 1.0) * (w - hw))
    x1 = x0 + hw
    yb = int(h * rng.uniform(0.13, 0.24))
    flare = int(rng.uniform(0.0, 0.06) * w)
    col = np.array(_pick(rng, STEEL), np.float32)
    m = np.zeros((h, w), np.uint8)
    pts = np.array([(x0 + flare, y_top), (x1 - flare, y_top), (x1, yb), (x0, yb)], np.int32)
    cv2.fillConvexPoly(m, pts, 255)
    ya, xa, xb = max(0, y_top), max(0, x0), min(w, x1 + 1)
    if yb > ya and xb > xa:
        ys = np.arange(ya, yb + 1, dtype=np.float32)[:, None]
        grad = 0.88 + 0.22 * np.clip((ys - y_top) / max(1, yb - y_top), 0, 1)
        tex = 1.0 + 0.06 * _brushed(rng, yb + 1 - ya, xb - xa, s)
        steel = _three((grad * tex).astype(np.float32), [float(c) for c in col])
        sel = m[ya : yb + 1, xa:xb] > 0
        f[ya : yb + 1, xa:xb][sel] = steel[sel]
    lip = max(2, int(4 * s))
    cv2.rectangle(f, (x0, yb - lip), (x1, yb), (235.0, 235.0, 235.0), -1)
    cv2.line(f, (x0, yb), (x1, yb), (70.0, 70.0, 72.0), max(1, int(s)))
    # shadow on the wall below the hood
    sh = int(rng.uniform(6, 16) * s)
    y2 = min(h, yb + 1 + sh)
    if y2 > yb + 1:
        ramp = np.linspace(0.65, 1.0, y2 - yb - 1, dtype=np.float32)[:, None, None]
        xa, xb = max(0, x0), min(w, x1)
        f[yb + 1 : y2, xa:xb] *= ramp
    return x0, x1, yb


def _pot(f: np.ndarray, rng: np.random.Generator, cx: int, bottom: int, r: int, s: float) -> int:
    """A stock pot or saucepan standing on a surface; returns its rim row."""
    h, w = f.shape[:2]
    tall = int(r * rng.uniform(0.8, 1.6))
    top = bottom - tall
    dark = rng.random() < 0.25
    col = np.array(_rgb(60, 60, 64) if dark else _pick(rng, STEEL), np.float32)
    xa, xb = max(0, cx - r), min(w, cx + r)
    ya, yb = max(0, top), min(h, bottom)
    if xa >= xb or ya >= yb:
        return top
    xs = np.arange(xa, xb, dtype=np.float32)
    u = (xs - cx) / max(1, r)
    spec = np.exp(-(((u + rng.uniform(-0.5, 0.5)) / 0.18) ** 2))
    cyl = 0.55 + 0.4 * np.sqrt(np.clip(1 - u * u, 0, 1)) + 0.5 * spec
    f[ya:yb, xa:xb] = col * cyl[None, :, None]
    ry = max(1, int(r * rng.uniform(0.2, 0.35)))
    cv2.ellipse(f, (cx, top), (r, ry), 0, 0, 360, tuple(float(c) * 1.15 for c in col), -1)
    cv2.ellipse(f, (cx, top), (max(1, r - 2), max(1, ry - 1)), 0, 0, 360, (40.0, 40.0, 44.0), -1)
    hl = max(2, int(r * 0.35))
    ht = max(1, int(2 * s))
    for side in (-1, 1):
        xe = cx + side * r
        cv2.line(f, (xe, top + ry), (xe + side * hl, top + ry - 1), (90.0, 90.0, 95.0), ht)
    return top


def background(width: int, height: int, rng: np.random.Generator) -> tuple[Image, Layout]:
    """A commercial kitchen seen from a camera high on the wall (see module doc)."""
    h, w = height, width
    s = h / 240.0
    f = np.zeros((h, w, 3), np.float32)
    horizon = int(h * rng.uniform(0.4, 0.55))
    y_ceil = int(h * rng.uniform(-0.02, 0.1))
    wall = _jit(rng, _pick(rng, WALL_TILES), 0.05)
    tile_top = int(y_ceil + (horizon - y_ceil) * rng.uniform(0.0, 0.45))
    upper = _jit(rng, _pick(rng, WALL_TILES), 0.1)
    if y_ceil > 0:
        f[:y_ceil] = np.array(_jit(rng, _rgb(200, 200, 196), 0.08), np.float32)
        for _ in range(int(rng.integers(1, 4))):  # light fittings in the ceiling
            lx0 = int(rng.uniform(0, 0.85) * w)
            lw_ = int(rng.uniform(0.08, 0.2) * w)
            cv2.rectangle(f, (lx0, 0), (lx0 + lw_, max(1, y_ceil - int(2 * s))), (255.0,) * 3, -1)
        cv2.line(f, (0, y_ceil), (w - 1, y_ceil), (150.0, 150.0, 150.0), max(1, int(s)))
    yc = max(0, y_ceil)
    _box_shade(f, 0, yc, w, tile_top, upper, 0.05)
    _wall(f, max(yc, tile_top), horizon, rng, s, wall)
    # fittings shine down on the work area: the wall darkens towards the ceiling
    if horizon > yc + 1:
        ramp = np.linspace(rng.uniform(0.75, 0.92), 1.0, horizon - yc, dtype=np.float32)
        f[yc:horizon] *= ramp[:, None, None]
    # hood over the cooking line, a window elsewhere
    hood: tuple[int, int, int] | None = None
    if rng.random() < 0.7:
        hood = _hood(f, rng, s, yc)
    counter_top = horizon - int(h * rng.uniform(0.09, 0.15))
    if rng.random() < 0.5:
        ww = int(w * rng.uniform(0.12, 0.3))
        wx = int(rng.uniform(0, 1) * (w - ww))
        wy0 = yc + int(h * rng.uniform(0.02, 0.06))
        wy1 = counter_top - int(h * rng.uniform(0.03, 0.1))
        clash = hood is not None and wx < hood[1] and wx + ww > hood[0]
        if wy1 - wy0 > 12 * s and not clash:
            frame = _jit(rng, _rgb(190, 190, 186), 0.2)
            ft = max(1, int(3 * s))
            cv2.rectangle(f, (wx - ft, wy0 - ft), (wx + ww + ft, wy1 + ft), frame, -1)
            cv2.rectangle(f, (wx, wy0), (wx + ww, wy1), SENTINEL, -1)
            for k in range(1, int(rng.integers(1, 4))):
                xm = wx + ww * k // int(rng.integers(2, 4))
                cv2.line(f, (xm, wy0), (xm, wy1), frame, ft)
            cv2.line(f, (wx - ft * 2, wy1 + ft), (wx + ww + ft * 2, wy1 + ft), frame, ft * 2)
    # wall shelf with stock, beside the hood
    shelf_y = int(h * rng.uniform(0.15, 0.3))
    if rng.random() < 0.85:
        sx0, sx1 = 0, w
        if hood is not None and hood[2] > shelf_y - 10 * s:
            left, right = hood[0], w - hood[1]
            sx0, sx1 = (0, hood[0]) if left > right else (hood[1], w)
        if sx1 - sx0 > 10 * s:
            st = max(2, int(3 * s))
            steel = _pick(rng, STEEL)
            cv2.rectangle(f, (sx0, shelf_y), (sx1, shelf_y + st), _scale(steel, 1.15), -1)
            cv2.line(f, (sx0, shelf_y + st), (sx1, shelf_y + st), _scale(steel, 0.6), 1)
            y2 = min(h, shelf_y + st + int(8 * s))
            if y2 > shelf_y + st + 1:
                ramp = np.linspace(0.7, 1.0, y2 - shelf_y - st - 1, dtype=np.float32)
                f[shelf_y + st + 1 : y2, max(0, sx0) : min(w, sx1)] *= ramp[:, None, None]
            x = sx0 + int(rng.uniform(0, 12) * s)
            while x < sx1 - 6 * s:
                iw = int(rng.uniform(6, 16) * s)
                ih = int(rng.uniform(5, 16) * s)
                if rng.random() < 0.7:
                    col = _jit(
                        rng,
                        _pick(
                            rng,
                            (
                                _rgb(235, 235, 230),
                                _rgb(200, 170, 120),
                                _rgb(150, 40, 40),
                                _rgb(60, 110, 160),
                                _rgb(230, 200, 80),
                            ),
                        ),
                        0.1,
                    )
                    _box_shade(f, x, shelf_y - ih, min(x + iw, sx1), shelf_y, col, 0.12)
                x += iw + int(rng.uniform(1, 10) * s)
    # cooking line / back counter
    steel = _pick(rng, STEEL)
    top_d = max(2, int(h * rng.uniform(0.012, 0.03)))
    xs = np.arange(w, dtype=np.float32)
    brushed = 1.0 + 0.05 * _brushed(rng, horizon - counter_top + top_d + 1, w, s)
    ramp = np.linspace(1.0, 0.72, horizon - counter_top, dtype=np.float32)[:, None]
    f[counter_top:horizon] = _three(ramp * brushed[top_d + 1 :], steel)
    refl = 1.15 + 0.1 * np.sin(xs / (w * rng.uniform(0.05, 0.2)) + rng.uniform(0, 6))
    top_rows = min(top_d, counter_top)
    f[counter_top - top_rows : counter_top] = _three(refl[None, :] * brushed[:top_rows], steel)
    door = int(w * rng.uniform(0.12, 0.25))
    dx0 = int(rng.integers(0, door))
    seam = _scale(steel, 0.55)
    kick = max(2, int(h * rng.uniform(0.012, 0.025)))
    for x in range(dx0, w, door):
        cv2.line(f, (x, counter_top + 2), (x, horizon - kick), seam, 1)
        hy = counter_top + int((horizon - counter_top) * 0.2)
        cv2.line(
            f,
            (x + int(door * 0.2), hy),
            (x + int(door * 0.8), hy),
            _scale(steel, 1.35),
            max(1, int(2 * s)),
        )
        cv2.line(
            f,
            (x + int(door * 0.2), hy + max(1, int(2 * s))),
            (x + int(door * 0.8), hy + max(1, int(2 * s))),
            _scale(steel, 0.6),
            1,
        )
    f[horizon - kick : horizon] *= 0.25
    cv2.line(f, (0, counter_top), (w - 1, counter_top), _scale(steel, 1.4), max(1, int(s)))
    # things on the counter: pots, trays, bottles
    pots: list[tuple[int, int, int]] = []
    for _ in range(int(rng.integers(0, 4))):
        r = int(rng.uniform(8, 20) * s)
        cx = int(rng.uniform(0.05, 0.95) * w)
        top = _pot(f, rng, cx, counter_top - top_d // 2, r, s)
        pots.append((cx, top, r))
    for _ in range(int(rng.integers(0, 4))):
        bx = int(rng.uniform(0, 0.95) * w)
        if rng.random() < 0.5:  # squeeze bottle
            bw_, bh_ = int(rng.uniform(3, 5) * s), int(rng.uniform(10, 16) * s)
            col = _pick(rng, (_rgb(200, 40, 30), _rgb(230, 200, 40), _rgb(235, 235, 230)))
        else:  # gastronorm tray / tub
            bw_, bh_ = int(rng.uniform(14, 30) * s), int(rng.uniform(3, 8) * s)
            col = _pick(rng, (_rgb(220, 220, 220), _rgb(180, 184, 188), _rgb(230, 230, 220)))
        _box_shade(f, bx, counter_top - bh_, bx + bw_, counter_top, col, 0.15)
    # floor, the wall base cove, a drain channel
    gloss, gloss_xs = _floor(f, horizon, rng, s)
    cove = max(2, int(4 * s))
    ramp = np.linspace(0.55, 0.9, cove, dtype=np.float32)[:, None, None]
    f[horizon : horizon + cove] *= ramp
    if gloss > 0.02:
        rows = h - horizon
        ys = np.arange(rows, dtype=np.float32)[:, None]
        add = np.zeros((rows, w), np.float32)
        for gx in gloss_xs:
            add += np.exp(-(((xs[None, :] - gx) / (0.06 * w)) ** 2)) * np.exp(-ys / (0.5 * rows))
        f[horizon:] = cv2.multiply(f[horizon:], _three(1.0 + gloss * add))
    if rng.random() < 0.35:
        dy = horizon + int((h - horizon) * rng.uniform(0.04, 0.15))
        dh = max(3, int(5 * s))
        cv2.rectangle(f, (0, dy), (w - 1, dy + dh), _scale(_pick(rng, STEEL), 0.85), -1)
        step = max(2, int(3 * s))
        for x in range(0, w, step):
            cv2.line(f, (x, dy + 1), (x, dy + dh - 1), (35.0, 35.0, 38.0), 1)
    # a side wall in perspective at the left or right edge
    if rng.random() < 0.35:
        right = rng.random() < 0.5
        xc = int(w * rng.uniform(0.05, 0.2))
        drop = int(h * rng.uniform(0.02, 0.05))
        edge, corner = (w - 1, w - 1 - xc) if right else (0, xc)
        pts = np.array(
            [(edge, 0), (corner, 0), (corner, horizon), (edge, horizon + drop)], np.int32
        )
        m = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(m, pts, 255)
        side = np.array(_jit(rng, wall, 0.12), np.float32) * rng.uniform(0.75, 0.95)
        sel = m > 0
        f[sel] = side * (1.0 + 0.04 * _lowfreq(rng, h, w, 4)[sel][:, None])
        for k in range(1, 12):
            yk = horizon - k * int(rng.uniform(8, 13) * s)
            if yk < 0:
                break
            ye = horizon + drop + int((yk - horizon) * 1.35)
            cv2.line(f, (corner, yk), (edge, ye), tuple(float(c) * 0.85 for c in side), 1)
        cv2.line(f, (corner, 0), (corner, horizon), tuple(float(c) * 0.7 for c in side), 1)
    img = _to_u8(f)
    layout = Layout(horizon=horizon, counter_top=counter_top, shelf_y=shelf_y, pots=tuple(pots))
    return img, layout


# --- workers -----------------------------------------------------------------------

SKIN: tuple[Color, ...] = (
    _rgb(238, 200, 176),
    _rgb(228, 186, 156),
    _rgb(218, 172, 140),
    _rgb(198, 152, 116),
    _rgb(178, 128, 94),
    _rgb(150, 102, 72),
    _rgb(116, 76, 54),
    _rgb(84, 56, 40),
)
HAIR: tuple[Color, ...] = (
    _rgb(26, 22, 22),
    _rgb(50, 36, 28),
    _rgb(78, 54, 36),
    _rgb(118, 80, 50),
    _rgb(130, 64, 40),
    _rgb(196, 156, 96),
    _rgb(132, 130, 128),
    _rgb(184, 182, 178),
)
HAIR_STYLES = (
    "crop",
    "crop",
    "side",
    "side",
    "long",
    "ponytail",
    "bun",
    "curly",
    "bald",
    "balding",
)
JACKETS: tuple[Color, ...] = (
    _rgb(242, 242, 240),
    _rgb(236, 236, 236),
    _rgb(238, 232, 220),
    _rgb(206, 208, 210),
    _rgb(190, 210, 230),
    _rgb(214, 232, 216),
    _rgb(44, 44, 46),
)
APRONS: tuple[Color, ...] = (
    _rgb(240, 240, 238),
    _rgb(36, 36, 38),
    _rgb(32, 48, 86),
    _rgb(70, 100, 140),
    _rgb(116, 40, 50),
    _rgb(44, 78, 52),
    _rgb(150, 110, 70),
)
TROUSERS: tuple[Color, ...] = (
    _rgb(30, 30, 32),
    _rgb(56, 56, 60),
    _rgb(26, 36, 66),
    _rgb(84, 84, 88),
    _rgb(226, 226, 224),
)
MASKS: dict[str, tuple[Color, ...]] = {
    "surgical": (
        _rgb(140, 190, 225),
        _rgb(110, 170, 210),
        _rgb(238, 240, 240),
        _rgb(170, 210, 190),
        _rgb(235, 180, 196),
        _rgb(40, 40, 44),
    ),
    "cloth": (_rgb(30, 30, 32), _rgb(40, 50, 80), _rgb(118, 118, 122), _rgb(110, 40, 50)),
    "kn95": (_rgb(236, 236, 234), _rgb(226, 228, 230)),
}
MOB_CAPS: tuple[Color, ...] = (
    _rgb(246, 246, 246),
    _rgb(150, 200, 235),
    _rgb(60, 120, 200),
    _rgb(100, 170, 120),
    _rgb(240, 170, 200),
    _rgb(36, 36, 40),
    _rgb(190, 50, 50),
)
CAPS: tuple[Color, ...] = (
    _rgb(28, 28, 30),
    _rgb(30, 40, 72),
    _rgb(62, 62, 66),
    _rgb(236, 236, 236),
    _rgb(170, 40, 40),
    _rgb(140, 140, 144),
    _rgb(60, 80, 50),
)


def _hair_outline(
    cx: float,
    top: float,
    hh: float,
    hw: float,
    y_left: float,
    y_right: float,
    bumps: float,
    rng: np.random.Generator,
) -> list[Pt]:
    """Upper outline of the head from the left side (row y_left) over the crown to the
    right side (row y_right); its highest point is exactly `top` (the label's top)."""
    ecy, ax, ay = top + 0.47 * hh, 0.465 * hw, 0.47 * hh
    tl = math.pi - math.asin(float(np.clip((y_left - ecy) / ay, -1, 1)))
    tr = 2 * math.pi + math.asin(float(np.clip((y_right - ecy) / ay, -1, 1)))
    n = 26
    wob = rng.uniform(-1, 1, size=n) * bumps
    out: list[Pt] = []
    for k in range(n):
        a = tl + (tr - tl) * k / (n - 1)
        r = 1.0 + wob[k]
        out.append((cx + ax * r * math.cos(a), max(top, ecy + ay * r * math.sin(a))))
    return out


def _head(
    c: _Canvas,
    spec: WorkerSpec,
    g: dict[str, float],
    rng: np.random.Generator,
    lx: float,
    skin: Color,
) -> None:
    """Head, hair, face, then the mask and the hat over them.

    The mask and the hat draw from generators of their own, and every other draw happens
    whatever the spec says, so toggling `hat` or `mask` dresses the same person."""
    cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
    t = float(np.clip(spec.turn, -1.0, 1.0))
    mask_rng, hat_rng = (np.random.default_rng(int(v)) for v in rng.integers(0, 2**62, size=2))
    style = str(rng.choice(HAIR_STYLES))
    hair = _jit(rng, _pick(rng, HAIR), 0.08)
    if spec.hat and style in ("long", "ponytail", "bun", "curly"):
        style = "side"  # hair tucked in under the head covering
    fx = cx + t * 0.2 * hw  # where the face features sit when the head turns
    small = hw < 10  # features of a few pixels: only the ones a camera would resolve
    tiny = hw < 6
    # hair behind the head: long hair, a ponytail, a bun
    back_side = -1.0 if t > 0 else 1.0
    if style == "long":
        pts = [
            (cx - 0.47 * hw, top + 0.35 * hh),
            (cx + 0.47 * hw, top + 0.35 * hh),
            (cx + 0.5 * hw, top + 1.3 * hh),
            (cx - 0.5 * hw, top + 1.3 * hh),
        ]
        c.paint(c.poly(pts), hair, _cyl(cx, 0.5 * hw, lx), tex=0.12, soft=0.08)
    elif style == "ponytail":
        c.paint(
            c.ellipse((cx + back_side * 0.42 * hw, top + 1.05 * hh), 0.12 * hw, 0.3 * hh, 0),
            hair,
            _cyl(cx + back_side * 0.42 * hw, 0.12 * hw, lx),
            tex=0.12,
        )
    elif style == "bun":
        bx = cx + back_side * 0.3 * hw
        c.paint(
            c.ellipse((bx, top + 0.22 * hh), 0.2 * hw, 0.2 * hh),
            hair,
            _sphere(bx, top + 0.22 * hh, 0.2 * hw, 0.2 * hh, lx),
            tex=0.1,
        )
    # ears, hidden on the side the head turns towards
    for side in (-1.0, 1.0):
        if side * t > 0.55:
            continue
        ex = cx + side * 0.43 * hw - t * 0.04 * hw
        m = c.ellipse((ex, top + 0.56 * hh), 0.075 * hw, 0.12 * hh)
        c.paint(m, _scale(skin, 0.88), _sphere(ex, top + 0.56 * hh, 0.075 * hw, 0.12 * hh, lx))
    # face: cranium and jaw; the cranium's top is the label's top when bald
    vol = {"curly": 0.1, "bald": 0.0, "balding": 0.0}.get(style, 0.035)
    face = c.ellipse((cx, top + (0.47 + vol / 2) * hh), 0.44 * hw, (0.47 - vol / 2) * hh)
    c.ellipse((cx + t * 0.04 * hw, top + 0.64 * hh), 0.36 * hw, 0.36 * hh, m=face)
    face_shade = _sphere(cx + t * 0.06 * hw, top + 0.5 * hh, 0.46 * hw, 0.56 * hh, lx)
    c.paint(face, skin, face_shade, tex=0.015, soft=0.03)
    # hair on the head
    hair_shade = _mul(
        _sphere(cx, top + 0.47 * hh, 0.47 * hw, 0.49 * hh, lx), _vgrad(top, top + hh, 1.1, 0.85)
    )
    if style == "balding":
        for side in (-1.0, 1.0):
            pts = [
                (cx + side * 0.455 * hw, top + 0.3 * hh),
                (cx + side * 0.47 * hw, top + 0.55 * hh),
                (cx + side * 0.36 * hw, top + 0.55 * hh),
                (cx + side * 0.37 * hw, top + 0.32 * hh),
            ]
            c.paint(c.poly(pts), hair, hair_shade, tex=0.1)
    elif style != "bald":
        free_drop = rng.uniform(0.46, 0.6)
        drop = 0.4 if spec.hat else free_drop
        drop_back = drop if spec.hat else min(0.75, drop + 0.2 * abs(t))
        y_l = top + (drop_back if t > 0 else drop) * hh
        y_r = top + (drop_back if t < 0 else drop) * hh
        outline = _hair_outline(cx, top, hh, hw, y_l, y_r, 0.05 if style == "curly" else 0.0, rng)
        line_y = top + rng.uniform(0.2, 0.3) * hh
        hairline = [
            (cx + 0.37 * hw, y_r),
            (fx + 0.32 * hw, line_y + 0.08 * hh),
            (fx, line_y),
            (fx - 0.32 * hw, line_y + 0.08 * hh),
            (cx - 0.37 * hw, y_l),
        ]
        on_head = c.poly(outline + hairline)
        c.paint(on_head, hair, hair_shade, tex=0.16 if style == "curly" else 0.1, soft=0.06)
        if not small:  # sheen on the crown (kept on the hair: the head top is the label's)
            c.paint(
                c.ellipse((cx - 0.1 * hw, top + 0.12 * hh), 0.22 * hw, 0.05 * hh, 0, 180, 360),
                _scale(hair, 1.6),
                alpha=0.35,
                blur=0.04 * hw,
                clip=on_head,
            )
    else:
        c.paint(
            c.ellipse((cx - 0.08 * hw, top + 0.1 * hh), 0.15 * hw, 0.05 * hh),
            _scale(skin, 1.3),
            alpha=0.5,
            blur=0.05 * hw,
            clip=face,
        )
    # features
    eye_y = top + 0.53 * hh
    edx = 0.19 * hw * (1 - 0.25 * abs(t))
    c.paint(
        c.ellipse((fx, eye_y), 0.34 * hw, 0.07 * hh),
        _scale(skin, 0.6),
        alpha=0.35,
        blur=0.05 * hw,
        clip=face,
    )
    brow = _scale(hair, 0.8) if sum(hair) < 360 else _rgb(90, 70, 55)
    if not tiny:
        whites, irises, brows = c.mask(), c.mask(), c.mask()
        for side in (-1.0, 1.0):
            ex = fx + side * edx
            c.ellipse((ex, eye_y), 0.075 * hw, 0.032 * hh, m=whites)
            c.ellipse((ex + t * 0.02 * hw, eye_y), 0.042 * hw, 0.034 * hh, m=irises)
            c.line(
                [(ex - 0.09 * hw, eye_y - 0.08 * hh), (ex + 0.09 * hw, eye_y - 0.09 * hh)],
                max(1.0, 0.03 * hh),
                m=brows,
            )
        if not small:
            c.paint(whites, _rgb(225, 220, 215), clip=face)
        c.paint(irises, _rgb(40, 30, 26), clip=face)
        c.paint(brows, brow, alpha=0.85, clip=face)
    nose_side = 1.0 if lx < 0 else -1.0
    c.paint(
        c.line(
            [
                (fx + nose_side * 0.05 * hw, eye_y + 0.03 * hh),
                (fx + t * 0.05 * hw + nose_side * 0.06 * hw, top + 0.7 * hh),
            ],
            max(1.0, 0.04 * hw),
        ),
        _scale(skin, 0.72),
        alpha=0.6,
        blur=0.02 * hw,
        clip=face,
    )
    covered = spec.mask  # nostrils and mouth would be painted over by the mask
    if not small and not covered:
        nostrils = c.mask()
        for side in (-1.0, 1.0):
            nx = fx + t * 0.05 * hw + side * 0.045 * hw
            c.ellipse((nx, top + 0.715 * hh), 0.025 * hw, 0.015 * hh, m=nostrils)
        c.paint(nostrils, _scale(skin, 0.5), alpha=0.8, clip=face)
    lips = (int(skin[0] * 0.62), int(skin[1] * 0.6), int(min(255, skin[2] * 0.85)))
    if not covered:
        c.paint(c.ellipse((fx, top + 0.82 * hh), 0.13 * hw, 0.032 * hh), lips, clip=face)
    if not covered and not small:
        c.paint(
            c.line([(fx - 0.12 * hw, top + 0.82 * hh), (fx + 0.12 * hw, top + 0.82 * hh)], 1),
            _scale(skin, 0.35),
            alpha=0.7,
            clip=face,
        )
    if rng.random() < 0.12 and not spec.mask:  # stubble: the mouth stays visible
        m = c.ellipse((fx, top + 0.86 * hh), 0.3 * hw, 0.14 * hh)
        c.paint(m, _scale(hair, 0.9), alpha=0.3, blur=0.04 * hw, tex=0.3, clip=face)
    if rng.random() < 0.1 and not small:  # glasses
        for side in (-1.0, 1.0):
            ring = c.mask()
            cv2.ellipse(
                ring,
                c.p(fx + side * edx, eye_y),
                (round(0.11 * hw * _ONE), round(0.06 * hh * _ONE)),
                0,
                0,
                360,
                255,
                1,
                cv2.LINE_AA,
                _SHIFT,
            )
            c.paint(ring, _rgb(30, 30, 30), alpha=0.8)
        c.paint(
            c.line([(fx - edx + 0.11 * hw, eye_y), (fx + edx - 0.11 * hw, eye_y)], 1),
            _rgb(30, 30, 30),
            alpha=0.8,
        )
    if spec.mask:
        _mask(c, g, t, lx, mask_rng)
    if spec.hat:
        _hat(c, g, t, lx, hat_rng, face)


def _mask(c: _Canvas, g: dict[str, float], t: float, lx: float, rng: np.random.Generator) -> None:
    """A face mask over nose and mouth, from the nose bridge to the chin."""
    cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
    kind = str(rng.choice(["surgical", "surgical", "surgical", "cloth", "kn95"]))
    col = _jit(rng, _pick(rng, MASKS[kind]), 0.04)
    mx = cx + t * 0.14 * hw
    yt = top + rng.uniform(0.57, 0.62) * hh
    left = cx - 0.46 * hw + max(0.0, t) * 0.08 * hw
    right = cx + 0.46 * hw + min(0.0, t) * 0.08 * hw
    peak = 0.05 if kind == "kn95" else 0.03
    pts = [
        (left, yt + 0.07 * hh),
        (mx - 0.18 * hw, yt + 0.01 * hh),
        (mx, yt - peak * hh),
        (mx + 0.18 * hw, yt + 0.01 * hh),
        (right, yt + 0.07 * hh),
        (right - 0.04 * hw, top + 0.87 * hh),
        (mx + 0.2 * hw, top + 0.985 * hh),
        (mx, top + 1.0 * hh),
        (mx - 0.2 * hw, top + 0.985 * hh),
        (left + 0.04 * hw, top + 0.87 * hh),
    ]
    m = c.poly(pts)
    shade = _mul(_cyl(mx, 0.6 * hw, lx, 0.72, 0.34), _vgrad(yt, top + hh, 1.05, 0.88))
    c.paint(m, col, shade, tex=0.03, soft=0.05)
    dark = _scale(col, 0.7) if sum(col) > 150 else _scale(col, 1.8)
    if hw >= 8:
        if kind == "surgical":
            pleats = c.mask()
            for k, dy in enumerate((0.69, 0.77, 0.85)):
                y = top + dy * hh
                c.line(
                    [
                        (left + 0.02 * hw, y + 0.01 * hh),
                        (mx, y - 0.01 * hh * k),
                        (right - 0.02 * hw, y + 0.01 * hh),
                    ],
                    1,
                    m=pleats,
                )
            c.paint(pleats, dark, alpha=0.55, clip=m)
            c.paint(
                c.line([(mx - 0.2 * hw, yt + 0.005 * hh), (mx + 0.2 * hw, yt + 0.005 * hh)], 1),
                _scale(col, 1.2),
                alpha=0.6,
                clip=m,
            )
        else:  # a vertical seam down the middle
            c.paint(
                c.line([(mx, yt - peak * hh), (mx + t * 0.03 * hw, top + hh)], 1),
                dark,
                alpha=0.6,
                clip=m,
            )
        loop = _scale(col, 1.1) if kind != "cloth" else col
        loops = c.mask()
        for side, edge in ((-1.0, left), (1.0, right)):
            if side * t > 0.55:
                continue
            ex = cx + side * 0.43 * hw - t * 0.04 * hw
            c.line([(edge, yt + 0.08 * hh), (ex, top + 0.5 * hh)], 1, m=loops)
            c.line([(edge + side * -0.03 * hw, top + 0.86 * hh), (ex, top + 0.66 * hh)], 1, m=loops)
        c.paint(loops, loop, alpha=0.8)


def _hat(
    c: _Canvas,
    g: dict[str, float],
    t: float,
    lx: float,
    rng: np.random.Generator,
    face: np.ndarray,
) -> None:
    """A head covering over the (tucked-in) hair; every kind reaches above the head top."""
    cx, hh, hw, top, hat_h = g["cx"], g["hh"], g["hw"], g["top"], g["hat_h"]
    kind = str(rng.choice(["toque", "toque", "paper", "mob", "mob", "skull", "skull", "ball"]))
    fx = cx + t * 0.2 * hw
    bottom = top + rng.uniform(0.3, 0.36) * hh  # where the covering meets the forehead
    side_y = top + rng.uniform(0.42, 0.47) * hh  # and where it ends over the ears
    if kind in ("toque", "paper"):
        white = _jit(rng, _rgb(244, 244, 242), 0.03)
        col = white if kind == "toque" or rng.random() < 0.8 else _jit(rng, _rgb(30, 30, 32), 0.1)
        bw = 0.5 * hw
        if kind == "toque":
            height = hat_h * rng.uniform(1.1, 1.9)
            cw = hw * rng.uniform(0.55, 0.72)
            b_top = top - 0.04 * hh
            ry = 0.3 * height
            crown = c.poly(
                [
                    (cx - bw * 0.96, b_top + 0.05 * hh),
                    (cx - cw, b_top - 0.55 * height),
                    (cx + cw, b_top - 0.55 * height),
                    (cx + bw * 0.96, b_top + 0.05 * hh),
                ]
            )
            c.ellipse((cx, b_top - height + ry), cw, ry, m=crown)
            crown_shade = _mul(
                _cyl(cx, cw * 1.15, lx, 0.74, 0.3), _vgrad(b_top - height, b_top, 1.06, 0.92)
            )
            c.paint(crown, col, crown_shade, soft=0.05)
            if hw >= 7:
                for k in (-2, -1, 0, 1, 2):
                    xb = cx + k * bw * 0.38
                    xt = cx + k * cw * 0.42
                    c.paint(
                        c.line([(xb, b_top), (xt, b_top - height + ry * 0.5)], max(1.0, 0.03 * hw)),
                        _scale(col, 0.72),
                        alpha=0.45,
                        blur=0.02 * hw,
                        clip=crown,
                    )
            band_top = b_top
        else:
            band_top = top - rng.uniform(0.14, 0.3) * hh
        band = c.poly(
            [
                (cx - bw, band_top),
                (cx + bw * 0.99, band_top + 0.01 * hh),
                (cx + bw * 1.02, side_y),
                (cx + 0.25 * hw, bottom + 0.02 * hh),
                (cx, bottom),
                (cx - 0.25 * hw, bottom + 0.02 * hh),
                (cx - bw * 1.02, side_y),
            ]
        )
        c.paint(band, col, _cyl(cx, bw * 1.2, lx, 0.72, 0.33), tex=0.03)
        c.paint(
            c.line([(cx - bw, band_top + 0.02 * hh), (cx + bw, band_top + 0.02 * hh)], 1),
            _scale(col, 0.7),
            alpha=0.6,
            clip=band,
        )
        if kind == "paper" and rng.random() < 0.5:
            stripe = _pick(rng, (_rgb(40, 80, 170), _rgb(30, 30, 30), _rgb(170, 40, 40)))
            ys = band_top + (bottom - band_top) * 0.45
            c.paint(c.line([(cx - bw, ys), (cx + bw, ys)], max(1.0, 0.06 * hh)), stripe, clip=band)
        return
    if kind == "mob":
        col = _jit(rng, _pick(rng, MOB_CAPS), 0.04)
        ax = hw * rng.uniform(0.55, 0.63)
        ecy = bottom + 0.03 * hh
        ay = ecy - top + rng.uniform(0.1, 0.22) * hh
        cap = c.ellipse((cx, ecy), ax, ay, 0, 180, 360)
        skirt = [
            (cx - ax, ecy - 0.02 * hh),
            (cx + ax, ecy - 0.02 * hh),
            (cx + ax * 0.92, side_y + 0.1 * hh),
            (cx + 0.3 * hw, ecy + 0.03 * hh),
            (cx - 0.3 * hw, ecy + 0.03 * hh),
            (cx - ax * 0.92, side_y + 0.1 * hh),
        ]
        c.poly(skirt, m=cap)
        c.paint(cap, col, _sphere(cx, ecy - 0.3 * ay, ax * 1.1, ay * 1.2, lx), tex=0.05, soft=0.2)
        rim = [
            (cx - ax * 0.92, side_y + 0.08 * hh),
            (cx - 0.3 * hw, ecy + 0.02 * hh),
            (cx + 0.3 * hw, ecy + 0.02 * hh),
            (cx + ax * 0.92, side_y + 0.08 * hh),
        ]
        c.paint(c.line(rim, max(1.0, 0.035 * hh)), _scale(col, 0.75), alpha=0.7, tex=0.3, clip=cap)
        return
    # skull caps and baseball caps follow the skull, standing proud of it
    col = _jit(rng, _pick(rng, CAPS), 0.05)
    rise = (0.1 if kind == "skull" else 0.14) * hh
    ecy = top + 0.47 * hh
    ax, ay = 0.52 * hw, 0.47 * hh + rise
    cap = c.ellipse((cx, ecy), ax, ay, 0, 180, 360)
    rim = [(cx - ax * 0.98, side_y), (cx, bottom), (cx + ax * 0.98, side_y)]
    c.poly([(cx - ax, ecy - 0.01 * hh), (cx + ax, ecy - 0.01 * hh), *rim[::-1]], m=cap)
    c.paint(cap, col, _sphere(cx, ecy - 0.25 * ay, ax * 1.1, ay * 1.15, lx), tex=0.04, soft=0.04)
    dark_cap = sum(col) < 300
    light_edge = _add(col, 55) if dark_cap else _scale(col, 0.75)
    c.paint(
        c.line(rim, 1), _rgb(0, 0, 0) if not dark_cap else _scale(col, 2.2), alpha=0.5, clip=cap
    )
    if rng.random() < (0.7 if dark_cap else 0.4):  # a logo on the front
        logo = _pick(rng, (_rgb(240, 240, 240), _rgb(200, 40, 40), _rgb(230, 190, 40)))
        ly = top + 0.1 * hh
        c.paint(c.ellipse((fx, ly), 0.12 * hw, 0.05 * hh), logo, alpha=0.85, clip=cap)
    if kind == "skull":  # a turned-up cuff: a band of another tone across the forehead
        cuff = c.poly(
            [
                (cx - ax, side_y - 0.14 * hh),
                (cx, bottom - 0.13 * hh),
                (cx + ax, side_y - 0.14 * hh),
                *rim[::-1],
            ]
        )
        c.paint(cuff, light_edge, _cyl(cx, ax * 1.2, lx), alpha=0.75, tex=0.06, clip=cap)
        c.paint(
            c.line(
                [
                    (cx - ax, side_y - 0.14 * hh),
                    (cx, bottom - 0.13 * hh),
                    (cx + ax, side_y - 0.14 * hh),
                ],
                1,
            ),
            _scale(col, 0.6),
            alpha=0.6,
            clip=cap,
        )
    else:  # a peak over the eyes casting its shadow
        c.paint(
            c.ellipse((fx, bottom + 0.1 * hh), 0.45 * hw, 0.13 * hh),
            _rgb(0, 0, 0),
            alpha=0.35,
            blur=0.05 * hw,
            clip=face,
        )
        brim_col = col if rng.random() < 0.7 else _jit(rng, _pick(rng, CAPS), 0.05)
        brim = c.ellipse((fx, bottom + 0.01 * hh), 0.48 * hw, 0.09 * hh, 0, 0, 360)
        c.paint(brim, brim_col, _vgrad(bottom - 0.08 * hh, bottom + 0.1 * hh, 1.1, 0.7))
        c.paint(
            c.ellipse((cx, top - rise + 0.02 * hh), 0.05 * hw, 0.025 * hh), light_edge, alpha=0.6
        )


def worker(img: Image, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator) -> Box:
    """One kitchen worker from `worker_geometry`; returns the head box (hair top to chin,
    ear to ear), the same box whether or not a hat rises above it."""
    ph, cx, fy, hh, hw, top = g["ph"], g["cx"], g["fy"], g["hh"], g["hw"], g["top"]
    c = _Canvas(
        img,
        (cx - 0.4 * ph, top - 1.6 * hh, cx + 0.4 * ph, fy + 0.06 * ph),
        rng,
        cell=max(1.5, 0.025 * ph),
    )
    lx = float(rng.uniform(-1.0, 1.0))
    neck_y = top + hh
    y_sh = neck_y + 0.03 * ph
    waist_y = fy - 0.5 * ph
    hem_y = fy - 0.41 * ph
    sh = rng.uniform(0.115, 0.135) * ph
    jacket = _jit(rng, _pick(rng, JACKETS[:-1]) if rng.random() < 0.9 else JACKETS[-1], 0.03)
    trousers = _jit(rng, _pick(rng, TROUSERS), 0.08)
    # soft contact shadow on the floor
    c.paint(
        c.ellipse((cx + lx * 0.03 * ph, fy), 0.17 * ph, 0.035 * ph),
        _rgb(0, 0, 0),
        alpha=rng.uniform(0.35, 0.55),
        blur=0.02 * ph + 1,
    )
    # legs and shoes
    shoe = _pick(rng, (_rgb(24, 24, 24), _rgb(24, 24, 24), _rgb(226, 226, 226), _rgb(60, 60, 64)))
    hip_y = fy - 0.47 * ph
    sep = rng.uniform(0.03, 0.07) * ph
    c.paint(
        c.poly(
            [
                (cx - 0.087 * ph, hip_y - 0.02 * ph),
                (cx + 0.087 * ph, hip_y - 0.02 * ph),
                (cx + 0.06 * ph, hip_y + 0.07 * ph),
                (cx - 0.06 * ph, hip_y + 0.07 * ph),
            ]
        ),
        trousers,
        _cyl(cx, 0.1 * ph, lx),
        tex=0.05,
    )
    for side in (-1.0, 1.0):
        hx = cx + side * 0.045 * ph
        ax_ = cx + side * sep + rng.normal(0, 0.006) * ph
        leg = c.poly(
            [
                (hx - 0.043 * ph, hip_y),
                (hx + 0.043 * ph, hip_y),
                (ax_ + 0.028 * ph, fy - 0.03 * ph),
                (ax_ - 0.028 * ph, fy - 0.03 * ph),
            ]
        )
        c.paint(leg, trousers, _tube((hx, hip_y), (ax_, fy), 0.045 * ph, lx), tex=0.05, soft=0.05)
        sc = (ax_ + side * 0.006 * ph, fy - 0.016 * ph)
        c.paint(c.ellipse(sc, 0.038 * ph, 0.019 * ph), shoe, _vgrad(fy - 0.035 * ph, fy, 1.25, 0.7))
    # skin, and the neck behind the jacket; the head draws from its own generator so
    # that raising an arm (which draws more numbers) leaves the face as it was
    skin = _jit(rng, _pick(rng, SKIN), 0.04)
    head_rng = np.random.default_rng(int(rng.integers(0, 2**62)))
    neck = c.poly(
        [
            (cx - 0.24 * hw, top + 0.75 * hh),
            (cx + 0.24 * hw, top + 0.75 * hh),
            (cx + 0.3 * hw, neck_y + 0.02 * ph),
            (cx - 0.3 * hw, neck_y + 0.02 * ph),
        ]
    )
    c.paint(neck, _scale(skin, 0.85), _vgrad(top + 0.8 * hh, neck_y + 0.02 * ph, 0.7, 1.0))
    # jacket
    torso = c.poly(
        [
            (cx - 0.05 * ph, neck_y + 0.004 * ph),
            (cx - sh * 0.8, y_sh - 0.004 * ph),
            (cx - sh, y_sh + 0.03 * ph),
            (cx - sh * 0.95, y_sh + 0.15 * ph),
            (cx - 0.1 * ph, waist_y),
            (cx - 0.108 * ph, hem_y),
            (cx + 0.108 * ph, hem_y),
            (cx + 0.1 * ph, waist_y),
            (cx + sh * 0.95, y_sh + 0.15 * ph),
            (cx + sh, y_sh + 0.03 * ph),
            (cx + sh * 0.8, y_sh - 0.004 * ph),
            (cx + 0.05 * ph, neck_y + 0.004 * ph),
        ]
    )
    body_shade = _mul(_cyl(cx, 0.15 * ph, lx), _vgrad(y_sh, hem_y, 1.06, 0.9))
    c.paint(torso, jacket, body_shade, tex=0.015, soft=0.035)
    fold = _scale(jacket, 0.68)
    folds = c.mask()
    for side in (-1.0, 1.0):  # folds from the armpits to the waist
        for _ in range(int(rng.integers(1, 3))):
            a = (cx + side * rng.uniform(0.07, 0.1) * ph, y_sh + rng.uniform(0.08, 0.14) * ph)
            b = (cx + side * rng.uniform(0.0, 0.05) * ph, waist_y + rng.uniform(-0.02, 0.03) * ph)
            c.line([a, b], max(1.0, 0.01 * ph), m=folds)
    c.paint(folds, fold, alpha=0.35, blur=0.006 * ph, clip=torso)
    if ph > 60:  # double-breasted front: overlap edge and two rows of buttons
        ox = cx + rng.choice([-1.0, 1.0]) * 0.05 * ph
        c.paint(c.line([(ox, neck_y + 0.02 * ph), (ox, hem_y)], 1), fold, alpha=0.6, clip=torso)
        button = _pick(rng, (_rgb(20, 20, 20), _rgb(250, 250, 250), _rgb(120, 120, 124)))
        buttons = c.mask()
        for side in (-1.0, 1.0):
            for k in range(4):
                by = y_sh + 0.04 * ph + k * 0.06 * ph
                c.ellipse((cx + side * 0.035 * ph, by), 0.007 * ph, 0.007 * ph, m=buttons)
        c.paint(buttons, button, alpha=0.9, clip=torso)
    # apron
    kind = str(rng.choice(["none", "none", "bib", "bib", "waist"]))
    if kind != "none":
        apron = _jit(rng, _pick(rng, APRONS), 0.05)
        knee = fy - rng.uniform(0.18, 0.26) * ph
        if kind == "bib":
            pts = [
                (cx - 0.07 * ph, y_sh + 0.05 * ph),
                (cx + 0.07 * ph, y_sh + 0.05 * ph),
                (cx + 0.085 * ph, waist_y - 0.02 * ph),
                (cx + 0.12 * ph, waist_y + 0.02 * ph),
                (cx + 0.11 * ph, knee),
                (cx - 0.11 * ph, knee),
                (cx - 0.12 * ph, waist_y + 0.02 * ph),
                (cx - 0.085 * ph, waist_y - 0.02 * ph),
            ]
        else:
            pts = [
                (cx - 0.115 * ph, waist_y),
                (cx + 0.115 * ph, waist_y),
                (cx + 0.12 * ph, knee),
                (cx - 0.12 * ph, knee),
            ]
        am = c.poly(pts)
        c.paint(
            am,
            apron,
            _mul(_cyl(cx, 0.15 * ph, lx), _vgrad(waist_y, knee, 1.0, 0.88)),
            tex=0.03,
            soft=0.04,
        )
        if rng.random() < 0.25:  # butcher stripes
            stripe = c.mask()
            step = max(2.0, 0.02 * ph)
            x = cx - 0.12 * ph
            while x < cx + 0.12 * ph:
                c.line([(x, y_sh), (x, knee)], max(1.0, 0.006 * ph), m=stripe)
                x += step
            c.paint(
                stripe,
                _rgb(240, 240, 240) if sum(apron) < 400 else _rgb(40, 60, 120),
                alpha=0.8,
                clip=am,
            )
        creases = c.mask()
        for _ in range(int(rng.integers(1, 4))):
            x = cx + rng.uniform(-0.08, 0.08) * ph
            c.line(
                [(x, waist_y + 0.03 * ph), (x + rng.normal(0, 0.01) * ph, knee)],
                max(1.0, 0.008 * ph),
                m=creases,
            )
        c.paint(creases, _scale(apron, 0.7), alpha=0.4, blur=0.006 * ph, clip=am)
        c.paint(
            c.line([(cx - 0.115 * ph, waist_y), (cx + 0.115 * ph, waist_y)], max(1.0, 0.012 * ph)),
            _scale(apron, 0.85),
            alpha=0.8,
        )
        if kind == "bib":
            for side in (-1.0, 1.0):
                c.paint(
                    c.line(
                        [
                            (cx + side * 0.065 * ph, y_sh + 0.05 * ph),
                            (cx + side * 0.04 * ph, neck_y + 0.01 * ph),
                        ],
                        max(1.0, 0.008 * ph),
                    ),
                    _scale(apron, 0.9),
                )
    # standing collar of the chef jacket, open at the front
    collar = c.poly(
        [
            (cx - 0.042 * ph, neck_y - 0.006 * ph),
            (cx - 0.01 * ph, neck_y + 0.002 * ph),
            (cx + 0.01 * ph, neck_y + 0.002 * ph),
            (cx + 0.042 * ph, neck_y - 0.006 * ph),
            (cx + 0.05 * ph, neck_y + 0.014 * ph),
            (cx - 0.05 * ph, neck_y + 0.014 * ph),
        ]
    )
    c.paint(
        collar,
        jacket,
        _mul(_cyl(cx, 0.07 * ph, lx), _vgrad(neck_y - 0.006 * ph, neck_y + 0.014 * ph, 1.05, 0.85)),
    )
    # arms
    pose = str(rng.choice(["down", "down", "front", "hip"]))
    up_side = float(rng.choice([-1.0, 1.0]))
    gloves = rng.random() < 0.25
    hand_col = (
        _pick(rng, (_rgb(60, 110, 210), _rgb(30, 30, 34), _rgb(235, 235, 235))) if gloves else skin
    )
    short = rng.random() < 0.25
    for side in (-1.0, 1.0):
        s_pt = (cx + side * (sh - 0.015 * ph), y_sh + 0.025 * ph)
        if spec.arms_up and side == up_side:
            e_pt = (cx + side * 0.2 * ph, y_sh - 0.03 * ph)
            h_pt = (cx + side * rng.uniform(0.22, 0.27) * ph, top + rng.uniform(-0.3, 0.5) * hh)
        elif pose == "front":
            e_pt = (cx + side * 0.15 * ph, y_sh + 0.16 * ph)
            h_pt = (cx + side * rng.uniform(0.02, 0.07) * ph, y_sh + rng.uniform(0.2, 0.26) * ph)
        elif pose == "hip":
            e_pt = (cx + side * 0.2 * ph, y_sh + 0.13 * ph)
            h_pt = (cx + side * 0.11 * ph, waist_y)
        else:
            e_pt = (cx + side * 0.145 * ph, y_sh + 0.16 * ph)
            h_pt = (cx + side * rng.uniform(0.13, 0.16) * ph, y_sh + 0.31 * ph)
        upper = c.line([s_pt, e_pt], 0.062 * ph)
        c.paint(upper, jacket, _tube(s_pt, e_pt, 0.031 * ph, lx), soft=0.06)
        fore_col = _scale(skin, 0.95) if short else jacket
        fore = c.line([e_pt, h_pt], (0.042 if short else 0.052) * ph)
        c.paint(fore, fore_col, _tube(e_pt, h_pt, 0.026 * ph, lx), soft=0.04)
        if short:
            c.paint(c.line([e_pt, e_pt], 0.064 * ph), jacket, _tube(s_pt, e_pt, 0.032 * ph, lx))
        c.paint(
            c.ellipse(h_pt, 0.024 * ph, 0.03 * ph),
            hand_col,
            _sphere(h_pt[0], h_pt[1], 0.024 * ph, 0.03 * ph, lx),
        )
    _head(c, spec, g, head_rng, lx, skin)
    c.commit()
    return (cx - hw / 2, top, cx + hw / 2, top + hh)


# --- rodents -------------------------------------------------------------------------

RODENTS: tuple[Color, ...] = (
    _rgb(100, 78, 58),
    _rgb(84, 64, 48),
    _rgb(120, 100, 80),
    _rgb(112, 110, 108),
    _rgb(92, 90, 90),
    _rgb(38, 36, 36),
    _rgb(196, 182, 164),
)


def rodent(img: Image, geom: tuple[float, float, float, float], rng: np.random.Generator) -> Box:
    """A rat or mouse running along the floor; returns its body+head box (no tail)."""
    x, y, ln, f = geom
    mouse = rng.random() < 0.35
    col = _jit(rng, _pick(rng, RODENTS), 0.1)
    bl, bh = 0.3 * ln, (0.15 if mouse else 0.13) * ln
    c = _Canvas(
        img, (x - 1.5 * ln, y - 0.7 * ln, x + 1.5 * ln, y + 0.2 * ln), rng, cell=max(1.0, 0.06 * ln)
    )
    c.paint(
        c.ellipse((x + f * 0.05 * ln, y), 0.45 * ln, 0.06 * ln),
        _rgb(0, 0, 0),
        alpha=rng.uniform(0.35, 0.55),
        blur=0.04 * ln + 0.5,
    )
    pink = _rgb(196, 150, 146) if sum(col) > 150 or rng.random() < 0.6 else _rgb(70, 62, 62)
    # tail: tapering, lying on the floor behind the body
    t0 = (x - f * bl * 0.9, y - 0.55 * bh)
    tlen = ln * rng.uniform(0.7, 1.0)
    wave, phase = rng.uniform(1.0, 3.0), rng.uniform(0, math.pi)
    pts = [
        (
            t0[0] - f * u * tlen,
            t0[1]
            + (y - 0.05 * ln - t0[1]) * min(1.0, 3 * u)
            - abs(math.sin(u * wave * math.pi + phase)) * 0.06 * ln * u,
        )
        for u in np.linspace(0.0, 1.0, 9)
    ]
    tail_col = _scale((pink[0] + col[0], pink[1] + col[1], pink[2] + col[2]), 0.42)
    tail = c.line(pts[:4], max(1.0, 0.04 * ln))  # thick at the root, thin to the tip
    c.line(pts[3:], 1.0, m=tail)
    c.paint(tail, tail_col, alpha=0.9)
    # feet
    feet = c.mask()
    for fx_ in (-0.15, 0.2):
        c.ellipse((x + f * fx_ * ln, y - 0.018 * ln), 0.04 * ln, 0.017 * ln, m=feet)
    c.paint(feet, pink)
    # body silhouette: back, haunch, head, snout
    body = c.ellipse((x - f * 0.03 * ln, y - bh), bl, bh)
    c.ellipse((x - f * 0.12 * ln, y - 1.05 * bh), 0.2 * ln, 1.08 * bh, m=body)
    head_c = (x + f * (bl + 0.02 * ln), y - 0.9 * bh)
    c.ellipse(head_c, 0.15 * ln, 0.085 * ln, f * 12, m=body)
    nose = (x + f * (bl + 0.27 * ln), y - 0.55 * bh)
    c.poly([(x + f * (bl - 0.02 * ln), y - 1.5 * bh), nose, (x + f * bl, y - 0.3 * bh)], m=body)
    c.paint(body, col, _vgrad(y - 2.2 * bh, y, 1.22, 0.62), tex=0.12, soft=0.1)
    # sheen along the back: fur catches the overhead light
    back = [
        (x - f * 0.3 * ln, y - 1.3 * bh),
        (x - f * 0.1 * ln, y - 1.95 * bh),
        (x + f * 0.15 * ln, y - 1.8 * bh),
        (x + f * (bl + 0.05 * ln), y - 1.5 * bh),
    ]
    c.paint(c.line(back, max(1.0, 0.04 * ln)), _add(col, 80), alpha=0.5, blur=0.02 * ln, clip=body)
    if mouse and rng.random() < 0.5:  # pale belly
        c.paint(
            c.ellipse((x, y - 0.45 * bh), bl * 0.8, 0.4 * bh),
            _scale(col, 1.5),
            alpha=0.5,
            blur=0.03 * ln,
            clip=body,
        )
    c.paint(c.ellipse(nose, 0.025 * ln, 0.02 * ln), pink)
    # ear, eye, whiskers
    er = (0.075 if mouse else 0.05) * ln
    ear = (x + f * (bl - 0.04 * ln), y - 1.72 * bh)
    c.paint(
        c.ellipse(ear, er, er * 1.1), _scale(col, 0.85), _vgrad(ear[1] - er, ear[1] + er, 1.1, 0.8)
    )
    c.paint(
        c.ellipse((ear[0] + f * 0.01 * ln, ear[1] + 0.1 * er), er * 0.6, er * 0.7), pink, alpha=0.6
    )
    eye = (x + f * (bl + 0.11 * ln), y - 1.05 * bh)
    c.paint(c.ellipse(eye, max(0.6, 0.022 * ln), max(0.6, 0.02 * ln)), _rgb(8, 8, 8))
    if ln > 30:
        c.paint(
            c.ellipse((eye[0] + f * 0.006 * ln, eye[1] - 0.006 * ln), 0.006 * ln, 0.006 * ln),
            _rgb(230, 230, 230),
            alpha=0.8,
        )
        for dy in (-0.04, 0.0, 0.04):
            c.paint(
                c.line(
                    [
                        (nose[0] - f * 0.04 * ln, nose[1]),
                        (nose[0] + f * 0.1 * ln, nose[1] + dy * ln * 1.5),
                    ],
                    1,
                ),
                _rgb(200, 200, 200),
                alpha=0.35,
            )
    c.commit()
    rear = x - f * max(0.03 * ln + bl, 0.32 * ln)
    x1, x2 = min(rear, nose[0]), max(rear, nose[0])
    y1 = min(y - 2.13 * bh, ear[1] - er * 1.1)
    return (x1, y1, x2, y)


# --- distractors -------------------------------------------------------------------


def _floor_spot(
    layout: Layout, h: int, w: int, rng: np.random.Generator, s: float, near_wall: bool = False
) -> tuple[float, float, float]:
    """A point on the floor and the perspective scale there (nearer is bigger)."""
    span = h - layout.horizon
    y = layout.horizon + (rng.uniform(0.03, 0.25) if near_wall else rng.uniform(0.05, 0.98)) * span
    depth = (y - layout.horizon) / max(1.0, span)
    return float(rng.uniform(0.02, 0.98) * w), float(y), s * (0.7 + 0.6 * depth)


def distractor(img: Image, kind: str, layout: Layout, rng: np.random.Generator, s: float) -> None:
    """Everyday kitchen things, many of them hard negatives for hats, masks and rodents."""
    h, w = img.shape[:2]
    if kind == "pot":
        on_floor = rng.random() < 0.3
        if on_floor:
            x, y, k = _floor_spot(layout, h, w, rng, s, near_wall=True)
        else:
            x, y, k = float(rng.uniform(0.03, 0.97) * w), float(layout.counter_top), s
        r = int(rng.uniform(8, 18) * k)
        x0, y0 = max(0, int(x) - 2 * r), max(0, int(y) - 3 * r)
        x1, y1 = min(w, int(x) + 2 * r), min(h, int(y) + 2)
        if x1 > x0 and y1 > y0:
            roi = img[y0:y1, x0:x1].astype(np.float32)
            _pot(roi, rng, int(x) - x0, int(y) - y0, r, s)
            img[y0:y1, x0:x1] = _to_u8(roi)
        return
    if kind == "shadow":
        x, y, k = _floor_spot(layout, h, w, rng, s)
        ax, ay = rng.uniform(12, 45) * k, rng.uniform(3, 10) * k
        c = _Canvas(img, (x - 2 * ax, y - 3 * ay, x + 2 * ax, y + 3 * ay), rng)
        c.paint(
            c.ellipse((x, y), ax, ay, rng.uniform(-15, 15)),
            _rgb(0, 0, 0),
            alpha=rng.uniform(0.25, 0.5),
            blur=ay * 0.8 + 1,
        )
        c.commit()
        return
    if kind == "drain":  # round or square drain cover: a dark round thing on the floor
        x, y, k = _floor_spot(layout, h, w, rng, s)
        rd = rng.uniform(6, 13) * k
        flat = rng.uniform(0.3, 0.55)
        c = _Canvas(img, (x - rd - 2, y - rd - 2, x + rd + 2, y + rd + 2), rng)
        if rng.random() < 0.6:
            disc = c.ellipse((x, y), rd, rd * flat)
        else:
            disc = c.poly(
                [
                    (x - rd, y - rd * flat),
                    (x + rd, y - rd * flat),
                    (x + rd, y + rd * flat),
                    (x - rd, y + rd * flat),
                ]
            )
        c.paint(disc, _jit(rng, _rgb(70, 70, 72), 0.3), tex=0.08)
        slots = c.mask()
        for j in range(-3, 4):
            c.line(
                [
                    (x + j * rd * 0.25, y - rd * flat * 0.7),
                    (x + j * rd * 0.25, y + rd * flat * 0.7),
                ],
                max(1.0, 0.08 * rd),
                m=slots,
            )
        c.paint(slots, _rgb(15, 15, 15), alpha=0.85, clip=disc)
        c.commit()
        return
    if kind in ("cat", "boxes", "sack", "bin", "mop"):
        _floor_thing(img, kind, layout, rng, s)
        return
    _wall_thing(img, kind, layout, rng, s)


def _floor_thing(img: Image, kind: str, layout: Layout, rng: np.random.Generator, s: float) -> None:
    h, w = img.shape[:2]
    x, y, k = _floor_spot(layout, h, w, rng, s, near_wall=kind in ("boxes", "sack", "bin"))
    lx = float(rng.uniform(-1, 1))
    size = 60 * k
    c = _Canvas(
        img, (x - size, y - 2.2 * size, x + size, y + 0.3 * size), rng, cell=max(1.0, 2 * k)
    )
    c.paint(
        c.ellipse((x, y), 0.35 * size, 0.06 * size),
        _rgb(0, 0, 0),
        alpha=0.4,
        blur=0.03 * size + 0.5,
    )
    if kind == "cat":  # upright ears, a tall body, a tail curling up: not a rodent
        col = _jit(
            rng,
            _pick(
                rng,
                (
                    _rgb(200, 120, 50),
                    _rgb(30, 30, 30),
                    _rgb(120, 118, 116),
                    _rgb(230, 226, 220),
                    _rgb(110, 90, 70),
                ),
            ),
            0.08,
        )
        sz = rng.uniform(0.25, 0.4) * size
        f = float(rng.choice([-1.0, 1.0]))
        body = c.ellipse((x, y - 0.45 * sz), 0.7 * sz, 0.42 * sz)
        hx, hy = x + f * 0.65 * sz, y - 1.0 * sz
        c.ellipse((hx, hy), 0.3 * sz, 0.27 * sz, m=body)
        for dx in (-0.17, 0.17):
            c.poly(
                [
                    (hx + dx * sz - 0.1 * sz, hy - 0.12 * sz),
                    (hx + dx * sz + 0.1 * sz, hy - 0.12 * sz),
                    (hx + dx * sz * 1.2, hy - 0.45 * sz),
                ],
                m=body,
            )
        c.line(
            [
                (x - f * 0.6 * sz, y - 0.4 * sz),
                (x - f * 0.95 * sz, y - 0.9 * sz),
                (x - f * 0.85 * sz, y - 1.3 * sz),
            ],
            max(1.0, 0.1 * sz),
            m=body,
        )
        for dx in (-0.35, 0.35):
            c.line([(x + dx * sz, y - 0.4 * sz), (x + dx * sz, y)], max(1.0, 0.12 * sz), m=body)
        c.paint(body, col, _vgrad(y - 1.4 * sz, y, 1.2, 0.7), tex=0.1, soft=0.1)
        for dx in (-0.1, 0.1):
            c.paint(
                c.ellipse((hx + f * 0.05 * sz + dx * sz, hy - 0.02 * sz), 0.04 * sz, 0.03 * sz),
                _rgb(150, 170, 60),
                alpha=0.9,
            )
    elif kind == "boxes":  # cardboard boxes stacked against the wall
        bw = rng.uniform(0.3, 0.6) * size
        yb = y
        for _ in range(int(rng.integers(1, 4))):
            bh = bw * rng.uniform(0.5, 0.9)
            col = _jit(rng, _rgb(176, 136, 90), 0.12)
            xo = x + rng.uniform(-0.08, 0.08) * bw
            front = c.poly(
                [
                    (xo - bw / 2, yb - bh),
                    (xo + bw / 2, yb - bh),
                    (xo + bw / 2, yb),
                    (xo - bw / 2, yb),
                ]
            )
            c.paint(front, col, _vgrad(yb - bh, yb, 1.0, 0.85), tex=0.04)
            topf = c.poly(
                [
                    (xo - bw / 2, yb - bh),
                    (xo + bw / 2, yb - bh),
                    (xo + bw * 0.42, yb - bh * 1.25),
                    (xo - bw * 0.58, yb - bh * 1.25),
                ]
            )
            c.paint(topf, _scale(col, 1.15), tex=0.04)
            c.paint(
                c.line([(xo, yb - bh * 1.25), (xo, yb - bh * 0.6)], max(1.0, 0.05 * bw)),
                _rgb(200, 180, 150),
                alpha=0.8,
            )
            yb -= bh
    elif kind == "sack":  # flour sack: pale, soft, round shouldered
        sw, sh_ = rng.uniform(0.35, 0.5) * size, rng.uniform(0.5, 0.8) * size
        col = _jit(
            rng, _pick(rng, (_rgb(236, 232, 220), _rgb(214, 196, 160), _rgb(200, 200, 196))), 0.05
        )
        sack = c.poly(
            [
                (x - sw * 0.4, y - sh_),
                (x + sw * 0.4, y - sh_),
                (x + sw / 2, y - sh_ * 0.6),
                (x + sw / 2, y),
                (x - sw / 2, y),
                (x - sw / 2, y - sh_ * 0.6),
            ]
        )
        c.ellipse((x, y - sh_), sw * 0.4, sh_ * 0.08, m=sack)
        c.paint(sack, col, _cyl(x, sw * 0.6, lx), soft=0.12, tex=0.03)
        band = _pick(rng, (_rgb(40, 80, 160), _rgb(170, 40, 40), _rgb(40, 120, 60)))
        c.paint(
            c.line(
                [(x - sw / 2, y - sh_ * 0.45), (x + sw / 2, y - sh_ * 0.45)], max(1.0, 0.08 * sh_)
            ),
            band,
            alpha=0.8,
            clip=sack,
        )
    elif kind == "bin":  # pedal bin / wheelie bin
        bw, bh = rng.uniform(0.3, 0.45) * size, rng.uniform(0.6, 1.0) * size
        col = _jit(
            rng,
            _pick(
                rng, (_rgb(60, 60, 64), _rgb(160, 162, 166), _rgb(40, 80, 150), _rgb(40, 110, 60))
            ),
            0.08,
        )
        body = c.poly(
            [(x - bw / 2, y - bh), (x + bw / 2, y - bh), (x + bw * 0.44, y), (x - bw * 0.44, y)]
        )
        c.paint(body, col, _cyl(x, bw * 0.6, lx), tex=0.02)
        lid = c.ellipse((x, y - bh), bw * 0.54, bw * 0.14)
        c.paint(lid, _scale(col, 1.2), _vgrad(y - bh - bw * 0.14, y - bh + bw * 0.14, 1.2, 0.8))
    else:  # mop bucket with a mop leaning in it
        bw, bh = rng.uniform(0.3, 0.45) * size, rng.uniform(0.22, 0.32) * size
        col = _jit(
            rng, _pick(rng, (_rgb(240, 200, 30), _rgb(200, 40, 40), _rgb(90, 100, 110))), 0.06
        )
        lean = rng.uniform(-0.5, 0.5) * size
        c.paint(
            c.line([(x, y - bh * 0.6), (x + lean, y - 1.8 * size)], max(1.0, 0.025 * size)),
            _pick(rng, (_rgb(40, 90, 180), _rgb(200, 200, 200), _rgb(200, 40, 40))),
            _tube((x, y), (x + lean, y - 1.8 * size), 0.015 * size, lx),
        )
        body = c.poly(
            [(x - bw / 2, y - bh), (x + bw / 2, y - bh), (x + bw * 0.42, y), (x - bw * 0.42, y)]
        )
        c.paint(body, col, _cyl(x, bw * 0.6, lx), tex=0.02)
        strands = c.ellipse((x, y - bh * 1.05), bw * 0.32, bh * 0.25)
        c.paint(strands, _rgb(170, 170, 160), tex=0.35, soft=0.2)
        c.paint(
            c.ellipse((x, y - bh), bw * 0.5, bh * 0.15, 0, 0, 360), _scale(col, 1.15), alpha=0.5
        )
    c.commit()


def _wall_thing(img: Image, kind: str, layout: Layout, rng: np.random.Generator, s: float) -> None:
    h, w = img.shape[:2]
    x = float(rng.uniform(0.03, 0.97) * w)
    on_shelf = rng.random() < 0.5
    y = float(layout.shelf_y if on_shelf else layout.counter_top)
    lx = float(rng.uniform(-1, 1))
    size = 30 * s
    c = _Canvas(img, (x - size, y - 2.5 * size, x + size, y + 2.5 * size), rng, cell=max(1.0, s))
    if kind == "bowls":  # upside-down bowls: white domes like a cap
        r = rng.uniform(0.25, 0.5) * size
        col = _jit(rng, _rgb(240, 240, 238), 0.04)
        for k in range(int(rng.integers(1, 5))):
            yk = y - k * r * 0.3
            m = c.ellipse((x, yk), r, r * 0.6, 0, 180, 360)
            c.paint(m, col, _sphere(x, yk - 0.3 * r, r * 1.1, r * 0.8, lx))
            c.paint(c.line([(x - r, yk), (x + r, yk)], 1), _scale(col, 0.7), alpha=0.6)
    elif kind == "cloth":  # a cloth hanging over the counter edge or a rail
        cw, ch = rng.uniform(0.3, 0.7) * size, rng.uniform(0.4, 1.0) * size
        col = _pick(
            rng,
            (_rgb(244, 244, 242), _rgb(240, 240, 236), *MASKS["surgical"][:2], _rgb(200, 60, 60)),
        )
        m = c.poly([(x, y), (x + cw, y), (x + cw * 0.95, y + ch), (x + cw * 0.05, y + ch)])
        c.paint(m, _jit(rng, col, 0.04), _vgrad(y, y + ch, 1.05, 0.85), soft=0.1, tex=0.03)
        for _ in range(2):
            fx_ = x + rng.uniform(0.2, 0.8) * cw
            c.paint(
                c.line([(fx_, y), (fx_ + rng.normal(0, 0.05) * cw, y + ch)], 1),
                _scale(col, 0.75),
                alpha=0.5,
                clip=m,
            )
        if rng.random() < 0.3:  # checked tea towel
            check = c.mask()
            for j in range(1, 6):
                c.line([(x + cw * j / 6, y), (x + cw * j / 6, y + ch)], 1, m=check)
                c.line([(x, y + ch * j / 6), (x + cw, y + ch * j / 6)], 1, m=check)
            c.paint(check, _rgb(200, 50, 50), alpha=0.7, clip=m)
    elif kind == "apron_hook":  # an apron or jacket on a hook at head height: no head
        hy = float(
            rng.uniform(layout.shelf_y, max(layout.shelf_y + 1, layout.counter_top - 0.25 * h))
        )
        aw, ah = rng.uniform(0.35, 0.55) * size, rng.uniform(1.2, 2.0) * size
        col = _jit(rng, _pick(rng, (*APRONS, JACKETS[0])), 0.05)
        c.paint(c.ellipse((x, hy), 0.06 * size, 0.06 * size), _rgb(150, 150, 150))
        m = c.poly(
            [
                (x - aw * 0.3, hy + 0.05 * size),
                (x + aw * 0.3, hy + 0.05 * size),
                (x + aw * 0.6, hy + ah),
                (x - aw * 0.6, hy + ah),
            ]
        )
        c.paint(m, col, _mul(_cyl(x, aw * 0.7, lx), _vgrad(hy, hy + ah, 1.05, 0.85)), soft=0.1)
        for jf in (-0.25, 0.0, 0.25):
            c.paint(
                c.line(
                    [(x + jf * aw * 0.5, hy + 0.1 * size), (x + jf * aw, hy + ah)],
                    max(1.0, 0.02 * size),
                ),
                _scale(col, 0.7),
                alpha=0.4,
                blur=0.5,
                clip=m,
            )
    elif kind == "hat_shelf":  # a chef hat or a cap lying on a shelf or the counter
        col = _pick(rng, (_rgb(244, 244, 242), _rgb(244, 244, 242), *MOB_CAPS[1:3], CAPS[0]))
        r = rng.uniform(0.3, 0.5) * size
        m = c.ellipse((x, y - 0.05 * r), r, r * rng.uniform(0.4, 0.9), 0, 180, 360)
        c.poly(
            [(x - r, y - 0.05 * r), (x + r, y - 0.05 * r), (x + r * 0.9, y), (x - r * 0.9, y)], m=m
        )
        c.paint(m, col, _sphere(x, y - 0.4 * r, r * 1.1, r, lx), soft=0.12)
    elif kind == "loose_mask":  # a surgical mask dropped on the counter or hung up
        col = _pick(rng, MASKS["surgical"])
        mw, mh = rng.uniform(0.3, 0.5) * size, rng.uniform(0.15, 0.25) * size
        yy = y - mh - 1
        m = c.poly(
            [(x - mw / 2, yy), (x + mw / 2, yy), (x + mw * 0.45, yy + mh), (x - mw * 0.45, yy + mh)]
        )
        c.paint(m, col, _vgrad(yy, yy + mh, 1.05, 0.9), tex=0.03)
        for jf in (0.33, 0.66):
            c.paint(
                c.line([(x - mw / 2, yy + jf * mh), (x + mw / 2, yy + jf * mh)], 1),
                _scale(col, 0.72),
                alpha=0.6,
                clip=m,
            )
    else:  # produce: onions, potatoes, bread rolls: round, skin-toned
        col = _pick(
            rng, (_rgb(200, 150, 100), _rgb(180, 140, 90), _rgb(220, 180, 120), _rgb(150, 90, 60))
        )
        for _ in range(int(rng.integers(2, 7))):
            r = rng.uniform(0.1, 0.2) * size
            px, py = x + rng.uniform(-0.6, 0.6) * size, y - r * rng.uniform(0.8, 1.6)
            c.paint(
                c.ellipse((px, py), r, r * 0.9),
                _jit(rng, col, 0.08),
                _sphere(px, py, r * 1.1, r, lx),
                tex=0.05,
            )
    c.commit()


DISTRACTORS: tuple[str, ...] = (
    "pot",
    "bowls",
    "cloth",
    "apron_hook",
    "mop",
    "boxes",
    "cat",
    "shadow",
    "drain",
    "sack",
    "bin",
    "hat_shelf",
    "loose_mask",
    "produce",
)


# --- camera ----------------------------------------------------------------------------

WHITE_BALANCE: tuple[tuple[float, float, float], ...] = (
    (1.0, 1.0, 1.0),
    (0.96, 1.04, 0.94),  # fluorescent: green
    (1.07, 1.0, 0.93),  # cool LED
    (0.86, 0.98, 1.1),  # warm
)
CAMERAS = ("CAM 01", "CAM 02", "CAM 03", "CH4 KITCHEN", "Kitchen-2", "IPC-01", "D5", "BACK KITCHEN")


def _osd(u8: np.ndarray, rng: np.random.Generator, night: bool) -> None:
    """Burn the date, time and camera name into the top of the frame (away from the
    floor, where the rodents are)."""
    h, w = u8.shape[:2]
    s = h / 240.0
    day = datetime.date(
        int(rng.integers(2019, 2026)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    )
    hour = int(rng.choice([21, 22, 23, 0, 1, 2, 3, 4, 5])) if night else int(rng.integers(6, 21))
    clock = f"{hour:02d}:{int(rng.integers(60)):02d}:{int(rng.integers(60)):02d}"
    fmt = int(rng.integers(3))
    if fmt == 0:
        stamp = f"{day:%Y-%m-%d} {clock}"
    elif fmt == 1:
        stamp = f"{day:%m/%d/%Y} {day:%a} {clock}"
    else:
        stamp = f"{day:%d-%m-%Y} {day:%a} {clock}"
    font = int(
        rng.choice([cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX])
    )
    scale = (0.7 if font == cv2.FONT_HERSHEY_PLAIN else 0.33) * s * rng.uniform(0.9, 1.2)
    th = max(1, round(s))
    ink = (255, 255, 255) if rng.random() < 0.8 else (80, 240, 255)
    pos = [(int(4 * s), int(11 * s))]
    name = str(rng.choice(CAMERAS))
    (tw, _), _ = cv2.getTextSize(name, font, scale, th)
    pos.append(
        (w - tw - int(4 * s), int(11 * s)) if rng.random() < 0.6 else (int(4 * s), int(22 * s))
    )
    for text, p in zip((stamp, name), pos, strict=True):
        cv2.putText(u8, text, (p[0] + 1, p[1] + 1), font, scale, (0, 0, 0), th, cv2.LINE_AA)
        cv2.putText(u8, text, p, font, scale, ink, th, cv2.LINE_AA)


def _gauss(rng: np.random.Generator, h: int, w: int, k: int = 3) -> np.ndarray:
    """Noise of mean 0 and sd 1 from the sum of k uniform random bytes per pixel (near
    normal for k = 3, flat for k = 1): several times faster than `standard_normal`, and
    every pixel of every frame and of every painted part needs some."""
    b = np.frombuffer(rng.bytes(k * h * w), np.uint8).reshape(k, h, w)
    out: np.ndarray = b[0].astype(np.float32)
    for i in range(1, k):
        out += b[i]
    out -= 127.5 * k
    out *= 1.0 / (73.9 * math.sqrt(k))
    return out


def _to_u8(f: np.ndarray) -> np.ndarray:
    """Round and saturate a float image to uint8 (with OpenCV: numpy's clip is far slower
    on colour images)."""
    out: np.ndarray = cv2.convertScaleAbs(cv2.max(f, 0.0))
    return out


def _lowres_noise(rng: np.random.Generator, h: int, w: int, k: int, sd: float) -> np.ndarray:
    """Colour noise in blotches of about k pixels, as a sensor's chroma noise looks."""
    small = rng.standard_normal((max(1, h // k), max(1, w // k), 3), dtype=np.float32) * sd
    out: np.ndarray = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return out


def _three(a: np.ndarray, wb: Sequence[float] = (1.0, 1.0, 1.0)) -> np.ndarray:
    """A one-channel map as three channels (times a white balance): OpenCV's per-element
    arithmetic on these is much faster than numpy broadcasting over the colour axis."""
    out: np.ndarray = cv2.merge([a * wb[0], a * wb[1], a * wb[2]])
    return out


def _jpeg(u8: np.ndarray, q: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", u8, [cv2.IMWRITE_JPEG_QUALITY, q])
    flag = cv2.IMREAD_GRAYSCALE if u8.ndim == 2 else cv2.IMREAD_COLOR
    dec = cv2.imdecode(buf, flag) if ok else None
    out: np.ndarray = u8 if dec is None else dec
    return out


def light(img: Image, rng: np.random.Generator, night: bool, ir: bool) -> Image:
    """Lighting and the camera: light fall-off, white balance, vignette, windows, bloom,
    tone, softness and sharpening, noise, the burnt-in OSD and JPEG compression."""
    h, w = img.shape[:2]
    s = h / 240.0
    window = cv2.inRange(img, SENTINEL, SENTINEL) > 0
    # light fields are smooth: computed on a coarse grid, then resized to the frame
    gh, gw = max(2, h // 8), max(2, w // 8)
    yy = (np.arange(gh, dtype=np.float32)[:, None] + 0.5) / gh
    xx = (np.arange(gw, dtype=np.float32)[None, :] + 0.5) / gw
    tilt_x, tilt_y = rng.uniform(-0.3, 0.3), rng.uniform(-0.2, 0.1)
    field = 0.86 + tilt_x * (xx - 0.5) + tilt_y * (yy - 0.5)
    for _ in range(int(rng.integers(1, 4))):  # ceiling fixtures
        cx_, cy_ = rng.uniform(0, 1), rng.uniform(-0.2, 0.6)
        sx, sy = rng.uniform(0.15, 0.4), rng.uniform(0.2, 0.5)
        blob = np.exp(-(((xx - cx_) / sx) ** 2)) * np.exp(-(((yy - cy_) / sy) ** 2))
        field = field + rng.uniform(0.05, 0.16) * blob
    aspect = h / w
    r2 = ((xx - 0.5) ** 2 + ((yy - 0.5) * aspect) ** 2) / (0.25 + 0.25 * aspect**2)
    if night and ir:
        nir = np.array([[0.16, 0.3, 0.54]], np.float32)  # skin and cloth are bright in NIR
        grey = cv2.transform(img, nir).astype(np.float32)
        grey[window] = rng.uniform(5, 30)
        hx, hy = rng.uniform(0.4, 0.6), rng.uniform(0.45, 0.65)
        sig = rng.uniform(0.35, 0.55)
        d2 = ((xx - hx) ** 2 + ((yy - hy) * aspect) ** 2) / sig**2
        spot = 0.28 + 0.95 * np.exp(-d2) + rng.uniform(0.1, 0.3) * np.exp(-d2 * 9)
        spot_map = (spot * (1.0 - 0.45 * r2) * rng.uniform(0.95, 1.35)).astype(np.float32)
        grey = grey * cv2.resize(spot_map, (w, h), interpolation=cv2.INTER_LINEAR)
        grey += _gauss(rng, h, w) * rng.uniform(4, 9)
        g8 = _to_u8(grey)
        g8 = cv2.GaussianBlur(g8, (0, 0), 0.6 * s + 0.2)
        out = cv2.cvtColor(g8, cv2.COLOR_GRAY2BGR)
        _osd(out, rng, night)
        final: np.ndarray = cv2.cvtColor(
            _jpeg(out[..., 0].copy(), int(rng.integers(40, 85))), cv2.COLOR_GRAY2BGR
        )
        return final
    wb = [c * float(rng.uniform(0.97, 1.03)) for c in WHITE_BALANCE[int(rng.integers(4))]]
    vig = 1.0 - rng.uniform(0.15, 0.4) * r2
    level = rng.uniform(0.5, 0.75) if night else rng.uniform(0.85, 1.1) / float(field.max())
    gain = (field * vig * level).astype(np.float32)
    gain_full = cv2.resize(gain, (w, h), interpolation=cv2.INTER_LINEAR)
    # colour work in uint8 with OpenCV: full-frame float temporaries cost more than the maths
    sat = rng.uniform(0.45, 0.8) if night else rng.uniform(0.7, 1.0)
    grey8 = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    u8 = cv2.addWeighted(img, sat, cv2.merge([grey8, grey8, grey8]), 1.0 - sat, 0.0)
    gain8 = _to_u8(_three(gain_full, [c * 128.0 for c in wb]))
    u8 = cv2.multiply(u8, gain8, scale=1.0 / 128.0)
    if night:
        u8[window] = (np.array((40, 26, 20)) * rng.uniform(0.5, 1.0)).astype(np.uint8)
    else:
        u8[window] = 255
        # bloom around blown-out windows, lights and white cloth
        bright = np.maximum(cv2.cvtColor(u8, cv2.COLOR_BGR2GRAY), 232) - 232
        small = cv2.resize(bright, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small.astype(np.float32), (0, 0), 2.0 * s)
        bloom = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        b8 = _to_u8(bloom * float(rng.uniform(2.0, 4.0)))
        u8 = cv2.add(u8, cv2.merge([b8, b8, b8]))
        # the camera's tone curve
        gamma = rng.uniform(0.8, 1.15)
        lo, hi = rng.uniform(0, 14), rng.uniform(240, 256)
        ramp = np.arange(256, dtype=np.float32) / 255.0
        curve = ramp**gamma
        curve = curve + rng.uniform(0.0, 0.25) * (curve - 0.5) * (1 - np.abs(2 * curve - 1))
        u8 = cv2.LUT(u8, _to_u8(lo + (hi - lo) * curve))
    u8 = cv2.GaussianBlur(u8, (0, 0), (0.6 if night else 0.35) * s + 0.1)
    luma = _gauss(rng, h, w, 2) * (rng.uniform(3, 6) if night else rng.uniform(1.5, 4))
    chroma = _lowres_noise(rng, h, w, 3, rng.uniform(3, 7) if night else rng.uniform(1, 3))
    u8 = cv2.add(u8, cv2.add(chroma, cv2.merge([luma, luma, luma])), dtype=cv2.CV_8U)
    # the camera's over-sharpening halos
    amount = rng.uniform(0.2, 0.7)
    soft = cv2.GaussianBlur(u8, (0, 0), 1.2 * s)
    u8 = cv2.addWeighted(u8, 1.0 + amount, soft, -amount, 0)
    _osd(u8, rng, night)
    return _jpeg(u8, int(rng.integers(65, 93)))


KIT = StyleKit(
    name="cctv",
    background=background,
    worker=worker,
    rodent=rodent,
    distractor=distractor,
    light=light,
    distractors=DISTRACTORS,
)
