"""Kitchen live state from a real InfluxDB and the rules' alert store, over HTTP, on
SQLite and PostgreSQL; scoping of state and evidence holds on both databases.

Then the live camera view against a real Mosquitto: frames published as a camera does
reach the WebSocket and the MJPEG stream byte for byte, only for cameras in scope, a slow
consumer gets the newest frame instead of a backlog, hidden tiles go slow."""

import contextlib
import json
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from sqlalchemy.orm import Session
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

import api.routers.live as live_routes
from api.app import create_app
from api.db import make_engine
from api.migrate import ALERTS, CENTRE, upgrade
from api.security import login
from api.settings import ApiSection, ApiSettings
from core.mqtt import MqttClient
from core.schemas import (
    AlertEvent,
    AlertState,
    DeviceState,
    DeviceStatus,
    FrameMeta,
    Severity,
    Telemetry,
)
from core.settings import InfluxSettings, MqttSettings
from core.store import open_store, reading_points, status_point
from core.topics import frame_topic
from devtools.servers import AppServer, LocalMosquitto
from devtools.world import PASSWORD, World, seed_world
from rules.alerts import Alert, alert_id, fingerprint
from rules.store import AlertStore

pytestmark = pytest.mark.integration


def _status(site: str, device: str, state: DeviceState, ts: datetime) -> DeviceStatus:
    return DeviceStatus(site=site, device=device, state=state, ts=ts)


def _alert(site: str, started: datetime) -> tuple[Alert, AlertEvent]:
    fp = fingerprint(site, "cold-holding-high", "fridge1/t1")
    alert = Alert(
        id=alert_id(fp, started),
        fingerprint=fp,
        site=site,
        rule="cold-holding-high",
        subject="fridge1/t1",
        device="fridge1",
        severity=Severity.CRITICAL,
        state=AlertState.FIRING,
        started_at=started,
        updated_at=started,
        fired_at=started,
        summary="冷库温度 9.5 °C 高于 8 °C",
        value=9.5,
        threshold=8.0,
    )
    event = AlertEvent(
        id=alert.id,
        fingerprint=fp,
        site=site,
        rule=alert.rule,
        subject=alert.subject,
        severity=alert.severity,
        state=alert.state,
        ts=started,
        started_at=started,
        summary=alert.summary,
    )
    return alert, event


