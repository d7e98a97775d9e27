"""Ingest end to end with real Mosquitto, real InfluxDB and real ingest processes."""

import threading
import time
from collections.abc import Callable
from typing import Any

from core.settings import InfluxSettings
from devtools.servers import LocalInfluxDB, LocalMosquitto
from devtools.traffic import publish_all, telemetry_messages


def _sites(prefix: str, n: int) -> list[str]:
    return [f"{prefix}-{i:03d}" for i in range(n)]


def test_100k_readings_from_100_sites_all_stored(
    mosquitto_factory: Callable[..., LocalMosquitto],
    influx_settings: InfluxSettings,
    ingest_factory: Callable[..., Any],
    status_watcher: Callable[[int], Any],
    wait_count: Callable[[InfluxSettings, int, float], int],
) -> None:
    broker = mosquitto_factory()
    watcher = status_watcher(broker.port)
    worker = ingest_factory(broker.port, influx_settings, "solo")
    watcher.wait_for("solo", lambda r: r["state"] == "online")
    items = list(telemetry_messages(_sites("k", 100), 10_000, readings_per_message=10))
    publish_all(broker.host, broker.port, items)
    stored = wait_count(influx_settings, 100_000, 60)
    assert stored == 100_000, worker.tail()
    assert worker.terminate() == 0
    final = watcher.wait_for("solo", lambda r: r["state"] == "offline")
    assert final["received"] == 10_000
    assert final["written_points"] == 100_000
    assert final["rejected"] == {} and final["pending"] == 0


def test_two_processes_in_one_group_write_each_reading_once(
    mosquitto_factory: Callable[..., LocalMosquitto],
    influx_settings: InfluxSettings,
    ingest_factory: Callable[..., Any],
    status_watcher: Callable[[int], Any],
    wait_count: Callable[[InfluxSettings, int, float], int],
) -> None:
    broker = mosquitto_factory()
    watcher = status_watcher(broker.port)
    workers = [ingest_factory(broker.port, influx_settings, name) for name in ("w1", "w2")]
    for name in ("w1", "w2"):
        watcher.wait_for(name, lambda r: r["state"] == "online")
    items = list(telemetry_messages(_sites("d", 100), 3_000, readings_per_message=10))
    publish_all(broker.host, broker.port, items)
    assert wait_count(influx_settings, 30_000, 40) == 30_000
    for w in workers:
        assert w.terminate() == 0
    finals = [watcher.wait_for(n, lambda r: r["state"] == "offline") for n in ("w1", "w2")]
    # Each message went to exactly one worker, and each worker did its share.
    assert sum(f["received"] for f in finals) == 3_000
    assert sum(f["written_points"] for f in finals) == 30_000
    assert all(f["written_points"] >= 3_000 for f in finals), finals


def test_kill_9_mid_stream_and_restart_lose_nothing(
    mosquitto_factory: Callable[..., LocalMosquitto],
    influx_settings: InfluxSettings,
    ingest_factory: Callable[..., Any],
    status_watcher: Callable[[int], Any],
    count_points: Callable[..., int],
    wait_count: Callable[[InfluxSettings, int, float], int],
) -> None:
    broker = mosquitto_factory()
    watcher = status_watcher(broker.port)
    # Small batches, so that at the kill some are written and acked, some are not.
    worker = ingest_factory(
        broker.port, influx_settings, "crashy", batch_max_points=200, batch_max_messages=20
    )
    watcher.wait_for("crashy", lambda r: r["state"] == "online")
    items = list(telemetry_messages(_sites("c", 50), 6_000, readings_per_message=10))
    total = 60_000

    def publish_slowly() -> None:
        for i in range(0, len(items), 500):
            publish_all(broker.host, broker.port, items[i : i + 500])
            time.sleep(0.15)

    publisher = threading.Thread(target=publish_slowly)
    publisher.start()
    deadline = time.monotonic() + 20
    while count_points(influx_settings) < 5_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.kill9()
    at_kill = count_points(influx_settings)
    assert 0 < at_kill < total, f"kill came too late to prove anything ({at_kill})"
    time.sleep(0.5)  # the publisher goes on while the worker is dead
    worker.start()  # same instance id: same client id, same persistent session
    publisher.join(60)
    assert wait_count(influx_settings, total, 60) == total, worker.tail()
    time.sleep(0.5)
    assert count_points(influx_settings) == total  # redelivery rewrote, never duplicated


def test_influxdb_down_30_s_loses_nothing_and_applies_back_pressure(
    mosquitto_factory: Callable[..., LocalMosquitto],
    influxdb_factory: Callable[[], LocalInfluxDB],
    ingest_factory: Callable[..., Any],
    status_watcher: Callable[[int], Any],
    wait_count: Callable[[InfluxSettings, int, float], int],
) -> None:
    broker = mosquitto_factory()
    server = influxdb_factory()
    server.create_database("outage")
    influx = InfluxSettings(url=server.url, database="outage")
    watcher = status_watcher(broker.port)
    worker = ingest_factory(
        broker.port, influx, "patient", max_pending_messages=300, batch_max_messages=100
    )
    watcher.wait_for("patient", lambda r: r["state"] == "online")
    items = list(telemetry_messages(_sites("o", 20), 3_000, readings_per_message=10))
    publish_all(broker.host, broker.port, items[:1_000])
    assert wait_count(influx, 10_000, 20) == 10_000

    server.stop()
    down_at = time.monotonic()
    publish_all(broker.host, broker.port, items[1_000:])
    report = watcher.wait_for("patient", lambda r: not r["store_ok"] and r["pending"] > 0)
    time.sleep(3)
    report = watcher.get("patient")
    # Bounded: the broker stops sending near the Receive Maximum (300); the rest waits
    # there. Mosquitto 2.0.11 was seen to let 331 and, once in a clean-clone CI run on a
    # busy machine, 404 through, so allow some slack while still failing if pending grew
    # with the 2,000 messages published meanwhile.
    assert 0 < report["pending"] <= 450, report
    assert report["received"] < 3_000, report
    assert worker.alive()
    time.sleep(max(0.0, 30 - (time.monotonic() - down_at)))
    assert worker.alive(), worker.tail()
    server.start()
    assert wait_count(influx, 30_000, 40) == 30_000, worker.tail()
    report = watcher.wait_for("patient", lambda r: r["store_ok"] and r["pending"] == 0)
    assert report["write_failures"] > 0
    log = worker.tail()
    assert "store write failed" in log and "back-pressure" in log
