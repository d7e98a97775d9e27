"""Cold-chain alerts people can trust (issue 20): each scripted failure raises exactly one
alert within its window, in a kitchen that defrosts, takes deliveries, short-cycles and
switches its hot holding off after service.

The kitchens are `simulators.generate`'s cold-chain kitchens: an even-numbered one has a
product-simulating probe `p1` beside the air probe `t1` (the rule judges p1), an
odd-numbered one only the air probe (the rule judges the product estimate); number 5
short-cycles. Readings every 60 s, physics at 60 s, the GB 31654 pack with the −18 °C
freezer option, as in the week test.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.registry import SiteCategory
from core.schemas import AlertEvent, AlertState, DetectionEvent, Telemetry
from devtools.traffic import T0, reading
from rules.config import explain, load_packs, parse_rule_file, resolve
from rules.engine import Engine
from simulators.fleet import simulate
from simulators.generate import kitchen
from simulators.scenario import Scenario

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
FILE: dict[str, Any] = {
    "include": ["gb31654"],
    "overrides": [{"rule": "frozen-high", "set": {"above": -18}}],
}


def scenario(
    number: int, incidents: list[dict[str, Any]], hours: float = 24.0, **extra: Any
) -> Scenario:
    site = f"k{number}"
    data = kitchen(SiteCategory.SCHOOL_CANTEEN, number, 60.0, coldchain=True)
    for dev, spec in extra.items():
        data["devices"][dev]["params"].update(spec)
    return Scenario.model_validate(
        {
            "seed": 11,
            "start": START,
            "duration": timedelta(hours=hours),
            "sites": {site: data},
            "incidents": [{"site": site, **inc} for inc in incidents],
        }
    )


def drive(scn: Scenario, file: dict[str, Any] | None = None) -> list[AlertEvent]:
    eng = Engine(resolve(parse_rule_file(file or FILE)))
    out: list[AlertEvent] = []
    last = 0.0
    for msg in simulate(scn, step_s=60.0, dt_s=60.0):
        out += eng.process(msg)
        if eng.watermark - last >= 60.0:
            out += eng.tick(eng.watermark)
            last = eng.watermark
    return out


def fired(events: list[AlertEvent]) -> list[AlertEvent]:
    return [e for e in events if e.state is AlertState.FIRING]


def air(scn: Scenario, device: str, sensor: str = "t1") -> list[tuple[datetime, float]]:
    return [
        (r.ts, r.value)
        for m in simulate(scn, step_s=60.0, dt_s=60.0)
        if isinstance(m, Telemetry) and m.device == device
        for r in m.readings
        if r.sensor == sensor
    ]


@pytest.mark.parametrize("number", [1, 2, 5])
def test_a_normal_day_with_defrosts_deliveries_and_service_raises_nothing(number: int) -> None:
    scn = scenario(number, [])
    events = drive(scn)
    assert events == [], [(e.ts, e.rule, e.subject, e.summary) for e in events]
    # ...while the air probe really went through its defrosts (four, above −18 °C each
    # for 15–35 min) and the plain rule on the air would have fired on them.
    t1 = air(scn, "freezer1")
    runs, run = [], 0
    for _, v in t1:
        if v > -18.0:
            run += 1
        elif run:
            runs.append(run)
            run = 0
    long = [r for r in runs if r >= 15]
    assert len(long) >= 4, runs
    assert max(v for _, v in t1) > -5.0
    hot = air(scn, "hotbox1")
    assert min(v for _, v in hot) < 40.0  # switched off after service, cooled down


FAILURES = [
    # (name, incident, rule, window): the freezer stuck warm (compressor failed) 2 h
    # after midnight; the defrost heater stuck on; the door left open 40 min; the
    # compressor failed for good.
    ("stuck warm 2 h", {"kind": "compressor_failure", "duration": "2h"}, None),
    ("defrost heater stuck on", {"kind": "defrost_heater_stuck", "duration": "3h"}, None),
    (
        "door open 40 min",
        {"kind": "door_left_open", "duration": "40m"},
        # The pack's door bound: open 15 min during an excursion is not a defrost.
        ("frozen-high", timedelta(minutes=30)),
    ),
    ("compressor failure", {"kind": "compressor_failure", "duration": "10h"}, None),
]


@pytest.mark.parametrize("number", [1, 2])
@pytest.mark.parametrize(("name", "fault", "expect"), FAILURES, ids=[f[0] for f in FAILURES])
def test_each_failure_raises_exactly_one_alert_within_its_window(
    number: int, name: str, fault: dict[str, Any], expect: tuple[str, timedelta] | None
) -> None:
    at = START + timedelta(hours=14, minutes=20)  # 22:20 in Shanghai, between defrosts
    inc: dict[str, Any] = {"device": "freezer1", "at": at, **fault}
    if expect is not None:
        inc["expect_rule"], inc["expect_within"] = expect
    scn = scenario(number, [inc], hours=24)
    (exp,) = scn.expected_alerts()
    probe = "p1" if number % 2 == 0 else "t1"
    assert (exp.rule, exp.subject) == ("frozen-high", f"freezer1/{probe}"), name
    events = fired(drive(scn))
    assert [(e.rule, e.subject) for e in events] == [(exp.rule, exp.subject)], [
        (e.ts, e.rule, e.subject, e.summary) for e in events
    ]
    assert exp.not_before <= events[0].ts <= exp.by, (name, events[0].ts - at, exp.by - at)


def test_a_stuck_heater_at_a_defrost_is_told_from_the_defrost() -> None:
    """The heater sticks when a defrost starts: the rise looks like a defrost at first,
    then passes the defrost's peak bound, and the alert says why."""
    scn = scenario(1, [])
    first = next(ts for ts, v in air(scn, "freezer1") if v > -10.0)  # a defrost under way
    at = first - timedelta(minutes=3)
    scn = scenario(1, [{"device": "freezer1", "kind": "defrost_heater_stuck", "at": at,
                        "duration": "3h"}])  # fmt: skip
    events = fired(drive(scn))
    assert [(e.rule, e.subject) for e in events] == [("frozen-high", "freezer1/t1")]
    assert events[0].ts - at <= timedelta(minutes=90)
    assert "not a defrost" in events[0].summary


