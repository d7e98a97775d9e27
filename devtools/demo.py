"""`bk demo`: the whole platform on this machine, with simulated kitchens.

Starts the project's own Mosquitto and InfluxDB on free loopback ports, then the
centre's services (`bk ingest run`, `bk rules run`, `bk vision run`) and a simulated
fleet (`bk sim run`) as subprocesses, shows progress from InfluxDB while it runs, and
stops everything it started. Services are started as commands, never imported:
`core` imports no part.
"""

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import paho.mqtt.client as mqtt
import typer

from core.errors import BkError
from core.logging_setup import setup_logging
from core.mqtt import MqttClient
from core.settings import InfluxSettings, MqttSettings
from core.store import open_store
from core.topics import service_status_subscription
from devtools.servers import LocalInfluxDB, LocalMosquitto

logger = logging.getLogger(__name__)

app = typer.Typer(help="Run the whole platform on this machine with simulated kitchens.")

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = ROOT / "simulators" / "scenarios" / "demo.yaml"
DEFAULT_RULES = ROOT / "deploy" / "rules" / "demo.yaml"


def _bk() -> list[str]:
    exe = shutil.which("bk") or str(Path(sys.executable).with_name("bk"))
    return [exe]


def _count(store_settings: InfluxSettings, query: str) -> int:
    try:
        with open_store(store_settings) as store:
            rows = store.query(query)
    except BkError:
        return -1
    return int(rows[0].get("count", 0)) if rows else 0


def _alerts_by_rule(store_settings: InfluxSettings) -> dict[str, int]:
    try:
        with open_store(store_settings) as store:
            rows = store.query(
                "SELECT count(summary) FROM alert WHERE state = 'firing' GROUP BY site, rule"
            )
    except BkError:
        return {}
    return {f"{r.get('site')}/{r.get('rule')}": int(r.get("count", 0)) for r in rows}


def _wait_online(port: int, services: set[str], timeout_s: float) -> set[str]:
    """Wait until each service says online on its status topic; return those that did not.

    The fleet used to start after a fixed 2 s: on a busy machine the vision worker was
    still loading its model, missed the first frames (QoS 0, nobody subscribed) and the
    night's first rodent alerts came a simulated minute later than in a quiet run.
    """
    online: set[str] = set()
    lock = threading.Lock()

    def on_message(msg: mqtt.MQTTMessage) -> None:
        try:
            state = json.loads(bytes(msg.payload)).get("state")
            service = msg.topic.split("/")[3]
        except (ValueError, AttributeError, IndexError):
            return
        if state == "online":
            with lock:
                online.add(service)

    client = MqttClient(
        MqttSettings(host="127.0.0.1", port=port), persistent=False, on_message=on_message
    )
    client.subscribe(service_status_subscription(), qos=1)
    client.connect(timeout=10)
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with lock:
                if services <= online:
                    break
            time.sleep(0.2)
    finally:
        client.close()
    time.sleep(0.5)  # a service says online just before its last subscriptions go out
    with lock:
        return services - online


def _keep_previous(workdir: Path) -> None:
    """Start from nothing, keeping the last run beside it (`<workdir>.previous`).

    A run on another day plays its simulated day on another date; a rules store or broker
    session left by an earlier run belongs to that other timeline (its open alerts, its
    clock) and made the new run's alerts wrong.
    """
    if not workdir.exists():
        return
    previous = workdir.with_name(workdir.name + ".previous")
    if previous.exists():
        shutil.rmtree(previous)
    workdir.rename(previous)
    typer.echo(f"the previous run's data is now in {previous}")


