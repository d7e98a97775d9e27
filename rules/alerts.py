"""The alert record, its fingerprint and its lifecycle (pending → firing → acknowledged → resolved).

Identity is deterministic: the fingerprint hashes (site, rule, subject) and the id
hashes the fingerprint with the incident's start time, so a replay of the same
readings gives the same ids (and a redelivered message cannot make a second alert).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from core.schemas import AlertEvent, AlertState, Severity


def fingerprint(site: str, rule: str, subject: str) -> str:
    return hashlib.sha256(f"{site}\x00{rule}\x00{subject}".encode()).hexdigest()[:16]


def alert_id(fp: str, started_at: datetime) -> str:
    digest = hashlib.sha256(f"{fp}\x00{started_at.isoformat()}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


OPEN_STATES = (AlertState.PENDING, AlertState.FIRING, AlertState.ACKNOWLEDGED)


@dataclass
class Alert:
    """One incident of one (site, rule, subject), from first firing to resolution."""

    id: str
    fingerprint: str
    site: str
    rule: str
    subject: str
    device: str | None
    severity: Severity
    state: AlertState
    started_at: datetime
    updated_at: datetime
    summary: str
    value: float | None = None
    threshold: float | None = None
    fired_at: datetime | None = None
    acked_at: datetime | None = None
    acked_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    comment: str | None = None
    level: int = 0
    """Escalation level reached (0 = first recipients)."""
    last_notified_at: datetime | None = None
    last_seen_at: datetime | None = None
    """Last evidence of the condition (event alerts clear after a quiet period from it)."""
    silenced: bool = False
    evidence: list[dict[str, str]] = field(default_factory=list)
    tier: Literal[1, 2, 3] | None = None
    """Supervision tier of its rule where it fired (see rules.model.RuleBase.tier)."""
    deadline: datetime | None = None
    """Tier 2: rectification due by (kept by its Workflow, copied here for events)."""

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def event(
        self, ts: datetime, actor: str | None = None, comment: str | None = None
    ) -> AlertEvent:
        return AlertEvent.model_validate(
            {
                "id": self.id,
                "fingerprint": self.fingerprint,
                "site": self.site,
                "rule": self.rule,
                "subject": self.subject,
                "severity": self.severity,
                "state": self.state,
                "ts": ts,
                "started_at": self.started_at,
                "summary": self.summary[:500],
                "value": self.value,
                "threshold": self.threshold,
                "evidence": self.evidence[:20],
                "actor": actor,
                "comment": comment,
                "tier": self.tier,
                "deadline": self.deadline,
            }
        )


NoticeKind = Literal["firing", "reminder", "escalation", "acknowledged", "resolved", "digest"]


@dataclass(frozen=True)
class Notice:
    """Something to tell people: which event, why, and to which roles."""

    kind: NoticeKind
    event: AlertEvent
    roles: tuple[str, ...]
    level: int = 0
    digest: dict[str, Any] | None = None
    """Tier-3 digests: `scope` (kitchen or grid), `day`, `grid`, `n` and per-site rule counts
    `sites` ({site: {rule: n}}), so a notice can list them in the reader's language."""


# -- the supervision loop (预警 → 整改 → 复核) ------------------------------------------------

WfState = Literal["open", "rectifying", "submitted", "closed", "false_positive"]
"""Where an alert's rectification stands: fired, taken on (being rectified), submitted for
review, accepted (closed), or marked a false positive (closed, not counted)."""
WF_CLOSED: tuple[WfState, ...] = ("closed", "false_positive")
WF_ACTIONS = (
    "ack",
    "rectify",
    "review_accept",
    "review_reject",
    "false_positive",
    "comment",
    "reassign",
)
STEP_FITS: dict[str, tuple[WfState, ...]] = {
    "ack": ("open",),
    "rectify": ("open", "rectifying"),
    "review_accept": ("submitted",),
    "review_reject": ("submitted",),
    "false_positive": ("open", "rectifying", "submitted"),
    "comment": ("open", "rectifying", "submitted"),
    "reassign": ("open", "rectifying", "submitted"),
}
"""The task states each step fits. The rules worker refuses (and records) a step that does
not fit; the API serves the steps that fit now with each alert, so the console offers only
those (one table, so the two never disagree)."""


def steps_fitting(state: str | None) -> list[str]:
    """The workflow steps that fit a task in `state` (none without a task)."""
    return [action for action, states in STEP_FITS.items() if state in states]


@dataclass
class Workflow:
    """The rectification task of one alert; outlives the condition (a cleared alert must
    still be rectified and reviewed). The rules worker is its one owner."""

    alert_id: str
    site: str
    rule: str
    tier: Literal[1, 2, 3]
    state: WfState
    opened_at: datetime
    updated_at: datetime
    deadline: datetime | None = None
    assignee: str | None = None
    acked_at: datetime | None = None
    submitted_at: datetime | None = None
    rectified_at: datetime | None = None
    """Time of the submission the inspector accepted."""
    closed_at: datetime | None = None
    closed_by: str | None = None
    overdue_at: datetime | None = None
    """When the deadline passed unrectified (escalated then); None if never."""
    rejections: int = 0

    @property
    def is_open(self) -> bool:
        return self.state not in WF_CLOSED


@dataclass(frozen=True)
class Step:
    """One entry of the audit trail: who, in which role, when, what, with which photos."""

    alert_id: str
    ts: datetime
    action: str
    state: WfState
    actor: str | None = None
    role: str | None = None
    comment: str | None = None
    photos: tuple[str, ...] = ()
    request_id: str | None = None


@dataclass(frozen=True)
class WorkflowRequest:
    """A person's action queued for the owning rules worker (rules.store.AlertStore)."""

    seq: int
    request_id: str
    ref: str
    action: str
    actor: str
    role: str
    at: datetime
    comment: str | None = None
    photos: tuple[str, ...] = ()
    assignee: str | None = None
