"""Recordings through the centre API: a real recorder writes real segments from frames
published on a real Mosquitto; the API serves them back, scoped like everything else.

What is checked is what a person gets: the MP4 decodes (PyAV) to the window's frames
with the window's duration, MJPEG parts are the very JPEG bytes published, the download
is Matroska holding those bytes, the alert clip is served, another kitchen's manager
gets 404, a window over 15 minutes 422, an altered clip 409.
"""

import hashlib
import io
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import av
import cv2
import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.app import create_app
from api.db import make_engine
from api.migrate import ALERTS, CENTRE, upgrade
from api.routers.users import create_user
from api.schemas import UserCreate
from api.security import login
from api.settings import ApiSection, ApiSettings, RecordingsSection
from core.mqtt import MqttClient
from core.schemas import AlertEvent, AlertState, FrameMeta, encode
from core.settings import InfluxSettings, MqttSettings
from core.topics import alerts_topic, frame_topic
from devtools.servers import LocalMosquitto
from devtools.world import PASSWORD, World, seed_world
from recorder.service import RecorderService
from recorder.settings import RecorderSection, RecorderSettings

pytestmark = pytest.mark.integration

STEP = 500  # 2 fps
FRAMES = 40  # 20 s of each camera
BEFORE_MS, AFTER_MS = 3000, 4000  # the clip window (the recorder's default is 30 s / 60 s)


def jpegs(n: int, seed: int) -> list[bytes]:
    """n distinct 320×240 JPEGs (a number on noise)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        img = rng.integers(0, 60, (240, 320, 3), dtype=np.uint8)
        cv2.putText(img, str(i), (20, 120), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        out.append(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes())
    return out


def wait_for(cond: Callable[[], bool], timeout: float = 60.0) -> bool:
    """Poll until true or the (generous) deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


