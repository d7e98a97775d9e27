"""Remote configuration over the retained config topic, frames with MQTT 5 metadata."""

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import paho.mqtt.client as mqtt

from core.mqtt import MqttClient, content_type, user_properties
from core.schemas import DeviceConfig, DeviceStatus, FrameMeta, decode, encode
from core.settings import MqttSettings
from core.topics import config_topic, frame_topic, status_topic
from devtools.servers import LocalMosquitto
from edge.agent import EdgeAgent
from edge.config import EdgeSettings


def _video(path: Path) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (320, 240))
    for i in range(20):
        img = np.full((240, 320, 3), 40, np.uint8)
        cv2.rectangle(img, (i * 14, 60), (i * 14 + 60, 180), (0, 200, 255), -1)
        writer.write(img)
    writer.release()
    return path


class Watcher:
    def __init__(self, settings: MqttSettings, site: str) -> None:
        self.statuses: list[DeviceStatus] = []
        self.frames: list[tuple[FrameMeta, bytes]] = []
        self.lock = threading.Lock()
        self.client = MqttClient(settings, f"w-{uuid.uuid4().hex[:8]}", on_message=self._on)
        self.client.subscribe(status_topic(site, "agent1"), 1)
        self.client.subscribe(frame_topic(site, "cam1"), 0)
        self.client.connect()

    def _on(self, msg: mqtt.MQTTMessage) -> None:
        with self.lock:
            if msg.topic.endswith("/status"):
                self.statuses.append(decode(DeviceStatus, bytes(msg.payload)))
            else:
                payload = bytes(msg.payload)
                meta = FrameMeta.from_properties(user_properties(msg), content_type(msg), payload)
                self.frames.append((meta, payload))

    def until(self, pred: Callable[[], bool], timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if pred():
                    return True
            time.sleep(0.05)
        return False


def test_edge_remote_config_applied_refused_and_kept(
    mosquitto: LocalMosquitto, mqtt_settings: MqttSettings, site_id: str, tmp_path: Path
) -> None:
    video = _video(tmp_path / "kitchen.avi")
    raw = {
        "mqtt": mqtt_settings.model_dump(),
        "agent": {
            "site": site_id,
            "device": "agent1",
            "heartbeat_s": 1,
            "state_dir": str(tmp_path / "state"),
            "sensors": [
                {"type": "edge.drivers.fake:CounterSensor", "id": "probe1", "interval_s": 5}
            ],
            "cameras": [
                {
                    "type": "opencv",
                    "id": "cam1",
                    "source": str(video),
                    "loop": True,
                    "publish": {"fps": 5, "width": 160, "height": 120, "jpeg_quality": 70},
                }
            ],
        },
    }
    settings = EdgeSettings.model_validate(raw)
    watcher = Watcher(mqtt_settings, site_id)
    pusher = MqttClient(mqtt_settings, f"p-{uuid.uuid4().hex[:8]}")
    pusher.connect()
    topic = config_topic(site_id, "agent1")
    agent = EdgeAgent(settings)
    agent.start()
    try:
        # Frames: JPEG, resized, metadata in user properties, increasing seq.
        assert watcher.until(lambda: len(watcher.frames) >= 3)
        meta, jpeg = watcher.frames[0]
        assert (meta.width, meta.height, meta.size) == (160, 120, len(jpeg))
        decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert decoded is not None and decoded.shape == (120, 160, 3)
        seqs = [m.seq for m, _ in watcher.frames]
        assert seqs == sorted(seqs)

        good = DeviceConfig(
            version=1,
            heartbeat_s=1,
            sensors={"probe1": {"interval_s": 0.2}},
            cameras={"cam1": {"fps": 2, "width": 128, "height": 96}},
        )
        pusher.publish(topic, encode(good), qos=1, retain=True).wait_for_publish(5)
        assert watcher.until(lambda: any(s.config_version == 1 for s in watcher.statuses))
        assert agent.sensors["probe1"].interval_s == 0.2
        assert watcher.until(lambda: watcher.frames[-1][0].width == 128)
        before = agent.counters.samples
        time.sleep(1.0)
        assert agent.counters.samples - before >= 3, "new sampling rate not in force"

        bad = DeviceConfig(version=2, sensors={"ghost": {"interval_s": 1}})
        pusher.publish(topic, encode(bad), qos=1, retain=True).wait_for_publish(5)
        assert watcher.until(
            lambda: any(s.config_error and "ghost" in s.config_error for s in watcher.statuses)
        )
        pusher.publish(topic, b'{"v": 1, "version": 3, "heartbeat_s": -5}', qos=1, retain=True)
        assert watcher.until(
            lambda: any(
                s.config_error and "heartbeat_s" in s.config_error for s in watcher.statuses
            )
        )
        last = watcher.statuses[-1]
        assert last.config_version == 1, "the last good config stays in force"
        assert agent.sensors["probe1"].interval_s == 0.2
        assert agent.counters.configs_refused == 2
    finally:
        agent.stop()
        pusher.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
        pusher.close()

    # Offline at the end: the clean shutdown said so on the retained status.
    assert watcher.until(lambda: watcher.statuses[-1].state == "offline")
    watcher.client.close()

    # A restart starts from the last good config saved on disk, before any broker.
    again = EdgeAgent(settings)
    assert again.config_version == 1
    assert again.sensors["probe1"].interval_s == 0.2
    again.buffer.close()
