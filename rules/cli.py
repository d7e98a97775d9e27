"""`bk rules` sub-commands: check, run, ack, resolve, export."""

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import ConfigError

if TYPE_CHECKING:
    from rules.store import AlertStore

app = typer.Typer(help="Rules engine: alerts, escalation and notifications.", no_args_is_help=True)


@app.command()
def check(file: Annotated[Path, typer.Argument(help="Rule file (YAML)")]) -> None:
    """Validate a rule file and explain each rule in words."""
    from rules.config import explain, load_rules

    try:
        rs = load_rules(file)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{file}: OK, {len(rs.rules)} rules (packs: {', '.join(rs.packs) or 'none'})")
    for line in explain(rs):
        typer.echo(f"  {line}")


@app.command()
def run(
    config: Annotated[Path | None, typer.Option(help="Settings YAML (else BK_CONFIG)")] = None,
    validate_config: Annotated[
        bool, typer.Option(help="Check settings and rules, then exit")
    ] = False,
) -> None:
    """Run the rules service on the MQTT stream."""
    from core.logging_setup import setup_logging
    from core.settings import load_settings
    from rules.config import load_packs, load_rules
    from rules.service import RulesService, RulesSettings

    try:
        settings = load_settings(config, cls=RulesSettings)
        cfg = settings.rules
        rs = load_rules(cfg.rule_file) if cfg.rule_file else load_packs(*cfg.packs)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    if validate_config:
        typer.echo(f"settings and {len(rs.rules)} rules OK")
        return
    setup_logging(settings.log_level, settings.log_json)
    RulesService(settings, rs).run_forever()


def _store(url: str) -> "AlertStore":
    from rules.store import AlertStore

    return AlertStore(url)


@app.command()
def ack(
    alert: Annotated[str, typer.Argument(help="Alert id or fingerprint")],
    by: Annotated[str, typer.Option(help="Who acknowledges")],
    comment: Annotated[str, typer.Option(help="What is being done")] = "",
    store: Annotated[str, typer.Option(help="Alert store URL")] = "sqlite:///var/rules/alerts.db",
) -> None:
    """Acknowledge an alert (the running service applies it within a tick)."""
    _store(store).request(alert, "ack", by, comment or None, datetime.now(UTC))
    typer.echo(f"acknowledgement of {alert} queued")


@app.command()
def resolve(
    alert: Annotated[str, typer.Argument(help="Alert id or fingerprint")],
    by: Annotated[str, typer.Option(help="Who verified the correction")],
    comment: Annotated[str, typer.Option(help="Corrective action taken")],
    store: Annotated[str, typer.Option(help="Alert store URL")] = "sqlite:///var/rules/alerts.db",
) -> None:
    """Resolve an alert with the corrective action taken."""
    _store(store).request(alert, "resolve", by, comment, datetime.now(UTC))
    typer.echo(f"resolution of {alert} queued")


@app.command()
def export(
    site: Annotated[str, typer.Argument(help="Kitchen id")],
    month: Annotated[str, typer.Argument(help="YYYY-MM")],
    out: Annotated[Path | None, typer.Option(help="CSV file (stdout if absent)")] = None,
    store: Annotated[str, typer.Option(help="Alert store URL")] = "sqlite:///var/rules/alerts.db",
    timezone: Annotated[
        str, typer.Option(help="Kitchen's IANA zone: the month and the times are local")
    ] = "Asia/Shanghai",
) -> None:
    """HACCP-style record of one kitchen and month, as CSV."""
    from zoneinfo import ZoneInfoNotFoundError

    try:
        year, mon = (int(x) for x in month.split("-"))
        if not 1 <= mon <= 12:
            raise ValueError(month)
    except ValueError as exc:
        typer.echo(f"month must be YYYY-MM, got {month!r}", err=True)
        raise typer.Exit(2) from exc
    try:
        text = _store(store).haccp_csv(site, year, mon, timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        typer.echo(f"unknown time zone {timezone!r}", err=True)
        raise typer.Exit(2) from exc
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")
