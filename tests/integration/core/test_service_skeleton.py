"""The service skeleton (core/service.py) on a real Mosquitto, through a toy service.

The toy `echo` service below is what a new service writes: its settings section, its
figures and its message handler. Everything else (status and Last Will, dead letters,
metrics, --validate-config, SIGTERM) comes from the skeleton, and is checked here. The
file doubles as the toy's command line (`python test_service_skeleton.py run`), so the
SIGTERM test runs it as a real process.
"""

import json
import os
import queue
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import httpx
import paho.mqtt.client as paho
import typer
from pydantic import Field
from typer.testing import CliRunner

from core.ids import Id
from core.mqtt import MqttClient
from core.schemas import DeadLetter, decode
from core.service import Service, payload_of, run_service
from core.service_health import Figures, ServiceStatus
from core.settings import MqttSettings, ServiceSection, Settings
from core.topics import dead_letter_topic, service_status_topic
from devtools.servers import free_port

ROOT = Path(__file__).resolve().parents[3]


class EchoSection(ServiceSection):
    instance: Id = Field(default="e0", description="Instance id")
    topic: str = Field(default="bktest/echo", description="Where the input comes")


class EchoSettings(Settings):
    echo: EchoSection = Field(default_factory=EchoSection)


class EchoService(Service):
    """Counts JSON objects; anything else is a dead letter."""

    name = "echo"

    def __init__(self, settings: EchoSettings) -> None:
        self.cfg = settings.echo
        self.echoed = 0
        super().__init__(settings, settings.echo, settings.echo.instance, persistent=False)

    def figures(self) -> Figures:
        return {
            "echoed": self.echoed,
            "rejected": dict(self.dead_letters.rejected),
            "dead_letters": self.dead_letters.sent,
        }

    def _prepare(self) -> None:
        self.mqtt.subscribe(f"{self.cfg.topic}/{self.instance}", qos=1)

    def _on_message(self, msg: paho.MQTTMessage) -> None:
        topic, payload = payload_of(msg)
        try:
            ok = isinstance(json.loads(payload), dict)
        except ValueError:
            ok = False
        if ok:
            self.echoed += 1
        else:
            self.reject(topic, payload, "bad_json", "not a JSON object")


app = typer.Typer()


@app.command()
def run(
    config: Annotated[Path | None, typer.Option("--config")] = None,
    validate_config: Annotated[bool, typer.Option("--validate-config")] = False,
) -> None:
    run_service(config, EchoSettings, EchoService, validate_config=validate_config)


@app.callback()
def _group() -> None:
    """The toy service."""


# -- helpers ------------------------------------------------------------------------------


