"""Console pages and the three read endpoints only the console needed.

Pages are HTML shells (rule PUBLIC): they carry no data, only the layout and the
message catalog; each page's script signs in through `POST /auth/login`, keeps the
bearer token in sessionStorage and reads everything from JSON endpoints, so whatever
the console shows can also be scripted. The JSON endpoints here (`/console/api/...`)
are ordinary API routes with access rules like every other: a kitchen overview and an
alert feed over the caller's scope (one request each instead of one per kitchen) and a
24 h series per sensor for the kitchen page's charts.
"""

import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.console.i18n import LANGUAGES, catalog, pick_language
from api.deps import CallerDep, Resources, ResourcesDep, SessionDep
from api.livestate import alert_public
from api.models import Device, Grid, Kitchen
from api.routers.alerts import AlertId, get_alert
from api.schemas import AlertDetail, AlertPublic, EvidenceBox
from api.scoping import NOT_FOUND, Access, Caller, rule
from api.workflow import ACTION_ROLES, alert_of, may
from core.errors import BkError
from core.ids import validate_id
from core.signing import MAX_TTL_S, alert_page_path, check_signature, evidence_link
from rules.alerts import OPEN_STATES, WF_CLOSED
from rules.store import AlertRow, WorkflowRow

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")

router = APIRouter(prefix="/console", tags=["console"])
LANG_COOKIE = "bk_lang"


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    """Render one page in the chosen language and remember a language picked by `?lang=`."""
    lang = pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))
    messages = catalog(lang)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "languages": LANGUAGES,
            "t": lambda key: messages.get(key, key),
            "messages": messages,
            **context,
        },
    )
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("", response_class=HTMLResponse, **rule(Access.PUBLIC))
def centre_page(request: Request) -> HTMLResponse:
    """Command centre: kitchens in scope, summary, live alert feed."""
    return _page(request, "centre.html", page="centre")


@router.get("/login", response_class=HTMLResponse, **rule(Access.PUBLIC))
def login_page(request: Request) -> HTMLResponse:
    """Sign-in form; posts to `POST /auth/login`."""
    return _page(request, "login.html", page="login")


@router.get("/kitchens/{site}", response_class=HTMLResponse, **rule(Access.PUBLIC))
def kitchen_page(request: Request, site: str) -> HTMLResponse:
    """One kitchen's page (the data behind it is scoped: outside the scope it says not found)."""
    return _page(request, "kitchen.html", page="kitchen", site=site)


@router.get("/public/{public_id}", response_class=HTMLResponse, **rule(Access.PUBLIC))
def public_page(request: Request, public_id: str) -> HTMLResponse:
    """The public page behind a kitchen's code (一企一码), readable without signing in."""
    return _page(request, "public.html", page="public", public_id=public_id)


# -- JSON the console reads --------------------------------------------------------------


class KitchenTile(BaseModel):
    id: str
    name: str
    category: str
    district_id: str | None
    street_id: str | None
    grid_id: str | None
    devices: int = Field(description="Registered agents, sensors and cameras")
    devices_online: int
    cameras: int
    cameras_online: int
    alerts: dict[str, int] = Field(description="Open alerts by severity")
    tiers: dict[str, int] = Field(
        default_factory=dict, description="Open rectification tasks by tier (1, 2, 3)"
    )
    rectifying: int = Field(default=0, description="Rectification tasks not closed yet")
    overdue: int = Field(default=0, description="Open tasks past their deadline")


class Overview(BaseModel):
    generated_at: datetime
    kitchens: list[KitchenTile]
    store_available: bool
    alerts_available: bool


def _scope_sites(session: Session, caller: Caller) -> list[Kitchen]:
    return list(session.scalars(select(Kitchen).where(caller.kitchens()).order_by(Kitchen.id)))


def _in_scope(caller: Caller, column: Any, ids: list[str]) -> ColumnElement[bool]:
    """`column IN ids`, or no condition for roles that see everything (no huge IN list)."""
    return true() if caller.sees_all else column.in_(ids)


def _read_alerts(session: Session, res: Resources, q: Select[AlertRow]) -> list[AlertRow]:
    if session.get_bind() is res.alerts_engine:
        return list(session.scalars(q))
    with Session(res.alerts_engine) as own:
        return list(own.scalars(q))


