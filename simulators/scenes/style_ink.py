"""`ink`, a training style: a kitchen camera frame painted in Chinese ink and watercolour.

The look: rice paper with fibres and a tone drawn per frame, a limited palette (indigo,
ochre, sepia, celadon, vermilion or plain ink greys), colour washes with mottled pigment,
darker pooled rims and wet edges that bleed a little past their shapes, brush outlines of
varying width and dryness, and ink splatters. By night the painting sinks under a dark
grey-blue wash (sometimes a lamp's warm pool); the infrared night is a near-monochrome
grey with a brighter centre. Workers wear tall pleated toques, paper caps, mob caps,
bandanas or kitchen caps, and surgical, cloth or cup masks, over coats and aprons of many
colours; rodents are grey, brown or black brush animals.

Why: as training data it shows a detector the same hygiene violations (a head without a
chef hat, a head without a mask, a rodent) in a look far from any photographic renderer,
so it has to learn shapes rather than one renderer's look. Its hard negatives (bowls,
buns, cloths, a hat on a shelf, cabbages, sacks, a cat, a mop, shadows, steam) are never
labelled. Drawn by its own code (`style_ink_paint`, `style_ink_people`,
`style_ink_scene`).
"""

import cv2
import numpy as np

from simulators.scenes.compose import StyleKit
from simulators.scenes.style_ink_paint import U8, noise
from simulators.scenes.style_ink_people import rodent, worker
from simulators.scenes.style_ink_scene import DISTRACTORS, background, distractor

__all__ = ["KIT", "background", "distractor", "light", "rodent", "worker"]

_GY, _GX = np.mgrid[0:30, 0:40].astype(np.float32)


def _radial(rng: np.random.Generator, h: int, w: int, spread: float) -> np.ndarray:
    """A soft pool of light (1 at its centre, falling towards 0) at a random centre."""
    cy, cx = rng.uniform(9, 21), rng.uniform(12, 28)
    d2 = ((_GY - cy) / 30) ** 2 + ((_GX - cx) / 40) ** 2
    small = np.exp(-d2 / (2 * spread**2)).astype(np.float32)
    out: np.ndarray = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return out


def light(img: U8, rng: np.random.Generator, night: bool, ir: bool) -> U8:
    """Paper, tint and camera look applied last; night is dark grey-blue, IR near grey."""
    h, w = img.shape[:2]
    src = cv2.GaussianBlur(img, (3, 3), 0) if rng.random() < 0.35 else img  # soft focus
    if not night:
        if rng.random() < 0.4:  # unpainted paper showing at the margins
            edge = 1.0 - _radial(rng, h, w, float(rng.uniform(0.35, 0.6)))
            a = np.clip(edge - 0.4, 0, 1) * float(rng.uniform(0.2, 0.5))
            paper = np.empty_like(src)
            paper[:] = (218, 230, 236)
            src = cv2.blendLinear(src, paper, 1.0 - a, a)
        lin = np.arange(256, dtype=np.float32) / 255.0
        gains = (1.0 + rng.normal(0, 0.04, 3)) * rng.uniform(0.88, 1.08)
        gamma = float(rng.uniform(0.85, 1.15))
        lut = np.stack([255.0 * np.clip(lin**gamma * g, 0, 1) for g in gains], axis=1)
        out: U8 = cv2.LUT(src, (lut + 0.5).astype(np.uint8)[:, None, :])
        return out
    grey_w = np.array([[0.114, 0.587, 0.299]], np.float32)
    if not ir:  # a dark grey-blue wash, sometimes a lamp's warm pool
        mixm = 0.55 * np.eye(3, dtype=np.float32) + 0.45 * np.repeat(grey_w, 3, axis=0)
        dark = float(rng.uniform(0.26, 0.42))
        gain = np.array([1.0, 0.86, 0.72], np.float32) * dark
        m = np.hstack([gain[:, None] * mixm, np.array([[14.0], [8.0], [4.0]], np.float32)])
        out = cv2.transform(src, m)
        if rng.random() < 0.5:
            pool = _radial(rng, h, w, float(rng.uniform(0.2, 0.35)))
            warm = np.array([1.2, 1.45, 1.7], np.float32)[:, None] * m
            out = cv2.blendLinear(out, cv2.transform(src, warm), 1.0 - pool, pool)
        small = np.clip(rng.normal(0, 3.0, (h // 4 + 1, w // 4 + 1)) + 3, 0, 12).astype(np.uint8)
        speck = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
        return cv2.add(out, cv2.merge([speck, speck // 2, speck // 4]))
    grey = cv2.cvtColor(src, cv2.COLOR_BGR2GRAY).astype(np.float32)
    g = grey * (1.0 + 0.04 * noise(rng, h, w, 0.5)) * float(rng.uniform(0.42, 0.6))
    g *= 0.6 + 0.7 * _radial(rng, h, w, float(rng.uniform(0.3, 0.5)))
    g += rng.normal(0, 4.0, (h, w)).astype(np.float32)
    g8 = np.clip(g, 0, 255).astype(np.uint8)
    tint = np.diag(1.0 + rng.uniform(-0.02, 0.02, 3)).astype(np.float32)
    return cv2.transform(cv2.cvtColor(g8, cv2.COLOR_GRAY2BGR), tint)


KIT = StyleKit(
    name="ink",
    background=background,
    worker=worker,
    rodent=rodent,
    distractor=distractor,
    light=light,
    distractors=DISTRACTORS,
)
