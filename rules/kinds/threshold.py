"""Threshold: a value above a limit for `for_s` (cold chain: judged on the food, with
defrosts and door openings told from failures, issue 20)."""

import math
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from core.ids import Id
from rules.kinds.base import Match, RuleBase, State, _Strict, dt
from rules.kinds.level import Level

PRODUCT_FRESH_S = 900.0
"""A product probe silent longer than this no longer stands for its device's food."""


class ProductSpec(_Strict):
    """Judge the food, not the air (GB 31654 and the FDA Food Code give food temperatures).

    Where a device has a product-simulating probe (a probe in a glycol or food-simulant
    buffer), the rule judges that probe and its air probe only tells defrosts from
    failures. Where it has only an air probe, the rule judges an estimate of product
    temperature: a first-order filter of the air, `P += (T − P)·(1 − exp(−Δt/τ))`, with
    the buffer's time constant τ, held while a defrost (or an opened door) is in course.
    """

    probes: list[Id] = Field(
        default_factory=lambda: ["p1"], description="Sensors that are product-simulating probes"
    )
    tau_s: float = Field(
        default=900.0, ge=0, description="τ of the estimate from an air probe (0: the air itself)"
    )


class DefrostSpec(_Strict):
    """How a rule tells a defrost (or a door opened for stocking) from a failure.

    An excursion of the air probe above the limit is a defrost when the kitchen's rule
    file has a defrost window for the device then, or (`auto`) when the air rose into it
    at least `rise_per_min` °C/min: heaters and open doors warm the air fast, a failed
    compressor or a power cut slowly. While it lasts the product estimate holds. Every
    excursion is bounded as a defrost is: the air stays below `peak_c`, is back below
    the limit within `max_s` (outside a configured window), and the door (where there is
    a door sensor) is not open longer than `door_s`. Past any bound it is a failure
    (a freezer that stays warm, a heater stuck on, a door left open, defrosts grown too
    long), and the rule fires at once for the whole excursion (`for_s` counts from its
    start). Short slow rises are judged on the product (probe or estimate).
    """

    auto: bool = Field(default=True, description="Recognise defrosts without configuration")
    rise_per_min: float = Field(
        default=0.5, gt=0, description="A rise at least this fast (°C/min) can be a defrost"
    )
    peak_c: float = Field(
        description="A defrost never takes the air above this (at or below the limit: "
        "no excursion is a defrost)"
    )
    max_s: float = Field(
        default=2400.0, gt=0, description="A defrost is back below the limit within this"
    )
    door_s: float = Field(
        default=900.0, gt=0, description="Door open longer than this during it: not a defrost"
    )


class ThresholdRule(RuleBase):
    """Value above `above` for `for_s`; clears below `above - hysteresis`."""

    kind: Literal["threshold"]
    match: Match = Field(default_factory=Match, description="Readings looked at")
    above: float = Field(description="Limit (fires when the value is above it)")
    hysteresis: float = Field(default=0.5, ge=0, description="Clears only this far below")
    product: ProductSpec | None = Field(
        default=None, description="Judge product temperature (probe or estimate), not the air"
    )
    defrost: DefrostSpec | None = Field(
        default=None, description="Tell defrosts and door openings from failures"
    )
    while_powered: bool = Field(
        default=False, description="Only while the device's power sensor (if any) reads on"
    )


@dataclass(slots=True)
class AirProbe:
    """Cold-chain state of one air probe under one rule."""

    est: float
    """Estimate of product temperature."""
    ts: float
    v: float
    """Last reading."""
    start: float
    """Start of the excursion above the limit (-1: none)."""
    defrost: float
    """1: the excursion is a defrost (or an opened door), 0: not (so far)."""
    est0: float
    """The estimate when the excursion began."""


@dataclass(slots=True)
class Failure:
    """An excursion past a defrost's bounds, per rule and device: since when and why."""

    start: float
    why: float
    """1: above peak_c, 2: longer than max_s, 3: door open longer than door_s."""


