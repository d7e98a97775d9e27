"""Scene style `random2`: `random` on busier floors, with rodents that blend in.

Why: the shipped model found almost no rodent of the held-out `outline` style, yet
found the same rodents pasted onto a plain floor (12 of 12 at their card threshold,
against 3 of 12 on their own floor): a busy two-tone floor whose texture is about a
rodent's size hides them from a detector that only saw `random`'s axis-aligned tiles,
checkers and stripes. Real kitchen floors are busy too (anti-slip tiles, chequered,
patterned vinyl, drains and grates). So half of the floors here are redrawn as
generic two-tone textures at random scale and angle (rotated checker, zigzag, waves,
blobs of thresholded noise, dots), and about a third of the rodents are recoloured
towards the floor under them, keeping part of their own shading (a rat on a floor of
its own colour). Walls, workers, distractors and light are drawn as `random` draws
them. A separate style rather than a change to `random`, so data sets rendered from
`random` with a given seed stay reproducible. For training only; because the
`outline` style prompted it, `outline` is no longer blind for rodents (`blocky`
still is).
"""

import math

import cv2
import numpy as np

from simulators.scenes import style_random as base
from simulators.scenes.background import Layout
from simulators.scenes.compose import Box, Image, StyleKit

BUSY_FLOORS = 0.5
"""Share of floors redrawn as a busy two-tone texture."""
TEXTURES = ("diamond", "zigzag", "waves", "blobs", "dots")

CAMOUFLAGED = 0.35
"""Share of rodents recoloured towards the floor under them."""


def _two_tone(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two floor colours, mostly far apart (a busy floor), sometimes close."""
    a = rng.integers(0, 256, 3).astype(np.float32)
    if rng.random() < 0.75:
        b = np.clip(a + rng.choice([-1.0, 1.0]) * rng.uniform(60, 160), 0, 255)
        b = np.clip(b + rng.normal(0, 25, 3), 0, 255)
    else:
        b = rng.integers(0, 256, 3).astype(np.float32)
    return a, b


def busy_floor(img: Image, horizon: int, rng: np.random.Generator) -> str:
    """Redraw the floor (rows below `horizon`) as a two-tone texture; returns its kind."""
    h, w = img.shape[:2]
    if horizon >= h:
        return "none"
    s = h / 240.0
    kind = str(rng.choice(TEXTURES))
    ys, xs = np.mgrid[horizon:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, math.pi)
    u = xs * math.cos(angle) + ys * math.sin(angle)
    v = -xs * math.sin(angle) + ys * math.cos(angle)
    cell = float(rng.uniform(5, 26) * s)
    if kind == "diamond":  # a checker turned by any angle
        mask = ((np.floor(u / cell) + np.floor(v / cell)) % 2).astype(bool)
    elif kind == "zigzag":  # bands bent into a saw-tooth
        period = cell * rng.uniform(1.0, 3.0)
        tri = np.abs((u / period) % 2.0 - 1.0) * cell * rng.uniform(0.5, 2.0)
        mask = ((np.floor((v + tri) / cell)) % 2).astype(bool)
    elif kind == "waves":
        period = cell * rng.uniform(1.0, 4.0)
        wave = np.sin(u / period * 2 * math.pi) * cell * rng.uniform(0.3, 1.5)
        mask = ((np.floor((v + wave) / cell)) % 2).astype(bool)
    elif kind == "blobs":  # thresholded smooth noise: terrazzo, stains, camouflage
        small = rng.normal(0, 1, (max(2, int((h - horizon) / cell) + 2), max(2, int(w / cell) + 2)))
        noise = cv2.resize(
            small.astype(np.float32), (w, h - horizon), interpolation=cv2.INTER_CUBIC
        )
        mask = noise > np.median(noise)
    else:  # dots on a grid
        r = cell * rng.uniform(0.2, 0.45)
        du = (u % cell) - cell / 2
        dv = (v % cell) - cell / 2
        mask = du * du + dv * dv < r * r
    a, b = _two_tone(rng)
    floor = np.where(mask[..., None], b, a)
    img[horizon:h] = np.clip(floor + rng.normal(0, 3, floor.shape), 0, 255).astype(np.uint8)
    return kind


def background(width: int, height: int, rng: np.random.Generator) -> tuple[Image, Layout]:
    """`random`'s kitchen; half of the time its floor redrawn as a busy texture."""
    img, layout = base.background(width, height, rng)
    if rng.random() < BUSY_FLOORS:
        busy_floor(img, layout.horizon, rng)
    return img, layout


def rodent(img: Image, geom: tuple[float, float, float, float], rng: np.random.Generator) -> Box:
    """`random`'s rodent; about a third of them recoloured towards the floor."""
    camouflage = rng.random() < CAMOUFLAGED
    before = img.copy() if camouflage else None
    box = base.rodent(img, geom, rng)
    if before is None:
        return box
    drawn = np.any(img != before, axis=2)
    if not drawn.any():
        return box
    floor = before[drawn].astype(np.float32).mean(axis=0)
    pixels = img[drawn].astype(np.float32)
    detail = (pixels - pixels.mean(axis=0)) * rng.uniform(0.2, 0.6)
    offset = rng.uniform(-45, 45) + rng.normal(0, 8, 3)
    img[drawn] = np.clip(floor + offset + detail, 0, 255).astype(np.uint8)
    return box


KIT = StyleKit(
    name="random2",
    background=background,
    worker=base.worker,
    rodent=rodent,
    distractor=base.distractor,
    light=base.light,
    distractors=base.KIT.distractors,
)
