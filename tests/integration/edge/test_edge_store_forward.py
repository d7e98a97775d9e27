"""Store-and-forward over a real broker that goes away: nothing lost, nothing doubled.

The broker is a private Mosquitto we stop and start; the agent samples a counting
sensor (edge.drivers.fake) every 100 ms throughout, so readings are taken during
the outage and must arrive afterwards, in order, with the time they were taken.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import yaml

from core.mqtt import MqttClient
from core.schemas import DeviceState, DeviceStatus, Reading, Telemetry, decode
from core.settings import MqttSettings
from core.topics import status_topic, telemetry_topic
from devtools.servers import LocalMosquitto
from edge.agent import EdgeAgent
from edge.buffer import DiskBuffer
from edge.config import EdgeSettings
from edge.drivers.fake import CounterSensor

FAKE = "edge.drivers.fake:CounterSensor"


class Collector:
    """A persistent-session subscriber that keeps every telemetry reading it gets."""

    def __init__(self, broker: LocalMosquitto, site: str, device: str) -> None:
        self.readings: list[Reading] = []
        self.arrived: list[datetime] = []
        self.statuses: list[DeviceStatus] = []
        self.lock = threading.Lock()
        self.client = MqttClient(
            _mqtt(broker), f"collector-{uuid.uuid4().hex[:8]}", on_message=self._on
        )
        self.client.subscribe(telemetry_topic(site, device), 1)
        self.client.subscribe(status_topic(site, device), 1)
        self.client.connect(timeout=10)

    def _on(self, msg: mqtt.MQTTMessage) -> None:
        with self.lock:
            if msg.topic.endswith("/telemetry"):
                batch = decode(Telemetry, bytes(msg.payload))
                self.readings.extend(batch.readings)
                self.arrived.extend([datetime.now(UTC)] * len(batch.readings))
            else:
                self.statuses.append(decode(DeviceStatus, bytes(msg.payload)))

    def seqs(self) -> list[int]:
        with self.lock:
            return [r.seq for r in self.readings]

    def wait_for(self, pred: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return True
            time.sleep(0.05)
        return pred()


def _mqtt(broker: LocalMosquitto) -> MqttSettings:
    return MqttSettings(host=broker.host, port=broker.port, reconnect_min_s=0.2, reconnect_max_s=1)


def _config(broker: LocalMosquitto, site: str, state: Path, **agent: object) -> dict[str, object]:
    base: dict[str, object] = {
        "site": site,
        "device": "agent1",
        "heartbeat_s": 1,
        "state_dir": str(state),
        # These tests watch the broker side with a plain subscriber, no ingest: so the
        # buffer is emptied on PUBACK. The receipt path (the default) is tested with real
        # ingest and InfluxDB in tests/integration/faults.
        "publish": {"linger_s": 0.05, "confirm": "puback"},
        "sensors": [{"type": FAKE, "id": "probe1", "interval_s": 0.1, "zone": "cold_room"}],
    }
    base.update(agent)
    return {
        "log_level": "INFO",
        "mqtt": {
            "host": broker.host,
            "port": broker.port,
            "reconnect_min_s": 0.2,
            "reconnect_max_s": 1,
        },
        "agent": base,
    }


def test_edge_outage_every_reading_once_in_order_with_source_time(
    mosquitto_factory: Callable[..., LocalMosquitto], site_id: str, tmp_path: Path
) -> None:
    broker = mosquitto_factory()
    collector = Collector(broker, site_id, "agent1")
    settings = EdgeSettings.model_validate(_config(broker, site_id, tmp_path / "state"))
    agent = EdgeAgent(settings)
    agent.start()
    try:
        assert collector.wait_for(lambda: len(collector.seqs()) >= 10, 10)
        broker.stop()
        outage_start = datetime.now(UTC)
        time.sleep(2.0)  # readings keep coming while the broker is away
        assert agent.buffer.depth >= 12, "readings taken offline must wait on disk"
        outage_end = datetime.now(UTC)
        broker.start()
        time.sleep(1.0)
    finally:
        agent.stop()
    driver = agent.sensors["probe1"].driver
    assert isinstance(driver, CounterSensor)
    produced = list(driver.produced)
    assert collector.wait_for(lambda: len(collector.seqs()) >= len(produced), 10)
    collector.client.close()

    seqs = collector.seqs()
    assert len(seqs) == len(set(seqs)), "a reading arrived twice"
    assert seqs == sorted(seqs), "replay out of order"
    assert seqs == list(range(1, len(produced) + 1)), "a reading is missing"
    # Each reading carries the time it was taken, not the time it was sent.
    assert [r.ts for r in collector.readings] == [s.ts for s in produced]
    assert [r.value for r in collector.readings] == [s.value for s in produced]
    taken_offline = [
        (r, a)
        for r, a in zip(collector.readings, collector.arrived, strict=True)
        if outage_start < r.ts < outage_end
    ]
    assert len(taken_offline) >= 12
    assert all(a > outage_end for _, a in taken_offline)
    assert all(r.zone == "cold_room" for r in collector.readings)
    # The heartbeat was retained and counted the outage's backlog at some point.
    assert any(s.state is DeviceState.ONLINE for s in collector.statuses)


def _run_agent(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "core", "edge", "run", "--config", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )


def test_edge_sigkill_during_outage_loses_nothing(
    mosquitto_factory: Callable[..., LocalMosquitto], site_id: str, tmp_path: Path
) -> None:
    broker = mosquitto_factory()
    collector = Collector(broker, site_id, "agent1")
    config = tmp_path / "agent.yaml"
    state = tmp_path / "state"
    config.write_text(yaml.safe_dump(_config(broker, site_id, state)))
    log = tmp_path / "agent.log"

    agent = _run_agent(config, log)
    try:
        assert collector.wait_for(lambda: len(collector.seqs()) >= 10, 20), log.read_text()
        broker.stop()
        time.sleep(1.5)
        agent.send_signal(signal.SIGKILL)  # power cut while offline
        agent.wait(5)
        buffered = DiskBuffer(state / "buffer.sqlite")
        left = buffered.depth
        buffered.close()
        assert left >= 8, "the offline readings must be on disk after SIGKILL"
        before = len(collector.seqs())
        broker.start()
        agent = _run_agent(config, log)
        # The restarted agent replays the backlog, then goes on sampling.
        assert collector.wait_for(lambda: len(collector.seqs()) >= before + left + 5, 20), (
            log.read_text()[-3000:]
        )
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(15) == 0, log.read_text()[-3000:]
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait(5)
    remaining = DiskBuffer(state / "buffer.sqlite")
    left_over = [s.seq for s in remaining.peek(0, 100_000)]
    remaining.close()
    seqs = collector.seqs()
    assert collector.wait_for(lambda: len(collector.seqs()) >= len(seqs), 1)
    collector.client.close()
    assert len(seqs) == len(set(seqs)), "a reading arrived twice"
    assert seqs == sorted(seqs)
    # Received plus still-buffered (taken in the last moment before SIGTERM) is 1..N.
    assert seqs + left_over == list(range(1, len(seqs) + len(left_over) + 1))
    assert len(seqs) >= 25
    ts = [r.ts for r in collector.readings]
    assert ts == sorted(ts)


def test_edge_buffer_bound_drops_oldest_and_counts(
    mosquitto_factory: Callable[..., LocalMosquitto], site_id: str, tmp_path: Path
) -> None:
    broker = mosquitto_factory()
    broker.stop()  # the agent boots offline
    cfg = _config(broker, site_id, tmp_path / "state", buffer={"max_readings": 15})
    agent = EdgeAgent(EdgeSettings.model_validate(cfg))
    agent.start()
    try:
        deadline = time.monotonic() + 10
        while agent.counters.samples < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        agent.request_stop()  # freeze sampling, keep the buffer and connection logic
        for s in agent.sensors.values():
            s.wake.set()
        time.sleep(0.2)
        taken = agent.counters.samples
        assert agent.buffer.depth == 15
        assert agent.buffer.dropped == taken - 15
        broker.start()
        collector = Collector(broker, site_id, "agent1")
        # A fresh agent on the same state dir sends what is left: the newest 15.
        agent.stop()
        again = EdgeAgent(EdgeSettings.model_validate(cfg), sensors=[])
        again.start()
        assert collector.wait_for(lambda: len(collector.seqs()) >= 15, 10)
        assert collector.wait_for(
            lambda: any(s.buffer_dropped == taken - 15 for s in collector.statuses), 5
        )
        again.stop()
    finally:
        if broker.running:
            pass
    assert collector.seqs() == list(range(taken - 14, taken + 1))
    collector.client.close()
