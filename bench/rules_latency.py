"""Rules latency: threshold reading published -> signed webhook received, under load.

Starts its own Mosquitto and InfluxDB on loopback, a webhook receiver that checks HMAC
signatures (`devtools.receivers.WebhookReceiver`), and `bk rules run` as a subprocess with
`bench/rules_latency.yaml` (the GB 31654 pack, cold-room threshold with `for_s: 0`).
A separate process publishes background traffic: K kitchens x 10 sensors, one reading
per sensor every 10 s (1,000 kitchens = 1,000 readings/s, normal values, QoS 1).
Meanwhile N distinct kitchens each get one cold-room reading of 11.5 °C from a probe
sensor only the injector publishes (a background reading of the same sensor stamped a
millisecond later could otherwise win the race and make the probe an ignored "old"
reading, which is correct engine behaviour, not a miss); the time of
each publish and of the first `firing` webhook for that kitchen are matched by site.
Target: p99 < 250 ms. Bounded: every wait has a limit, the run stops by itself.
Run: `.venv/bin/python bench/rules_latency.py [--kitchens K] [--incidents N]`.
"""

import argparse
import math
import multiprocessing as mp
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import topics  # noqa: E402
from core.mqtt import MqttClient  # noqa: E402
from core.schemas import Telemetry, encode  # noqa: E402
from core.settings import MqttSettings  # noqa: E402
from devtools.receivers import WebhookReceiver  # noqa: E402
from devtools.servers import LocalInfluxDB, LocalMosquitto  # noqa: E402

TARGET_P99_MS = 250.0
SECRET = secrets.token_hex(16)  # per run; the receiver checks every signature
RULE = "cold-holding-high"
# 10 sensors per kitchen: zone and normal value (all inside the pack's limits).
SENSORS = [
    ("cold_room", 4.0),
    ("cold_room", 3.5),
    ("freezer", -20.0),
    ("freezer", -19.0),
    ("hot_holding", 70.0),
    ("hot_holding", 68.0),
    ("sample_fridge", 3.0),
    ("cold_room", 5.0),
    ("freezer", -21.0),
    ("sample_fridge", 2.5),
]


def site_of(k: int) -> str:
    return f"bench-k{k:04d}"


def payload(site: str, sensor: str, zone: str, value: float, seq: int) -> bytes:
    return encode(
        Telemetry.model_validate(
            {
                "site": site,
                "device": "agent",
                "readings": [
                    {
                        "sensor": sensor,
                        "kind": "temperature",
                        "value": value,
                        "unit": "degC",
                        "ts": datetime.now(UTC),
                        "seq": seq,
                        "zone": zone,
                    }
                ],
            }
        )
    )


def background(
    port: int, kitchens: int, seconds: float, out: "mp.Queue[tuple[int, float]]"
) -> None:
    """Publish one reading per sensor every 10 s, paced evenly; report (count, elapsed)."""
    client = MqttClient(MqttSettings(port=port), client_id="bench-bg", persistent=False)
    client.connect()
    rate = kitchens * len(SENSORS) / 10.0
    start = time.monotonic()
    sent = 0
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        due = int((now - start) * rate)
        while sent < due:
            k, j = divmod(sent % (kitchens * len(SENSORS)), len(SENSORS))
            site = site_of(k)
            value = SENSORS[j][1] + 0.1 * (sent % 3)
            client.publish(
                topics.telemetry_topic(site, "agent"),
                payload(site, f"t{j}", SENSORS[j][0], value, sent),
                qos=1,
            )
            sent += 1
        time.sleep(0.005)
    elapsed = time.monotonic() - start
    client.close()
    out.put((sent, elapsed))


