"""No data: a sensor (or camera) that reported before and has gone silent.

Silence is judged on the kitchen's own clock and against each sensor's own reporting
interval; the alert clears when the sensor reports again."""

from typing import Any, Literal

from pydantic import Field

from rules.kinds.base import Evaluator, Match, RuleBase, dt


class NoDataRule(RuleBase):
    """A sensor (or camera) that reported before and has been silent for `silent_s`."""

    kind: Literal["no_data"]
    source: Literal["telemetry", "detections"] = Field(
        default="telemetry", description="Readings of sensors, or detections of cameras"
    )
    match: Match | None = Field(default=None, description="Readings looked at (telemetry)")
    silent_s: float = Field(gt=0, description="Silence longer than this raises the alert")
    interval_s: float | None = Field(
        default=None, gt=0, description="Reporting interval (set per device); else learned"
    )
    interval_factor: float = Field(
        default=3.0, ge=1, description="Silent longer than this many of its own intervals"
    )
    first_silent_s: float = Field(
        default=3600.0, gt=0, description="Before its interval is known (one reading so far)"
    )

    def limit_s(self, learned_s: float) -> float:
        """The silence after which a sensor with this learned interval is 'silent'.

        Judged per sensor against its own reporting interval: a battery sensor that
        reports every 15 min is not silent after 5 min, a 1-minute sensor is.
        """
        interval = self.interval_s or learned_s
        if not interval:
            return max(self.silent_s, self.first_silent_s)
        return max(self.silent_s, self.interval_factor * interval)


class NoData(Evaluator):
    config = NoDataRule

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self.rules = [r for r in host.rs.rules if isinstance(r, NoDataRule)]

    def on_back(self, site: str, subject: str, ts: float) -> None:
        for rule in self.rules:
            self.host.clear(f"{rule.id}|{site}|{subject}", ts)

    def on_tick(self, t: float) -> None:
        if not self.rules:
            return
        host = self.host
        rs = host.rs
        for (site, device, sensor), seen in host.seen.items():
            local = t - host.lag(site)  # on the kitchen's own clock
            silent_s = local - seen.ts
            for base in self.rules:
                if silent_s <= base.silent_s or seen.source != base.source:
                    continue
                if base.match is not None and not base.match.matches(
                    seen.kind, seen.zone, device, sensor
                ):
                    continue
                rule = rs.for_device(base, site, device)
                if not isinstance(rule, NoDataRule) or silent_s <= rule.limit_s(seen.gap):
                    continue
                subject = device if sensor == "_camera" else f"{device}/{sensor}"
                key = f"{rule.id}|{site}|{subject}"
                if key in host.alerts:
                    continue
                # Only in service (a camera switched off at night is normal): silent for
                # the whole limit inside the schedule, on the kitchen's clock.
                if rule.schedule is not None and not (
                    rs.in_schedule(rule, site, dt(local))
                    and rs.in_schedule(rule, site, dt(local - rule.limit_s(seen.gap)))
                ):
                    continue
                summary = f"{subject} silent for {silent_s / 60:.0f} min: state unknown"
                # Stamped on the kitchen's clock too: its age (escalation, reminders)
                # is then measured on the clock that stamped it.
                host.fire(rule, key, site, device, subject, local, None, None, summary, seen.ts)

    @classmethod
    def describe(cls, rule: Any, held: str) -> str:
        what = f"a {'camera' if rule.source == 'detections' else 'sensor'} silent"
        what += f" > {rule.silent_s:g} s"
        interval = f"{rule.interval_s:g} s" if rule.interval_s else "learned from its readings"
        return what + (
            f" and > {rule.interval_factor:g}× its own reporting interval ({interval};"
            f" {rule.first_silent_s:g} s before that is known)"
        )
