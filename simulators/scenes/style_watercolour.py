"""`watercolour`, a training style: a kitchen painted in transparent watercolour on paper.

Each frame is a painting on cold-press paper: soft, uneven washes that pool darker at
their edges, a second colour bled into the wall while it was wet, granulation and paper
grain, white paper left unpainted for the light (windows, white coats, toques, masks),
a few loose pencil under-drawing lines, and now and then a splatter or a back-run.
Workers are loosely painted figures of several builds and skin tones whose heads are a
warm wash with a darker wet edge and a few dabs for the face; hats (toques, skull caps,
hairnets, paper caps) and masks (surgical, cloth, N95 in white, blue, black or a pattern)
are washes over the head; rodents are grey-brown washes with a dark edge, ears and a tail
stroke. Night is a dim indigo glaze over everything, infrared a near-grey page with a
brighter centre. Why: a detector that only saw opaque, hard-edged shapes must learn heads,
hats, masks and rodents from transparent colour, soft edges and texture too, and the hard
negatives (white cloths, aprons, bowls, plates, steam, shadows, a cat, a hat or mask on a
shelf, posters with faces, grey blots) are painted the same way so the medium is no cue.
"""

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.compose import StyleKit
from simulators.scenes.style_watercolour_paint import grain
from simulators.scenes.style_watercolour_people import draw_rodent, draw_worker
from simulators.scenes.style_watercolour_props import (
    DISTRACTORS,
    draw_background,
    draw_distractor,
)

_VIGNETTE: dict[tuple[int, int], np.ndarray] = {}


def _vignette(h: int, w: int) -> np.ndarray:
    """1 at the centre falling to about 0.35 in the corners (cached per frame size)."""
    key = (h, w)
    if key not in _VIGNETTE:
        ys = (np.arange(h, dtype=np.float32) - (h - 1) / 2) / max(1.0, h / 2)
        xs = (np.arange(w, dtype=np.float32) - (w - 1) / 2) / max(1.0, w / 2)
        r2 = ys[:, None] ** 2 + xs[None, :] ** 2
        _VIGNETTE[key] = np.exp(-0.55 * r2).astype(np.float32)
    return _VIGNETTE[key]


def _paper(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """The cold-press grain over the whole painting (0.93..1.03), cut at a random spot."""
    ox, oy = int(rng.integers(0, 256)), int(rng.integers(0, 256))
    out: np.ndarray = 0.93 + 0.1 * grain(h, w, ox, oy)
    return out


def light(img: np.ndarray, rng: np.random.Generator, night: bool, ir: bool) -> np.ndarray:
    """Paper grain by day, an indigo glaze at night, a grey page with a bright centre in IR."""
    h, w = img.shape[:2]
    if h == 0 or w == 0:
        return img.copy()
    paper = _paper(h, w, rng)
    if night and ir:
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
        gain = float(rng.uniform(0.75, 1.0))
        v = grey * paper * (0.3 + 0.75 * _vignette(h, w)) * gain + float(rng.uniform(0, 12))
        tint = float(rng.uniform(-2, 2))
        out = np.stack([v, v, v + tint], axis=2)
        ir_img: np.ndarray = np.clip(out, 0, 255).astype(np.uint8)
        return ir_img
    out = img.astype(np.float32) * paper[..., None]
    if night:
        glaze = np.array([0.62, 0.45, 0.4], np.float32) * float(rng.uniform(0.55, 0.8))
        glaze += rng.uniform(-0.04, 0.04, 3).astype(np.float32)
        out *= glaze
        out *= (0.55 + 0.45 * _vignette(h, w))[..., None]
    else:
        out *= (1.0 + rng.uniform(-0.04, 0.04, 3)).astype(np.float32)
    lit: np.ndarray = np.clip(out, 0, 255).astype(np.uint8)
    return lit


def background(w: int, h: int, rng: np.random.Generator) -> tuple[np.ndarray, Layout]:
    """The painted kitchen page (see `style_watercolour_props.draw_background`)."""
    return draw_background(w, h, rng)


KIT = StyleKit(
    name="watercolour",
    background=background,
    worker=draw_worker,
    rodent=draw_rodent,
    distractor=draw_distractor,
    light=light,
    distractors=DISTRACTORS,
)
