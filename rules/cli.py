"""`bk rules` sub-commands: check, run, ack, resolve, list, export."""

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


StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="Alert store URL (default: rules.store_url of the settings)"),
]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="Settings YAML (else BK_CONFIG)")
]


def _store(url: str | None, config: Path | None = None) -> "AlertStore":
    """The alert store the running workers use: --store, else the settings tree's URL.

    A SQLite file that does not exist is an error, not a fresh empty store: a typo in
    the path must not make an acknowledgement vanish into a new database.
    """
    from core.settings import load_settings
    from rules.service import RulesSettings
    from rules.store import AlertStore

    if url is None:
        try:
            url = load_settings(config, cls=RulesSettings).rules.store_url
        except ConfigError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            typer.echo(f"no alert store at {path} (set rules.store_url or --store)", err=True)
            raise typer.Exit(2)
    return AlertStore(url)


def _known(store: "AlertStore", ref: str) -> tuple[str, str, str]:
    """(id, site/rule/subject, state) of the alert `ref` names, or exit 2 if none does."""
    from sqlalchemy import or_, select
    from sqlalchemy.orm import Session

    from rules.store import AlertRow

    with Session(store.engine) as s:
        row = s.scalars(
            select(AlertRow)
            .where(or_(AlertRow.id == ref, AlertRow.fingerprint == ref))
            .order_by(AlertRow.started_at.desc())
        ).first()
        if row is None:
            typer.echo(f"no alert with id or fingerprint {ref!r}", err=True)
            raise typer.Exit(2)
        return row.id, f"{row.site} {row.rule} {row.subject}", row.state


def _request(
    alert: str, action: str, by: str, comment: str | None, store: str | None, config: Path | None
) -> str:
    db = _store(store, config)
    try:
        alert_id, what, state = _known(db, alert)
        if state == "resolved":
            typer.echo(f"alert {alert_id} ({what}) is already resolved", err=True)
            raise typer.Exit(2)
        try:
            db.request(alert_id, action, by, comment, datetime.now(UTC))
        except ValueError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
    finally:
        db.close()
    return f"{alert_id} ({what})"


@app.command()
def ack(
    alert: Annotated[str, typer.Argument(help="Alert id or fingerprint")],
    by: Annotated[str, typer.Option(help="Who acknowledges")],
    comment: Annotated[str, typer.Option(help="What is being done")] = "",
    store: StoreOption = None,
    config: ConfigOption = None,
) -> None:
    """Acknowledge an alert (the worker that owns it applies it within a tick)."""
    what = _request(alert, "ack", by, comment or None, store, config)
    typer.echo(f"acknowledgement of {what} queued")


@app.command()
def resolve(
    alert: Annotated[str, typer.Argument(help="Alert id or fingerprint")],
    by: Annotated[str, typer.Option(help="Who verified the correction")],
    comment: Annotated[str, typer.Option(help="Corrective action taken")],
    store: StoreOption = None,
    config: ConfigOption = None,
) -> None:
    """Resolve an alert with the corrective action taken."""
    what = _request(alert, "resolve", by, comment, store, config)
    typer.echo(f"resolution of {what} queued")


@app.command("list")
def list_alerts(
    site: Annotated[str | None, typer.Option(help="Only this kitchen")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Resolved ones too")] = False,
    store: StoreOption = None,
    config: ConfigOption = None,
) -> None:
    """Open alerts (firing or acknowledged), oldest first: id, since, state, kitchen, rule."""
    db = _store(store, config)
    try:
        rows = [r for r in db.alerts(site) if all_ or r.state != "resolved"]
    finally:
        db.close()
    if not rows:
        typer.echo("no open alerts" if not all_ else "no alerts")
        return
    for r in rows:
        since = r.started_at.strftime("%Y-%m-%d %H:%M:%SZ")
        typer.echo(
            f"{r.id}  {since}  {r.state:<12} {r.severity:<8} {r.site}  {r.rule}  {r.subject}"
        )


@app.command()
def export(
    site: Annotated[str, typer.Argument(help="Kitchen id")],
    month: Annotated[str, typer.Argument(help="YYYY-MM")],
    out: Annotated[Path | None, typer.Option(help="CSV file (stdout if absent)")] = None,
    store: StoreOption = None,
    config: ConfigOption = None,
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
        text = _store(store, config).haccp_csv(site, year, mon, timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        typer.echo(f"unknown time zone {timezone!r}", err=True)
        raise typer.Exit(2) from exc
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")
