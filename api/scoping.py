"""Who may do what: the ONE place where a caller's role becomes a query filter.

Every route declares an access rule with `rule(Access.X)`. The rule's guard runs before
the endpoint: it authenticates the caller, refuses roles the rule excludes (403) and,
for routes about one kitchen (`{site}`) or one evidence picture (`{sha256}`), checks the
kitchen is within the caller's scope. A kitchen outside the scope answers 404, exactly
as a kitchen that does not exist, so ids cannot be probed. Listing endpoints filter with
`Caller.kitchens()` / `districts()` / `streets()` / `grids()` and nothing else.

`create_app` refuses to start when a route has no rule, and the authorization-matrix
test (tests/unit/api/test_api_authz.py) is generated from the same route table.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from api.models import (
    AccessToken,
    District,
    Grid,
    Kitchen,
    Role,
    Street,
    User,
    UserDistrict,
    UserGrid,
)
from api.resources import get_session, resources
from api.security import token_digest
from core.ids import ID_PATTERN
from core.signing import check_signature

_ID_RE = re.compile(rf"\A{ID_PATTERN}\Z")


class Access(StrEnum):
    PUBLIC = "public"  # anyone, no account (public kitchen page, login, health)
    SIGNED = "signed"  # anyone holding a valid signed link for this very path
    USER = "user"  # any signed-in person; what they get is filtered by their scope
    ADMIN = "admin"  # administrators only
    KITCHEN_READ = "kitchen_read"  # path {site}: whoever may see that kitchen
    KITCHEN_MANAGE = "kitchen_manage"  # path {site}: admin, its district's supervisor, its manager
    EVIDENCE_READ = "evidence_read"  # path {sha256}: whoever may see the picture's kitchen
    # path {site}: whoever may see the kitchen, viewers excepted; the step's own roles
    # are checked by the endpoint (api/workflow.py ACTION_ROLES)
    ALERT_ACT = "alert_act"


# Roles allowed to change a kitchen they can see (inspectors, staff and viewers read only).
MANAGE_ROLES = frozenset({Role.ADMIN, Role.DISTRICT_SUPERVISOR, Role.CANTEEN_MANAGER})


@dataclass(frozen=True)
class Caller:
    """The authenticated person of this request and the scope their role gives."""

    user_id: int
    username: str
    role: Role
    kitchen_id: str | None
    districts: frozenset[str]
    grids: frozenset[str]
    token_id: int

    @property
    def sees_all(self) -> bool:
        return self.role in (Role.ADMIN, Role.VIEWER)

    def kitchens(self) -> ColumnElement[bool]:
        """Filter on `Kitchen` rows: the kitchens this caller may see."""
        if self.sees_all:
            return true()
        if self.role == Role.DISTRICT_SUPERVISOR:
            return Kitchen.district_id.in_(self.districts)
        if self.role == Role.GRID_INSPECTOR:
            return Kitchen.grid_id.in_(self.grids)
        if self.role in (Role.CANTEEN_MANAGER, Role.CANTEEN_STAFF) and self.kitchen_id:
            return Kitchen.id == self.kitchen_id
        return false()

    def grids_seen(self) -> ColumnElement[bool]:
        """Filter on `Grid` rows."""
        if self.sees_all:
            return true()
        if self.role == Role.DISTRICT_SUPERVISOR:
            return Grid.district_id.in_(self.districts)
        if self.role == Role.GRID_INSPECTOR:
            return Grid.id.in_(self.grids)
        own = select(Kitchen.grid_id).where(Kitchen.id == self.kitchen_id).scalar_subquery()
        return Grid.id == own

    def streets_seen(self) -> ColumnElement[bool]:
        """Filter on `Street` rows."""
        if self.sees_all:
            return true()
        if self.role == Role.DISTRICT_SUPERVISOR:
            return Street.district_id.in_(self.districts)
        return Street.id.in_(select(Grid.street_id).where(self.grids_seen()))

    def districts_seen(self) -> ColumnElement[bool]:
        """Filter on `District` rows."""
        if self.sees_all:
            return true()
        if self.role == Role.DISTRICT_SUPERVISOR:
            return District.id.in_(self.districts)
        if self.role == Role.GRID_INSPECTOR:
            return District.id.in_(select(Grid.district_id).where(Grid.id.in_(self.grids)))
        own = select(Kitchen.district_id).where(Kitchen.id == self.kitchen_id).scalar_subquery()
        return District.id == own

    def may_see_kitchen(self, session: Session, site: str) -> bool:
        return (
            session.scalar(select(Kitchen.id).where(Kitchen.id == site, self.kitchens()))
            is not None
        )


_bearer = HTTPBearer(auto_error=False, description="Access token from POST /auth/login")


def _unauthorized(detail: str = "请先登录 (sign in first)") -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


NOT_FOUND = "未找到 (not found)"


def authenticate(session: Session, raw: str, now: datetime) -> Caller | None:
    """The caller behind a bearer token, or None when the token is unknown, expired or revoked."""
    row = session.execute(
        select(AccessToken, User)
        .join(User, User.id == AccessToken.user_id)
        .where(
            AccessToken.token_hash == token_digest(raw),
            AccessToken.revoked_at.is_(None),
            AccessToken.expires_at > now,
            User.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    token, user = row
    role = Role(user.role)
    # Only the role that uses a scope table reads it: one query fewer on every request.
    districts: frozenset[str] = frozenset()
    grids: frozenset[str] = frozenset()
    if role == Role.DISTRICT_SUPERVISOR:
        districts = frozenset(
            session.scalars(select(UserDistrict.district_id).where(UserDistrict.user_id == user.id))
        )
    elif role == Role.GRID_INSPECTOR:
        grids = frozenset(
            session.scalars(select(UserGrid.grid_id).where(UserGrid.user_id == user.id))
        )
    return Caller(
        user_id=user.id,
        username=user.username,
        role=role,
        kitchen_id=user.kitchen_id,
        districts=districts,
        grids=grids,
        token_id=token.id,
    )


@dataclass(frozen=True)
class Guard:
    """The dependency that enforces one access rule (see the module docstring)."""

    access: Access

    def __call__(
        self,
        request: Request,
        session: Session = Depends(get_session),  # noqa: B008
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
    ) -> Caller | None:
        res = resources(request)
        if self.access == Access.PUBLIC:
            return None
        if self.access == Access.SIGNED:
            return self._signed(request, res.settings.key())
        if credentials is None:
            raise _unauthorized()
        caller = authenticate(session, credentials.credentials, datetime.now(UTC))
        if caller is None:
            raise _unauthorized("登录已过期或已注销 (token expired or revoked)")
        request.state.caller = caller
        if self.access == Access.USER:
            return caller
        if self.access == Access.ADMIN:
            if caller.role != Role.ADMIN:
                raise HTTPException(status.HTTP_403_FORBIDDEN, "仅管理员 (administrators only)")
            return caller
        site = self._site(request)
        if site is None or not caller.may_see_kitchen(session, site):
            raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
        if self.access == Access.KITCHEN_MANAGE and caller.role not in MANAGE_ROLES:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "只读角色 (read-only role)")
        if self.access == Access.ALERT_ACT and caller.role == Role.VIEWER:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "只读角色 (read-only role)")
        return caller

    def _site(self, request: Request) -> str | None:
        if self.access == Access.EVIDENCE_READ:
            record = resources(request).evidence.record(request.path_params.get("sha256", ""))
            return None if record is None else record.get("site")
        site = request.path_params.get("site")
        # Not an id: no kitchen has it, and it never reaches a query.
        return str(site) if site is not None and _ID_RE.match(str(site)) else None

    @staticmethod
    def _signed(request: Request, key: bytes) -> None:
        try:
            expires = int(request.query_params.get("expires", ""))
        except ValueError:
            expires = 0
        sig = request.query_params.get("sig", "")
        if not check_signature(key, request.url.path, expires, sig):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "链接无效或已过期 (link invalid or expired)"
            )
        return


_RESPONSES: dict[Access, dict[int | str, dict[str, Any]]] = {
    Access.PUBLIC: {},
    Access.SIGNED: {403: {"description": "Link invalid or expired"}},
    Access.USER: {401: {"description": "Not signed in"}},
    Access.ADMIN: {401: {"description": "Not signed in"}, 403: {"description": "Not an admin"}},
    Access.KITCHEN_READ: {
        401: {"description": "Not signed in"},
        404: {"description": "No such kitchen within your scope"},
    },
    Access.KITCHEN_MANAGE: {
        401: {"description": "Not signed in"},
        403: {"description": "Your role may not change kitchens"},
        404: {"description": "No such kitchen within your scope"},
    },
    Access.EVIDENCE_READ: {
        401: {"description": "Not signed in"},
        404: {"description": "No such evidence within your scope"},
    },
    Access.ALERT_ACT: {
        401: {"description": "Not signed in"},
        403: {"description": "Your role may not take this step"},
        404: {"description": "No such kitchen or alert within your scope"},
    },
}


def rule(
    access: Access, responses: dict[int | str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Keyword arguments for a route decorator that declare and enforce `access`."""
    return {
        "dependencies": [Depends(Guard(access))],
        "openapi_extra": {"x-access": access.value},
        "responses": {**_RESPONSES[access], **(responses or {})},
    }


