"""`bk ingest` sub-commands."""

import typer

app = typer.Typer(help="Ingest: MQTT to InfluxDB, validated and batched.", no_args_is_help=True)
