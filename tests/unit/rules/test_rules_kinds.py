"""Rule kinds as plugins (issue 18): a kind from a test module runs end to end; the
checkpoint keeps each kind's state (rate-of-change windows too) and reads version 1;
escalation runs on each kitchen's clock."""

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import Field

from core.errors import ConfigError
from core.schemas import AlertEvent, AlertState, Telemetry
from devtools.traffic import reading, status
from rules import checkpoint
from rules.config import parse_rule_file, resolve
from rules.engine import Engine
from rules.kinds import KINDS, Evaluator, Match, RuleBase, State
from rules.store import AlertStore

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


class HumidityBandRule(RuleBase):
    """Dry store humidity outside [low, high] for `for_s` (a toy kind, not shipped)."""

    kind: Literal["humidity_band"]
    match: Match = Field(default_factory=lambda: Match(kind="humidity"))
    low: float = Field(ge=0, le=100)
    high: float = Field(ge=0, le=100)


class BandState(State):
    outside_since: dict[str, float] = Field(default_factory=dict)


class HumidityBand(Evaluator):
    """Keeps its own excursion start (so the checkpoint must carry it) and fires itself."""

    config = HumidityBandRule
    listens = frozenset({"reading"})

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self.outside_since: dict[str, float] = {}

    def on_reading(
        self, rule: Any, site: str, device: str, subject: str, ts: float, v: float
    ) -> None:
        key = f"{rule.id}|{site}|{subject}"
        if rule.low <= v <= rule.high:
            self.outside_since.pop(key, None)
            self.host.clear(key, ts)
            return
        since = self.outside_since.setdefault(key, ts)
        if ts - since >= rule.for_s:
            summary = f"{subject} at {v:g} %, outside {rule.low:g}-{rule.high:g} %"
            self.host.fire(rule, key, site, device, subject, ts, v, rule.high, summary, since)

    def snapshot(self) -> BandState:
        return BandState(outside_since=self.outside_since)

    def restore(self, state: dict[str, Any]) -> None:
        self.outside_since = dict(BandState.model_validate(state).outside_since)

    @classmethod
    def describe(cls, rule: Any, held: str) -> str:
        return f"humidity outside {rule.low:g}-{rule.high:g} %{held}"


BAND = {
    "rules": [
        {"id": "dry-store", "kind": "humidity_band", "low": 40, "high": 65, "for_s": 600},
    ]
}


def humidity(value: float, at: datetime, seq: int) -> Telemetry:
    return Telemetry.model_validate(
        {
            "site": "k1",
            "device": "store1",
            "readings": [
                {
                    "sensor": "h1",
                    "kind": "humidity",
                    "value": value,
                    "unit": "%",
                    "ts": at,
                    "seq": seq,
                    "zone": "dry_store",
                }
            ],
        }
    )


def run(eng: Engine, values: list[float], start: int = 0) -> list[AlertEvent]:
    out: list[AlertEvent] = []
    for i, v in enumerate(values, start):
        at = T0 + timedelta(minutes=i)
        out += eng.process(humidity(v, at, i))
        out += eng.tick(at)
    return out


def test_a_kind_from_a_test_module_is_read_fires_resolves_and_is_described() -> None:
    assert KINDS["humidity_band"] is HumidityBand
    rs = resolve(parse_rule_file(BAND))
    (rule,) = rs.rules
    assert isinstance(rule, HumidityBandRule)
    events = run(Engine(rs), [55.0] * 3 + [80.0] * 15 + [55.0] * 3)
    assert [(e.state, e.ts - T0) for e in events] == [
        (AlertState.FIRING, timedelta(minutes=13)),
        (AlertState.RESOLVED, timedelta(minutes=18)),
    ]
    assert events[0].started_at == T0 + timedelta(minutes=3)
    # A typo in the toy kind's fields is as precise an error as in a shipped kind's.
    with pytest.raises(ConfigError, match=r"rules\.0\.humidity_band\.hihg"):
        parse_rule_file({"rules": [{**BAND["rules"][0], "hihg": 70}]})