def test_live_state_and_scope(live_api: Callable[..., Any]) -> None:
    api = live_api()
    now = datetime.now(UTC).replace(microsecond=0)
    t = [now - timedelta(minutes=m) for m in (40, 30, 20, 1)]
    store = open_store(api.settings.influx)
    store.write(
        [
            status_point(_status("a", "agent", s, ts))
            for s, ts in zip(
                [DeviceState.ONLINE, DeviceState.OFFLINE, DeviceState.ONLINE, DeviceState.ONLINE],
                t,
                strict=True,
            )
        ]
    )
    store.write([status_point(_status("a", "cam1", DeviceState.OFFLINE, t[1]))])
    for i, value in enumerate((3.5, 4.0, 9.5)):
        msg = Telemetry.model_validate(
            {
                "site": "a",
                "device": "fridge1",
                "readings": [
                    {
                        "sensor": "t1",
                        "kind": "temperature",
                        "value": value,
                        "unit": "degC",
                        "ts": t[i],
                        "seq": i,
                        "zone": "cold_room",
                    }
                ],
            }
        )
        store.write(reading_points(msg))
    store.close()
    alerts = AlertStore(api.settings.api.alerts_url)
    for site in ("a", "b"):
        alerts.record(*_alert(site, t[2]))
    alerts.close()

    with httpx.Client(base_url=api.url, timeout=30) as client:
        mgr = {"Authorization": f"Bearer {api.world.tokens['mgr_a']}"}
        resp = client.get("/kitchens/a/state", headers=mgr)
        assert resp.status_code == 200, resp.text
        state = resp.json()
        assert state["store_available"] and state["alerts_available"]
        devices = {d["id"]: d for d in state["devices"]}
        assert devices["agent"]["state"] == "online"
        # Online since it came back at t[2], not since its latest heartbeat at t[3].
        assert datetime.fromisoformat(devices["agent"]["since"]) == t[2]
        assert datetime.fromisoformat(devices["agent"]["last_seen"]) == t[3]
        assert devices["cam1"]["state"] == "offline"
        assert datetime.fromisoformat(devices["cam1"]["since"]) == t[1]
        # fridge1 has no status of its own: its agent is online, its last reading is 20
        # minutes old (> sensor_silent_s), so it went silent after that reading.
        assert devices["fridge1"]["state"] == "offline"
        assert devices["fridge1"]["basis"] == "readings"
        assert datetime.fromisoformat(devices["fridge1"]["since"]) == t[2]
        (reading,) = state["readings"]
        assert reading["sensor"] == "t1" and reading["value"] == 9.5
        assert datetime.fromisoformat(reading["ts"]) == t[2]
        assert [a["site"] for a in state["open_alerts"]] == ["a"]
        assert state["open_alerts"][0]["rule"] == "cold-holding-high"
        # Kitchen B: its state, alerts and evidence are not there for A's manager.
        assert client.get("/kitchens/b/state", headers=mgr).status_code == 404
        assert client.get("/kitchens/b/alerts", headers=mgr).status_code == 404
        assert client.get(f"/evidence/{api.evidence['b']}/image", headers=mgr).status_code == 404
        assert client.get(f"/evidence/{api.evidence['a']}/image", headers=mgr).status_code == 200
        sup = {"Authorization": f"Bearer {api.world.tokens['sup_x']}"}
        listed = client.get("/kitchens", headers=sup).json()
        assert [k["id"] for k in listed] == ["a"]
        # Logout revokes at once, on this database too.
        assert client.post("/auth/logout", headers=sup).status_code == 204
        assert client.get("/kitchens", headers=sup).status_code == 401


# -- live camera view: WebSocket tiles and MJPEG (api/live.py, api/routers/live.py) -------
#
# A private API on SQLite connected to the session's real Mosquitto; frames are published
# as a camera publishes them (JPEG bytes, FrameMeta in MQTT 5 user properties, QoS 0).

LIVE_BOUNDARY = b"--bkframe\r\n"


@dataclass
class LiveView:
    url: str
    world: World
    settings: ApiSettings
    expired_token: str


def _jpeg(seed: int, noise: int = 8) -> bytes:
    """A real 640×480 JPEG, different for each seed (noise makes it big: noise=255 ≈ 300 KB)."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, max(1, noise), (480, 640, 3), dtype=np.uint8)
    img[:, :, 1] += np.uint8(seed % 200)
    cv2.putText(img, str(seed), (40, 240), cv2.FONT_HERSHEY_SIMPLEX, 4, (255, 255, 255), 6)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return bytes(buf.tobytes())


class FramePublisher:
    """Publishes camera frames like an edge agent; remembers each one's bytes and ts."""

    def __init__(self, settings: MqttSettings) -> None:
        self.client = MqttClient(settings, persistent=False, max_queued=0)
        self.client.connect()
        self.sent: dict[tuple[str, str, int], tuple[bytes, int]] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def publish(self, site: str, camera: str, seq: int, jpeg: bytes) -> None:
        ts = datetime.now(UTC)
        meta = FrameMeta(ts=ts, seq=seq, size=len(jpeg), width=640, height=480)
        self.sent[(site, camera, seq)] = (jpeg, round(meta.ts.timestamp() * 1000))
        self.client.publish(
            frame_topic(site, camera),
            jpeg,
            qos=0,
            user_properties=meta.user_properties(),
            content_type="image/jpeg",
        )

    def run(self, cameras: list[tuple[str, str]], period_s: float = 0.1) -> None:
        """Publish a new frame of every camera each period, in the background."""

        def loop() -> None:
            seq = 0
            while not self._stop.is_set():
                for site, cam in cameras:
                    self.publish(site, cam, seq, _jpeg(seq))
                seq += 1
                self._stop.wait(period_s)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        self._threads.append(thread)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)
        self.client.close()