@dataclass
class Recorded:
    client: TestClient
    world: World
    tokens: dict[str, str]
    t0: int  # source ms of each camera's first frame
    jpegs: dict[str, list[bytes]]  # site → the frames published for its cam1
    alerts: dict[str, str]  # site → alert id
    clips_dir: Path

    def get(self, who: str, path: str, **params: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        resp: httpx.Response = self.client.get(path, params=params, headers=headers)
        return resp


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def _alert(site: str, ts_ms: int) -> AlertEvent:
    ts = datetime.fromtimestamp(ts_ms / 1000, UTC)
    return AlertEvent(
        id=str(uuid.uuid4()),
        fingerprint=uuid.uuid4().hex[:16],
        site=site,
        rule="hygiene-no-hat",
        subject="cam1/no_hat",
        state=AlertState.FIRING,
        ts=ts,
        started_at=ts,
        summary="未戴帽子",
    )


def _record(broker: MqttSettings, root: Path) -> tuple[int, dict[str, list[bytes]], dict[str, str]]:
    """Run the recorder while cam1 of kitchens a and b publishes 20 s and each gets an alert."""
    settings = RecorderSettings(
        mqtt=broker,
        recorder=RecorderSection.model_validate(
            {
                "instance": "r0",
                "video_dir": root / "video",
                "clips_dir": root / "clips",
                "database_url": f"sqlite:///{root / 'index.sqlite'}",
                "clip_before_s": BEFORE_MS / 1000,
                "clip_after_s": AFTER_MS / 1000,
                "clip_wait_s": 60,
            }
        ),
    )
    service = RecorderService(settings)
    client = MqttClient(broker, persistent=False)
    service.start()
    client.connect(10)
    seq = 0

    def send(site: str, camera: str, ts_ms: int, jpeg: bytes, w: int = 320, h: int = 240) -> None:
        nonlocal seq
        meta = FrameMeta(
            ts=datetime.fromtimestamp(ts_ms / 1000, UTC), seq=seq, size=len(jpeg), width=w, height=h
        )
        seq += 1
        client.publish(
            frame_topic(site, camera),
            jpeg,
            qos=1,
            user_properties=meta.user_properties(),
            content_type="image/jpeg",
        ).wait_for_publish(5)

    frames = {"a": jpegs(FRAMES, 1), "b": jpegs(FRAMES, 2)}
    alerts: dict[str, str] = {}
    try:
        # Warm up: the same moment of a throw-away camera until the recorder has it.
        tiny = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes()
        warm = time.time_ns() // 1_000_000 - 900_000
        for _ in range(300):
            send("a", "warmup", warm, tiny, 8, 8)
            if wait_for(lambda: service.counters.frames > 0, 0.2):
                break
        t0 = (time.time_ns() // 1_000_000 - 600_000) // 1000 * 1000  # ten minutes ago, whole s
        for i in range(FRAMES):
            for site in ("a", "b"):
                send(site, "cam1", t0 + i * STEP, frames[site][i])
            if i == 12:
                for site in ("a", "b"):
                    event = _alert(site, t0 + 10 * STEP)
                    alerts[site] = event.id
                    client.publish(alerts_topic(site), encode(event), qos=1).wait_for_publish(5)
        assert wait_for(lambda: service.counters.frames >= 1 + 2 * FRAMES)
        assert wait_for(lambda: service.extra["clips"] == 2)
    finally:
        client.close()
        service.stop()  # open segments finished and indexed, as on SIGTERM
    return t0, frames, alerts


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    """The recorder's output for kitchens a and b, and the API (TestClient) reading it."""
    root = tmp_path_factory.mktemp("recordings")
    # A private broker: the recorder takes every camera's frames, other tests' too.
    mosquitto = LocalMosquitto(root / "mosquitto")
    mosquitto.start()
    try:
        broker = MqttSettings(host=mosquitto.host, port=mosquitto.port, reconnect_max_s=2)
        t0, frames, alerts = _record(broker, root)
    finally:
        mosquitto.stop()
    url = f"sqlite:///{root / 'centre.db'}"
    settings = ApiSettings(
        api=ApiSection(
            database_url=url,
            alerts_url=url,
            evidence_dir=root / "evidence",
            signing_key="recordings-test-key-0123456789",
            token_ttl_s=3600,
            recordings=RecordingsSection(
                database_url=f"sqlite:///{root / 'index.sqlite'}",
                video_dir=root / "video",
                clips_dir=root / "clips",
            ),
        ),
        influx=InfluxSettings(url="http://127.0.0.1:9", timeout_s=0.5),
    )
    engine = make_engine(url)
    upgrade(engine, CENTRE)
    upgrade(engine, ALERTS)
    with Session(engine) as session:
        world = seed_world(session, settings.api)
        create_user(
            session,
            UserCreate.model_validate(
                {
                    "username": "mgr_b",
                    "password": PASSWORD,
                    "role": "canteen_manager",
                    "kitchen_id": "b",
                }
            ),
        )
        tokens = dict(world.tokens)
        tokens["mgr_b"] = login(session, settings.api, "mgr_b", PASSWORD, datetime.now(UTC)).token
    engine.dispose()
    with TestClient(create_app(settings)) as client:
        yield Recorded(client, world, tokens, t0, frames, alerts, root / "clips")


def _decode(data: bytes) -> list[float]:
    """Presentation times (s) of every decoded frame of a video held in memory."""
    with av.open(io.BytesIO(data), "r") as c:
        return [float(f.time) for f in c.decode(video=0) if f.time is not None]


def test_mp4_playback_decodes_to_the_window(recorded: Recorded) -> None:
    t0 = recorded.t0
    r = recorded.get(
        "mgr_a",
        "/kitchens/a/cameras/cam1/playback",
        start=iso(t0),
        end=iso(t0 + 9_750),
        format="mp4",
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "video/mp4"
    times = _decode(r.content)
    assert len(times) == 20  # frames 0..19 of the window (2 fps, 9.75 s)
    # Source timestamps kept: the last frame 9.5 s after the first, within a frame interval.
    assert abs((times[-1] - times[0]) - 9.5) <= STEP / 1000


def test_mjpeg_parts_are_the_published_bytes(recorded: Recorded) -> None:
    t0 = recorded.t0
    r = recorded.get(
        "staff_a",
        "/kitchens/a/cameras/cam1/playback",
        start=iso(t0 + 2_000),
        end=iso(t0 + 6_000),
        format="mjpeg",
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("multipart/x-mixed-replace")
    body: bytes = r.content
    parts = []
    for chunk in body.split(b"--bkframe\r\n")[1:]:
        head, _, rest = chunk.partition(b"\r\n\r\n")
        length = int(
            next(h for h in head.split(b"\r\n") if h.startswith(b"Content-Length")).split(b":")[1]
        )
        parts.append(rest[:length])
    assert parts == recorded.jpegs["a"][4:13]  # 2.0 s .. 6.0 s inclusive


def test_download_is_matroska_with_the_jpegs(recorded: Recorded) -> None:
    t0 = recorded.t0
    r = recorded.get(
        "insp_g", "/kitchens/a/cameras/cam1/download", start=iso(t0), end=iso(t0 + 60_000)
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "video/x-matroska"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.content[:4] == b"\x1a\x45\xdf\xa3"  # EBML header
    with av.open(io.BytesIO(r.content), "r") as c:
        assert "matroska" in c.format.name
        packets = [bytes(p) for p in c.demux(video=0) if p.size]
    assert packets == recorded.jpegs["a"]


def test_alert_clip_is_served_both_ways(recorded: Recorded) -> None:
    aid = recorded.alerts["a"]
    r = recorded.get("mgr_a", f"/kitchens/a/alerts/{aid}/clip")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "video/x-matroska"
    assert hashlib.sha256(r.content).hexdigest() == r.headers["x-content-sha256"]
    with av.open(io.BytesIO(r.content), "r") as c:
        packets = [bytes(p) for p in c.demux(video=0) if p.size]
    alert_at = recorded.t0 + 10 * STEP
    window = [
        i
        for i in range(FRAMES)
        if alert_at - BEFORE_MS <= recorded.t0 + i * STEP <= alert_at + AFTER_MS
    ]
    assert packets == [recorded.jpegs["a"][i] for i in window]
    mp4 = recorded.get("mgr_a", f"/kitchens/a/alerts/{aid}/clip", format="mp4")
    assert mp4.status_code == 200
    assert len(_decode(mp4.content)) == len(window)


def test_coverage_shows_spans_and_gaps(recorded: Recorded) -> None:
    t0 = recorded.t0
    r = recorded.get(
        "viewer",
        "/kitchens/a/cameras/cam1/coverage",
        start=iso(t0 - 60_000),
        end=iso(t0 + 80_000),
    )
    assert r.status_code == 200
    cov = r.json()
    assert cov["recorder"] is True
    assert len(cov["spans"]) == 1
    span = cov["spans"][0]
    assert (span["start"], span["end"]) == (
        iso(t0).replace("+00:00", "Z"),
        iso(t0 + (FRAMES - 1) * STEP).replace("+00:00", "Z"),
    )
    assert cov["recorded_s"] == pytest.approx((FRAMES - 1) * STEP / 1000)
    assert len(cov["gaps"]) == 2
    assert (cov["gaps"][0]["end"], cov["gaps"][1]["start"]) == (span["start"], span["end"])
    # Working-hours flags agree with the working time the window holds (registry hours).
    assert all(g["in_working_hours"] == (g["working_s"] > 0) for g in cov["gaps"])
    assert cov["online_s"] <= cov["working_s"]


def test_another_kitchen_sees_nothing(recorded: Recorded) -> None:
    t0 = recorded.t0
    aid = recorded.alerts["a"]
    for path in (
        "/kitchens/a/cameras/cam1/coverage",
        "/kitchens/a/cameras/cam1/playback",
        "/kitchens/a/cameras/cam1/download",
        f"/kitchens/a/alerts/{aid}/clip",
    ):
        r = recorded.get("mgr_b", path, start=iso(t0), end=iso(t0 + 5_000))
        assert r.status_code == 404, path
    # Its own clip through its own kitchen, yes; A's clip through B's path, no.
    assert (
        recorded.get("mgr_b", f"/kitchens/b/alerts/{recorded.alerts['b']}/clip").status_code == 200
    )
    assert recorded.get("mgr_b", f"/kitchens/b/alerts/{aid}/clip").status_code == 404
    # A device of the kitchen that is not a camera is not a camera.
    r = recorded.get("mgr_a", "/kitchens/a/cameras/fridge1/coverage")
    assert r.status_code == 404


def test_windows_too_long_empty_or_naive(recorded: Recorded) -> None:
    t0 = recorded.t0
    r = recorded.get(
        "admin", "/kitchens/a/cameras/cam1/playback", start=iso(t0), end=iso(t0 + 16 * 60_000)
    )
    assert r.status_code == 422
    assert "15 分钟" in r.json()["detail"] and "at most 15 minutes" in r.json()["detail"]
    r = recorded.get(
        "admin", "/kitchens/a/cameras/cam1/playback", start=iso(t0 - 120_000), end=iso(t0 - 60_000)
    )
    assert r.status_code == 404
    assert "nothing was recorded" in r.json()["detail"]
    r = recorded.get("admin", "/kitchens/a/cameras/cam1/playback", start="2026-12-02T08:00:00")
    assert r.status_code == 422
    # Neither start nor end: the camera's last recorded minute.
    r = recorded.get("admin", "/kitchens/a/cameras/cam1/playback", format="mjpeg")
    assert r.status_code == 200
    assert r.content.count(b"--bkframe\r\n") == FRAMES  # all 20 s lie in that minute


def test_an_altered_clip_is_refused(recorded: Recorded) -> None:
    aid = recorded.alerts["b"]
    ok = recorded.get("admin", f"/kitchens/b/alerts/{aid}/clip")
    assert ok.status_code == 200
    path = recorded.clips_dir / f"{ok.headers['x-content-sha256']}.mkv"
    original = path.read_bytes()
    try:
        path.write_bytes(original[:-10] + bytes(10))  # the last block's bytes zeroed
        r = recorded.get("admin", f"/kitchens/b/alerts/{aid}/clip")
        assert r.status_code == 409
        assert "tampered" in r.json()["detail"] or "does not match" in r.json()["detail"]
        assert (
            recorded.get("admin", f"/kitchens/b/alerts/{aid}/clip", format="mp4").status_code == 409
        )
    finally:
        path.write_bytes(original)
    assert recorded.get("admin", f"/kitchens/b/alerts/{aid}/clip").status_code == 200
