"""Scene style `random2`: `random`, with rodents that often blend into the floor.

Why: a rat on a real kitchen floor is often nearly the floor's own colour (grey on
grey tiles, brown on brown), and a detector trained only on rodents that stand out
learns contrast, not shape: the shipped model found almost none of the pale mice
of a held-out style on a two-tone floor. Here about a third of the rodents are
recoloured towards the floor under them, keeping part of their own shading (ears,
eye, ink, legs) at reduced contrast. Everything else is drawn exactly as `random`
draws it. A separate style rather than a change to `random`, so data sets rendered
from `random` with a given seed stay reproducible. For training only.
"""

import numpy as np

from simulators.scenes import style_random as base
from simulators.scenes.compose import Box, Image, StyleKit

CAMOUFLAGED = 0.35
"""Share of rodents recoloured towards the floor under them."""


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
    background=base.background,
    worker=base.worker,
    rodent=rodent,
    distractor=base.distractor,
    light=base.light,
    distractors=base.KIT.distractors,
)
