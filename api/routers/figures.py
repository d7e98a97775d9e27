"""Supervision figures (接入率, 在线率, 整改率, 误报率 ...) and the 食安指数 with its grade.

The computing is api/figures.py (figures, index, grades) and api/onlinetime.py (online
time in working hours); this module gathers the records: kitchens, their devices and
working hours from the registry (filtered by the caller's scope), alerts and their tasks
from the alert store, device statuses from InfluxDB, and, when the recorder is
configured, each camera's recorded time. A vision alert is one that carries evidence
pictures. Coverage counts a kitchen as connected when something of it was online at
some moment of the period.

InfluxDB down: coverage, online rate and the index are null (a kitchen whose presence
is unknown is not scored), the alert figures are still served.
"""

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from api.deps import CallerDep, ResourcesDep, SessionDep
from api.figures import (
    Case,
    DeviceTime,
    Figures,
    IndexConfig,
    IndexResult,
    annual_grade,
    cold_chain_in_range,
    figures,
    safety_index,
    share_at,
)
from api.models import Kitchen
from api.onlinetime import (
    KitchenDevice,
    RecordedSeconds,
    StatusPoint,
    device_times,
    online_spans,
    read_statuses,
    stale_after_s,
    working_days,
    working_intervals,
)
from api.recordings import RecordingReader, camera_online_seconds, get_reader
from api.resources import Resources
from api.schemas import FiguresPublic
from api.scoping import Access, rule
from core.errors import BkError
from rules.store import AlertRow, WorkflowRow

logger = logging.getLogger(__name__)
router = APIRouter(tags=["figures"])
ReaderDep = Annotated[RecordingReader, Depends(get_reader)]

Start = Annotated[datetime | None, Query(description="Period start (default: 30 days ago)")]
End = Annotated[datetime | None, Query(description="Period end (default: now)")]

ROWS_BUDGET = 500_000
"""Status rows one request may read from InfluxDB; past it statuses are read in coarser
buckets (a kitchen's month reads at one minute; a district's at up to hours)."""

UNGRADED = "评定中"


class IndexPublic(BaseModel):
    """The 食安指数 of one kitchen for the period, its grade face and its components."""

    index: float = Field(description="0–100 (see api/figures.py for the formula)")
    grade: str = Field(description="优秀 / 良好 / 一般")
    face: str = Field(description="大笑 / 微笑 / 平脸")
    components: dict[str, float] = Field(description="Each component in [0, 1]")
    weights: dict[str, float] = Field(description="The formula's weights")
    capped_by_online: bool = Field(description="The index was held down by the online rate")
    working_days: int


class KitchenFiguresPublic(FiguresPublic):
    """One kitchen's figures with its online rates by kind and its 食安指数."""

    online_rate_cameras: float | None
    online_rate_sensors: float | None
    safety_index: IndexPublic | None = Field(description="null: presence unknown (not scored)")
    monthly_indices: dict[str, float | None] = Field(
        default_factory=dict, description="YYYY-MM → index, the year so far (annual=true)"
    )
    annual_grade: str | None = Field(default=None, description="A / B / C (annual=true)")


class ScopeFiguresPublic(FiguresPublic):
    """Figures of a set of kitchens with the distribution of their grades."""

    online_rate_cameras: float | None
    online_rate_sensors: float | None
    grades: dict[str, int] = Field(description="优秀 / 良好 / 一般 / 评定中 → kitchens")
    share_excellent: float | None = Field(description="Share of kitchens graded 优秀")
    kitchen_grades: dict[str, str] = Field(
        default_factory=dict,
        description="Each kitchen of the scope → its grade (优秀 / 良好 / 一般 / 评定中): one "
        "request gives a command centre every tile's face",
    )
    annual_grades: dict[str, int] = Field(
        default_factory=dict, description="A / B / C → kitchens (annual=true)"
    )
    share_a: float | None = Field(default=None, description="Share of kitchens at A (annual)")


