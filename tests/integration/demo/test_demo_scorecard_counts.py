"""The scorecard's counts: lost readings on a real InfluxDB data folder, alert times.

Sequence gaps say where readings went missing; they are part of "published less
stored", so they must not be added to it again (a run with 96 lost readings, 90 of them
in gaps, was reported as 186 lost). An alert is scored by when it first fired, which its
steps keep when a re-firing overwrote `fired_at`.
"""

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.schemas import Reading, SensorKind, Telemetry
from core.settings import InfluxSettings
from core.store import open_store, reading_points
from devtools.demo_scorecard import read_alerts, readings_check
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


def test_an_alert_is_scored_by_its_first_firing(tmp_path: Path) -> None:
    """Closed by its review while the sensor was still silent, it fired again under the
    same id: the store's `fired_at` says 03:56, its first firing was 03:16."""
    db = sqlite3.connect(tmp_path / "alerts.db")
    db.executescript(
        "CREATE TABLE alerts (id TEXT, site TEXT, rule TEXT, subject TEXT, started_at TEXT,"
        " fired_at TEXT, evidence TEXT);"
        "CREATE TABLE alert_steps (seq INTEGER, alert_id TEXT, ts TEXT, action TEXT);"
        "INSERT INTO alerts VALUES ('a1', 'k1', 'no-data', 'hotbox1/t1',"
        " '2026-12-02 03:09:52', '2026-12-02 03:56:51', '[]');"
        "INSERT INTO alerts VALUES ('a2', 'k1', 'rodent', 'cam2/rodent',"
        " '2026-12-02 02:10:00', NULL, '[]');"
        "INSERT INTO alert_steps VALUES (1, 'a1', '2026-12-02 03:16:09', 'fired'),"
        " (2, 'a1', '2026-12-02 14:19:00', 'review_accept'),"
        " (3, 'a1', '2026-12-02 03:56:51', 'fired');"
    )
    db.commit()
    db.close()
    alerts, steps = read_alerts(tmp_path / "alerts.db")
    when = {a[0]: a[4] for a in alerts}
    assert when == {"a1": "2026-12-02 03:16:09", "a2": "2026-12-02 02:10:00"}
    assert steps == {"fired": 2, "review_accept": 1}
