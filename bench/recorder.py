"""Recorder bench: 50 cameras at 2 fps, 640×480 JPEG, through a real Mosquitto and recorder.

Usage: .venv/bin/python bench/recorder.py [--cameras 50] [--fps 2] [--seconds 40]

Measures, for a real `python -m recorder run` process fed by a publisher that sends every
camera's frame each 1/fps s (QoS 0, source timestamps, as edge agents do):

- CPU per camera: the recorder process's user+sys CPU over the run / cameras, as % of one
  core (target < 1 %);
- bytes per camera-day: segment file bytes per camera per recorded second × 86,400;
- time to first byte of a playback request (`Playback.mp4`, a 30 s window of one camera,
  H.264 transcode on demand): first bytes, first video fragment, whole answer; and of the
  MJPEG playback (no transcode);

beside the peer: FFmpeg's own stream copy of the same frames (`ffmpeg -f mjpeg -c copy`
into Matroska, CPU per frame, scaled to one camera at the same fps), and the recorder's
own muxing alone (`SegmentWriter`, no MQTT) on the same frames. The frames are rendered
once by the simulators' scene renderer and pre-encoded. The machine is shared: figures
vary with the load of the moment.
"""

import argparse
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import psutil
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.mqtt import MqttClient
from core.schemas import FrameMeta
from core.service_health import ServiceStatus
from core.settings import MqttSettings
from core.topics import frame_topic, service_status_topic
from devtools.servers import LocalMosquitto
from recorder.playback import Playback
from recorder.segments import SegmentWriter
from simulators.scenes import SceneSpec, render_scene

SITE = "bench"


def render_frames(n: int) -> list[bytes]:
    """n distinct 640×480 kitchen scenes as JPEG (quality 80), encoded once."""
    out = []
    for i in range(n):
        spec = SceneSpec(width=640, height=480, t=i * 0.5)
        img, _ = render_scene(spec, np.random.default_rng(100 + i))
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
        assert ok
        out.append(buf.tobytes())
    return out


class Status:
    def __init__(self, mqtt: MqttSettings, instance: str) -> None:
        self.latest: dict[str, Any] = {}
        self.client = MqttClient(mqtt, persistent=False, on_message=self._on)
        self.client.connect(10)
        self.client.subscribe(service_status_topic("recorder", instance), qos=1)

    def _on(self, msg: Any) -> None:
        try:
            st = ServiceStatus.model_validate_json(bytes(msg.payload))
        except ValueError:
            return
        self.latest = {"state": st.state, **st.counters, **st.gauges}

    def frames(self) -> int:
        value = self.latest.get("frames", -1) if self.latest.get("state") == "online" else -1
        return int(value)


