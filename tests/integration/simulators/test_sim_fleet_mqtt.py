"""`bk sim run`'s runner publishes a fleet over a real broker exactly as agents would."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import paho.mqtt.client as mqtt
import pytest
from typer.testing import CliRunner

from core.mqtt import MqttClient, content_type, user_properties
from core.schemas import DeviceState, DeviceStatus, FrameMeta, Telemetry, decode
from core.settings import MqttSettings
from core.topics import Channel, subscription
from devtools.servers import LocalMosquitto
from simulators.cli import app
from simulators.generate import generate_fleet
from simulators.runner import FleetRunner, rebase
from simulators.scenario import Scenario
from simulators.sharded import run_fleet, split


class Collector:
    """Subscribes to telemetry and status of every site; decodes with the real schemas."""

    def __init__(self, settings: MqttSettings) -> None:
        self.lock = threading.Lock()
        self.telemetry: list[Telemetry] = []
        self.status: list[DeviceStatus] = []
        self.client = MqttClient(settings, f"c-{uuid.uuid4().hex[:8]}", on_message=self._on)
        self.client.subscribe(subscription(Channel.TELEMETRY), 1)
        self.client.subscribe(subscription(Channel.STATUS), 1)
        self.client.connect()

    def _on(self, msg: mqtt.MQTTMessage) -> None:
        payload = bytes(msg.payload)
        with self.lock:
            if msg.topic.endswith("/telemetry"):
                self.telemetry.append(decode(Telemetry, payload))
            else:
                self.status.append(decode(DeviceStatus, payload))

    def until(self, pred: Callable[[], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if pred():
                    return True
            time.sleep(0.05)
        return False


def test_sim_fleet_publishes_like_agents(
    mosquitto_factory: Callable[..., LocalMosquitto],
) -> None:
    broker = mosquitto_factory(persistence=False)
    settings = MqttSettings(host=broker.host, port=broker.port, reconnect_min_s=0.2)
    now = datetime.now(UTC)
    base = generate_fleet(4, seed=1, start=now - timedelta(days=1), duration=timedelta(hours=1))
    data = base.model_dump()
    outage_at = base.start + timedelta(seconds=120)
    data["incidents"] = [
        {"site": "central-0002", "device": "edge1", "kind": "network_outage",
         "at": outage_at, "duration": "60s"},
    ]  # fmt: skip
    scn = rebase(Scenario.model_validate(data), wall_s=4.0, speed=60.0, now=now)
    sub = Collector(settings)
    runner = FleetRunner(scn, settings, speed=60.0, step_s=1.0)
    runner.connect()
    try:
        assert sub.until(lambda: len({s.site for s in sub.status}) == 4)  # retained online
        stats = runner.run(4.0)
        assert sub.until(lambda: sum(len(t.readings) for t in sub.telemetry) == stats.readings)
        # Last Will: a connection that dies without DISCONNECT is announced offline by the
        # broker; the agent reconnects and says online again.
        victim = runner._agents["school-0001"].client.paho.socket()
        assert isinstance(victim, socket.socket)
        victim.shutdown(socket.SHUT_RDWR)
        assert sub.until(
            lambda: (
                [s.state for s in sub.status if s.site == "school-0001"][-2:]
                == [DeviceState.OFFLINE, DeviceState.ONLINE]
            ),
            timeout=15,
        )
    finally:
        runner.close()
    assert sub.until(
        lambda: sum(s.state is DeviceState.OFFLINE for s in sub.status) >= 4 + 1 + 1
    )  # clean shutdown: every agent offline (+ the outage, + the Last Will)
    sub.client.close()

    assert stats.publish_errors == 0
    assert stats.sim_span_s == 240.0
    # 4 kitchens x 10 sensors every 10 s for 240 s, less the outage (6 batches of 10).
    assert 4 * 10 * 24 - 10 * 7 <= stats.readings <= 4 * 10 * 24
    seqs: dict[tuple[str, str], list[int]] = defaultdict(list)
    for t in sub.telemetry:
        seqs[(t.site, t.device)] += [r.seq for r in t.readings]
    assert len(seqs) == 4 * 7
    for seq in seqs.values():
        assert seq == sorted(seq) and len(seq) == len(set(seq))
    stamps = [r.ts for t in sub.telemetry for r in t.readings]
    assert max(stamps) <= datetime.now(UTC)  # rebased: never ahead of the wall clock
    outage_start = outage_at + (scn.start - base.start)
    central = [r.ts for t in sub.telemetry if t.site == "central-0002" for r in t.readings]
    assert not [ts for ts in central if outage_start <= ts < outage_start + timedelta(seconds=60)]
    states = [(s.state, s.ts) for s in sub.status if s.site == "central-0002"]
    assert (DeviceState.OFFLINE, outage_start) in states
    assert (DeviceState.ONLINE, outage_start + timedelta(seconds=60)) in states
    # Every status, including those sent on (re)connect and shutdown, is on the simulated
    # clock like the readings: a wall-clock one would jump the rules' clock ahead.
    sim_end = scn.start + timedelta(seconds=stats.sim_span_s)
    assert all(scn.start <= s.ts <= sim_end for s in sub.status), [
        s.ts for s in sub.status if not scn.start <= s.ts <= sim_end
    ]


def test_sim_fleet_frames_and_the_run_command(
    mosquitto_factory: Callable[..., LocalMosquitto], monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = mosquitto_factory(persistence=False)
    settings = MqttSettings(host=broker.host, port=broker.port)
    frames: list[FrameMeta] = []
    lock = threading.Lock()

    def on(msg: mqtt.MQTTMessage) -> None:
        payload = bytes(msg.payload)
        meta = FrameMeta.from_properties(user_properties(msg), content_type(msg), payload)
        image = cv2.imdecode(np.frombuffer(payload, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and image.shape == (meta.height, meta.width, 3)
        with lock:
            frames.append(meta)

    sub = MqttClient(settings, f"f-{uuid.uuid4().hex[:8]}", on_message=on)
    sub.subscribe(subscription(Channel.FRAME), 0)
    sub.connect()
    monkeypatch.setenv("BK_MQTT__HOST", broker.host)
    monkeypatch.setenv("BK_MQTT__PORT", str(broker.port))
    monkeypatch.delenv("BK_CONFIG", raising=False)
    # 1 fps at speed 2 is 2 frames a wall second: not capped with --frame-rate 2.
    args = ["run", "--kitchens", "2", "--duration", "2.5", "--speed", "2", "--frames"]
    result = CliRunner().invoke(app, [*args, "--frame-rate", "2"])
    assert result.exit_code == 0, result.output
    assert "2 kitchens:" in result.output and "publish errors 0" in result.output
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(frames) < 10:
        time.sleep(0.05)
    sub.close()
    assert len(frames) == 10  # 2 cameras x 1 fps x 5 simulated seconds
    assert sorted(f.seq for f in frames) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert {(f.width, f.height) for f in frames} == {(640, 480)}
    # Faster than the cap (1 frame per wall second by default), frames are spaced out in
    # simulated time: at speed 60, one per camera every 60 simulated seconds.
    fleet = generate_fleet(2, seed=3, start=datetime.now(UTC) - timedelta(days=1))
    assert {c.interval_s for c in FleetRunner(fleet, settings, speed=60, frames=True).cameras} == {
        60.0
    }


def test_sim_fleet_in_several_processes(mosquitto_factory: Callable[..., LocalMosquitto]) -> None:
    broker = mosquitto_factory(persistence=False)
    settings = MqttSettings(host=broker.host, port=broker.port)
    sub = Collector(settings)
    now = datetime.now(UTC)
    fleet = generate_fleet(4, seed=2, start=now - timedelta(days=1), duration=timedelta(hours=1))
    scn = rebase(fleet, wall_s=2.0, speed=30.0, now=now)
    assert [sorted(p.sites) for p in split(scn, 2)] == [
        ["central-0002", "delivery-0003"],
        ["restaurant-0004", "school-0001"],
    ]
    stats = run_fleet(scn, settings, wall_s=2.0, speed=30.0, processes=2)
    assert stats.processes == 2 and stats.sites == 4 and stats.publish_errors == 0
    assert stats.readings == 4 * 10 * 6  # 60 simulated seconds
    assert sub.until(lambda: sum(len(t.readings) for t in sub.telemetry) == stats.readings)
    assert {t.site for t in sub.telemetry} == set(scn.sites)
    sub.client.close()


def test_sim_fleet_close_sends_everything_it_counted(
    mosquitto_factory: Callable[..., LocalMosquitto],
) -> None:
    """A run that ends with paho's queue full (unpaced: far more than its in-flight window
    of 20 handed over at once) still delivers every reading it counted as published: the
    close waits for the broker's acknowledgements before disconnecting."""
    broker = mosquitto_factory(persistence=False)
    settings = MqttSettings(host=broker.host, port=broker.port)
    now = datetime.now(UTC)
    scn = generate_fleet(3, seed=3, start=now - timedelta(days=1), duration=timedelta(minutes=30))
    sub = Collector(settings)
    runner = FleetRunner(scn, settings, speed=float("inf"), step_s=1.0)
    runner.connect()
    try:
        stats = runner.run(1.0)
    finally:
        runner.close()
    assert stats.readings > 2000 and stats.unconfirmed == 0

    def got() -> int:
        return sum(len(t.readings) for t in sub.telemetry)

    sub.until(lambda: got() >= stats.readings, timeout=30)
    sub.client.close()
    assert got() == stats.readings


