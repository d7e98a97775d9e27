"""Liveness for load balancers and `bk api run` smoke checks."""

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SessionDep
from api.schemas import Health
from api.scoping import Access, rule

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, **rule(Access.PUBLIC))
def health(session: SessionDep) -> Health:
    """Up, and whether the database answers."""
    try:
        session.execute(text("SELECT 1"))
        ok = True
    except SQLAlchemyError:
        ok = False
    return Health(database=ok)
