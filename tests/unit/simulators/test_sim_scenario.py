"""Scenario files: validation, derived expectations, the demo and the generator."""

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from core.errors import ConfigError
from core.schemas import Telemetry
from simulators.cli import app
from simulators.devices import default_sensors
from simulators.faults import FaultKind
from simulators.fleet import simulate
from simulators.generate import generate_fleet
from simulators.physics import FoodCoolingParams
from simulators.scenario import ExpectedAlert, Scenario, cooling_deadline, load_scenario

DEMO = Path(__file__).parents[3] / "simulators" / "scenarios" / "demo.yaml"
START = datetime(2026, 1, 5, tzinfo=UTC)


def scenario(incidents: list[dict[str, Any]], **site: Any) -> Scenario:
    devices = {
        "coldroom1": {"model": "cold_room"},
        "freezer1": {"model": "freezer"},
        "hotbox1": {"model": "hot_holding"},
    }
    return Scenario.model_validate(
        {
            "seed": 3,
            "start": "2026-01-05T08:00:00+08:00",
            "duration": "1d",
            "sites": {"k1": {"devices": devices, **site}},
            "incidents": incidents,
        }
    )


def test_demo_has_one_incident_of_each_kind_and_its_expected_alerts() -> None:
    scn = load_scenario(DEMO)
    assert scn.start == START and scn.start.tzinfo is UTC
    assert scn.duration == timedelta(days=1)
    assert len(scn.sites) == 4
    assert {s.category.value for s in scn.sites.values()} == {
        "school_canteen",
        "central_kitchen",
        "meal_delivery",
        "restaurant",
    }
    kinds = [i.kind.value for i in scn.incidents]
    assert len(kinds) == len(set(kinds)) == 11
    rules = {(a.site, a.rule, a.subject) for a in scn.expected_alerts()}
    assert rules == {
        ("school-0001", "cold-holding-high", "coldroom1/t1"),
        ("school-0001", "cold-holding-high", "samplefridge1/t1"),
        ("central-0002", "frozen-high", "freezer1/t1"),
        ("central-0002", "disinfection-incomplete", "disinfect1/t1"),
        ("delivery-0003", "cooling-too-slow", "cooling1/t1"),
        ("delivery-0003", "no-data", "hotbox1/t1"),
        ("restaurant-0004", "device-offline", "edge1"),
    }
    for alert in scn.expected_alerts():
        assert isinstance(alert, ExpectedAlert)
        assert alert.not_before < alert.by <= alert.not_before + timedelta(hours=6)
    quiet = {i.kind.value for i in scn.incidents if i.expect_rule is None}
    assert quiet == {"noise_spikes", "sensor_stuck", "sensor_drift", "clock_skew"}


def test_expectations_are_derived_unless_given() -> None:
    at = "2026-01-05T03:00:00Z"
    scn = scenario(
        [
            {"site": "k1", "device": "coldroom1", "kind": "door_left_open", "at": at},
            # Too short to warm the room past 8 °C: no alert expected.
            {"site": "k1", "device": "coldroom1", "kind": "door_left_open", "at": at,
             "duration": "5m"},
            {"site": "k1", "device": "freezer1", "kind": "compressor_failure", "at": at,
             "expect_rule": "custom-rule", "expect_within": "45m"},
            {"site": "k1", "device": "coldroom1", "kind": "power_cut", "at": at,
             "duration": "8h", "expect_rule": None},
            {"site": "k1", "device": "hotbox1", "kind": "power_cut", "at": at},
        ]
    )  # fmt: skip
    a, b, c, d, e = scn.incidents
    assert a.expect_rule == "cold-holding-high" and a.sensor == "t1"
    assert a.expect_within is not None and timedelta(minutes=30) < a.expect_within < timedelta(2)
    assert b.expect_rule is None and b.expect_within is None
    assert c.expect_rule == "custom-rule" and c.expect_within == timedelta(minutes=45)
    assert d.expect_rule is None
    assert e.expect_rule == "hot-holding-low"
    assert [x.rule for x in scn.expected_alerts()] == [
        "custom-rule",
        "cold-holding-high",
        "hot-holding-low",
    ]


