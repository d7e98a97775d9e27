"""`bk demo`: start the project's own broker and store on loopback and run every service.

The demo starts services as `bk ...` subprocesses (never imports them: `core` imports
no part) and stops everything it started when interrupted or when `--duration` ends.
"""

import logging
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from core.logging_setup import setup_logging
from core.servers import LocalInfluxDB, LocalMosquitto

logger = logging.getLogger(__name__)

app = typer.Typer(help="Run the whole platform on this machine with simulated kitchens.")


def _bk() -> list[str]:
    exe = shutil.which("bk")
    return [exe] if exe else [sys.executable, "-m", "core"]


@app.callback(invoke_without_command=True)
def demo(
    duration: Annotated[float, typer.Option(help="Seconds to run; 0 runs until Ctrl-C")] = 0,
    workdir: Annotated[Path, typer.Option(help="Where servers keep data and logs")] = Path(
        "var/demo"
    ),
    services: Annotated[
        str, typer.Option(help="Comma-separated `bk` sub-commands to start, each with `run`")
    ] = "",
) -> None:
    """Start Mosquitto and InfluxDB, then the listed services, and keep them running."""
    setup_logging()
    broker = LocalMosquitto(workdir / "mosquitto")
    store = LocalInfluxDB(workdir / "influxdb")
    broker.start()
    store.start()
    store.create_database("bright_kitchen")
    env = {
        "BK_MQTT__HOST": "127.0.0.1",
        "BK_MQTT__PORT": str(broker.port),
        "BK_INFLUX__URL": store.url,
        "BK_INFLUX__DATABASE": "bright_kitchen",
    }
    logger.info("broker on 127.0.0.1:%s, InfluxDB on %s", broker.port, store.url)
    procs: list[subprocess.Popen[bytes]] = []
    import os

    child_env = dict(os.environ, **env)
    for name in [s.strip() for s in services.split(",") if s.strip()]:
        cmd = [*_bk(), name, "run"]
        logger.info("starting %s", " ".join(cmd))
        procs.append(subprocess.Popen(cmd, env=child_env))
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    try:
        started = time.monotonic()
        while not stop and (duration <= 0 or time.monotonic() - started < duration):
            for p in procs:
                if p.poll() is not None:
                    logger.error("service %s exited with %s", p.args, p.returncode)
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        store.stop()
        broker.stop()
        logger.info("demo stopped")
