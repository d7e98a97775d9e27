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
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.console.i18n import LANGUAGES, catalog, pick_language
from api.deps import CallerDep, Resources, ResourcesDep, SessionDep
from api.livestate import alert_public
from api.models import Device, Grid, Kitchen
from api.schemas import AlertPublic
from api.scoping import Access, Caller, rule
from core.errors import BkError
from core.ids import validate_id
from rules.alerts import OPEN_STATES
from rules.store import AlertRow

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
