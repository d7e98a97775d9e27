"""Dispatch a scene to the drawing style its spec names (all but `classic`)."""

import importlib

import numpy as np

from simulators.scenes.compose import Image, StyleKit, compose
from simulators.scenes.spec import STYLES, GroundTruth, SceneSpec


def kit(style: str) -> StyleKit:
    """The drawing kit of a style; ValueError for an unknown one."""
    if style not in STYLES or style == "classic":
        raise ValueError(f"unknown scene style {style!r}; styles: {', '.join(STYLES)}")
    module = importlib.import_module(f"simulators.scenes.style_{style}")
    found: StyleKit = module.KIT
    return found


def render_styled(spec: SceneSpec, rng: np.random.Generator) -> tuple[Image, list[GroundTruth]]:
    return compose(spec, rng, kit(spec.style))
