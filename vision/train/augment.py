"""Training-time picture augmentations: zoom, random looks, random convolutions.

Each takes a CHW uint8 picture (as the training loop holds them) and a seeded
generator, so a training run stays deterministic and resumable.
"""

import cv2
import numpy as np

SCALE_JITTER = (0.5, 1.5)
"""The default zoom range of `--scale-jitter`; `--scale-min` and `--scale-max` move it."""


def scale_jitter(
    img: np.ndarray, tgt: np.ndarray, rng: np.random.Generator, lo: float, hi: float
) -> tuple[np.ndarray, np.ndarray]:
    """Zoom a CHW uint8 picture by s in [lo, hi] about a random point (pad 114 when
    shrinking, crop when enlarging); boxes follow, those left mostly outside are dropped.
    Teaches the detector small and large workers (the card's half-scale figure)."""
    _c, h, w = img.shape
    s = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    nw, nh = max(8, int(w * s)), max(8, int(h * s))
    hwc = cv2.resize(img.transpose(1, 2, 0), (nw, nh), interpolation=cv2.INTER_AREA)
    ox = int(rng.integers(min(0, w - nw), max(0, w - nw) + 1))
    oy = int(rng.integers(min(0, h - nh), max(0, h - nh) + 1))
    canvas = np.full((h, w, 3), 114, np.uint8)
    x0, y0 = max(0, ox), max(0, oy)
    x1, y1 = min(w, ox + nw), min(h, oy + nh)
    canvas[y0:y1, x0:x1] = hwc[y0 - oy : y1 - oy, x0 - ox : x1 - ox]
    out = tgt.copy()
    if len(out):
        out[:, 1:] = out[:, 1:] * s + np.array([ox, oy, ox, oy], np.float64)
        area = (out[:, 3] - out[:, 1]) * (out[:, 4] - out[:, 2])
        out[:, [1, 3]] = out[:, [1, 3]].clip(0, w)
        out[:, [2, 4]] = out[:, [2, 4]].clip(0, h)
        kept = (out[:, 3] - out[:, 1]) * (out[:, 4] - out[:, 2])
        ok = (kept >= 0.6 * np.maximum(area, 1e-6)) & (out[:, 3] - out[:, 1] >= 2)
        ok &= out[:, 4] - out[:, 2] >= 2
        out = out[ok]
    return canvas.transpose(2, 0, 1), out


def stylise(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Redraw a CHW uint8 picture in a random look: remapped channel curves (palette),
    posterised flat colours, dark outlines along its edges, or grey. Teaches shapes
    rather than one renderer's colours, so a detector has a chance on scene styles it
    never saw (the held-out style is never used here)."""
    hwc = np.ascontiguousarray(img.transpose(1, 2, 0))
    if rng.random() < 0.6:
        knots = np.sort(rng.uniform(0, 255, size=(3, 3)), axis=1)
        lut = np.stack(
            [
                np.interp(np.arange(256), [0, *k, 255], [0, *np.sort(rng.uniform(0, 255, 3)), 255])
                for k in knots
            ],
            1,
        ).astype(np.uint8)
        hwc = np.stack([lut[:, c][hwc[:, :, c]] for c in range(3)], 2)
    if rng.random() < 0.25:
        levels = int(rng.integers(3, 7))
        step = 256 // levels
        hwc = (hwc // step * step + step // 2).astype(np.uint8)
    if rng.random() < 0.3:
        grey = cv2.cvtColor(hwc, cv2.COLOR_BGR2GRAY)
        edges = cv2.Canny(grey, 40, 120) > 0
        hwc = hwc.copy()
        hwc[edges] = rng.integers(0, 80, size=3).astype(np.uint8)
    if rng.random() < 0.15:
        hwc = np.repeat(cv2.cvtColor(hwc, cv2.COLOR_BGR2GRAY)[:, :, None], 3, axis=2)
    return np.ascontiguousarray(hwc.transpose(2, 0, 1))


RANDCONV_KERNELS = (1, 3, 5, 7)


def random_convolution(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pass a CHW uint8 picture through a random 3-to-3 channel convolution (kernel 1,
    3, 5 or 7, Gaussian weights), rescale it to the picture's own brightness and
    contrast, and blend it with the original by a random share.

    RandConv (Xu et al., ICLR 2021): a random filter keeps the outlines of shapes but
    redraws their local texture and colour, which is what differs most between a
    drawn style the detector knows and one it never saw (clay, a camera's noise, ink).
    `stylise` changes colours and edges globally; this changes textures, so the two
    complement each other."""
    k = int(rng.choice(RANDCONV_KERNELS))
    weights = rng.normal(0.0, 1.0 / np.sqrt(3 * k * k), size=(3, 3, k, k)).astype(np.float32)
    src = img.astype(np.float32)
    out = np.zeros_like(src)
    for o in range(3):
        for i in range(3):
            out[o] += cv2.filter2D(src[i], -1, weights[o, i], borderType=cv2.BORDER_REFLECT)
    mean, spread = float(src.mean()), float(src.std())
    centred = out - out.mean(axis=(1, 2), keepdims=True)
    scale = centred.std(axis=(1, 2), keepdims=True) + 1e-6
    redrawn = centred / scale * spread + mean
    share = float(rng.uniform(0.0, 1.0))
    mixed = share * src + (1.0 - share) * redrawn
    result: np.ndarray = np.clip(mixed, 0, 255).astype(np.uint8)
    return result


def augment_picture(
    img: np.ndarray,
    rows: np.ndarray,
    rng: np.random.Generator,
    zoom: tuple[float, float] | None,
    stylise_share: float,
    randconv_share: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The per-picture augmentations of a training run, in their fixed order: a zoom
    (60 % of pictures, when `zoom` is set), a random look, a random convolution. One
    function for the on-disk and the online training paths, so both draw the same."""
    if zoom is not None and rng.random() < 0.6:
        img, rows = scale_jitter(img, rows, rng, *zoom)
    if rng.random() < stylise_share:
        img = stylise(img, rng)
    if randconv_share > 0 and rng.random() < randconv_share:
        img = random_convolution(img, rng)
    return img, rows
