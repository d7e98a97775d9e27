"""The recorder service on a real Mosquitto: frames in, the same JPEGs back, clips, disk alert."""

import queue
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from core.mqtt import MqttClient
from core.schemas import AlertEvent, AlertState, encode
from core.service_health import ServiceStatus
from core.topics import alerts_topic
from devtools.servers import free_port
from recorder.playback import Playback
from recorder.segments import read_segment
from recorder.service import RecorderService
from recorder.settings import RecorderSection, RecorderSettings

pytestmark = pytest.mark.integration
STEP = 500  # 2 fps


def _settings(broker: Any, tmp_path: Path, **recorder: object) -> RecorderSettings:
    return RecorderSettings(
        mqtt=broker.settings,
        recorder=RecorderSection.model_validate(
            {
                "instance": "r0",
                "video_dir": tmp_path / "video",
                "clips_dir": tmp_path / "clips",
                "database_url": f"sqlite:///{tmp_path / 'index.sqlite'}",
                "status_interval_s": 0.3,
                **recorder,
            }
        ),
    )


def _warm_up(service: RecorderService, camera: Any, site: str, waiter: Callable[..., bool]) -> None:
    """Publish to a throw-away camera until the service records it: subscriptions are in.

    Always the same timestamp: copies sent while the first was on its way are duplicates,
    so exactly one warm-up frame is counted.
    """
    ok, buf = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))
    assert ok
    jpeg = buf
    t = time.time_ns() // 1_000_000 - 600_000
    for _ in range(200):
        camera.send(site, "warmup", t, jpeg.tobytes(), 8, 8)
        if waiter(lambda: service.counters.frames > 0, 0.2):
            return
    raise AssertionError("the recorder never received a frame")


def _alert(site: str, subject: str, ts_ms: int, rule: str = "no-hat") -> AlertEvent:
    ts = datetime.fromtimestamp(ts_ms / 1000, UTC)
    return AlertEvent(
        id=str(uuid.uuid4()),
        fingerprint=uuid.uuid4().hex[:16],
        site=site,
        rule=rule,
        subject=subject,
        state=AlertState.FIRING,
        ts=ts,
        started_at=ts,
        summary=f"{subject} test alert",
    )


def test_frames_recorded_unchanged_and_alert_clip_frozen(
    broker: Any,
    camera: Any,
    jpeg_factory: Callable[..., list[bytes]],
    waiter: Callable[..., bool],
    tmp_path: Path,
) -> None:
    site = "kitchen-a"
    settings = _settings(broker, tmp_path, clip_before_s=3, clip_after_s=4, clip_wait_s=60)
    service = RecorderService(settings)
    alerts = MqttClient(broker.settings, persistent=False)
    service.start()
    alerts.connect(10)
    try:
        _warm_up(service, camera, site, waiter)
        jpegs = {cam: jpeg_factory(30, seed=k) for k, cam in enumerate(["cam1", "cam2"])}
        t0 = time.time_ns() // 1_000_000 - 120_000
        alert_at = t0 + 10 * STEP
        for i in range(30):
            for cam in ("cam1", "cam2"):
                camera.send(site, cam, t0 + i * STEP, jpegs[cam][i])
            if i == 12:
                # An alert from cam1 (subject camera/class, as rules writes it) and one
                # from a sensor: only the camera's gets a clip.
                alerts.publish(alerts_topic(site), encode(_alert(site, "cam1/no_hat", alert_at)))
                alerts.publish(
                    alerts_topic(site), encode(_alert(site, "fridge1/t1", alert_at, "cold"))
                )
        assert waiter(lambda: service.counters.frames >= 1 + 60)
        assert waiter(lambda: service.extra["clips"] == 1)
    finally:
        alerts.close()
        service.stop()  # what SIGTERM does: open segments finished and indexed

    pb = Playback(settings.recorder.database_url, tmp_path / "video", tmp_path / "clips")
    for cam in ("cam1", "cam2"):
        segs = pb.index.segments(site, cam)
        assert segs and all(s.state == "closed" for s in segs)
        back = list(pb.frames(site, cam, t0, t0 + 60_000))
        assert [f.jpeg for f in back] == jpegs[cam]
        assert [f.ts_ms for f in back] == [t0 + i * STEP for i in range(30)]

    clips = pb.index.clips()
    assert len(clips) == 1
    clip = clips[0]
    assert (clip.camera, clip.state, clip.start_ms, clip.end_ms) == (
        "cam1",
        "done",
        alert_at - 3000,
        alert_at + 4000,
    )
    path = pb.clip_path(clip.alert_id)
    assert path is not None and path.name == f"{clip.sha256}.mkv"
    frozen = list(read_segment(path))
    window = [i for i in range(30) if alert_at - 3000 <= t0 + i * STEP <= alert_at + 4000]
    assert [f.jpeg for f in frozen] == [jpegs["cam1"][i] for i in window]
    assert pb.clips is not None and pb.clips.verify().ok
    pb.close()


