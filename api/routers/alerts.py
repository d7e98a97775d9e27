"""Alerts and their rectification (预警 → 整改 → 复核) through the API.

Reading: the alerts in the caller's scope with their task (tier, state, deadline),
one alert with its audit trail. Acting: POST a step; the API checks the caller's role
for it and queues it for the rules worker that owns the kitchen (the one owner of
alert state), which applies it within about a second. The answer says whether it
was applied already; the step shows in GET .../alerts/{alert_id} once it is. Retrying
a POST with the same `request_id` queues nothing new.
"""

import base64
import binascii
import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import CallerDep, ResourcesDep, SessionDep
from api.livestate import alert_public
from api.models import Kitchen
from api.schemas import (
    ActionIn,
    ActionQueued,
    AlertCase,
    AlertDetail,
    PhotoIn,
    PhotoStored,
    StepPublic,
)
from api.scoping import NOT_FOUND, Access, rule
from api.workflow import alert_of, file_false_positive, may, queue, store_photo, task_of
from rules.alerts import OPEN_STATES, WF_CLOSED, steps_fitting
from rules.store import AlertRow, AlertStore, WorkflowRow

logger = logging.getLogger(__name__)
router = APIRouter(tags=["alerts"])

AlertId = Annotated[str, Path(description="Alert id", min_length=8, max_length=64)]


def _case(row: AlertRow, wf: WorkflowRow | None) -> AlertCase:
    base = alert_public(row).model_dump()
    return AlertCase(
        **base,
        tier=wf.tier if wf else None,
        task_state=wf.state if wf else None,
        deadline=wf.deadline if wf else None,
        overdue=bool(wf and wf.overdue_at is not None),
        assignee=wf.assignee if wf else None,
        rejections=wf.rejections if wf else 0,
        steps_fitting=steps_fitting(wf.state if wf else None),
    )


@router.get("/alerts", response_model=list[AlertCase], **rule(Access.USER))
def list_alerts(
    caller: CallerDep,
    session: SessionDep,
    res: ResourcesDep,
    site: Annotated[str | None, Query(max_length=64, description="One kitchen")] = None,
    open_only: Annotated[
        bool, Query(description="Only alerts open, or whose rectification is open")
    ] = True,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AlertCase]:
    """Alerts of the kitchens the caller may see, newest first, each with its task."""
    kitchens = set(session.scalars(select(Kitchen.id).where(caller.kitchens())))
    if site is not None:
        kitchens &= {site}
    if not kitchens:
        return []
    with Session(res.alerts_engine) as s:
        q = (
            select(AlertRow, WorkflowRow)
            .outerjoin(WorkflowRow, WorkflowRow.alert_id == AlertRow.id)
            .where(AlertRow.site.in_(kitchens))
        )
        if open_only:
            q = q.where(
                AlertRow.state.in_([x.value for x in OPEN_STATES])
                | (WorkflowRow.state.is_not(None) & WorkflowRow.state.not_in(WF_CLOSED))
            )
        q = q.order_by(AlertRow.started_at.desc(), AlertRow.id).limit(limit)
        return [_case(a, w) for a, w in s.execute(q).all()]


@router.get(
    "/kitchens/{site}/alerts/{alert_id}",
    response_model=AlertDetail,
    **rule(Access.KITCHEN_READ),
)
def get_alert(site: str, alert_id: AlertId, session: SessionDep, res: ResourcesDep) -> AlertDetail:
    """One alert of the kitchen, its rectification task and every step of its audit trail."""
    row = alert_of(session, res.alerts_engine, site, alert_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    wf, steps = task_of(res.alerts_engine, alert_id)
    case = _case(row, wf)
    return AlertDetail(**case.model_dump(), steps=[StepPublic.model_validate(s) for s in steps])


@router.post(
    "/kitchens/{site}/alerts/{alert_id}/actions",
    response_model=ActionQueued,
    status_code=202,
    **rule(Access.ALERT_ACT, {422: {"description": "Incomplete step (photo, reason...)"}}),
)
def post_action(
    site: str,
    alert_id: AlertId,
    body: ActionIn,
    caller: CallerDep,
    session: SessionDep,
    res: ResourcesDep,
) -> ActionQueued:
    """Take a step: ack, rectify (comment + photos), review_accept, review_reject (reason),
    false_positive, comment, reassign. Queued for the kitchen's rules worker."""
    if not may(caller.role, body.action):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"此角色不能执行该操作 (your role may not {body.action})"
        )
    row = alert_of(session, res.alerts_engine, site, alert_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    for sha in body.photos:
        rec = res.evidence.record(sha)
        if rec is None or rec.get("site") != site:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_ENTITY, f"照片不存在 (no such photo {sha[:12]})"
            )
    try:
        _, duplicate = queue(
            res.alerts_engine,
            body.request_id,
            alert_id,
            body.action,
            caller.username,
            caller.role.value,
            body.comment,
            tuple(body.photos),
            body.assignee,
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from exc
    if body.action == "false_positive" and not duplicate:
        shas = [str(e.get("sha256")) for e in (row.evidence or []) if e.get("sha256")]
        file_false_positive(res.settings.evidence_dir, shas, caller.username, body.comment or "")
    applied = AlertStore.on(res.alerts_engine).request_done(body.request_id)
    logger.info("%s queued %s on %s (%s)", caller.username, body.action, alert_id[:8], site)
    return ActionQueued(request_id=body.request_id, duplicate=duplicate, applied=bool(applied))


@router.post(
    "/kitchens/{site}/alerts/{alert_id}/photos",
    response_model=PhotoStored,
    status_code=201,
    **rule(Access.ALERT_ACT, {422: {"description": "Not a JPEG, or too large"}}),
)
def post_photo(
    site: str,
    alert_id: AlertId,
    body: PhotoIn,
    caller: CallerDep,
    session: SessionDep,
    res: ResourcesDep,
) -> PhotoStored:
    """Upload a rectification photo (JPEG, base64); kept as the kitchen's evidence.

    Name its id in the `photos` of a `rectify` step.
    """
    if alert_of(session, res.alerts_engine, site, alert_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    try:
        data = base64.b64decode(body.jpeg_base64, validate=True)
        sha = store_photo(res.settings.evidence_dir, data, site, alert_id, caller.username)
    except (ValueError, binascii.Error) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from exc
    return PhotoStored(sha256=sha)
