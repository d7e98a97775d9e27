"""Versioned payload schemas: the one definition of every message on the bus.

Each schema is a pydantic v2 model with `extra="forbid"` and a `v` field, so a
consumer can tell a newer producer from a broken one. `decode()` turns raw bytes into
a model or a `PayloadError` with a short reason for counters and dead letters.
"""

from core.schemas.alerts import AlertEvent, AlertState, Evidence, Severity
from core.schemas.base import (
    MAX_FUTURE,
    MAX_MESSAGE_BYTES,
    SCHEMA_VERSION,
    Message,
    SourceTime,
    decode,
    encode,
)
from core.schemas.config import CameraSettings, DeviceConfig, SensorSettings
from core.schemas.deadletter import DeadLetter
from core.schemas.detections import Box, Detection, DetectionEvent, Violation
from core.schemas.frames import (
    MAX_FRAME_BYTES,
    MAX_FRAME_SIDE,
    FrameMeta,
    check_jpeg_size,
    jpeg_dimensions,
)
from core.schemas.receipt import StoreReceipt
from core.schemas.status import DeviceState, DeviceStatus
from core.schemas.telemetry import KIND_SPECS, Reading, SensorKind, Telemetry

__all__ = [
    "KIND_SPECS",
    "MAX_FRAME_BYTES",
    "MAX_FRAME_SIDE",
    "MAX_FUTURE",
    "MAX_MESSAGE_BYTES",
    "SCHEMA_VERSION",
    "AlertEvent",
    "AlertState",
    "Box",
    "CameraSettings",
    "DeadLetter",
    "Detection",
    "DetectionEvent",
    "DeviceConfig",
    "DeviceState",
    "DeviceStatus",
    "Evidence",
    "FrameMeta",
    "Message",
    "Reading",
    "SensorKind",
    "SensorSettings",
    "Severity",
    "SourceTime",
    "StoreReceipt",
    "Telemetry",
    "Violation",
    "check_jpeg_size",
    "decode",
    "encode",
    "jpeg_dimensions",
]
