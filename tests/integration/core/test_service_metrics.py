"""Every service shows the same health: /metrics scraped over HTTP, status on the bus.

The vision worker and the edge agent run against a real Mosquitto, do real work (frames
decoded, readings sampled and acknowledged), and their Prometheus endpoints, read over
HTTP like a Prometheus server would, must show those counters moving; the vision
worker's retained status must carry the same figures.
"""

import json
import queue
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import httpx
import numpy as np

from core.mqtt import MqttClient
from core.schemas import FrameMeta
from core.service_health import ServiceStatus
from core.settings import MqttSettings
from core.topics import frame_topic, service_status_topic
from devtools.servers import free_port
from edge.agent import EdgeAgent
from edge.config import EdgeSettings
from simulators.scenes import SceneSpec, WorkerSpec, render_scene
from vision.service import VisionService
from vision.settings import VisionSection, VisionSettings


def _wait(cond: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.2)
    return cond()


def _jpeg(i: int) -> bytes:
    spec = SceneSpec(
        night=False,
        workers=(WorkerSpec(x=0.25, y=0.9, hat=True, mask=True),),
        rodents=(),
        n_distractors=0,
        occlusion=False,
        background_seed=3,
        t=i * 0.2,
    )
    img, _ = render_scene(spec, np.random.default_rng(i))
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return buf.tobytes()


def test_vision_metrics_and_status_show_real_counters(
    mqtt_settings: MqttSettings,
    site_id: str,
    tmp_path: Path,
    scrape: Callable[[int], dict[str, float]],
) -> None:
    instance = f"m{site_id}"
    service = VisionService(
        VisionSettings(
            mqtt=mqtt_settings,
            vision=VisionSection(
                instance=instance,
                group=site_id,
                evidence_dir=tmp_path / "ev",
                metrics_port=free_port(),
                status_interval_s=0.5,
            ),
        )
    )
    statuses: queue.Queue[bytes] = queue.Queue()
    watcher = MqttClient(
        mqtt_settings, persistent=False, on_message=lambda m: statuses.put(bytes(m.payload))
    )
    cam = MqttClient(mqtt_settings, persistent=False)
    n = 4
    try:
        service.start()
        assert service.metrics_port is not None
        before = scrape(service.metrics_port)
        assert before["bk_vision_frames_total"] == 0
        assert before["bk_vision_mqtt_connected"] == 1
        watcher.connect(10)
        watcher.subscribe(service_status_topic("vision", instance), qos=1)
        cam.connect(10)
        time.sleep(0.3)
        t0 = datetime.now(UTC)
        for i in range(n):
            jpeg = _jpeg(i)
            meta = FrameMeta(
                ts=t0 + timedelta(seconds=i), seq=i, size=len(jpeg), width=320, height=240
            )
            cam.publish(
                frame_topic(site_id, "cam1"),
                jpeg,
                qos=1,
                user_properties=meta.user_properties(),
                content_type="image/jpeg",
            )
        cam.publish(frame_topic(site_id, "cam1"), b"not a jpeg", qos=1)

        def moved() -> bool:
            m = scrape(service.metrics_port or 0)
            return (
                m.get("bk_vision_frames_total") == n
                and m.get("bk_vision_events_total") == n
                and m.get("bk_vision_rejected_total{reason=not_jpeg}") == 1
            )

        assert _wait(moved, 60), scrape(service.metrics_port)
        after = scrape(service.metrics_port)
        assert after["bk_vision_dead_letters_total"] == 1
        assert after["bk_vision_cameras"] == 1
        assert after["bk_vision_uptime_seconds"] > 0

        # The retained status carries the same counters (refreshed every 0.5 s).
        def status_caught_up() -> bool:
            while True:
                try:
                    status = ServiceStatus.model_validate_json(statuses.get(timeout=1))
                except queue.Empty:
                    return False
                if status.counters.get("frames") == n:
                    assert status.counters["rejected"] == {"not_jpeg": 1}
                    assert status.gauges["cameras"] == 1
                    assert status.state == "online" and status.mqtt_connected is True
                    return True

        assert _wait(status_caught_up, 30)
    finally:
        cam.close()
        service.stop()
    final = None
    while not statuses.empty():
        final = statuses.get_nowait()
    watcher.close()
    assert final is not None
    last = json.loads(final)
    assert last["state"] == "offline" and last["counters"]["frames"] == n


def test_edge_agent_metrics_show_real_counters(
    mqtt_settings: MqttSettings,
    site_id: str,
    tmp_path: Path,
    scrape: Callable[[int], dict[str, float]],
) -> None:
    port = free_port()
    settings = EdgeSettings.model_validate(
        {
            "mqtt": mqtt_settings.model_dump(),
            "agent": {
                "site": site_id,
                "device": "agent1",
                "heartbeat_s": 1,
                "state_dir": str(tmp_path / "state"),
                # No ingest here to send receipts: the buffer is emptied on PUBACK.
                "publish": {"linger_s": 0.05, "confirm": "puback"},
                "sensors": [
                    {
                        "type": "edge.drivers.fake:CounterSensor",
                        "id": "probe1",
                        "interval_s": 0.1,
                        "zone": "cold_room",
                    }
                ],
                "metrics_port": port,
            },
        }
    )
    agent = EdgeAgent(settings)
    agent.start()
    try:

        def moved() -> bool:
            m = scrape(port)
            return (
                m.get("bk_edge_samples_total", 0) >= 5
                and m.get("bk_edge_readings_acked_total", 0) >= 5
            )

        assert _wait(moved, 30), scrape(port)
        m = scrape(port)
        assert m["bk_edge_mqtt_connected"] == 1
        assert m["bk_edge_batches_acked_total"] >= 1
        assert "bk_edge_buffer_depth" in m
        assert m["bk_edge_samples_total"] <= agent.counters.samples
    finally:
        agent.stop()
    try:
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
    except httpx.TransportError:
        pass
    else:
        raise AssertionError("the metrics endpoint outlived the agent")
