"""Benchmark: a fleet of simulated kitchens published over a real Mosquitto broker.

Target (issue 3, DESIGN.md "Scale"): 1,000 kitchens x 10 sensors, one reading per 10 s
= 1,000 readings/s, published as an edge agent would (one MQTT connection per kitchen,
QoS 1 telemetry batches, retained status with Last Will) for 60 s of wall time at
speed 1. A separate subscriber process counts what the broker delivered, so the
figures are end to end. Prints the CPU the simulator used (its own process, all
threads), the broker's CPU and the readings/s achieved next to the 1,000/s target.

    .venv/bin/python bench/sim_fleet.py [--kitchens 1000] [--seconds 60]
"""

import argparse
import json
import logging
import math
import multiprocessing as mp
import tempfile
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import psutil

from core.mqtt import MqttClient
from core.settings import MqttSettings
from core.topics import Channel, subscription
from devtools.servers import LocalMosquitto
from simulators.devices import default_sensors
from simulators.fleet import _phase
from simulators.generate import generate_fleet
from simulators.runner import rebase
from simulators.sharded import run_fleet

READINGS_PER_KITCHEN_S = 10 / 10.0  # 10 sensors, one reading each per 10 s


def subscriber(host: str, port: int, ready: Connection, done: Connection) -> None:
    """Count telemetry readings delivered by the broker until told to stop."""
    counts = {"messages": 0, "readings": 0, "bad": 0}
    logging.getLogger("core.mqtt").setLevel(logging.ERROR)

    def on(msg: object) -> None:
        try:
            n = len(json.loads(msg.payload)["readings"])  # type: ignore[attr-defined]
        except (ValueError, KeyError):
            counts["bad"] += 1
            return
        counts["messages"] += 1
        counts["readings"] += n

    client = MqttClient(MqttSettings(host=host, port=port), "bench-sub", on_message=on)
    client.subscribe(subscription(Channel.TELEMETRY), 1)
    client.connect()
    time.sleep(0.5)
    ready.send("ready")
    done.recv()
    time.sleep(2.0)  # let the last PUBACKed messages arrive
    client.close()
    done.send(counts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kitchens", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("core.mqtt").setLevel(logging.ERROR)  # 1,000 clean disconnects at exit
    n, wall = args.kitchens, args.seconds

    with tempfile.TemporaryDirectory() as tmp:
        broker = LocalMosquitto(Path(tmp), persistence=False)
        broker.start()
        try:
            assert broker.proc is not None
            broker_ps = psutil.Process(broker.proc.pid)
            settings = MqttSettings(host=broker.host, port=broker.port)
            ready_a, ready_b = mp.Pipe()
            done_a, done_b = mp.Pipe()
            sub = mp.get_context("spawn").Process(
                target=subscriber, args=(broker.host, broker.port, ready_b, done_b)
            )
            sub.start()
            ready_a.recv()

            now = datetime.now(UTC)
            fleet = generate_fleet(n, seed=1, start=now - timedelta(days=1))
            sensors = sum(
                len(d.sensors or default_sensors(d.model))
                for s in fleet.sites.values()
                for d in s.devices.values()
            )
            scn = rebase(fleet, wall, 1.0, now)
            b0 = sum(broker_ps.cpu_times()[:2])
            t0 = time.monotonic()
            stats = run_fleet(scn, settings, wall_s=wall, speed=1.0, step_s=1.0)
            total_wall = time.monotonic() - t0
            broker_cpu = sum(broker_ps.cpu_times()[:2]) - b0  # includes the connects
            span = stats.ticks * 1.0
            due = sum(  # readings due in [0, span) (each device has a stable phase)
                len(default_sensors(d.model)) * math.ceil((span - _phase(sid, dev, 10.0)) / 10)
                for sid, s in fleet.sites.items()
                for dev, d in s.devices.items()
            )
            done_a.send("stop")
            counts = done_a.recv()
            sub.join(10)
        finally:
            broker.stop()

    target = n * READINGS_PER_KITCHEN_S
    achieved = stats.readings / stats.wall_s
    delivered = counts["readings"] / stats.wall_s
    print(
        f"fleet: {n} kitchens, {sensors} sensors ({sensors / n:.1f} per kitchen), "
        f"1 reading / 10 s each; one MQTT connection per kitchen"
    )
    print(
        f"publishers: {stats.processes} processes (<= 250 agents each: paho uses select()); "
        f"{n} agents connected in {stats.connect_s:.1f} s; whole bench {total_wall:.0f} s"
    )
    print(
        f"run: {stats.wall_s:.1f} s wall, {stats.ticks} ticks, max lag behind schedule "
        f"{stats.max_lag_s:.3f} s, publish errors {stats.publish_errors}"
    )
    print(
        f"published: {stats.readings} readings in {stats.messages} messages "
        f"= {achieved:.0f} readings/s (target {target:.0f}/s: {achieved / target:.1%}); "
        f"{due} were due in the simulated span"
    )
    print(
        f"delivered to a subscriber: {counts['readings']} readings in {counts['messages']} "
        f"messages = {delivered:.0f} readings/s (bad payloads {counts['bad']})"
    )
    run_cpu = stats.cpu_s
    print(
        f"simulator CPU during the run (all publisher processes): {run_cpu:.1f} s = "
        f"{run_cpu / stats.wall_s:.1%} of one core "
        f"({run_cpu / max(stats.readings, 1) * 1e6:.0f} us per reading)"
    )
    print(
        f"broker CPU (connects + run): {broker_cpu:.1f} s = {broker_cpu / stats.wall_s:.1%} "
        "of one core over the run's wall time"
    )


if __name__ == "__main__":
    main()
