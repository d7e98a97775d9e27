"""Paper pieces for the `papercut` style: hand-cut outlines, paper textures, drop shadows.

A `Sheet` holds a float copy of one region of the frame; every `piece` pasted on it is a
polygon with a jittered, scissor-cut outline, filled with a coloured paper texture, that
first casts a soft shadow onto what lies behind it and then catches a thin highlight on
its lit edge. The frame's palette and the side its shadows fall to are written by the
background into the low bits of the top-left pixel (`set_key`), so the actors drawn later
with their own generators share them without any module state.
"""

import math

import cv2
import numpy as np

Color = tuple[int, int, int]

_N = 512


def _bgr(rgb: tuple[int, int, int]) -> Color:
    return rgb[2], rgb[1], rgb[0]


PALETTES: tuple[tuple[Color, ...], ...] = tuple(
    tuple(_bgr(c) for c in pal)
    for pal in (
        (
            (214, 48, 49),
            (253, 203, 60),
            (36, 99, 186),
            (46, 160, 90),
            (240, 128, 40),
            (245, 240, 228),
        ),
        (
            (152, 222, 196),
            (246, 168, 190),
            (190, 160, 226),
            (250, 232, 150),
            (140, 200, 240),
            (250, 196, 160),
        ),
        (
            (222, 170, 40),
            (178, 72, 40),
            (120, 130, 50),
            (30, 130, 130),
            (242, 228, 196),
            (176, 132, 88),
        ),
        (
            (30, 50, 110),
            (40, 190, 190),
            (250, 120, 100),
            (226, 200, 150),
            (120, 220, 226),
            (240, 244, 246),
        ),
        (
            (220, 40, 140),
            (160, 220, 40),
            (40, 200, 230),
            (255, 150, 30),
            (140, 70, 200),
            (250, 240, 80),
        ),
        (
            (20, 128, 128),
            (230, 180, 40),
            (214, 96, 36),
            (244, 230, 200),
            (128, 30, 50),
            (150, 180, 140),
        ),
        (
            (110, 140, 50),
            (30, 90, 50),
            (190, 150, 100),
            (210, 160, 40),
            (150, 30, 80),
            (212, 214, 208),
        ),
        (
            (90, 110, 150),
            (210, 150, 160),
            (244, 240, 232),
            (60, 62, 68),
            (220, 176, 60),
            (170, 210, 170),
        ),
    )
)
"""Eight craft-paper palettes (BGR); one is chosen per frame."""


def _make_textures() -> dict[str, np.ndarray]:
    r = np.random.default_rng(20261204)

    def noise(sx: float, sy: float) -> np.ndarray:
        n: np.ndarray = r.normal(0.0, 1.0, (_N, _N)).astype(np.float32)
        if sx > 0:
            m = int(4 * max(sx, sy)) + 1  # blur a wrapped copy so the tile repeats seamlessly
            big = np.pad(n, m, mode="wrap")
            n = cv2.GaussianBlur(big, (0, 0), sigmaX=sx, sigmaY=sy)[m:-m, m:-m]
        return n / max(1e-6, float(n.std()))

    grain = noise(0.6, 0.6)
    streak = noise(5.0, 0.7)
    blotch = noise(14.0, 14.0)
    fibres = np.zeros((_N, _N), np.float32)
    for _ in range(1100):
        x, y = (int(v) for v in r.integers(0, _N, 2))
        a, ln = float(r.uniform(0, math.pi)), float(r.uniform(3, 16))
        end = (int(x + ln * math.cos(a)), int(y + ln * math.sin(a)))
        cv2.line(fibres, (x, y), end, float(r.choice([-1.0, 1.0])), 1, cv2.LINE_AA)
    fuzz = noise(1.3, 1.3)
    ribs = np.sin(np.arange(_N, dtype=np.float32) * (2 * math.pi / 4.0))[None, :]
    tex = {
        "fibre": 1 + 0.03 * grain + 0.025 * streak + 0.05 * fibres + 0.03 * blotch,
        "felt": 1 + 0.09 * fuzz + 0.04 * grain + 0.05 * fibres + 0.04 * blotch,
        "corrugated": 1 + 0.08 * ribs + 0.03 * grain + 0.02 * blotch,
        "smooth": 1 + 0.015 * grain + 0.02 * blotch,
    }
    return {
        k: cv2.cvtColor(np.clip(v * 128 + 0.5, 90, 166).astype(np.uint8), cv2.COLOR_GRAY2BGR)
        for k, v in tex.items()
    }


