"""Alert store through SQLAlchemy 2: SQLite file by default, PostgreSQL by URL.

Tables: `alerts` (one row per incident, its current state), `alert_audit` (every
transition, escalation and reminder: who, when, what was said), `engine_state` (the
engine's checkpoint, so a restart resumes mid-incident), `alert_actions` (ack/resolve
requests from people, applied by the running service). The HACCP export reads
`alerts` + `alert_audit`.

Several rules workers may share one database (each owns the kitchens of its
partition, see rules.partition). So that they never touch each other's rows, a store
can be told which sites it owns (`owns`): it then loads only their open alerts and
takes only the requests addressed to them, and a request is claimed by exactly one
worker. Everything here behaves the same on SQLite and PostgreSQL; where PostgreSQL
is stricter (column lengths, NUL characters) input is checked before it is queued.
"""

import csv
import io
import json
import logging
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    create_engine,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from core.schemas import AlertEvent, AlertState, Severity
from rules.alerts import OPEN_STATES, WF_ACTIONS, WF_CLOSED, Alert, Step, Workflow, WorkflowRequest

logger = logging.getLogger(__name__)

# Key of the PostgreSQL advisory lock held while the schema is created ("bk-rules").
_SCHEMA_LOCK = 0x626B2D72756C6573
# Control characters (newline allowed), as core.schemas.alerts refuses them in texts;
# PostgreSQL also refuses NUL in any text column.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
# Column lengths below; AlertEvent has the same limits for actor (128) and comment (2000).
MAX_REF, MAX_ACTOR, MAX_COMMENT = 64, 128, 2000


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware in, timezone-aware (UTC) out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class AlertRow(Base):
    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(129))  # two 64-character ids and a "/"
    device: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acked_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    comment: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(500))
    value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    level: Mapped[int] = mapped_column(Integer, default=0)
    last_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    silenced: Mapped[int] = mapped_column(Integer, default=0)
    evidence: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class AuditRow(Base):
    __tablename__ = "alert_audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(String(64), index=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(128))
    comment: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[float | None] = mapped_column(Float)


class StateRow(Base):
    __tablename__ = "engine_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)


class ActionRow(Base):
    __tablename__ = "alert_actions"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ref: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    done: Mapped[int] = mapped_column(Integer, default=0, index=True)


class WorkflowRow(Base):
    """The rectification task of one alert (rules.alerts.Workflow), written by its worker."""

    __tablename__ = "alert_workflow"

    alert_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    tier: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), index=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime)
    assignee: Mapped[str | None] = mapped_column(String(128))
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rectified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(128))
    overdue_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rejections: Mapped[int] = mapped_column(Integer, default=0)


class StepRow(Base):
    """The supervision audit trail: every workflow step with its actor, role and photos."""

    __tablename__ = "alert_steps"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(String(64), index=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(128))
    role: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    request_id: Mapped[str | None] = mapped_column(String(64))


class RequestRow(Base):
    """A workflow action from a person (API), applied by the worker owning the alert.

    `request_id` is the client's: a retried POST inserts nothing new (idempotent).
    `done` is set in the same transaction that records the step it caused, so a worker
    killed mid-way applies it again after restart, and never twice.
    """

    __tablename__ = "alert_requests"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    ref: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    assignee: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    done: Mapped[int] = mapped_column(Integer, default=0, index=True)


_WF_FIELDS = [
    "alert_id",
    "site",
    "rule",
    "tier",
    "state",
    "opened_at",
    "updated_at",
    "deadline",
    "assignee",
    "acked_at",
    "submitted_at",
    "rectified_at",
    "closed_at",
    "closed_by",
    "overdue_at",
    "rejections",
]
_SHA = re.compile(r"\A[0-9a-f]{64}\Z")


_FIELDS = [
    "id",
    "fingerprint",
    "site",
    "rule",
    "subject",
    "device",
    "state",
    "started_at",
    "updated_at",
    "fired_at",
    "acked_at",
    "acked_by",
    "resolved_at",
    "resolved_by",
    "comment",
    "summary",
    "value",
    "threshold",
    "level",
    "last_notified_at",
    "last_seen_at",
    "evidence",
]


