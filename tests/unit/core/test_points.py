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
        b"seq=3i,value=4.5 1795395723000000003"
    )


def _clock_stepped_back() -> Telemetry:
    """Readings of one sensor every 10 s whose clock steps back 30 s after the fourth:
    the next three repeat the timestamps of the second to the fourth."""
    t0 = datetime(2026, 11, 30, 21, 59, 23, 810000, tzinfo=UTC)
    stamps = [t0.timestamp() + 10 * i for i in range(4)]
    stamps += [stamps[1] + 10 * i for i in range(5)]
    return Telemetry(
        site="k1",
        device="cooling1",
        readings=[
            Reading(
                sensor="t1",
                kind=SensorKind.TEMPERATURE,
                value=5.0 + seq / 100,
                unit="degC",
                ts=datetime.fromtimestamp(s, UTC),
                seq=2148 + seq,
            )
            for seq, s in enumerate(stamps)
        ],
    )


def test_readings_sharing_a_source_timestamp_are_distinct_points() -> None:
    """A clock stepped back repeats timestamps: each reading keeps its own point key
    (series + time), within the microsecond it was stamped; a redelivery rewrites its own."""
    msg = _clock_stepped_back()
    lines = to_line_protocol(reading_points(msg)).decode().splitlines()
    keys = [(line.split(" ")[0], line.split(" ")[2]) for line in lines]
    assert len(set(keys)) == len(msg.readings) == 9
    for line, r in zip(lines, msg.readings, strict=True):
        assert int(line.split(" ")[2]) // 1000 == ns(r.ts) // 1000  # same microsecond
    again = to_line_protocol(reading_points(msg)).decode().splitlines()
    assert again == lines


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
