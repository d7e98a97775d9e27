"""`bk rules` sub-commands."""

import typer

app = typer.Typer(help="Rules engine: alerts, escalation and notifications.", no_args_is_help=True)
