"""The public page of a kitchen (一企一码): what a diner scanning its code may know.

Found only by its random public id (never the site id), and it carries no personal
data: name, category, whether the licence is valid, the grade (from the figures
issue; null until then) and the QR code that leads here.
"""

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import segno
from fastapi import APIRouter, HTTPException, Path, Response, status
from sqlalchemy import select

from api.deps import SessionDep, SettingsDep
from api.models import Kitchen
from api.schemas import PublicKitchen
from api.scoping import Access, rule

router = APIRouter(prefix="/public", tags=["public"])

PublicId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$", description="Public id of the page")
]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such page"}}


def _kitchen(session: Any, public_id: str) -> Kitchen:
    row: Kitchen | None = session.scalar(select(Kitchen).where(Kitchen.public_id == public_id))
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "未找到 (not found)")
    return row


def _page_url(base: str, public_id: str) -> str:
    """What the code at the door opens: the console's public page (JSON is for programs)."""
    return f"{base.rstrip('/')}/console/public/{public_id}"


@router.get(
    "/kitchens/{public_id}", response_model=PublicKitchen, **rule(Access.PUBLIC, _NOT_FOUND)
)
def public_kitchen(public_id: PublicId, session: SessionDep) -> PublicKitchen:
    """Name, category and licence validity of one kitchen; no personal data."""
    k = _kitchen(session, public_id)
    today = datetime.now(UTC).astimezone(ZoneInfo(k.timezone)).date()
    valid = bool(k.licence_no) and k.licence_expiry is not None and k.licence_expiry >= today
    return PublicKitchen(
        public_id=k.public_id,
        name=k.name,
        category=k.category,
        licence_valid=valid,
        licence_expiry=k.licence_expiry,
        grade=None,
        qr_svg_url=f"/public/kitchens/{k.public_id}/qr.svg",
        qr_png_url=f"/public/kitchens/{k.public_id}/qr.png",
    )


@router.get(
    "/kitchens/{public_id}/qr.svg",
    response_class=Response,
    **rule(Access.PUBLIC, {**_NOT_FOUND, 200: {"content": {"image/svg+xml": {}}}}),
)
def public_qr_svg(public_id: PublicId, session: SessionDep, settings: SettingsDep) -> Response:
    """QR code (SVG) of the kitchen's public page, for printing at the door."""
    k = _kitchen(session, public_id)
    import io

    buf = io.BytesIO()
    # A standalone SVG document (with its namespace): a browser shows it as an image.
    segno.make(_page_url(settings.public_base_url, k.public_id), error="m").save(
        buf, kind="svg", scale=8, xmldecl=False
    )
    return Response(buf.getvalue(), media_type="image/svg+xml")


@router.get(
    "/kitchens/{public_id}/qr.png",
    response_class=Response,
    **rule(Access.PUBLIC, {**_NOT_FOUND, 200: {"content": {"image/png": {}}}}),
)
def public_qr_png(public_id: PublicId, session: SessionDep, settings: SettingsDep) -> Response:
    """QR code (PNG) of the kitchen's public page."""
    import io

    k = _kitchen(session, public_id)
    buf = io.BytesIO()
    segno.make(_page_url(settings.public_base_url, k.public_id), error="m").save(
        buf, kind="png", scale=8
    )
    return Response(buf.getvalue(), media_type="image/png")
