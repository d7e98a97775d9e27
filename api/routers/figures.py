"""Supervision figures (接入率, 整改率, 误报率 ...) for a kitchen, or for every kitchen in scope.

The computing is api/figures.py; this module gathers the records: kitchens from the
registry (filtered by the caller's scope), alerts and their tasks from the alert store,
and which kitchens reported (coverage) from InfluxDB's device statuses, when it answers.
A vision alert is one that carries evidence pictures.
"""

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import CallerDep, ResourcesDep, SessionDep
from api.figures import Case, figures
from api.models import Kitchen
from api.resources import Resources
from api.schemas import FiguresPublic
from api.scoping import Access, rule
from core.errors import BkError
from rules.store import AlertRow, WorkflowRow

logger = logging.getLogger(__name__)
router = APIRouter(tags=["figures"])

Start = Annotated[datetime | None, Query(description="Period start (default: 30 days ago)")]
End = Annotated[datetime | None, Query(description="Period end (default: now)")]


def _period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=30)
    if start.tzinfo is None or end.tzinfo is None or start >= end:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            "时段须带时区且开始早于结束 (start and end need a time zone, start < end)",
        )
    return start, end


def _cases(res: Resources, sites: set[str], start: datetime, end: datetime) -> list[Case]:
    with Session(res.alerts_engine) as s:
        rows = s.execute(
            select(AlertRow, WorkflowRow)
            .outerjoin(WorkflowRow, WorkflowRow.alert_id == AlertRow.id)
            .where(AlertRow.site.in_(sites), AlertRow.started_at >= start)
            .where(AlertRow.started_at < end)
        ).all()
    out = []
    for a, w in rows:
        fired = a.fired_at or a.started_at
        out.append(
            Case(
                site=a.site,
                rule=a.rule,
                tier=w.tier if w else 0,
                fired_at=fired,
                acked_at=(w.acked_at if w else None) or a.acked_at,
                deadline=w.deadline if w else None,
                rectified_at=w.rectified_at if w else None,
                overdue=bool(w and w.overdue_at is not None),
                false_positive=bool(w and w.state == "false_positive"),
                vision=bool(a.evidence),
            )
        )
    return out


def _connected(res: Resources, sites: set[str], start: datetime, end: datetime) -> set[str] | None:
    """Kitchens with a device status in the period; None when InfluxDB cannot say."""
    try:
        rows = res.store.query(
            "SELECT last(online) FROM device_status "  # noqa: S608 - times are formatted here
            f"WHERE time >= '{start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}' "
            f"AND time < '{end.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}' GROUP BY site"
        )
    except BkError as exc:
        logger.warning("figures without InfluxDB: %s", exc)
        return None
    found = {str(r.get("site")) for r in rows if isinstance(r, dict)}
    return found & sites


def _figures(res: Resources, sites: set[str], start: datetime, end: datetime) -> FiguresPublic:
    connected = _connected(res, sites, start, end) if sites else set()
    fig = figures(_cases(res, sites, start, end) if sites else [], [], sites, connected or (), end)
    return FiguresPublic(
        start=start,
        end=end,
        kitchens=fig.kitchens,
        connected=None if connected is None else fig.connected,
        coverage=None if connected is None else fig.coverage,
        online_rate=None,
        **{
            k: getattr(fig, k)
            for k in (
                "alerts_by_tier",
                "alerts_by_rule",
                "ack_mean_s",
                "rectify_due",
                "rectify_on_time",
                "rectify_on_time_rate",
                "rectify_mean_s",
                "overdue",
                "vision_alerts",
                "false_positives",
                "false_positive_rate",
            )
        },
    )


@router.get("/figures", response_model=FiguresPublic, **rule(Access.USER))
def scope_figures(
    caller: CallerDep,
    session: SessionDep,
    res: ResourcesDep,
    start: Start = None,
    end: End = None,
    district: Annotated[str | None, Query(max_length=64)] = None,
    grid: Annotated[str | None, Query(max_length=64)] = None,
    category: Annotated[str | None, Query(max_length=32)] = None,
) -> FiguresPublic:
    """Figures of every kitchen in the caller's scope, narrowed by district, grid, category."""
    start, end = _period(start, end)
    q = select(Kitchen.id).where(caller.kitchens())
    if district is not None:
        q = q.where(Kitchen.district_id == district)
    if grid is not None:
        q = q.where(Kitchen.grid_id == grid)
    if category is not None:
        q = q.where(Kitchen.category == category)
    return _figures(res, set(session.scalars(q)), start, end)


@router.get("/kitchens/{site}/figures", response_model=FiguresPublic, **rule(Access.KITCHEN_READ))
def kitchen_figures(
    site: str, res: ResourcesDep, start: Start = None, end: End = None
) -> FiguresPublic:
    """Figures of one kitchen over the period."""
    start, end = _period(start, end)
    return _figures(res, {site}, start, end)
