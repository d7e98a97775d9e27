"""DS18B20 temperature probes through the Linux 1-wire sysfs interface (w1-gpio, w1-therm).

The kernel exposes each probe as `/sys/bus/w1/devices/28-<serial>/w1_slave`:

    72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
    72 01 4b 46 7f ff 0e 10 57 t=23125

The first line ends in YES when the CRC matched; `t=` is in milli-degrees Celsius.
A bad CRC, a missing file, or the power-on value 85 °C (the probe never converted)
is a failed read, never a reading.

    type: onewire
    id: coldroom
    root: /sys/bus/w1/devices      # configurable for tests and odd mounts
    probes: {28-0316a2797cff: coldroom_t}   # omit to read every 28-* probe found
"""

import logging
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from core.errors import ConfigError
from core.ids import Id, validate_id
from core.schemas import SensorKind
from edge.drivers.base import DriverConfig, Sample, SensorDriver

logger = logging.getLogger(__name__)

POWER_ON_MILLIDEG = 85000
FAMILY_DS18B20 = "28-"


class OneWireConfig(DriverConfig):
    type: Literal["onewire"] = "onewire"
    root: Path = Field(
        default=Path("/sys/bus/w1/devices"), description="Where the w1 devices appear"
    )
    probes: dict[str, Id] | None = Field(
        default=None,
        description="Probe serial (28-...) -> sensor id; all 28-* probes when absent",
    )


def parse_w1_slave(text: str) -> float:
    """Degrees Celsius from a w1_slave file's text; ValueError when it is not a good read."""
    lines = text.strip().splitlines()
    if len(lines) < 2:
        raise ValueError("w1_slave has fewer than two lines")
    if not lines[0].strip().endswith("YES"):
        raise ValueError("CRC check failed")
    _, sep, milli = lines[1].rpartition("t=")
    if not sep:
        raise ValueError("no t= on the second line")
    value = int(milli.strip())
    if value == POWER_ON_MILLIDEG:
        raise ValueError("85 °C power-on value: the probe has not converted")
    return value / 1000.0


class OneWireSensor(SensorDriver):
    """Reads one or more DS18B20 probes per call; any bad probe fails the read loudly."""

    type_key: ClassVar[str] = "onewire"
    config_model: ClassVar[type[DriverConfig]] = OneWireConfig

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        if not isinstance(config, OneWireConfig):
            raise ConfigError(f"onewire driver got a {type(config).__name__}")
        self.cfg = config

    def _probes(self) -> dict[str, str]:
        if self.cfg.probes is not None:
            return dict(self.cfg.probes)
        found = sorted(p.name for p in self.cfg.root.glob(f"{FAMILY_DS18B20}*"))
        # 28-0316a2797cff is itself a valid id; prefix the driver id to keep ids unique.
        return {name: validate_id(f"{self.config.id}-{name[3:]}"[:64], "sensor") for name in found}

    def open(self) -> None:
        if not self.cfg.root.is_dir():
            raise ConfigError(f"1-wire root {self.cfg.root} does not exist (w1-gpio loaded?)")

    def read(self, now: datetime) -> list[Sample]:
        probes = self._probes()
        if not probes:
            raise OSError(f"no DS18B20 probes under {self.cfg.root}")
        samples = []
        failures = []
        for serial, sensor in probes.items():
            path = self.cfg.root / serial / "w1_slave"
            try:
                celsius = parse_w1_slave(path.read_text(encoding="ascii", errors="replace"))
            except (OSError, ValueError) as exc:
                failures.append(f"{serial}: {exc}")
                continue
            samples.append(
                Sample(sensor, SensorKind.TEMPERATURE, celsius, "degC", now, self.config.zone)
            )
        if failures:
            logger.warning("1-wire %s: %s", self.config.id, "; ".join(failures))
            if not samples:
                raise OSError(f"1-wire {self.config.id}: every probe failed")
        return samples
