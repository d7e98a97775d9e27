"""Downloads for supervisors and inspectors: the daily report (日报) and the HACCP record.

`GET /reports/daily` covers the kitchens the caller may see (the scope filter of
api/scoping.py, narrowed to a district or a grid), each over its own local day; as JSON,
CSV (UTF-8 with a byte-order mark, for Excel) or PDF (Chinese in the STSong-Light CID
font). `GET /kitchens/{site}/haccp` is the alert store's HACCP record of one kitchen and
local month with each alert's rectification steps and its reviewer. Content and
rendering: api/reports.py; figures and online time: api/routers/figures.py.
"""

import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import CallerDep, ResourcesDep, SessionDep
from api.models import Device, Grid, Kitchen
from api.recordings import RecordingReader
from api.reports import (
    DailyReport,
    DeviceLine,
    KitchenDay,
    OverdueLine,
    build_daily,
    daily_csv,
    daily_pdf,
    haccp_csv,
)
from api.resources import Resources
from api.routers.figures import (
    ReaderDep,
    cases,
    kitchen_infos,
    recorded_seconds,
    score,
    statuses,
)
from api.scoping import Access, rule
from rules.alerts import WF_CLOSED
from rules.store import WorkflowRow

logger = logging.getLogger(__name__)
router = APIRouter(tags=["reports"])

Format = Literal["json", "csv", "pdf"]
Lang = Annotated[Literal["zh-CN", "en"], Query(description="Language of the download")]
DEFAULT_ZONE = "Asia/Shanghai"
OFFLINE_MIN_S = 60.0
"""A device offline less than this in the day's working hours is not listed."""

_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {}, "application/pdf": {}},
        "description": "JSON, or the CSV / PDF download with format=csv|pdf",
    }
}


