"""Telemetry: a batch of sensor readings from one device (topic `.../{device}/telemetry`)."""

from enum import StrEnum
from typing import Literal

from pydantic import Field, StrictFloat, StrictInt, model_validator

from core.ids import Id
from core.schemas.base import Message, SourceTime


class SensorKind(StrEnum):
    """What a reading measures. Roles (cold room, hot holding) live in site config, not here."""

    TEMPERATURE = "temperature"
    HUMIDITY = "humidity"
    DOOR = "door"
    POWER = "power"


# kind -> (unit, lowest plausible, highest plausible). Outside the range a value is
# a broken sensor or a hostile sender, never a fact worth storing.
KIND_SPECS: dict[SensorKind, tuple[str, float, float]] = {
    SensorKind.TEMPERATURE: ("degC", -80.0, 400.0),
    SensorKind.HUMIDITY: ("%", 0.0, 100.0),
    SensorKind.DOOR: ("bool", 0.0, 1.0),
    SensorKind.POWER: ("bool", 0.0, 1.0),
}

MAX_READINGS = 1000


class Reading(Message):
    """One value of one sensor, stamped and numbered at the source."""

    sensor: Id = Field(description="Sensor id, unique within its device")
    kind: SensorKind = Field(description="What is measured; fixes the unit and plausible range")
    value: StrictFloat = Field(description="Measured value in `unit`; finite")
    unit: str = Field(max_length=8, description="Unit; must be the kind's unit (degC, %, bool)")
    ts: SourceTime = Field(description="When the value was measured, UTC, at the source")
    seq: StrictInt = Field(ge=0, lt=2**63, description="Per-device sequence number, increasing")
    zone: Id | None = Field(default=None, description="Optional zone (cold_room, prep_area...)")

    @model_validator(mode="after")
    def _plausible(self) -> "Reading":
        unit, low, high = KIND_SPECS[self.kind]
        if self.unit != unit:
            raise ValueError(f"unit {self.unit!r} does not match kind {self.kind.value} ({unit})")
        if not low <= self.value <= high:
            raise ValueError(
                f"{self.kind.value} value {self.value} outside plausible range [{low}, {high}]"
            )
        return self


class Telemetry(Message):
    """A batch of readings from one device; site and device must match the topic."""

    v: Literal[1] = 1
    site: Id
    device: Id
    readings: list[Reading] = Field(min_length=1, max_length=MAX_READINGS)
