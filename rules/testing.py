"""A tiny generator of kitchen traffic for tests and benches (bytewax-style test source)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from core.schemas import DeviceStatus, Telemetry

T0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # a Monday (08:00 in Shanghai)
ZONES = {"cold_room": 4.0, "freezer": -20.0, "hot_holding": 70.0, "sample_fridge": 3.0}


def reading(
    site: str, device: str, sensor: str, zone: str, value: float, ts: datetime, seq: int
) -> Telemetry:
    return Telemetry.model_validate(
        {
            "site": site,
            "device": device,
            "readings": [
                {
                    "sensor": sensor,
                    "kind": "temperature",
                    "value": value,
                    "unit": "degC",
                    "ts": ts,
                    "seq": seq,
                    "zone": zone,
                }
            ],
        }
    )


def kitchen(
    site: str,
    start: datetime,
    seconds: float,
    step: float = 10.0,
    fault: tuple[str, float, float, float] | None = None,
) -> Iterator[Telemetry]:
    """Normal readings of one kitchen; `fault` = (zone, from_s, to_s, value)."""
    n = int(seconds // step)
    for i in range(n):
        ts = start + timedelta(seconds=i * step)
        readings = []
        for j, (zone, v) in enumerate(ZONES.items()):
            if fault and fault[0] == zone and fault[1] <= i * step < fault[2]:
                v = fault[3]
            readings.append(
                {
                    "sensor": f"t{j}",
                    "kind": "temperature",
                    "value": v + 0.1 * (i % 3),
                    "unit": "degC",
                    "ts": ts,
                    "seq": i,
                    "zone": zone,
                }
            )
        yield Telemetry.model_validate({"site": site, "device": "agent", "readings": readings})


def status(site: str, device: str, online: bool, ts: datetime) -> DeviceStatus:
    return DeviceStatus.model_validate(
        {"site": site, "device": device, "state": "online" if online else "offline", "ts": ts}
    )
