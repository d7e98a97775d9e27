"""Hostile input: every bad message refused, counted and dead-lettered; good traffic written."""

import base64
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from core.schemas import DeadLetter
from core.settings import InfluxSettings, MqttSettings
from core.topics import dead_letter_topic
from devtools.servers import LocalMosquitto, free_port
from devtools.traffic import good_other_channels, hostile_corpus, publish_all, telemetry_messages
from ingest.service import IngestService
from ingest.settings import IngestSection, IngestSettings


def test_hostile_corpus_rejected_counted_dead_lettered_while_good_traffic_is_written(
    mosquitto_factory: Callable[..., LocalMosquitto],
    influx_settings: InfluxSettings,
    site_id: str,
    tmp_path: Path,
    wait_count: Callable[[InfluxSettings, int, float], int],
) -> None:
    broker = mosquitto_factory()
    registry = tmp_path / "sites.yaml"
    registry.write_text(f"sites:\n  {site_id}:\n    name: Test kitchen\n")
    settings = IngestSettings(
        mqtt=MqttSettings(port=broker.port, reconnect_min_s=0.2, reconnect_max_s=1),
        influx=influx_settings,
        ingest=IngestSection(
            instance="hostile",
            registry_file=registry,
            metrics_port=free_port(),
            batch_max_wait_s=0.1,
        ),
    )
    letters: list[DeadLetter] = []
    got = threading.Event()
    corpus = hostile_corpus(site_id)
    stranger = next(telemetry_messages(["stranger"], 1))
    expected = Counter(reason for reason, _, _ in corpus) + Counter(["unknown_site"])

    def on_letter(c: mqtt.Client, u: object, msg: mqtt.MQTTMessage) -> None:
        letters.append(DeadLetter.model_validate_json(msg.payload))
        if len(letters) >= sum(expected.values()):
            got.set()

    dlq = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    dlq.on_message = on_letter
    dlq.connect(broker.host, broker.port)
    dlq.subscribe(dead_letter_topic("ingest"), qos=1)
    dlq.loop_start()
    service = IngestService(settings)
    service.start()
    try:
        good = list(telemetry_messages([site_id], len(corpus) + 1, readings_per_message=3))
        traffic: list[tuple[str, bytes]] = [good[0]]
        for (_, topic, payload), ok in zip(corpus, good[1:], strict=True):
            traffic += [(topic, payload), ok]  # good traffic between every bad message
        traffic += [stranger, *good_other_channels(site_id)]
        publish_all(broker.host, broker.port, traffic)

        assert got.wait(20), f"{len(letters)} dead letters of {sum(expected.values())}"
        assert wait_count(influx_settings, 3 * len(good), 20) == 3 * len(good)
        deadline = time.monotonic() + 10
        while service.stats.pending and time.monotonic() < deadline:
            time.sleep(0.05)

        assert Counter(d.reason for d in letters) == expected
        assert dict(service.stats.rejected) == dict(expected)
        assert service.stats.accepted == len(good) + 3
        assert all(d.service == "ingest" and d.detail for d in letters)
        huge = next(d for d in letters if d.reason == "too_large")
        assert huge.payload_size > 300_000 and len(base64.b64decode(huge.payload_b64)) == 65536
        nan = next(d for d in letters if b"NaN" in base64.b64decode(d.payload_b64))
        assert nan.reason == "invalid" and "finite" in nan.detail
        for query, n in [
            ('SELECT count("online") FROM "device_status"', 1),
            ('SELECT count("value") FROM "alert"', 1),
            ('SELECT count("score") FROM "detection"', 2),
        ]:
            assert service.store.query(query)[0]["count"] == n, query

        service.publish_status()
        body = httpx.get(f"http://127.0.0.1:{service.metrics_port}/metrics", timeout=5).text
        assert 'bk_ingest_rejected_total{reason="bad_json"} 4.0' in body
        assert f"bk_ingest_written_points_total {3 * len(good) + 4}.0" in body
        assert "bk_ingest_batch_latency_seconds_count" in body
    finally:
        service.stop()
        dlq.disconnect()
        dlq.loop_stop()
