"""The alert store on a real PostgreSQL, held to the same assertions as the SQLite default.

Most tests take `store_url`, which runs each body twice: on a SQLite file and on a
fresh database of a private PostgreSQL 15 server (whose own time zone is
Asia/Shanghai, so nothing passes by accident of a UTC server).
"""

import csv
import io
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from core.schemas import AlertState, Severity
from devtools.servers import LocalPostgres
from devtools.traffic import T0, kitchen, reading
from rules.alerts import Alert, alert_id, fingerprint
from rules.config import load_packs
from rules.engine import Engine, Message
from rules.partition import owner, owns
from rules.store import AlertRow, AlertStore

PACKS = load_packs("gb31654")
CST = timezone(timedelta(hours=8))


@pytest.fixture
def stores() -> Iterator[Callable[..., AlertStore]]:
    """Open alert stores (one per simulated process); all closed afterwards."""
    made: list[AlertStore] = []

    def make(url: str, **kwargs: Any) -> AlertStore:
        store = AlertStore(url, **kwargs)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


def drive(engine: Engine, msgs: Iterable[Message], tick_every: float = 60.0) -> None:
    last: float | None = None
    for m in msgs:
        engine.process(m)
        if last is None or engine.watermark - last >= tick_every:
            engine.tick(engine.watermark)
            last = engine.watermark


