"""Simulated sensors and cameras behind the edge agent's own driver interface.

Configured in an agent's config like any hardware (`type: sim`), so the real agent
code path (sampling loop, disk buffer, batching, status) runs on simulated kitchens:

    sensors:
      - {type: sim, id: coldroom1, model: cold_room, interval_s: 10}
      - {type: sim, id: freezer1, model: freezer,
         faults: [{kind: compressor_failure, after_s: 600}]}
    cameras:
      - {type: sim, id: cam1, width: 640, height: 480}

A `SimulatedSensor` wraps one simulated device; its physics starts at the first
`read(now)` and is integrated up to each later `now`. Sample sensor ids are
`{id}-{sensor}` (`coldroom1-t1`, `coldroom1-door`), zones the device's role.
A `SimulatedCamera` renders with `simulators.scenes` when that package is present
and otherwise draws a plain synthetic frame (gradient plus noise).
"""

import logging
from datetime import datetime
from typing import Any, ClassVar

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.ids import Id
from edge.drivers.base import CameraDriver, DriverConfig, Image, Sample, SensorDriver
from simulators.devices import (
    DeviceModel,
    DeviceSpec,
    FaultWindow,
    SimDevice,
    SimKitchen,
    device_rng,
)
from simulators.faults import DEFAULT_MAGNITUDE, SITE_FAULTS, FaultKind
from simulators.physics import Room, RoomParams

logger = logging.getLogger(__name__)


class SimFault(BaseModel):
    """A fault of a simulated sensor, timed from its first read."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind = Field(description="Which fault (device or sensor faults only)")
    after_s: float = Field(default=0.0, ge=0, description="Seconds after the first read")
    duration_s: float | None = Field(default=None, gt=0, description="None: until the end")
    sensor: Id | None = Field(default=None, description="Sensor (sensor faults)")
    magnitude: float | None = Field(default=None, description="As in scenario incidents")

    @model_validator(mode="after")
    def _not_site(self) -> "SimFault":
        if self.kind in SITE_FAULTS:
            raise ValueError(f"{self.kind.value} is a site fault: simulate it around the agent")
        return self


class SimSensorConfig(DriverConfig):
    type: str = Field(default="sim", description="Driver type")
    # The simulated devices read at most once a second (DeviceSpec): say so when the
    # config is read, not as a stack trace when the driver is built.
    interval_s: float = Field(default=10.0, ge=1, le=3600, description="Sampling interval")
    model: DeviceModel = Field(default=DeviceModel.COLD_ROOM, description="Device role")
    sensors: list[Id] | None = Field(default=None, description="Sensors (default per model)")
    params: dict[str, Any] = Field(default_factory=dict, description="Physics overrides")
    door_opens_per_hour: float | None = Field(default=None, ge=0, description="Door use")
    room: RoomParams = Field(default_factory=RoomParams, description="The room it stands in")
    seed: int = Field(default=0, ge=0, description="Seed of the device's generator")
    site: Id = Field(default="sim", description="Seeds the generator with the device id")
    faults: list[SimFault] = Field(default_factory=list, description="Fault timeline")

    def spec(self) -> DeviceSpec:
        return DeviceSpec(
            model=self.model,
            interval_s=self.interval_s,
            sensors=self.sensors,
            params=self.params,
            door_opens_per_hour=self.door_opens_per_hour,
        )


class SimulatedSensor(SensorDriver):
    """One simulated device (all its sensors) read at the caller's `now`."""

    type_key: ClassVar[str] = "sim"
    config_model: ClassVar[type[DriverConfig]] = SimSensorConfig

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        if not isinstance(config, SimSensorConfig):
            config = SimSensorConfig.model_validate(config.model_dump())
        self.cfg = config
        self._kitchen: SimKitchen | None = None
        self._device: SimDevice | None = None

    def _build(self, now: datetime) -> tuple[SimKitchen, SimDevice]:
        cfg = self.cfg
        room = Room(cfg.room, (now.timestamp() % 86400) / 3600.0)
        faults = [
            FaultWindow(
                f.kind,
                f.after_s,
                float("inf") if f.duration_s is None else f.after_s + f.duration_s,
                f.sensor,
                float(f.magnitude if f.magnitude is not None else DEFAULT_MAGNITUDE.get(f.kind, 0)),
            )
            for f in cfg.faults
        ]
        spec = cfg.spec()
        sensors = spec.sensors or []
        for f in faults:
            if f.sensor is None and f.kind is not FaultKind.SENSOR_DROPOUT:
                continue
            if f.sensor is not None and sensors and f.sensor not in sensors:
                logger.warning("sim sensor %s: fault on unknown sensor %s", cfg.id, f.sensor)
        device = SimDevice(
            cfg.site,
            cfg.id,
            spec,
            room,
            cfg.room,
            faults,
            device_rng(cfg.seed, cfg.site, cfg.id),
            now.timestamp(),
        )
        kitchen = SimKitchen(cfg.site, now, room, {cfg.id: device})
        return kitchen, device

    def read(self, now: datetime) -> list[Sample]:
        if self._kitchen is None or self._device is None:
            self._kitchen, self._device = self._build(now)
        t_s = (now - self._kitchen.start).total_seconds()
        self._kitchen.advance_to(t_s)
        zone = self.config.zone
        return [
            Sample(f"{self.config.id}-{v.sensor}", v.kind, v.value, v.unit, now, zone or v.zone)
            for v in self._device.read(t_s)
        ]


