"""Camera rules, maintenance windows and silences on the source clock.

Rodents fire at once and clear after a quiet period; hygiene violations must persist
during working hours; a maintenance window keeps new alerts from what it covers; a
silence mutes notifications while it lasts and lets the held-back one out when it
ends. Detections come as the vision service publishes them (`DetectionEvent`).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from core.schemas import AlertEvent, AlertState, DetectionEvent
from devtools.traffic import T0, reading
from rules.config import parse_rule_file, resolve
from rules.engine import Engine
from rules.store import AlertStore

BOX = {"x1": 10, "y1": 10, "x2": 60, "y2": 60}


def frame(
    cam: str, ts: datetime, seq: int, classes: Iterable[str] = (), held: bool = True
) -> DetectionEvent:
    """One frame's event; `held`: the tracker holds each class as a violation in it."""
    classes = list(classes)
    return DetectionEvent.model_validate(
        {
            "site": "k1",
            "camera": cam,
            "ts": ts,
            "seq": seq,
            "width": 640,
            "height": 480,
            "model": "hygiene-tinygrid@3",
            "detections": [
                {"cls": c, "score": 0.9, "box": BOX, "zone": "prep", "track": i}
                for i, c in enumerate(classes)
            ],
            # Held by the vision service's tracker in this frame (what the rules count).
            "violations": [
                {"cls": c, "track": i, "zone": "prep", "first_seen": ts}
                for i, c in enumerate(classes)
                if held
            ],
        }
    )


