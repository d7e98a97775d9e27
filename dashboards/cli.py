"""`bk dashboards` sub-commands: export (files for Grafana provisioning) and push."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import BackendUnavailable, ConfigError

if TYPE_CHECKING:
    from dashboards.export import Inputs

app = typer.Typer(help="Grafana dashboards as code: export and push.", no_args_is_help=True)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RULES = REPO / "deploy" / "rules" / "demo.yaml"
DEFAULT_REGISTRY = REPO / "deploy" / "sites.example.yaml"

RulesOpt = Annotated[
    Path | None,
    typer.Option(help="Rule file whose effective limits become thresholds (default: the demo's)"),
]
RegistryOpt = Annotated[
    Path | None,
    typer.Option(help="Site registry; its kitchen count is the coverage denominator"),
]
ConsoleOpt = Annotated[
    str,
    typer.Option(envvar="BK_CONSOLE_URL", help="Console base URL for alert and kitchen links"),
]
InfluxUrlOpt = Annotated[
    str, typer.Option(help="InfluxDB URL as Grafana reaches it (datasource provisioning)")
]
InfluxDbOpt = Annotated[str, typer.Option(help="InfluxDB database (InfluxQL dbName)")]
PromOpt = Annotated[str, typer.Option(help="Prometheus URL as Grafana reaches it")]


def _inputs(
    rules: Path | None,
    registry: Path | None,
    console_url: str,
    influx_url: str,
    influx_database: str,
    prometheus_url: str,
) -> "Inputs":
    from core.registry import load_registry
    from dashboards.common import Options
    from dashboards.export import Inputs, Sources
    from rules.config import load_rules

    try:
        rs = load_rules(rules or DEFAULT_RULES)
        reg = load_registry(registry or DEFAULT_REGISTRY)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    return Inputs(
        rules=rs,
        options=Options(console_url=console_url, registered_kitchens=len(reg.sites) or None),
        sources=Sources(
            influx_url=influx_url, influx_database=influx_database, prometheus_url=prometheus_url
        ),
    )


@app.command()
def export(
    out: Annotated[Path, typer.Option(help="Output folder")] = REPO / "deploy" / "grafana",
    rules: RulesOpt = None,
    registry: RegistryOpt = None,
    console_url: ConsoleOpt = "http://localhost:8000",
    influx_url: InfluxUrlOpt = "http://127.0.0.1:8086",
    influx_database: InfluxDbOpt = "bright_kitchen",
    prometheus_url: PromOpt = "http://127.0.0.1:9090",
) -> None:
    """Write the dashboards (JSON, sorted keys) and provisioning YAML under OUT."""
    from dashboards.export import render, write

    inputs = _inputs(rules, registry, console_url, influx_url, influx_database, prometheus_url)
    files = render(inputs)
    write(files, out)
    typer.echo(f"wrote {len(files)} files under {out}")


@app.command()
def push(
    url: Annotated[str, typer.Option(envvar="BK_GRAFANA_URL", help="Grafana URL")],
    token: Annotated[
        str, typer.Option(envvar="BK_GRAFANA_TOKEN", help="Service-account token (Editor+)")
    ],
    rules: RulesOpt = None,
    registry: RegistryOpt = None,
    console_url: ConsoleOpt = "http://localhost:8000",
    influx_url: InfluxUrlOpt = "http://127.0.0.1:8086",
    influx_database: InfluxDbOpt = "bright_kitchen",
    prometheus_url: PromOpt = "http://127.0.0.1:9090",
) -> None:
    """Create or update the folder, data sources and dashboards in a running Grafana."""
    from grafana_client.api import GrafanaApi

    from dashboards.common import FOLDER_TITLE, FOLDER_UID
    from dashboards.export import build_all, datasources_v1, to_dict
    from dashboards.push import push as do_push

    inputs = _inputs(rules, registry, console_url, influx_url, influx_database, prometheus_url)
    api = GrafanaApi.from_url(url, credential=token)
    try:
        report = do_push(
            api,
            (FOLDER_UID, FOLDER_TITLE),
            datasources_v1(inputs.sources)["datasources"],
            [to_dict(d) for d in build_all(inputs)],
        )
    except BackendUnavailable as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    for verb, names in (
        ("created", report.created),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
    ):
        for name in names:
            typer.echo(f"{verb}: {name}")