def test_disk_alert_fires_with_a_small_quota(
    broker: Any,
    camera: Any,
    jpeg_factory: Callable[..., list[bytes]],
    waiter: Callable[..., bool],
    tmp_path: Path,
) -> None:
    site = "kitchen-b"
    hook_out = tmp_path / "hook.txt"
    settings = _settings(
        broker,
        tmp_path,
        disk_quota_bytes=1_000_000,  # 1 MB cannot hold 8 days of even one camera
        disk_check_interval_s=0.5,
        disk_alert_command=[
            sys.executable,
            "-c",
            f"import os; open({str(hook_out)!r}, 'a').write(os.environ['BK_DISK_STATE'] + '\\n')",
        ],
    )
    service = RecorderService(settings)
    statuses: queue.Queue[ServiceStatus] = queue.Queue()
    listener = MqttClient(
        broker.settings,
        persistent=False,
        on_message=lambda m: statuses.put(ServiceStatus.model_validate_json(bytes(m.payload))),
    )
    service.start()
    listener.connect(10)
    listener.subscribe(service.health.topic, qos=1)
    try:
        _warm_up(service, camera, site, waiter)
        jpegs = jpeg_factory(20)
        t0 = time.time_ns() // 1_000_000 - 60_000
        deadline = time.monotonic() + 60
        i = 0
        short: ServiceStatus | None = None
        while short is None and time.monotonic() < deadline:
            camera.send(site, "cam1", t0 + i * STEP, jpegs[i % 20])
            i += 1
            time.sleep(0.02)
            while not statuses.empty():
                st = statuses.get()
                if st.gauges.get("disk_short") == 1:
                    short = st
        assert short is not None, "no status with disk_short = 1"
        needed = short.gauges["disk_needed_bytes"]
        assert isinstance(needed, int | float) and needed > 1_000_000
        assert short.gauges["disk_available_bytes"] == 1_000_000
        assert waiter(lambda: hook_out.exists() and "short" in hook_out.read_text())
        # Nothing recent was deleted to make room.
        assert service.extra["retention_deleted"] == 0
        assert service.counters.frames >= i
    finally:
        listener.close()
        service.stop()
    assert service.figures()["disk_short"] == 1


def test_edge_outage_replay_lands_in_place_and_metrics_show_it(
    broker: Any,
    camera: Any,
    jpeg_factory: Callable[..., list[bytes]],
    waiter: Callable[..., bool],
    tmp_path: Path,
) -> None:
    site = "kitchen-c"
    port = free_port()
    settings = _settings(broker, tmp_path, metrics_port=port, max_gap_s=5)
    service = RecorderService(settings)
    service.start()
    try:
        _warm_up(service, camera, site, waiter)
        jpegs = jpeg_factory(40)
        t0 = time.time_ns() // 1_000_000 - 120_000
        times = [t0 + i * STEP for i in range(40)]
        # Frames 10-29 were buffered at the edge during an outage: live 0-9 and 30-39
        # arrive first, then the replay.
        for i in [*range(10), *range(30, 40), *range(10, 30)]:
            camera.send(site, "cam1", times[i], jpegs[i])
        assert waiter(lambda: service.counters.frames >= 41)
        # A payload with the JPEG marker but no picture in it is refused, not recorded.
        camera.send(site, "cam1", t0 + 60_000, b"\xff\xd8\xff" + bytes(100))
        assert waiter(lambda: service.counters.rejected.get("not_jpeg") == 1)
        assert service.counters.frames == 41
        body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert "bk_recorder_late_frames_total 20.0" in body
        assert "bk_recorder_cameras 2.0" in body
        assert 'bk_recorder_rejected_total{reason="not_jpeg"} 1.0' in body
    finally:
        service.stop()
    pb = Playback(settings.recorder.database_url, tmp_path / "video")
    kinds = {(s.kind, s.start_ms, s.end_ms) for s in pb.index.segments(site, "cam1")}
    assert ("late", times[10], times[29]) in kinds
    back = list(pb.frames(site, "cam1", t0, t0 + 60_000))
    assert [f.ts_ms for f in back] == times
    assert [f.jpeg for f in back] == jpegs
    cov = pb.coverage(site, "cam1", t0 - 10_000, t0 + 30_000, max_gap_s=5)
    assert cov.covered == [(t0, times[-1])]
    assert cov.missing == [(t0 - 10_000, t0), (times[-1], t0 + 30_000)]
    pb.close()
