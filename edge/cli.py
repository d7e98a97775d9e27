"""`bk edge` sub-commands."""

import typer

app = typer.Typer(
    help="Edge agent: sensors and cameras to MQTT with store-and-forward.", no_args_is_help=True
)
