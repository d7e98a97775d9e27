"""The reliability promises under faults, on real servers and real service processes.

Each test runs a whole kitchen-to-store path — the real edge agent (`python -m edge run`,
its disk buffer, a steady stream of uniquely stamped readings), Mosquitto with
persistence, `bk ingest run`, `bk rules run` and InfluxDB 1.x — injects one fault, lets
the system recover and then checks, reading by reading:

- every reading the agent took (seq 1..N of its buffer) is in InfluxDB or still on the
  agent's disk waiting for its store receipt: 0 lost;
- InfluxDB holds each of them once: 0 duplicated;
- the rules raised exactly the expected alerts: a fault shorter than a rule's grace
  raises none (no offline alert from a restart, no no-data alert from a quiet clock).

Faults: graceful broker restart, broker `kill -9`, InfluxDB down 30 s, `kill -9` of
ingest, of rules and of the edge agent, and a 60 s network outage between the agent and
the broker (a TCP relay the test cuts). Waits poll for a condition with generous bounds,
so a busy machine makes them slower, never wrong.
"""

import contextlib
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.errors import BackendUnavailable
from core.mqtt import MqttClient
from core.schemas import DeviceState, DeviceStatus, decode
from core.settings import InfluxSettings, MqttSettings
from core.store import open_store
from core.topics import status_topic
from devtools.servers import LocalInfluxDB, LocalMosquitto, free_port
from rules.store import AlertStore

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

SITE = "fault-kitchen"
DEVICE = "agent1"
READ_INTERVAL_S = 0.1  # two sensors: 20 readings a second


def wait_for(pred: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll until `pred()` holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.25)
    assert pred(), f"timed out after {timeout:.0f} s waiting for: {what}"


