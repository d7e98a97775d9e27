"""Settings of the ingest service: the shared tree plus an `ingest:` section."""

from pathlib import Path

from pydantic import Field, model_validator

from core.ids import Id
from core.settings import ServiceSection, Settings, host_instance


class IngestSection(ServiceSection):
    """What `bk ingest run` needs besides the broker and the store."""

    instance: Id = Field(
        default_factory=lambda: host_instance("ingest"),
        description="Instance id: unique per copy; fixes the MQTT client id (persistent session)",
    )
    group: Id = Field(default="ingest", description="Shared-subscription group of all copies")
    channels: list[str] = Field(
        default_factory=lambda: ["telemetry", "detections", "status", "alerts"],
        description="Which topics to ingest: telemetry, detections, status, alerts",
    )
    batch_max_points: int = Field(
        default=5000, ge=1, le=100_000, description="Write a batch when it holds this many points"
    )
    batch_max_messages: int = Field(
        default=2000, ge=1, le=60_000, description="... or this many messages"
    )
    batch_max_wait_s: float = Field(
        default=0.5, gt=0, le=60, description="... or when its oldest message waited this long"
    )
    max_pending_messages: int = Field(
        default=20_000,
        ge=2,
        le=65_535,
        description="Un-acknowledged messages held at most (sent as MQTT 5 Receive Maximum); "
        "when reached the broker stops sending: back-pressure, nothing dropped",
    )
    receipts: bool = Field(
        default=True,
        description="Send each device a store receipt (bk/v1/{site}/{device}/receipt) once "
        "its readings are written; edge agents delete their copy only then",
    )
    retry_min_s: float = Field(default=0.2, gt=0, description="First retry delay of a write")
    retry_max_s: float = Field(default=10.0, gt=0, description="Longest retry delay of a write")
    status_interval_s: float = Field(
        default=10.0, gt=0, le=3600, description="How often health and counters go out"
    )
    registry_file: Path | None = Field(
        default=None, description="Site registry (YAML); when set, unknown sites are refused"
    )

    @model_validator(mode="after")
    def _consistent(self) -> "IngestSection":
        known = {"telemetry", "detections", "status", "alerts"}
        unknown = sorted(set(self.channels) - known)
        if unknown or not self.channels:
            raise ValueError(f"channels must be among {sorted(known)}, got {self.channels}")
        if self.batch_max_messages >= self.max_pending_messages:
            raise ValueError(
                "batch_max_messages must be below max_pending_messages, or a batch could "
                "never fill before the broker stops sending"
            )
        if self.retry_max_s < self.retry_min_s:
            raise ValueError("retry_max_s must be >= retry_min_s")
        return self


class IngestSettings(Settings):
    """The settings tree of `bk ingest run`."""

    ingest: IngestSection = Field(default_factory=IngestSection, description="Ingest service")
