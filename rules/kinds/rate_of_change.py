"""Rate of change: a value changing faster than `max_per_min` over `window_s`.

The window of each sensor is part of the checkpoint, so a restart mid-rise judges the
rise from where it began, not from the first reading after the restart."""

from collections import deque
from typing import Any, Literal

from pydantic import Field

from rules.kinds.base import Evaluator, Match, RuleBase, State
from rules.kinds.level import where


class RateOfChangeRule(RuleBase):
    """Value changing faster than `max_per_min` over `window_s`."""

    kind: Literal["rate_of_change"]
    match: Match = Field(default_factory=Match, description="Readings looked at")
    max_per_min: float = Field(gt=0, description="Largest allowed change per minute")
    window_s: float = Field(default=300.0, gt=0, description="Window the rate is taken over")
    direction: Literal["rise", "fall", "either"] = Field(default="rise", description="Which way")


class RateState(State):
    windows: dict[str, list[tuple[float, float]]] = Field(default_factory=dict)
    """(ts, value) readings inside each window, oldest first."""


class RateOfChange(Evaluator):
    config = RateOfChangeRule
    listens = frozenset({"reading"})

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self.windows: dict[str, deque[tuple[float, float]]] = {}

    def on_reading(
        self, rule: Any, site: str, device: str, subject: str, ts: float, v: float
    ) -> None:
        key = f"{rule.id}|{site}|{subject}"
        win = self.windows.setdefault(key, deque())
        win.append((ts, v))
        while win and win[0][0] < ts - rule.window_s:
            win.popleft()
        t0, v0 = win[0]
        rate = (v - v0) / (ts - t0) * 60 if ts > t0 else 0.0
        if rule.direction == "fall":
            rate = -rate
        elif rule.direction == "either":
            rate = abs(rate)
        summary = f"{subject} changing {rate:.2f}/min (limit {rule.max_per_min:g}/min)"
        active = rate > rule.max_per_min
        self.host.condition(
            rule, key, site, device, subject, active, ts, v, rule.max_per_min, summary
        )

    def snapshot(self) -> RateState:
        return RateState(windows={k: list(w) for k, w in self.windows.items() if w})

    def restore(self, state: dict[str, Any]) -> None:
        st = RateState.model_validate(state)
        self.windows = {k: deque(w) for k, w in st.windows.items()}

    @classmethod
    def describe(cls, rule: Any, held: str) -> str:
        what = f"{where(rule.match.zone)} changes ({rule.direction}) faster than "
        return what + f"{rule.max_per_min:g}/min over {rule.window_s:g} s{held}"