@pytest.mark.parametrize("processes", [1, 2])
def test_sim_run_stops_on_sigterm_with_its_figures(
    mosquitto_factory: Callable[..., LocalMosquitto], tmp_path: Path, processes: int
) -> None:
    """A SIGTERM mid-run ends `bk sim run` promptly, with a clean offline status per kitchen
    and the figures of what was sent (a supervisor stops the simulator, it does not die);
    with several publisher processes the parent forwards it to each."""
    broker = mosquitto_factory(persistence=False)
    settings = MqttSettings(host=broker.host, port=broker.port)
    sub = Collector(settings)
    env = {**os.environ, "BK_MQTT__HOST": broker.host, "BK_MQTT__PORT": str(broker.port)}
    env.pop("BK_CONFIG", None)
    log = tmp_path / "sim.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "core", "sim", "run", "--kitchens", "2"),
                *("--duration", "600", "--processes", str(processes)),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            assert sub.until(lambda: len(sub.telemetry) >= 2, timeout=60), log.read_text()
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=30)  # a 600 s run stopped: not its natural end
        finally:
            if proc.poll() is None:
                proc.kill()
    text = log.read_text()
    assert rc == 0, text
    assert "2 kitchens:" in text and "publish errors 0" in text, text
    assert f"{processes} process(es)" in text, text
    assert sub.until(
        lambda: (
            {s.site for s in sub.status if s.state is DeviceState.OFFLINE}
            == {t.site for t in sub.telemetry}
            and len({t.site for t in sub.telemetry}) == 2
        )
    ), sub.status
    sub.client.close()
