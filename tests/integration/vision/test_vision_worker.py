"""The vision worker over the real broker: frames in (MQTT 5 metadata), events out."""

import queue
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import paho.mqtt.client as paho

from core.mqtt import MqttClient
from core.schemas import DetectionEvent, FrameMeta, decode
from core.settings import MqttSettings
from core.topics import Channel, frame_topic, subscription
from simulators.scenes import RodentSpec, SceneSpec, WorkerSpec, render_scene
from vision.pipeline import declared_violations
from vision.service import VisionService
from vision.settings import VisionSection, VisionSettings
from vision.zones import CameraRules, Zone

ZONE = Zone(id="prep", polygon=[(0, 0), (160, 0), (160, 240), (0, 240)])


def _jpeg(spec: SceneSpec, i: int, dt: float = 0.2) -> bytes:
    img, _ = render_scene(SceneSpec(**{**spec.__dict__, "t": i * dt}), np.random.default_rng(i))
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buf.tobytes()


def _send(client: MqttClient, topic: str, jpeg: bytes, seq: int, ts: datetime) -> None:
    """Publish one frame as a 320x240 camera does: JPEG bytes, metadata in properties."""
    meta = FrameMeta(ts=ts, seq=seq, size=len(jpeg), width=320, height=240)
    client.publish(
        topic, jpeg, qos=1, user_properties=meta.user_properties(), content_type="image/jpeg"
    )


def _run_scene(
    mqtt_settings: MqttSettings,
    tmp_path: Path,
    site: str,
    cam: str,
    spec: SceneSpec,
    n: int = 8,
    dt: float = 0.2,
) -> list[DetectionEvent]:
    settings = VisionSettings(
        mqtt=mqtt_settings,
        vision=VisionSection(
            instance=f"w-{site}",
            group=site,
            evidence_dir=tmp_path / "ev",
            default_rules=CameraRules(zones=[ZONE]),
        ),
    )
    service = VisionService(settings)
    service.start()
    got: queue.Queue[DetectionEvent] = queue.Queue()

    def on_msg(msg: paho.MQTTMessage) -> None:
        got.put(decode(DetectionEvent, bytes(msg.payload)))

    listener = MqttClient(mqtt_settings, persistent=False, on_message=on_msg)
    listener.connect(10)
    listener.subscribe(subscription(Channel.DETECTIONS, site=site), qos=1)
    cam_client = MqttClient(mqtt_settings, persistent=False)
    cam_client.connect(10)
    time.sleep(0.3)
    try:
        t0 = datetime.now(UTC)
        # hostile first: a frame whose header claims 60000 x 60000 pixels (gigabytes once
        # decoded) is refused from its header; the frames after it are still analysed
        small = _jpeg(spec, 0, dt)
        at = small.index(b"\xff\xc0") + 5
        bomb = small[:at] + (60000).to_bytes(2, "big") * 2 + small[at + 4 :]
        _send(cam_client, frame_topic(site, cam), bomb, 10_000, t0)
        for i in range(n):
            _send(
                cam_client, frame_topic(site, cam), _jpeg(spec, i, dt), i, t0 + timedelta(seconds=i)
            )
        cam_client.publish(
            frame_topic(site, cam), b"not a jpeg", qos=1
        )  # hostile: dead letter, no crash
        events = [got.get(timeout=15) for _ in range(n)]
        time.sleep(0.3)
        assert service.stats.rejected["not_jpeg"] == 1
        assert service.stats.rejected["too_large"] == 1
        return sorted(events, key=lambda e: e.seq)
    finally:
        cam_client.close()
        listener.close()
        service.stop()


def test_worker_without_hat_in_zone_yields_one_violation(
    mqtt_settings: MqttSettings, site_id: str, tmp_path: Path
) -> None:
    spec = SceneSpec(
        night=False,
        workers=(WorkerSpec(x=0.25, y=0.9, hat=False, mask=True),),
        rodents=(),
        n_distractors=0,
        occlusion=False,
        background_seed=3,
    )
    events = _run_scene(mqtt_settings, tmp_path, site_id, "cam1", spec)
    violations = [v for e in events for v in declared_violations(e)]
    assert [v.cls for v in violations] == ["no_hat"]
    ev = violations[0].evidence
    assert ev is not None and (tmp_path / "ev" / f"{ev.sha256}.jpg").is_file()


def test_same_worker_outside_zone_yields_none(
    mqtt_settings: MqttSettings, site_id: str, tmp_path: Path
) -> None:
    spec = SceneSpec(
        night=False,
        workers=(WorkerSpec(x=0.75, y=0.9, hat=False, mask=True),),
        rodents=(),
        n_distractors=0,
        occlusion=False,
        background_seed=3,
    )
    events = _run_scene(mqtt_settings, tmp_path, site_id, "cam1", spec)
    assert any(d.cls == "no_hat" for e in events for d in e.detections)
    assert [v for e in events for v in e.violations] == []


def test_rodent_at_night_yields_one(
    mqtt_settings: MqttSettings, site_id: str, tmp_path: Path
) -> None:
    spec = SceneSpec(
        night=True,
        ir=True,
        workers=(),
        rodents=(RodentSpec(x=0.3, y=0.9, size=1.3, speed=0.05),),
        n_distractors=0,
        occlusion=False,
        background_seed=5,
    )
    # scene time runs with the frames' timestamps (1 s apart): the rodent runs 16 px a
    # second, so it has moved its own length within the hold (a still one is a thing)
    events = _run_scene(mqtt_settings, tmp_path, site_id, "cam2", spec, dt=1.0)
    assert [v.cls for e in events for v in declared_violations(e)] == ["rodent"]
