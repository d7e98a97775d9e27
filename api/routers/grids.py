"""Grids (网格): the unit a named inspector is responsible for (定格、定岗、定员、定责)."""

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from api.deps import CallerDep, SessionDep
from api.models import Grid, Street
from api.schemas import GridCreate, GridPublic
from api.scoping import Access, rule

router = APIRouter(prefix="/grids", tags=["registry"])


@router.get("", response_model=list[GridPublic], **rule(Access.USER))
def list_grids(caller: CallerDep, session: SessionDep) -> list[Grid]:
    """The grids within the caller's scope."""
    return list(session.scalars(select(Grid).where(caller.grids_seen()).order_by(Grid.id)))


@router.post(
    "",
    response_model=GridPublic,
    status_code=201,
    **rule(Access.ADMIN, {409: {"description": "Exists or unknown street"}}),
)
def add_grid(body: GridCreate, session: SessionDep) -> Grid:
    """Create a grid in an existing street (its district follows the street's)."""
    if session.get(Grid, body.id) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"grid {body.id} exists")
    street = session.get(Street, body.street_id)
    if street is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"no street {body.street_id}")
    row = Grid(id=body.id, street_id=street.id, district_id=street.district_id, name=body.name)
    session.add(row)
    session.commit()
    return row