def camera(
    cam: str, start: datetime, seconds: float, sightings: list[tuple[float, float, str]]
) -> list[DetectionEvent]:
    """One frame's detections every 5 s; `sightings` = (from_s, to_s, class)."""
    out = []
    for i in range(int(seconds // 5)):
        t = i * 5.0
        classes = [c for a, b, c in sightings if a <= t < b]
        out.append(frame(cam, start + timedelta(seconds=t), i, classes))
    return out


def drive(engine: Engine, msgs: Iterable[Any], tick_s: float = 30.0) -> list[AlertEvent]:
    out: list[AlertEvent] = []
    last = None
    for m in msgs:
        out += engine.process(m)
        if last is None or engine.watermark - last >= tick_s:
            out += engine.tick(engine.watermark)
            last = engine.watermark
    return out


def engine(extra: dict[str, Any] | None = None, store: AlertStore | None = None) -> Engine:
    return Engine(resolve(parse_rule_file({"include": ["gb31654"], **(extra or {})})), store)


def states(events: list[AlertEvent], rule: str) -> list[AlertState]:
    return [e.state for e in events if e.rule == rule]


def test_a_rodent_in_many_frames_is_one_alert_that_clears_after_the_quiet_period() -> None:
    eng = engine()
    # Seen on and off for 10 minutes (every other 30 s), then never again.
    sightings = [(float(a), a + 30.0, "rodent") for a in range(0, 600, 60)]
    events = drive(eng, camera("cam1", T0, 3 * 3600, sightings))
    assert states(events, "rodent") == [AlertState.FIRING, AlertState.RESOLVED]
    fired, cleared = (e for e in events if e.rule == "rodent")
    assert fired.ts == T0 and fired.subject == "cam1/rodent"
    last_seen = T0 + timedelta(seconds=570)
    # Cleared 30 min after the last sighting, within one tick, not 30 min after firing.
    assert last_seen + timedelta(minutes=30) <= cleared.ts <= last_seen + timedelta(minutes=31)
    # One "firing" notice for the incident, not one per frame (reminders and the
    # escalation follow while nobody acknowledges it), and one "resolved".
    kinds = [n.kind for n in eng.outbox]
    assert kinds[0] == "firing" and kinds[-1] == "resolved"
    assert kinds.count("firing") == 1 and kinds.count("resolved") == 1


def test_rodent_quiet_period_survives_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/alerts.db"
    sightings = [(float(a), a + 30.0, "rodent") for a in range(0, 1200, 60)]
    msgs = camera("cam1", T0, 2 * 3600, sightings)
    cut = 260  # 21.7 min in: the rodent showed up every minute until minute 19.5
    store = AlertStore(url)
    first = engine(store=store)
    before = drive(first, msgs[:cut])
    first.checkpoint()
    store.close()
    second = engine(store=AlertStore(url))
    after = drive(second, msgs[cut:])
    assert states(before, "rodent") == [AlertState.FIRING]
    assert states(after, "rodent") == [AlertState.RESOLVED]
    # The sightings since the alert's last transition (its firing) are not in the
    # store's row, but in the checkpoint: it clears 30 min after minute 19.5, not 30
    # min after it fired.
    last_seen = T0 + timedelta(seconds=1170)
    (cleared,) = after
    assert last_seen + timedelta(minutes=30) <= cleared.ts <= last_seen + timedelta(minutes=31)


def test_no_hat_must_persist_and_only_in_working_hours() -> None:
    eng = engine({"overrides": [{"rule": "no-hat", "set": {"for_s": 60}}]})
    # 08:00 Shanghai (working hours): a 30 s glimpse, then 5 minutes without a hat.
    day = camera("cam1", T0, 900, [(0, 30, "no_hat"), (300, 600, "no_hat")])
    events = drive(eng, day)
    assert states(events, "no-hat") == [AlertState.FIRING, AlertState.RESOLVED]
    fired = next(e for e in events if e.rule == "no-hat")
    assert T0 + timedelta(seconds=360) <= fired.ts <= T0 + timedelta(seconds=370)
    # 22:00 Shanghai (after hours): the same five minutes raise nothing.
    night = T0 + timedelta(hours=14)
    late = drive(eng, camera("cam1", night, 900, [(300, 600, "no_hat")]))
    assert states(late, "no-hat") == []


def test_maintenance_window_keeps_new_alerts_from_what_it_covers_and_only_that() -> None:
    window = {
        "site": "k1",
        "device": "coldroom1",
        "start": T0.isoformat(),
        "end": (T0 + timedelta(minutes=30)).isoformat(),
        "reason": "defrost and cleaning",
    }
    eng = engine({"maintenance": [window]})
    msgs = []
    for i in range(0, 60 * 60, 30):  # both cold rooms at 12 °C for an hour
        ts = T0 + timedelta(seconds=i)
        msgs.append(reading("k1", "coldroom1", "t1", "cold_room", 12.0, ts, i))
        msgs.append(reading("k1", "coldroom2", "t1", "cold_room", 12.0, ts, i))
    events = drive(eng, msgs)
    fired = {e.subject: e.ts for e in events if e.state is AlertState.FIRING}
    assert set(fired) == {"coldroom1/t1", "coldroom2/t1"}
    # The other room fires after its 10 minutes; the covered one only once the window
    # is over (the excursion had lasted long enough by then), at the first reading.
    assert fired["coldroom2/t1"] == T0 + timedelta(minutes=10)
    assert fired["coldroom1/t1"] == T0 + timedelta(minutes=30)


def test_a_silence_mutes_notifications_and_lets_the_held_back_one_out_when_it_ends() -> None:
    silence = {
        "site": "k1",
        "rule": "cold-holding-high",
        "start": T0.isoformat(),
        "end": (T0 + timedelta(minutes=40)).isoformat(),
        "by": "manager-wang",
        "comment": "compressor being replaced",
    }
    eng = engine({"silences": [silence]})
    msgs = [
        reading("k1", "coldroom1", "t1", "cold_room", 12.0, T0 + timedelta(seconds=i), i)
        for i in range(0, 60 * 60, 30)
    ]
    events = drive(eng, msgs)
    # The alert is raised and recorded at minute 10 as usual...
    assert states(events, "cold-holding-high") == [AlertState.FIRING]
    notices = list(eng.outbox)
    # ...but nobody hears of it until the silence ends at minute 40; by then the
    # incident is 30 min old, past the 15 min escalation, so both levels hear of it.
    assert [n.kind for n in notices] == ["firing", "reminder"]
    first = notices[0]
    assert first.event.ts == T0 + timedelta(minutes=40)
    assert first.roles == ("canteen_manager", "district_supervisor") and first.level == 1
    # Reminders go on from there (every 10 min while unacknowledged).
    assert notices[1].event.ts == T0 + timedelta(minutes=50)


def test_a_kitchen_whose_clock_lags_is_not_silent_but_its_silent_sensor_is() -> None:
    """k2's agent clock runs 20 min behind (no NTP after a power cut): no-data must
    judge its sensors on its own clock, and still notice the one that stops."""
    eng = engine()
    lag = timedelta(minutes=20)
    msgs = []
    for i in range(0, 2 * 3600, 30):
        real = T0 + timedelta(seconds=i)
        msgs.append(reading("k1", "coldroom1", "t1", "cold_room", 4.0, real, i))
        msgs.append(reading("k2", "coldroom1", "t1", "cold_room", 4.0, real - lag, i))
        if i < 3600:  # k2's second probe stops after an hour
            msgs.append(reading("k2", "coldroom1", "t2", "cold_room", 4.0, real - lag, i))
    events = drive(eng, msgs)
    nodata = [e for e in events if e.rule == "no-data"]
    assert [(e.site, e.subject, e.state) for e in nodata] == [
        ("k2", "coldroom1/t2", AlertState.FIRING)
    ]
    # Its last reading was at k2-time T0+39.5 min (real T0+59.5 min less the lag); 5 min
    # of k2's time later (real T0+64.5 min) it fires, within one tick, and the alert is
    # stamped on k2's clock like everything else of k2: k2-time T0+44.5..45.5 min.
    fired = nodata[0].ts
    assert T0 + timedelta(minutes=44.5) < fired <= T0 + timedelta(minutes=45.5)


def test_a_lagging_kitchens_rodent_alert_does_not_flap() -> None:
    """The quiet period of an event alert also runs on the kitchen's own clock."""
    eng = engine()
    lag = timedelta(minutes=20)
    sightings = [(0.0, 3600.0, "rodent")]  # a rodent in view for an hour, then gone
    frames = {f.ts: f for f in camera("cam1", T0 - lag, 3 * 3600, sightings)}
    msgs: list[Any] = []
    for i in range(0, 3 * 3600, 5):
        real = T0 + timedelta(seconds=i)
        msgs.append(reading("k1", "coldroom1", "t1", "cold_room", 4.0, real, i))
        msgs.append(frames[real - lag].model_copy(update={"site": "k2"}))
    events = drive(eng, msgs)
    rodent = [(e.site, e.state) for e in events if e.rule == "rodent"]
    assert rodent == [("k2", AlertState.FIRING), ("k2", AlertState.RESOLVED)]
    cleared = next(e.ts for e in events if e.state is AlertState.RESOLVED)
    # Last sighting at k2-time T0+40 min = real T0+60 min; 30 quiet minutes later.
    assert T0 + timedelta(minutes=90) <= cleared <= T0 + timedelta(minutes=91)


def test_raw_detections_alone_raise_nothing_unless_the_rule_asks_for_them() -> None:
    """A detector's per-frame guesses are not violations: only what the tracker holds is."""
    flicker = [
        frame("cam1", T0 + timedelta(seconds=5 * i), i, ["no_hat", "rodent"], held=False)
        for i in range(120)
    ]
    assert [e for e in drive(engine(), flicker) if e.rule in ("no-hat", "rodent")] == []
    raw = engine(
        {
            "overrides": [
                {"rule": r, "set": {"raw_detections": True, "min_score": 0.5}}
                for r in ("no-hat", "rodent")
            ]
        }
    )
    fired = {e.rule for e in drive(raw, flicker) if e.state == AlertState.FIRING}
    assert fired == {"no-hat", "rodent"}
