"""Dependencies as `Annotated` aliases, and the resources the app's lifespan owns."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from api.resources import Resources, get_session, resources
from api.scoping import Caller
from api.settings import ApiSection

__all__ = ["Resources", "get_session", "resources"]


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
