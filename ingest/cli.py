"""`bk ingest` sub-commands."""

from pathlib import Path
from typing import Annotated

import typer

from core.registry import load_registry
from core.service import run_service
from ingest.settings import IngestSettings

app = typer.Typer(help="Ingest: MQTT to InfluxDB, validated and batched.", no_args_is_help=True)


def _check(settings: IngestSettings) -> None:
    if settings.ingest.registry_file is not None:
        load_registry(settings.ingest.registry_file)  # fail now, with its report


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

    def _instance(settings: IngestSettings) -> IngestSettings:
        if instance is None:
            return settings
        data = settings.model_dump()
        data["ingest"]["instance"] = instance
        return IngestSettings.model_validate(data)

    from ingest.service import IngestService

    run_service(
        config,
        IngestSettings,
        IngestService,
        validate_config=validate_config,
        check=_check,
        adjust=_instance,
    )


def main() -> None:
    app(prog_name="bk ingest")
