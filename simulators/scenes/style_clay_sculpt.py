"""The clay renderer of scene style `clay`: a small G-buffer sculpted from ellipsoids.

Part of the held-out style `clay` (see `style_clay`): drawn without sight of the detector
or of the other styles' drawings, never used for training or threshold tuning.

An actor or prop is sculpted from rounded primitives (ellipsoids and tapered capsules)
that win pixels by depth in a small G-buffer (depth, normal, material, coverage); it is
then lit once per pixel: wrapped diffuse and specular from the set's key light, a
coloured rim light, ambient occlusion from the depth buffer where forms meet, lumpy
plasticine noise, sculpted grooves and faint fingerprints.
"""

import itertools
import math
import weakref
from dataclasses import dataclass

import cv2
import numpy as np

from simulators.scenes.compose import Box, Image

Color = tuple[int, int, int]
Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class Studio:
    """One set's lights and lens, shared by every actor of a frame so their shading agrees."""

    key: Vec3
    """Unit vector towards the key light: x right, y down, z towards the camera."""
    key_col: Vec3
    ambient: Vec3
    rim: Vec3
    """Colour added at grazing angles on the side the rim light comes from."""
    rim_dir: tuple[float, float]
    spec: float
    wrap: float
    lump: float
    """Strength of the plasticine's low-frequency lumps (normal perturbation)."""
    dof: float = 0.0
    """Blur (pixels) of the out-of-focus back of the set, for props put there."""


DEFAULT_STUDIO = Studio(
    key=(-0.45, -0.55, 0.7),
    key_col=(0.8, 0.85, 0.9),
    ambient=(0.42, 0.4, 0.38),
    rim=(0.0, 0.0, 0.0),
    rim_dir=(1.0, 0.0),
    spec=0.35,
    wrap=0.35,
    lump=0.18,
)

_STUDIOS: dict[int, Studio] = {}


def set_studio(img: Image, light: Studio) -> None:
    """The kit's functions only share the frame, so the set's light is filed under it."""
    _STUDIOS[id(img)] = light
    weakref.finalize(img, _STUDIOS.pop, id(img), None)


def studio_of(img: Image) -> Studio:
    """The light the background chose; a neutral one when drawn on a bare image."""
    return _STUDIOS.get(id(img), DEFAULT_STUDIO)


@dataclass(frozen=True)
class Mat:
    """A clay's colour and finish; shading looks it up per pixel by index."""

    color: Color
    spec: float = 0.5
    gloss: float = 0.0
    """Tight highlight (eyes, wet noses, chrome) on top of the broad clay sheen."""
    groove: float = 0.0
    """Amplitude of sculpted grooves (hair strands, pleats)."""
    groove_angle: float = 0.0
    groove_period: float = 3.0