def cold_room(site: str, from_s: int, to_s: int, value: float) -> list[Message]:
    """One cold-room sensor of `site` at `value` °C, a reading every 10 s, from T0 + from_s."""
    return [
        reading(site, "d", "t", "cold_room", value, T0 + timedelta(seconds=s), s // 10)
        for s in range(from_s, to_s, 10)
    ]


def utc(dt: datetime | None) -> datetime:
    """The value, checked to be timezone-aware and in UTC."""
    assert dt is not None
    assert dt.utcoffset() == timedelta(0), dt
    return dt


def lifecycle(store: AlertStore, site: str = "k1") -> str:
    """Fire, escalate, remind, acknowledge and resolve one alert; return its id.

    The cold room reads 12 °C throughout: fired at 10 min, reminded at +10, escalated
    at +15, reminded at +25, acknowledged at +30, resolved by the manager at +3 h.
    """
    eng = Engine(PACKS, store)
    drive(eng, cold_room(site, 0, 2400, 12.0))
    (alert,) = eng.open_alerts()
    assert alert.fired_at == T0 + timedelta(minutes=10)
    eng.acknowledge(alert.id, "manager-wang", "moving stock", T0 + timedelta(minutes=40))
    drive(eng, cold_room(site, 2400, 11400, 12.0))
    eng.resolve(
        alert.fingerprint,
        "manager-wang",
        "compressor fixed, stock checked: 4 °C",
        T0 + timedelta(minutes=190),
    )
    assert eng.open_alerts() == []
    return alert.id


def test_lifecycle_audit_trail_and_haccp_export(
    store_url: str, stores: Callable[..., AlertStore]
) -> None:
    store = stores(store_url)
    aid = lifecycle(store)
    (row,) = store.alerts("k1")
    assert row.id == aid
    assert row.state == "resolved"
    fired = utc(row.fired_at)
    assert fired == T0 + timedelta(minutes=10)
    assert (row.acked_by, utc(row.acked_at)) == ("manager-wang", fired + timedelta(minutes=30))
    assert (row.resolved_by, utc(row.resolved_at)) == ("manager-wang", fired + timedelta(hours=3))
    assert row.comment == "compressor fixed, stock checked: 4 °C"
    assert row.level == 1
    trail = store.audit(aid)
    assert [(a.state, a.note) for a in trail] == [
        ("firing", "fired"),
        ("firing", "reminder"),
        ("firing", "escalated to district_supervisor"),
        ("firing", "reminder"),
        ("acknowledged", "acknowledged"),
        ("resolved", "resolved"),
    ]
    assert [utc(a.ts) - fired for a in trail] == [
        timedelta(0),
        timedelta(minutes=10),
        timedelta(minutes=15),
        timedelta(minutes=25),
        timedelta(minutes=30),
        timedelta(hours=3),
    ]
    assert [(a.actor, a.comment) for a in trail[-2:]] == [
        ("manager-wang", "moving stock"),
        ("manager-wang", "compressor fixed, stock checked: 4 °C"),
    ]
    assert store.load_open() == []

    rows = list(csv.DictReader(io.StringIO(store.haccp_csv("k1", 2026, 11))))
    assert len(rows) == 1
    r = rows[0]
    assert (r["alert_id"], r["site"], r["rule"], r["state"]) == (
        aid,
        "k1",
        "cold-holding-high",
        "resolved",
    )
    assert (r["value"], r["limit"]) == ("12", "8")
    assert r["fired_at"] == "2026-11-02T00:10:00+00:00"
    assert (r["acknowledged_by"], r["acknowledged_at"]) == (
        "manager-wang",
        "2026-11-02T00:40:00+00:00",
    )
    assert r["corrective_action"] == "compressor fixed, stock checked: 4 °C"
    assert (r["verified_by"], r["verified_at"]) == ("manager-wang", "2026-11-02T03:10:00+00:00")
    assert r["history"].startswith("2026-11-02T00:10:00+00:00 fired; ")
    assert "2026-11-02T00:40:00+00:00 acknowledged by manager-wang: moving stock" in r["history"]
    # Other months and other kitchens have nothing (only the header).
    assert len(store.haccp_csv("k1", 2026, 10).splitlines()) == 1
    assert len(store.haccp_csv("k1", 2026, 12).splitlines()) == 1
    assert len(store.haccp_csv("k2", 2026, 11).splitlines()) == 1


def test_sqlite_and_postgresql_keep_identical_records(
    tmp_path: Path, postgres_url: str, stores: Callable[..., AlertStore]
) -> None:
    """The same history gives the same rows, audit trail and HACCP file on both backends."""
    sqlite = stores(f"sqlite:///{tmp_path}/alerts.db")
    pg = stores(postgres_url)
    aid = lifecycle(sqlite)
    assert lifecycle(pg) == aid

    def rows(store: AlertStore) -> list[dict[str, Any]]:
        cols = [c.key for c in inspect(AlertRow).columns]
        return [{c: getattr(r, c) for c in cols} for r in store.alerts()]

    def trail(store: AlertStore) -> list[tuple[Any, ...]]:
        return [(a.ts, a.state, a.actor, a.comment, a.note, a.value) for a in store.audit(aid)]

    assert rows(pg) == rows(sqlite)
    assert trail(pg) == trail(sqlite)
    assert pg.haccp_csv("k1", 2026, 11) == sqlite.haccp_csv("k1", 2026, 11)


def test_engine_restart_mid_incident_resumes_from_the_store(
    store_url: str, stores: Callable[..., AlertStore]
) -> None:
    msgs = list(kitchen("k1", T0, 3600, fault=("cold_room", 600, 1800, 11.0)))
    cut = 150  # 25 min: the alert fired at 20 min and is still open
    store = stores(store_url, name="worker-0-of-1")
    eng = Engine(PACKS, store)
    drive(eng, msgs[:cut])
    (before,) = eng.open_alerts()
    eng.checkpoint()
    store.close()

    store2 = stores(store_url, name="worker-0-of-1")  # a new process: state from the store only
    eng2 = Engine(PACKS, store2)
    (after,) = eng2.open_alerts()
    # Every field as last recorded, datetimes included (aware, UTC). `value` and
    # `last_seen_at` move with each reading but are stored only on transitions, so
    # they come back as of the last transition (the engine's design, not the backend).
    assert after.fired_at is not None and utc(after.started_at) and utc(after.updated_at)
    assert replace(after, value=before.value, last_seen_at=before.last_seen_at) == before
    assert json.loads(json.dumps(eng2.snapshot())) == json.loads(json.dumps(eng.snapshot()))
    drive(eng2, msgs[cut:])
    assert eng2.open_alerts() == []
    (row,) = store2.alerts("k1")
    assert (row.id, row.state) == (before.id, "resolved")
    trail = [(a.note, utc(a.ts) - T0) for a in store2.audit(row.id)]
    # The reminder 10 min after firing comes from the restarted engine: its
    # notification clock (last_notified_at) came back from the store.
    assert trail[:2] == [("fired", timedelta(minutes=20)), ("reminder", timedelta(minutes=30))]
    assert [note for note, _ in trail[2:]] == ["cleared"]
    resolved = utc(row.resolved_at)
    assert trail[2][1] == resolved - T0
    assert T0 + timedelta(seconds=1800) <= resolved <= T0 + timedelta(seconds=1800 + 130)
    # Another worker's checkpoint is a different row: it neither sees nor overwrites this one.
    other = stores(store_url, name="worker-1-of-2")
    assert other.load_state() is None
    other.save_state({"v": 1, "watermark": 1.0})
    eng2.checkpoint()
    assert other.load_state() == {"v": 1, "watermark": 1.0}
    assert store2.load_state() == json.loads(json.dumps(eng2.snapshot()))


def _alert(site: str, started: datetime, state: AlertState = AlertState.FIRING) -> Alert:
    fp = fingerprint(site, "cold-holding-high", "d/t")
    return Alert(
        id=alert_id(fp, started),
        fingerprint=fp,
        site=site,
        rule="cold-holding-high",
        subject="d/t",
        device="d",
        severity=Severity.WARNING,
        state=state,
        started_at=started,
        updated_at=started,
        summary="d/t at 9 °C, above 8 °C for 10 min",
        value=9.0,
        threshold=8.0,
        fired_at=started,
        last_seen_at=started,
    )


def test_timezone_aware_datetimes_round_trip_in_utc(
    store_url: str, stores: Callable[..., AlertStore]
) -> None:
    store = stores(store_url)
    # The last microsecond of January (UTC) and the first instant of February, the
    # latter given in China time: the month is a UTC month on both backends.
    jan = datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)
    feb = datetime(2026, 2, 1, 8, 0, 0, tzinfo=CST)
    for started in (jan, feb):
        a = _alert("k1", started)
        store.record(a, a.event(started + timedelta(microseconds=1)), "fired")
    loaded = sorted(store.load_open(), key=lambda a: a.started_at)
    assert [a.started_at for a in loaded] == [jan, feb]
    assert all(utc(a.started_at) and utc(a.fired_at) and utc(a.last_seen_at) for a in loaded)
    assert loaded[1].started_at.isoformat() == "2026-02-01T00:00:00+00:00"
    for a in loaded:
        (entry,) = store.audit(a.id)
        assert utc(entry.ts) == a.started_at + timedelta(microseconds=1)

    def ids(month: int) -> list[str]:
        text = store.haccp_csv("k1", 2026, month)
        return [r["alert_id"] for r in csv.DictReader(io.StringIO(text))]

    assert ids(1) == [loaded[0].id]
    assert ids(2) == [loaded[1].id]
    assert "2026-01-31T23:59:59.999999+00:00" in store.haccp_csv("k1", 2026, 1)

    at = datetime(2026, 2, 1, 9, 30, 0, 123456, tzinfo=CST)
    store.request(loaded[1].id, "ack", "manager-wang", "on it", at)
    ((_, _, _, _, taken_at),) = store.take_requests()
    assert utc(taken_at) == at
    assert taken_at.isoformat() == "2026-02-01T01:30:00.123456+00:00"

    # The kitchen's own calendar: in Shanghai, 07:59:59 on 1 February is February's
    # record (January's in UTC), and the record shows local times with their offset.
    def local_ids(month: int) -> list[str]:
        text = store.haccp_csv("k1", 2026, month, tz="Asia/Shanghai")
        return [r["alert_id"] for r in csv.DictReader(io.StringIO(text))]

    assert local_ids(1) == []
    assert local_ids(2) == [loaded[0].id, loaded[1].id]
    feb_text = store.haccp_csv("k1", 2026, 2, tz="Asia/Shanghai")
    assert "2026-02-01T07:59:59.999999+08:00" in feb_text
    assert "2026-02-01T08:00:00+08:00" in feb_text


