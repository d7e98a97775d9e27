"""The GB 31654 pack's camera-off rule: off at night is normal, off in service is an alert."""

from datetime import timedelta

from core.schemas import AlertEvent, AlertState, DetectionEvent
from devtools.traffic import T0
from rules.config import load_packs
from rules.engine import Engine

LOCAL = timedelta(hours=8)  # T0 is Monday 00:00 UTC = 08:00 in Shanghai


def _run(on: list[tuple[timedelta, timedelta]], hours: int) -> list[AlertEvent]:
    """A camera sending a frame a minute while `on` (offsets from T0), ticking each minute."""
    eng = Engine(load_packs("gb31654"))
    events: list[AlertEvent] = []
    for minute in range(hours * 60):
        offset = timedelta(minutes=minute)
        ts = T0 + offset
        if any(a <= offset < b for a, b in on):
            frame = DetectionEvent.model_validate(
                {"site": "k1", "camera": "cam1", "ts": ts, "seq": minute, "width": 640,
                 "height": 480, "model": "m", "detections": []}
            )  # fmt: skip
            events += eng.process(frame)
        events += eng.tick(ts)
    return [e for e in events if e.rule == "camera-off" and e.state is AlertState.FIRING]


def test_camera_switched_off_before_service_raises_nothing() -> None:
    # On 08:00-09:00 and again from 10:20 local: dark only outside service hours.
    on = [(timedelta(0), timedelta(hours=1)), (timedelta(hours=2, minutes=20), timedelta(hours=6))]
    assert _run(on, 6) == []


def test_camera_switched_off_in_service_fires_once_after_five_minutes() -> None:
    # On 08:00-11:00 local, then dark through lunch service (10:30-13:00).
    fired = _run([(timedelta(0), timedelta(hours=3))], 6)
    assert len(fired) == 1
    assert fired[0].subject == "cam1" and fired[0].tier == 2
    assert fired[0].ts + LOCAL - T0 == timedelta(hours=11, minutes=5)
