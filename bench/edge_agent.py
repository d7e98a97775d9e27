"""Edge agent benchmark: resource use under a kitchen's load, and replay after an outage.

1. `bk edge run` as its own process with 10 DS18B20 sensors (1-wire sysfs tree) at 1 Hz
   and one OpenCV camera (a 640x480 video file) at 2 fps, every frame sent as a 640x480
   JPEG (motion gate off: the worst case), against a local Mosquitto. After a warm-up,
   RSS and CPU of the agent process are sampled over the measuring window.
   Targets: RSS < 80 MB, CPU < 10 % of one core (no on-edge inference).
2. Replay: N readings waiting in the disk buffer (as after an outage) are sent once the
   broker is there; readings/s until the last PUBACK, beside a bare paho-mqtt publisher
   sending one reading per message at QoS 1 (max_inflight 20) to the same broker in the
   same run. Target: at least half the bare publisher's rate.

Usage: .venv/bin/python bench/edge_agent.py [--seconds 30] [--replay 50000]
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import paho.mqtt.client as mqtt
import psutil
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from core.mqtt import MqttClient
from core.schemas import Reading, SensorKind, Telemetry, encode
from core.settings import MqttSettings
from core.topics import frame_topic, telemetry_topic
from devtools.servers import LocalMosquitto
from edge.agent import EdgeAgent
from edge.buffer import DiskBuffer
from edge.config import EdgeSettings
from edge.drivers.base import Sample

SITE = "bench"


def make_video(path: Path, frames: int = 40) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (640, 480))
    # A kitchen-like picture: smooth shading, a few objects, mild sensor noise (a pure noise
    # image would make unrealistically large JPEGs).
    rng = np.random.default_rng(1)
    ramp = np.linspace(60, 200, 640, dtype=np.float32)[None, :, None]
    base = np.broadcast_to(ramp, (480, 640, 3)).astype(np.float32)
    base += rng.normal(0, 4, (480, 640, 3)).astype(np.float32)
    base = np.ascontiguousarray(np.clip(base, 0, 255), dtype=np.uint8)
    for x, y, c in ((40, 300, (90, 90, 90)), (400, 260, (200, 210, 220)), (250, 40, (60, 120, 60))):
        cv2.rectangle(base, (x, y), (x + 160, y + 120), c, -1)
    for i in range(frames):
        img = base.copy()
        cv2.rectangle(img, (i * 12, 100), (i * 12 + 150, 380), (30, 200, 240), -1)
        writer.write(img)
    writer.release()


def make_w1_tree(root: Path, n: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        d = root / f"28-00000000{i:04x}"
        d.mkdir(parents=True)
        (d / "w1_slave").write_text(
            f"72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t={3000 + i}\n"
        )


def resource_run(
    broker: LocalMosquitto, work: Path, seconds: float, entry: list[str], camera: bool = True
) -> dict[str, float]:
    work.mkdir(parents=True)
    make_w1_tree(work / "w1", 10)
    make_video(work / "kitchen.avi")
    config = {
        "log_level": "WARNING",
        "mqtt": {"host": broker.host, "port": broker.port},
        "agent": {
            "site": SITE,
            "device": "agent1",
            "heartbeat_s": 10,
            "state_dir": str(work / "state"),
            "sensors": [
                {
                    "type": "onewire",
                    "id": f"probe{i}",
                    "root": str(work / "w1"),
                    "probes": {f"28-00000000{i:04x}": f"probe{i}_t"},
                    "interval_s": 1,
                }
                for i in range(10)
            ],
            "cameras": [
                {
                    "type": "opencv",
                    "id": "cam1",
                    "source": str(work / "kitchen.avi"),
                    "loop": True,
                    "publish": {"fps": 2, "width": 640, "height": 480, "motion_threshold": 0},
                }
            ]
            if camera
            else [],
        },
    }
    path = work / "agent.yaml"
    path.write_text(yaml.safe_dump(config))

    got = {"readings": 0, "frames": 0, "frame_bytes": 0}
    lock = threading.Lock()

    def on(msg: mqtt.MQTTMessage) -> None:
        with lock:
            if msg.topic.endswith("/telemetry"):
                got["readings"] += bytes(msg.payload).count(b'"seq"')
            else:
                got["frames"] += 1
                got["frame_bytes"] += len(msg.payload)

    sub = MqttClient(MqttSettings(host=broker.host, port=broker.port), "bench-sub", on_message=on)
    sub.subscribe(telemetry_topic(SITE, "agent1"), 1)
    sub.subscribe(frame_topic(SITE, "cam1"), 0)
    sub.connect()
    proc = subprocess.Popen(
        [sys.executable, "-m", *entry, "run", "--config", str(path)],
        stderr=(work / "agent.log").open("wb"),
    )
    ps = psutil.Process(proc.pid)
    try:
        time.sleep(5)  # warm-up: imports, first connection
        with lock:
            start_counts = dict(got)
        t0 = time.monotonic()
        c0 = ps.cpu_times()
        rss: list[float] = []
        uss: list[float] = []
        while time.monotonic() - t0 < seconds:
            full = ps.memory_full_info()
            rss.append(full.rss / 2**20)
            uss.append(full.uss / 2**20)
            time.sleep(1)
        c1 = ps.cpu_times()
        wall = time.monotonic() - t0
        with lock:
            delta = {k: got[k] - start_counts[k] for k in got}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        sub.close()
    cpu = (c1.user + c1.system - c0.user - c0.system) / wall * 100
    return {
        "wall_s": wall,
        "cpu_percent": cpu,
        "rss_max_mb": max(rss),
        "rss_median_mb": float(np.median(rss)),
        "uss_max_mb": max(uss),
        "readings_per_s": delta["readings"] / wall,
        "frames_per_s": delta["frames"] / wall,
        "frame_kb": delta["frame_bytes"] / max(delta["frames"], 1) / 1024,
    }


FLOOR = """
import cv2, paho.mqtt.client, psutil, pydantic_settings, sqlite3, yaml
class S(pydantic_settings.BaseSettings):
    x: int = 1
