"""Evidence pictures by SHA-256: to signed-in people who may see the kitchen, or by signed link.

A picture is found by its id alone, but the guard first looks up the kitchen it was
taken in (from its boxes record) and answers 404 unless the caller may see that
kitchen, so an id from another kitchen, or a guessed one, reveals nothing. Robots
(WeCom, DingTalk...) cannot sign in: notifications carry `/signed/evidence/{id}` links
whose HMAC covers that very path and an expiry (core/signing.py).
"""

import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from fastapi.responses import FileResponse
from pydantic import ValidationError

from api.deps import ResourcesDep
from api.schemas import EvidenceBox, EvidencePublic, SignedLink
from api.scoping import Access, rule
from core.signing import evidence_api_path, evidence_path, sign_path

logger = logging.getLogger(__name__)
router = APIRouter(tags=["evidence"])

Sha = Annotated[str, Path(description="SHA-256 of the picture", min_length=1, max_length=64)]
_JPEG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}}, "description": "The picture (JPEG)"}
}


def _picture(res: Any, sha256: str) -> FileResponse:
    path = res.evidence.picture(sha256)
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "未找到 (not found)")
    return FileResponse(
        path,
        media_type="image/jpeg",
        headers={"Cache-Control": "private, max-age=3600", "X-Content-SHA256": sha256},
    )


@router.get("/evidence/{sha256}", response_model=EvidencePublic, **rule(Access.EVIDENCE_READ))
def get_evidence(sha256: Sha, res: ResourcesDep) -> EvidencePublic:
    """The picture's metadata: kitchen, camera, time, model and the boxes drawn on it."""
    rec = res.evidence.record(sha256)
    if rec is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "未找到 (not found)")
    boxes = []
    for b in rec.get("boxes", []):
        try:
            boxes.append(EvidenceBox.model_validate(b))
        except ValidationError:
            logger.warning("evidence %s: unreadable box %r left out", sha256[:12], b)
    return EvidencePublic(
        sha256=sha256,
        site=str(rec.get("site", "")),
        camera=rec.get("camera"),
        ts=rec.get("ts"),
        model=rec.get("model"),
        frame_sha256=rec.get("frame_sha256"),
        boxes=boxes,
        image_url=evidence_api_path(sha256),
    )


@router.get(
    "/evidence/{sha256}/image",
    response_class=FileResponse,
    **rule(Access.EVIDENCE_READ, _JPEG),
)
def get_evidence_image(sha256: Sha, res: ResourcesDep) -> FileResponse:
    """The picture with its boxes drawn (JPEG)."""
    return _picture(res, sha256)


@router.get("/evidence/{sha256}/link", response_model=SignedLink, **rule(Access.EVIDENCE_READ))
def get_signed_link(
    sha256: Sha,
    res: ResourcesDep,
    ttl_s: Annotated[int | None, Query(ge=60, le=7 * 24 * 3600)] = None,
) -> SignedLink:
    """A signed, expiring URL of the picture for someone who cannot sign in."""
    path = evidence_path(sha256)
    expires, sig = sign_path(res.settings.key(), path, ttl_s or res.settings.signed_link_ttl_s)
    base = res.settings.public_base_url.rstrip("/")
    return SignedLink(url=f"{base}{path}?expires={expires}&sig={sig}", expires=expires)


@router.get(
    "/signed/evidence/{sha256}",
    response_class=FileResponse,
    **rule(Access.SIGNED, _JPEG),
)
def get_signed_evidence(
    sha256: Sha,
    res: ResourcesDep,
    expires: Annotated[int, Query(description="Expiry, epoch seconds")] = 0,
    sig: Annotated[str, Query(max_length=128, description="HMAC-SHA256, hex")] = "",
) -> FileResponse:
    """The picture, for the holder of a signed link to exactly this id."""
    return _picture(res, sha256)