class SimCameraConfig(DriverConfig):
    type: str = Field(default="sim", description="Driver type")
    interval_s: float = Field(default=1.0, ge=0.03, le=86400, description="Seconds per frame")
    width: int = Field(default=640, ge=64, le=4096, description="Frame width")
    height: int = Field(default=480, ge=48, le=4096, description="Frame height")
    seed: int = Field(default=0, ge=0, description="Seed of the camera's generator")
    site: Id = Field(default="sim", description="Seeds the generator with the camera id")
    utc_offset_h: float = Field(default=8.0, ge=-12, le=14, description="Local time for night")
    scene: dict[str, Any] = Field(default_factory=dict, description="SceneSpec options")


class SimulatedCamera(CameraDriver):
    """Frames of a synthetic kitchen scene (or a plain synthetic frame without scenes)."""

    type_key: ClassVar[str] = "sim"
    config_model: ClassVar[type[DriverConfig]] = SimCameraConfig

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        if not isinstance(config, SimCameraConfig):
            config = SimCameraConfig.model_validate(config.model_dump())
        self.cfg = config
        self.rng = device_rng(config.seed, config.site, f"camera-{config.id}")
        self._first: datetime | None = None
        self._scenes: Any = None
        self._scenes_checked = False
        self.last_truth: list[Any] = []
        """Ground truth of the last frame (empty for the plain fallback frame)."""

    def _load_scenes(self) -> Any:
        if not self._scenes_checked:
            self._scenes_checked = True
            try:
                import simulators.scenes as scenes  # optional: built separately

                if hasattr(scenes, "render_scene") and hasattr(scenes, "SceneSpec"):
                    self._scenes = scenes
            except ImportError:
                logger.info("simulators.scenes not available: plain synthetic frames")
        return self._scenes

    def grab(self, now: datetime) -> Image | None:
        if self._first is None:
            self._first = now
        t = (now - self._first).total_seconds()
        scenes = self._load_scenes()
        if scenes is not None:
            options = dict(self.cfg.scene)
            hour = (now.timestamp() / 3600.0 + self.cfg.utc_offset_h) % 24
            options.setdefault("night", not 6 <= hour < 21)
            options.setdefault("background_seed", self.cfg.seed)
            try:
                spec = scenes.SceneSpec(
                    width=self.cfg.width, height=self.cfg.height, t=t, **options
                )
                image, truth = scenes.render_scene(spec, self.rng)
            except (TypeError, ValueError) as exc:
                logger.warning("camera %s: scene failed (%s); plain frame", self.config.id, exc)
            else:
                self.last_truth = list(truth)
                return np.ascontiguousarray(image, dtype=np.uint8)
        self.last_truth = []
        return self._plain(t)

    def _plain(self, t: float) -> Image:
        h, w = self.cfg.height, self.cfg.width
        x = np.linspace(0, 255, w, dtype=np.float32)[None, :]
        y = np.linspace(0, 255, h, dtype=np.float32)[:, None]
        shift = (t * 10.0) % 256
        base = np.stack([(x + shift) % 256 + 0 * y, (y + shift) % 256 + 0 * x, (x + y) / 2], -1)
        noise = self.rng.normal(0.0, 6.0, size=(h, w, 3))
        frame = np.clip(base + noise, 0, 255).astype(np.uint8)
        cv2.putText(frame, f"sim {self.config.id} t={t:.0f}s", (8, 24), 0, 0.6, (255, 255, 255))
        return frame
