"""Synthetic kitchen traffic for tests and benchmarks: the one traffic generator.

Two sizes of the same thing, both built with the core schemas (so every payload is
exactly what an edge agent sends):
- bulk: many sites' batched readings published as fast as a paho client can at QoS 1,
  and a corpus of hostile payloads (the ingest tests and benchmark);
- one kitchen: a steady stream of readings per zone with chosen excursions, statuses
  (the rules tests, bytewax-style test source).
"""

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from core.schemas import (
    AlertEvent,
    AlertState,
    Box,
    Detection,
    DetectionEvent,
    DeviceState,
    DeviceStatus,
    Reading,
    SensorKind,
    Telemetry,
    encode,
)
from core.topics import alerts_topic, detections_topic, status_topic, telemetry_topic


def telemetry_messages(
    sites: list[str],
    messages: int,
    readings_per_message: int = 10,
    device: str = "agent1",
    start: datetime | None = None,
) -> Iterator[tuple[str, bytes]]:
    """`messages` telemetry messages spread round robin over `sites`, unique (series, ts).

    Each message carries readings of sensors s0..s{k-1}; message i of a site is stamped
    `start + i ms`, so every reading is its own point and a count query finds them all.
    """
    t0 = start or (datetime.now(UTC) - timedelta(hours=1))
    topics = [telemetry_topic(site, device) for site in sites]
    for i in range(messages):
        s = i % len(sites)
        n = i // len(sites)
        ts = t0 + timedelta(milliseconds=n)
        msg = Telemetry(
            site=sites[s],
            device=device,
            readings=[
                Reading(
                    sensor=f"s{k}",
                    kind=SensorKind.TEMPERATURE,
                    value=round(2.0 + (n % 50) * 0.1 + k, 2),
                    unit="degC",
                    ts=ts,
                    seq=n,
                )
                for k in range(readings_per_message)
            ],
        )
        yield topics[s], encode(msg)


def publish_all(
    host: str, port: int, items: list[tuple[str, bytes]], qos: int = 1, timeout: float = 120.0
) -> None:
    """Publish every (topic, payload) and return once the broker acknowledged them all."""
    done = threading.Event()
    left = [len(items)]
    lock = threading.Lock()

    def on_publish(c: mqtt.Client, u: object, mid: int, rc: object, p: object) -> None:
        with lock:
            left[0] -= 1
            if left[0] <= 0:
                done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(20)
    client.max_queued_messages_set(0)
    client.on_publish = on_publish
    client.connect(host, port)
    client.loop_start()
    try:
        if not items:
            return
        for topic, payload in items:
            client.publish(topic, payload, qos=qos)
        if qos == 0:
            return
        if not done.wait(timeout):
            raise TimeoutError(f"{left[0]} of {len(items)} messages not acknowledged by the broker")
    finally:
        client.disconnect()
        client.loop_stop()


def _good(site: str, device: str, **reading: object) -> dict[str, object]:
    r: dict[str, object] = {
        "sensor": "t1",
        "kind": "temperature",
        "value": 3.5,
        "unit": "degC",
        "ts": datetime.now(UTC).isoformat(),
        "seq": 1,
    }
    r.update(reading)
    return {"v": 1, "site": site, "device": device, "readings": [r]}