@app.callback(invoke_without_command=True)
def demo(
    duration: Annotated[float, typer.Option(help="Wall seconds to run; 0 runs until Ctrl-C")] = 180,
    speed: Annotated[float, typer.Option(help="Simulated seconds per wall second")] = 60,
    scenario: Annotated[Path, typer.Option(help="Fleet scenario (YAML)")] = DEFAULT_SCENARIO,
    workdir: Annotated[Path, typer.Option(help="Where servers and services keep data")] = Path(
        "var/demo"
    ),
    services: Annotated[
        str, typer.Option(help="Comma-separated services to start with `bk NAME run`")
    ] = "ingest,rules,vision",
    frames: Annotated[bool, typer.Option(help="Simulated cameras publish frames")] = True,
    rules: Annotated[Path, typer.Option(help="Rule file for `bk rules run`")] = DEFAULT_RULES,
    start: Annotated[
        str,
        typer.Option(
            help="模拟开始 / simulated start (`bk sim run --start`): local HH:MM on the latest "
            "day whose whole run is past, so every run tells the same story; a date or "
            "ISO date-time; or `now`"
        ),
    ] = "00:00",
) -> None:
    """Start broker, store, services and a simulated fleet; report what reached the store."""
    setup_logging()
    workdir = workdir.resolve()
    _keep_previous(workdir)
    broker = LocalMosquitto(workdir / "mosquitto")
    store = LocalInfluxDB(workdir / "influxdb")
    broker.start()
    store.start()
    store.create_database("bright_kitchen")
    store_settings = InfluxSettings(url=store.url, database="bright_kitchen")
    env = dict(
        os.environ,
        BK_MQTT__HOST="127.0.0.1",
        BK_MQTT__PORT=str(broker.port),
        BK_INFLUX__URL=store.url,
        BK_INFLUX__DATABASE="bright_kitchen",
        BK_DATA_DIR=str(workdir / "data"),
        BK_RULES__RULE_FILE=str(rules.resolve()),
        BK_RULES__STORE_URL=f"sqlite:///{workdir / 'alerts.db'}",
    )
    typer.echo(
        f"broker  mqtt://127.0.0.1:{broker.port}   "
        f"(watch alerts: mosquitto_sub -p {broker.port} -t 'bk/v1/+/alerts' -v)"
    )
    typer.echo(f"store   {store.url}  database bright_kitchen")
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    def spawn(name: str, cmd: list[str]) -> None:
        log = (logs / f"{name}.log").open("ab")
        procs[name] = subprocess.Popen(
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir
        )
        log.close()
        typer.echo(f"started {name}: {' '.join(cmd)}  (log: {logs / (name + '.log')})")

    names = [s.strip() for s in services.split(",") if s.strip()]
    for name in names:
        spawn(name, [*_bk(), name, "run"])
    late = _wait_online(broker.port, set(names), timeout_s=90)
    if late:
        typer.echo(f"not online after 90 s: {', '.join(sorted(late))}; starting the fleet anyway")
    sim_cmd = [*_bk(), "sim", "run", str(scenario.resolve()), "--speed", str(speed)]
    sim_cmd += ["--duration", str(duration if duration > 0 else 10**7), "--start", start]
    sim_cmd += ["--frames"] if frames else ["--no-frames"]
    spawn("sim", sim_cmd)

    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    started = time.monotonic()
    try:
        while not stopping:
            time.sleep(10)
            elapsed = time.monotonic() - started
            readings = _count(store_settings, "SELECT count(value) FROM reading")
            alerts = _count(store_settings, "SELECT count(summary) FROM alert")
            detections = _count(store_settings, "SELECT count(score) FROM detection")
            typer.echo(
                f"[{elapsed:5.0f} s] stored: {readings} readings, {detections} detections, "
                f"{alerts} alert events"
            )
            for name, p in procs.items():
                if name != "sim" and p.poll() is not None:
                    typer.echo(f"service {name} exited with {p.returncode}; see {logs / name}.log")
            if procs["sim"].poll() is not None:
                break
            if duration > 0 and elapsed > duration + 15:
                break
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        readings = _count(store_settings, "SELECT count(value) FROM reading")
        detections = _count(store_settings, "SELECT count(score) FROM detection")
        typer.echo(f"stored in the end: {readings} readings, {detections} detections")
        by_rule = _alerts_by_rule(store_settings)
        typer.echo("alerts fired (site/rule: count):")
        for key, n in sorted(by_rule.items()):
            typer.echo(f"  {key}: {n}")
        if not by_rule:
            typer.echo("  none")
        store.stop()
        broker.stop()
        typer.echo(f"demo stopped; logs and data under {workdir}")
