"""Immediate: any sighting fires at once (a rodent); clears after `quiet_s` of quiet."""

from typing import Any, Literal

from pydantic import Field

from core.schemas import DetectionEvent
from rules.kinds.base import DetectionRuleBase, Evaluator, detection_hits


class ImmediateRule(DetectionRuleBase):
    """Any sighting fires at once (a rodent); the alert clears after `quiet_s` of quiet."""

    kind: Literal["immediate"]
    quiet_s: float = Field(default=1800.0, gt=0, description="Quiet period that clears the alert")


class Immediate(Evaluator):
    config = ImmediateRule
    listens = frozenset({"detection"})

    def on_detection(self, rule: Any, site: str, camera: str, msg: DetectionEvent) -> None:
        found = detection_hits(rule, msg)
        if not self.host.rs.in_schedule(rule, site, msg.ts):
            return
        ts = msg.ts.timestamp()
        for cls in rule.classes:
            hit = found.get(cls)
            if hit is not None:
                subject = f"{camera}/{cls}"
                key = f"{rule.id}|{site}|{subject}"
                summary = f"{cls} seen by {camera}"
                self.host.fire(
                    rule, key, site, camera, subject, ts, hit[0], None, summary, ts, hit[1]
                )

    def quiet_s(self, rule: Any) -> float | None:
        return float(rule.quiet_s)

    @classmethod
    def describe(cls, rule: Any, held: str) -> str:
        return f"any {'/'.join(rule.classes)} sighting (clears after {rule.quiet_s:g} s quiet)"