class ThresholdState(State):
    probes: dict[str, AirProbe] = Field(default_factory=dict)
    failures: dict[str, Failure] = Field(default_factory=dict)


class Threshold(Level):
    config = ThresholdRule
    listens = frozenset({"reading"})

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self.probes: dict[str, AirProbe] = {}
        self.failures: dict[str, Failure] = {}

    def limit(self, rule: Any, engaged: bool, v: float) -> tuple[bool, str, float]:
        limit = rule.above - rule.hysteresis if engaged else rule.above
        return v > limit, "above", rule.above

    def on_reading(
        self, rule: Any, site: str, device: str, subject: str, ts: float, v: float
    ) -> None:
        key = f"{rule.id}|{site}|{subject}"
        if not (rule.product or rule.defrost):
            self.judge(rule, key, site, device, subject, ts, v)
            return
        judged = self._coldchain(rule, site, device, subject, ts, v)
        if judged is None:
            return
        key, subject, v_fire, v_now, forced, note = judged
        st = self.host.conds.get(key)
        engaged = key in self.host.alerts or (st is not None and st.since is not None)
        # Fire on the product; once engaged, clear on the air being back.
        v = v_now if engaged else v_fire
        self.judge(rule, key, site, device, subject, ts, v, forced, note)

    def _defrost_window(self, site: str, device: str, ts: float) -> bool:
        rs = self.host.rs
        windows = rs.file.defrost_windows
        if not windows:
            return False
        when, tz = dt(ts), rs.timezone(site)
        return any(w.site == site and w.device == device and w.covers(when, tz) for w in windows)

    def _coldchain(
        self, rule: ThresholdRule, site: str, device: str, subject: str, ts: float, v: float
    ) -> tuple[str, str, float, float, float | None, str] | None:
        """What a cold-chain rule judges for this reading (issue 20), or None: nothing.

        Returns (key, subject, value to fire on, value to clear on, forced since, note).
        A product probe is judged as it reads. An air probe's excursions above the limit
        are bounded (see `DefrostSpec`: peak, length, door open): past a bound, any
        excursion is a failure, forced active from its start (`forced`). One that rose
        fast, or began in a configured defrost window, is a defrost (or an opened door)
        and holds the product estimate while it lasts; otherwise the air feeds the
        estimate (`ProductSpec`), which is what the rule fires on where the device has no
        product probe; where it has one, the air only reports failures, on the product
        probe's subject. Once an alert is pending or open it clears on the air being back
        below the limit less the hysteresis (the unit works again).
        """
        sensor = subject[len(device) + 1 :]
        spec, d = rule.product, rule.defrost
        probes = spec.probes if spec is not None else []
        dkey = f"{rule.id}|{site}|{device}"
        if sensor in probes:
            fail = self.failures.get(dkey)
            note = "" if fail is None else self._why(fail, v, rule)
            key = f"{rule.id}|{site}|{subject}"
            return key, subject, v, v, None if fail is None else fail.start, note
        key = f"{rule.id}|{site}|{subject}"
        c = self.probes.get(key)
        if c is None:
            c = self.probes[key] = AirProbe(v, ts, v, -1.0, 0.0, v)
        est, last_ts, last_v, start, state, est0 = c.est, c.ts, c.v, c.start, c.defrost, c.est0
        delta = ts - last_ts
        if v > rule.above:
            rate = (v - last_v) / delta * 60 if delta > 0 else 0.0
            fast = d is not None and d.auto and rate >= d.rise_per_min
            if start < 0:
                start, est0 = ts, est
                window = d is not None and self._defrost_window(site, device, ts)
                state = 1.0 if fast or window else 0.0
            elif fast and not state:
                # The heater came on late (ice melting first): a defrost after all. The
                # estimate goes back to where it was, and what it started is dropped.
                state, est = 1.0, est0
                if key not in self.host.alerts:
                    self.host.conds.pop(key, None)
            if d is not None and dkey not in self.failures:  # bounds hold for every excursion
                why = 0.0
                if v > d.peak_c:
                    why = 1.0
                elif ts - start > d.max_s and not self._defrost_window(site, device, ts):
                    why = 2.0
                else:
                    door = self.host.door_since.get((site, device))
                    if door is not None and ts - door > d.door_s:
                        why = 3.0
                if why:
                    self.failures[dkey] = Failure(start, why)
        else:
            start, state = -1.0, 0.0
            self.failures.pop(dkey, None)
        if not state and spec is not None:
            # Outside fast excursions the air feeds the estimate of product temperature.
            est = v if spec.tau_s <= 0 else v + (est - v) * math.exp(-delta / spec.tau_s)
        elif spec is None:
            est = v
        c.est, c.ts, c.v, c.start, c.defrost, c.est0 = est, ts, v, start, state, est0
        fail = self.failures.get(dkey)
        forced = None if fail is None else fail.start
        note = "" if fail is None else self._why(fail, v, rule)
        # The product probe counts while it reports (a silent one has its own no-data
        # alert; meanwhile the air's estimate is judged again, not nothing).
        seen = self.host.seen
        prod = next(
            (
                p
                for p in probes
                if (s := seen.get((site, device, p))) and ts - s.ts <= PRODUCT_FRESH_S
            ),
            None,
        )
        if prod is not None:
            if fail is None:
                return None  # the product probe is judged; the air only tells failures
            psub = f"{device}/{prod}"
            return f"{rule.id}|{site}|{psub}", psub, v, v, forced, note
        return key, subject, est, v, forced, note

    @staticmethod
    def _why(fail: Failure, v: float, rule: ThresholdRule) -> str:
        d = rule.defrost
        assert d is not None
        since = dt(fail.start).strftime("%H:%M UTC")
        why = {
            1.0: f"air above {d.peak_c:g} °C, higher than a defrost goes",
            2.0: f"air above {rule.above:g} °C longer than a defrost ({d.max_s / 60:g} min)",
            3.0: f"door open longer than {d.door_s / 60:g} min",
        }[fail.why]
        return f"{why}: not a defrost; air at {v:g} °C, above {rule.above:g} °C since {since}"

    def snapshot(self) -> ThresholdState:
        return ThresholdState(probes=self.probes, failures=self.failures)

    def restore(self, state: dict[str, Any]) -> None:
        st = ThresholdState.model_validate(state)
        self.probes, self.failures = dict(st.probes), dict(st.failures)

    @classmethod
    def describe(cls, rule: Any, held: str) -> str:
        what = cls.words(rule, "above", rule.above, f"below {rule.above - rule.hysteresis:g}", held)
        return what + _coldchain_words(rule) + cls.powered_words(rule)


def _coldchain_words(r: ThresholdRule) -> str:
    """What a cold-chain rule does with product probes and defrosts, in words."""
    words = ""
    p, d = r.product, r.defrost
    if p is not None:
        probes = "/".join(p.probes) or "(none)"
        estimate = (
            f"an estimate of product temperature from the air probe (first-order filter,"
            f" τ {p.tau_s / 60:g} min)"
            if p.tau_s > 0
            else "the air probe itself"
        )
        words += f"; judged on the food: the product probe {probes} where the device has one,"
        words += (
            f" else {estimate}; once pending or firing it clears on the air back below the limit"
        )
    if d is not None:
        how = f"a rise ≥ {d.rise_per_min:g} °C/min or " if d.auto else ""
        words += (
            f"; a defrost or door opening ({how}a configured defrost window) holds the"
            f" estimate; any air excursion above {d.peak_c:g} °C, above the limit longer than"
            f" {d.max_s / 60:g} min or with the door open over {d.door_s / 60:g} min is a"
            f" failure (not a defrost) and fires at once"
        )
    return words
