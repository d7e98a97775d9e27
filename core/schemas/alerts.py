"""Alert events on `bk/v1/{site}/alerts`: one per lifecycle transition."""

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field, StrictFloat

from core.ids import Id
from core.schemas.base import Message, SourceTime

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value.replace("\n", "")):
        raise ValueError("contains control characters")
    return value


Text = Annotated[str, AfterValidator(_no_control)]


class AlertState(StrEnum):
    PENDING = "pending"
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Evidence(Message):
    """A picture kept as proof; its name carries its SHA-256 so nobody can swap it."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    uri: str = Field(max_length=512, description="Where the evidence store keeps it")
    content_type: str = Field(default="image/jpeg", max_length=64)


class AlertEvent(Message):
    """A transition of one alert, deduplicated upstream by `fingerprint`."""

    v: Literal[1] = 1
    id: str = Field(pattern=r"^[0-9a-f-]{8,64}$", description="Alert id, stable over its life")
    fingerprint: str = Field(
        pattern=r"^[0-9a-f]{8,64}$", description="Hash of (site, rule, subject)"
    )
    site: Id
    rule: Id
    subject: Text = Field(
        max_length=129, description="What the alert is about: {device}/{sensor}, e.g. fridge1/t1"
    )
    severity: Severity = Severity.WARNING
    state: AlertState
    ts: SourceTime = Field(description="Time of this transition (source time of the evidence)")
    started_at: SourceTime
    summary: Text = Field(max_length=500)
    value: StrictFloat | None = None
    threshold: StrictFloat | None = None
    evidence: list[Evidence] = Field(default_factory=list, max_length=20)
    actor: Text | None = Field(default=None, max_length=128, description="Who acted, if a person")
    comment: Text | None = Field(default=None, max_length=2000)
    # Added for the supervision loop; optional so that events of older senders still parse.
    tier: Literal[1, 2, 3] | None = Field(
        default=None, description="Supervision tier: 1 at once, 2 rectify by deadline, 3 digest"
    )
    # A future time by nature: not a SourceTime (those refuse clocks running ahead).
    deadline: AwareDatetime | None = Field(
        default=None, description="Tier 2: rectification due by (escalates when passed)"
    )