R = TypeVar("R", ActionRow, RequestRow)
"""A queued request row of either kind (`bk rules ack` or a workflow step)."""


class AlertStore:
    """The engine's persistence and the people's record. One per process.

    `name` keys this worker's engine checkpoint (the service uses `worker-i-of-N`).
    `owns(site)` says which kitchens this worker runs; None means all of them (one
    worker, or a reader such as the CLI and the API).
    """

    def __init__(
        self,
        url: str = "sqlite:///var/rules/alerts.db",
        name: str = "default",
        owns: Callable[[str], bool] | None = None,
    ) -> None:
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # A server's restart (or failover) leaves dead connections in the pool: test
        # each one before use so the worker carries on instead of failing a tick.
        self.engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
        self.name = name
        self.owns = owns
        self._create_schema()

    @classmethod
    def on(cls, engine: Any, name: str = "reader") -> "AlertStore":
        """A store over an engine someone else owns (the API's); creates no tables."""
        store = cls.__new__(cls)
        store.engine, store.name, store.owns = engine, name, None
        return store

    def _create_schema(self) -> None:
        """Create missing tables; safe when several workers start at the same moment."""
        if self.engine.dialect.name == "postgresql":
            # Two concurrent CREATE TABLEs of one name collide in pg_type (a unique
            # violation, not "already exists"): serialise on an advisory lock held
            # until this transaction's DDL commits, after which the others see it.
            with self.engine.begin() as conn:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
                Base.metadata.create_all(conn)
            return
        for attempt in range(5):
            try:
                Base.metadata.create_all(self.engine)
                return
            except OperationalError as exc:
                # SQLite: another process created a table (or held the write lock)
                # between our check and our CREATE; checking again sees its work.
                if attempt == 4:
                    raise
                logger.debug("schema creation raced another process (%s); retrying", exc)

    def close(self) -> None:
        self.engine.dispose()

    # -- engine persistence ---------------------------------------------------------------

    def record(self, alert: Alert, event: AlertEvent, note: str | None = None) -> None:
        with Session(self.engine) as s, s.begin():
            row = s.get(AlertRow, alert.id)
            if row is None:
                row = AlertRow(id=alert.id)
                s.add(row)
            for f in _FIELDS:
                setattr(row, f, getattr(alert, f))
            row.summary = alert.summary[:500]  # as AlertEvent; PostgreSQL enforces VARCHAR(500)
            row.severity = alert.severity.value
            row.state = alert.state.value
            row.silenced = int(alert.silenced)
            s.add(
                AuditRow(
                    alert_id=alert.id,
                    ts=event.ts,
                    state=event.state.value,
                    actor=event.actor,
                    comment=event.comment,
                    note=note,
                    value=event.value,
                )
            )

    def load_open(self) -> list[Alert]:
        """Open alerts of the sites this store owns (another worker's are not ours to run)."""
        with Session(self.engine) as s:
            rows = s.scalars(
                select(AlertRow)
                .where(AlertRow.state.in_([x.value for x in OPEN_STATES]))
                .order_by(AlertRow.started_at, AlertRow.id)
            ).all()
            out = []
            for row in rows:
                if self.owns is not None and not self.owns(row.site):
                    continue
                kw = {f: getattr(row, f) for f in _FIELDS}
                kw["state"] = AlertState(row.state)
                kw["evidence"] = list(row.evidence or [])
                out.append(
                    Alert(severity=Severity(row.severity), silenced=bool(row.silenced), **kw)
                )
            return out

    def load_state(self) -> dict[str, Any] | None:
        with Session(self.engine) as s:
            row = s.get(StateRow, self.name)
            return json.loads(row.data) if row is not None else None

    def save_state(self, state: dict[str, Any]) -> None:
        data = json.dumps(state, separators=(",", ":"))
        with Session(self.engine) as s, s.begin():
            row = s.get(StateRow, self.name)
            if row is None:
                s.add(StateRow(name=self.name, data=data))
            else:
                row.data = data

    # -- people ---------------------------------------------------------------------------

    def request(self, ref: str, action: str, actor: str, comment: str | None, at: datetime) -> None:
        """Queue an ack/resolve for the running service (the API and CLI use this).

        Refused here (ValueError), on every backend, is what would fail later: text
        too long for its column (PostgreSQL raises, SQLite would store it), control
        characters or NUL, or what the engine's AlertEvent would reject mid-tick.
        """
        if action not in ("ack", "resolve"):
            raise ValueError(f"unknown action {action!r}")
        if not 0 < len(ref) <= MAX_REF or _CONTROL.search(ref):
            raise ValueError(f"alert reference must be 1-{MAX_REF} printable characters")
        if not 0 < len(actor) <= MAX_ACTOR or _CONTROL.search(actor):
            raise ValueError(f"actor must be 1-{MAX_ACTOR} printable characters")
        if comment is not None and (len(comment) > MAX_COMMENT or _CONTROL.search(comment)):
            raise ValueError(f"comment must be at most {MAX_COMMENT} characters, no control codes")
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("request time must be timezone-aware")
        with Session(self.engine) as s, s.begin():
            s.add(ActionRow(ref=ref, action=action, actor=actor, comment=comment, at=at))

    def _owned(self, s: Session, pending: Sequence[R]) -> list[R]:
        """The requests this store's worker owns: those for alerts of its sites, and those
        naming no known alert (taken by whoever comes first; the engine ignores them)."""
        if self.owns is None:
            return list(pending)
        refs = {r.ref for r in pending}
        site_of: dict[str, str] = {}
        for aid, fp, site in s.execute(
            select(AlertRow.id, AlertRow.fingerprint, AlertRow.site).where(
                AlertRow.id.in_(refs) | AlertRow.fingerprint.in_(refs)
            )
        ):
            site_of[aid] = site
            site_of[fp] = site
        return [r for r in pending if r.ref not in site_of or self.owns(site_of[r.ref])]

    def take_requests(self) -> list[tuple[str, str, str, str | None, datetime]]:
        """Claim the pending requests for this store's sites, oldest first.

        Each request is claimed with `UPDATE ... WHERE done = 0`: when two workers poll
        at once, the row lock (PostgreSQL) or the write lock (SQLite) makes the second
        update match nothing, so a request is applied by exactly one worker (both claim
        in `seq` order, so they never deadlock). A request for an alert of a site we do
        not own is left for its owner; one naming no known alert is taken by whoever
        comes first (the engine ignores it).
        """
        with Session(self.engine) as s:
            pending = s.scalars(
                select(ActionRow).where(ActionRow.done == 0).order_by(ActionRow.seq)
            ).all()
            if not pending:
                return []
            pending = self._owned(s, pending)
            wanted = [(r.seq, r.ref, r.action, r.actor, r.comment, r.at) for r in pending]
        out = []
        with self.engine.begin() as conn:
            for seq, ref, action, actor, comment, at in wanted:
                claimed = conn.execute(
                    update(ActionRow)
                    .where(ActionRow.seq == seq, ActionRow.done == 0)
                    .values(done=1)
                )
                if claimed.rowcount == 1:
                    out.append((ref, action, actor, comment, at))
        return out

    # -- the supervision loop -------------------------------------------------------------

    def request_action(
        self,
        request_id: str,
        ref: str,
        action: str,
        actor: str,
        role: str,
        at: datetime,
        comment: str | None = None,
        photos: tuple[str, ...] = (),
        assignee: str | None = None,
    ) -> tuple[int, bool]:
        """Queue a workflow action; (its seq, True if this request id was already queued).

        Checked here, as `request` does, is what would fail later in the worker.
        """
        if action not in WF_ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        for name, value, most in (
            ("request id", request_id, MAX_REF),
            ("alert reference", ref, MAX_REF),
            ("actor", actor, MAX_ACTOR),
            ("role", role, 32),
        ):
            if not 0 < len(value) <= most or _CONTROL.search(value):
                raise ValueError(f"{name} must be 1-{most} printable characters")
        if comment is not None and (len(comment) > MAX_COMMENT or _CONTROL.search(comment)):
            raise ValueError(f"comment must be at most {MAX_COMMENT} characters, no control codes")
        if assignee is not None and (
            not 0 < len(assignee) <= MAX_ACTOR or _CONTROL.search(assignee)
        ):
            raise ValueError(f"assignee must be 1-{MAX_ACTOR} printable characters")
        if len(photos) > 20 or not all(_SHA.match(p) for p in photos):
            raise ValueError("photos must be at most 20 SHA-256 ids")
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("request time must be timezone-aware")
        with Session(self.engine) as s:
            old = s.scalar(select(RequestRow.seq).where(RequestRow.request_id == request_id))
            if old is not None:
                return old, True
            row = RequestRow(
                request_id=request_id,
                ref=ref,
                action=action,
                actor=actor,
                role=role,
                comment=comment,
                photos=list(photos),
                assignee=assignee,
                at=at,
                done=0,
            )
            s.add(row)
            try:
                s.commit()
            except IntegrityError:  # the same id from a concurrent retry won the race
                s.rollback()
                seq = s.scalar(select(RequestRow.seq).where(RequestRow.request_id == request_id))
                return int(seq or 0), True
            return row.seq, False

    def request_done(self, request_id: str) -> bool | None:
        """Whether the worker has applied this request (None: no such request)."""
        with Session(self.engine) as s:
            done = s.scalar(select(RequestRow.done).where(RequestRow.request_id == request_id))
            return None if done is None else bool(done)

    def take_workflow_requests(self) -> list[WorkflowRequest]:
        """Pending workflow actions for this store's sites, oldest first (not claimed:
        `record_step` marks each done together with its effect)."""
        with Session(self.engine) as s:
            pending = s.scalars(
                select(RequestRow).where(RequestRow.done == 0).order_by(RequestRow.seq)
            ).all()
            if not pending:
                return []
            pending = self._owned(s, pending)
            return [
                WorkflowRequest(
                    seq=r.seq,
                    request_id=r.request_id,
                    ref=r.ref,
                    action=r.action,
                    actor=r.actor,
                    role=r.role,
                    at=r.at,
                    comment=r.comment,
                    photos=tuple(r.photos or ()),
                    assignee=r.assignee,
                )
                for r in pending
            ]

    def finish_request(self, seq: int) -> None:
        """Mark a request done that changed nothing (unknown alert, action not allowed)."""
        with Session(self.engine) as s, s.begin():
            s.execute(update(RequestRow).where(RequestRow.seq == seq).values(done=1))

    def record_step(self, wf: Workflow, step: Step | None, request_seq: int | None = None) -> None:
        """Write the workflow's state, its step, and the request it answers, atomically."""
        with Session(self.engine) as s, s.begin():
            row = s.get(WorkflowRow, wf.alert_id)
            if row is None:
                row = WorkflowRow(alert_id=wf.alert_id)
                s.add(row)
            for f in _WF_FIELDS:
                setattr(row, f, getattr(wf, f))
            if step is not None:
                s.add(
                    StepRow(
                        alert_id=step.alert_id,
                        ts=step.ts,
                        action=step.action,
                        state=step.state,
                        actor=step.actor,
                        role=step.role,
                        comment=step.comment,
                        photos=list(step.photos),
                        request_id=step.request_id,
                    )
                )
            if request_seq is not None:
                s.execute(update(RequestRow).where(RequestRow.seq == request_seq).values(done=1))

    def load_workflows(self) -> list[tuple[Workflow, Alert]]:
        """Open workflows of this store's sites, each with its alert as last recorded."""
        out = []
        with Session(self.engine) as s:
            rows = s.execute(
                select(WorkflowRow, AlertRow)
                .join(AlertRow, AlertRow.id == WorkflowRow.alert_id)
                .where(WorkflowRow.state.not_in(WF_CLOSED))
                .order_by(WorkflowRow.opened_at, WorkflowRow.alert_id)
            ).all()
            for wrow, arow in rows:
                if self.owns is not None and not self.owns(wrow.site):
                    continue
                wf = Workflow(**{f: getattr(wrow, f) for f in _WF_FIELDS})
                kw = {f: getattr(arow, f) for f in _FIELDS}
                kw["state"] = AlertState(arow.state)
                kw["evidence"] = list(arow.evidence or [])
                alert = Alert(severity=Severity(arow.severity), silenced=bool(arow.silenced), **kw)
                alert.tier, alert.deadline = wf.tier, wf.deadline
                out.append((wf, alert))
        return out

    def workflows(self, site: str | None = None) -> list[WorkflowRow]:
        with Session(self.engine) as s:
            q = select(WorkflowRow).order_by(WorkflowRow.opened_at, WorkflowRow.alert_id)
            if site is not None:
                q = q.where(WorkflowRow.site == site)
            rows = list(s.scalars(q).all())
            s.expunge_all()
            return rows

    def steps(self, alert_id: str) -> list[StepRow]:
        with Session(self.engine) as s:
            q = select(StepRow).where(StepRow.alert_id == alert_id).order_by(StepRow.seq)
            rows = list(s.scalars(q).all())
            s.expunge_all()
            return rows

    def alerts(self, site: str | None = None) -> list[AlertRow]:
        with Session(self.engine) as s:
            q = select(AlertRow).order_by(AlertRow.started_at, AlertRow.id)
            if site is not None:
                q = q.where(AlertRow.site == site)
            rows = list(s.scalars(q).all())
            s.expunge_all()
            return rows

    def audit(self, alert_id: str) -> list[AuditRow]:
        with Session(self.engine) as s:
            q = select(AuditRow).where(AuditRow.alert_id == alert_id).order_by(AuditRow.seq)
            rows = list(s.scalars(q).all())
            s.expunge_all()
            return rows

    def haccp_csv(self, site: str, year: int, month: int, tz: str = "UTC") -> str:
        """HACCP-style record: each out-of-limit event, its corrective action and verification.

        `tz` is the kitchen's zone: the month is the kitchen's calendar month (an alert at
        07:30 on 1 February in Shanghai belongs to February's record, though it is still
        January in UTC), and times are written in local time with their offset, as the
        inspector reading the record expects.
        """
        zone = ZoneInfo(tz)
        start = datetime(year, month, 1, tzinfo=zone).astimezone(UTC)
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone).astimezone(UTC)

        def local(when: datetime | None) -> str:
            return when.astimezone(zone).isoformat() if when else ""

        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(
            [
                "alert_id",
                "site",
                "rule",
                "subject",
                "severity",
                "started_at",
                "fired_at",
                "value",
                "limit",
                "deviation",
                "acknowledged_by",
                "acknowledged_at",
                "corrective_action",
                "verified_by",
                "verified_at",
                "state",
                "history",
            ]
        )
        with Session(self.engine) as s:
            rows = s.scalars(
                select(AlertRow)
                .where(AlertRow.site == site)
                .where(AlertRow.started_at >= start)
                .where(AlertRow.started_at < end)
                .order_by(AlertRow.started_at, AlertRow.id)
            ).all()
            for r in rows:
                trail = s.scalars(
                    select(AuditRow).where(AuditRow.alert_id == r.id).order_by(AuditRow.seq)
                ).all()
                history = "; ".join(
                    f"{local(a.ts)} {a.note or a.state}"
                    + (f" by {a.actor}" if a.actor else "")
                    + (f": {a.comment}" if a.comment else "")
                    for a in trail
                )
                w.writerow(
                    [
                        r.id,
                        r.site,
                        r.rule,
                        r.subject,
                        r.severity,
                        local(r.started_at),
                        local(r.fired_at),
                        "" if r.value is None else f"{r.value:g}",
                        "" if r.threshold is None else f"{r.threshold:g}",
                        r.summary,
                        r.acked_by or "",
                        local(r.acked_at),
                        r.comment or "",
                        r.resolved_by or ("auto (condition cleared)" if r.resolved_at else ""),
                        local(r.resolved_at),
                        r.state,
                        history,
                    ]
                )
        return out.getvalue()
