"""The resources the app's lifespan owns, and the per-request database session.

Kept apart from api.deps so that the access guard (api.scoping) can share the request's
session with the endpoint (FastAPI caches a dependency within one request) without an
import cycle.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.evidence import EvidenceReader
from api.live import FrameHub
from api.security import FailureWindow
from api.settings import ApiSection
from core.store import TimeSeriesStore


@dataclass
class Resources:
    """Everything a request may use; made at start-up, closed at shutdown (see api.app)."""

    settings: ApiSection
    engine: Engine
    alerts_engine: Engine
    store: TimeSeriesStore
    evidence: EvidenceReader
    login_failures: FailureWindow
    live: FrameHub | None = None
    """The live view's frame hub; made by the lifespan (it needs the running loop)."""


def resources(request: Request) -> Resources:
    res: Resources = request.app.state.resources
    return res


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, shared by the guard and the endpoint."""
    with Session(resources(request).engine) as session:
        yield session
