"""The pure engine over generated streams: one alert per incident, source clock only."""

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.schemas import AlertEvent, AlertState
from devtools.traffic import T0, kitchen, reading, status
from rules.config import load_packs
from rules.engine import Engine


def run(engine: Engine, msgs: Iterable[Any], tick_every: float = 60.0) -> list[AlertEvent]:
    out: list[AlertEvent] = []
    last = None
    for m in msgs:
        out += engine.process(m)
        ts = engine.watermark
        if last is None or ts - last >= tick_every:
            out += engine.tick(ts)
            last = ts
    return out


def firing(events: list[AlertEvent], rule: str | None = None) -> list[AlertEvent]:
    return [e for e in events if e.state is AlertState.FIRING and (rule is None or e.rule == rule)]


def test_cold_room_excursion_raises_one_alert_after_ten_minutes() -> None:
    eng = Engine(load_packs("gb31654"))
    ev = run(eng, kitchen("k1", T0, 3600, fault=("cold_room", 600, 1800, 11.0)))
    fired = firing(ev)
    assert [e.rule for e in fired] == ["cold-holding-high"]
    e = fired[0]
    assert e.subject == "agent/t0"
    assert (e.ts - T0).total_seconds() == 600 + 600
    resolved = [x for x in ev if x.state is AlertState.RESOLVED]
    assert len(resolved) == 1 and resolved[0].id == e.id
    assert 1800 <= (resolved[0].ts - T0).total_seconds() <= 1800 + 130


def test_short_excursion_and_flapping_do_not_fire() -> None:
    eng = Engine(load_packs("gb31654"))
    msgs = []
    for i in range(200):
        v = 8.3 if i % 2 else 7.0  # flaps across the limit, clears below 7.5 each time
        msgs.append(reading("k1", "d", "t", "cold_room", v, T0 + timedelta(seconds=10 * i), i))
    assert firing(run(eng, msgs)) == []


def test_hysteresis_keeps_alert_open_while_near_limit() -> None:
    eng = Engine(load_packs("gb31654"))
    msgs = [
        reading("k1", "d", "t", "cold_room", 9.0, T0 + timedelta(seconds=10 * i), i)
        for i in range(70)
    ]
    msgs += [
        reading(
            "k1", "d", "t", "cold_room", 7.8 if i % 2 else 8.2, T0 + timedelta(seconds=10 * i), i
        )
        for i in range(70, 200)
    ]
    ev = run(eng, msgs)
    assert len(firing(ev)) == 1
    assert not [e for e in ev if e.state is AlertState.RESOLVED]


def test_redelivered_and_old_readings_are_ignored() -> None:
    eng = Engine(load_packs("gb31654"))
    msgs = [
        reading("k1", "d", "t", "cold_room", 12.0, T0 + timedelta(seconds=10 * i), i)
        for i in range(100)
    ]
    ev = run(eng, msgs + msgs[::-1])
    assert len(firing(ev)) == 1
    assert eng.counters["ignored_old"] == 100


def test_silent_sensor_raises_no_data_and_clears_when_back() -> None:
    eng = Engine(load_packs("gb31654"))
    ev = run(eng, kitchen("k1", T0, 600))
    ev += eng.tick(T0 + timedelta(seconds=600 + 301))
    nodata = firing(ev, "no-data")
    assert len(nodata) == 4
    ev = run(eng, kitchen("k1", T0 + timedelta(seconds=1200), 60))
    assert len([e for e in ev if e.state is AlertState.RESOLVED and e.rule == "no-data"]) == 4


def test_offline_device_inhibits_its_rules_and_one_alert_stands() -> None:
    eng = Engine(load_packs("gb31654"))
    ev = run(eng, kitchen("k1", T0, 300))
    off = T0 + timedelta(seconds=300)
    ev += eng.process(status("k1", "agent", False, off))
    ev += eng.tick(off + timedelta(seconds=59))
    assert firing(ev) == []
    for minute in range(1, 60):
        ev += eng.tick(off + timedelta(minutes=minute))
    assert [e.rule for e in firing(ev)] == ["device-offline"]
    assert firing(ev)[0].subject == "agent"
    back = off + timedelta(hours=1)
    ev2 = eng.process(status("k1", "agent", True, back))
    assert [e.state for e in ev2] == [AlertState.RESOLVED]
    # Fresh grace for its sensors after coming back.
    assert firing(eng.tick(back + timedelta(seconds=200))) == []


def test_escalation_at_the_right_minute_and_reminders_stop_on_ack() -> None:
    eng = Engine(load_packs("gb31654"))
    msgs = [
        reading("k1", "d", "t", "cold_room", 12.0, T0 + timedelta(seconds=10 * i), i)
        for i in range(61)
    ]
    ev = run(eng, msgs)
    fired = firing(ev)[0]
    notices = list(eng.outbox)
    assert [n.kind for n in notices] == ["firing"]
    # cold-holding-high is tier 1: the grid inspector hears of it at once too (issue 13).
    assert notices[0].roles == ("canteen_manager", "grid_inspector")
    eng.outbox.clear()
    minute = None
    for m in range(1, 30):
        eng.tick(fired.ts + timedelta(minutes=m))
        kinds = [n.kind for n in eng.outbox]
        if "escalation" in kinds and minute is None:
            minute = m
    assert minute == 15
    mine = [n for n in eng.outbox if n.event.id == fired.id]
    esc = [n for n in mine if n.kind == "escalation"]
    assert len(esc) == 1 and esc[0].roles == ("district_supervisor",)
    assert [n.kind for n in mine].count("reminder") == 2  # minutes 10 and 25
    ack = eng.acknowledge(
        fired.id, "manager-wang", "moving stock", fired.ts + timedelta(minutes=30)
    )
    assert [e.state for e in ack] == [AlertState.ACKNOWLEDGED]
    eng.outbox.clear()
    eng.tick(fired.ts + timedelta(hours=3))
    assert [n.kind for n in eng.outbox if n.event.id == fired.id] == []
    done = eng.resolve(fired.id, "manager-wang", "compressor fixed", fired.ts + timedelta(hours=3))
    assert done[0].state is AlertState.RESOLVED and done[0].comment == "compressor fixed"


