"""Settings of the vision worker: the shared tree plus a `vision:` section."""

from pathlib import Path

from pydantic import Field, model_validator

from core.errors import PayloadError
from core.ids import Id, validate_id
from core.settings import ServiceSection, Settings, host_instance
from vision.card import DEFAULT_CARD
from vision.zones import CameraRules


class VisionSection(ServiceSection):
    instance: Id = Field(
        default_factory=lambda: host_instance("vision"), description="Unique per worker copy"
    )
    group: Id = Field(
        default="vision",
        description="Shared-subscription group (one worker, or a broker "
        "with hash strategies); unused when cameras are partitioned",
    )
    worker_index: int = Field(
        default=0, ge=0, description="This worker's index (BK_VISION__WORKER_INDEX)"
    )
    workers: int = Field(
        default=1,
        ge=1,
        le=1024,
        description="Number of vision workers partitioning the cameras (BK_VISION__WORKERS)",
    )
    known_cameras: list[str] | None = Field(
        default=None,
        description="Cameras as `site/camera`: each worker subscribes only to the frame "
        "topics of those it owns (no wasted bandwidth); absent: learned from the stream",
    )
    registry_file: Path | None = Field(
        default=None,
        description="Site registry (YAML): its camera devices are known cameras",
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

    @model_validator(mode="after")
    def _index_in_range(self) -> "VisionSection":
        if self.worker_index >= self.workers:
            raise ValueError(
                f"worker_index {self.worker_index} must be below workers {self.workers}"
            )
        for entry in self.known_cameras or []:
            site, sep, camera = entry.partition("/")
            if not sep:
                raise ValueError(f"known camera {entry[:80]!r} is not `site/camera`")
            try:
                validate_id(site, "site")
                validate_id(camera, "camera")
            except PayloadError as exc:
                raise ValueError(f"known camera {entry[:80]!r}: {exc.detail}") from exc
        return self


class VisionSettings(Settings):
    vision: VisionSection = Field(default_factory=VisionSection)
