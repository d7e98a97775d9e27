"""Cooling curve: cooked food must fall from `start_c` to `mid_c` within `mid_within_s`
and to `end_c` within `end_within_s` (two-stage cooling of the FDA Food Code)."""

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from rules.kinds.base import Evaluator, Match, RuleBase, State


class CoolingCurveRule(RuleBase):
    """Cooked food must fall from `start_c` to `mid_c` within `mid_within_s`, to `end_c` in all."""

    kind: Literal["cooling_curve"]
    match: Match = Field(
        default_factory=lambda: Match(zone=["food_cooling"]), description="Core probes"
    )
    start_c: float = Field(default=57.0, description="Cooling starts when food drops below this")
    mid_c: float = Field(default=21.0, description="First stage target")
    mid_within_s: float = Field(default=7200.0, gt=0, description="Time allowed for stage 1")
    end_c: float = Field(default=5.0, description="Final target")
    end_within_s: float = Field(default=21600.0, gt=0, description="Total time allowed")

    @model_validator(mode="after")
    def _ordered(self) -> "CoolingCurveRule":
        if not self.start_c > self.mid_c > self.end_c:
            raise ValueError("cooling needs start_c > mid_c > end_c")
        if self.end_within_s <= self.mid_within_s:
            raise ValueError("end_within_s must be longer than mid_within_s")
        return self


@dataclass(slots=True)
class Batch:
    """One batch cooling on one core probe."""

    hot_ts: float
    hot_v: float
    """Last reading at or above start_c."""
    start: float | None = None
    """When it crossed start_c (interpolated)."""
    mid: float | None = None
    """When it reached mid_c."""
    done: bool = False
    """Judged (fired, or closed by a person): no second alert for this batch."""
    last: float | None = None


class CoolingState(State):
    batches: dict[str, Batch] = Field(default_factory=dict)


class CoolingCurve(Evaluator):
    config = CoolingCurveRule
    listens = frozenset({"reading"})

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self.batches: dict[str, Batch] = {}

    def on_reading(
        self, rule: Any, site: str, device: str, subject: str, ts: float, v: float
    ) -> None:
        key = f"{rule.id}|{site}|{subject}"
        c = self.batches.get(key)
        if v >= rule.start_c:
            self.host.clear(key, ts)  # reheated: a new batch starts
            self.batches[key] = Batch(ts, v)
            return
        if c is None:
            return
        if c.start is None:
            # Interpolate the crossing of start_c between the last hot reading and this one.
            span = c.hot_v - v
            frac = (c.hot_v - rule.start_c) / span if span > 0 else 0.0
            c.start = c.hot_ts + frac * (ts - c.hot_ts)
        c.last = ts
        if c.mid is None and v <= rule.mid_c:
            c.mid = ts
        if v <= rule.end_c:
            self.host.clear(key, ts)
            del self.batches[key]
            return
        elapsed = ts - c.start
        late_mid = c.mid is None and elapsed > rule.mid_within_s
        late_end = elapsed > rule.end_within_s
        if (late_mid or late_end) and not c.done:
            c.done = True
            if late_mid:
                target, within = rule.mid_c, rule.mid_within_s
            else:
                target, within = rule.end_c, rule.end_within_s
            summary = (
                f"{subject} still {v:g} °C {elapsed / 3600:.1f} h after {rule.start_c:g} °C;"
                f" must reach {target:g} °C within {within / 3600:g} h"
            )
            self.host.fire(rule, key, site, device, subject, ts, v, target, summary, c.start)

    def on_resolved(self, key: str) -> None:
        c = self.batches.get(key)
        if c is not None:
            c.done = True

    def snapshot(self) -> CoolingState:
        return CoolingState(batches=self.batches)

    def restore(self, state: dict[str, Any]) -> None:
        self.batches = dict(CoolingState.model_validate(state).batches)

    @classmethod
    def describe(cls, rule: Any, held: str) -> str:
        return (
            f"food not cooled {rule.start_c:g}→{rule.mid_c:g} °C within"
            f" {rule.mid_within_s / 3600:g} h and to {rule.end_c:g} °C within"
            f" {rule.end_within_s / 3600:g} h"
        )