def test_cooling_curve_too_slow_fires_once_and_fast_cooling_does_not() -> None:
    eng = Engine(load_packs("fda_food_code"))
    # Slow batch: 70 °C to 25 °C linearly over 3 h, then to 4 °C by 5 h.
    msgs = []
    for i in range(0, 6 * 360):
        t = i * 10
        v = 70 - 45 * t / 10800 if t < 10800 else max(4.0, 25 - 21 * (t - 10800) / 7200)
        msgs.append(reading("k1", "probe", "core", "food_cooling", v, T0 + timedelta(seconds=t), i))
    ev = run(eng, msgs)
    fired = firing(ev, "cooling-too-slow")
    assert len(fired) == 1
    assert fired[0].threshold == 21.0
    assert len([e for e in ev if e.state is AlertState.RESOLVED]) == 1
    eng2 = Engine(load_packs("fda_food_code"))
    fast = [
        reading(
            "k1",
            "probe",
            "core",
            "food_cooling",
            max(3.0, 70 - 30 * i / 360),
            T0 + timedelta(seconds=10 * i),
            i,
        )
        for i in range(1000)
    ]
    assert firing(run(eng2, fast)) == []


def test_disinfection_cycle_short_hold_fires_and_full_hold_does_not() -> None:
    eng = Engine(load_packs("gb31654"))

    def cycle(start_i: int, hold_steps: int) -> list[Any]:
        temps = [30, 70, 100] + [125] * hold_steps + [110, 90, 60, 30]
        return [
            reading(
                "k1",
                "cab",
                "t",
                "disinfection",
                v,
                T0 + timedelta(seconds=10 * (start_i + k)),
                start_i + k,
            )
            for k, v in enumerate(temps)
        ]

    ev = run(eng, cycle(0, 70))  # 69 intervals = 690 s held
    assert firing(ev) == []
    ev = run(eng, cycle(100, 30))
    assert [e.rule for e in firing(ev)] == ["disinfection-incomplete"]
    ev = eng.tick(T0 + timedelta(hours=3))
    assert [e.state for e in ev if e.rule == "disinfection-incomplete"] == [AlertState.RESOLVED]


def test_working_hours_and_overrides(tmp_path: Path) -> None:
    from rules.config import load_rules

    f = tmp_path / "r.yaml"
    f.write_text(
        "include: [gb31654]\n"
        "sites: {k2: {timezone: Europe/Paris}}\n"
        "overrides:\n"
        "  - {rule: cold-holding-high, site: k1, set: {above: 10}}\n"
        "  - {rule: cold-holding-high, site: k1, device: d2, set: {above: 12}}\n"
    )
    rs = load_rules(f)
    eng = Engine(rs)
    for k, (dev, value, expect) in enumerate((("d1", 11.0, 1), ("d2", 11.0, 0), ("d3", 9.5, 0))):
        msgs = [
            reading("k1", dev, "t", "cold_room", value, T0 + timedelta(seconds=10 * i), i)
            for i in range(70 * k, 70 * k + 70)
        ]
        assert len(firing(run(eng, msgs), "cold-holding-high")) == expect, dev
    rule = rs.for_device(eng.rules_by_id["no-hat"], "k2", "cam")
    assert rule is not None
    # 00:00 UTC Monday is 01:00 in Paris (outside), 08:00 in Shanghai (inside).
    assert not rs.in_schedule(rule, "k2", T0)
    assert rs.in_schedule(rule, "k1", T0)


def test_last_will_counts_offline_from_when_it_arrives() -> None:
    """A will stamped at start-up (hours old) must not skip the offline rule's grace."""
    eng = Engine(load_packs("gb31654"))
    events = eng.process(status("k1", "agent", True, T0))
    # Three hours of normal readings, then the agent drops; its will says T0.
    events += run(eng, kitchen("k1", T0, 3 * 3600))
    dropped = eng.watermark
    events += eng.process(status("k1", "agent", False, T0))
    events += eng.tick(dropped + 30)
    assert firing(events, "device-offline") == [], "30 s into a 60 s grace: nothing yet"
    # Back within the grace period: no alert at all.
    events += eng.process(status("k1", "agent", True, T0 + timedelta(seconds=3 * 3600 + 40)))
    events += eng.tick(dropped + 120)
    assert firing(events, "device-offline") == []
    # A real outage fires once the grace has passed, counted from the will's arrival.
    events += eng.process(status("k1", "agent", False, T0))
    gone = eng.watermark
    events += eng.tick(gone + 59)
    assert firing(events, "device-offline") == []
    events += eng.tick(gone + 61)
    fired = firing(events, "device-offline")
    assert len(fired) == 1
    assert abs(fired[0].started_at.timestamp() - gone) < 1
