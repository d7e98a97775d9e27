"""Tiers and the supervision loop in the engine: 预警 → 整改 → 复核, with the store as channel.

Requests go through the store exactly as the API queues them and the service applies
them (take_workflow_requests → Engine.apply), so what is tested here is the path the
running worker takes, including a restart between steps.
"""

from datetime import datetime, timedelta
from pathlib import Path

from core.schemas import AlertEvent, AlertState, Severity
from devtools.traffic import T0, reading
from rules.alerts import WF_ACTIONS, steps_fitting
from rules.config import load_packs, resolve
from rules.engine import Engine
from rules.model import Override, RuleFile, ThresholdRule
from rules.store import AlertStore

HOUR = 3600.0
PHOTO = "ab" * 32


def _rules(**extra: object) -> RuleFile:
    warm = ThresholdRule.model_validate(
        {
            "id": "warm",
            "kind": "threshold",
            "match": {"zone": ["cold_room"]},
            "above": 8.0,
            "for_s": 0,
            "rectify_within_s": HOUR,
        }
    )
    return RuleFile.model_validate({"rules": [warm], **extra})


def _fire(eng: Engine, site: str = "k1", at: datetime = T0) -> str:
    eng.process(reading(site, "fridge", "t1", "cold_room", 12.0, at, 1))
    (alert,) = [a for a in eng.open_alerts() if a.site == site]
    return alert.id


def _send(
    store: AlertStore,
    eng: Engine,
    rid: str,
    ref: str,
    action: str,
    at: datetime,
    actor: str = "wang",
    role: str = "canteen_staff",
    comment: str | None = None,
    photos: tuple[str, ...] = (),
) -> list[AlertEvent]:
    """Queue as the API does, apply as the service's tick does."""
    store.request_action(rid, ref, action, actor, role, at, comment, photos)
    out: list[AlertEvent] = []
    for req in store.take_workflow_requests():
        out += eng.apply(req)
    return out


def test_tier_defaults_from_severity_and_the_packs_set_them() -> None:
    base = {"id": "r", "kind": "threshold", "above": 1.0}
    assert ThresholdRule.model_validate(base | {"severity": "critical"}).effective_tier == 1
    assert ThresholdRule.model_validate(base).effective_tier == 2
    assert ThresholdRule.model_validate(base | {"severity": "info"}).effective_tier == 3
    assert ThresholdRule.model_validate(base | {"severity": "info", "tier": 1}).effective_tier == 1
    rs = load_packs("gb31654")
    tiers = {r.id: r.effective_tier for r in rs.rules}
    assert tiers["rodent"] == tiers["cold-holding-high"] == tiers["frozen-high"] == 1
    assert tiers["no-hat"] == tiers["no-mask"] == 2
    assert tiers["cold-holding-low"] == 3


def test_a_kitchen_override_changes_the_tier_and_the_event_carries_it() -> None:
    rs = resolve(_rules(overrides=[Override(rule="warm", site="k2", set={"tier": 1})]))
    eng = Engine(rs)
    _fire(eng, "k1")
    _fire(eng, "k2")
    by_site = {a.site: a for a in eng.open_alerts()}
    assert by_site["k1"].tier == 2 and by_site["k2"].tier == 1
    ev = by_site["k1"].event(T0)
    assert ev.tier == 2 and ev.deadline == T0 + timedelta(hours=1)
    assert by_site["k2"].deadline is None
    roles = {n.event.site: n.roles for n in eng.outbox}
    assert "grid_inspector" in roles["k2"] and "grid_inspector" not in roles["k1"]


def test_old_alert_payloads_without_tier_still_parse() -> None:
    old = {
        "id": "0123abcd-0000",
        "fingerprint": "0123abcd",
        "site": "k1",
        "rule": "warm",
        "subject": "fridge/t1",
        "severity": Severity.WARNING,
        "state": AlertState.FIRING,
        "ts": T0,
        "started_at": T0,
        "summary": "warm",
    }
    ev = AlertEvent.model_validate(old)
    assert ev.tier is None and ev.deadline is None


