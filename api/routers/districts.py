"""Districts (区): the top of the registry; each has supervisors."""

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from api.deps import CallerDep, SessionDep
from api.models import District
from api.schemas import DistrictCreate, DistrictPublic
from api.scoping import Access, rule

router = APIRouter(prefix="/districts", tags=["registry"])


@router.get("", response_model=list[DistrictPublic], **rule(Access.USER))
def list_districts(caller: CallerDep, session: SessionDep) -> list[District]:
    """The districts within the caller's scope."""
    return list(
        session.scalars(select(District).where(caller.districts_seen()).order_by(District.id))
    )


@router.post(
    "",
    response_model=DistrictPublic,
    status_code=201,
    **rule(Access.ADMIN, {409: {"description": "Exists"}}),
)
def add_district(body: DistrictCreate, session: SessionDep) -> District:
    """Create a district."""
    if session.get(District, body.id) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"district {body.id} exists")
    row = District(id=body.id, name=body.name)
    session.add(row)
    session.commit()
    return row
