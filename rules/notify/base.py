"""The channel contract: `send(notice)`; raise on failure (the dispatcher retries)."""

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from rules.alerts import Notice


class ChannelBase(BaseModel):
    """Common fields of every channel config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    name: str = Field(description="Channel name, referred to by routes")
    roles: list[str] = Field(
        default_factory=lambda: ["canteen_manager"], description="Roles this channel reaches"
    )
    sites: list[str] | None = Field(default=None, description="Only these kitchens (all if absent)")
    rate_per_min: float = Field(default=20.0, gt=0, description="Most messages per minute")


REGISTRY: dict[str, type["Channel"]] = {}


class Channel(ABC):
    """One way of reaching people. Subclasses set `type_key` and are registered by it."""

    type_key: ClassVar[str] = ""

    def __init__(self, config: Any) -> None:
        self.config = config

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type_key:
            REGISTRY[cls.type_key] = cls

    @abstractmethod
    def send(self, notice: Notice) -> None:
        """Deliver one notice; raise on failure."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


_TITLES = {
    "firing": "ALERT",
    "reminder": "REMINDER (not yet acknowledged)",
    "escalation": "ESCALATED (nobody acknowledged)",
    "acknowledged": "Acknowledged",
    "resolved": "Resolved",
    "digest": "DAILY DIGEST (tier 3)",
}


def render(notice: Notice) -> tuple[str, str]:
    """A short title and a plain-text body, the same for every human channel."""
    e = notice.event
    title = f"[{_TITLES[notice.kind]}] {e.site}: {e.rule} ({e.severity.value})"
    lines = [
        e.summary,
        f"kitchen: {e.site}",
        f"subject: {e.subject}",
        f"since: {e.started_at.isoformat()}",
        f"state: {e.state.value} at {e.ts.isoformat()}",
    ]
    if e.value is not None:
        lines.append(f"value: {e.value:g}" + (f" (limit {e.threshold:g})" if e.threshold else ""))
    if e.actor:
        lines.append(f"by: {e.actor}")
    if e.comment:
        lines.append(f"comment: {e.comment}")
    lines += [f"evidence: {ev.uri}" for ev in e.evidence]
    lines.append(f"alert id: {e.id}")
    return title, "\n".join(lines)