def _online(res: Resources) -> dict[tuple[str, str], bool]:
    """(site, device) → online, from each device's latest status within the lookback."""
    lookback = int(res.settings.state_lookback_s)
    rows = res.store.query(
        f"SELECT last(online) FROM device_status WHERE time > now() - {lookback}s "  # noqa: S608
        "GROUP BY site, device"
    )
    return {
        (str(r.get("site", "")), str(r.get("device", ""))): bool(r.get("last"))
        for r in rows
        if r.get("last") is not None
    }


def _open_tasks(
    session: Session, res: Resources, caller: Caller, ids: list[str]
) -> dict[str, dict[str, Any]]:
    """site → open rectification tasks by tier, how many are open and how many overdue."""
    with Session(res.alerts_engine) as s:
        rows = s.scalars(
            select(WorkflowRow).where(
                _in_scope(caller, WorkflowRow.site, ids), WorkflowRow.state.not_in(WF_CLOSED)
            )
        ).all()
    out: dict[str, dict[str, Any]] = {}
    for wf in rows:
        per = out.setdefault(wf.site, {"tiers": {}, "rectifying": 0, "overdue": 0})
        per["tiers"][str(wf.tier)] = per["tiers"].get(str(wf.tier), 0) + 1
        per["rectifying"] += 1
        per["overdue"] += int(wf.overdue_at is not None)  # set by the worker at the deadline
    return out


@router.get("/api/overview", response_model=Overview, **rule(Access.USER))
def overview(caller: CallerDep, session: SessionDep, res: ResourcesDep) -> Overview:
    """Every kitchen in the caller's scope with devices online and open alerts by severity."""
    kitchens = _scope_sites(session, caller)
    ids = [k.id for k in kitchens]
    streets: dict[str, str] = dict(session.execute(select(Grid.id, Grid.street_id)).all())
    devices = session.execute(
        select(Device.site, Device.id, Device.kind).where(_in_scope(caller, Device.site, ids))
    ).all()
    store_ok = True
    online: dict[tuple[str, str], bool] = {}
    try:
        online = _online(res)
    except BkError as exc:
        logger.warning("overview without InfluxDB: %s", exc)
        store_ok = False
    alerts_ok = True
    counts: dict[str, dict[str, int]] = {}
    try:
        rows = _read_alerts(
            session,
            res,
            select(AlertRow).where(
                _in_scope(caller, AlertRow.site, ids),
                AlertRow.state.in_([s.value for s in OPEN_STATES]),
            ),
        )
        for row in rows:
            per = counts.setdefault(row.site, {})
            per[row.severity] = per.get(row.severity, 0) + 1
    except SQLAlchemyError as exc:
        logger.warning("overview without the alert store: %s", exc)
        alerts_ok = False
    tasks: dict[str, dict[str, Any]] = {}
    try:
        tasks = _open_tasks(session, res, caller, ids)
    except SQLAlchemyError as exc:
        logger.warning("overview without rectification tasks: %s", exc)
    tiles = []
    for k in kitchens:
        own = [(d_id, kind) for site, d_id, kind in devices if site == k.id]
        cams = [d for d, kind in own if kind == "camera"]
        tiles.append(
            KitchenTile(
                id=k.id,
                name=k.name,
                category=k.category,
                district_id=k.district_id,
                street_id=streets.get(k.grid_id) if k.grid_id else None,
                grid_id=k.grid_id,
                devices=len(own),
                devices_online=sum(online.get((k.id, d), False) for d, _ in own),
                cameras=len(cams),
                cameras_online=sum(online.get((k.id, d), False) for d in cams),
                alerts=counts.get(k.id, {}),
                **tasks.get(k.id, {}),
            )
        )
    return Overview(
        generated_at=datetime.now(UTC),
        kitchens=tiles,
        store_available=store_ok,
        alerts_available=alerts_ok,
    )


@router.get("/api/feed", response_model=list[AlertPublic], **rule(Access.USER))
def feed(
    caller: CallerDep,
    session: SessionDep,
    res: ResourcesDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 30,
) -> list[AlertPublic]:
    """The newest alerts (any state) of kitchens in the caller's scope, newest first."""
    sites = (
        []
        if caller.sees_all
        else list(session.scalars(select(Kitchen.id).where(caller.kitchens())))
    )
    q = (
        select(AlertRow)
        .where(_in_scope(caller, AlertRow.site, sites))
        .order_by(AlertRow.started_at.desc(), AlertRow.id)
        .limit(limit)
    )
    return [alert_public(r) for r in _read_alerts(session, res, q)]