def test_configured_defrost_windows_keep_a_kitchen_quiet_without_recognition() -> None:
    """With recognition off, a plain air rule fires on the defrosts; the controller's
    defrost times in the rule file (local time) make the same day quiet again."""
    scn = scenario(1, [])
    off = {**FILE, "overrides": [*FILE["overrides"],
           {"rule": "frozen-high", "set": {"defrost": {"peak_c": 5, "auto": False}}}]}  # fmt: skip
    loud = fired(drive(scn, off))
    assert loud and {e.rule for e in loud} == {"frozen-high"}
    # Kitchen 1's controller defrosts at 01:00, 07:00, 13:00, 19:00 UTC (± 15 min).
    windows = [
        {
            "site": "k1",
            "device": "freezer1",
            "at": ["08:40", "14:40", "20:40", "02:40"],
            "duration_s": 3600,
        }
    ]
    assert fired(drive(scn, {**off, "defrost_windows": windows})) == []


def test_a_hot_holding_unit_off_during_service_is_its_own_alert() -> None:
    """A power cut at 11:30 Shanghai (in lunch service): one hot-holding-off alert (the
    power sensor reads off), no hot-holding-low beside it; switched off after service,
    nothing."""
    at = START + timedelta(hours=3, minutes=30)
    scn = scenario(2, [{"device": "hotbox1", "kind": "power_cut", "at": at, "duration": "1h"}])
    (exp,) = scn.expected_alerts()
    assert exp.rule == "hot-holding-off"
    events = fired(drive(scn))
    assert [(e.rule, e.subject) for e in events] == [("hot-holding-off", "hotbox1/power")]
    assert exp.not_before <= events[0].ts <= exp.by


def test_no_data_is_judged_against_each_sensors_own_interval() -> None:
    """A battery sensor reporting every 15 min is not silent after 5; a 1-minute sensor
    is; the battery sensor silent for an hour is."""
    eng = Engine(load_packs("gb31654"))
    msgs = []
    for i in range(0, 4 * 3600, 60):
        ts = T0 + timedelta(seconds=i)
        if i < 3 * 3600:  # the 1-minute probe stops at 3 h
            msgs.append(reading("k1", "fridge", "t1", "cold_room", 4.0, ts, i))
        if i % 900 == 0 and i < 2 * 3600:  # the battery probe stops at 2 h
            msgs.append(reading("k1", "battery", "t1", "cold_room", 4.0, ts, i))
    events: list[AlertEvent] = []
    for m in msgs:
        events += eng.process(m)
        events += eng.tick(eng.watermark)
    for minute in range(1, 11):  # the stream has ended; the clock runs on
        events += eng.tick(T0 + timedelta(hours=3, minutes=minute))
    nodata = [(e.subject, e.ts) for e in fired(events) if e.rule == "no-data"]
    # The battery probe's last reading was at 1:45; 3 × 15 min later is 2:30.
    assert nodata == [
        ("battery/t1", T0 + timedelta(hours=2, minutes=31)),
        ("fridge/t1", T0 + timedelta(hours=3, minutes=5)),
    ]


