"""`bk report daily`: the 日报 written to a file or stdout, for a scheduled job.

The same report as `GET /reports/daily` (api/routers/reports.py) for every kitchen of
the registry, narrowed to a district or a grid; read straight from the centre's
database, the alert store and InfluxDB named in the settings (no account needed: who
may run the command may read the databases anyway). Sending it through the
notification channels is not offered yet: the channels carry alert notices only.
"""

import logging
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import typer

from core.errors import ConfigError

logger = logging.getLogger(__name__)

app = typer.Typer(help="Reports: the daily report (日报).", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Reports (a group even with one command)."""


@app.command()
def daily(
    day: Annotated[
        str | None, typer.Option("--date", help="Local day YYYY-MM-DD (default: yesterday)")
    ] = None,
    district: Annotated[str | None, typer.Option(help="Only this district")] = None,
    grid: Annotated[str | None, typer.Option(help="Only this grid")] = None,
    fmt: Annotated[
        Literal["json", "csv", "pdf"], typer.Option("--format", help="json, csv or pdf")
    ] = "json",
    lang: Annotated[Literal["zh-CN", "en"], typer.Option(help="Language")] = "zh-CN",
    out: Annotated[Path | None, typer.Option(help="Write here (default: stdout)")] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Settings YAML (else BK_CONFIG)")
    ] = None,
) -> None:
    """Write the daily report of every kitchen (of a district or a grid) for one day."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from api.app import close_resources, open_resources
    from api.models import Kitchen
    from api.recordings import RecordingReader
    from api.reports import daily_csv, daily_pdf
    from api.routers.reports import DEFAULT_ZONE, daily_report
    from api.settings import ApiSettings
    from core.settings import load_settings

    try:
        settings = load_settings(config, cls=ApiSettings)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    try:
        when = (
            date.fromisoformat(day)
            if day
            else datetime.now(ZoneInfo(DEFAULT_ZONE)).date() - timedelta(days=1)
        )
    except ValueError as exc:
        typer.echo(f"--date: {exc}", err=True)
        raise typer.Exit(2) from exc
    res = open_resources(settings)
    reader = RecordingReader(settings.api.recordings)
    try:
        with Session(res.engine) as session:
            q = select(Kitchen.id)
            if district is not None:
                q = q.where(Kitchen.district_id == district)
            if grid is not None:
                q = q.where(Kitchen.grid_id == grid)
            report = daily_report(
                session, res, set(session.scalars(q)), when, district, grid, reader
            )
    finally:
        reader.close()
        close_resources(res)
    if fmt == "json":
        data = report.model_dump_json(indent=2).encode("utf-8")
    elif fmt == "csv":
        data = daily_csv(report, lang).encode("utf-8")
    else:
        data = daily_pdf(report, lang)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        out.write_bytes(data)
        typer.echo(f"{out}: {report.kitchens} kitchens, {len(report.not_reporting)} not reporting")
