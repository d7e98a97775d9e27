"""Synthetic kitchen camera scenes with ground truth (OpenCV drawing, no assets)."""

from simulators.scenes.render import render_scene
from simulators.scenes.spec import (
    ALL_CLASSES,
    CLASSES,
    STYLES,
    GroundTruth,
    RodentSpec,
    SceneSpec,
    WorkerSpec,
)

__all__ = [
    "ALL_CLASSES",
    "CLASSES",
    "STYLES",
    "GroundTruth",
    "RodentSpec",
    "SceneSpec",
    "WorkerSpec",
    "render_scene",
]
