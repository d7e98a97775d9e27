"""Ingest throughput: one and two `python -m ingest run` processes against their ceilings.

All consumers drain the *same kind of backlog* on one broker at QoS 1: the backlog is
published once while every consumer is offline with a persistent session in its own
shared-subscription group, so each group holds its own copy. Then, one at a time:

- `mosquitto_sub` drains its copy (the broker's limit);
- a bare paho-mqtt subscriber that does nothing (the ceiling of a Python consumer);
- one ingest process: validation with the core schemas, line protocol, batched writes
  to a real InfluxDB, PUBACK after each write;
- two ingest processes in one group, and two bare paho subscribers in one group.

Rates are steady-state: from the first message to the last. Ingest rates come from its
own status topic (reports every 0.1 s, polled every 0.05 s here), so they carry about
±0.1 s of error at each end. Bounded: message counts are fixed, every wait has a time
limit. Run: `.venv/bin/python bench/ingest_throughput.py [--messages N] [--readings K]`.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.settings import InfluxSettings  # noqa: E402
from core.store import open_store  # noqa: E402
from core.topics import service_status_subscription, subscription  # noqa: E402
from devtools.servers import LocalInfluxDB, LocalMosquitto, find_binary  # noqa: E402
from devtools.traffic import publish_all  # noqa: E402

SITES = 100


def payloads(n: int, k: int) -> list[tuple[str, bytes]]:
    """n telemetry messages of k readings over 100 sites (JSON built directly: fast)."""
    t0 = datetime.now(UTC) - timedelta(hours=2)
    out = []
    for i in range(n):
        site = f"site-{i % SITES:03d}"
        ts = (t0 + timedelta(milliseconds=i // SITES)).isoformat()
        readings = ",".join(
            f'{{"sensor":"s{j}","kind":"temperature","value":{3.0 + j + (i % 7) * 0.1:.1f},'
            f'"unit":"degC","ts":"{ts}","seq":{i // SITES}}}'
            for j in range(k)
        )
        body = f'{{"v":1,"site":"{site}","device":"agent1","readings":[{readings}]}}'
        out.append((f"bk/v1/{site}/agent1/telemetry", body.encode()))
    return out


def precreate(port: int, client_id: str, topic_filter: str) -> None:
    """A persistent session subscribed to `topic_filter`, left offline (messages queue)."""
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    c.connect("127.0.0.1", port, clean_start=False, properties=props)
    c.loop_start()
    done = threading.Event()
    c.on_subscribe = lambda *a: done.set()
    c.subscribe(topic_filter, qos=1)
    done.wait(5)
    c.disconnect()
    c.loop_stop()


def bare_subscriber(port: int, client_id: str, expect: int, idle_s: float) -> None:
    """Child-process mode: drain the session, print {count, first, last} as JSON."""
    count = 0
    first = last = 0.0
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)

    def on_message(client: mqtt.Client, u: object, m: mqtt.MQTTMessage) -> None:
        nonlocal count, first, last
        count += 1
        last = time.time()
        if count == 1:
            first = last

    c.on_message = on_message
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    c.connect("127.0.0.1", port, clean_start=False, properties=props)
    c.loop_start()
    deadline = time.time() + 120
    while time.time() < deadline and count < expect:
        time.sleep(0.02)
        if count and time.time() - last > idle_s:
            break
    c.disconnect()
    c.loop_stop()
    print(json.dumps({"count": count, "first": first, "last": last}))


def run_bare(port: int, ids: list[str], total: int) -> float:
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--bare", str(port), cid, str(total)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for cid in ids
    ]
    results: list[dict[str, float]] = [json.loads(p.communicate(timeout=150)[0]) for p in procs]
    got = sum(r["count"] for r in results)
    span = max(r["last"] for r in results) - min(r["first"] for r in results)
    if got != total:
        print(f"  (bare paho received {got} of {total})")
    return float(got / span)


def run_mosquitto_sub(port: int, client_id: str, topic_filter: str, total: int) -> float:
    binary = find_binary("mosquitto_sub")
    cmd = [binary, "-V", "mqttv5", "-h", "127.0.0.1", "-p", str(port), "-i", client_id, "-c"]
    cmd += ["-x", "3600", "-q", "1", "-t", topic_filter, "-C", str(total), "-W", "120"]
    started = time.time()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, timeout=150)
    return total / (time.time() - started)


class Watcher:
    """Latest retained status report of each ingest instance."""

    def __init__(self, port: int) -> None:
        self.latest: dict[str, dict[str, Any]] = {}
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.c.on_message = self._on
        self.c.connect("127.0.0.1", port)
        self.c.subscribe(service_status_subscription("ingest"), qos=0)
        self.c.loop_start()

    def _on(self, c: mqtt.Client, u: object, m: mqtt.MQTTMessage) -> None:
        report = json.loads(m.payload)  # core.service_health.ServiceStatus
        self.latest[m.topic.split("/")[4]] = {**report.get("counters", {}), **report}

    def total(self, ids: list[str], key: str) -> int:
        return sum(int(self.latest.get(i, {}).get(key, 0)) for i in ids)


def run_ingest(
    port: int, influx: InfluxSettings, group: str, ids: list[str], total: int, watcher: Watcher
) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BK_")}
    env.update(
        {
            "BK_LOG_LEVEL": "WARNING",
            "BK_MQTT__PORT": str(port),
            "BK_INFLUX__URL": influx.url,
            "BK_INFLUX__DATABASE": influx.database,
            "BK_INGEST__GROUP": group,
            "BK_INGEST__CHANNELS": '["telemetry"]',
            "BK_INGEST__STATUS_INTERVAL_S": "0.1",
        }
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "ingest", "run", "--instance", i], cwd=ROOT, env=env
        )
        for i in ids
    ]
    t_start = w_start = p_start = None
    deadline = time.time() + 150
    try:
        while time.time() < deadline:
            now = time.time()
            received = watcher.total(ids, "received")
            written = watcher.total(ids, "written_messages")
            if t_start is None and received > 0:
                t_start, w_start = now, written
                p_start = watcher.total(ids, "written_points")
            if written >= total:
                break
            time.sleep(0.05)
        else:
            print(f"  (ingest wrote only {watcher.total(ids, 'written_messages')} of {total})")
        t_end = time.time()
        points = watcher.total(ids, "written_points")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(20)
    assert t_start is not None and w_start is not None and p_start is not None
    span = t_end - t_start
    return (written - w_start) / span, (points - p_start) / span


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=50_000, help="messages in the backlog")
    ap.add_argument("--readings", type=int, default=1, help="readings per message")
    args = ap.parse_args()
    n, k = args.messages, args.readings

    with tempfile.TemporaryDirectory(prefix="bk-bench-") as tmp:
        broker = LocalMosquitto(Path(tmp) / "mosquitto", persistence=False)
        server = LocalInfluxDB(Path(tmp) / "influxdb")
        broker.start()
        server.start()
        try:
            port = broker.port
            groups = {
                g: subscription("telemetry", share_group=g)
                for g in ("msub", "bare1", "ing1", "ing2", "bare2")
            }
            precreate(port, "bench-msub", groups["msub"])
            precreate(port, "bench-bare1", groups["bare1"])
            precreate(port, "bk-ingest-i1", groups["ing1"])
            for cid in ("bk-ingest-i2a", "bk-ingest-i2b"):
                precreate(port, cid, groups["ing2"])
            for cid in ("bench-bare2a", "bench-bare2b"):
                precreate(port, cid, groups["bare2"])
            items = payloads(n, k)
            t = time.time()
            publish_all("127.0.0.1", port, items, timeout=300)
            print(
                f"backlog: {n} messages x {k} readings ({len(items[0][1])} bytes each) "
                f"queued for 5 groups in {time.time() - t:.1f} s; QoS 1; {os.cpu_count()} CPUs"
            )
            msub = run_mosquitto_sub(port, "bench-msub", groups["msub"], n)
            bare = run_bare(port, ["bench-bare1"], n)
            dbs = []
            for name in ("one", "two"):
                server.create_database(name)
                dbs.append(InfluxSettings(url=server.url, database=name))
            watcher = Watcher(port)
            one_msg, one_pts = run_ingest(port, dbs[0], "ing1", ["i1"], n, watcher)
            two_msg, two_pts = run_ingest(port, dbs[1], "ing2", ["i2a", "i2b"], n, watcher)
            bare2 = run_bare(port, ["bench-bare2a", "bench-bare2b"], n)
            stored = [
                open_store(db).query('SELECT count("value") FROM "reading"')[0]["count"]
                for db in dbs
            ]
        finally:
            broker.stop()
            server.stop()

    cores = os.cpu_count()
    rows = [
        ("mosquitto_sub drain (broker limit)", f"{msub:10,.0f} msg/s"),
        ("bare paho subscriber, 1 process", f"{bare:10,.0f} msg/s"),
        ("bare paho subscribers, 2 in one group", f"{bare2:10,.0f} msg/s"),
        ("ingest, 1 process", f"{one_msg:10,.0f} msg/s  {one_pts:,.0f} readings/s"),
        ("ingest, 2 processes in one group", f"{two_msg:10,.0f} msg/s  {two_pts:,.0f} readings/s"),
        ("ingest 1 / bare paho 1", f"{one_msg / bare:6.2f}  (target >= 0.50)"),
        ("ingest 1 / mosquitto_sub", f"{one_msg / msub:6.2f}"),
        ("ingest 2 / ingest 1", f"{two_msg / one_msg:6.2f}  ({cores} cores)"),
        ("ingest 2 / bare paho 2", f"{two_msg / bare2:6.2f}"),
        ("readings stored (1 proc / 2 procs)", f"{stored[0]:,} / {stored[1]:,} of {n * k:,}"),
    ]
    for label, value in rows:
        print(f"{label:<40}: {value}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--bare":
        bare_subscriber(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), idle_s=2.0)
    else:
        main()