def hostile_corpus(site: str, device: str = "agent1") -> list[tuple[str, str, bytes]]:
    """Messages a broken or hostile sender might publish: (expected reason, topic, payload).

    Every one must be refused with that reason, dead-lettered and counted, while good
    traffic around it is written.
    """
    topic = telemetry_topic(site, device)
    prefix = topic.rsplit("/", 3)[0]

    def j(obj: object) -> bytes:
        return json.dumps(obj).encode()

    deep = b"[" * 5000 + b"]" * 5000
    now = datetime.now(UTC).isoformat()
    status = {"v": 1, "site": site, "device": device, "state": "online", "ts": now}
    detection = {
        "v": 1,
        "site": site,
        "camera": "cam1",
        "ts": now,
        "seq": 1,
        "width": 640,
        "height": 480,
        "model": "m",
    }
    return [
        ("bad_json", topic, b'{"v": 1, "site": '),
        ("bad_json", topic, b"\xff\xfe\x00 not json at all"),
        ("bad_json", topic, b""),
        ("invalid", topic, j(_good(site, device, value="hot"))),
        ("invalid", topic, j(_good(site, device, seq="one"))),
        ("invalid", topic, j(_good(site, device, value=None))),
        ("invalid", topic, j(_good(site, device)).replace(b"3.5", b"NaN")),
        ("invalid", topic, j(_good(site, device)).replace(b"3.5", b"Infinity")),
        ("invalid", topic, j(_good(site, device, value=10_000.0))),
        ("invalid", topic, j(_good(site, device, unit="degF"))),
        ("invalid", topic, j(_good(site, device, seq=-1))),
        ("invalid", topic, j(_good(site, device, ts="9999-12-31T23:59:59+00:00"))),
        ("invalid", topic, j(_good(site, device, ts="2024-01-01T00:00:00"))),  # naive
        ("invalid", topic, j(_good(site, device, ts="1970-01-01T00:00:00+00:00"))),
        ("invalid", topic, j(_good(site, device, sensor="t+1"))),
        ("invalid", topic, j(_good(site, device, sensor="#"))),
        ("invalid", topic, j(_good(site, device, extra="field"))),
        ("invalid", topic, j({"v": 1, "site": site, "device": device, "readings": []})),
        ("invalid", topic, j({"v": 2, "site": site, "device": device, "readings": []})),
        ("invalid", topic, j([1, 2, 3])),
        ("invalid", topic, j({**_good(site, device), "site": "a/b"})),
        ("bad_json", topic, deep),
        ("too_large", topic, b'{"v": 1, "pad": "' + b"x" * 300_000 + b'"}'),
        ("topic_mismatch", topic, j(_good("other-site", device))),
        ("topic_mismatch", topic, j(_good(site, "other-device"))),
        ("bad_topic", f"{prefix}/Bad.Site/{device}/telemetry", j(_good(site, device))),
        ("bad_topic", f"{prefix}/_dlq/{device}/telemetry", j(_good(site, device))),
        ("bad_topic", f"{prefix}/{site}/{'d' * 80}/telemetry", j(_good(site, device))),
        ("bad_topic", f"{prefix}/sit\u00e9/{device}/telemetry", j(_good(site, device))),
        ("invalid", status_topic(site, device), j({**status, "state": "exploded"})),
        ("topic_mismatch", detections_topic(site, "cam2"), j(detection)),
        ("invalid", alerts_topic(site), j({"v": 1, "site": site})),
    ]


def good_other_channels(site: str, device: str = "agent1") -> list[tuple[str, bytes]]:
    """One valid status, detections and alert message for `site` (4 points in all)."""
    now = datetime.now(UTC)
    status = DeviceStatus(site=site, device=device, state=DeviceState.ONLINE, ts=now, uptime_s=5)
    detection = DetectionEvent(
        site=site,
        camera="cam1",
        ts=now,
        seq=7,
        width=640,
        height=480,
        model="test-1",
        detections=[
            Detection(cls="no_hat", score=0.9, box=Box(x1=1, y1=2, x2=30, y2=40)),
            Detection(cls="rodent", score=0.7, box=Box(x1=5, y1=5, x2=9, y2=9), zone="prep"),
        ],
    )
    alert = AlertEvent(
        id="0123456789abcdef",
        fingerprint="fedcba9876543210",
        site=site,
        rule="cold-room-too-warm",
        subject=f"{device}/t1",
        state=AlertState.FIRING,
        ts=now,
        started_at=now,
        summary="cold room above 8 degC for 10 min",
        value=9.5,
    )
    return [
        (status_topic(site, device), encode(status)),
        (detections_topic(site, "cam1"), encode(detection)),
        (alerts_topic(site), encode(alert)),
    ]


# -- one kitchen's traffic (the rules tests) -------------------------------------

T0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # a Monday (08:00 in Shanghai)
ZONES = {"cold_room": 4.0, "freezer": -20.0, "hot_holding": 70.0, "sample_fridge": 3.0}


def reading(
    site: str, device: str, sensor: str, zone: str, value: float, ts: datetime, seq: int
) -> Telemetry:
    return Telemetry.model_validate(
        {
            "site": site,
            "device": device,
            "readings": [
                {
                    "sensor": sensor,
                    "kind": "temperature",
                    "value": value,
                    "unit": "degC",
                    "ts": ts,
                    "seq": seq,
                    "zone": zone,
                }
            ],
        }
    )


def kitchen(
    site: str,
    start: datetime,
    seconds: float,
    step: float = 10.0,
    fault: tuple[str, float, float, float] | None = None,
) -> Iterator[Telemetry]:
    """Normal readings of one kitchen; `fault` = (zone, from_s, to_s, value)."""
    n = int(seconds // step)
    for i in range(n):
        ts = start + timedelta(seconds=i * step)
        readings = []
        for j, (zone, v) in enumerate(ZONES.items()):
            if fault and fault[0] == zone and fault[1] <= i * step < fault[2]:
                v = fault[3]
            readings.append(
                {
                    "sensor": f"t{j}",
                    "kind": "temperature",
                    "value": v + 0.1 * (i % 3),
                    "unit": "degC",
                    "ts": ts,
                    "seq": i,
                    "zone": zone,
                }
            )
        yield Telemetry.model_validate({"site": site, "device": "agent", "readings": readings})


def status(site: str, device: str, online: bool, ts: datetime) -> DeviceStatus:
    return DeviceStatus.model_validate(
        {"site": site, "device": device, "state": "online" if online else "offline", "ts": ts}
    )