def test_rules_check_explains_defrost_probes_and_service_in_words() -> None:
    lines = explain(resolve(parse_rule_file(FILE)))
    frozen = next(ln for ln in lines if ln.startswith("frozen-high"))
    assert "product probe p1" in frozen and "estimate" in frozen and "defrost" in frozen
    hot = next(ln for ln in lines if ln.startswith("hot-holding-low"))
    assert "service_hours" in hot and "switched on" in hot
    nodata = next(ln for ln in lines if ln.startswith("no-data"))
    assert "own reporting interval" in nodata


def test_a_camera_off_at_night_is_normal_and_off_in_service_is_an_alert() -> None:
    """A no-data rule with a schedule (the pack's service hours, 10:30–13:00 and
    17:00–19:00 Shanghai) judges silence only in service: the camera switched off
    from 09:00 to 10:25 raises nothing, switched off at 11:00 it does, 5 min later."""
    camera_off = {
        "id": "camera-off",
        "kind": "no_data",
        "source": "detections",
        "silent_s": 300,
        "schedule": "service_hours",
    }
    eng = Engine(resolve(parse_rule_file({**FILE, "rules": [camera_off]})))
    local = timedelta(hours=8)  # T0 is Monday 00:00 UTC = 08:00 in Shanghai
    on = [
        (T0, T0 + timedelta(hours=1)),
        (T0 + timedelta(hours=2, minutes=25), T0 + timedelta(hours=3)),
    ]
    events: list[AlertEvent] = []
    for minute in range(5 * 60):
        ts = T0 + timedelta(minutes=minute)
        if any(a <= ts < b for a, b in on):
            frame = DetectionEvent.model_validate(
                {"site": "k1", "camera": "cam1", "ts": ts, "seq": minute, "width": 640,
                 "height": 480, "model": "m", "detections": []}
            )  # fmt: skip
            events += eng.process(frame)
        events += eng.tick(ts)
    off = [(e.subject, e.ts + local - T0) for e in fired(events) if e.rule == "camera-off"]
    assert off == [("cam1", timedelta(hours=11, minutes=5))]  # 11:05 local, not 10:30


def test_a_silent_product_probe_hands_the_freezer_back_to_the_air_estimate() -> None:
    """p1 drops out (its own no-data alert); a compressor failure two hours later is
    still caught, on the air probe's product estimate."""
    drop = START + timedelta(hours=10)
    fail = START + timedelta(hours=12)
    scn = scenario(
        2,
        [
            {"device": "freezer1", "sensor": "p1", "kind": "sensor_dropout", "at": drop,
             "duration": "8h"},
            {"device": "freezer1", "kind": "compressor_failure", "at": fail, "duration": "4h",
             "expect_rule": None},
        ],
        hours=17,  # (when p1 is back, at 18:00, the food's own reading is judged again)
    )  # fmt: skip
    events = fired(drive(scn))
    assert [(e.rule, e.subject) for e in events] == [
        ("no-data", "freezer1/p1"),
        ("frozen-high", "freezer1/t1"),
    ]
    assert events[0].ts - drop <= timedelta(minutes=20)
    assert timedelta(0) < events[1].ts - fail <= timedelta(hours=1)


@pytest.mark.parametrize("number", [1, 2])
def test_defrosts_that_grow_longer_day_by_day_fire_once_each_past_the_bound(number: int) -> None:
    """Ice builds up: each day's defrosts take 12 min longer. The early ones are normal;
    each one that keeps the air above −18 °C longer than the pack's 40 min is a failure,
    one alert per such cycle, as its 40th minute passes (and none before)."""
    scn = scenario(number, [], hours=4 * 24, freezer1={"defrost_ice_s_per_day": 720.0})
    t1 = air(scn, "freezer1")
    excursions, since = [], None
    for ts, v in t1:
        if v > -18.0 and since is None:
            since = ts
        elif v <= -18.0 and since is not None:
            excursions.append((since, ts))
            since = None
    long = [(a, b) for a, b in excursions if b - a > timedelta(minutes=41)]
    assert long and all(a >= START + timedelta(days=1) for a, _ in long)  # day 0 is fine
    assert any(b - a <= timedelta(minutes=38) for a, b in excursions[4:8])  # day 1 still
    events = fired(drive(scn))
    probe = "p1" if number % 2 == 0 else "t1"
    assert {(e.rule, e.subject) for e in events} == {("frozen-high", f"freezer1/{probe}")}
    assert len(events) == len(long)
    for e, (a, _) in zip(events, long, strict=True):
        assert timedelta(minutes=40) < e.ts - a <= timedelta(minutes=42), (e.ts, a)
        assert "longer than a defrost" in e.summary
