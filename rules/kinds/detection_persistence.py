"""Detection persistence: a declared violation (no hat, no mask) present in a zone
for `for_s`, usually during working hours; clears after `clear_for_s` without it."""

from typing import Any, Literal

from pydantic import Field

from core.schemas import DetectionEvent
from rules.kinds.base import DetectionRuleBase, Evaluator, detection_hits
from rules.kinds.level import where


class DetectionPersistenceRule(DetectionRuleBase):
    """A declared violation (e.g. no_hat) present in a zone, usually during working hours."""

    kind: Literal["detection_persistence"]
    clear_for_s: float = Field(default=120.0, ge=0, description="Absent this long to resolve")


class DetectionPersistence(Evaluator):
    config = DetectionPersistenceRule
    listens = frozenset({"detection"})

    def on_detection(self, rule: Any, site: str, camera: str, msg: DetectionEvent) -> None:
        found = detection_hits(rule, msg)
        in_hours = self.host.rs.in_schedule(rule, site, msg.ts)
        ts = msg.ts.timestamp()
        for cls in rule.classes:
            subject = f"{camera}/{cls}"
            hit = found.get(cls)
            self.host.condition(
                rule,
                f"{rule.id}|{site}|{subject}",
                site,
                camera,
                subject,
                hit is not None and in_hours,
                ts,
                hit[0] if hit else None,
                None,
                f"{cls} in view of {camera} during working hours",
                hit[1] if hit else None,
            )

    @classmethod
    def describe(cls, rule: Any, held: str) -> str:
        return f"violation {'/'.join(rule.classes)} in {where(rule.zones)}{held}"
