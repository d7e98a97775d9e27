"""Device status: retained online/offline (offline doubles as the Last Will) and heartbeat."""

from enum import StrEnum
from typing import Literal

from pydantic import Field, StrictFloat, StrictInt

from core.ids import Id
from core.schemas.base import Message, SourceTime


class DeviceState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class DeviceStatus(Message):
    """Heartbeat figures of an edge agent (or any device that reports its health)."""

    v: Literal[1] = 1
    site: Id
    device: Id
    state: DeviceState
    ts: SourceTime
    uptime_s: StrictFloat | None = Field(default=None, ge=0)
    buffer_depth: StrictInt | None = Field(
        default=None, ge=0, description="Readings waiting on disk"
    )
    buffer_dropped: StrictInt | None = Field(default=None, ge=0, description="Dropped by the bound")
    dropped_frames: StrictInt | None = Field(default=None, ge=0)
    cpu_percent: StrictFloat | None = Field(default=None, ge=0, le=10000)
    rss_mb: StrictFloat | None = Field(default=None, ge=0)
    config_version: StrictInt | None = Field(default=None, ge=0, description="Config in force")
    config_error: str | None = Field(default=None, max_length=1000, description="Last refusal")
    agent_version: str | None = Field(default=None, max_length=64)