TEXTURES: dict[str, np.ndarray] = _make_textures()
"""Paper textures as 3-channel uint8 tiles where 128 means the paper's own colour."""

NOISE: np.ndarray = np.random.default_rng(7).normal(0, 1, (_N, _N)).astype(np.float32)
"""A unit Gaussian noise tile for the camera's sensor noise."""


def texture(name: str, h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """An h×w×3 patch of a paper texture (uint8, 128 = plain) at a random offset."""
    return tile(TEXTURES[name], h, w, rng)


def tile(tex: np.ndarray, h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """An h×w patch of a repeating tile at a random offset."""
    r = rng.random(2) * _N
    oy, ox = int(r[0]), int(r[1])
    if h <= _N and w <= _N:
        oy, ox = oy % (_N - h + 1), ox % (_N - w + 1)
        return tex[oy : oy + h, ox : ox + w]
    ys = (np.arange(h) + oy) % _N
    xs = (np.arange(w) + ox) % _N
    out: np.ndarray = tex[ys[:, None], xs[None, :]]
    return out


def set_key(img: np.ndarray, palette: int, side: int) -> None:
    """Write the frame's palette index and shadow side into the top-left pixel."""
    if img.shape[0] == 0 or img.shape[1] == 0:
        return
    px = img[0, 0]
    px[0] = (int(px[0]) & 0xF8) | (palette & 7)
    px[1] = (int(px[1]) & 0xFE) | (1 if side > 0 else 0)


def key(img: np.ndarray) -> tuple[tuple[Color, ...], int]:
    """The frame's palette and shadow side (+1 down-right, -1 down-left)."""
    if img.shape[0] == 0 or img.shape[1] == 0:
        return PALETTES[0], 1
    px = img[0, 0]
    return PALETTES[int(px[0]) & 7], 1 if int(px[1]) & 1 else -1


def jitter(c: Color, rng: np.random.Generator, amount: int) -> Color:
    r = rng.random(3) * (2 * amount + 1) - amount
    return (
        min(255, max(0, c[0] + int(r[0]))),
        min(255, max(0, c[1] + int(r[1]))),
        min(255, max(0, c[2] + int(r[2]))),
    )


def shade(c: Color, f: float) -> Color:
    """Darker (f < 1) or lighter toward white (f > 1) version of a colour."""
    if f <= 1:
        return int(c[0] * f), int(c[1] * f), int(c[2] * f)
    t = min(1.0, f - 1)
    return int(c[0] + (255 - c[0]) * t), int(c[1] + (255 - c[1]) * t), int(c[2] + (255 - c[2]) * t)


# ---------------------------------------------------------------- outlines


def ellipse(
    cx: float, cy: float, ax: float, ay: float, n: int = 20, a0: float = 0.0, a1: float = 360.0
) -> np.ndarray:
    t = np.radians(np.linspace(a0, a1, n, endpoint=a1 - a0 < 360))
    return np.stack([cx + ax * np.cos(t), cy + ay * np.sin(t)], axis=1)


def superellipse(cx: float, cy: float, ax: float, ay: float, p: float, n: int = 28) -> np.ndarray:
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    x = np.sign(c) * np.abs(c) ** (2 / p)
    y = np.sign(s) * np.abs(s) ** (2 / p)
    return np.stack([cx + ax * x, cy + ay * y], axis=1)


def rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)


def strip(points: list[tuple[float, float]], width: float) -> np.ndarray:
    """A paper strip of `width` along a polyline (an arm, a leg, a mop handle)."""
    p = np.asarray(points, np.float64)
    d = np.diff(p, axis=0)
    d /= np.maximum(1e-6, np.hypot(d[:, 0], d[:, 1]))[:, None]
    nrm = np.stack([-d[:, 1], d[:, 0]], axis=1)
    nv = np.vstack([nrm[:1], (nrm[:-1] + nrm[1:]) / 2, nrm[-1:]])
    nv /= np.maximum(1e-6, np.hypot(nv[:, 0], nv[:, 1]))[:, None]
    half = width / 2
    return np.vstack([p + nv * half, (p - nv * half)[::-1]])


def cut(
    pts: np.ndarray, rng: np.random.Generator, rough: float, step: float = 0.0, facet: float = 0.2
) -> np.ndarray:
    """Resample a closed outline and jitter it like a hand cut: small wobbles along the
    edge, and some points dropped so that straight scissor facets appear."""
    p = np.asarray(pts, np.float64)
    if len(p) < 2 or rough < 0.3:  # too small to show a cut: keep the outline
        return p
    if step <= 0:
        step = max(2.0, rough * 3)
    d = np.concatenate((p[1:], p[:1])) - p
    n = (np.hypot(d[:, 0], d[:, 1]) * (1 / step)).astype(np.int64) + 1
    total = int(n.sum())
    if total == len(p):  # already dense: jitter the points themselves
        u = rng.random((total, 3))
        out = p + (u[:, :2] - 0.5) * (2 * rough)
        kept: np.ndarray = out[(u[:, 2] > facet) | (np.arange(total) % 4 == 0)]
        return kept
    if total > 400:  # a huge piece: coarser steps keep the cost flat
        n = np.maximum(1, (n * 400) // total)
        total = int(n.sum())
    idx = np.repeat(np.arange(len(p)), n)
    start = np.repeat(np.cumsum(n) - n, n)
    t = np.arange(total) - start
    u = rng.random((total, 3))
    out = p[idx] + d[idx] * (t / n[idx])[:, None] + (u[:, :2] - 0.5) * (2 * rough)
    result: np.ndarray = out[(u[:, 2] > facet) | (t == 0)]
    return result


def quads(boxes: np.ndarray, rng: np.random.Generator, rough: float) -> list[np.ndarray]:
    """Many small rectangles (x0, y0, x1, y1 rows) cut at once: jittered corners only."""
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    q = np.stack([b[:, [0, 1]], b[:, [2, 1]], b[:, [2, 3]], b[:, [0, 3]]], axis=1) + rng.uniform(
        -rough, rough, (len(b), 4, 2)
    )
    return list(q)


def clip_pts(pts: np.ndarray, x0: float, y0: float, x1: float = 1e9, y1: float = 1e9) -> np.ndarray:
    out = pts.copy()
    out[:, 0] = np.clip(out[:, 0], x0, x1)
    out[:, 1] = np.clip(out[:, 1], y0, y1)
    return out


# ---------------------------------------------------------------- the sheet


def _shift(a: np.ndarray, dx: int, dy: int) -> np.ndarray:
    h, w = a.shape
    out = np.zeros_like(a)
    if abs(dx) >= w or abs(dy) >= h:
        return out
    sy = slice(max(0, dy), h + min(0, dy))
    sx = slice(max(0, dx), w + min(0, dx))
    ty = slice(max(0, -dy), h + min(0, -dy))
    tx = slice(max(0, -dx), w + min(0, -dx))
    out[sy, sx] = a[ty, tx]
    return out


class Sheet:
    """One region of the frame that pieces are pasted on, in place (uint8)."""

    def __init__(self, img: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> None:
        h, w = img.shape[:2]
        self.x0 = max(0, int(x0)) if math.isfinite(x0) else 0
        self.y0 = max(0, int(y0)) if math.isfinite(y0) else 0
        self.x1 = min(w, math.ceil(x1)) if math.isfinite(x1) else 0
        self.y1 = min(h, math.ceil(y1)) if math.isfinite(y1) else 0
        self.empty = self.x1 <= self.x0 or self.y1 <= self.y0
        self.buf = img[self.y0 : self.y1, self.x0 : self.x1]
        self.palette, self.side = key(img)
        self.clip_top: float | None = None
        """Image row above which no shadow of this sheet may fall (a bare head's top)."""
        self.union: np.ndarray | None = None
        """With `track()`, every piece's coverage, for one shadow of the whole (`cast`)."""

    def track(self) -> None:
        self.union = np.zeros(self.buf.shape[:2], np.uint8)

    def piece(
        self,
        polys: list[np.ndarray],
        color: Color,
        rng: np.random.Generator,
        *,
        tex: str = "fibre",
        lift: float = 1.5,
        dark: float = 0.4,
        edge: float = 0.35,
        alpha: float = 1.0,
    ) -> None:
        """Paste one paper piece made of `polys` (image coordinates)."""
        if self.empty or not polys:
            return
        allp = np.vstack(polys) if len(polys) > 1 else polys[0]
        if len(allp) == 0:
            return
        lo = allp.min(axis=0)
        hi = allp.max(axis=0)
        if not (math.isfinite(lo[0] + lo[1] + hi[0] + hi[1])):
            return
        bh, bw = self.buf.shape[:2]
        off = round(lift) if dark > 0 else 0
        blur = max(1, round(lift * 0.8)) if off else 0
        pad = off + 2 * blur + 2
        rx0, rx1 = max(0, int(lo[0]) - self.x0 - pad), min(bw, int(hi[0]) - self.x0 + pad + 2)
        ry0, ry1 = max(0, int(lo[1]) - self.y0 - pad), min(bh, int(hi[1]) - self.y0 + pad + 2)
        if rx1 <= rx0 or ry1 <= ry0:
            return
        rh, rw = ry1 - ry0, rx1 - rx0
        mask = np.zeros((rh, rw), np.uint8)
        org = np.array([self.x0 + rx0, self.y0 + ry0], np.float64)
        flat = np.clip((allp - org) * 4 + 0.5, -(1 << 20), 1 << 20).astype(np.int32)
        if len(polys) > 1:
            ipolys = np.split(flat, np.cumsum([len(p) for p in polys])[:-1])
        else:
            ipolys = [flat]
        cv2.fillPoly(mask, ipolys, 255, cv2.LINE_AA, 2)
        sub = self.buf[ry0:ry1, rx0:rx1]
        if self.union is not None:
            u = self.union[ry0:ry1, rx0:rx1]
            np.maximum(u, mask, out=u)
        fill = cv2.multiply(
            texture(tex, rh, rw, rng),
            (float(color[0]), float(color[1]), float(color[2]), 0.0),
            scale=1 / 128.0,
        )
        k = min(1.0, edge * alpha)
        edged = edge > 0 and rh > 7 and rw > 7
        if edged:  # the lit edge of the paper catches a thin white highlight
            lit = cv2.convertScaleAbs(cv2.subtract(mask, _shift(mask, self.side, 1)), alpha=k)
            hl = cv2.multiply(cv2.bitwise_not(fill), cv2.merge([lit, lit, lit]), scale=1 / 255.0)
            fill = cv2.add(fill, hl)
        a = mask.astype(np.float32) * (min(1.0, max(0.0, alpha)) / 255.0)
        out = cv2.blendLinear(fill, sub, a, 1 - a)
        if off or edged:  # one darkening: the drop shadow outside, the far rim inside
            sh = np.zeros_like(mask)
            if off:
                sh = cv2.blur(_shift(mask, self.side * off, off), (2 * blur + 1,) * 2)
                if self.clip_top is not None:
                    cut_row = math.ceil(self.clip_top) - (self.y0 + ry0)
                    if cut_row > 0:
                        sh[: min(rh, cut_row)] = 0
                cover = cv2.convertScaleAbs(mask, alpha=-min(1.0, alpha), beta=255)
                sh = cv2.multiply(sh, cover, scale=1 / 255.0)
            rim = cv2.subtract(mask, _shift(mask, -self.side, -1)) if edged else sh
            f = cv2.addWeighted(sh, -dark, rim, -0.3 * k if edged else 0.0, 255, dtype=cv2.CV_8U)
            out = cv2.multiply(out, cv2.merge([f, f, f]), scale=1 / 255.0)
        sub[...] = out

    def line(self, pts: list[tuple[float, float]], color: Color, thick: float) -> None:
        """A pen line or a string (no shadow)."""
        if self.empty or len(pts) < 2:
            return
        p = np.array(pts, np.float64) - (self.x0, self.y0)
        if not np.all(np.isfinite(p)):
            return
        ip = np.clip(np.round(p * 4), -(1 << 20), 1 << 20).astype(np.int32)
        col = (int(color[0]), int(color[1]), int(color[2]))
        cv2.polylines(self.buf, [ip], False, col, max(1, round(thick)), cv2.LINE_AA, 2)

    def dot(self, x: float, y: float, r: float, color: Color) -> None:
        """A pen dot or a bead."""
        if self.empty or not (math.isfinite(x) and math.isfinite(y) and math.isfinite(r)):
            return
        c = (round((x - self.x0) * 4), round((y - self.y0) * 4))
        if abs(c[0]) > 1 << 20 or abs(c[1]) > 1 << 20:
            return
        col = (int(color[0]), int(color[1]), int(color[2]))
        cv2.circle(self.buf, c, max(1, round(r * 4)), col, -1, cv2.LINE_AA, 2)

    def fill(self, y0: float, y1: float, color: Color, tex: str, rng: np.random.Generator) -> None:
        """Fill whole rows [y0, y1) of the sheet with a paper colour (a backdrop card)."""
        a, b = max(0, int(y0) - self.y0), min(self.buf.shape[0], int(y1) - self.y0)
        if self.empty or b <= a:
            return
        patch = texture(tex, b - a, self.buf.shape[1], rng)
        col = (float(color[0]), float(color[1]), float(color[2]), 0.0)
        self.buf[a:b] = cv2.multiply(patch, col, scale=1 / 128.0)

    def flat(self, poly: np.ndarray, color: Color) -> None:
        """A small flat piece (a nose, a paper mouth) without shadow or texture."""
        if self.empty or len(poly) < 3 or not np.all(np.isfinite(poly)):
            return
        p = np.clip(np.round((poly - (self.x0, self.y0)) * 4), -(1 << 20), 1 << 20)
        col = (int(color[0]), int(color[1]), int(color[2]))
        cv2.fillPoly(self.buf, [p.astype(np.int32)], col, cv2.LINE_AA, 2)

    def oval(self, x: float, y: float, ax: float, ay: float, color: Color) -> None:
        """A small flat oval (a paper eye, a cheek)."""
        if self.empty or not all(math.isfinite(v) for v in (x, y, ax, ay)):
            return
        c = (round((x - self.x0) * 4), round((y - self.y0) * 4))
        if abs(c[0]) > 1 << 20 or abs(c[1]) > 1 << 20:
            return
        axes = (max(1, round(ax * 4)), max(1, round(ay * 4)))
        col = (int(color[0]), int(color[1]), int(color[2]))
        cv2.ellipse(self.buf, c, axes, 0, 0, 360, col, -1, cv2.LINE_AA, 2)

    def cast(self, lift: float, dark: float) -> None:
        """One soft shadow of every piece pasted since `track()`, falling on the pixels
        that no piece covers."""
        if self.empty or self.union is None or lift <= 0 or dark <= 0:
            return
        drawn = self.union
        off = max(1, round(lift))
        blur = max(1, round(lift * 0.8))
        sh = cv2.blur(_shift(drawn, self.side * off, off), (2 * blur + 1,) * 2)
        sh[drawn > 0] = 0
        if self.clip_top is not None:
            cut_row = math.ceil(self.clip_top) - self.y0
            if cut_row > 0:
                sh[: min(sh.shape[0], cut_row)] = 0
        f = cv2.convertScaleAbs(sh, alpha=-dark, beta=255)
        self.buf[...] = cv2.multiply(self.buf, cv2.merge([f, f, f]), scale=1 / 255.0)

    def commit(self) -> None:
        """Pieces are pasted in place; kept so drawings read as paste-then-commit."""
