"""Synthetic telemetry for the ingest tests and benchmark: many sites, batched readings.

Payloads are built once with the core schemas (so they are exactly what an edge agent
sends) and published as fast as a paho client can, at QoS 1.
"""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from core.schemas import Reading, SensorKind, Telemetry, encode
from core.topics import telemetry_topic


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