class NetCut:
    """A TCP relay between the edge agent and the broker that the test can cut.

    While cut, open connections are closed and new ones are closed at once (the agent
    sees its link drop and its reconnects fail), as when a kitchen's uplink goes down.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._up = threading.Event()
        self._up.set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def cut(self) -> None:
        self._up.clear()
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def restore(self) -> None:
        self._up.set()

    def close(self) -> None:
        self._stop.set()
        self.cut()
        self._server.close()
        self._thread.join(2)


class Service:
    """One service process (its own session, so a kill reaches it and nothing else)."""

    def __init__(self, name: str, argv: list[str], log: Path) -> None:
        self.name, self.argv, self.log = name, argv, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM and wait: the exit code (a clean stop is 0)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError(
                f"{self.name} did not stop within {timeout} s of SIGTERM"
            ) from None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


class FaultStack:
    """Broker, store, ingest, rules and one edge agent, each restartable and killable."""

    def __init__(self, tmp: Path, *, relay: bool = False, edge_mqtt: dict[str, Any] | None = None):
        self.tmp = tmp
        self.broker = LocalMosquitto(tmp / "mosquitto", persistence=True)
        self.influx = LocalInfluxDB(tmp / "influx")
        self.database = f"faults_{uuid.uuid4().hex[:8]}"
        self.broker.start()
        self.influx.start()
        self.influx.create_database(self.database)
        self.relay = NetCut(self.broker.port) if relay else None
        self.state = tmp / "edge-state"
        self.alert_db = tmp / "alerts.db"
        self.store = open_store(InfluxSettings(url=self.influx.url, database=self.database))
        common = {
            "mqtt": {"host": "127.0.0.1", "port": self.broker.port},
            "influx": {"url": self.influx.url, "database": self.database},
        }
        self.ingest = self._service(
            "ingest",
            ["-m", "core", "ingest", "run", "--config"],
            {**common, "ingest": {"instance": "i1", "batch_max_wait_s": 0.2, "retry_max_s": 2}},
        )
        self.rules = self._service(
            "rules",
            ["-m", "core", "rules", "run", "--config"],
            {
                **common,
                "rules": {
                    "packs": ["gb31654"],
                    "store_url": f"sqlite:///{self.alert_db}",
                    "tick_s": 0.5,
                    "checkpoint_s": 1.0,
                },
            },
        )
        edge_port = self.relay.port if self.relay is not None else self.broker.port
        sensors = [
            {
                "type": "edge.drivers.fake:CounterSensor",
                "id": sid,
                "interval_s": READ_INTERVAL_S,
                "kind": "temperature",
                "hold": 3.0,  # a cold room at 3 °C: in band, no rule should fire
                "zone": "cold_room",
            }
            for sid in ("t1", "t2")
        ]
        self.edge = self._service(
            "edge",
            ["-m", "edge", "run", "--config"],
            {
                "mqtt": {"host": "127.0.0.1", "port": edge_port, **(edge_mqtt or {})},
                "agent": {
                    "site": SITE,
                    "device": DEVICE,
                    "heartbeat_s": 5,
                    "state_dir": str(self.state),
                    "publish": {"linger_s": 0.05, "receipt_timeout_s": 5},
                    "sensors": sensors,
                },
            },
        )
        self.statuses: list[DeviceStatus] = []
        self.watcher = MqttClient(
            MqttSettings(host="127.0.0.1", port=self.broker.port, reconnect_max_s=1),
            f"watch-{uuid.uuid4().hex[:8]}",
            on_message=self._on_status,
        )
        self.watcher.subscribe(status_topic(SITE, DEVICE), 1)
        self.watcher.connect(timeout=10)

    def _service(self, name: str, argv: list[str], config: dict[str, Any]) -> Service:
        path = self.tmp / f"{name}.yaml"
        path.write_text(yaml.safe_dump(config))
        return Service(name, [sys.executable, *argv, str(path)], self.tmp / f"{name}.log")

    def _on_status(self, msg: Any) -> None:
        with contextlib.suppress(Exception):
            self.statuses.append(decode(DeviceStatus, bytes(msg.payload)))

    # -- running --------------------------------------------------------------------

    def start(self) -> None:
        """Start the centre, then the agent; return once readings reach InfluxDB."""
        self.ingest.start()
        self.rules.start()
        self.edge.start()
        wait_for(lambda: len(self.stored()) >= 40, 60, "the first readings in InfluxDB")

    def stream_for(self, seconds: float) -> None:
        time.sleep(seconds)

    def close(self) -> None:
        for svc in (self.edge, self.rules, self.ingest):
            if svc.alive():
                with contextlib.suppress(Exception):
                    svc.terminate(15)
        self.watcher.close()
        if self.relay is not None:
            self.relay.close()
        self.store.close()
        self.influx.stop()
        self.broker.stop()

    # -- what happened --------------------------------------------------------------

    def stored(self) -> list[int]:
        """The seq of every `reading` point of the agent in InfluxDB (duplicates kept)."""
        try:
            rows = self.store.query(
                f"SELECT seq, value FROM reading WHERE site = '{SITE}' AND device = '{DEVICE}'"
            )
        except BackendUnavailable:
            return []  # InfluxDB is down (one of the faults)
        # A query racing a write can see a point's value before its seq (InfluxDB 1.x
        # stores fields apart): skip such a row, the next poll sees it whole.
        return [int(r["seq"]) for r in rows if r.get("seq") is not None]

    def edge_buffer(self) -> tuple[int, set[int]]:
        """(readings the agent ever took, seqs still on its disk awaiting a receipt)."""
        db = sqlite3.connect(f"file:{self.state / 'buffer.sqlite'}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'readings'").fetchone()
            left = {int(r[0]) for r in db.execute("SELECT seq FROM readings")}
        finally:
            db.close()
        return (int(row[0]) if row else 0), left

    def buffered(self) -> int:
        return len(self.edge_buffer()[1])

    def alerts(self) -> list[tuple[str, str]]:
        store = AlertStore(f"sqlite:///{self.alert_db}")
        try:
            return sorted((a.rule, a.state) for a in store.alerts(SITE))
        finally:
            store.close()

    # -- the verdict ----------------------------------------------------------------

    def settle_and_check(self, expected_alerts: list[tuple[str, str]] | None = None) -> int:
        """Let the agent drain, stop it cleanly, then check every reading and the alerts."""
        # Caught up: less than ~3 s of readings waiting on the agent's disk.
        wait_for(lambda: self.buffered() < 60, 240, "the agent's buffer to drain")
        assert self.edge.terminate() == 0, self.edge.tail()
        taken, left = self.edge_buffer()
        everything = set(range(1, taken + 1))

        def complete() -> bool:
            return set(self.stored()) | left == everything

        wait_for(complete, 120, "every reading the agent took in InfluxDB or on its disk")
        stored = self.stored()
        assert len(stored) == len(set(stored)), "a reading was stored twice"
        assert set(stored) <= everything
        assert len(stored) >= taken - 60, "readings must reach the store, not stay on disk"
        assert self.ingest.alive(), self.ingest.tail()
        assert self.rules.alive(), self.rules.tail()
        time.sleep(2)  # a last rules tick over the final state
        assert self.alerts() == (expected_alerts or []), self.rules.tail()
        return taken


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[FaultStack]:
    """A fresh broker, store and services for one fault."""
    s = FaultStack(tmp_path)
    try:
        yield s
    finally:
        s.close()


def test_broker_graceful_restart_loses_nothing(stack: FaultStack) -> None:
    stack.start()
    stack.stream_for(3)
    stack.broker.stop()
    time.sleep(15)  # longer than the agent's will delay: sessions outlive the restart
    stack.broker.start()
    stack.stream_for(5)
    taken = stack.settle_and_check()
    assert taken > 300


def test_broker_kill9_loses_nothing(stack: FaultStack) -> None:
    stack.start()
    stack.stream_for(3)
    stack.broker.kill()  # no snapshot: what the broker held since the last save is gone
    time.sleep(5)
    stack.broker.start()
    stack.stream_for(5)
    stack.settle_and_check()


def test_influxdb_down_30s_loses_nothing(stack: FaultStack) -> None:
    stack.start()
    stack.stream_for(2)
    stack.influx.stop()
    time.sleep(30)
    stack.influx.start()
    stack.stream_for(3)
    stack.settle_and_check()


@pytest.mark.parametrize("victim", ["ingest", "rules", "edge"])
def test_service_kill9_loses_nothing(stack: FaultStack, victim: str) -> None:
    stack.start()
    stack.stream_for(3)
    service = getattr(stack, victim)
    service.kill9()
    time.sleep(3)
    service.start()
    stack.stream_for(5)
    stack.settle_and_check()


def test_edge_network_outage_60s(tmp_path: Path) -> None:
    """The agent's uplink is down 60 s: its readings wait on disk and all arrive after.

    Its Last Will (delayed 20 s) reaches the rules mid-outage; the offline rule's 60 s
    grace counts from then, so the outage raises no alert (the will carries the time the
    agent connected, hours before in real life: counting from that fired at once).
    """
    s = FaultStack(tmp_path, relay=True, edge_mqtt={"will_delay_s": 20})
    try:
        s.start()
        assert s.relay is not None
        s.stream_for(3)
        s.relay.cut()
        time.sleep(60)
        s.relay.restore()
        offline = [st for st in s.statuses if st.state is DeviceState.OFFLINE]
        assert offline, "the agent's Last Will must have been published during the outage"
        wait_for(lambda: s.statuses[-1].state is DeviceState.ONLINE, 60, "the agent back online")
        s.stream_for(3)
        s.settle_and_check()
    finally:
        s.close()


def test_a_stopped_pipeline_is_caught(tmp_path: Path) -> None:
    """The check itself can fail: with ingest gone, readings stay on the agent's disk."""
    s = FaultStack(tmp_path)
    try:
        s.start()
        s.ingest.kill9()
        s.stream_for(4)
        with pytest.raises(AssertionError, match="timed out"):
            wait_for(lambda: s.buffered() < 10, 6, "a drain that cannot happen")
        assert s.buffered() >= 40
    finally:
        s.close()