def _wait(cond: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


class _Inbox:
    """Everything that arrives on some topics, decoded as JSON."""

    def __init__(self, mqtt_settings: MqttSettings, *filters: str) -> None:
        self.q: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.client = MqttClient(
            mqtt_settings,
            persistent=False,
            on_message=lambda m: self.q.put((m.topic, bytes(m.payload))),
        )
        self.client.connect(10)
        for f in filters:
            self.client.subscribe(f, qos=1)
        time.sleep(0.3)

    def until(self, pred: Callable[[str, bytes], bool], timeout: float) -> tuple[str, bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                topic, payload = self.q.get(timeout=0.2)
            except queue.Empty:
                continue
            if pred(topic, payload):
                return topic, payload
        raise AssertionError("nothing matching arrived")


def _state(payload: bytes) -> str:
    return str(json.loads(payload).get("state"))


# -- tests --------------------------------------------------------------------------------


def test_dead_letters_counted_published_and_shown_in_metrics_and_status(
    mqtt_settings: MqttSettings, site_id: str, scrape: Callable[[int], dict[str, float]]
) -> None:
    instance = f"e{site_id}"[:40]
    service = EchoService(
        EchoSettings(
            mqtt=mqtt_settings,
            echo=EchoSection(instance=instance, metrics_port=free_port(), status_interval_s=0.3),
        )
    )
    inbox = _Inbox(mqtt_settings, dead_letter_topic("echo"), service_status_topic("echo", instance))
    sender = MqttClient(mqtt_settings, persistent=False)
    try:
        service.start()
        sender.connect(10)
        for payload in (b'{"a": 1}', b"not json", b'{"b": 2}', b"[1, 2]"):
            sender.publish(f"bktest/echo/{instance}", payload, qos=1)

        letters = []
        for _ in range(2):
            _topic, raw = inbox.until(lambda t, _p: t == dead_letter_topic("echo"), 20)
            letters.append(decode(DeadLetter, raw))
        assert {(d.service, d.reason, d.payload_size) for d in letters} == {
            ("echo", "bad_json", 8),
            ("echo", "bad_json", 6),
        }
        assert all(d.topic == f"bktest/echo/{instance}" for d in letters)

        port = service.metrics_port
        assert port is not None
        assert _wait(lambda: scrape(port).get("bk_echo_echoed_total") == 2, 20)
        metrics = scrape(port)
        assert metrics["bk_echo_rejected_total{kind=bad_json}"] == 2
        assert metrics["bk_echo_dead_letters_total"] == 2
        assert metrics["bk_echo_mqtt_connected"] == 1

        def status_has_counts(topic: str, payload: bytes) -> bool:
            if topic != service.status_topic:
                return False
            status = ServiceStatus.model_validate_json(payload)
            return status.state == "online" and status.counters.get("echoed") == 2

        _topic, raw = inbox.until(status_has_counts, 20)
        status = ServiceStatus.model_validate_json(raw)
        assert status.counters["rejected"] == {"bad_json": 2}
        assert status.counters["dead_letters"] == 2
    finally:
        sender.close()
        service.stop()
        inbox.client.close()
    try:
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
    except httpx.TransportError:
        pass
    else:
        raise AssertionError("the metrics endpoint outlived the service")


def _start(mqtt_settings: MqttSettings, instance: str, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BK_")}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "BK_MQTT__HOST": mqtt_settings.host,
            "BK_MQTT__PORT": str(mqtt_settings.port),
            "BK_ECHO__INSTANCE": instance,
            "BK_ECHO__STATUS_INTERVAL_S": "0.3",
        }
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, __file__, "run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_sigterm_gives_a_final_offline_status_and_exit_0(
    mqtt_settings: MqttSettings, site_id: str, tmp_path: Path
) -> None:
    instance = f"t{site_id}"[:40]
    status_topic = service_status_topic("echo", instance)
    inbox = _Inbox(mqtt_settings, status_topic)
    sender = MqttClient(mqtt_settings, persistent=False)
    log = tmp_path / "echo.log"
    proc = _start(mqtt_settings, instance, log)
    try:
        inbox.until(lambda _t, p: _state(p) == "online", 30)
        sender.connect(10)
        sender.publish(f"bktest/echo/{instance}", b'{"x": 1}', qos=1).wait_for_publish(5)
        inbox.until(lambda _t, p: json.loads(p).get("counters", {}).get("echoed") == 1, 20)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()
        _t, final = inbox.until(lambda _t, p: _state(p) == "offline", 10)
        report = ServiceStatus.model_validate_json(final)
        assert report.counters["echoed"] == 1  # the final status, not the bare Last Will
    finally:
        if proc.poll() is None:
            proc.kill()
        sender.close()
        inbox.client.close()
    # Retained: a newcomer reads offline too.
    late = _Inbox(mqtt_settings, status_topic)
    try:
        late.until(lambda _t, p: _state(p) == "offline", 10)
    finally:
        late.client.close()


def test_a_killed_service_is_declared_offline_by_its_last_will(
    mqtt_settings: MqttSettings, site_id: str, tmp_path: Path
) -> None:
    instance = f"k{site_id}"[:40]
    inbox = _Inbox(mqtt_settings, service_status_topic("echo", instance))
    proc = _start(mqtt_settings, instance, tmp_path / "echo.log")
    try:
        inbox.until(lambda _t, p: _state(p) == "online", 30)
        proc.kill()
        proc.wait(10)
        _t, will = inbox.until(lambda _t, p: _state(p) == "offline", 60)
        assert json.loads(will) == {
            "v": 1,
            "service": "echo",
            "instance": instance,
            "state": "offline",
        }
    finally:
        if proc.poll() is None:
            proc.kill()
        inbox.client.close()


def test_validate_config_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    good = tmp_path / "good.yaml"
    good.write_text("echo:\n  instance: e7\n  metrics_port: 9999\nmqtt:\n  password: hush\n")
    result = runner.invoke(app, ["run", "--config", str(good), "--validate-config"])
    assert result.exit_code == 0, result.output
    assert "configuration OK" in result.output and '"instance": "e7"' in result.output
    assert "hush" not in result.output
    for text, field in [
        ("echo:\n  status_interval_s: 0\n", "echo.status_interval_s"),
        ("echo:\n  metrcs_port: 1\n", "echo.metrcs_port"),
        ("echo: [unclosed\n", "not valid YAML"),
    ]:
        bad = tmp_path / "bad.yaml"
        bad.write_text(text)
        result = runner.invoke(app, ["run", "--config", str(bad), "--validate-config"])
        assert result.exit_code == 2, result.output
        assert field in result.output
    result = runner.invoke(app, ["run", "--config", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2 and "cannot read settings file" in result.output


if __name__ == "__main__":
    app()
