"""`bk dashboards` sub-commands."""

import typer

app = typer.Typer(help="Grafana dashboards as code: export and push.", no_args_is_help=True)
