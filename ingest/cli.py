"""`bk ingest` sub-commands."""

import logging
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from core.errors import BkError, ConfigError
from core.logging_setup import setup_logging
from core.registry import load_registry
from core.settings import load_settings
from ingest.settings import IngestSettings

app = typer.Typer(help="Ingest: MQTT to InfluxDB, validated and batched.", no_args_is_help=True)
logger = logging.getLogger(__name__)


def _load(config: Path | None) -> IngestSettings:
    settings = load_settings(config, cls=IngestSettings)
    if settings.ingest.registry_file is not None:
        load_registry(settings.ingest.registry_file)  # fail now, with its report
    return settings


@app.callback()
def _group() -> None:
    """Ingest: MQTT to InfluxDB, validated and batched."""


@app.command()
def run(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Settings YAML (or BK_CONFIG)")
    ] = None,
    validate_config: Annotated[
        bool, typer.Option("--validate-config", help="Check the settings, print them and exit")
    ] = False,
    instance: Annotated[
        str | None, typer.Option(help="Instance id (overrides ingest.instance)")
    ] = None,
) -> None:
    """Run one ingest worker: shared subscription → validation → batched writes."""
    try:
        settings = _load(config)
        if instance is not None:
            data = settings.model_dump()
            data["ingest"]["instance"] = instance
            settings = IngestSettings.model_validate(data)
    except (ConfigError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    if validate_config:
        typer.echo("configuration OK")
        typer.echo(settings.model_dump_json(indent=2, exclude={"mqtt": {"password"}}))
        return
    setup_logging(settings.log_level, settings.log_json)
    from ingest.service import IngestService

    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        logger.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        IngestService(settings).run_until(stop)
    except BkError as exc:
        logger.error("ingest cannot run: %s", exc)
        raise typer.Exit(1) from exc


def main() -> None:
    app(prog_name="bk ingest")