def test_requests_are_queued_once_and_bad_ones_refused(
    store_url: str, stores: Callable[..., AlertStore]
) -> None:
    store = stores(store_url)
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    store.request("a" * 16, "ack", "manager-wang", None, at)
    store.request("b" * 16, "resolve", "manager-wang", "line 1\nline 2 — 已处理", at)
    assert store.take_requests() == [
        ("a" * 16, "ack", "manager-wang", None, at),
        ("b" * 16, "resolve", "manager-wang", "line 1\nline 2 — 已处理", at),
    ]
    assert store.take_requests() == []
    # What the schema (and PostgreSQL) would refuse later is refused here, on both backends:
    # SQLite would store it, PostgreSQL would raise, the engine would crash on it.
    bad: list[tuple[str, str, str, str | None, datetime]] = [
        ("a" * 16, "delete", "manager-wang", None, at),
        ("a" * 65, "ack", "manager-wang", None, at),
        ("a" * 16, "ack", "x" * 129, None, at),
        ("a" * 16, "ack", "", None, at),
        ("a" * 16, "ack", "manager-wang", "c" * 2001, at),
        ("a" * 16, "ack", "manager-wang", "nul \x00 byte", at),
        ("a" * 16, "ack", "manager\x1b[31m", None, at),
        ("a" * 16, "ack", "manager-wang", None, at.replace(tzinfo=None)),
    ]
    for args in bad:
        with pytest.raises(ValueError):
            store.request(*args)
    assert store.take_requests() == []


