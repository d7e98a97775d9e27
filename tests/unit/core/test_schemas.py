import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import cv2
import numpy as np
import pytest

from core.errors import PayloadError
from core.schemas import (
    MAX_FRAME_SIDE,
    AlertEvent,
    DetectionEvent,
    DeviceConfig,
    DeviceStatus,
    FrameMeta,
    Telemetry,
    check_jpeg_size,
    decode,
    encode,
    jpeg_dimensions,
)

NOW = datetime.now(UTC).replace(microsecond=0)


def reading(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sensor": "t1",
        "kind": "temperature",
        "value": 4.2,
        "unit": "degC",
        "ts": NOW.isoformat(),
        "seq": 7,
    }
    base.update(over)
    return base


def telemetry(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"v": 1, "site": "k1", "device": "fridge1", "readings": [reading()]}
    base.update(over)
    return base


def detection_event(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "site": "k1",
        "camera": "cam1",
        "ts": NOW.isoformat(),
        "seq": 1,
        "width": 640,
        "height": 480,
        "model": "bk-hygiene@1",
        "detections": [
            {"cls": "no_hat", "score": 0.9, "box": {"x1": 1, "y1": 2, "x2": 30, "y2": 40}}
        ],
    }
    base.update(over)
    return base


def status(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "site": "k1",
        "device": "agent",
        "state": "online",
        "ts": NOW.isoformat(),
    }
    base.update(over)
    return base


def config(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"version": 3, "sensors": {"t1": {"interval_s": 10}}}
    base.update(over)
    return base


def alert(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "0f1e2d3c-aaaa-bbbb",
        "fingerprint": "abcdef0123456789",
        "site": "k1",
        "rule": "cold-room-high",
        "subject": "fridge1/t1",
        "state": "firing",
        "ts": NOW.isoformat(),
        "started_at": NOW.isoformat(),
        "summary": "Cold room at 9.1 °C",
    }
    base.update(over)
    return base


CASES = [
    (Telemetry, telemetry),
    (DetectionEvent, detection_event),
    (DeviceStatus, status),
    (DeviceConfig, config),
    (AlertEvent, alert),
]


@pytest.mark.parametrize(("model", "make"), CASES)
def test_valid_messages_round_trip(model: Any, make: Any) -> None:
    msg = decode(model, json.dumps(make()).encode())
    assert decode(model, encode(msg)) == msg


@pytest.mark.parametrize(("model", "make"), CASES)
def test_malformed_json_is_bad_json(model: Any, make: Any) -> None:
    for raw in (b"{not json", b"", b"\xff\xfe", json.dumps(make()).encode()[:-3]):
        with pytest.raises(PayloadError) as info:
            decode(model, raw)
        assert info.value.reason == "bad_json"


@pytest.mark.parametrize(("model", "make"), CASES)
def test_unknown_fields_and_versions_are_refused(model: Any, make: Any) -> None:
    with pytest.raises(PayloadError, match="Extra inputs"):
        decode(model, json.dumps({**make(), "surprise": 1}).encode())
    with pytest.raises(PayloadError, match="v: Input should be 1"):
        decode(model, json.dumps({**make(), "v": 2}).encode())