@dataclass(frozen=True)
class RouteInfo:
    """One API route as the app serves it: full path, methods, rule, whether it takes a body."""

    path: str
    methods: frozenset[str]
    access: Access | None
    has_body: bool


def route_access(route: Any) -> Access | None:
    """The access rule a route declares (exactly one guard), or None."""
    found = [d.dependency for d in route.dependencies if isinstance(d.dependency, Guard)]
    return found[0].access if len(found) == 1 else None


def api_routes(routes: Sequence[BaseRoute]) -> list[RouteInfo]:
    """Every API route with its full path, through included routers at any depth.

    FastAPI includes routers lazily (the app's own `routes` holds the included
    routers, not their routes); `iter_route_contexts` resolves them as requests do.
    """
    out = []
    for ctx in iter_route_contexts(routes):
        original = ctx.original_route
        if isinstance(original, APIRoute):
            out.append(
                RouteInfo(
                    path=str(ctx.path),
                    methods=frozenset(ctx.methods or ()),
                    access=route_access(ctx),
                    has_body=original.body_field is not None,
                )
            )
    return out


def check_routes(routes: Sequence[BaseRoute]) -> None:
    """Raise RuntimeError naming every API route without exactly one access rule."""
    missing = [f"{sorted(r.methods)} {r.path}" for r in api_routes(routes) if r.access is None]
    if missing:
        raise RuntimeError(f"routes without an access rule: {', '.join(missing)}")
