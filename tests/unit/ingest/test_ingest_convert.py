"""Conversion: fast line protocol equals core's, and every hostile message is refused."""

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import PayloadError
from core.registry import SiteInfo, SiteRegistry
from core.schemas import Reading, SensorKind, Telemetry, encode
from core.store import reading_points, to_line_protocol
from core.topics import telemetry_topic
from devtools.traffic import good_other_channels, hostile_corpus, telemetry_messages
from ingest.convert import Converter, reading_lines

VALUES = [0.0, 1.0, -3.25, 2.5, 1e-05, 123.456789012345, -80.0, 399.99999, 0.1 + 0.2, 7.0]


def _telemetry(zone: str | None) -> Telemetry:
    ts = datetime(2026, 11, 23, 8, 0, 0, 123456, tzinfo=UTC)
    return Telemetry(
        site="site-1",
        device="agent_1",
        readings=[
            Reading(
                sensor=f"t{i}",
                kind=SensorKind.TEMPERATURE,
                value=v,
                unit="degC",
                ts=ts + timedelta(microseconds=i),
                seq=i * 1000,
                zone=zone,
            )
            for i, v in enumerate(VALUES)
        ]
        + [
            Reading(sensor="h", kind=SensorKind.HUMIDITY, value=55, unit="%", ts=ts, seq=3),
            Reading(sensor="door", kind=SensorKind.DOOR, value=1, unit="bool", ts=ts, seq=4),
        ],
    )


@pytest.mark.parametrize("zone", [None, "cold_room"])
def test_reading_lines_match_core_point_builders_byte_for_byte(zone: str | None) -> None:
    msg = _telemetry(zone)
    text, first = reading_lines(msg)
    assert text.encode() == to_line_protocol(reading_points(msg))
    assert first == int(msg.readings[0].ts.timestamp()) * 10**9 + 123456 * 1000


def test_good_telemetry_converts_to_one_point_per_reading() -> None:
    topic, payload = next(telemetry_messages(["site-a"], 1, readings_per_message=10))
    out = Converter().convert(topic, payload)
    assert out.points == 10
    assert out.lines.count("\n") == 9
    assert all(line.startswith("reading,device=agent1,") for line in out.lines.split("\n"))


def test_other_channels_convert_with_core_builders() -> None:
    conv = Converter()
    kinds = [conv.convert(t, p).lines.split(",", 1)[0] for t, p in good_other_channels("site-a")]
    assert kinds == ["device_status", "detection", "alert"]


@pytest.mark.parametrize(
    ("reason", "topic", "payload"),
    hostile_corpus("site-a"),
    ids=[f"{i}-{r}" for i, (r, _, _) in enumerate(hostile_corpus("site-a"))],
)
def test_hostile_message_refused_with_its_reason(reason: str, topic: str, payload: bytes) -> None:
    with pytest.raises(PayloadError) as info:
        Converter().convert(topic, payload)
    assert info.value.reason == reason


def test_unknown_site_refused_only_when_a_registry_is_set() -> None:
    topic = telemetry_topic("stranger", "agent1")
    payload = encode(
        Telemetry(
            site="stranger",
            device="agent1",
            readings=[
                Reading(
                    sensor="t",
                    kind=SensorKind.TEMPERATURE,
                    value=4,
                    unit="degC",
                    ts=datetime.now(UTC),
                    seq=1,
                )
            ],
        )
    )
    assert Converter().convert(topic, payload).points == 1
    registry = SiteRegistry(sites={"known": SiteInfo()})
    with pytest.raises(PayloadError) as info:
        Converter(registry).convert(topic, payload)
    assert info.value.reason == "unknown_site"
