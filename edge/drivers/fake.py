"""A counting sensor: the test and demo stand-in that needs no hardware and no simulator.

Each read gives one reading whose value counts up (wrapping inside the kind's
plausible range), so a consumer can see order and gaps. It remembers what it produced
(`produced`) so in-process tests can compare what arrived with what was taken.
Use it as `type: "edge.drivers.fake:CounterSensor"`.
"""

from collections import deque
from datetime import datetime
from typing import ClassVar

from pydantic import Field

from core.schemas import KIND_SPECS, SensorKind
from edge.drivers.base import DriverConfig, Sample, SensorDriver


class CounterConfig(DriverConfig):
    kind: SensorKind = Field(default=SensorKind.TEMPERATURE, description="Kind of reading")
    fail_every: int = Field(default=0, ge=0, description="Raise OSError on every n-th read")
    hold: float | None = Field(
        default=None,
        description="Report this value every time instead of counting (a steady, in-band "
        "stream for fault tests: no rule should fire on it)",
    )


class CounterSensor(SensorDriver):
    """One reading per read, value = read number modulo the kind's range."""

    type_key: ClassVar[str] = "counter"
    config_model: ClassVar[type[DriverConfig]] = CounterConfig

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        assert isinstance(config, CounterConfig)
        self.cfg = config
        self.reads = 0
        self.count = 0
        self.produced: deque[Sample] = deque(maxlen=100_000)

    def read(self, now: datetime) -> list[Sample]:
        self.reads += 1
        if self.cfg.fail_every and self.reads % self.cfg.fail_every == 0:
            raise OSError(f"simulated read failure #{self.reads}")
        unit, low, high = KIND_SPECS[self.cfg.kind]
        span = int(high - low)
        value = self.cfg.hold if self.cfg.hold is not None else low + (self.count % span)
        self.count += 1
        sample = Sample(self.config.id, self.cfg.kind, value, unit, now, self.config.zone)
        self.produced.append(sample)
        return [sample]
