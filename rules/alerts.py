"""The alert record, its fingerprint and its lifecycle (pending → firing → acknowledged → resolved).

Identity is deterministic: the fingerprint hashes (site, rule, subject) and the id
hashes the fingerprint with the incident's start time, so a replay of the same
readings gives the same ids (and a redelivered message cannot make a second alert).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

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
            }
        )


NoticeKind = Literal["firing", "reminder", "escalation", "acknowledged", "resolved"]


@dataclass(frozen=True)
class Notice:
    """Something to tell people: which event, why, and to which roles."""

    kind: NoticeKind
    event: AlertEvent
    roles: tuple[str, ...]
    level: int = 0
