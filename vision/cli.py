"""`bk vision` sub-commands."""

import typer

app = typer.Typer(
    help="Vision: hygiene-violation detector, training and worker.", no_args_is_help=True
)
