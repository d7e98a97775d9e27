"""`bk api` sub-commands."""

import typer

app = typer.Typer(help="Control plane API and web console.", no_args_is_help=True)
