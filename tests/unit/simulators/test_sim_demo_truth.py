"""The demo's ground truth is physically true: every expected alert's condition really
occurs in the simulated readings before its deadline, and nothing else looks like one."""

from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.schemas import DeviceState, DeviceStatus, Reading, SensorKind, Telemetry
from simulators.fleet import _READING_FIELDS, _trusted, simulate
from simulators.scenario import Scenario, load_scenario

DEMO = Path(__file__).parents[3] / "simulators" / "scenarios" / "demo.yaml"
Series = dict[tuple[str, str, str], list[tuple[datetime, float]]]
LIMITS = {"cold_room": 8.0, "sample_fridge": 8.0, "freezer": -18.0}


@pytest.fixture(scope="module")
def demo() -> tuple[Scenario, Series, list[DeviceStatus]]:
    """The demo scenario's whole day, simulated once for this module."""
    scn = load_scenario(DEMO)
    series: Series = defaultdict(list)
    status = []
    for m in simulate(scn):
        if isinstance(m, Telemetry):
            for r in m.readings:
                series[(m.site, m.device, r.sensor)].append((r.ts, r.value))
        else:
            status.append(m)
    return scn, series, status


def sustained_above(
    points: list[tuple[datetime, float]], limit: float, span: timedelta
) -> datetime | None:
    """When the values first stay above `limit` for `span` (None if never)."""
    since = None
    for ts, value in points:
        if value > limit:
            since = since or ts
            if ts - since >= span:
                return since
        else:
            since = None
    return None


def test_every_expected_alert_happens_before_its_deadline(
    demo: tuple[Scenario, Series, list[DeviceStatus]],
) -> None:
    scn, series, status = demo
    margin = timedelta(minutes=15)  # left for the rule's own persistence window
    for alert in scn.expected_alerts():
        if alert.rule == "device-offline":
            assert any(
                s.site == alert.site and s.device == alert.subject
                and s.state is DeviceState.OFFLINE and alert.not_before <= s.ts < alert.by
                for s in status
            ), alert  # fmt: skip
            continue
        device, sensor = alert.subject.split("/")
        points = [p for p in series[(alert.site, device, sensor)] if p[0] >= alert.not_before]
        if alert.rule in ("cold-holding-high", "frozen-high"):
            limit = 8.0 if alert.rule == "cold-holding-high" else -18.0
            since = sustained_above(points, limit, timedelta(minutes=10))
            assert since is not None and since + timedelta(minutes=10) <= alert.by - margin, alert
        elif alert.rule == "no-data":
            gap = points[0][0] - alert.not_before
            assert timedelta(minutes=15) <= gap, alert
        elif alert.rule == "cooling-too-slow":
            at_2h = next(v for ts, v in points if ts >= alert.not_before + timedelta(hours=2))
            assert at_2h > 21.0, alert
        elif alert.rule == "disinfection-incomplete":
            hour = [(ts, v) for ts, v in points if ts < alert.not_before + timedelta(hours=1)]
            assert max(v for _, v in hour) >= 120.0  # a cycle ran…
            hot = sum(1 for _, v in hour if v >= 120.0) * 10
            assert hot < 10 * 60, alert  # …but not 10 min at 120 °C
        else:
            pytest.fail(f"unchecked rule {alert.rule}")


def test_no_alert_condition_outside_the_incidents(
    demo: tuple[Scenario, Series, list[DeviceStatus]],
) -> None:
    scn, series, _ = demo
    alerted = {(a.site, a.subject) for a in scn.expected_alerts()}
    for (site, device, sensor), points in series.items():
        model = scn.sites[site].devices[device].model.value
        if (site, f"{device}/{sensor}") in alerted or sensor != "t1":
            continue
        if model in LIMITS:
            # Glitches (single spikes) may cross the limit, but never for two readings.
            assert sustained_above(points, LIMITS[model], timedelta(seconds=10)) is None, (
                site,
                device,
            )
        elif model == "hot_holding":
            assert min(v for _, v in points) >= 60.0
    # Normal disinfection cycles hold 120 °C for at least 10 minutes (no false alarm).
    ok = series[("school-0001", "disinfect1", "t1")]
    assert sum(1 for _, v in ok if v >= 120.0) * 10 >= 3 * 10 * 60
    # Normal cooling batches reach 21 °C within two hours of starting.
    cooling = series[("school-0001", "cooling1", "t1")]
    start = next(ts for ts, v in cooling if v > 70)
    assert next(v for ts, v in cooling if ts >= start + timedelta(hours=2)) < 21.0


def test_trusted_construction_equals_model_construct() -> None:
    values: dict[str, Any] = {
        "sensor": "t1",
        "kind": SensorKind.TEMPERATURE,
        "value": 3.5,
        "unit": "degC",
        "ts": datetime.fromisoformat("2026-01-05T00:00:00+00:00"),
        "seq": 4,
        "zone": "cold_room",
    }
    fast = _trusted(Reading, _READING_FIELDS, dict(values))
    slow = Reading.model_construct(**values)
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()
    assert set(Reading.model_fields) == _READING_FIELDS  # a new field must be named here