def test_slow_cooling_deadline_counts_from_the_food_passing_57c() -> None:
    """The cooling rule's 2 h run from 57 °C, which a slow batch reaches ~40 min in."""
    p = FoodCoolingParams()  # 75 °C into a 5 °C room, τ 45 min; slow: τ × 3
    to_57 = 3 * p.tau_s * math.log((75 - 5) / (57 - 5))
    assert 39 * 60 < to_57 < 41 * 60
    within = cooling_deadline(p, 3.0, 10.0)
    assert within == timedelta(seconds=math.ceil(to_57 + 7200 + 10)) + timedelta(minutes=10)
    # A batch cooling at the normal rate reaches 21 °C within the 2 h: nothing expected;
    # neither when the probe leaves the batch before the rule can judge it.
    assert cooling_deadline(p, 1.0, 10.0) is None
    assert cooling_deadline(p.model_copy(update={"batch_s": 7200.0}), 3.0, 10.0) is None
    assert cooling_deadline(p.model_copy(update={"start_c": 55.0}), 3.0, 10.0) is None
    scn = Scenario.model_validate(
        {
            "start": START,
            "duration": "1d",
            "sites": {"k1": {"devices": {"cooling1": {"model": "food_cooling"}}}},
            "incidents": [
                {"site": "k1", "device": "cooling1", "kind": "slow_cooling",
                 "at": START + timedelta(hours=3)},
                {"site": "k1", "device": "cooling1", "kind": "slow_cooling", "magnitude": 1.0,
                 "at": START + timedelta(hours=12)},
            ],
        }
    )  # fmt: skip
    slow, normal = scn.incidents
    assert slow.expect_rule == "cooling-too-slow" and slow.expect_within == within
    assert normal.expect_rule is None and normal.expect_within is None


def test_slow_cooling_replaced_by_the_next_scheduled_batch_is_not_expected() -> None:
    """The probe's daily batches (02:00 and 08:00 UTC) start a fresh batch: a slow one
    begun within its judging time before one (the demo's at 01:00 UTC) is never judged,
    and the simulated readings agree (at 2 h past 57 °C the probe is below 21 °C)."""
    scn = Scenario.model_validate(
        {
            "start": START,
            "duration": "12h",
            "sites": {"k1": {"devices": {"cooling1": {"model": "food_cooling"}}}},
            "incidents": [
                {"site": "k1", "device": "cooling1", "kind": "slow_cooling",
                 "at": START + timedelta(hours=1)},
                {"site": "k1", "device": "cooling1", "kind": "slow_cooling",
                 "at": START + timedelta(hours=8)},  # with the 08:00 batch itself
            ],
        }
    )  # fmt: skip
    assert [i.expect_rule for i in scn.incidents] == [None, None]
    values = [
        (r.ts, r.value)
        for m in simulate(scn, until=START + timedelta(hours=5))
        if isinstance(m, Telemetry)
        for r in m.readings
    ]
    passed_57 = next(ts for ts, v in values if ts > START + timedelta(hours=1) and v <= 57.0)
    at_2h = next(v for ts, v in values if ts >= passed_57 + timedelta(hours=2))
    assert at_2h < 21.0


def test_disinfection_short_on_a_scheduled_cycle_is_not_expected() -> None:
    """A short cycle started while a scheduled one (01:30, 05:30, 11:30 UTC) still heats
    or holds carries on its hold (the demo's at 06:00 UTC held 20 min in all); one clear
    of them is expected to alert."""
    at = {"on_hold": timedelta(hours=6), "clear": timedelta(hours=8)}
    scn = Scenario.model_validate(
        {
            "start": START,
            "duration": "12h",
            "sites": {"k1": {"devices": {"disinfect1": {"model": "disinfection"}}}},
            "incidents": [
                {"site": "k1", "device": "disinfect1", "kind": "disinfection_short",
                 "at": START + at["on_hold"]},
                {"site": "k1", "device": "disinfect1", "kind": "disinfection_short",
                 "at": START + at["clear"]},
            ],
        }
    )  # fmt: skip
    on_hold, clear = scn.incidents
    assert on_hold.expect_rule is None
    assert clear.expect_rule == "disinfection-incomplete"
    values = [
        (r.ts, r.value)
        for m in simulate(scn, until=START + timedelta(hours=10))
        if isinstance(m, Telemetry)
        for r in m.readings
    ]

    def hot_s(since: timedelta) -> int:
        """Seconds at or above 120 °C in the hour before and after `since`."""
        a, b = START + since - timedelta(hours=1), START + since + timedelta(hours=1)
        return sum(10 for ts, v in values if a <= ts < b and v >= 120.0)

    assert hot_s(at["on_hold"]) >= 600 and hot_s(at["clear"]) < 600


