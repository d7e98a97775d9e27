"""`bk edge …`: the edge agent's one command line, reached through `bk`.

The command line itself is defined once, in `edge/__main__.py` (`python -m edge`,
argparse, no Typer: a kitchen box runs the agent for months and should not carry `bk`'s
help machinery). `bk edge` forwards its arguments there unchanged; `bk edge run`
replaces this process with `python -m edge run …` (same PID, options, signals and exit
codes), leaving behind the ~8 MB of RSS that `bk` loaded to build its own help
(bench/edge_agent.py measures both ways).
"""

import os
import sys

import typer

from edge.__main__ import main as edge_main

app = typer.Typer(
    help="Edge agent: sensors and cameras to MQTT with store-and-forward "
    "(the same command line as `python -m edge`).",
    no_args_is_help=True,
)

_FORWARD = {"allow_extra_args": True, "ignore_unknown_options": True}


@app.callback()
def _main() -> None:
    """Edge agent commands."""


@app.command(context_settings=_FORWARD, add_help_option=False)
def run(ctx: typer.Context) -> None:
    """Run the agent until SIGTERM/SIGINT, or check its config (`bk edge run --help`)."""
    args = ["run", *ctx.args]
    if "--validate-config" not in args and not {"-h", "--help"} & set(args) and sys.executable:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, "-m", "edge", *args])  # noqa: S606
    raise typer.Exit(edge_main(args))
