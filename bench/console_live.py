"""Live view: 20 cameras at 2 fps into one console page, publish → paint latency and API CPU.

Starts a private Mosquitto, seeds a centre database (kitchen A with 20 cameras), serves
the API with `uvicorn` in its own process (so its CPU can be read from /proc through
psutil), and opens the kitchen page in headless Chromium (Debian's binary, driven by
Playwright) signed in as A's manager, with a viewport that shows all 20 tiles. A
publisher thread plays 20 cameras at 2 fps each (40 frames/s, phases staggered), with
real 640×480 JPEGs of a synthetic kitchen scene (~40-60 KB each, pre-encoded: the
publisher's own CPU is not what is measured), and records each frame's publish time.

The page (api/console/static/js/live.js) decodes each frame with createImageBitmap,
draws it in the next requestAnimationFrame and records `performance.timeOrigin +
performance.now()` there, with the frame's seq. Both clocks are this machine's wall
clock, so paint − publish is the end-to-end latency: broker, the API's frame hub,
WebSocket, browser decode and paint. Frames the page had no time for are dropped by
design (newest frame wins); the count is printed.

Targets (issue 14): p99 < 500 ms, API process < 15 % of one core. The machine's load
average is printed beside them: the API, the broker, Chromium and the publisher share
its cores. Bounded: a warm-up (until every tile has painted, at most 60 s) and
`--duration` seconds of measurement (default 60), then everything stops.

Run: `.venv/bin/python bench/console_live.py [--duration 60] [--cameras 20] [--fps 2]`.
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from api.db import make_engine  # noqa: E402
from api.migrate import ALERTS, CENTRE, upgrade  # noqa: E402
from api.models import Device  # noqa: E402
from api.settings import ApiSection  # noqa: E402
from core.mqtt import MqttClient  # noqa: E402
from core.schemas import FrameMeta  # noqa: E402
from core.settings import MqttSettings  # noqa: E402
from core.topics import frame_topic  # noqa: E402
from devtools.servers import LocalMosquitto, free_port  # noqa: E402
from devtools.world import seed_world  # noqa: E402

TARGET_P99_MS = 500.0
TARGET_CPU_PCT = 15.0
CHROMIUM = "/usr/bin/chromium"
SITE = "a"
SIGNING_KEY = "bench-live-key-0123456789"


def scene(camera: int, variant: int) -> bytes:
    """A 640×480 JPEG of a synthetic kitchen: tiles, a counter, people, sensor noise."""
    rng = np.random.default_rng(camera * 100 + variant)
    img = np.zeros((480, 640, 3), dtype=np.uint8)
    img[:] = (200 - camera * 3, 205, 210)
    for x in range(0, 640, 40):  # wall tiles
        img[:, x : x + 2] = (170, 175, 180)
    for y in range(0, 300, 40):
        img[y : y + 2, :] = (170, 175, 180)
    img[300:480] = (90, 110, 130)  # counter
    cv2.rectangle(img, (60, 320), (580, 360), (160, 160, 165), -1)
    for p in range(3):  # people, moving between variants
        x = int(80 + p * 180 + variant * 6 + rng.integers(0, 20))
        cv2.ellipse(img, (x, 200), (38, 90), 0, 0, 360, (240, 240, 240), -1)
        cv2.circle(img, (x, 95), 26, (150, 180, 220), -1)
        cv2.rectangle(img, (x - 22, 58), (x + 22, 78), (250, 250, 250), -1)
    noise = rng.normal(0, 6, img.shape)
    img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    cv2.putText(img, f"cam{camera:02d}", (20, 460), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255), 2)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return bytes(buf.tobytes())


def camera_ids(n: int) -> list[str]:
    # cam1 is seeded by devtools.world; the others are added beside it.
    return ["cam1"] + [f"cam{i:02d}" for i in range(2, n + 1)]


def seed(db: Path, cameras: list[str], settings: ApiSection) -> str:
    """The centre database with kitchen A's cameras; A's manager's token."""
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine, CENTRE)
    upgrade(engine, ALERTS)
    with Session(engine) as session:
        world = seed_world(session, settings)
        for cam in cameras[1:]:
            session.add(Device(site=SITE, id=cam, kind="camera", name=f"摄像头 {cam[3:]}", spec={}))
        session.commit()
    engine.dispose()
    return world.tokens["mgr_a"]


