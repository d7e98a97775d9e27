"""Below: a value below a limit for `for_s` (hot holding, a fridge set too cold)."""

from typing import Any, Literal

from pydantic import Field

from rules.kinds.base import Match, RuleBase
from rules.kinds.level import Level


class BelowRule(RuleBase):
    """Value below `below` for `for_s`; clears above `below + hysteresis`."""

    kind: Literal["below"]
    match: Match = Field(default_factory=Match, description="Readings looked at")
    below: float = Field(description="Limit (fires when the value is below it)")
    hysteresis: float = Field(default=0.5, ge=0, description="Clears only this far above")
    while_powered: bool = Field(
        default=False,
        description="Only while the device's power sensor (if any) reads on: a unit "
        "switched off is not holding food (a unit off in service is its own rule)",
    )


class Below(Level):
    config = BelowRule
    listens = frozenset({"reading"})

    def limit(self, rule: Any, engaged: bool, v: float) -> tuple[bool, str, float]:
        limit = rule.below + rule.hysteresis if engaged else rule.below
        return v < limit, "below", rule.below

    def on_reading(
        self, rule: Any, site: str, device: str, subject: str, ts: float, v: float
    ) -> None:
        self.judge(rule, f"{rule.id}|{site}|{subject}", site, device, subject, ts, v)

    @classmethod
    def describe(cls, rule: Any, held: str) -> str:
        what = cls.words(rule, "below", rule.below, f"above {rule.below + rule.hysteresis:g}", held)
        return what + cls.powered_words(rule)