@pytest.fixture(scope="module")
def live_view(
    tmp_path_factory: pytest.TempPathFactory, mosquitto: LocalMosquitto
) -> Iterator[LiveView]:
    """The seeded API (SQLite) with its frame hub on the session's broker, under uvicorn."""
    tmp = tmp_path_factory.mktemp("live-view")
    url = f"sqlite:///{tmp}/centre.db"
    settings = ApiSettings(
        api=ApiSection(
            database_url=url,
            alerts_url=url,
            evidence_dir=tmp / "evidence",
            signing_key="live-view-key-0123456789",
            token_ttl_s=3600,
            live_idle_s=5,
        ),
        mqtt=MqttSettings(
            host=mosquitto.host, port=mosquitto.port, reconnect_min_s=0.2, reconnect_max_s=2
        ),
        influx=InfluxSettings(url="http://127.0.0.1:9", timeout_s=0.5),
    )
    engine = make_engine(url)
    upgrade(engine, CENTRE)
    upgrade(engine, ALERTS)
    with Session(engine) as session:
        world = seed_world(session, settings.api)
        # A token that expired an hour ago (issued two hours ago, lifetime one hour).
        expired = login(
            session, settings.api, "mgr_a", PASSWORD, datetime.now(UTC) - timedelta(hours=2)
        ).token
    engine.dispose()
    server = AppServer(create_app(settings))
    base = server.start()
    view = LiveView(base, world, settings, expired)
    _wait_stats(view, lambda s: s.get("connected") == 1)
    yield view
    server.stop()


@pytest.fixture
def publisher(mqtt_settings: MqttSettings) -> Iterator[FramePublisher]:
    """A camera-like publisher on the session's broker; stopped after the test."""
    pub = FramePublisher(mqtt_settings)
    yield pub
    pub.close()


def _stats(view: LiveView) -> dict[str, int]:
    admin = {"Authorization": f"Bearer {view.world.tokens['admin']}"}
    resp = httpx.get(f"{view.url}/live/stats", headers=admin, timeout=10)
    assert resp.status_code == 200, resp.text
    stats: dict[str, int] = resp.json()
    return stats


def _wait_stats(
    view: LiveView, ok: Callable[[dict[str, int]], bool], timeout: float = 30
) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        stats = _stats(view)
        if ok(stats):
            return stats
        assert time.monotonic() < deadline, f"hub stats never got there: {stats}"
        time.sleep(0.1)


@contextlib.contextmanager
def _socket(view: LiveView, token: str | None, max_queue: int = 16) -> Iterator[ClientConnection]:
    """A live socket, signed in with `token` (None: sends nothing yet); closed afterwards."""
    with ws_connect(
        view.url.replace("http://", "ws://") + "/ws/live",
        max_size=8 * 1024 * 1024,
        max_queue=max_queue,
        open_timeout=10,
    ) as ws:
        if token is not None:
            ws.send(json.dumps({"type": "auth", "token": token}))
            ready = json.loads(ws.recv(timeout=10))
            assert ready["type"] == "ready"
        yield ws


def _watch(ws: ClientConnection, *cameras: str, visible: bool = True) -> dict[str, Any]:
    wanted = [
        {"site": c.split("/")[0], "camera": c.split("/")[1], "visible": visible} for c in cameras
    ]
    ws.send(json.dumps({"type": "watch", "cameras": wanted}))
    while True:  # frames of cameras watched before may come first
        msg = ws.recv(timeout=10)
        if isinstance(msg, str):
            reply: dict[str, Any] = json.loads(msg)
            assert reply["type"] == "watching"
            return reply


