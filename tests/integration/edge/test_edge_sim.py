"""The shipped example config (simulated sensors and camera) runs against a real broker."""

import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import yaml

from core.mqtt import MqttClient, content_type, user_properties
from core.schemas import FrameMeta, Telemetry, decode
from core.settings import MqttSettings
from core.topics import frame_topic, telemetry_topic
from devtools.servers import LocalMosquitto
from edge.agent import EdgeAgent
from edge.config import EdgeSettings

EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "edge" / "agent.example.yaml"


def test_edge_example_with_sim_drivers_publishes(
    mosquitto: LocalMosquitto, mqtt_settings: MqttSettings, site_id: str, tmp_path: Path
) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["mqtt"] = mqtt_settings.model_dump()
    data["agent"].update(site=site_id, state_dir=str(tmp_path / "state"))
    for s in data["agent"]["sensors"]:
        s["interval_s"] = 1  # the simulator refuses faster rates
    data["agent"]["cameras"][0]["publish"]["motion_threshold"] = 0
    readings: list[Telemetry] = []
    frames: list[FrameMeta] = []
    lock = threading.Lock()

    def on(msg: mqtt.MQTTMessage) -> None:
        with lock:
            payload = bytes(msg.payload)
            if msg.topic.endswith("/telemetry"):
                readings.append(decode(Telemetry, payload))
            else:
                frames.append(
                    FrameMeta.from_properties(user_properties(msg), content_type(msg), payload)
                )

    sub = MqttClient(mqtt_settings, f"s-{uuid.uuid4().hex[:8]}", on_message=on)
    sub.subscribe(telemetry_topic(site_id, "agent"), 1)
    sub.subscribe(frame_topic(site_id, "cam1"), 0)
    sub.connect()
    agent = EdgeAgent(EdgeSettings.model_validate(data))
    agent.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with lock:
                sensors = {r.sensor for t in readings for r in t.readings}
                if len(sensors) >= 2 and len(frames) >= 2:
                    break
            time.sleep(0.1)
    finally:
        agent.stop()
        sub.close()
    assert len(sensors) >= 2, sensors
    assert len(frames) >= 2
    assert (frames[0].width, frames[0].height) == (640, 480)
    seqs = [r.seq for t in readings for r in t.readings]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
