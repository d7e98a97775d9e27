"""`bk sim` sub-commands."""

import typer

app = typer.Typer(help="Simulators: kitchen physics, camera scenes, fleets.", no_args_is_help=True)