def _frame(msg: bytes) -> tuple[dict[str, Any], bytes]:
    """(header, JPEG) of a binary live message."""
    (n,) = struct.unpack(">H", msg[:2])
    return json.loads(msg[2 : 2 + n]), msg[2 + n :]


def _frames(
    ws: ClientConnection, until: Callable[[list[dict[str, Any]]], bool], timeout: float
) -> list[tuple[dict[str, Any], bytes]]:
    """Binary frames received until `until(headers)` holds; [(header, jpeg)]."""
    got: list[tuple[dict[str, Any], bytes]] = []
    deadline = time.monotonic() + timeout
    while not until([h for h, _ in got]):
        left = deadline - time.monotonic()
        assert left > 0, f"only {len(got)} frames in {timeout} s"
        try:
            msg = ws.recv(timeout=left)
        except TimeoutError:
            continue
        if isinstance(msg, bytes):
            got.append(_frame(msg))
    return got


def _closed_with(ws: ClientConnection, timeout: float = 30) -> int | None:
    """The close code the server sent within `timeout` (frames before it are skipped)."""
    deadline = time.monotonic() + timeout
    try:
        while (left := deadline - time.monotonic()) > 0:
            with contextlib.suppress(TimeoutError):
                ws.recv(timeout=left)
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd is not None else None
    return None


def test_live_socket_passes_published_bytes_unchanged(
    live_view: LiveView, publisher: FramePublisher
) -> None:
    with _socket(live_view, live_view.world.tokens["mgr_a"]) as ws:
        reply = _watch(ws, "a/cam1")
        assert reply["cameras"] == ["a/cam1"] and reply["refused"] == []
        _wait_stats(live_view, lambda s: s["cameras"] >= 1)
        publisher.run([("a", "cam1")], period_s=0.1)
        got = _frames(ws, lambda hs: len(hs) >= 5, timeout=30)
        for header, jpeg in got:
            assert (header["site"], header["camera"]) == ("a", "cam1")
            sent, ts_ms = publisher.sent[("a", "cam1", header["seq"])]
            assert jpeg == sent  # the very bytes the camera published
            assert header["ts"] == ts_ms
        seqs = [h["seq"] for h, _ in got]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_live_socket_sends_only_cameras_in_scope(
    live_view: LiveView, publisher: FramePublisher
) -> None:
    with (
        _socket(live_view, live_view.world.tokens["mgr_a"]) as mgr,
        _socket(live_view, live_view.world.tokens["admin"]) as admin,
    ):
        reply = _watch(mgr, "a/cam1", "b/cam1", "a/nope")
        # B's camera (another district) and a camera that does not exist: refused alike.
        assert reply["cameras"] == ["a/cam1"]
        assert reply["refused"] == ["a/nope", "b/cam1"]
        assert _watch(admin, "b/cam1")["cameras"] == ["b/cam1"]
        publisher.run([("a", "cam1"), ("b", "cam1")], period_s=0.1)
        # B's frames do flow (the admin gets them) while A's manager gets A's only.
        _frames(admin, lambda hs: len(hs) >= 5, timeout=30)
        got = _frames(mgr, lambda hs: len(hs) >= 5, timeout=30)
        assert {(h["site"], h["camera"]) for h, _ in got} == {("a", "cam1")}
        # Asking again by id, alone, changes nothing.
        assert _watch(mgr, "b/cam1") == {"type": "watching", "cameras": [], "refused": ["b/cam1"]}
        time.sleep(1.0)
        late = []
        with contextlib.suppress(TimeoutError):
            while True:
                msg = mgr.recv(timeout=1.0)
                if isinstance(msg, bytes):
                    late.append(_frame(msg)[0])
        assert all(h["site"] == "a" for h in late)


