"""Streets and towns (街道/镇): between a district and its grids."""

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from api.deps import CallerDep, SessionDep
from api.models import District, Street
from api.schemas import StreetCreate, StreetPublic
from api.scoping import Access, rule

router = APIRouter(prefix="/streets", tags=["registry"])


@router.get("", response_model=list[StreetPublic], **rule(Access.USER))
def list_streets(caller: CallerDep, session: SessionDep) -> list[Street]:
    """The streets within the caller's scope."""
    return list(session.scalars(select(Street).where(caller.streets_seen()).order_by(Street.id)))


@router.post(
    "",
    response_model=StreetPublic,
    status_code=201,
    **rule(Access.ADMIN, {409: {"description": "Exists or unknown district"}}),
)
def add_street(body: StreetCreate, session: SessionDep) -> Street:
    """Create a street in an existing district."""
    if session.get(Street, body.id) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"street {body.id} exists")
    if session.get(District, body.district_id) is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"no district {body.district_id}")
    row = Street(id=body.id, district_id=body.district_id, name=body.name)
    session.add(row)
    session.commit()
    return row
