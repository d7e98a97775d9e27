"""The agent's local configuration file (`bk edge run --config agent.yaml`).

One pydantic tree on top of the shared `core.settings.Settings` (broker, logging,
data dir): the `agent` section names the site and device, the buffer bounds, the
sensors and cameras. Sensor and camera entries are typed: an open tagged union on
`type`, each member the plugin's own `config_model` (extra="forbid"; entry points
`bk.edge.sensors` / `bk.edge.cameras`, or `register_driver`), so a plugin driver brings
its config with it and a misspelt field is refused by name, as precisely as one in the
broker port. Only the plugins the file names are imported.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    SerializeAsAny,
    model_validator,
)
from pydantic_core import PydanticCustomError

from core.errors import ConfigError
from core.ids import Id
from core.schemas import CameraSettings
from core.settings import Settings, load_settings
from edge.drivers.base import CAMERA_GROUP, SENSOR_GROUP, DriverConfig, driver_config


def _typed_driver(group: str) -> Callable[[Any], DriverConfig]:
    def validate(value: Any) -> DriverConfig:
        if not isinstance(value, dict | DriverConfig):
            raise PydanticCustomError("driver_entry", "a driver entry must be a mapping")
        try:
            return driver_config(group, value)
        except ConfigError as exc:
            raise PydanticCustomError("driver_config", "{detail}", {"detail": str(exc)}) from exc

    return validate


SensorConfig = Annotated[SerializeAsAny[DriverConfig], PlainValidator(_typed_driver(SENSOR_GROUP))]
"""A sensor entry, typed by its driver's `config_model` (chosen by `type`)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BufferConfig(_Section):
    max_readings: int = Field(
        default=1_000_000, ge=10, description="Most readings kept on disk; oldest dropped first"
    )
    max_age_s: float = Field(
        default=7 * 86400, gt=0, description="Readings older than this are dropped unsent"
    )
    synchronous: Literal["full", "normal"] = Field(
        default="full",
        description="SQLite sync: full survives power cuts, normal only process crashes",
    )


class PublishConfig(_Section):
    batch_max: int = Field(
        default=500, ge=1, le=1000, description="Most readings in one telemetry message"
    )
    max_inflight: int = Field(
        default=20, ge=1, le=1000, description="Telemetry messages awaiting PUBACK at once"
    )
    linger_s: float = Field(
        default=0.2, ge=0, le=60, description="Wait this long to gather readings into a batch"
    )
    confirm: Literal["receipt", "puback"] = Field(
        default="receipt",
        description="Delete buffered readings when the centre's store receipt names them "
        "(receipt), or already on the broker's PUBACK (puback: only without an ingest that "
        "sends receipts; a broker restart can then lose readings)",
    )
    receipt_timeout_s: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Send a batch again if no store receipt came this long after its PUBACK",
    )
    receipt_timeout_max_s: float = Field(
        default=300.0, gt=0, le=86400, description="Longest wait (doubles while unconfirmed)"
    )


class CameraEntry(_Section):
    """A camera: its driver config (typed by the plugin's model) and publish settings.

    The driver's fields sit beside `publish` in the file; they are checked against the
    camera plugin's `config_model` (extra="forbid") when the entry is read, and the
    typed result is `driver`.
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="Camera driver type: sim, opencv")
    id: Id = Field(description="Camera id (also the device id of its frame topic)")
    publish: CameraSettings = Field(
        default_factory=CameraSettings,
        description="Frame rate limit, resize, JPEG quality, motion gating",
    )

    _driver: DriverConfig | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _typed(self) -> "CameraEntry":
        try:
            self._driver = driver_config(CAMERA_GROUP, self.driver_spec())
        except ConfigError as exc:
            raise ValueError(str(exc)) from exc
        return self

    @property
    def driver(self) -> DriverConfig:
        """The typed driver config (the plugin's model)."""
        if self._driver is None:
            self._driver = driver_config(CAMERA_GROUP, self.driver_spec())
        return self._driver

    def driver_spec(self) -> dict[str, Any]:
        data = self.model_dump(exclude={"publish"})
        data.update(self.model_extra or {})
        data.setdefault("interval_s", 1.0 / self.publish.fps)
        return data


class InferenceConfig(_Section):
    hook: str = Field(
        description="Import path `module:factory` of an on-edge inference hook (optional)"
    )
    options: dict[str, Any] = Field(default_factory=dict, description="Passed to the factory")


class AgentConfig(_Section):
    site: Id = Field(description="Site (kitchen) id")
    device: Id = Field(description="This agent's device id")
    heartbeat_s: float = Field(default=30.0, ge=1, le=3600, description="Status heartbeat")
    buffer: BufferConfig = Field(default_factory=BufferConfig, description="Disk buffer bounds")
    publish: PublishConfig = Field(default_factory=PublishConfig, description="Telemetry batches")
    sensors: list[SensorConfig] = Field(
        default_factory=list, description="Sensor drivers (type picks the plugin and its config)"
    )
    cameras: list[CameraEntry] = Field(default_factory=list, description="Cameras")
    inference: InferenceConfig | None = Field(default=None, description="On-edge inference")
    remote_config: bool = Field(
        default=True, description="Follow the retained config topic (sampling, cameras)"
    )
    state_dir: Path | None = Field(
        default=None, description="Buffer and last good config; default <data_dir>/edge-<device>"
    )
    metrics_port: int = Field(
        default=0, ge=0, le=65535, description="Prometheus /metrics port; 0 = off"
    )
    metrics_host: str = Field(default="127.0.0.1", description="Address of the metrics endpoint")

    @model_validator(mode="after")
    def _unique_ids(self) -> "AgentConfig":
        ids = [s.id for s in self.sensors] + [c.id for c in self.cameras]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate sensor/camera ids: {', '.join(dupes)}")
        return self


class EdgeSettings(Settings):
    """Settings of `bk edge run`: the shared tree plus the `agent` section."""

    # Optional so that a tree without it (the environment alone) still loads;
    # `load_edge_settings` insists on it with a sentence, not a pydantic report.
    agent: AgentConfig | None = Field(default=None, description="The edge agent")

    @property
    def edge(self) -> AgentConfig:
        if self.agent is None:
            raise ConfigError("the settings have no 'agent' section (site, device, sensors)")
        return self.agent

    def state_path(self) -> Path:
        return self.edge.state_dir or (self.data_dir / f"edge-{self.edge.device}")


def load_edge_settings(path: Path | str | None) -> EdgeSettings:
    """Load and validate agent.yaml (+ BK_ environment); ConfigError with a readable report."""
    settings = load_settings(path, cls=EdgeSettings)
    settings.edge  # noqa: B018 - raises ConfigError when the section is missing
    return settings