S()
print([l for l in open("/proc/self/status") if l.startswith("VmRSS")][0].split()[1])
"""


def library_floor_mb() -> float:
    """RSS of a Python that only imports what a camera agent must (no agent code at all)."""
    out = subprocess.run([sys.executable, "-c", FLOOR], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def fill_buffer(path: Path, n: int) -> None:
    buf = DiskBuffer(path, synchronous="normal")
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    chunk = 5000
    for start in range(0, n, chunk):
        buf.append(
            [
                Sample(
                    f"probe{i % 10}",
                    SensorKind.TEMPERATURE,
                    3.0 + (i % 7) / 10,
                    "degC",
                    t0 + timedelta(milliseconds=i),
                    "cold_room",
                )
                for i in range(start, min(start + chunk, n))
            ]
        )
    buf.close()


def replay_run(broker: LocalMosquitto, work: Path, n: int, batch_max: int) -> tuple[float, float]:
    """Readings/s and messages/s of the agent draining n buffered readings."""
    state = work / f"replay-{batch_max}"
    fill_buffer(state / "buffer.sqlite", n)
    settings = EdgeSettings.model_validate(
        {
            "log_level": "WARNING",
            "mqtt": {"host": broker.host, "port": broker.port, "client_id": f"replay{batch_max}"},
            "agent": {
                "site": SITE,
                "device": f"replay{batch_max}",
                "heartbeat_s": 60,
                "state_dir": str(state),
                # Replay speed against the broker alone (no ingest to send store receipts).
                "publish": {
                    "batch_max": batch_max,
                    "max_inflight": 20,
                    "linger_s": 0,
                    "confirm": "puback",
                },
                "remote_config": False,
            },
        }
    )
    agent = EdgeAgent(settings, sensors=[], cameras=[])
    agent.start()
    assert agent.mqtt.wait_connected(10), "agent did not connect"
    t0 = time.perf_counter()
    while agent.buffer.depth > 0:
        time.sleep(0.005)
    elapsed = time.perf_counter() - t0
    batches = agent.counters.batches_acked
    agent.stop()
    return n / elapsed, batches / elapsed


def bare_publisher(broker: LocalMosquitto, n: int) -> float:
    """Messages/s of a plain paho publisher at QoS 1, one reading per message."""
    reading = Reading(
        sensor="probe1",
        kind=SensorKind.TEMPERATURE,
        value=3.4,
        unit="degC",
        ts=datetime.now(UTC),
        seq=1,
    )
    payload = encode(Telemetry(site=SITE, device="bare", readings=[reading]))
    done = threading.Event()
    acked = 0

    def on_publish(c: mqtt.Client, u: object, mid: int, rc: object, p: object) -> None:
        nonlocal acked
        acked += 1
        if acked == n:
            done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bare-pub", protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(20)
    client.on_publish = on_publish
    client.connect(broker.host, broker.port)
    client.loop_start()
    time.sleep(0.3)
    topic = telemetry_topic(SITE, "bare")
    t0 = time.perf_counter()
    for _ in range(n):
        client.publish(topic, payload, qos=1)
    done.wait(120)
    elapsed = time.perf_counter() - t0
    client.disconnect()
    client.loop_stop()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0, help="Measuring window")
    parser.add_argument("--replay", type=int, default=50_000, help="Buffered readings to replay")
    parser.add_argument("--replay-single", type=int, default=5_000, help="Same, one per message")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, shared with other engineers' work (load "
        f"{os.getloadavg()[0]:.2f} at start)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = LocalMosquitto(work / "broker", persistence=False)
        broker.start()
        try:
            for n, (label, entry, camera) in enumerate(
                (
                    ("python -m edge run", ["edge"], True),
                    ("bk edge run", ["core", "edge"], True),
                    ("bk edge run", ["core", "edge"], False),
                )
            ):
                r = resource_run(broker, work / f"run{n}", args.seconds, entry, camera)
                load = (
                    "10 sensors @1 Hz + 1 camera @2 fps 640x480 JPEG"
                    if camera
                    else ("10 sensors @1 Hz, no camera (cold chain only)")
                )
                print(f"\n[1] `{label}`: {load}, {r['wall_s']:.0f} s window")
                print(
                    f"    delivered: {r['readings_per_s']:.1f} readings/s, "
                    f"{r['frames_per_s']:.2f} frames/s ({r['frame_kb']:.0f} KB/frame)"
                )
                print(
                    f"    RSS max {r['rss_max_mb']:.1f} MB (median {r['rss_median_mb']:.1f})"
                    f"   limit 80 MB   {'OK' if r['rss_max_mb'] < 80 else 'OVER'}"
                    f"   (private USS max {r['uss_max_mb']:.1f} MB)"
                )
                print(
                    f"    CPU {r['cpu_percent']:.1f} % of one core"
                    f"   limit 10 %   {'OK' if r['cpu_percent'] < 10 else 'OVER'}"
                )

            print(
                f"\n    for scale: a Python that only imports OpenCV, paho-mqtt, pydantic-settings,"
                f" psutil, yaml and sqlite3 (no agent code, nothing running): "
                f"{library_floor_mb():.1f} MB RSS"
            )

            bare = bare_publisher(broker, args.replay)
            rate, msgs = replay_run(broker, work, args.replay, batch_max=500)
            single, _ = replay_run(broker, work, args.replay_single, batch_max=1)
            print(f"\n[2] replay after an outage ({args.replay} buffered readings)")
            print(f"    bare paho publisher, QoS 1, 1 reading/msg:  {bare:10.0f} readings/s")
            print(
                f"    edge agent replay, batches of 500:          {rate:10.0f} readings/s "
                f"({msgs:.0f} msg/s)   {rate / bare:.2f}x bare   target >= 0.5x   "
                f"{'OK' if rate >= bare / 2 else 'UNDER'}"
            )
            print(
                f"    edge agent replay, 1 reading/msg ({args.replay_single}): "
                f"{single:7.0f} readings/s   {single / bare:.2f}x bare "
                "(PUBACKs deleted from SQLite in fsync'd transactions: synchronous=full)"
            )
        finally:
            broker.stop()


if __name__ == "__main__":
    main()
