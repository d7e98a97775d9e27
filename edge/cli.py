"""`bk edge` sub-commands: run the agent, or check its config without starting."""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from core.errors import BkError
from edge import runner

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
    """Run the edge agent until SIGTERM/SIGINT.

    The agent replaces this process with the lean entry point `python -m edge run`
    (same PID, options, signals and exit codes): `bk` has loaded Typer and every part's
    command line by now, about 8 MB of RSS the agent would carry for its whole life on
    a small box (bench/edge_agent.py measures both ways).
    """
    try:
        if validate_config:
            typer.echo(runner.validate(config))
            return
        if sys.executable:
            sys.stdout.flush()
            sys.stderr.flush()
            argv = [sys.executable, "-m", "edge", "run", "--config", str(config)]
            os.execv(sys.executable, argv)  # noqa: S606 (our interpreter, no shell)
        runner.run(config)
    except BkError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