class Series(BaseModel):
    device: str
    sensor: str
    kind: str | None
    points: list[tuple[float, float]] = Field(description="(unix seconds, mean value)")


class KitchenSeries(BaseModel):
    site: str
    hours: int
    store_available: bool
    series: list[Series]


@router.get(
    "/api/kitchens/{site}/series", response_model=KitchenSeries, **rule(Access.KITCHEN_READ)
)
def series(
    site: str, res: ResourcesDep, hours: Annotated[int, Query(ge=1, le=168)] = 24
) -> KitchenSeries:
    """Each sensor's readings over the last `hours`, as 10-minute means (about 150 points)."""
    step_s = max(60, hours * 3600 // 150)
    quoted = "'" + validate_id(site, "site") + "'"
    try:
        rows = res.store.query(
            f"SELECT mean(value) FROM reading WHERE site = {quoted} "  # noqa: S608
            f"AND time > now() - {hours}h GROUP BY time({step_s}s), device, sensor, kind "
            "fill(none)"
        )
    except BkError as exc:
        logger.warning("series of %s without InfluxDB: %s", site, exc)
        return KitchenSeries(site=site, hours=hours, store_available=False, series=[])
    out: dict[tuple[str, str], Series] = {}
    for r in rows:
        if r.get("mean") is None:
            continue
        key = (str(r.get("device", "")), str(r.get("sensor", "")))
        s = out.setdefault(
            key, Series(device=key[0], sensor=key[1], kind=r.get("kind") or None, points=[])
        )
        s.points.append((int(r["time"]) / 1e9, float(r["mean"])))
    return KitchenSeries(
        site=site, hours=hours, store_available=True, series=[out[k] for k in sorted(out)]
    )


# -- the alert page (预警 → 整改 → 复核 in the browser) -------------------------------------


class Me(BaseModel):
    username: str
    role: str
    actions: list[str] = Field(description="Workflow steps this role may take (ACTION_ROLES)")


@router.get("/api/me", response_model=Me, **rule(Access.USER))
def me(caller: CallerDep) -> Me:
    """Who is signed in and which workflow steps their role may take, so the alert page
    shows each button only to roles that may press it (the API checks again on POST)."""
    return Me(
        username=caller.username,
        role=caller.role.value,
        actions=[a for a in ACTION_ROLES if may(caller.role, a)],
    )


class AlertReadings(BaseModel):
    site: str
    alert_id: str
    at: datetime = Field(description="When the alert started")
    start: datetime
    end: datetime
    device: str | None = Field(description="The alert's device (its series are the alert's)")
    store_available: bool
    series: list[Series]


def _readings_around(res: Resources, row: AlertRow, minutes: int) -> AlertReadings:
    """The kitchen's readings from `minutes` before to `minutes` after the alert started,
    as 1-minute means (the alert's own device first), so the page shows the moment."""
    at = row.started_at.astimezone(UTC)
    start, end = at - timedelta(minutes=minutes), at + timedelta(minutes=minutes)
    quoted = "'" + validate_id(row.site, "site") + "'"
    out = AlertReadings(
        site=row.site,
        alert_id=row.id,
        at=at,
        start=start,
        end=end,
        device=row.device,
        store_available=True,
        series=[],
    )
    try:
        rows = res.store.query(
            f"SELECT mean(value) FROM reading WHERE site = {quoted} "  # noqa: S608
            f"AND time >= '{start:%Y-%m-%dT%H:%M:%SZ}' AND time <= '{end:%Y-%m-%dT%H:%M:%SZ}' "
            "GROUP BY time(60s), device, sensor, kind fill(none)"
        )
    except BkError as exc:
        logger.warning("readings around alert %s without InfluxDB: %s", row.id[:8], exc)
        out.store_available = False
        return out
    found: dict[tuple[str, str], Series] = {}
    for r in rows:
        if r.get("mean") is None:
            continue
        key = (str(r.get("device", "")), str(r.get("sensor", "")))
        s = found.setdefault(
            key, Series(device=key[0], sensor=key[1], kind=r.get("kind") or None, points=[])
        )
        s.points.append((int(r["time"]) / 1e9, float(r["mean"])))
    out.series = [found[k] for k in sorted(found, key=lambda k: (k[0] != row.device, k))]
    return out


@router.get(
    "/api/kitchens/{site}/alerts/{alert_id}/readings",
    response_model=AlertReadings,
    **rule(Access.KITCHEN_READ),
)
def alert_readings(
    site: str,
    alert_id: AlertId,
    session: SessionDep,
    res: ResourcesDep,
    minutes: Annotated[int, Query(ge=5, le=240)] = 30,
) -> AlertReadings:
    """Readings around the alert's moment (±`minutes`) for the alert page's chart."""
    row = alert_of(session, res.alerts_engine, site, alert_id)
    if row is None:
        raise HTTPException(404, NOT_FOUND)
    return _readings_around(res, row, minutes)


def _evidence_meta(res: Resources, sha: str, url: str) -> dict[str, Any]:
    """What the page shows of one picture: where and when, its boxes, and a URL."""
    rec = res.evidence.record(sha) or {}
    boxes = []
    for b in rec.get("boxes", []):
        try:
            boxes.append(EvidenceBox.model_validate(b).model_dump())
        except ValidationError:
            logger.warning("evidence %s: unreadable box left out", sha[:12])
    return {
        "sha256": sha,
        "camera": rec.get("camera"),
        "ts": rec.get("ts"),
        "kind": rec.get("kind"),
        "boxes": boxes,
        "url": url,
    }


def _signed_view(
    request: Request, site: str, alert_id: str, session: Session, res: Resources
) -> dict[str, Any] | None:
    """Everything the read-only page shows, when `?expires=&sig=` was made for this very
    page (core.signing.alert_link); None for a wrong, stretched or expired link. Pictures
    travel as signed evidence links that expire with the page's own link."""
    try:
        expires = int(request.query_params.get("expires", ""))
    except ValueError:
        return None
    sig = request.query_params.get("sig", "")
    key = res.settings.key()
    if not check_signature(key, alert_page_path(site, alert_id), expires, sig):
        return None
    try:
        detail: AlertDetail = get_alert(site, alert_id, session, res)
    except HTTPException:
        return None
    row = alert_of(session, res.alerts_engine, site, alert_id)
    kitchen = session.get(Kitchen, site)
    if row is None or kitchen is None:
        return None
    ttl = max(1, min(expires - int(time.time()), MAX_TTL_S))
    shas = list(detail.evidence) + [p for s in detail.steps for p in s.photos]
    evidence = {sha: _evidence_meta(res, sha, evidence_link("", key, sha, ttl)) for sha in shas}
    return {
        "alert": detail.model_dump(mode="json"),
        "kitchen": {"id": kitchen.id, "name": kitchen.name},
        "readings": _readings_around(res, row, 30).model_dump(mode="json"),
        "evidence": evidence,
    }


@router.get(
    "/kitchens/{site}/alerts/{alert_id}", response_class=HTMLResponse, **rule(Access.PUBLIC)
)
def alert_page(
    request: Request, site: str, alert_id: str, session: SessionDep, res: ResourcesDep
) -> HTMLResponse:
    """One alert's page: evidence, readings around the moment, audit trail, the steps the
    caller's role may take. With `?expires=&sig=` (a notice's signed link) it renders that
    one alert read-only without an account; a wrong or expired link shows a sentence and
    no data. Without a link the page is a shell whose script reads the scoped API."""
    signed: dict[str, Any] | None = None
    link_refused = False
    if "sig" in request.query_params or "expires" in request.query_params:
        signed = _signed_view(request, site, alert_id, session, res)
        link_refused = signed is None
    page = _page(
        request,
        "alert.html",
        page="alert",
        site=site,
        alert_id=alert_id,
        signed=signed,
        link_refused=link_refused,
        # recordings.js's bkClip(videoEl, site, alertId): the alert's clip, where recorded
        clip_script=(STATIC_DIR / "js" / "recordings.js").is_file(),
    )
    if link_refused:
        # The sentence for the person, and a status a robot or link checker understands.
        page.status_code = status.HTTP_403_FORBIDDEN
    return page