@contextmanager
def serve_api(config: Path, log: Path) -> Iterator[tuple[str, psutil.Process]]:
    """`uvicorn api.app:create_app` in its own process; (base URL, its process)."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    cmd += ["--log-level", "warning"]
    env = {**os.environ, "BK_CONFIG": str(config)}
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"the API did not start (see {log})")
            time.sleep(0.2)
        yield url, psutil.Process(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


class Publisher(threading.Thread):
    """Plays `cameras` at `fps` each, phases staggered; remembers each publish time (ms)."""

    def __init__(self, mqtt: MqttSettings, cameras: list[str], fps: float) -> None:
        super().__init__(daemon=True)
        self.cameras = cameras
        self.period = 1.0 / fps
        self.frames = {cam: [scene(i, v) for v in range(8)] for i, cam in enumerate(cameras)}
        self.client = MqttClient(mqtt, persistent=False)
        self.client.connect()
        self.published: dict[tuple[str, int], float] = {}
        self.stop = threading.Event()
        self.sizes = [len(f) for fs in self.frames.values() for f in fs]

    def run(self) -> None:
        step = self.period / len(self.cameras)
        start = time.perf_counter()
        tick = 0
        while not self.stop.is_set():
            seq, idx = divmod(tick, len(self.cameras))
            due = start + tick * step
            delay = due - time.perf_counter()
            if delay > 0 and self.stop.wait(delay):
                return
            cam = self.cameras[idx]
            jpeg = self.frames[cam][seq % 8]
            now = datetime.now(UTC)
            meta = FrameMeta(ts=now, seq=seq, size=len(jpeg), width=640, height=480)
            self.published[(cam, seq)] = now.timestamp() * 1000
            self.client.publish(
                frame_topic(SITE, cam),
                jpeg,
                qos=0,
                user_properties=meta.user_properties(),
                content_type="image/jpeg",
            )
            tick += 1

    def close(self) -> None:
        self.stop.set()
        self.join(10)
        self.client.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(args: Any, work: Path) -> dict[str, Any]:
    cameras = camera_ids(args.cameras)
    broker = LocalMosquitto(work / "mosquitto")
    broker.start()
    try:
        mqtt = MqttSettings(host=broker.host, port=broker.port)
        db = work / "centre.db"
        section = ApiSection(
            database_url=f"sqlite:///{db}",
            alerts_url=f"sqlite:///{db}",
            evidence_dir=work / "evidence",
            signing_key=SIGNING_KEY,
            token_ttl_s=3600,
        )
        token = seed(db, cameras, section)
        config = work / "api.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "log_level": "WARNING",
                    "mqtt": {"host": broker.host, "port": broker.port},
                    # No InfluxDB: the page's state/series requests answer without it.
                    "influx": {"url": "http://127.0.0.1:9", "timeout_s": 0.5},
                    "api": {
                        "database_url": section.database_url,
                        "alerts_url": section.alerts_url,
                        "evidence_dir": str(section.evidence_dir),
                        "signing_key": SIGNING_KEY,
                        "token_ttl_s": 3600,
                    },
                }
            )
        )
        publisher = Publisher(mqtt, cameras, args.fps)
        with serve_api(config, work / "api.log") as (url, api_proc), sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context(viewport={"width": 1920, "height": 1600})
            context.add_init_script(
                f"sessionStorage.setItem('bk_token', '{token}'); window.__bkLivePaints = [];"
            )
            page = context.new_page()
            page.goto(f"{url}/console/kitchens/{SITE}")
            publisher.start()
            page.wait_for_function(
                f"document.querySelectorAll('li.live-tile[data-seq]').length === {len(cameras)}",
                timeout=60_000,
            )
            # Measurement window: paints and publishes after this moment only.
            page.evaluate("window.__bkLivePaints.length = 0")
            t0_ms = time.time() * 1000
            cpu0 = api_proc.cpu_times()
            wall0 = time.monotonic()
            paints: list[list[Any]] = []
            while time.monotonic() - wall0 < args.duration:
                time.sleep(2.0)
                paints.extend(page.evaluate("window.__bkLivePaints.splice(0)"))
            cpu1 = api_proc.cpu_times()
            wall = time.monotonic() - wall0
            t1_ms = time.time() * 1000
            rss = api_proc.memory_info().rss
            load = os.getloadavg()
            stats = httpx.get(
                f"{url}/live/stats",
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            publisher.close()
            browser.close()
        cpu = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
        lat = [
            p[3] - publisher.published[(p[1], p[2])]
            for p in paints
            if (p[1], p[2]) in publisher.published and publisher.published[(p[1], p[2])] >= t0_ms
        ]
        # Delivery over the frames published in the window, less its last second (those
        # may still be on their way when the window closes).
        window = {k for k, t in publisher.published.items() if t0_ms <= t <= t1_ms - 1000}
        painted = sum(1 for p in paints if (p[1], p[2]) in window)
        return {
            "cameras": len(cameras),
            "fps": args.fps,
            "jpeg_kb": statistics.mean(publisher.sizes) / 1024,
            "published": len(window),
            "painted": painted,
            "lat": lat,
            "cpu_pct": 100 * cpu / wall,
            "wall": wall,
            "rss_mib": rss / 2**20,
            "load": load,
            "stats_status": stats.status_code,
        }
    finally:
        broker.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=60.0, help="measured seconds")
    ap.add_argument("--cameras", type=int, default=20)
    ap.add_argument("--fps", type=float, default=2.0, help="frames per second per camera")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    args = ap.parse_args()
    if shutil.which(CHROMIUM) is None:
        sys.exit("needs Debian's chromium: apt-get install -y chromium fonts-noto-cjk")
    work = Path(tempfile.mkdtemp(prefix="bk-bench-live-"))
    try:
        r = run(args, work)
    except BaseException:
        print(f"failed; logs kept in {work}", flush=True)
        raise
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    lat = r["lat"]
    print(
        f"live view: {r['cameras']} cameras × {r['fps']:g} fps, 640×480 JPEG "
        f"(mean {r['jpeg_kb']:.0f} KB), one headless Chromium page, {r['wall']:.0f} s measured"
    )
    print(
        f"frames published {r['published']}, painted {r['painted']} "
        f"({100 * r['painted'] / max(1, r['published']):.1f} %; the rest dropped as stale)"
    )
    if lat:
        p50, p99 = statistics.median(lat), pct(lat, 0.99)
        print(
            f"publish → paint latency: median {p50:.0f} ms, p99 {p99:.0f} ms, "
            f"max {max(lat):.0f} ms   (target p99 < {TARGET_P99_MS:.0f} ms: "
            f"{'met' if p99 < TARGET_P99_MS else 'NOT met'})"
        )
    else:
        print("publish → paint latency: no frame painted")
    print(
        f"API process CPU: {r['cpu_pct']:.1f} % of one core, RSS {r['rss_mib']:.0f} MiB   "
        f"(target < {TARGET_CPU_PCT:.0f} %: "
        f"{'met' if r['cpu_pct'] < TARGET_CPU_PCT else 'NOT met'})"
    )
    l1, l5, l15 = r["load"]
    print(
        f"machine: {os.cpu_count()} cores, load average {l1:.2f} / {l5:.2f} / {l15:.2f} "
        "(API, broker, Chromium and publisher share them)"
    )


if __name__ == "__main__":
    main()