def test_the_toy_kinds_state_survives_a_restart(tmp_path: Path) -> None:
    """Five minutes into an excursion the worker restarts: the alert still fires ten
    minutes after the excursion began (not ten minutes after the restart)."""
    rs = resolve(parse_rule_file(BAND))
    url = f"sqlite:///{tmp_path}/a.db"
    eng = Engine(rs, AlertStore(url))
    assert run(eng, [55.0] * 3 + [80.0] * 6) == []
    eng.checkpoint()
    assert eng.snapshot()["kinds"]["humidity_band"] == {
        "outside_since": {"dry-store|k1|store1/h1": (T0 + timedelta(minutes=3)).timestamp()}
    }
    eng2 = Engine(rs, AlertStore(url))
    events = run(eng2, [80.0] * 9, start=9)
    assert [(e.state, e.ts - T0) for e in events] == [(AlertState.FIRING, timedelta(minutes=13))]


def test_a_kind_name_registered_twice_is_an_error() -> None:
    with pytest.raises(ValueError, match="registered twice"):

        class Again(Evaluator):
            config = HumidityBandRule


ROC = {
    "rules": [
        {
            "id": "fast-rise",
            "kind": "rate_of_change",
            "max_per_min": 1.0,
            "window_s": 600,
            "match": {"zone": ["cold_room"]},
        }
    ]
}


def _roc(eng: Engine, values: list[float], start: int = 0) -> list[AlertEvent]:
    out: list[AlertEvent] = []
    for i, v in enumerate(values, start):
        at = T0 + timedelta(minutes=i)
        out += eng.process(reading("k1", "cr1", "t1", "cold_room", v, at, i))
    return out


def test_a_rate_of_change_window_survives_a_restart(tmp_path: Path) -> None:
    """0.8 °C/min for 5 min, restart, 0.8 °C/min on: never over 1 °C/min. Without the
    window the first reading after the restart would be the window's only point (rate
    0) and the second would be judged on 1 min alone; with it, the rate is the same
    as without a restart at every reading: here a jump of 4 °C in one minute after the
    restart reads 1.26 °C/min over the 10-min window (8.8 °C in 7 min), which fires as it
    does unbroken (without the window it would read 4 °C/min)."""
    rs = resolve(parse_rule_file(ROC))
    rise = [4.0 + 0.8 * i for i in range(6)]
    after = [rise[-1] + 0.8, rise[-1] + 4.8]
    unbroken = _roc(Engine(rs), rise + after)
    url = f"sqlite:///{tmp_path}/r.db"
    eng = Engine(rs, AlertStore(url))
    assert _roc(eng, rise) == []
    eng.checkpoint()
    window = eng.snapshot()["kinds"]["rate_of_change"]["windows"]["fast-rise|k1|cr1/t1"]
    assert [v for _, v in window] == pytest.approx(rise)
    restarted = _roc(Engine(rs, AlertStore(url)), after, start=len(rise))
    assert [(e.state, e.ts, e.summary) for e in restarted] == [
        (e.state, e.ts, e.summary) for e in unbroken
    ]
    assert [e.state for e in restarted] == [AlertState.FIRING]
    assert "changing 1.26/min" in restarted[0].summary


def test_escalation_runs_on_the_kitchens_own_clock_in_another_time_zone() -> None:
    """A kitchen in New York whose agent clock is 20 min behind: its alert escalates 15
    min after firing by its own clock (not at once, as on the newest kitchen's clock)."""
    file = {
        "sites": {"ny1": {"timezone": "America/New_York"}},
        "rules": [
            {
                "id": "warm",
                "kind": "threshold",
                "match": {"zone": ["cold_room"]},
                "above": 8.0,
                "severity": "critical",
            }
        ],
    }
    eng = Engine(resolve(parse_rule_file(file)))
    lag = timedelta(minutes=20)
    for i in range(0, 40 * 60, 30):
        real = T0 + timedelta(seconds=i)
        eng.process(reading("sh1", "cr1", "t1", "cold_room", 4.0, real, i))
        eng.process(reading("ny1", "cr1", "t1", "cold_room", 12.0, real - lag, i))
        eng.tick(real)
    notices = [n for n in eng.outbox if n.event.site == "ny1"]
    fired = next(n.event.ts for n in notices if n.kind == "firing")
    assert fired == T0 - lag
    (esc,) = [n for n in notices if n.kind == "escalation"]
    assert esc.roles == ("district_supervisor",)
    assert timedelta(minutes=15) <= esc.event.ts - fired <= timedelta(minutes=15, seconds=30)


