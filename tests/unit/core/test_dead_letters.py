"""`core.service.DeadLetters`: every rejection counted and dead-lettered, the log not flooded."""

import base64
import logging

import pytest

from core.mqtt import MqttClient
from core.schemas import DeadLetter, decode
from core.service import DeadLetters
from core.settings import MqttSettings


class _Recorder(MqttClient):
    """An MqttClient that keeps what it would publish (no broker needed for counting)."""

    def __init__(self) -> None:
        super().__init__(MqttSettings(), "unit-dlq")
        self.sent: list[tuple[str, bytes]] = []
        self.fail = False

    def publish(self, topic: str, payload: bytes | str, *args: object, **kw: object) -> None:  # type: ignore[override]
        if self.fail:
            raise RuntimeError("broker gone")
        self.sent.append((topic, payload if isinstance(payload, bytes) else payload.encode()))


def test_each_rejection_is_counted_and_dead_lettered_and_the_log_is_capped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    mqtt = _Recorder()
    letters = DeadLetters("unit", mqtt)
    with caplog.at_level(logging.WARNING, logger="core.service"):
        for i in range(50):
            letters.reject("bk/v1/s1/d1/telemetry", b"x" * i, "bad_json", f"line {i}")
    letters.reject("bk/v1/s1/d1/telemetry", b"{}", "invalid", "value: NaN")
    assert letters.rejected == {"bad_json": 50, "invalid": 1}
    assert letters.sent == 51 and len(mqtt.sent) == 51
    topic, raw = mqtt.sent[-1]
    assert topic == letters.topic == "bk/v1/_dlq/unit"
    record = decode(DeadLetter, raw)
    assert (record.service, record.reason, record.detail) == ("unit", "invalid", "value: NaN")
    assert base64.b64decode(record.payload_b64) == b"{}"
    # A flood writes a few lines per window, not one per message.
    assert len([r for r in caplog.records if "rejected a message" in r.getMessage()]) == 20


def test_a_failed_publish_is_counted_as_rejected_but_not_as_sent() -> None:
    mqtt = _Recorder()
    mqtt.fail = True
    letters = DeadLetters("unit", mqtt)
    letters.reject("t", b"{", "bad_json", "x")  # must not raise
    assert letters.rejected == {"bad_json": 1} and letters.sent == 0
