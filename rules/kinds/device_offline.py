"""Device offline: a device whose status (or Last Will) says offline for `for_s`.

Its condition starts when the status arrives; the grace runs on the tick, so an
offline device that never speaks again still raises its alert."""

from typing import Any, Literal

from pydantic import Field

from rules.kinds.base import Evaluator, RuleBase, State


class DeviceOfflineRule(RuleBase):
    """A device whose status (or Last Will) says offline for `for_s`."""

    kind: Literal["device_offline"]
    for_s: float = Field(default=60.0, ge=0, description="Grace before firing")


class OfflineState(State):
    pending: list[str] = Field(default_factory=list)
    """Alert keys whose condition waits for its grace."""


class DeviceOffline(Evaluator):
    config = DeviceOfflineRule
    listens = frozenset({"status"})
    inhibited_by_offline = False  # it is the one alert that stands for the others

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self.pending: dict[str, tuple[Any, str, str]] = {}
        """key -> (rule, site, device): conditions waiting for their grace."""

    def on_status(self, rule: Any, site: str, device: str, ts: float, offline: bool) -> None:
        host = self.host
        if offline:
            eff = host.rs.for_device(rule, site, device)
            if eff is not None:
                key = f"{eff.id}|{site}|{device}"
                summary = f"{device} offline (status / Last Will)"
                host.condition(eff, key, site, device, device, True, ts, None, None, summary)
                if key not in host.alerts:
                    self.pending[key] = (eff, site, device)
            return
        key = f"{rule.id}|{site}|{device}"
        if key in host.alerts or key in host.conds:
            host.conds.pop(key, None)
            host.clear(key, ts)

    def on_tick(self, t: float) -> None:
        host = self.host
        for key, (rule, site, device) in list(self.pending.items()):
            st = host.conds.get(key)
            if key in host.alerts or st is None or st.since is None:
                self.pending.pop(key, None)
                continue
            local = t - host.lag(site)  # on the kitchen's clock, stamp included
            if local - st.since >= rule.for_s:
                self.pending.pop(key, None)
                summary = f"{device} offline (status / Last Will)"
                host.fire(rule, key, site, device, device, local, None, None, summary, st.since)

    def snapshot(self) -> OfflineState:
        return OfflineState(pending=sorted(self.pending))

    def restore(self, state: dict[str, Any]) -> None:
        rules = {r.id: r for r in self.host.rs.rules}
        for key in OfflineState.model_validate(state).pending:
            rule_id, site, subject = key.split("|", 2)
            rule = rules.get(rule_id)
            if rule is not None:
                self.pending[key] = (rule, site, subject)

    @classmethod
    def describe(cls, rule: Any, held: str) -> str:
        return f"a device reported offline{held}"
