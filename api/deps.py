"""Dependencies as `Annotated` aliases, and the resources the app's lifespan owns."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.evidence import EvidenceReader
from api.scoping import Caller
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


def resources(request: Request) -> Resources:
    res: Resources = request.app.state.resources
    return res


def get_session(request: Request) -> Iterator[Session]:
    with Session(resources(request).engine) as session:
        yield session


def get_caller(request: Request) -> Caller:
    """The caller the route's guard authenticated (every non-public route has a guard)."""
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "请先登录 (sign in first)")
    return caller


ResourcesDep = Annotated[Resources, Depends(resources)]
SessionDep = Annotated[Session, Depends(get_session)]
CallerDep = Annotated[Caller, Depends(get_caller)]


def get_settings(request: Request) -> ApiSection:
    return resources(request).settings


SettingsDep = Annotated[ApiSection, Depends(get_settings)]