def test_hot_holding_cut_too_short_to_reach_60c_is_not_expected() -> None:
    """A hot box without a power sensor tells a cut only by its food falling below 60 °C,
    which takes about an hour (τ over 3 h; the demo's 1 h cut at noon bottomed out at
    60.4 °C): a 30 min cut is not expected to alert, a 2 h one is, in time."""
    cut = {"site": "k1", "device": "hotbox1", "kind": "power_cut"}
    scn = Scenario.model_validate(
        {
            "start": START,
            "duration": "12h",
            "sites": {"k1": {"devices": {"hotbox1": {"model": "hot_holding"}}}},
            "incidents": [
                {**cut, "at": START + timedelta(hours=1), "duration": "30m"},
                {**cut, "at": START + timedelta(hours=4), "duration": "2h"},
            ],
        }
    )  # fmt: skip
    short, long = scn.incidents
    assert short.expect_rule is None
    assert long.expect_rule == "hot-holding-low" and long.expect_within is not None
    values = [
        (r.ts, r.value)
        for m in simulate(scn, until=START + timedelta(hours=7))
        if isinstance(m, Telemetry)
        for r in m.readings
    ]
    assert min(v for ts, v in values if ts < START + timedelta(hours=3)) > 60.0
    below = [ts for ts, v in values if ts >= long.at and v < 60.0]
    assert below and below[0] + timedelta(minutes=10) <= long.at + long.expect_within


@pytest.mark.parametrize(
    ("incident", "message"),
    [
        ({"device": "nope", "kind": "power_cut"}, "unknown device"),
        ({"device": "coldroom1", "kind": "slow_cooling"}, "does not apply"),
        ({"device": "coldroom1", "kind": "network_outage"}, "names the agent"),
        ({"device": "coldroom1", "kind": "sensor_stuck", "sensor": "t9"}, "unknown sensor"),
        ({"device": "coldroom1", "kind": "power_cut", "at": "2027-01-01T00:00:00Z"}, "outside"),
        ({"device": "coldroom1", "kind": "meltdown"}, "kind"),
        ({"device": "coldroom1", "kind": "power_cut", "colour": "red"}, "colour"),
        ({"device": "coldroom1", "kind": "power_cut", "at": "2026-01-05T03:00:00"}, "timezone"),
    ],
)
def test_bad_incidents_are_refused_with_a_reason(incident: dict[str, Any], message: str) -> None:
    data = {"site": "k1", "at": "2026-01-05T03:00:00Z", **incident}
    with pytest.raises(ValidationError, match=message):
        scenario([data])


def test_durations_in_several_spellings() -> None:
    base = {"site": "k1", "device": "edge1", "kind": "network_outage", "at": START}
    for spelling, expected in [("90s", 90), ("15m", 900), ("PT2H", 7200), (600, 600)]:
        scn = scenario([{**base, "duration": spelling}])
        assert scn.incidents[0].duration == timedelta(seconds=expected)


def test_load_scenario_reports_errors_readably(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: 1\nstart: 2026-01-05T00:00:00Z\nduration: 1d\nsites: {}\nextra: 1\n")
    with pytest.raises(ConfigError, match="extra"):
        load_scenario(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")


def test_shifted_moves_every_time() -> None:
    scn = load_scenario(DEMO)
    later = scn.shifted(timedelta(days=300))
    assert later.start == scn.start + timedelta(days=300)
    assert [
        a.by - b.by for a, b in zip(later.expected_alerts(), scn.expected_alerts(), strict=True)
    ]
    assert all(
        a.by - b.by == timedelta(days=300)
        for a, b in zip(later.expected_alerts(), scn.expected_alerts(), strict=True)
    )


def test_generator_builds_n_standard_kitchens() -> None:
    scn = generate_fleet(40, start=START, incidents_every=3)
    assert len(scn.sites) == 40
    for site in scn.sites.values():
        sensors = sum(len(default_sensors(d.model)) for d in site.devices.values())
        assert sensors == 10
    assert len(scn.incidents) == 14
    assert len({i.kind for i in scn.incidents}) == len(FaultKind)  # every kind, once at least


def test_cli_validate_timeline_and_generate(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(DEMO)])
    assert ok.exit_code == 0, ok.output
    assert "4 sites" in ok.output and "7 expected alerts" in ok.output
    tl = runner.invoke(app, ["timeline", str(DEMO)])
    assert tl.exit_code == 0
    lines = [line for line in tl.output.splitlines()[1:] if line.strip()]
    assert len(lines) == 11
    assert any("device-offline by 2026-01-05 05:05:00" in line for line in lines)
    assert sum("no alert" in line for line in lines) == 4
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: -1\n")
    assert runner.invoke(app, ["validate", str(bad)]).exit_code == 2
    out = tmp_path / "fleet.yaml"
    gen = runner.invoke(app, ["generate", str(out), "--kitchens", "12", "--incidents-every", "2"])
    assert gen.exit_code == 0, gen.output
    written = load_scenario(out)
    assert len(written.sites) == 12 and len(written.incidents) == 6
    assert yaml.safe_load(out.read_text())["duration"] == "24.0h"