class Clay:
    """A G-buffer over one actor's box: primitives win pixels by depth, `shade` lights them."""

    def __init__(
        self, img: Image, x0: float, y0: float, x1: float, y1: float, half: bool = False
    ) -> None:
        """`half` sculpts at half resolution and enlarges when shading: a big figure's
        smooth clay loses nothing, and it costs a quarter of the pixels."""
        h, w = img.shape[:2]
        self.k = 0.5 if half else 1.0
        self.x0, self.y0 = max(0, int(x0)), max(0, int(y0))
        self.x1, self.y1 = min(w, math.ceil(x1) + 1), min(h, math.ceil(y1) + 1)
        ch = max(0, math.ceil((self.y1 - self.y0) * self.k))
        cw = max(0, math.ceil((self.x1 - self.x0) * self.k))
        self.z = np.full((ch, cw), -1e6, np.float32)
        self.nx = np.zeros((ch, cw), np.float32)
        self.ny = np.zeros((ch, cw), np.float32)
        self.nz = np.ones((ch, cw), np.float32)
        self.mat = np.zeros((ch, cw), np.uint8)
        self.cov = np.zeros((ch, cw), np.float32)
        # frame coordinates of the canvas pixels' centres
        self.xs = self.x0 + (np.arange(cw, dtype=np.float32) + 0.5) / self.k - 0.5
        self.ys = self.y0 + (np.arange(ch, dtype=np.float32) + 0.5) / self.k - 0.5
        self.mats: list[Mat] = [Mat((0, 0, 0))]
        self.touched = (cw, ch, 0, 0)
        """Window (i0, j0, i1, j1) of the canvas that primitives wrote into."""
        self.bounds: Box = (math.inf, math.inf, -math.inf, -math.inf)
        """Frame box of the primitives' surfaces so far, not clipped to the frame."""

    def _grow(self, ax: float, ay: float, bx: float, by: float) -> None:
        b = self.bounds
        self.bounds = (min(b[0], ax), min(b[1], ay), max(b[2], bx), max(b[3], by))

    def material(self, m: Mat) -> int:
        """The index primitives paint with (a uint8 buffer keeps the G-buffer small)."""
        self.mats.append(m)
        return len(self.mats) - 1

    def _window(self, ax: float, ay: float, bx: float, by: float) -> tuple[int, int, int, int]:
        k, (ch, cw) = self.k, self.cov.shape
        i0 = max(0, int((ax - self.x0) * k) - 1)
        j0 = max(0, int((ay - self.y0) * k) - 1)
        i1 = min(cw, math.ceil((bx - self.x0) * k) + 2)
        j1 = min(ch, math.ceil((by - self.y0) * k) + 2)
        return i0, j0, i1, j1

    def _write(
        self,
        win: tuple[int, int, int, int],
        cov: np.ndarray,
        depth: np.ndarray,
        n: tuple[np.ndarray, np.ndarray, np.ndarray],
        mat: int,
    ) -> None:
        i0, j0, i1, j1 = win
        zb = self.z[j0:j1, i0:i1]
        won = cov > 0
        won &= depth > zb
        np.copyto(zb, depth, where=won)
        np.copyto(self.nx[j0:j1, i0:i1], n[0], where=won)
        np.copyto(self.ny[j0:j1, i0:i1], n[1], where=won)
        np.copyto(self.nz[j0:j1, i0:i1], n[2], where=won)
        np.copyto(self.mat[j0:j1, i0:i1], mat, where=won)
        np.maximum(self.cov[j0:j1, i0:i1], cov, out=self.cov[j0:j1, i0:i1])
        b = self.touched
        self.touched = (min(b[0], i0), min(b[1], j0), max(b[2], i1), max(b[3], j1))

    def blob(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        mat: int,
        z: float = 0.0,
        rz: float | None = None,
        angle: float = 0.0,
        cut: tuple[float, float] | None = None,
        below: bool = False,
    ) -> None:
        """The basic lump of clay (heads, bodies, props). `cut` (a, b) keeps only
        v < a + b*u*u (a cap, a hairline), or the rest of it when `below` (a bowl)."""
        rx, ry = max(rx, 0.5), max(ry, 0.5)
        rz = min(rx, ry) if rz is None else rz
        ca, sa = math.cos(angle), math.sin(angle)
        ex = math.hypot(rx * ca, ry * sa)
        ey = math.hypot(rx * sa, ry * ca)
        self._grow(cx - ex, cy - ey, cx + ex, cy + ey)
        win = self._window(cx - ex, cy - ey, cx + ex, cy + ey)
        i0, j0, i1, j1 = win
        if i1 <= i0 or j1 <= j0:
            return
        dx = self.xs[None, i0:i1] - cx
        dy = self.ys[j0:j1, None] - cy
        u: np.ndarray
        v: np.ndarray
        if angle:
            u = (dx * (ca / rx) + dy * (sa / rx)).astype(np.float32)
            v = (dy * (ca / ry) - dx * (sa / ry)).astype(np.float32)
        else:
            u, v = dx * (1 / rx), dy * (1 / ry)
        r2 = u * u + v * v
        g = 2.0 / self.k  # |grad r2| in canvas pixels turns 1 - r2 into a distance to the rim
        grad = ((u * (g / rx)) ** 2 + 1e-6) + (v * (g / ry)) ** 2
        np.sqrt(grad, out=grad)
        cov: np.ndarray = 1.0 - r2
        nz = np.maximum(cov, 0.0)
        np.sqrt(nz, out=nz)
        cov /= grad
        cov += 0.5
        np.minimum(cov, 1.0, out=cov)
        if cut is not None:  # an anti-aliased edge where the cut runs, about ry px per unit v
            edge = (cut[0] + cut[1] * u * u - v) * (ry * self.k)
            if below:
                edge = -edge
            edge += 0.5
            cov = np.minimum(cov, np.minimum(np.maximum(edge, 0.0), 1.0))
        gu, gv = u * (rz / rx), v * (rz / ry)
        nx, ny = (gu * ca - gv * sa, gu * sa + gv * ca) if angle else (gu, gv)
        depth = nz * rz
        depth += z
        self._write(win, cov, depth, (nx, ny, nz), mat)

    def limb(
        self,
        p0: tuple[float, float],
        p1: tuple[float, float],
        r0: float,
        r1: float,
        mat: int,
        z0: float = 0.0,
        z1: float = 0.0,
    ) -> None:
        """A rolled sausage of clay, tapered: arms, legs, handles, bands."""
        r0, r1 = max(r0, 0.5), max(r1, 0.5)
        rm = max(r0, r1)
        ext = (
            min(p0[0], p1[0]) - rm,
            min(p0[1], p1[1]) - rm,
            max(p0[0], p1[0]) + rm,
            max(p0[1], p1[1]) + rm,
        )
        self._grow(*ext)
        win = self._window(*ext)
        i0, j0, i1, j1 = win
        if i1 <= i0 or j1 <= j0:
            return
        ex, ey = p1[0] - p0[0], p1[1] - p0[1]
        ll = max(1e-3, ex * ex + ey * ey)
        dx = self.xs[None, i0:i1] - p0[0]
        dy = self.ys[j0:j1, None] - p0[1]
        t = dx * (ex / ll) + dy * (ey / ll)
        np.maximum(t, 0.0, out=t)
        np.minimum(t, 1.0, out=t)
        qx, qy = dx - t * ex, dy - t * ey
        r = t * (r1 - r0)
        r += r0
        d = qx * qx + qy * qy
        np.sqrt(d, out=d)
        cov = r - d
        if self.k != 1:
            cov *= self.k
        cov += 0.5
        np.minimum(cov, 1.0, out=cov)
        d /= r
        qx /= r
        qy /= r
        nz = 1.0 - d * d
        np.maximum(nz, 0.0, out=nz)
        np.sqrt(nz, out=nz)
        depth = r * nz
        depth += t * (z1 - z0)
        depth += z0
        self._write(win, cov, depth, (qx, qy, nz), mat)

    def strip(self, pts: list[tuple[float, float, float]], r: float, mat: int) -> None:
        """A thin rope through (x, y, z) points: ear loops, brows, seams, straps."""
        for a, b in itertools.pairwise(pts):
            self.limb((a[0], a[1]), (b[0], b[1]), r, r, mat, z0=a[2], z1=b[2])

    def shade(self, img: Image, light: Studio, rng: np.random.Generator, blur: float = 0.0) -> None:
        """Light the G-buffer and lay it over `img`: the only place pixels are written."""
        i0, j0, i1, j1 = self.touched
        if i1 <= i0 or j1 <= j0:
            return
        if blur > 0:  # room for the soft edge of an out-of-focus prop
            pad = int(2.5 * blur) + 1
            j0, i0 = max(0, j0 - pad), max(0, i0 - pad)
            j1, i1 = min(self.cov.shape[0], j1 + pad), min(self.cov.shape[1], i1 + pad)
        sl = np.s_[j0:j1, i0:i1]
        cov, mat, z = self.cov[sl], self.mat[sl], self.z[sl]
        nx, ny, nz = self.nx[sl], self.ny[sl], self.nz[sl]
        h, w = cov.shape
        inside = cov > 0
        # texture is laid out on the whole canvas, not on what was drawn, so that adding a
        # hat leaves the lumps, grooves and fingerprints of the rest of the figure alone
        ch, cw = self.cov.shape
        size = ch
        if light.lump > 0:  # lumpy plasticine: smooth noise bent into the normals
            gh, gw = max(2, ch // 7 + 2), max(2, cw // 7 + 2)
            lumps = rng.standard_normal((2, gh, gw)).astype(np.float32) * light.lump
            nx += cv2.resize(lumps[0], (cw, ch), interpolation=cv2.INTER_CUBIC)[sl]
            ny += cv2.resize(lumps[1], (cw, ch), interpolation=cv2.INTER_CUBIC)[sl]
        yy, xx = self.ys[j0:j1, None], self.xs[None, i0:i1]
        for k, m in enumerate(self.mats):
            if m.groove <= 0 or m.groove_period * self.k < 2.2:  # finer would only alias
                continue
            sel = mat == k
            if not sel.any():
                continue
            ca, sa = math.cos(m.groove_angle), math.sin(m.groove_angle)
            f = 2 * math.pi / m.groove_period
            wave = np.sin(xx * (ca * f) + yy * (sa * f))
            wave *= sel
            nx += wave * (ca * m.groove)
            ny += wave * (sa * m.groove)
        for _ in range(int(rng.integers(0, 3)) if size > 24 else 0):  # a fingerprint
            fx = float(rng.uniform(0, cw)) - i0
            fy = float(rng.uniform(0, ch)) - j0
            fr = float(rng.uniform(0.03, 0.06)) * size + 3
            a0, b0 = max(0, int(fx - fr)), max(0, int(fy - fr))
            a1, b1 = min(w, int(fx + fr) + 1), min(h, int(fy + fr) + 1)
            if a1 <= a0 or b1 <= b0:
                continue
            ddx = np.arange(a0, a1, dtype=np.float32)[None] - fx
            ddy = np.arange(b0, b1, dtype=np.float32)[:, None] - fy
            rr = np.sqrt(ddx * ddx * 1.4 + ddy * ddy) + 1e-3
            ripple = np.sin(rr * 2.1) * np.maximum(1 - rr / fr, 0) * (0.25 / rr)
            nx[b0:b1, a0:a1] += ripple * ddx
            ny[b0:b1, a0:a1] += ripple * ddy
        inv = nx * nx + ny * ny + nz * nz
        inv += 1e-6
        np.sqrt(inv, out=inv)
        np.divide(1.0, inv, out=inv)
        lx, ly, lz = light.key
        diff = nx * lx + ny * ly + nz * lz
        diff *= inv * (1 / (1 + light.wrap))
        diff += light.wrap / (1 + light.wrap)
        np.maximum(diff, 0.0, out=diff)
        hx, hy, hz = lx, ly, lz + 1.0
        hn = 1.0 / math.sqrt(hx * hx + hy * hy + hz * hz)
        p = nx * (hx * hn) + ny * (hy * hn) + nz * (hz * hn)
        p *= inv
        np.maximum(p, 0.0, out=p)
        p *= p
        p *= p
        p *= p
        p8 = p
        p32 = p8 * p8
        p32 *= p32
        spec = np.take(np.array([m.spec * 0.5 for m in self.mats], np.float32), mat) * p8
        gloss = np.array([m.gloss * 1.5 for m in self.mats], np.float32)
        if gloss.any():
            spec += np.take(gloss, mat) * p32
        spec *= light.spec * 255
        # ambient occlusion: what lies deeper than its blurred neighbourhood is in a crease
        # (the mean depth of the covered neighbours only, so silhouettes stay unshaded)
        sig = max(1.0, size * 0.03)
        mask = inside.astype(np.float32)
        near: np.ndarray = cv2.GaussianBlur(
            np.where(inside, z, 0.0).astype(np.float32), (0, 0), sig
        )
        near /= np.maximum(cv2.GaussianBlur(mask, (0, 0), sig), 1e-3)
        ao: np.ndarray = (near - z) * (-1 / (3.0 * sig))
        np.maximum(ao, -0.55, out=ao)
        np.minimum(ao, 0.0, out=ao)
        ao += 1.0
        diff *= ao
        spec *= ao
        # (h, w, 3) arithmetic on same-shaped arrays: broadcasting a trailing axis is slow
        table = np.zeros((256, 1, 3), np.uint8)
        table[: len(self.mats), 0] = [m.color for m in self.mats]
        albedo = cv2.LUT(cv2.cvtColor(mat, cv2.COLOR_GRAY2BGR), table).astype(np.float32)
        ao *= 0.45
        ao += 0.55
        albedo *= cv2.cvtColor(ao, cv2.COLOR_GRAY2BGR)
        kb, kg, kr = light.key_col
        ab, ag, ar = light.ambient
        col: np.ndarray = albedo * cv2.merge([diff * kb + ab, diff * kg + ag, diff * kr + ar])
        if any(light.rim):
            rdx, rdy = light.rim_dir
            rim = 1.0 - nz * inv
            rim *= rim
            rim *= np.maximum((nx * rdx + ny * rdy) * inv, 0)
            rim *= 255
            rb, rg, rr_ = light.rim
            col += cv2.merge([spec * kb + rim * rb, spec * kg + rim * rg, spec * kr + rim * rr_])
        else:
            col += cv2.merge([spec * kb, spec * kg, spec * kr])
        if self.k != 1:  # back to frame pixels: canvas pixel j covers frame rows 2j, 2j+1
            ys0, xs0 = self.y0 + 2 * j0, self.x0 + 2 * i0
            h, w = min(2 * h, self.y1 - ys0), min(2 * w, self.x1 - xs0)
            col = cv2.resize(col, (2 * col.shape[1], 2 * col.shape[0]))[:h, :w]
            cov = cv2.resize(cov, (2 * cov.shape[1], 2 * cov.shape[0]))[:h, :w]
        else:
            ys0, xs0 = self.y0 + j0, self.x0 + i0
        region = img[ys0 : ys0 + h, xs0 : xs0 + w]
        under: np.ndarray = region.astype(np.float32)
        if blur > 0:
            col *= cv2.cvtColor(cov, cv2.COLOR_GRAY2BGR)
            pre = cv2.GaussianBlur(col, (0, 0), blur)
            a = cv2.GaussianBlur(cov, (0, 0), blur)
            under *= cv2.cvtColor(1 - a, cv2.COLOR_GRAY2BGR)
            under += pre
        else:  # outside the coverage this gives back exactly the pixels that were there
            col -= under
            col *= cv2.cvtColor(cov, cv2.COLOR_GRAY2BGR)
            under += col
        under += 0.5
        np.clip(under, 0, 255, out=under)
        region[:] = under.astype(np.uint8)


def contact_shadow(
    img: Image, cx: float, cy: float, rx: float, ry: float, light: Studio, depth: float = 0.5
) -> None:
    """A soft dark pool under what stands on the floor, pushed away from the key light."""
    cx -= light.key[0] * rx * 0.5
    h, w = img.shape[:2]
    x0, x1 = max(0, int(cx - 1.3 * rx)), min(w, int(cx + 1.3 * rx) + 1)
    y0, y1 = max(0, int(cy - 1.3 * ry)), min(h, int(cy + 1.3 * ry) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    u = (np.arange(x0, x1, dtype=np.float32) - cx) / max(rx, 1.0)
    v = (np.arange(y0, y1, dtype=np.float32) - cy) / max(ry, 1.0)
    a = depth * np.exp(-2.2 * (u[None] ** 2 + v[:, None] ** 2))
    region = img[y0:y1, x0:x1]
    region[:] = (region * (1.0 - a[..., None]) + 0.5).astype(np.uint8)


def pick(rng: np.random.Generator, options: tuple[Color, ...], jitter: int = 10) -> Color:
    """One of `options`, each channel nudged by up to `jitter` so no two props match."""
    r = rng.random(4).tolist()  # one draw: this runs dozens of times a frame
    base = options[min(len(options) - 1, int(r[0] * len(options)))]
    span = 2 * jitter + 1
    return (
        min(255, max(0, base[0] + int(r[1] * span) - jitter)),
        min(255, max(0, base[1] + int(r[2] * span) - jitter)),
        min(255, max(0, base[2] + int(r[3] * span) - jitter)),
    )


def darker(col: Color, k: float = 0.75) -> Color:
    return int(col[0] * k), int(col[1] * k), int(col[2] * k)