@dataclass(frozen=True)
class KitchenInfo:
    """What the figures need of one registered kitchen."""

    id: str
    working_hours: list[dict[str, Any]]
    timezone: str
    devices: list[KitchenDevice]
    created_at: datetime | None = None
    """Registered at: the annual grade counts no month before it."""


def _period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=30)
    if start.tzinfo is None or end.tzinfo is None or start >= end:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            "时段须带时区且开始早于结束 (start and end need a time zone, start < end)",
        )
    return start, end


def kitchen_infos(session: Session, sites: set[str]) -> list[KitchenInfo]:
    """Registry rows of `sites` with their cameras and sensors (other devices are agents)."""
    rows = session.scalars(
        select(Kitchen).where(Kitchen.id.in_(sites)).options(selectinload(Kitchen.devices))
    ).all()
    out = []
    for k in rows:
        devices = [
            KitchenDevice(d.id, "camera" if d.kind == "camera" else "sensor")
            for d in k.devices
            if d.kind in ("camera", "sensor")
        ]
        out.append(
            KitchenInfo(k.id, list(k.working_hours or []), k.timezone, devices, k.created_at)
        )
    return sorted(out, key=lambda k: k.id)


def cases(res: Resources, sites: set[str], start: datetime, end: datetime) -> list[Case]:
    """Alerts that started in the period with their rectification task."""
    if not sites:
        return []
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
                resolved_at=a.resolved_at,
            )
        )
    return out


def bucket_for(period_s: float, devices: int) -> int:
    """Status bucket (s, a multiple of 60) keeping the rows read under ROWS_BUDGET."""
    return 60 * max(1, math.ceil(period_s * max(devices, 1) / 60 / ROWS_BUDGET))


def statuses(
    res: Resources, kitchens: Sequence[KitchenInfo], start: datetime, end: datetime
) -> dict[str, dict[str, list[StatusPoint]]] | None:
    """Device statuses of the kitchens; None when InfluxDB cannot answer."""
    if not kitchens:
        return {}
    span = (end - start).total_seconds()
    bucket = bucket_for(span, sum(len(k.devices) or 1 for k in kitchens))
    try:
        return read_statuses(res.store, [k.id for k in kitchens], start, end, bucket)
    except BkError as exc:
        logger.warning("figures without InfluxDB: %s", exc)
        return None


def recorded_seconds(reader: RecordingReader | None) -> RecordedSeconds | None:
    """Each camera's recorded seconds within working hours, when a recorder index exists.

    Recorded spans come from the recorder's index (api.recordings.RecordingReader) and
    are counted by api.recordings.camera_online_seconds; the figures then take the
    lesser of a camera's status time and its recorded time. Without a recorder index
    (the recorder not configured) cameras count their status time only.
    """
    playback = reader.playback() if reader is not None else None
    if playback is None:
        return None

    def seconds(site: str, camera: str, working: list[tuple[datetime, datetime]]) -> float | None:
        if not working:
            return 0.0
        try:
            cov = playback.coverage(site, camera, working[0][0], working[-1][1])
        except (SQLAlchemyError, OSError, ValueError) as exc:
            logger.warning("recorded time of %s/%s unknown: %s", site, camera, exc)
            return None
        # Working spans are already UTC spans: no working hours ([]) within each of them.
        return sum(
            camera_online_seconds(cov.covered, [], "UTC", lo, hi).online_s for lo, hi in working
        )

    return seconds


@dataclass
class KitchenScore:
    figures: Figures
    index: IndexResult | None
    working_days: int
    connected: bool | None
    times: list[DeviceTime]


