"""The supervision loop as the API sees it: who may do which step, and photos as evidence.

The API never changes alert state. It checks the caller's role for the action,
queues the action in the alert store's request table (rules.store.AlertStore
`request_action`, idempotent by the client's request id) and the rules worker that
owns the kitchen applies it within its next tick (about a second), recording the
step in the audit trail. Reads (the alert, its task, its steps) come from the same
store, so what a person sees is what the worker wrote.

Rectification photos are kept like vision evidence: content-addressed JPEGs in the
evidence directory, a record naming the kitchen (so the evidence routes scope them
like any other picture) and an entry in the hash chain.
"""

import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.models import Role
from core.evidence_chain import ChainLock
from rules.store import AlertRow, AlertStore, StepRow, WorkflowRow

logger = logging.getLogger(__name__)

# Which roles may take which step (checked before queueing; the engine checks the state).
ACTION_ROLES: dict[str, frozenset[Role]] = {
    "ack": frozenset(
        {Role.ADMIN, Role.CANTEEN_MANAGER, Role.CANTEEN_STAFF, Role.DISTRICT_SUPERVISOR}
    ),
    "rectify": frozenset({Role.ADMIN, Role.CANTEEN_MANAGER, Role.CANTEEN_STAFF}),
    "review_accept": frozenset({Role.ADMIN, Role.GRID_INSPECTOR, Role.DISTRICT_SUPERVISOR}),
    "review_reject": frozenset({Role.ADMIN, Role.GRID_INSPECTOR, Role.DISTRICT_SUPERVISOR}),
    "false_positive": frozenset({Role.ADMIN, Role.GRID_INSPECTOR, Role.DISTRICT_SUPERVISOR}),
    "comment": frozenset(set(Role) - {Role.VIEWER}),
    "reassign": frozenset(
        {Role.ADMIN, Role.CANTEEN_MANAGER, Role.GRID_INSPECTOR, Role.DISTRICT_SUPERVISOR}
    ),
}
MAX_PHOTO_BYTES = 8 * 1024 * 1024


def may(role: Role, action: str) -> bool:
    return role in ACTION_ROLES.get(action, frozenset())


def alert_of(session: Session, alerts: Engine, site: str, alert_id: str) -> AlertRow | None:
    """The alert with this id if it is this kitchen's (another kitchen's reads as none)."""
    q = select(AlertRow).where(AlertRow.id == alert_id, AlertRow.site == site)
    if session.get_bind() is alerts:
        row = session.scalars(q).first()
        if row is not None:
            session.expunge(row)
        return row
    with Session(alerts) as own:
        row = own.scalars(q).first()
        if row is not None:
            own.expunge(row)
        return row


def task_of(alerts: Engine, alert_id: str) -> tuple[WorkflowRow | None, list[StepRow]]:
    with Session(alerts) as s:
        wf = s.get(WorkflowRow, alert_id)
        steps = list(
            s.scalars(select(StepRow).where(StepRow.alert_id == alert_id).order_by(StepRow.seq))
        )
        s.expunge_all()
        return wf, steps


def queue(
    alerts: Engine,
    request_id: str,
    alert_id: str,
    action: str,
    actor: str,
    role: str,
    comment: str | None,
    photos: tuple[str, ...],
    assignee: str | None,
) -> tuple[int, bool]:
    """Queue one action for the owning worker; (seq, whether it was queued before)."""
    return AlertStore.on(alerts, "api").request_action(
        request_id,
        alert_id,
        action,
        actor,
        role,
        datetime.now(UTC),
        comment,
        photos,
        assignee,
    )


def is_jpeg(data: bytes) -> bool:
    return data[:3] == b"\xff\xd8\xff" and data.rstrip(b"\x00")[-2:] == b"\xff\xd9"


def store_photo(root: Path, jpeg: bytes, site: str, alert_id: str, actor: str) -> str:
    """Keep a rectification photo as evidence of `site`; its SHA-256.

    Content-addressed like vision's pictures (the same photo twice is one file and
    one chain entry); the record names the kitchen, so only people who may see the
    kitchen may see it.
    """
    if not is_jpeg(jpeg) or len(jpeg) > MAX_PHOTO_BYTES:
        raise ValueError("照片须为 JPEG，不超过 8 MB (a JPEG of at most 8 MB)")
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(jpeg).hexdigest()
    pic = root / f"{digest}.jpg"
    if not pic.exists():
        tmp = pic.with_suffix(".upload.tmp")
        tmp.write_bytes(jpeg)
        tmp.replace(pic)
    ts = datetime.now(UTC).isoformat()
    record: dict[str, object] = {
        "site": site,
        "camera": None,
        "ts": ts,
        "kind": "rectification",
        "alert_id": alert_id,
        "by": actor,
        "boxes": [],
    }
    with ChainLock(root) as chain:
        path = root / f"{digest}.json"
        if path.exists():  # already recorded and chained: its record must not change
            return digest
        body = json.dumps(record).encode()
        tmp = path.with_suffix(".json.tmp")
        tmp.write_bytes(body)
        tmp.replace(path)
        chain.append(
            {
                "sha256": digest,
                "frame_sha256": digest,
                "record_sha256": hashlib.sha256(body).hexdigest(),
                "site": site,
                "camera": "",
                "ts": ts,
            }
        )
    return digest


def file_false_positive(
    evidence_dir: Path, shas: list[str], actor: str, comment: str
) -> list[Path]:
    """File the frames of a vision alert marked false into the retraining set, as
    `bk vision false-positive` does (vision/feedback.py), beside the evidence directory
    (`var/retrain` for `var/evidence`, vision's default). Pictures without a boxes
    record (not vision's) are skipped."""
    from vision.card import DEFAULT_CARD, load_card
    from vision.evidence import EvidenceStore
    from vision.feedback import mark_false_positive

    store = EvidenceStore(evidence_dir)
    classes = load_card(DEFAULT_CARD)[0].classes
    out = []
    for sha in shas:
        try:
            out.append(
                mark_false_positive(
                    store, sha, evidence_dir.parent / "retrain", classes, None, actor, comment
                )
            )
        except (FileNotFoundError, KeyError, ValueError) as exc:
            logger.warning("false positive %s not filed for retraining: %s", sha[:12], exc)
    return out