def test_the_loop_through_the_store_survives_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/alerts.db"
    store = AlertStore(url)
    rs = resolve(_rules())
    eng = Engine(rs, store)
    aid = _fire(eng)
    t = T0 + timedelta(minutes=5)
    _send(store, eng, "r1", aid, "ack", t, actor="mgr", role="canteen_manager")
    # A retried POST with the same request id queues nothing new.
    assert store.request_action("r1", aid, "ack", "mgr", "canteen_manager", t) == (1, True)
    _send(store, eng, "r2", aid, "rectify", t, comment="门已修好", photos=(PHOTO,))
    # The worker restarts between steps: the task and its state come back from the store.
    eng.checkpoint()
    eng = Engine(rs, store)
    (wf, _) = eng.workflows[aid]
    assert wf.state == "submitted"
    later = T0 + timedelta(minutes=50)
    _send(store, eng, "r3", aid, "review_reject", later, actor="li", comment="照片不清楚")
    (wf, alert) = eng.workflows[aid]
    assert wf.state == "rectifying" and wf.rejections == 1
    assert wf.deadline == later + timedelta(hours=1) == alert.deadline  # renewed
    # Reviewing what is not submitted is refused and recorded, and changes nothing.
    _send(store, eng, "r4", aid, "review_accept", later, actor="li")
    assert eng.workflows[aid][0].state == "rectifying"
    _send(store, eng, "r5", aid, "rectify", later, comment="再次整改", photos=(PHOTO,))
    ev = _send(store, eng, "r6", aid, "review_accept", later, actor="li", role="grid_inspector")
    assert aid not in eng.workflows
    assert [e.state for e in ev] == [AlertState.RESOLVED]
    steps = store.steps(aid)
    assert [(s.action, s.state) for s in steps] == [
        ("fired", "open"),
        ("ack", "rectifying"),
        ("rectify", "submitted"),
        ("review_reject", "rectifying"),
        ("refused", "rectifying"),
        ("rectify", "submitted"),
        ("review_accept", "closed"),
    ]
    assert steps[2].photos == [PHOTO] and steps[3].actor == "li"
    assert steps[6].role == "grid_inspector" and steps[1].role == "canteen_manager"
    (row,) = store.workflows("k1")
    assert row.state == "closed" and row.rectified_at == later and row.overdue_at is None
    assert store.take_workflow_requests() == []  # every request done, none twice
    store.close()


def test_an_accepted_review_while_the_condition_holds_opens_a_new_incident(
    tmp_path: Path,
) -> None:
    """The inspector accepted, but the fridge is still warm: after the rule's `for_s`,
    counted from the acceptance, a new alert with its own id and task fires; the closed
    task stays closed (its record is not reopened or overwritten)."""
    store = AlertStore(f"sqlite:///{tmp_path}/alerts.db")
    rf = _rules()
    slow = rf.rules[0].model_copy(update={"for_s": 120})
    eng = Engine(resolve(rf.model_copy(update={"rules": [slow]})), store)
    seq = iter(range(1, 1000))
    at = T0
    while not eng.open_alerts():
        eng.process(reading("k1", "fridge", "t1", "cold_room", 12.0, at, next(seq)))
        at += timedelta(seconds=30)
    (first,) = eng.open_alerts()
    _send(store, eng, "r1", first.id, "rectify", at, comment="已调温", photos=(PHOTO,))
    accepted = at + timedelta(seconds=1)
    _send(store, eng, "r2", first.id, "review_accept", accepted, actor="li", role="grid_inspector")
    assert eng.open_alerts() == []
    seen: list[tuple[datetime, str]] = []
    for i in range(1, 9):
        t = accepted + timedelta(seconds=30 * i)
        eng.process(reading("k1", "fridge", "t1", "cold_room", 12.0, t, next(seq)))
        seen += [(t, a.id) for a in eng.open_alerts()]
    assert seen, "a condition that still holds must be alerted again"
    fired_at, new_id = seen[0]
    assert fired_at - accepted >= timedelta(seconds=120)  # seen afresh for for_s
    assert new_id != first.id and {i for _, i in seen} == {new_id}  # one new incident
    (again,) = eng.open_alerts()
    assert again.started_at >= accepted
    rows = {r.alert_id: r.state for r in store.workflows("k1")}
    assert rows == {first.id: "closed", new_id: "open"}
    store.close()


