"""Settings of the vision worker: the shared tree plus a `vision:` section."""

import socket
from pathlib import Path

from pydantic import Field

from core.ids import Id
from core.settings import Settings, _Section
from vision.card import DEFAULT_CARD
from vision.zones import CameraRules


def _default_instance() -> str:
    host = "".join(c if c.isalnum() or c in "-_" else "-" for c in socket.gethostname().lower())
    return (host.strip("-_") or "vision")[:40]


class VisionSection(_Section):
    instance: Id = Field(default_factory=_default_instance, description="Unique per worker copy")
    group: Id = Field(default="vision", description="Shared-subscription group of all workers")
    card: Path = Field(default=DEFAULT_CARD, description="Model card (YAML) beside its ONNX file")
    threads: int = Field(default=1, ge=1, le=64, description="onnxruntime intra-op threads")
    evidence_dir: Path = Field(default=Path("var/evidence"), description="Evidence store directory")
    retrain_dir: Path = Field(default=Path("var/retrain"), description="False positives filed here")
    cameras: dict[str, CameraRules] = Field(
        default_factory=dict,
        description="Per camera (`site/camera` or `camera`): zones, persistence",
    )
    default_rules: CameraRules = Field(default_factory=CameraRules)


class VisionSettings(Settings):
    vision: VisionSection = Field(default_factory=VisionSection)
