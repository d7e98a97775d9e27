"""What the two level kinds (threshold, below) share: a limit with hysteresis, judged
only while the unit is in service (inside its schedule, switched on)."""

from typing import Any

from rules.kinds.base import Cond, Evaluator, dt


class Level(Evaluator):
    """A value beyond a limit for `for_s`; clears only past the hysteresis."""

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self._in_sched: dict[tuple[str, str], tuple[float, bool]] = {}

    def limit(self, rule: Any, engaged: bool, v: float) -> tuple[bool, str, float]:
        """(active, 'above'/'below', limit as written) for value `v`."""
        raise NotImplementedError

    def judge(
        self,
        rule: Any,
        key: str,
        site: str,
        device: str,
        subject: str,
        ts: float,
        v: float,
        forced: float | None = None,
        note: str = "",
    ) -> None:
        conds, alerts = self.host.conds, self.host.alerts
        st = conds.get(key)
        engaged = key in alerts or (st is not None and st.since is not None)
        if forced is not None and (st is None or st.since is None):
            st = conds[key] = Cond(forced, None)  # a failed 'defrost': from its start
        active, word, lim = self.limit(rule, engaged, v)
        if not active and st is None and key not in alerts:
            return  # the usual case: in band, nothing pending (what condition() does)
        if forced is not None:
            active = True
        if active and not self._in_service(rule, site, device, ts):
            active = False  # out of service (schedule, or switched off): not judged
        summary = f"{subject} at {v:g} °C, {word} {lim:g} °C for {rule.for_s / 60:g} min"
        if rule.match.kind.value != "temperature":
            summary = f"{subject} at {v:g}, {word} {lim:g} for {rule.for_s / 60:g} min"
        if note:
            summary = f"{subject}: {note}"
        self.host.condition(rule, key, site, device, subject, active, ts, v, lim, summary)

    def _in_service(self, rule: Any, site: str, device: str, ts: float) -> bool:
        """Whether the unit is in service: inside the rule's schedule (the kitchen's
        service hours) and, for `while_powered`, not switched off (its power sensor,
        where it has one, reads on)."""
        if rule.while_powered and self.host.power.get((site, device), 1.0) < 0.5:
            return False
        if rule.schedule is None:
            return True
        # Schedules are in whole minutes: one time-zone conversion per kitchen a minute
        # (a unit switched off all night is out of band at every reading).
        minute, ckey = ts // 60, (rule.schedule, site)
        hit = self._in_sched.get(ckey)
        if hit is None or hit[0] != minute:
            hit = self._in_sched[ckey] = (minute, self.host.rs.in_schedule(rule, site, dt(ts)))
        return hit[1]

    @staticmethod
    def words(rule: Any, word: str, limit: float, clears: str, held: str) -> str:
        what = f"{_where(rule.match.zone)} {rule.match.kind.value} {word} {limit:g}{held}"
        what += f" (clears {clears})"
        return what

    @staticmethod
    def powered_words(rule: Any) -> str:
        if rule.while_powered:
            return "; only while switched on (its power sensor, if any, reads on)"
        return ""


def _where(zones: list[str] | None) -> str:
    return ",".join(zones) if zones else "any zone"


where = _where
