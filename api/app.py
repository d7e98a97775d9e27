"""The centre API: `create_app(settings)` builds it; the lifespan owns its resources.

Start-up opens the centre database (migrating it to the newest revision unless told
not to), the alert store (read only), the time-series store and the evidence
directory; shutdown closes them. Every route must declare an access rule
(api/scoping.py): the app refuses to build otherwise.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.console import routes as console
from api.db import make_engine
from api.deps import Resources
from api.evidence import EvidenceReader
from api.live import FrameHub
from api.migrate import ALERTS, CENTRE, upgrade
from api.recordings import close_reader
from api.routers import (
    alerts,
    auth,
    districts,
    evidence,
    figures,
    grids,
    health,
    kitchens,
    live,
    provisioning,
    public,
    recordings,
    reports,
    streets,
    users,
)
from api.scoping import check_routes
from api.security import FailureWindow
from api.settings import ApiSettings
from core.heap import freeze_startup_heap
from core.settings import load_settings
from core.store import open_store

logger = logging.getLogger(__name__)

ROUTERS = (
    health,
    auth,
    users,
    districts,
    streets,
    grids,
    kitchens,
    provisioning,
    evidence,
    live,
    alerts,
    figures,
    recordings,
    reports,
    public,
    console,
)


def open_resources(settings: ApiSettings) -> Resources:
    cfg = settings.api
    engine = make_engine(cfg.database_url)
    same = cfg.alerts_url == cfg.database_url
    alerts_engine = engine if same else make_engine(cfg.alerts_url)
    if cfg.auto_migrate:
        upgrade(engine, CENTRE)
        upgrade(alerts_engine, ALERTS)
    return Resources(
        settings=cfg,
        engine=engine,
        alerts_engine=alerts_engine,
        store=open_store(settings.influx),
        evidence=EvidenceReader(cfg.evidence_dir),
        login_failures=FailureWindow(cfg.login_max_failures_per_client, cfg.lockout_s),
    )


def close_resources(res: Resources) -> None:
    if res.live is not None:
        res.live.close()
    res.store.close()
    if res.alerts_engine is not res.engine:
        res.alerts_engine.dispose()
    res.engine.dispose()


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """The app; without settings, from `BK_CONFIG` and the environment (uvicorn workers)."""
    settings = settings if settings is not None else load_settings(cls=ApiSettings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        res = open_resources(settings)
        if settings.api.live_view:  # live view: frame hub on this loop (api/live.py)
            res.live = FrameHub(settings.mqtt, asyncio.get_running_loop())
            res.live.start()
        app.state.resources = res
        freeze_startup_heap()  # full GC passes stall requests otherwise (core/heap.py)
        logger.info("centre API ready (database %s)", res.engine.url.render_as_string())
        try:
            yield
        finally:
            close_reader(app.state)
            close_resources(res)

    app = FastAPI(
        title="Bright Kitchen centre API (明厨亮灶监管中心)",
        version="1",
        description="Registry, people and roles, kitchen live state, evidence, public pages.",
        lifespan=lifespan,
    )
    for module in ROUTERS:
        app.include_router(module.router)
    app.mount("/console/static", StaticFiles(directory=console.STATIC_DIR), name="console-static")
    check_routes(app.routes)
    return app
