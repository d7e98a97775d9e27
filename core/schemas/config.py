"""Configuration pushed down to an edge agent on its retained config topic."""

from typing import Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt

from core.ids import Id
from core.schemas.base import Message


class SensorSettings(Message):
    interval_s: StrictFloat = Field(ge=0.1, le=86400, description="Sampling interval in seconds")
    enabled: StrictBool = Field(default=True, description="Whether the sensor is sampled at all")


class CameraSettings(Message):
    fps: StrictFloat = Field(default=2.0, gt=0, le=30, description="Frame rate limit")
    width: StrictInt = Field(default=640, ge=32, le=4096, description="Resize width before JPEG")
    height: StrictInt = Field(default=480, ge=32, le=4096, description="Resize height before JPEG")
    jpeg_quality: StrictInt = Field(default=80, ge=10, le=100)
    motion_threshold: StrictFloat = Field(
        default=0.01,
        ge=0,
        le=1,
        description="Changed-pixel fraction that counts as motion; 0 sends all",
    )
    enabled: StrictBool = True


class DeviceConfig(Message):
    """A whole desired configuration; the agent applies it atomically or refuses it."""

    v: Literal[1] = 1
    version: StrictInt = Field(ge=0, description="Monotonic config version; older ones are ignored")
    heartbeat_s: StrictFloat = Field(default=30.0, ge=1, le=3600)
    sensors: dict[Id, SensorSettings] = Field(default_factory=dict)
    cameras: dict[Id, CameraSettings] = Field(default_factory=dict)
