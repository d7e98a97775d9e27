"""Domain randomisation and the named perturbations a model card reports.

`randomise` draws a random mix for training data (blur, motion blur, low light,
infrared grey, glare, steam haze, colour shift, zoom 0.3-1.5x, JPEG quality 20-95), so a
detector cannot lean on one renderer's clean colours. `PERTURBATIONS` are fixed,
named conditions for evaluation (half scale, haze, low light, blur, JPEG 30): the card
reports recall under each. Every function takes and returns (image, boxes) with boxes
as an (N, 4) array in pixels, moved when the picture is zoomed.
"""

from collections.abc import Callable

import cv2
import numpy as np

Image = np.ndarray
Boxes = np.ndarray


def zoom(
    img: Image, boxes: Boxes, s: float, cx: float = 0.5, cy: float = 0.5
) -> tuple[Image, Boxes]:
    """Scale the picture by s inside a same-size frame (grey padding when s < 1, a crop
    when s > 1), centred on (cx, cy) as fractions; boxes follow."""
    h, w = img.shape[:2]
    nw, nh = max(4, round(w * s)), max(4, round(h * s))
    small = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    ox, oy = round((w - nw) * cx), round((h - nh) * cy)
    out = np.full_like(img, 114)
    x0, y0, x1, y1 = max(0, ox), max(0, oy), min(w, ox + nw), min(h, oy + nh)
    out[y0:y1, x0:x1] = small[y0 - oy : y1 - oy, x0 - ox : x1 - ox]
    b = boxes.astype(np.float64).reshape(-1, 4) * s + np.array([ox, oy, ox, oy], np.float64)
    return out, b


def haze(img: Image, rng: np.random.Generator | None = None, amount: float = 0.45) -> Image:
    """Steam and haze: the picture blended toward a bright grey, thickest at the top."""
    h = img.shape[0]
    a = amount * np.linspace(1.0, 0.55, h, dtype=np.float32)[:, None, None]
    if rng is not None:
        a = a * rng.uniform(0.7, 1.2)
    out: Image = np.clip(img * (1 - a) + 225 * a, 0, 255).astype(np.uint8)
    return out


def low_light(img: Image, rng: np.random.Generator | None = None, gain: float = 0.3) -> Image:
    """A dim kitchen: gain down, sensor noise up."""
    r = rng if rng is not None else np.random.default_rng(0)
    f = img.astype(np.float32) * gain + r.normal(0, 4, img.shape)
    return np.clip(f, 0, 255).astype(np.uint8)


def blur(img: Image, rng: np.random.Generator | None = None, k: int = 5) -> Image:
    """Defocus (Gaussian) or, with a generator, sometimes motion blur along a line."""
    k = max(3, k | 1)
    if rng is not None and rng.random() < 0.5:
        kern = np.zeros((k, k), np.float32)
        kern[k // 2, :] = 1.0 / k
        m = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
        line = np.asarray(cv2.warpAffine(kern, m, (k, k)), np.float32)
        return np.asarray(cv2.filter2D(img, -1, line / max(1e-6, float(line.sum()))))
    return cv2.GaussianBlur(img, (k, k), 0)


def jpeg(img: Image, quality: int) -> Image:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR))


def glare(img: Image, rng: np.random.Generator) -> Image:
    """A saturated light reflection somewhere in the picture."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    sx, sy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.05, 0.2) * w
    g = np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * r * r))[..., None]
    out: Image = np.clip(img + 220 * g, 0, 255).astype(np.uint8)
    return out


def infrared(img: Image, rng: np.random.Generator) -> Image:
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    grey = grey * rng.uniform(0.6, 1.0) + rng.uniform(0, 30) + rng.normal(0, 5, grey.shape)
    return np.repeat(np.clip(grey, 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def colour_shift(img: Image, rng: np.random.Generator) -> Image:
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV).astype(np.int32)
    hsv[..., 0] = (hsv[..., 0] + int(rng.integers(-12, 13))) % 180
    hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(0.6, 1.4), 0, 255)
    out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR).astype(np.float32)
    out *= rng.uniform(0.85, 1.15, size=3).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def randomise(img: Image, boxes: Boxes, rng: np.random.Generator) -> tuple[Image, Boxes]:
    """A random mix of the conditions a kitchen camera meets (training data)."""
    if rng.random() < 0.35:
        s = float(np.exp(rng.uniform(np.log(0.3), np.log(1.5))))
        img, boxes = zoom(img, boxes, s, float(rng.uniform(0, 1)), float(rng.uniform(0, 1)))
    if rng.random() < 0.3:
        img = colour_shift(img, rng)
    if rng.random() < 0.15:
        img = haze(img, rng, float(rng.uniform(0.2, 0.55)))
    if rng.random() < 0.1:
        img = glare(img, rng)
    if rng.random() < 0.15:
        img = low_light(img, rng, float(rng.uniform(0.2, 0.6)))
    elif rng.random() < 0.08:
        img = infrared(img, rng)
    if rng.random() < 0.2:
        img = blur(img, rng, int(rng.integers(3, 8)))
    img = jpeg(img, int(rng.integers(20, 96)))
    return img, boxes


PERTURBATIONS: dict[str, Callable[[Image, Boxes], tuple[Image, Boxes]]] = {
    "half_scale": lambda im, b: zoom(im, b, 0.5),
    "haze": lambda im, b: (haze(im), b),
    "low_light": lambda im, b: (low_light(im), b),
    "blur": lambda im, b: (blur(im), b),
    "jpeg30": lambda im, b: (jpeg(im, 30), b),
}
"""Fixed conditions for evaluation, by the names the card reports."""
