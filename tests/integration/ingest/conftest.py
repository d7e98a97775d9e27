"""Helpers for ingest integration tests: real `python -m ingest run` processes."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.settings import InfluxSettings
from core.store import open_store
from core.topics import service_status_subscription

ROOT = Path(__file__).resolve().parents[3]


class IngestProcess:
    """One ingest worker as a real OS process (so it can be killed -9)."""

    def __init__(self, log: Path, env: dict[str, str]) -> None:
        self.log = log
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ingest", "run"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(5)

    def terminate(self, timeout: float = 15) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return int(self.proc.returncode)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


class StatusWatcher:
    """Follows the retained ingest status topics of a broker: latest report per instance."""

    def __init__(self, port: int) -> None:
        self.latest: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe(service_status_subscription("ingest"), qos=1)
        self.client.loop_start()

    def _on_message(self, c: mqtt.Client, u: object, msg: mqtt.MQTTMessage) -> None:
        instance = msg.topic.split("/")[4]
        report = json.loads(msg.payload)
        # The ServiceStatus of core.service_health: figures flattened beside the state.
        flat = {**report.get("counters", {}), **report.get("gauges", {}), **report}
        with self._lock:
            self.latest[instance] = flat

    def get(self, instance: str) -> dict[str, Any]:
        with self._lock:
            return dict(self.latest.get(instance, {}))

    def wait_for(
        self, instance: str, pred: Callable[[dict[str, Any]], bool], timeout: float = 20
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            report = self.get(instance)
            if report and pred(report):
                return report
            time.sleep(0.05)
        raise AssertionError(f"status of {instance} never matched; last: {self.get(instance)}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def ingest_factory(tmp_path: Path) -> Iterator[Callable[..., IngestProcess]]:
    """Start `python -m ingest run` workers configured by environment; stopped after."""
    made: list[IngestProcess] = []

    def make(
        mqtt_port: int, influx: InfluxSettings, instance: str, **ingest: object
    ) -> IngestProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BK_")}
        env.update(
            {
                "BK_MQTT__PORT": str(mqtt_port),
                "BK_MQTT__RECONNECT_MIN_S": "0.2",
                "BK_MQTT__RECONNECT_MAX_S": "1",
                "BK_INFLUX__URL": influx.url,
                "BK_INFLUX__DATABASE": influx.database,
                "BK_INFLUX__TIMEOUT_S": "3",
                "BK_INGEST__INSTANCE": instance,
                "BK_INGEST__STATUS_INTERVAL_S": "0.3",
                "BK_INGEST__RETRY_MAX_S": "1",
            }
        )
        for key, value in ingest.items():
            env[f"BK_INGEST__{key.upper()}"] = str(value)
        proc = IngestProcess(tmp_path / f"ingest-{instance}-{len(made)}.log", env)
        proc.start()
        made.append(proc)
        return proc

    yield make
    for proc in made:
        if proc.alive():
            proc.terminate(5)


@pytest.fixture
def status_watcher() -> Iterator[Callable[[int], StatusWatcher]]:
    """Watch ingest status topics on a given broker port."""
    made: list[StatusWatcher] = []

    def make(port: int) -> StatusWatcher:
        w = StatusWatcher(port)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


def _count_points(influx: InfluxSettings, measurement: str = "reading") -> int:
    """Points stored in `measurement` (0 when none yet, or when the store is down)."""
    store = open_store(influx)
    try:
        rows = store.query(f'SELECT count("value") FROM "{measurement}"')
    except Exception:  # noqa: BLE001 - polled while a server may be down
        return 0
    finally:
        store.close()
    return int(rows[0]["count"]) if rows else 0


def _wait_count(influx: InfluxSettings, expected: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    n = _count_points(influx)
    while n < expected and time.monotonic() < deadline:
        time.sleep(0.2)
        n = _count_points(influx)
    return n


@pytest.fixture
def count_points() -> Callable[..., int]:
    """count_points(influx, measurement="reading") -> points stored (0 if unreachable)."""
    return _count_points


@pytest.fixture
def wait_count() -> Callable[[InfluxSettings, int, float], int]:
    """wait_count(influx, expected, timeout) -> the count once it reaches expected (or timeout)."""
    return _wait_count
