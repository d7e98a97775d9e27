"""The driver interface between the edge agent and the things it reads.

Shape borrowed from Frigate's detectors and Telegraf's inputs: a driver is a pair of a
pydantic config (with `type`) and a class with one abstract method. Drivers are
found through entry points (`bk.edge.sensors`, `bk.edge.cameras`), so the simulators
plug their devices in exactly like Modbus or 1-wire hardware, and the edge agent
never imports `simulators/`.

Drivers take `now` from the caller: the agent passes the wall clock, a simulation
passes its simulated clock, and both exercise the same code path.
"""

import importlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ConfigError
from core.ids import Id
from core.schemas import SensorKind

SENSOR_GROUP = "bk.edge.sensors"
CAMERA_GROUP = "bk.edge.cameras"

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Image: TypeAlias = npt.NDArray[np.uint8]
else:
    # numpy (and OpenCV with it: ~30 MB of RSS) is imported only by agents that have a
    # camera; at run time the alias is only ever read in annotations.
    Image = Any


@dataclass(frozen=True, slots=True)
class Sample:
    """One measured value before the agent numbers it and batches it."""

    sensor: str
    kind: SensorKind
    value: float
    unit: str
    ts: datetime
    zone: str | None = None


class DriverConfig(BaseModel):
    """Fields every driver config has; plugins subclass it and add their own."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(
        description="Driver type (entry-point name: sim, modbus, onewire, opencv) "
        "or an import path 'package.module:Class'"
    )
    id: Id = Field(description="Sensor or camera id, unique on this agent")
    interval_s: float = Field(default=10.0, ge=0.1, le=86400, description="Sampling interval")
    zone: Id | None = Field(default=None, description="Zone the device watches")


class SensorDriver(ABC):
    """Reads one or more values per call. Raise OSError/TimeoutError on a failed read."""

    type_key: ClassVar[str]
    config_model: ClassVar[type[DriverConfig]] = DriverConfig

    def __init__(self, config: DriverConfig) -> None:
        self.config = config

    def open(self) -> None:  # noqa: B027 - optional hook
        """Acquire the device; raise ConfigError if it cannot work with this config."""

    @abstractmethod
    def read(self, now: datetime) -> list[Sample]:
        """Take the current values, stamped `now` (or the device's own time)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the device."""


class CameraDriver(ABC):
    """Grabs BGR frames. Returns None when no frame is available right now."""

    type_key: ClassVar[str]
    config_model: ClassVar[type[DriverConfig]] = DriverConfig

    def __init__(self, config: DriverConfig) -> None:
        self.config = config

    def open(self) -> None:  # noqa: B027 - optional hook
        """Open the stream; raise ConfigError if it cannot be opened."""

    @abstractmethod
    def grab(self, now: datetime) -> Image | None:
        """The next frame (H×W×3 uint8, BGR), or None."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the stream."""


_REGISTERED: dict[str, dict[str, type[Any]]] = {SENSOR_GROUP: {}, CAMERA_GROUP: {}}


def register_driver(group: str, name: str, cls: type[Any]) -> None:
    """Add a driver in-process, beside the entry points (tests, embedded use).

    A registered name wins over an entry point of the same name.
    """
    _REGISTERED.setdefault(group, {})[name] = cls


def _import_class(path: str) -> type[Any]:
    module_name, _, attr = path.partition(":")
    try:
        cls: type[Any] = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"driver type {path!r} cannot be imported: {exc}") from exc
    return cls


def driver_class(group: str, kind: str, base: type[Any]) -> type[Any]:
    """The driver class for `kind` in `group` (only that plugin is imported)."""
    local = _REGISTERED.get(group, {})
    if ":" in kind:  # `package.module:Class`: a driver that is not packaged as a plugin
        local = {kind: _import_class(kind)}
    found = {ep.name: ep for ep in entry_points(group=group)}
    if kind not in found and kind not in local:
        known = ", ".join(sorted(set(found) | set(local))) or "none"
        raise ConfigError(f"unknown driver type {kind!r} (known: {known})")
    try:
        cls: Any = local[kind] if kind in local else found[kind].load()
    except ImportError as exc:
        raise ConfigError(f"driver type {kind!r} cannot be loaded: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise ConfigError(f"entry point {kind!r} in {group} is not a {base.__name__}")
    return cls


_BASES: dict[str, type[Any]] = {}


def driver_config(group: str, spec: Mapping[str, Any] | DriverConfig) -> DriverConfig:
    """The typed config of one driver entry: `type` picks the plugin, its model checks the rest.

    The plugin's `config_model` (extra="forbid") is the member of the open tagged union of
    driver configs: a misspelt field is refused by name, e.g.
    `driver 'f1' (modbus): registres: Extra inputs are not permitted`.
    """
    base = _BASES[group]
    if isinstance(spec, DriverConfig):
        model: type[DriverConfig] = driver_class(group, spec.type, base).config_model
        if isinstance(spec, model):
            return spec
        spec = spec.model_dump()
    kind = spec.get("type")
    if not isinstance(kind, str):
        raise ConfigError(f"driver entry {dict(spec)!r} has no 'type'")
    cls = driver_class(group, kind, base)
    config_model: type[DriverConfig] = getattr(cls, "config_model", DriverConfig)
    try:
        return config_model.model_validate(spec)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(entry)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"driver {spec.get('id', kind)!r} ({kind}): {problems}") from exc


def _load(group: str, spec: Mapping[str, Any] | DriverConfig, base: type[Any]) -> Any:
    config = driver_config(group, spec)
    return driver_class(group, config.type, base)(config)


_BASES.update({SENSOR_GROUP: SensorDriver, CAMERA_GROUP: CameraDriver})


def load_sensor_driver(spec: Mapping[str, Any] | DriverConfig) -> SensorDriver:
    """Build a sensor driver from its config mapping (`type` picks the plugin)."""
    driver: SensorDriver = _load(SENSOR_GROUP, spec, SensorDriver)
    return driver


def load_camera_driver(spec: Mapping[str, Any] | DriverConfig) -> CameraDriver:
    """Build a camera driver from its config mapping (`type` picks the plugin)."""
    driver: CameraDriver = _load(CAMERA_GROUP, spec, CameraDriver)
    return driver