def _day_window(day: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    lo = datetime.combine(day, time(0), zone)
    hi = datetime.combine(day + timedelta(days=1), time(0), zone)
    return lo.astimezone(UTC), hi.astimezone(UTC)


def _tasks(res: Resources, sites: set[str], end: datetime) -> dict[str, list[WorkflowRow]]:
    """Rectification tasks opened before `end`, per kitchen."""
    if not sites:
        return {}
    with Session(res.alerts_engine) as s:
        rows = s.scalars(
            select(WorkflowRow).where(WorkflowRow.site.in_(sites), WorkflowRow.opened_at < end)
        ).all()
        s.expunge_all()
    out: dict[str, list[WorkflowRow]] = {}
    for w in rows:
        out.setdefault(w.site, []).append(w)
    return out


def _open_at(w: WorkflowRow, end: datetime) -> bool:
    """Whether a task was still open at `end` (its closing came later, if at all)."""
    if w.state == "false_positive":
        return False
    if w.closed_at is not None:
        return w.closed_at >= end
    return w.state not in WF_CLOSED


def daily_report(
    session: Session,
    res: Resources,
    sites: set[str],
    day: date,
    district: str | None,
    grid: str | None,
    reader: RecordingReader | None = None,
) -> DailyReport:
    """Gather each kitchen's local day and assemble the report."""
    infos = {k.id: k for k in kitchen_infos(session, sites)}
    rows = session.execute(
        select(Kitchen.id, Kitchen.name, Kitchen.grid_id, Grid.name)
        .outerjoin(Grid, Grid.id == Kitchen.grid_id)
        .where(Kitchen.id.in_(sites))
    ).all()
    names = {
        (d.site, d.id): d.name
        for d in session.scalars(select(Device).where(Device.site.in_(sites)))
    }
    windows = {k: _day_window(day, infos[k].timezone) for k in infos}
    lo = min((w[0] for w in windows.values()), default=datetime.now(UTC))
    hi = max((w[1] for w in windows.values()), default=datetime.now(UTC))
    st = statuses(res, list(infos.values()), lo, hi)
    all_cases = cases(res, sites, lo, hi)
    tasks = _tasks(res, sites, hi)
    recorded = recorded_seconds(reader)
    days = []
    for site, kname, grid_id, grid_name in sorted(rows, key=lambda r: r[0]):
        start, end = windows[site]
        mine = [c for c in all_cases if c.site == site and start <= c.fired_at < end]
        sc = score(
            infos[site],
            None if st is None else st.get(site, {}),
            mine,
            start,
            end,
            recorded,
            res.settings.index,
        )
        devices = [
            DeviceLine(
                site=site,
                kitchen=kname,
                device=t.device,
                name=names.get((site, t.device), ""),
                kind=t.kind,
                offline_s=t.working_s - min(t.online_s, t.working_s),
                online_rate=t.online_s / t.working_s if t.working_s else None,
            )
            for t in sc.times
            if t.working_s - t.online_s >= OFFLINE_MIN_S
        ]
        open_tasks = [w for w in tasks.get(site, []) if _open_at(w, end)]
        overdue = [
            OverdueLine(
                site=site,
                kitchen=kname,
                alert_id=w.alert_id,
                rule=w.rule,
                tier=w.tier,
                deadline=w.deadline,
            )
            for w in open_tasks
            if w.deadline is not None and w.deadline <= end
        ]
        real = [c for c in mine if not c.false_positive]
        days.append(
            KitchenDay(
                site=site,
                name=kname,
                grid=grid_id,
                grid_name=grid_name or "",
                reporting=sc.connected,
                devices=devices,
                captures=[c.rule for c in real if c.vision],
                false_positives=sum(1 for c in mine if c.false_positive),
                tiers=[c.tier for c in real],
                open_tasks=len(open_tasks),
                overdue=overdue,
            )
        )
    return build_daily(day, district, grid, days, datetime.now(UTC), st is not None)


@router.get(
    "/reports/daily",
    response_model=DailyReport,
    **rule(Access.USER, responses=_FILES),
)
def get_daily_report(
    caller: CallerDep,
    session: SessionDep,
    res: ResourcesDep,
    reader: ReaderDep,
    day: Annotated[
        date | None,
        Query(alias="date", description="The local day, YYYY-MM-DD (default: yesterday)"),
    ] = None,
    district: Annotated[str | None, Query(max_length=64)] = None,
    grid: Annotated[str | None, Query(max_length=64)] = None,
    fmt: Annotated[Format, Query(alias="format")] = "json",
    lang: Lang = "zh-CN",
) -> DailyReport | Response:
    """The 日报 of the kitchens in the caller's scope (narrowed to a district or a grid)."""
    if day is None:
        # The last complete day, on the registry's default clock (China Standard Time).
        day = datetime.now(ZoneInfo(DEFAULT_ZONE)).date() - timedelta(days=1)
    q = select(Kitchen.id).where(caller.kitchens())
    if district is not None:
        q = q.where(Kitchen.district_id == district)
    if grid is not None:
        q = q.where(Kitchen.grid_id == grid)
    report = daily_report(session, res, set(session.scalars(q)), day, district, grid, reader)
    if fmt == "json":
        return report
    stem = "-".join(p for p in ("daily", grid or district, day.isoformat()) if p)
    if fmt == "csv":
        return Response(
            daily_csv(report, lang).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'},
        )
    return Response(
        daily_pdf(report, lang),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{stem}.pdf"'},
    )


_MONTH = re.compile(r"\A(\d{4})-(0[1-9]|1[0-2])\Z")


@router.get(
    "/kitchens/{site}/haccp",
    response_class=Response,
    **rule(
        Access.KITCHEN_READ,
        responses={200: {"content": {"text/csv": {}}, "description": "HACCP record (CSV)"}},
    ),
)
def get_haccp(
    site: str,
    session: SessionDep,
    res: ResourcesDep,
    month: Annotated[
        str | None, Query(description="The kitchen's local month, YYYY-MM (default: this one)")
    ] = None,
    lang: Lang = "zh-CN",
) -> Response:
    """The HACCP record of one kitchen and month: each out-of-limit event, its corrective
    action and verification, its rectification steps and reviewer."""
    tz = session.scalar(select(Kitchen.timezone).where(Kitchen.id == site)) or DEFAULT_ZONE
    month = month or f"{datetime.now(ZoneInfo(tz)):%Y-%m}"
    m = _MONTH.match(month)
    if m is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, "月份格式为 YYYY-MM (month is YYYY-MM)"
        )
    text = haccp_csv(res.alerts_engine, site, int(m[1]), int(m[2]), tz, lang)
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="haccp-{site}-{month}.csv"'},
    )