def _v1_state() -> dict[str, Any]:
    """A checkpoint as the engine wrote it before rule kinds were plugins."""
    ts = T0.timestamp()
    return {
        "v": 1,
        "watermark": ts,
        "conds": {"frozen-high|k1|fz1/t1": [ts - 60, None]},
        "seen": [["k1", "fz1", "t1", ts, "telemetry", "temperature", "freezer", 30.0]],
        "offline": [["k1", "agent", ts - 120, 1.0]],
        "telemetry_devices": [["k1", "fz1"]],
        "cool": {
            "cool|k1|b1/t1": {
                "hot_ts": ts - 600,
                "hot_v": 60.0,
                "start": None,
                "mid": None,
                "done": 0,
            }
        },
        "cold": {
            "frozen-high|k1|fz1/t1": [-15.0, ts, -10.0, ts - 60, 0.0],
            "frozen-high|k1|fz1": [ts - 60, 2.0],
        },
        "power": [["k1", "fz1", 1.0]],
        "door_since": [],
        "disinfect": {"dis|k1|cab1/t1": [ts - 900, -1.0, 300.0, 98.0, 0.0, 98.0]},
        "pending": ["offline|k1|agent"],
        "site_clock": {"k1": [ts, 0.0]},
        "digest": {},
        "live": {},
    }


def test_a_version_1_checkpoint_is_read_and_an_unknown_version_starts_fresh(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rs = resolve(parse_rule_file({"include": ["gb31654"]}))
    eng = Engine(rs)
    eng.restore(_v1_state())
    snap = eng.snapshot()
    assert snap["v"] == checkpoint.VERSION
    ts = T0.timestamp()
    assert snap["conds"] == {"frozen-high|k1|fz1/t1": {"since": ts - 60, "clear_since": None}}
    threshold = snap["kinds"]["threshold"]
    assert threshold["failures"] == {"frozen-high|k1|fz1": {"start": ts - 60, "why": 2.0}}
    assert threshold["probes"]["frozen-high|k1|fz1/t1"]["est0"] == -15.0
    assert snap["offline"] == [["k1", "agent", ts - 120, True]]
    assert eng._cut_off("k1", "fz1")  # the gateway is down: the kitchen is cut off
    # Kinds the pack does not use (cooling, disinfection) have no evaluator to take theirs.
    assert set(snap["kinds"]) <= set(eng.evaluators)
    with caplog.at_level(logging.WARNING, logger="rules.checkpoint"):
        fresh = Engine(rs)
        fresh.restore({**_v1_state(), "v": 99})
    assert fresh.watermark == 0.0 and fresh.conds == {}
    assert "checkpoint version 99" in caplog.text


def test_an_offline_grace_runs_on_the_kitchens_own_clock() -> None:
    """A device of a kitchen 20 min behind goes offline: its 5-min grace is 5 min of the
    kitchen's time (on the newest kitchen's clock it was over the moment it began)."""
    file = {"rules": [{"id": "offline", "kind": "device_offline", "for_s": 300}]}
    eng = Engine(resolve(parse_rule_file(file)))
    lag = timedelta(minutes=20)
    fired: list[AlertEvent] = []
    for i in range(0, 30 * 60, 30):
        real = T0 + timedelta(seconds=i)
        eng.process(reading("sh1", "cr1", "t1", "cold_room", 4.0, real, i))
        eng.process(reading("ny1", "cr1", "t1", "cold_room", 4.0, real - lag, i))
        if i == 600:
            eng.process(status("ny1", "cr1", False, real - lag))
        fired += [e for e in eng.tick(real) if e.state is AlertState.FIRING]
    (alert,) = fired
    assert alert.started_at == T0 + timedelta(seconds=600) - lag
    # Fired 5 min of ny1's time after it went offline, and stamped on ny1's clock.
    since_offline = alert.ts - alert.started_at
    assert timedelta(minutes=5) <= since_offline <= timedelta(minutes=5, seconds=30)