def wait(cond: Any, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return bool(cond())


def publish(
    client: MqttClient, frames: list[bytes], cameras: int, fps: float, seconds: float
) -> tuple[int, int, int]:
    """Every camera's frame each 1/fps s for `seconds`; (published, first ts, last ts) ms."""
    period = 1.0 / fps
    start = time.monotonic()
    sent, k = 0, 0
    first = last = 0
    seqs = [0] * cameras
    while time.monotonic() - start < seconds:
        tick = start + k * period
        delay = tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        ts = time.time_ns() // 1_000_000
        first = first or ts
        last = ts
        for c in range(cameras):
            jpeg = frames[(k + c) % len(frames)]
            meta = FrameMeta(
                ts=datetime.fromtimestamp(ts / 1000, UTC),
                seq=seqs[c],
                size=len(jpeg),
                width=640,
                height=480,
            )
            seqs[c] += 1
            client.publish(
                frame_topic(SITE, f"cam{c:03d}"),
                jpeg,
                qos=0,
                user_properties=meta.user_properties(),
                content_type="image/jpeg",
            )
            sent += 1
        k += 1
    return sent, first, last


def ffmpeg_copy_cpu(frames: list[bytes], n: int, work: Path) -> float | None:
    """CPU seconds of `ffmpeg -c copy` muxing n of the frames into Matroska (None: no ffmpeg)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    src = work / "in.mjpeg"
    with src.open("wb") as f:
        for i in range(n):
            f.write(frames[i % len(frames)])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "mjpeg",
            "-framerate",
            "2",
            "-i",
            str(src),
            "-c",
            "copy",
            "-f",
            "matroska",
            str(work / "ffmpeg.mkv"),
        ],
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def own_mux_cpu(frames: list[bytes], n: int, work: Path) -> float:
    """CPU seconds of SegmentWriter muxing n frames (the recorder's work without MQTT)."""
    t0 = time.process_time()
    w = SegmentWriter(work / "own.mkv", 0, 640, 480)
    for i in range(n):
        w.write(i * 500, frames[i % len(frames)])
    w.close()
    return time.process_time() - t0


def playback_times(pb: Playback, cam: str, t0: int, t1: int) -> dict[str, float]:
    start = time.perf_counter()
    first = first_frag = None
    total = 0
    for chunk in pb.mp4(SITE, cam, t0, t1):
        now = time.perf_counter()
        first = first if first is not None else now
        if first_frag is None and b"moof" in chunk:
            first_frag = now
        total += len(chunk)
    end = time.perf_counter()
    m_start = time.perf_counter()
    m_first = None
    for _part in pb.mjpeg(SITE, cam, t0, t1):
        m_first = time.perf_counter()
        break
    return {
        "mp4_first_byte_ms": ((first or end) - start) * 1000,
        "mp4_first_fragment_ms": ((first_frag or end) - start) * 1000,
        "mp4_total_ms": (end - start) * 1000,
        "mp4_bytes": float(total),
        "mjpeg_first_byte_ms": ((m_first or end) - m_start) * 1000,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cameras", type=int, default=50)
    ap.add_argument("--fps", type=float, default=2.0)
    ap.add_argument("--seconds", type=float, default=40.0)
    args = ap.parse_args()

    frames = render_frames(20)
    mean_kb = statistics.mean(len(f) for f in frames) / 1024
    work = Path(tempfile.mkdtemp(prefix="bk-bench-recorder-"))
    broker = LocalMosquitto(work / "mosquitto")
    broker.start()
    mqtt = MqttSettings(host=broker.host, port=broker.port)
    db = f"sqlite:///{work / 'index.sqlite'}"
    config = work / "recorder.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "log_level": "WARNING",
                "mqtt": {"host": broker.host, "port": broker.port},
                "recorder": {
                    "instance": "bench",
                    "video_dir": str(work / "video"),
                    "clips_dir": str(work / "clips"),
                    "database_url": db,
                    "status_interval_s": 0.5,
                },
            }
        )
    )
    status = Status(mqtt, "bench")
    proc = subprocess.Popen(
        [sys.executable, "-m", "recorder", "run"],
        env={**os.environ, "BK_CONFIG": str(config)},
        cwd=Path(__file__).resolve().parent.parent,
    )
    publisher = MqttClient(mqtt, persistent=False, max_queued=0)
    try:
        if not wait(lambda: status.frames() >= 0, 60):
            raise SystemExit("recorder did not come up")
        publisher.connect(10)
        ps = psutil.Process(proc.pid)
        cpu0 = sum(ps.cpu_times()[:2])
        wall0 = time.monotonic()
        result: dict[str, Any] = {}

        def run() -> None:
            result["sent"], result["first"], result["last"] = publish(
                publisher, frames, args.cameras, args.fps, args.seconds
            )

        th = threading.Thread(target=run)
        th.start()
        th.join()
        wait(lambda: status.frames() >= result["sent"], 15)
        cpu1 = sum(ps.cpu_times()[:2])
        wall1 = time.monotonic()
        recorded = status.frames()
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
        publisher.close()
        status.client.close()
        broker.stop()

    wall = wall1 - wall0
    cpu = cpu1 - cpu0
    per_cam_pct = cpu / wall / args.cameras * 100
    video_bytes = sum(p.stat().st_size for p in (work / "video").rglob("*.mkv"))
    span_s = (result["last"] - result["first"]) / 1000 + 1 / args.fps
    per_cam_day = video_bytes / args.cameras / span_s * 86_400
    jpeg_per_cam_day = mean_kb * 1024 * args.fps * 86_400

    pb = Playback(db, work / "video")
    t0 = result["first"] + 2_000
    pb_runs = [playback_times(pb, "cam000", t0, t0 + 30_000) for _ in range(3)]
    pb.close()
    pbm = {k: statistics.median(r[k] for r in pb_runs) for k in pb_runs[0]}

    n = result["sent"]
    ff = ffmpeg_copy_cpu(frames, n, work)
    own = own_mux_cpu(frames, n, work)
    per_frame_ff = ff / n if ff is not None else None
    per_frame_own = own / n

    print(
        f"recorder bench: {args.cameras} cameras × {args.fps:g} fps, 640×480 JPEG "
        f"(mean {mean_kb:.1f} KiB), {wall:.1f} s measured, {os.cpu_count()} CPUs (shared)"
    )
    print(f"  frames published / recorded        {n} / {recorded}")
    print(
        f"  recorder CPU                       {cpu:.2f} s over {wall:.1f} s = "
        f"{cpu / wall * 100:.1f} % of a core"
    )
    print(f"  CPU per camera                     {per_cam_pct:.3f} % of a core (target < 1 %)")
    print(
        f"  bytes per camera-day               {per_cam_day / 1e9:.2f} GB "
        f"(JPEG payload alone {jpeg_per_cam_day / 1e9:.2f} GB; 8 days × 50 cameras = "
        f"{per_cam_day * 8 * 50 / 1e12:.2f} TB)"
    )
    print(
        f"  playback 30 s MP4 (H.264), median of 3: first byte "
        f"{pbm['mp4_first_byte_ms']:.0f} ms, first video fragment "
        f"{pbm['mp4_first_fragment_ms']:.0f} ms, whole {pbm['mp4_total_ms']:.0f} ms "
        f"({pbm['mp4_bytes'] / 1024:.0f} KiB)"
    )
    print(f"  playback 30 s MJPEG: first byte {pbm['mjpeg_first_byte_ms']:.0f} ms")
    print("  peers, per camera at the same fps (CPU per frame × fps):")
    if per_frame_ff is not None:
        print(
            f"    ffmpeg -c copy into Matroska     {per_frame_ff * 1e6:.0f} µs/frame = "
            f"{per_frame_ff * args.fps * 100:.3f} % of a core (process start included)"
        )
    else:
        print("    ffmpeg not installed: apt-get install -y ffmpeg")
    print(
        f"    SegmentWriter alone (no MQTT)    {per_frame_own * 1e6:.0f} µs/frame = "
        f"{per_frame_own * args.fps * 100:.3f} % of a core"
    )
    print(f"    recorder, all in                 {cpu / max(recorded, 1) * 1e6:.0f} µs/frame")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