def test_oversized_message_refused_before_parsing() -> None:
    with pytest.raises(PayloadError) as info:
        decode(Telemetry, b" " * 300_000)
    assert info.value.reason == "too_large"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("value", "warm", "valid number"),
        ("value", None, "valid number"),
        # No coercion: a string or a boolean is not a measurement (true would be 1.0 degC).
        ("value", "3.5", "valid number"),
        ("value", True, "valid number"),
        ("value", False, "valid number"),
        ("seq", "7", "valid integer"),
        ("seq", True, "valid integer"),
        ("seq", -1, "greater than or equal to 0"),
        ("seq", 1.5, "valid integer"),
        ("kind", "smell", "Input should be"),
        ("unit", "degF", "does not match kind"),
        ("value", 1e9, "outside plausible range"),
        ("value", -300, "outside plausible range"),
        ("ts", "9999-12-31T00:00:00Z", "in the future"),
        ("ts", "1970-01-01T00:00:00Z", "before 2000"),
        ("ts", "2026-01-01T00:00:00", "timezone"),
        ("ts", "yesterday", "datetime"),
        ("sensor", "t/1", "forbidden characters"),
        ("sensor", "#", "forbidden characters"),
    ],
)
def test_bad_readings_have_clear_errors(field: str, value: Any, message: str) -> None:
    raw = json.dumps(telemetry(readings=[reading(**{field: value})])).encode()
    with pytest.raises(PayloadError, match=message) as info:
        decode(Telemetry, raw)
    assert info.value.reason == "invalid"
    assert f"readings.0.{field}" in str(info.value) or "readings.0" in str(info.value)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_inf_refused_everywhere(token: str) -> None:
    raw = json.dumps(telemetry()).replace("4.2", token).encode()
    with pytest.raises(PayloadError, match="finite number"):
        decode(Telemetry, raw)
    with pytest.raises(ValueError, match="finite"):
        Telemetry.model_validate(telemetry(readings=[reading(value=math.nan)]))
    raw = json.dumps(detection_event()).replace("0.9", token).encode()
    with pytest.raises(PayloadError):
        decode(DetectionEvent, raw)


def test_numbers_are_not_coerced_in_other_schemas() -> None:
    """A quoted number or a boolean is refused wherever a number is expected."""
    event = detection_event()
    event["detections"][0]["score"] = "0.9"
    with pytest.raises(PayloadError, match="valid number"):
        decode(DetectionEvent, json.dumps(event).encode())
    event = detection_event()
    event["width"] = True
    with pytest.raises(PayloadError, match="valid integer"):
        decode(DetectionEvent, json.dumps(event).encode())
    # Whole numbers are still fine where a float is expected (JSON has one number type).
    ok = json.dumps(telemetry(readings=[reading(value=4)])).encode()
    assert decode(Telemetry, ok).readings[0].value == 4.0


def test_absurd_values_in_other_schemas() -> None:
    with pytest.raises(PayloadError, match="less than or equal to 1"):
        decode(
            DetectionEvent,
            json.dumps(
                detection_event(
                    detections=[
                        {"cls": "rodent", "score": 7, "box": {"x1": 0, "y1": 0, "x2": 1, "y2": 1}}
                    ]
                )
            ).encode(),
        )
    with pytest.raises(PayloadError, match="not ordered"):
        decode(
            DetectionEvent,
            json.dumps(
                detection_event(
                    detections=[
                        {"cls": "rodent", "score": 0.5, "box": {"x1": 9, "y1": 0, "x2": 1, "y2": 1}}
                    ]
                )
            ).encode(),
        )
    with pytest.raises(PayloadError, match=r"greater than or equal to 0\.1"):
        decode(DeviceConfig, json.dumps(config(sensors={"t1": {"interval_s": 0}})).encode())
    with pytest.raises(PayloadError, match="Input should be 'online' or 'offline'"):
        decode(DeviceStatus, json.dumps(status(state="maybe")).encode())
    with pytest.raises(PayloadError, match="control characters"):
        decode(AlertEvent, json.dumps(alert(summary="bell\x07")).encode())


def test_empty_and_oversized_batches_refused() -> None:
    with pytest.raises(PayloadError, match="at least 1 item"):
        decode(Telemetry, json.dumps(telemetry(readings=[])).encode())
    many = [reading(seq=i) for i in range(1001)]
    with pytest.raises(PayloadError, match="at most 1000"):
        decode(Telemetry, json.dumps(telemetry(readings=many)).encode(), max_bytes=10**7)


