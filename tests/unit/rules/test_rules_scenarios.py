"""Rules driven by the simulators' fleets and incident timelines (tests may import simulators)."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.schemas import AlertState, Telemetry
from rules.config import parse_rule_file, resolve
from rules.engine import Engine
from rules.store import AlertStore
from simulators.fleet import simulate
from simulators.generate import generate_fleet
from simulators.scenario import load_scenario

DEMO = Path(__file__).parents[3] / "simulators" / "scenarios" / "demo.yaml"
# The simulators' freezers follow the -18 °C option of GB 31654 (an override, per kitchen
# or everywhere, of the pack's legal minimum -12 °C).
FILE = {"include": ["gb31654"], "overrides": [{"rule": "frozen-high", "set": {"above": -18}}]}


def drive(engine: Engine, msgs, tick_s: float = 60.0):  # type: ignore[no-untyped-def]
    out, last = [], 0.0
    for m in msgs:
        out += engine.process(m)
        if engine.watermark - last >= tick_s:
            out += engine.tick(engine.watermark)
            last = engine.watermark
    return out


def test_every_demo_incident_raises_exactly_one_alert_in_its_window() -> None:
    scn = load_scenario(DEMO)
    eng = Engine(resolve(parse_rule_file(FILE)))
    events = drive(eng, simulate(scn, step_s=20.0))
    fired = [e for e in events if e.state is AlertState.FIRING]
    expected = scn.expected_alerts()
    assert len(expected) == 7
    for exp in expected:
        mine = [
            e for e in fired if (e.site, e.rule, e.subject) == (exp.site, exp.rule, exp.subject)
        ]
        assert len(mine) == 1, exp
        assert exp.not_before <= mine[0].ts <= exp.by, (exp, mine[0].ts)
    # ...and nothing else: the glitches (spikes, stuck, drift, skew) ride through.
    assert len(fired) == len(expected)


def test_a_restart_mid_incident_neither_loses_nor_duplicates(tmp_path: Path) -> None:
    scn = load_scenario(DEMO)
    url = f"sqlite:///{tmp_path}/alerts.db"
    rs = resolve(parse_rule_file(FILE))
    msgs = list(simulate(scn, until=datetime(2026, 1, 5, 6, 0, tzinfo=UTC), step_s=20.0))
    cut = next(
        i for i, m in enumerate(msgs) if isinstance(m, Telemetry) and m.readings[0].ts.hour == 3
    )
    store = AlertStore(url)
    eng = Engine(rs, store)
    before = drive(eng, msgs[:cut])
    eng.checkpoint()
    store.close()
    # School cold room: door left open 02:00-04:00, alert fired ~02:27, still open at 03:00.
    open_before = {(a.site, a.rule, a.subject) for a in eng.open_alerts()}
    assert ("school-0001", "cold-holding-high", "coldroom1/t1") in open_before
    store2 = AlertStore(url)
    eng2 = Engine(rs, store2)  # a new process: state from the store only
    assert {(a.site, a.rule, a.subject) for a in eng2.open_alerts()} == open_before
    after = drive(eng2, msgs[cut:])
    key = ("school-0001", "cold-holding-high", "coldroom1/t1")
    fired = [
        e
        for e in before + after
        if e.state is AlertState.FIRING and (e.site, e.rule, e.subject) == key
    ]
    assert len(fired) == 1
    resolved = [
        e for e in after if e.state is AlertState.RESOLVED and (e.site, e.rule, e.subject) == key
    ]
    assert len(resolved) <= 1 and all(r.id == fired[0].id for r in resolved)
    # Frozen-high fires after the restart, once (its pending state came from the checkpoint).
    assert len([e for e in after if e.rule == "frozen-high" and e.state is AlertState.FIRING]) == 1
    trail = [a.note for a in store2.audit(fired[0].id)]
    assert trail[0] == "fired"
    csv_text = store2.haccp_csv("school-0001", 2026, 1)
    assert fired[0].id in csv_text
    store2.close()


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("BK_RULES_WEEK"),
    reason="simulating 100 kitchens x 7 days takes minutes here; set BK_RULES_WEEK=1",
)
def test_a_week_of_normal_operation_across_100_kitchens_raises_nothing() -> None:
    step = 7200.0  # coarse simulated step keeps a week of 100 kitchens to seconds
    scn = generate_fleet(100, start=datetime(2026, 1, 5, tzinfo=UTC), duration=timedelta(days=7))
    rs = resolve(
        parse_rule_file(
            {
                **FILE,
                "overrides": [
                    *FILE["overrides"],  # type: ignore[misc]
                    {"rule": "no-data", "set": {"silent_s": 3 * step}},
                ],
            }
        )
    )
    eng = Engine(rs)
    events = drive(eng, simulate(scn, step_s=step), tick_s=step)
    assert eng.counters["readings"] > 100 * 9 * 24 * 7
    assert events == []