def test_live_socket_refuses_without_a_valid_token(live_view: LiveView) -> None:
    with _socket(live_view, None) as anonymous:
        anonymous.send(json.dumps({"type": "watch", "cameras": [{"site": "a", "camera": "cam1"}]}))
        assert _closed_with(anonymous) == 4401
    for token in ("no-such-token", live_view.expired_token, live_view.world.tokens["revoked"]):
        with _socket(live_view, None) as ws:
            ws.send(json.dumps({"type": "auth", "token": token}))
            assert _closed_with(ws) == 4401, token[:8]


def test_live_socket_closes_when_its_token_is_revoked(
    live_view: LiveView, publisher: FramePublisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_routes, "RECHECK_S", 0.5)  # the server runs in this process
    resp = httpx.post(
        f"{live_view.url}/auth/login",
        json={"username": "mgr_a", "password": PASSWORD},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    token = resp.json()["access_token"]
    with _socket(live_view, token) as ws:
        _watch(ws, "a/cam1")
        publisher.run([("a", "cam1")], period_s=0.1)
        _frames(ws, lambda hs: len(hs) >= 2, timeout=30)
        out = httpx.post(
            f"{live_view.url}/auth/logout", headers={"Authorization": f"Bearer {token}"}
        )
        assert out.status_code == 204
        assert _closed_with(ws) == 4401


def test_slow_consumer_gets_the_newest_frame_not_a_backlog(
    live_view: LiveView, publisher: FramePublisher
) -> None:
    with _socket(live_view, live_view.world.tokens["mgr_a"], max_queue=2) as ws:
        _watch(ws, "a/cam1")
        before = _wait_stats(live_view, lambda s: s["cameras"] >= 1)
        # 200 frames of ~300 KB (60 MB) published at once while the client reads nothing.
        big = [_jpeg(i, noise=255) for i in range(8)]
        total = 200
        for seq in range(total):
            publisher.publish("a", "cam1", seq, big[seq % len(big)])
        _wait_stats(live_view, lambda s: s.get("frames", 0) >= before.get("frames", 0) + total)
        got = []
        with contextlib.suppress(TimeoutError):
            while True:
                msg = ws.recv(timeout=3.0)
                if isinstance(msg, bytes):
                    got.append(_frame(msg))
        seqs = [h["seq"] for h, _ in got]
        print(f"slow consumer: {len(seqs)} of {total} frames received, last {seqs[-1:]}")
        assert seqs, "nothing received"
        assert seqs[-1] == total - 1  # the newest frame arrives...
        assert len(seqs) < total // 2, f"{len(seqs)} of {total}: a backlog was kept"  # ...not all
        assert seqs == sorted(seqs)
        for header, jpeg in got:
            assert jpeg == publisher.sent[("a", "cam1", header["seq"])][0]


def test_hidden_tiles_get_a_frame_every_few_seconds(
    live_view: LiveView, publisher: FramePublisher
) -> None:
    with _socket(live_view, live_view.world.tokens["mgr_a"]) as ws:
        _watch(ws, "a/cam1", visible=False)
        _wait_stats(live_view, lambda s: s["cameras"] >= 1)
        publisher.run([("a", "cam1")], period_s=0.1)  # 10 fps
        start = time.monotonic()
        got = _frames(ws, lambda hs: len(hs) >= 2, timeout=30)
        spent = time.monotonic() - start
        interval = live_view.settings.api.live_hidden_interval_s
        # The second frame comes no sooner than the hidden interval after the first.
        assert spent >= interval * 0.9, f"2 frames in {spent:.1f} s while hidden"
        # Visible again: frames at the camera's rate.
        _watch(ws, "a/cam1", visible=True)
        got = _frames(ws, lambda hs: len(hs) >= 10, timeout=30)  # hidden: 45 s
        assert len(got) >= 10


def test_bad_frames_are_counted_and_the_last_viewer_unsubscribes(
    live_view: LiveView, publisher: FramePublisher
) -> None:
    with _socket(live_view, live_view.world.tokens["mgr_a"]) as ws:
        _watch(ws, "a/cam1")
        before = _wait_stats(live_view, lambda s: s["cameras"] >= 1)
        publisher.client.publish(frame_topic("a", "cam1"), b"not a jpeg", qos=0)
        _wait_stats(live_view, lambda s: s.get("bad_frames", 0) > before.get("bad_frames", 0))
        publisher.run([("a", "cam1")], period_s=0.1)
        _frames(ws, lambda hs: len(hs) >= 2, timeout=30)  # still serving
    _wait_stats(live_view, lambda s: s["cameras"] == 0 and s["viewers"] == 0)


def _mjpeg_parts(resp: httpx.Response, count: int) -> list[tuple[dict[str, str], bytes]]:
    """The first `count` parts of a multipart/x-mixed-replace stream: (headers, body)."""
    buf = b""
    parts: list[tuple[dict[str, str], bytes]] = []
    chunks = resp.iter_bytes()
    while len(parts) < count:
        start = buf.find(LIVE_BOUNDARY)
        end = buf.find(b"\r\n\r\n", start) if start >= 0 else -1
        if end >= 0:
            lines = buf[start + len(LIVE_BOUNDARY) : end].decode().split("\r\n")
            headers = {k.lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines)}
            length = int(headers["content-length"])
            if len(buf) >= end + 4 + length + 2:
                parts.append((headers, buf[end + 4 : end + 4 + length]))
                buf = buf[end + 4 + length + 2 :]
                continue
        buf += next(chunks)
    return parts


