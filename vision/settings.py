"""Settings of the vision worker: the shared tree plus a `vision:` section."""

from pathlib import Path

from pydantic import Field

from core.ids import Id
from core.settings import CameraWorkerSection, Settings, host_instance
from vision.card import DEFAULT_CARD
from vision.zones import CameraRules


class VisionSection(CameraWorkerSection):
    """What `bk vision run` needs besides the broker (`BK_VISION__...`)."""

    instance: Id = Field(
        default_factory=lambda: host_instance("vision"), description="Unique per worker copy"
    )
    group: Id = Field(
        default="vision",
        description="Shared-subscription group (one worker, or a broker "
        "with hash strategies); unused when cameras are partitioned",
    )
    card: Path = Field(default=DEFAULT_CARD, description="Model card (YAML) beside its ONNX file")
    threads: int = Field(default=1, ge=1, le=64, description="onnxruntime intra-op threads")
    provider: str | None = Field(
        default=None,
        description="Execution provider for this box (onnxruntime: cpu, openvino, cuda, "
        "tensorrt, auto), overriding the card's runtime.provider (BK_VISION__PROVIDER)",
    )
    evidence_dir: Path = Field(default=Path("var/evidence"), description="Evidence store directory")
    retrain_dir: Path = Field(default=Path("var/retrain"), description="False positives filed here")
    cameras: dict[str, CameraRules] = Field(
        default_factory=dict,
        description="Per camera (`site/camera` or `camera`): zones, persistence",
    )
    default_rules: CameraRules = Field(default_factory=CameraRules)


class VisionSettings(Settings):
    vision: VisionSection = Field(default_factory=VisionSection)
