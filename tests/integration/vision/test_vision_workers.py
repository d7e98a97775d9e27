"""Two vision workers side by side on a real Mosquitto: cameras partitioned, nothing twice.

With Mosquitto's round-robin shared subscription each worker saw half of a camera's
frames (tracks split, persistence halved, evidence duplicated). Partitioned by a stable
hash of `site/camera`, every camera's frames go to exactly one worker, in both ways a
worker can get them: subscriptions to the owned cameras' topics (cameras known) and the
wildcard with the others dropped on arrival (cameras learned from the stream).
"""

import json
import queue
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.mqtt import MqttClient
from core.partition import camera_key, owner
from core.schemas import DetectionEvent, FrameMeta, decode
from core.settings import MqttSettings
from core.topics import Channel, frame_topic, subscription
from devtools.servers import LocalMosquitto
from simulators.scenes import SceneSpec, WorkerSpec, render_scene
from vision.pipeline import declared_violations
from vision.service import VisionService
from vision.settings import VisionSection, VisionSettings
from vision.zones import CameraRules, Zone

ZONE = Zone(id="prep", polygon=[(0, 0), (160, 0), (160, 240), (0, 240)])
FRAMES = 8
WORKERS = 2


def _cameras(sites: list[str], per_worker: int) -> list[tuple[str, str]]:
    """Camera ids over the sites until each worker owns `per_worker` of them."""
    owned: dict[int, list[tuple[str, str]]] = {i: [] for i in range(WORKERS)}
    n = 0
    while min(len(v) for v in owned.values()) < per_worker:
        n += 1
        site = sites[n % len(sites)]
        cam = f"cam{n}"
        i = owner(camera_key(site, cam), WORKERS)
        if len(owned[i]) < per_worker:
            owned[i].append((site, cam))
    return sorted(c for v in owned.values() for c in v)


def _frames(k: int) -> list[bytes]:
    """One camera's frames: a worker without a hat in the zone (its own noise per camera)."""
    spec = SceneSpec(
        night=False,
        workers=(WorkerSpec(x=0.22 + 0.01 * (k % 5), y=0.9, hat=False, mask=True),),
        rodents=(),
        n_distractors=0,
        occlusion=False,
        background_seed=3,
    )
    out = []
    for i in range(FRAMES):
        img, _ = render_scene(
            SceneSpec(**{**spec.__dict__, "t": i * 0.2}), np.random.default_rng(1000 * k + i)
        )
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        assert ok
        out.append(buf.tobytes())
    return out


def _wait(cond: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


@pytest.mark.parametrize("known", [True, False], ids=["known-cameras", "learned-cameras"])
def test_two_workers_partition_cameras(
    mosquitto_factory: Callable[..., LocalMosquitto], tmp_path: Path, known: bool
) -> None:
    broker = mosquitto_factory()  # private: the wildcard worker must see only this test's frames
    mqtt_settings = MqttSettings(
        host=broker.host, port=broker.port, reconnect_min_s=0.2, reconnect_max_s=2
    )
    sites = ["kitchen-a", "kitchen-b", "kitchen-c"]
    cameras = _cameras(sites, per_worker=2)
    services = [
        VisionService(
            VisionSettings(
                mqtt=mqtt_settings,
                vision=VisionSection(
                    instance=f"w{i}",
                    worker_index=i,
                    workers=WORKERS,
                    known_cameras=[f"{s}/{c}" for s, c in cameras] if known else None,
                    evidence_dir=tmp_path / f"ev{i}",
                    default_rules=CameraRules(zones=[ZONE]),
                ),
            )
        )
        for i in range(WORKERS)
    ]
    got: queue.Queue[DetectionEvent] = queue.Queue()
    listener = MqttClient(
        mqtt_settings,
        persistent=False,
        on_message=lambda m: got.put(decode(DetectionEvent, bytes(m.payload))),
    )
    cam_client = MqttClient(mqtt_settings, persistent=False)
    try:
        for s in services:
            s.start()
        listener.connect(10)
        listener.subscribe(subscription(Channel.DETECTIONS), qos=1)
        cam_client.connect(10)
        frames = {c: _frames(k) for k, c in enumerate(cameras)}
        time.sleep(0.5)  # subscriptions in place
        t0 = datetime.now(UTC)
        for i in range(FRAMES):  # interleaved, as cameras send
            for site, cam in cameras:
                jpeg = frames[(site, cam)][i]
                meta = FrameMeta(
                    ts=t0 + timedelta(seconds=i), seq=i, size=len(jpeg), width=320, height=240
                )
                cam_client.publish(
                    frame_topic(site, cam),
                    jpeg,
                    qos=1,
                    user_properties=meta.user_properties(),
                    content_type="image/jpeg",
                )
        expected = len(cameras) * FRAMES
        events: list[DetectionEvent] = []

        def drained() -> bool:
            while True:
                try:
                    events.append(got.get_nowait())
                except queue.Empty:
                    return len(events) >= expected

        assert _wait(drained, 120), f"{len(events)} of {expected} detection events"
        time.sleep(2.0)  # a duplicate would arrive now
        drained()
    finally:
        cam_client.close()
        listener.close()
        for s in services:
            s.stop()

    # Detections for every frame, exactly once.
    per_frame = Counter((e.site, e.camera, e.seq) for e in events)
    assert set(per_frame) == {(s, c, i) for s, c in cameras for i in range(FRAMES)}
    assert max(per_frame.values()) == 1

    # Each camera's tracks at exactly one worker: its owner.
    for site, cam in cameras:
        holders = [i for i, s in enumerate(services) if f"{site}/{cam}" in s.pipeline.trackers]
        assert holders == [owner(camera_key(site, cam), WORKERS)], (site, cam)
    assert sum(s.stats.frames for s in services) == expected
    for s in services:
        assert s.stats.frames > 0
        # Known cameras: a frame goes only to its owner. Learned: every worker gets every
        # frame and drops the others' (N times the bandwidth, counted).
        assert s.stats.not_owned == (0 if known else expected - s.stats.frames)

    # Exactly one violation (and one evidence record) per camera, from its owner.
    violations = Counter(
        (e.site, e.camera, v.cls, v.track) for e in events for v in declared_violations(e)
    )
    assert max(violations.values()) == 1
    assert sorted((s, c) for s, c, _, _ in violations) == cameras
    assert {cls for _, _, cls, _ in violations} == {"no_hat"}
    for i in range(WORKERS):
        records = [json.loads(p.read_text()) for p in (tmp_path / f"ev{i}").glob("*.json")]
        mine = sorted((r["site"], r["camera"]) for r in records)
        assert mine == [c for c in cameras if owner(camera_key(*c), WORKERS) == i]
