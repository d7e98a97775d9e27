"""People and their roles (administrators only)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.models import District, Grid, Kitchen, User, UserDistrict, UserGrid
from api.schemas import RevokedPublic, UserCreate, UserPublic
from api.scoping import Access, rule
from api.security import hash_password, revoke_user_tokens

router = APIRouter(prefix="/users", tags=["users"])

UserId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Account id")]


def user_public(session: Session, user: User) -> UserPublic:
    districts = session.scalars(
        select(UserDistrict.district_id).where(UserDistrict.user_id == user.id)
    ).all()
    grids = session.scalars(select(UserGrid.grid_id).where(UserGrid.user_id == user.id)).all()
    out = UserPublic.model_validate(user)
    out.districts, out.grids = sorted(districts), sorted(grids)
    return out


def create_user(session: Session, body: UserCreate) -> User:
    """Add a person with their scope; ValueError naming what does not exist or clashes."""
    if body.kitchen_id and session.get(Kitchen, body.kitchen_id) is None:
        raise ValueError(f"no kitchen {body.kitchen_id}")
    for d in body.districts:
        if session.get(District, d) is None:
            raise ValueError(f"no district {d}")
    for g in body.grids:
        if session.get(Grid, g) is None:
            raise ValueError(f"no grid {g}")
    if session.scalar(select(User.id).where(User.username == body.username)) is not None:
        raise ValueError(f"username {body.username} is taken")
    user = User(
        username=body.username,
        display_name=body.display_name,
        role=body.role.value,
        kitchen_id=body.kitchen_id,
        password_hash=hash_password(body.password),
        active=True,
        created_at=datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    session.add_all(UserDistrict(user_id=user.id, district_id=d) for d in set(body.districts))
    session.add_all(UserGrid(user_id=user.id, grid_id=g) for g in set(body.grids))
    session.commit()
    return user


@router.get("", response_model=list[UserPublic], **rule(Access.ADMIN))
def list_users(session: SessionDep) -> list[UserPublic]:
    """Every account with its role and scope."""
    users = session.scalars(select(User).order_by(User.id)).all()
    return [user_public(session, u) for u in users]


@router.post("", response_model=UserPublic, status_code=201, **rule(Access.ADMIN))
def add_user(body: UserCreate, session: SessionDep) -> UserPublic:
    """Create an account; its scope must name existing districts, grids or a kitchen."""
    try:
        user = create_user(session, body)
    except (ValueError, IntegrityError) as exc:
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc).splitlines()[0]) from exc
    return user_public(session, user)


@router.post("/{user_id}/revoke", response_model=RevokedPublic, **rule(Access.ADMIN))
def revoke(user_id: UserId, session: SessionDep) -> RevokedPublic:
    """Revoke every live token of a person (lost phone, left the job)."""
    if session.get(User, user_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
    return RevokedPublic(revoked=revoke_user_tokens(session, user_id, datetime.now(UTC)))


@router.post("/{user_id}/deactivate", response_model=UserPublic, **rule(Access.ADMIN))
def deactivate(user_id: UserId, session: SessionDep) -> UserPublic:
    """Disable an account and revoke its tokens; kept for the audit trail."""
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
    user.active = False
    session.commit()
    revoke_user_tokens(session, user_id, datetime.now(UTC))
    return user_public(session, user)
