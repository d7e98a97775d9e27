"""Disinfection cycle: a cabinet cycle that never held `target_c` for `hold_s`
(steam 100 °C, infrared 120 °C); judged once the cabinet cools from its peak."""

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from rules.kinds.base import Evaluator, Match, RuleBase, State


class DisinfectionCycleRule(RuleBase):
    """A cabinet cycle that never held `target_c` for `hold_s` (steam 100 °C, infrared 120 °C)."""

    kind: Literal["disinfection_cycle"]
    match: Match = Field(
        default_factory=lambda: Match(zone=["disinfection"]), description="Cabinet probes"
    )
    start_above: float = Field(default=60.0, description="Rising above this starts a cycle")
    rearm_c: float = Field(
        default=10.0, gt=0, description="Idle again only this far below start_above"
    )
    cooling_c: float = Field(
        default=10.0, gt=0, description="This far below its peak, a cycle is over and judged"
    )
    target_c: float = Field(default=100.0, description="Temperature to hold")
    hold_s: float = Field(default=600.0, gt=0, description="Time to hold it, continuously")
    clear_after_s: float = Field(default=3600.0, gt=0, description="Alert clears after this")

    @model_validator(mode="after")
    def _ordered(self) -> "DisinfectionCycleRule":
        if self.target_c <= self.start_above:
            raise ValueError("target_c must be above start_above")
        return self


@dataclass(slots=True)
class Cycle:
    """One disinfection cycle of one cabinet probe."""

    start: float
    hold_start: float
    """Start of the current hold at target_c (-1: not holding)."""
    best: float
    """Longest hold so far."""
    peak: float
    judged: bool
    trough: float
    """Lowest since it was judged (a rise from it is a new cycle)."""


class DisinfectionState(State):
    cycles: dict[str, Cycle] = Field(default_factory=dict)


class DisinfectionCycle(Evaluator):
    config = DisinfectionCycleRule
    listens = frozenset({"reading"})

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self.cycles: dict[str, Cycle] = {}

    def _new(self, rule: Any, ts: float, v: float) -> Cycle:
        return Cycle(ts, ts if v >= rule.target_c else -1.0, 0.0, v, False, v)

    def on_reading(
        self, rule: Any, site: str, device: str, subject: str, ts: float, v: float
    ) -> None:
        key = f"{rule.id}|{site}|{subject}"
        d = self.cycles.get(key)
        if d is None:
            if v > rule.start_above:
                self.cycles[key] = self._new(rule, ts, v)
            return
        if v < rule.start_above - rule.rearm_c:
            del self.cycles[key]  # back to idle: the next rise is a new cycle
            return
        if d.judged:
            d.trough = min(d.trough, v)
            if v > d.trough + rule.rearm_c:
                # Heating again from a warm cabinet: a new cycle.
                self.cycles[key] = self._new(rule, ts, v)
            return
        d.peak = max(d.peak, v)
        if v >= rule.target_c:
            if d.hold_start < 0:
                d.hold_start = ts
            d.best = max(d.best, ts - d.hold_start)
            return
        d.hold_start = -1.0
        if v > d.peak - rule.cooling_c:
            return
        # Clearly cooling down from its peak: the heating phase is over, judge it.
        d.judged, d.trough = True, v
        if d.best >= rule.hold_s:
            self.host.clear(key, ts)
            return
        summary = (
            f"{subject} disinfection cycle held {rule.target_c:g} °C for {d.best / 60:.1f} min"
            f" (peak {d.peak:.1f} °C); needs {rule.hold_s / 60:g} min"
        )
        self.host.fire(
            rule, key, site, device, subject, ts, d.peak, rule.target_c, summary, d.start
        )

    def quiet_s(self, rule: Any) -> float | None:
        return float(rule.clear_after_s)

    def snapshot(self) -> DisinfectionState:
        return DisinfectionState(cycles=self.cycles)

    def restore(self, state: dict[str, Any]) -> None:
        self.cycles = dict(DisinfectionState.model_validate(state).cycles)

    @classmethod
    def describe(cls, rule: Any, held: str) -> str:
        return f"disinfection cycle not holding {rule.target_c:g} °C for {rule.hold_s:g} s"
