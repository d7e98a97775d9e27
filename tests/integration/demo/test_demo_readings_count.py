"""The scorecard's count of lost readings, on a real InfluxDB data folder.

Sequence gaps say where readings went missing; they are part of "published less
stored", so they must not be added to it again (a run with 96 lost readings, 90 of them
in gaps, was reported as 186 lost).
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.schemas import Reading, SensorKind, Telemetry
from core.settings import InfluxSettings
from core.store import open_store, reading_points
from devtools.demo_scorecard import readings_check
from devtools.servers import LocalInfluxDB

pytestmark = [pytest.mark.integration]


def _msg(device: str, seqs: list[int], start: datetime) -> Telemetry:
    return Telemetry(
        site="k1",
        device=device,
        readings=[
            Reading(
                sensor="t1",
                kind=SensorKind.TEMPERATURE,
                value=4.0,
                unit="degC",
                ts=start + timedelta(seconds=10 * s),
                seq=s,
            )
            for s in seqs
        ],
    )


def test_lost_readings_counted_once_gaps_included(tmp_path: Path) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    folder = tmp_path / "influxdb"
    server = LocalInfluxDB(folder)
    server.start()
    try:
        server.create_database("bright_kitchen")
        settings = InfluxSettings(url=server.url, database="bright_kitchen")
        with open_store(settings) as store:
            # fridge1 published 0..99: 40..48 missing (a gap), 98..99 missing (the tail).
            store.write(reading_points(_msg("fridge1", [*range(40), *range(49, 98)], start)))
            store.write(reading_points(_msg("freezer1", list(range(100)), start)))  # all there
    finally:
        server.stop()
    got = readings_check(folder, published=200)
    assert got["stored"] == 189 and got["seq_gaps"] == 9 and got["duplicates"] == 0
    assert got["lost"] == 11
