from datetime import UTC, datetime

from core.schemas import Reading, SensorKind, Telemetry
from core.store import reading_points, to_line_protocol
from core.store.points import ns


def test_nanoseconds_are_exact() -> None:
    ts = datetime(2026, 11, 23, 1, 2, 3, 456789, tzinfo=UTC)
    assert ns(ts) == 1795395723456789000


def test_reading_line_protocol() -> None:
    ts = datetime(2026, 11, 23, 1, 2, 3, tzinfo=UTC)
    msg = Telemetry(
        site="k1",
        device="fridge1",
        readings=[
            Reading(
                sensor="t1",
                kind=SensorKind.TEMPERATURE,
                value=4.5,
                unit="degC",
                ts=ts,
                seq=3,
                zone="cold_room",
            )
        ],
    )
    body = to_line_protocol(reading_points(msg))
    assert body == (
        b"reading,device=fridge1,kind=temperature,sensor=t1,site=k1,zone=cold_room "
        b"seq=3i,value=4.5 1795395723000000000"
    )


def test_alerts_of_one_rule_at_one_instant_are_distinct_series() -> None:
    """Two cameras seeing a rodent at the same moment are two points, not one overwritten."""
    from core.schemas import AlertEvent
    from core.store import alert_point

    now = datetime.now(UTC)

    def event(subject: str, aid: str) -> AlertEvent:
        return AlertEvent.model_validate(
            {
                "id": aid,
                "fingerprint": aid,
                "site": "k1",
                "rule": "rodent",
                "subject": subject,
                "state": "firing",
                "ts": now,
                "started_at": now,
                "summary": "rodent",
            }
        )

    lines = to_line_protocol(
        [
            alert_point(event("cam1/rodent", "a1a1a1a1")),
            alert_point(event("cam2/rodent", "a2a2a2a2")),
        ]
    ).decode()
    series = [line.split(" ")[0] for line in lines.splitlines()]
    assert len(set(series)) == 2 and "subject=cam1/rodent" in series[0]