def wait_online(port: int, timeout: float) -> bool:
    seen = threading.Event()

    def on_msg(msg: mqtt.MQTTMessage) -> None:
        if b"online" in msg.payload:
            seen.set()

    c = MqttClient(MqttSettings(port=port), persistent=False, on_message=on_msg)
    c.connect()
    c.subscribe(topics.service_status_topic("rules", "w0"), qos=1)
    ok = seen.wait(timeout)
    c.close()
    return ok


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    """Nearest-rank percentile."""
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kitchens", type=int, default=1000)
    ap.add_argument("--incidents", type=int, default=200)
    ap.add_argument("--inject-s", type=float, default=40.0, help="Spread incidents over this")
    ap.add_argument("--warmup-s", type=float, default=10.0)
    args = ap.parse_args()
    kitchens, n = args.kitchens, min(args.incidents, args.kitchens)
    work = Path(tempfile.mkdtemp(prefix="bench-rules-"))
    broker = LocalMosquitto(work / "mqtt", persistence=False)
    influx = LocalInfluxDB(work / "influx")
    broker.start()
    influx.start()
    influx.create_database("bench")
    svc: subprocess.Popen[bytes] | None = None
    bg: mp.Process | None = None
    log = (work / "rules.log").open("wb")
    finished = False
    try:
        with WebhookReceiver(secret=SECRET) as hook:
            config: dict[str, Any] = {
                "mqtt": {"host": "127.0.0.1", "port": broker.port},
                "influx": {"url": influx.url, "database": "bench"},
                "rules": {
                    "rule_file": str(ROOT / "bench" / "rules_latency.yaml"),
                    "store_url": f"sqlite:///{work}/alerts.db",
                    "channels": [
                        {
                            "type": "webhook",
                            "name": "bench-hook",
                            "url": hook.url,
                            "secret": SECRET,
                            "rate_per_min": 100000,
                        }
                    ],
                },
            }
            cfg_path = work / "rules.yaml"
            cfg_path.write_text(yaml.safe_dump(config))
            bk = Path(sys.executable).parent / "bk"
            svc = subprocess.Popen(
                [str(bk), "rules", "run", "--config", str(cfg_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "BK_CONFIG": str(cfg_path)},
            )
            if not wait_online(broker.port, 30):
                print("rules service did not come online; log:", work / "rules.log")
                return 2
            results: mp.Queue[tuple[int, float]] = mp.Queue()
            bg_seconds = args.warmup_s + args.inject_s + 5.0
            bg = mp.Process(target=background, args=(broker.port, kitchens, bg_seconds, results))
            bg.start()
            time.sleep(args.warmup_s)
            pub = MqttClient(
                MqttSettings(port=broker.port), client_id="bench-inj", persistent=False
            )
            pub.connect()
            step = kitchens // n
            published: dict[str, float] = {}
            t0 = time.monotonic()
            for i in range(n):
                site = site_of(i * step)
                target = t0 + i * args.inject_s / n
                time.sleep(max(0.0, target - time.monotonic()))
                published[site] = time.monotonic()
                body = payload(site, "probe", "cold_room", 11.5, i)
                pub.publish(topics.telemetry_topic(site, "agent"), body, qos=1)
            hook.wait(len(published), 10.0)  # the fired ones; unrelated alerts may add more
            deadline = time.monotonic() + 10.0
            first: dict[str, float] = {}
            bad_sig = 0
            while time.monotonic() < deadline:
                with hook.cond:
                    got = list(hook.received)
                first = {}
                bad_sig = 0
                for at, body_json, ok in got:
                    bad_sig += 0 if ok else 1
                    alert = body_json.get("alert", {})
                    site = alert.get("site", "")
                    if (
                        ok
                        and body_json.get("kind") == "firing"
                        and alert.get("rule") == RULE
                        and site in published
                        and site not in first
                    ):
                        first[site] = at
                if len(first) >= len(published):
                    break
                time.sleep(0.2)
            pub.close()
            bg.join(bg_seconds + 30)
            sent, elapsed = results.get(timeout=10) if not results.empty() else (0, 1.0)
            lat = [(first[s] - published[s]) * 1000 for s in first]
            other = len(got) - len(first)
            print(f"kitchens: {kitchens} x {len(SENSORS)} sensors, one reading / 10 s each")
            print(
                f"background: {sent} readings in {elapsed:.1f} s = {sent / elapsed:.0f} readings/s"
                f" (target {kitchens * len(SENSORS) / 10:.0f}/s)"
            )
            print(f"incidents published: {len(published)} over {args.inject_s:g} s")
            print(f"received (first firing webhook per kitchen, signature OK): {len(first)}")
            print(f"other webhook posts: {other}, bad signatures: {bad_sig}")
            if lat:
                print(
                    "latency publish -> webhook (ms): "
                    f"p50 {pct(lat, 0.5):.1f}  p90 {pct(lat, 0.9):.1f}  "
                    f"p99 {pct(lat, 0.99):.1f}  max {max(lat):.1f}"
                )
            p99 = pct(lat, 0.99) if lat else float("inf")
            ok_all = len(first) == len(published) and p99 < TARGET_P99_MS
            print(
                f"target: p99 < {TARGET_P99_MS:.0f} ms with every incident delivered -> "
                f"{'OK' if ok_all else 'MISSED'}"
            )
            finished = True
            return 0 if ok_all else 1
    finally:
        if bg is not None and bg.is_alive():
            bg.kill()
        if svc is not None:
            svc.send_signal(signal.SIGINT)
            try:
                svc.wait(15)
            except subprocess.TimeoutExpired:
                svc.kill()
                svc.wait(5)
        log.close()
        influx.stop()
        broker.stop()
        if finished:  # else keep the work folder (rules.log) to look at
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