def test_timestamps_are_normalised_to_utc() -> None:
    msg = decode(
        Telemetry,
        json.dumps(telemetry(readings=[reading(ts="2026-11-23T08:00:00+08:00")])).encode(),
    )
    assert msg.readings[0].ts == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert msg.readings[0].ts.utcoffset() == timedelta(0)


def _jpeg(width: int, height: int, **params: int) -> bytes:
    flags = [k for kv in params.items() for k in (getattr(cv2, kv[0]), kv[1])]
    ok, buf = cv2.imencode(".jpg", np.full((height, width, 3), 90, np.uint8), flags)
    assert ok
    return bytes(buf.tobytes())


def _claiming(jpeg: bytes, width: int, height: int) -> bytes:
    """The same JPEG with its start-of-frame header rewritten to claim another size."""
    size = jpeg_dimensions(jpeg)
    assert size is not None
    old = size[1].to_bytes(2, "big") + size[0].to_bytes(2, "big")
    at = jpeg.index(b"\xff\xc0") + 5
    assert jpeg[at : at + 4] == old
    return jpeg[:at] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + jpeg[at + 4 :]


def test_jpeg_dimensions_read_from_the_header_of_every_kind() -> None:
    assert jpeg_dimensions(_jpeg(640, 480)) == (640, 480)
    assert jpeg_dimensions(_jpeg(33, 17, IMWRITE_JPEG_PROGRESSIVE=1)) == (33, 17)
    grey = cv2.imencode(".jpg", np.zeros((240, 320), np.uint8))[1].tobytes()
    assert jpeg_dimensions(grey) == (320, 240)
    whole = _jpeg(64, 48)
    for broken in (b"", b"\xff\xd8", b"GIF89a", whole[:20], b"\xff\xd8\xff\xda" + whole[4:]):
        assert jpeg_dimensions(broken) is None
    assert jpeg_dimensions(_claiming(whole, 64, 0)) is None  # height left to a DNL marker


def test_a_frame_claiming_a_huge_picture_is_refused_before_decoding() -> None:
    bomb = _claiming(_jpeg(64, 48), 60000, 60000)
    meta = FrameMeta(ts=NOW, seq=1, size=len(bomb), width=64, height=48)
    with pytest.raises(PayloadError) as info:
        FrameMeta.from_properties(meta.user_properties(), "image/jpeg", bomb)
    assert info.value.reason == "too_large"
    assert "60000x60000" in info.value.detail
    assert check_jpeg_size(_jpeg(MAX_FRAME_SIDE, 8)) == (MAX_FRAME_SIDE, 8)
    with pytest.raises(PayloadError, match="over 8192"):
        check_jpeg_size(_claiming(_jpeg(64, 48), MAX_FRAME_SIDE + 1, 48))


def test_frame_meta_round_trip_through_user_properties() -> None:
    jpeg = _jpeg(640, 480)
    meta = FrameMeta(ts=NOW, seq=5, size=len(jpeg), width=640, height=480)
    back = FrameMeta.from_properties(meta.user_properties(), "image/jpeg", jpeg)
    assert back == meta


@pytest.mark.parametrize(
    ("props", "ctype", "payload", "reason"),
    [
        ([("seq", "1")], "image/jpeg", b"GIF89a", "not_jpeg"),
        ([], "image/png", b"\xff\xd8\xff", "not_jpeg"),
        (
            [("ts", "x"), ("seq", "1"), ("size", "3"), ("width", "1"), ("height", "1")],
            None,
            b"\xff\xd8\xff",
            "invalid",
        ),
        (
            [
                ("ts", NOW.isoformat()),
                ("seq", "1"),
                ("size", "99"),
                ("width", "1"),
                ("height", "1"),
            ],
            None,
            b"\xff\xd8\xff",
            "invalid",
        ),
        ([], None, b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), "too_large"),
    ],
)
def test_bad_frames_refused(props: Any, ctype: Any, payload: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as info:
        FrameMeta.from_properties(props, ctype, payload)
    assert info.value.reason == reason