def score(
    k: KitchenInfo,
    status: dict[str, list[StatusPoint]] | None,
    kitchen_cases: Sequence[Case],
    start: datetime,
    end: datetime,
    recorded: RecordedSeconds | None = None,
    cfg: IndexConfig | None = None,
) -> KitchenScore:
    """One kitchen's figures and index for [start, end) from already-read records."""
    working = working_intervals(k.working_hours, k.timezone, start, end)
    days = working_days(k.working_hours, k.timezone, start, end)
    if status is None:
        fig = figures(kitchen_cases, [], [k.id], [], end)
        return KitchenScore(fig, None, days, None, [])
    times = device_times(k.id, k.devices, status, working, start, end, recorded)
    connected = any(online_spans(pts, start, end, stale_after_s(pts)) for pts in status.values())
    fig = figures(kitchen_cases, times, [k.id], [k.id] if connected else [], end)
    if not k.devices:
        # Nothing registered to measure: presence by the agents alone.
        fig.online_rate = 1.0 if connected else 0.0
    cfg = cfg or IndexConfig()
    cold = cold_chain_in_range(kitchen_cases, start, end, cfg.cold_chain_rules)
    return KitchenScore(fig, safety_index(fig, days, cold, cfg), days, connected, times)


def _index_public(sc: KitchenScore, cfg: IndexConfig) -> IndexPublic | None:
    if sc.index is None:
        return None
    weights = {
        "online": cfg.w_online,
        "violations": cfg.w_violations,
        "rectified": cfg.w_rectified,
        "ack": cfg.w_ack,
        "cold_chain": cfg.w_cold_chain,
    }
    total = sum(weights.values())
    raw = 100.0 * sum(weights[c] * v for c, v in sc.index.components.items()) / total
    return IndexPublic(
        index=sc.index.index,
        grade=sc.index.grade,
        face=sc.index.face,
        components=sc.index.components,
        weights=weights,
        capped_by_online=round(raw, 1) > sc.index.index,
        working_days=sc.working_days,
    )


