"""`bk edge` sub-commands: run the agent, or check its config without starting."""

import signal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from core.errors import BkError
from core.logging_setup import setup_logging

app = typer.Typer(
    help="Edge agent: sensors and cameras to MQTT with store-and-forward.", no_args_is_help=True
)


@app.callback()
def _main() -> None:
    """Edge agent commands."""


@app.command()
def run(
    config: Annotated[Path, typer.Option("--config", "-c", help="agent.yaml")],
    validate_config: Annotated[
        bool, typer.Option("--validate-config", help="Check the config (and drivers) and exit")
    ] = False,
) -> None:
    """Run the edge agent until SIGTERM/SIGINT."""
    from edge.agent import EdgeAgent
    from edge.config import load_edge_settings
    from edge.drivers.base import load_camera_driver, load_sensor_driver

    try:
        settings = load_edge_settings(config)
        if validate_config:
            cfg = settings.edge
            for spec in cfg.sensors:
                load_sensor_driver(spec)
            for cam in cfg.cameras:
                load_camera_driver(cam.driver_spec())
            typer.echo(
                f"config OK: site {cfg.site}, device {cfg.device}, "
                f"{len(cfg.sensors)} sensors, {len(cfg.cameras)} cameras"
            )
            return
        setup_logging(settings.log_level, settings.log_json)
        agent = EdgeAgent(settings)
    except BkError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc

    def _stop(signum: int, frame: FrameType | None) -> None:
        agent.request_stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    agent.run_forever()
