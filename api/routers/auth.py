"""Sign in and out: short-lived bearer tokens (see api.security)."""

import time
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request, status

from api.deps import CallerDep, ResourcesDep, SessionDep
from api.models import User
from api.routers.users import user_public
from api.schemas import LoginRequest, TokenPublic, UserPublic
from api.scoping import Access, rule
from api.security import LoginRefused, login, revoke_token

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/login",
    response_model=TokenPublic,
    **rule(
        Access.PUBLIC, {401: {"description": "Wrong credentials"}, 429: {"description": "Locked"}}
    ),
)
def sign_in(
    body: LoginRequest, session: SessionDep, res: ResourcesDep, request: Request
) -> TokenPublic:
    """Exchange username and password for an access token (locked after repeated failures)."""
    client = request.client.host if request.client else "unknown"
    now = time.monotonic()
    wait = res.login_failures.blocked_for(client, now)
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "尝试过多，请稍后再试 (too many failed logins from this address)",
            headers={"Retry-After": str(wait)},
        )
    try:
        issued = login(session, res.settings, body.username, body.password, datetime.now(UTC))
    except LoginRefused as exc:
        res.login_failures.failed(client, now)
        if exc.locked_for_s:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                exc.detail,
                headers={"Retry-After": str(exc.locked_for_s)},
            ) from exc
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, exc.detail) from exc
    return TokenPublic(access_token=issued.token, expires_at=issued.expires_at)


@router.post("/logout", status_code=204, **rule(Access.USER))
def sign_out(caller: CallerDep, session: SessionDep) -> None:
    """Revoke the token of this request at once."""
    revoke_token(session, caller.token_id, datetime.now(UTC))


@router.get("/me", response_model=UserPublic, **rule(Access.USER))
def me(caller: CallerDep, session: SessionDep, request: Request) -> UserPublic:
    """Who the token belongs to, with their role and scope."""
    user = session.get(User, caller.user_id)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "user gone")
    return user_public(session, user)