def _sites() -> tuple[str, str]:
    """Two kitchens, the first owned by worker 0 of 2 and the second by worker 1."""
    names = [f"k{i}" for i in range(1, 50)]
    return next(s for s in names if owner(s, 2) == 0), next(s for s in names if owner(s, 2) == 1)


def test_two_workers_keep_to_their_own_kitchens(
    store_url: str, stores: Callable[..., AlertStore]
) -> None:
    """Worker 1 restarting must not adopt (and then overwrite) worker 0's open alerts."""
    site_a, site_b = _sites()
    store_a = stores(store_url, name="worker-0-of-2", owns=lambda s: owns(s, 0, 2))
    eng_a = Engine(PACKS, store_a)
    drive(eng_a, cold_room(site_a, 0, 700, 12.0))
    (alert_a,) = eng_a.open_alerts()

    store_b = stores(store_url, name="worker-1-of-2", owns=lambda s: owns(s, 1, 2))
    eng_b = Engine(PACKS, store_b)  # started (or restarted) while worker 0's alert is open
    assert eng_b.open_alerts() == []

    def both(from_s: int, to_s: int, value_a: float = 12.0) -> None:
        for t in range(from_s, to_s, 60):
            drive(eng_a, cold_room(site_a, t, t + 60, value_a))
            drive(eng_b, cold_room(site_b, t, t + 60, 4.0))

    both(700, 3600)
    # People act through the queue; each worker applies only its own kitchen's requests.
    store_b.request(alert_a.id, "ack", "manager-li", "door closed", T0 + timedelta(minutes=60))
    assert store_b.take_requests() == []
    ((ref, _, actor, comment, at),) = store_a.take_requests()
    eng_a.acknowledge(ref, actor, comment, at)
    both(3600, 4800)
    eng_a.resolve(alert_a.id, "manager-li", "door fixed", T0 + timedelta(minutes=80))
    both(4800, 9000, value_a=4.0)  # repaired: no new incident
    eng_a.checkpoint()
    eng_b.checkpoint()

    (row,) = store_a.alerts(site_a)
    assert (row.state, row.resolved_by, row.comment) == ("resolved", "manager-li", "door fixed")
    trail = [(a.note, int((utc(a.ts) - T0).total_seconds() // 60)) for a in store_a.audit(row.id)]
    assert trail == [
        ("fired", 10),
        ("reminder", 20),
        ("escalated to district_supervisor", 25),
        ("reminder", 35),
        ("reminder", 45),
        ("reminder", 55),
        ("acknowledged", 60),
        ("resolved", 80),
    ]
    assert store_b.alerts(site_b) == []
    assert store_a.load_state() != store_b.load_state()


def test_two_workers_never_take_the_same_request(
    store_url: str, stores: Callable[..., AlertStore]
) -> None:
    """Both workers poll the queue at the same moment: each request goes to one of them."""
    a, b = stores(store_url, name="worker-0-of-2"), stores(store_url, name="worker-1-of-2")
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    queued: list[str] = []
    taken: dict[str, list[str]] = {"a": [], "b": []}
    for round_ in range(8):
        refs = [f"{round_:02d}{i:06d}deadbeef" for i in range(40)]
        for ref in refs:
            a.request(ref, "ack", "manager-wang", None, at)
        queued += refs
        barrier = threading.Barrier(2)

        def poll(name: str, store: AlertStore, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            taken[name] += [r[0] for r in store.take_requests()]

        threads = [threading.Thread(target=poll, args=(n, s)) for n, s in (("a", a), ("b", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sorted(taken["a"] + taken["b"]) == sorted(queued)
    assert not set(taken["a"]) & set(taken["b"])
    assert a.take_requests() == [] and b.take_requests() == []


def test_workers_starting_together_create_the_schema_once(store_url: str) -> None:
    """Several workers start at once on an empty database: none fails creating the tables."""
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    opened: list[AlertStore] = []

    def start() -> None:
        barrier.wait()
        try:
            opened.append(AlertStore(store_url))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert errors == []
        assert len(opened) == 4
        tables = set(inspect(opened[0].engine).get_table_names())
        assert {"alerts", "alert_audit", "engine_state", "alert_actions"} <= tables
    finally:
        for s in opened:
            s.close()


def test_the_store_carries_on_after_postgresql_restarts(
    postgres_factory: Callable[[], LocalPostgres], stores: Callable[..., AlertStore]
) -> None:
    """A rules worker's pooled connections die with the server; the next call reconnects."""
    server = postgres_factory()
    store = stores(server.create_database("alerts"))
    started = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    a = _alert("k1", started)
    store.record(a, a.event(started), "fired")
    assert [x.id for x in store.load_open()] == [a.id]  # a pooled connection now exists
    server.restart()
    assert [x.id for x in store.load_open()] == [a.id]
    server.kill()  # a crash, not a clean shutdown
    server.start()
    b = _alert("k1", started + timedelta(hours=1))
    store.record(b, b.event(b.started_at), "fired")
    assert sorted(x.id for x in store.load_open()) == sorted([a.id, b.id])


def test_longest_ids_make_an_alert_that_is_stored(
    store_url: str, stores: Callable[..., AlertStore]
) -> None:
    """A device and a sensor id of 64 characters each (the id limit) give a 129-char subject."""
    site, device, sensor = "k" * 64, "d" * 64, "s" * 64
    engine = Engine(load_packs("gb31654"), stores(store_url))
    events = []
    for i in range(20):
        at = T0 + timedelta(minutes=i)
        events += engine.process(reading(site, device, sensor, "cold_room", 11.0, at, i))
        events += engine.tick(at.timestamp())
    fired = [e for e in events if e.state is AlertState.FIRING]
    assert [e.subject for e in fired] == [f"{device}/{sensor}"]
    (row,) = stores(store_url).alerts(site)
    assert row.subject == f"{device}/{sensor}" and len(row.subject) == 129