def test_mjpeg_by_signed_link_and_by_token(live_view: LiveView, publisher: FramePublisher) -> None:
    mgr = {"Authorization": f"Bearer {live_view.world.tokens['mgr_a']}"}
    publisher.run([("a", "cam1"), ("b", "cam1")], period_s=0.1)
    with httpx.Client(base_url=live_view.url, timeout=30) as client:
        link = client.post("/kitchens/a/cameras/cam1/live-link", headers=mgr)
        assert link.status_code == 200, link.text
        body = link.json()
        assert body["path"].startswith("/signed/kitchens/a/cameras/cam1/mjpeg?expires=")
        assert body["expires"] <= time.time() + live_view.settings.api.live_link_ttl_s + 1
        with client.stream("GET", body["path"]) as resp:  # no bearer: the link is the key
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("multipart/x-mixed-replace")
            parts = _mjpeg_parts(resp, 4)
        for headers, jpeg in parts:
            assert headers["content-type"] == "image/jpeg"
            sent, ts_ms = publisher.sent[("a", "cam1", int(headers["x-frame-seq"]))]
            assert jpeg == sent and int(headers["x-frame-ts"]) == ts_ms
        with client.stream("GET", "/kitchens/a/cameras/cam1/mjpeg", headers=mgr) as resp:
            assert resp.status_code == 200
            ((headers, jpeg),) = _mjpeg_parts(resp, 1)
            assert jpeg == publisher.sent[("a", "cam1", int(headers["x-frame-seq"]))][0]
        # Out of scope or not a camera of the kitchen: not found, as if absent.
        for path in (
            "/kitchens/b/cameras/cam1",
            "/kitchens/a/cameras/nope",
            "/kitchens/a/cameras/fridge1",
        ):
            assert client.post(f"{path}/live-link", headers=mgr).status_code == 404, path
            assert client.get(f"{path}/mjpeg", headers=mgr).status_code == 404, path
        assert client.post("/kitchens/a/cameras/cam1/live-link").status_code == 401
        # A's signature on B's path, or a stretched expiry, opens nothing.
        query = body["path"].split("?", 1)[1]
        assert client.get(f"/signed/kitchens/b/cameras/cam1/mjpeg?{query}").status_code == 403
        stretched = query.replace(f"expires={body['expires']}", f"expires={body['expires'] + 60}")
        assert client.get(f"/signed/kitchens/a/cameras/cam1/mjpeg?{stretched}").status_code == 403
    # Streams closed by the client: the hub lets go of the camera.
    _wait_stats(live_view, lambda s: s["cameras"] == 0)