def test_an_overdue_rectification_escalates_once_at_the_deadline(tmp_path: Path) -> None:
    store = AlertStore(f"sqlite:///{tmp_path}/alerts.db")
    eng = Engine(resolve(_rules()), store)
    aid = _fire(eng)
    eng.outbox.clear()
    eng.tick(T0 + timedelta(seconds=HOUR - 1))
    assert [n.kind for n in eng.outbox if "overdue" in (n.event.comment or "")] == []
    for m in range(0, 30):
        eng.tick(T0 + timedelta(seconds=HOUR + 60 * m))
    overdue = [n for n in eng.outbox if "overdue" in (n.event.comment or "")]
    assert len(overdue) == 1 and overdue[0].kind == "escalation"
    assert "grid_inspector" in overdue[0].roles
    assert overdue[0].event.deadline == T0 + timedelta(hours=1)
    (row,) = store.workflows("k1")
    assert row.overdue_at == T0 + timedelta(seconds=HOUR)
    assert [s.action for s in store.steps(aid)] == ["fired", "overdue"]
    store.close()


def test_a_tier3_storm_makes_one_digest_not_a_hundred_notices() -> None:
    minor = ThresholdRule.model_validate(
        {
            "id": "minor",
            "kind": "threshold",
            "match": {"zone": ["cold_room"]},
            "above": 8.0,
            "tier": 3,
        }
    )
    eng = Engine(resolve(RuleFile(rules=[minor], default_timezone="Asia/Shanghai")))
    # T0 is 08:00 in Shanghai: 100 incidents (warm, then back) 5 min apart, all that day.
    for i in range(100):
        at = T0 + timedelta(minutes=5 * i)
        eng.process(reading("k1", "fridge", "t1", "cold_room", 12.0, at, 2 * i))
        eng.process(
            reading("k1", "fridge", "t1", "cold_room", 4.0, at + timedelta(minutes=2), 2 * i + 1)
        )
    fired = [n for n in eng.outbox if n.kind == "firing"]
    assert fired == []
    eng.tick(T0 + timedelta(hours=15, minutes=59))  # 23:59 local: the day is not over
    assert [n for n in eng.outbox if n.kind == "digest"] == []
    # A restart keeps what was collected (it is in the checkpoint).
    state = eng.snapshot()
    eng = Engine(resolve(RuleFile(rules=[minor])))
    eng.restore(state)
    eng.tick(T0 + timedelta(hours=16, minutes=1))  # 00:01 the next day
    (digest,) = [n for n in eng.outbox if n.kind == "digest"]
    assert "100 条" in digest.event.summary and "minor × 100" in digest.event.summary
    assert digest.event.site == "k1" and "grid_inspector" in digest.roles
    eng.tick(T0 + timedelta(hours=20))
    assert len([n for n in eng.outbox if n.kind == "digest"]) == 1


def test_an_open_alert_without_a_task_gets_one_at_restart(tmp_path: Path) -> None:
    """Alerts from before the loop (or a crash between alert and task) are not orphaned."""
    url = f"sqlite:///{tmp_path}/alerts.db"
    store = AlertStore(url)
    eng = Engine(resolve(_rules()), store)
    aid = _fire(eng)
    with store.engine.begin() as conn:  # as a store written by the previous version
        conn.exec_driver_sql("DELETE FROM alert_workflow")
        conn.exec_driver_sql("DELETE FROM alert_steps")
    eng = Engine(resolve(_rules()), store)
    wf = eng.workflows[aid][0]
    assert (wf.state, wf.tier, wf.deadline) == ("open", 2, T0 + timedelta(hours=1))
    assert [r.alert_id for r in store.workflows("k1")] == [aid]
    store.close()


def test_the_steps_served_as_fitting_are_exactly_the_steps_the_worker_takes(
    tmp_path: Path,
) -> None:
    """The console offers `steps_fitting(state)`; the worker must take those and refuse the rest."""
    reach = {"open": (), "rectifying": ("ack",), "submitted": ("ack", "rectify")}
    for state, path in reach.items():
        for action in WF_ACTIONS:
            store = AlertStore(f"sqlite:///{tmp_path}/{state}-{action}.db")
            eng = Engine(resolve(_rules()), store)
            aid = _fire(eng)
            t = T0 + timedelta(minutes=5)
            for i, step in enumerate(path):
                _send(store, eng, f"p{i}", aid, step, t, photos=(PHOTO,))
            assert eng.workflows[aid][0].state == state
            _send(store, eng, "x", aid, action, t, photos=(PHOTO,), comment="说明")
            last = store.steps(aid)[-1]
            refused = last.action == "refused"
            assert refused == (action not in steps_fitting(state)), (state, action, last)
            store.close()