_ALERT_FIELDS = (
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


def _common(fig: Figures, start: datetime, end: datetime, measured: bool) -> dict[str, Any]:
    return {
        "start": start,
        "end": end,
        "kitchens": fig.kitchens,
        "connected": fig.connected if measured else None,
        "coverage": fig.coverage if measured else None,
        "online_rate": fig.online_rate if measured else None,
        "online_rate_cameras": fig.online_rate_cameras if measured else None,
        "online_rate_sensors": fig.online_rate_sensors if measured else None,
        **{k: getattr(fig, k) for k in _ALERT_FIELDS},
    }


def months_of_year(zone: ZoneInfo, end: datetime) -> list[tuple[str, datetime, datetime]]:
    """(YYYY-MM, start, end) of each local month of `end`'s year up to `end`."""
    local = end.astimezone(zone)
    out = []
    for m in range(1, local.month + 1):
        lo = datetime(local.year, m, 1, tzinfo=zone)
        hi = datetime(local.year + (m == 12), m % 12 + 1, 1, tzinfo=zone)
        out.append((f"{local.year}-{m:02d}", lo.astimezone(UTC), min(hi.astimezone(UTC), end)))
    return out


def annual(
    res: Resources, infos: Sequence[KitchenInfo], end: datetime, recorded: RecordedSeconds | None
) -> dict[str, tuple[dict[str, float | None], str | None]]:
    """Each kitchen's monthly indices of the year so far (from its registration on) and
    its annual grade (A/B/C), from one read of statuses and alerts for all of them."""
    if not infos:
        return {}
    cfg = res.settings.index
    months = {k.id: months_of_year(ZoneInfo(k.timezone), end) for k in infos}
    y0 = min(m[0][1] for m in months.values())
    st = statuses(res, infos, y0, end)
    by_site: dict[str, list[Case]] = {}
    for c in cases(res, {k.id for k in infos}, y0, end):
        by_site.setdefault(c.site, []).append(c)
    out = {}
    for k in infos:
        monthly: dict[str, float | None] = {}
        for name, month_lo, hi in months[k.id]:
            # A kitchen registered mid-year is graded from its registration on.
            lo = max(month_lo, k.created_at) if k.created_at else month_lo
            if lo >= hi:
                continue
            mine = [c for c in by_site.get(k.id, []) if lo <= c.fired_at < hi]
            sc = score(k, None if st is None else st.get(k.id, {}), mine, lo, hi, recorded, cfg)
            monthly[name] = sc.index.index if sc.index else None
        known = [v for v in monthly.values() if v is not None]
        out[k.id] = (monthly, annual_grade(known, cfg) if st is not None else None)
    return out


@router.get("/figures", response_model=ScopeFiguresPublic, **rule(Access.USER))
def scope_figures(
    caller: CallerDep,
    session: SessionDep,
    res: ResourcesDep,
    reader: ReaderDep,
    start: Start = None,
    end: End = None,
    district: Annotated[str | None, Query(max_length=64)] = None,
    grid: Annotated[str | None, Query(max_length=64)] = None,
    category: Annotated[str | None, Query(max_length=32)] = None,
    annual_grades: Annotated[
        bool, Query(alias="annual", description="Also each kitchen's annual grade")
    ] = False,
) -> ScopeFiguresPublic:
    """Figures of every kitchen in the caller's scope, narrowed by district, grid, category,
    with the distribution of the kitchens' grades."""
    start, end = _period(start, end)
    q = select(Kitchen.id).where(caller.kitchens())
    if district is not None:
        q = q.where(Kitchen.district_id == district)
    if grid is not None:
        q = q.where(Kitchen.grid_id == grid)
    if category is not None:
        q = q.where(Kitchen.category == category)
    sites = set(session.scalars(q))
    infos = kitchen_infos(session, sites)
    st = statuses(res, infos, start, end)
    all_cases = cases(res, sites, start, end)
    recorded = recorded_seconds(reader)
    by_site: dict[str, list[Case]] = {}
    for c in all_cases:
        by_site.setdefault(c.site, []).append(c)
    scores = [
        score(
            k,
            None if st is None else st.get(k.id, {}),
            by_site.get(k.id, []),
            start,
            end,
            recorded,
            res.settings.index,
        )
        for k in infos
    ]
    connected = [k.id for k, sc in zip(infos, scores, strict=True) if sc.connected]
    fig = figures(
        all_cases,
        [d for sc in scores for d in sc.times],
        sites,
        connected,
        end,
    )
    grades = {"优秀": 0, "良好": 0, "一般": 0, UNGRADED: 0}
    for sc in scores:
        grades[sc.index.grade if sc.index else UNGRADED] += 1
    out = ScopeFiguresPublic(
        **_common(fig, start, end, st is not None),
        grades=grades,
        share_excellent=share_at([sc.index.grade if sc.index else None for sc in scores], "优秀"),
        kitchen_grades={
            k.id: sc.index.grade if sc.index else UNGRADED
            for k, sc in zip(infos, scores, strict=True)
        },
    )
    if annual_grades:
        years = [grade for _monthly, grade in annual(res, infos, end, recorded).values()]
        out.annual_grades = {g: sum(1 for y in years if y == g) for g in ("A", "B", "C")}
        out.share_a = share_at(years, "A")
    return out


@router.get(
    "/kitchens/{site}/figures", response_model=KitchenFiguresPublic, **rule(Access.KITCHEN_READ)
)
def kitchen_figures(
    site: str,
    session: SessionDep,
    res: ResourcesDep,
    reader: ReaderDep,
    start: Start = None,
    end: End = None,
    with_annual: Annotated[
        bool, Query(alias="annual", description="Also the monthly indices and annual grade")
    ] = False,
) -> KitchenFiguresPublic:
    """Figures of one kitchen over the period, its 食安指数, grade face and components."""
    start, end = _period(start, end)
    (k,) = kitchen_infos(session, {site})
    st = statuses(res, [k], start, end)
    recorded = recorded_seconds(reader)
    sc = score(
        k,
        None if st is None else st.get(k.id, {}),
        cases(res, {site}, start, end),
        start,
        end,
        recorded,
        res.settings.index,
    )
    cfg = res.settings.index
    out = KitchenFiguresPublic(
        **_common(sc.figures, start, end, st is not None),
        safety_index=_index_public(sc, cfg),
    )
    if with_annual:
        out.monthly_indices, out.annual_grade = annual(res, [k], end, recorded)[k.id]
    return out
