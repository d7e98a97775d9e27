"""The pure rules engine: messages in, alert events out, on the SOURCE clock only.

`Engine.process(msg)` takes a Telemetry / DeviceStatus / DetectionEvent and returns
the alert transitions it caused; `Engine.tick(now)` advances time for what depends on
silence (no data, offline grace, quiet periods, reminders, escalation). Neither ever
reads the wall clock, so a replay or a simulated fleet gives exactly the alerts that
real time would. The MQTT service (`rules.service`) is a thin shell around this.

Promises kept here:
- one alert per incident, deduplicated by (site, rule, subject); redelivered or
  out-of-order readings are ignored per sensor;
- stale data is never "normal": a silent sensor raises its own no-data alert, and a
  pending threshold is not cleared by silence;
- an offline device inhibits its dependent rules (one offline alert stands for them);
- flapping is damped by hysteresis, `for_s` and `clear_for_s`;
- event alerts (rodent, failed disinfection) clear after a quiet period.
"""

import logging
from collections.abc import Iterable
from datetime import datetime
from operator import attrgetter
from typing import Any

from core.schemas import (
    AlertEvent,
    DetectionEvent,
    DeviceState,
    DeviceStatus,
    Telemetry,
)
from rules import checkpoint
from rules.alerts import Alert
from rules.config import RuleSet
from rules.kinds import KINDS, Cond, Evaluator, RuleBase, Seen
from rules.kinds.base import dt as _dt
from rules.kinds.base import reading_rule
from rules.lifecycle import TIER1_ROLES, AlertPersistence, Lifecycle

__all__ = ["TIER1_ROLES", "AlertPersistence", "Engine", "Message"]

logger = logging.getLogger(__name__)

Message = Telemetry | DeviceStatus | DetectionEvent

_BY_TS = attrgetter("ts")


class Engine(Lifecycle):
    """Evaluates a rule set over a message stream; state is plain data, checkpointable.

    The engine keeps what it knows of each kitchen (sensors seen, clocks, devices
    offline, power and doors) and hands each message to the evaluators of the rule
    kinds that listen to it (rules.kinds); the lifecycle it extends turns their
    conditions into alerts.
    """

    def __init__(self, ruleset: RuleSet, store: AlertPersistence | None = None) -> None:
        super().__init__()
        self.rs = ruleset
        self.store = store
        self.rules_by_id: dict[str, RuleBase] = {r.id: r for r in ruleset.rules}
        used = {r.kind for r in ruleset.rules}
        self.evaluators: dict[str, Evaluator] = {
            name: cls(self) for name, cls in KINDS.items() if name in used
        }
        """One evaluator per kind in use, in the order the kinds were registered."""
        evs = self.evaluators

        def listening(what: str) -> list[RuleBase]:
            return [r for r in ruleset.rules if what in evs[r.kind].listens]

        self._reading_rules = listening("reading")
        self._detection_rules = listening("detection")
        self._status_rules = listening("status")
        self._ticking = [e for e in evs.values() if _overrides(e, "on_tick")]
        self._back_kinds = [e for e in evs.values() if _overrides(e, "on_back")]
        self._quiet_kinds = {k for k, e in evs.items() if _overrides(e, "quiet_s")}
        self.seen: dict[tuple[str, str, str], Seen] = {}
        self.site_latest: dict[str, float] = {}
        """Newest source time each kitchen has sent."""
        self.site_lag: dict[str, float] = {}
        """How far each kitchen's clock was behind the watermark when it last spoke."""
        self.offline: dict[tuple[str, str], tuple[float, bool]] = {}
        """(site, device) -> (offline since, it is the kitchen's gateway)."""
        self._site_down: dict[str, int] = {}
        self._telemetry_devices: set[tuple[str, str]] = set()
        self.power: dict[tuple[str, str], float] = {}
        """Latest power reading per device (1 on, 0 off)."""
        self.door_since: dict[tuple[str, str], float] = {}
        """Devices whose door reads open, since when."""
        self.watermark: float = 0.0
        """Latest source time seen: the engine's notion of 'now'."""
        self._rule_cache: dict[
            tuple[str, str, str, str, str | None], list[tuple[Evaluator, RuleBase]]
        ] = {}
        self.counters: dict[str, int] = {"messages": 0, "readings": 0, "ignored_old": 0}
        self._load()
        if store is not None:
            state = store.load_state()
            if state:
                self.restore(state)

    def lag(self, site: str) -> float:
        return self.site_lag.get(site, 0.0)

    def _cut_off(self, site: str, device: str) -> bool:
        return (site, device) in self.offline or site in self._site_down

    # -- input ----------------------------------------------------------------------

    def process(self, msg: Message) -> list[AlertEvent]:
        """Evaluate one message; return the alert transitions it caused."""
        self.counters["messages"] += 1
        if isinstance(msg, Telemetry):
            self._telemetry(msg)
        elif isinstance(msg, DeviceStatus):
            self._status(msg)
        else:
            self._detections(msg)
        return self._take()

    def tick(self, now: datetime | float) -> list[AlertEvent]:
        """Advance the source clock to `now` and fire what silence and time decide."""
        t = now if isinstance(now, float) else now.timestamp()
        self.watermark = max(self.watermark, t)
        for ev in self._ticking:
            ev.on_tick(t)
        self.tick_lifecycle(t)
        return self._take()

    # -- telemetry --------------------------------------------------------------------

    def _rules_for(
        self, site: str, device: str, sensor: str, kind: str, zone: str | None
    ) -> list[tuple[Evaluator, RuleBase]]:
        key = (site, device, sensor, kind, zone)
        found = self._rule_cache.get(key)
        if found is None:
            found = []
            for rule in self._reading_rules:
                if reading_rule(rule).matches(kind, zone, device, sensor):
                    eff = self.rs.for_device(rule, site, device)
                    if eff is not None:
                        found.append((self.evaluators[eff.kind], eff))
            self._rule_cache[key] = found
        return found

    def _telemetry(self, msg: Telemetry) -> None:
        site, device = msg.site, msg.device
        self._telemetry_devices.add((site, device))
        readings = msg.readings
        if len(readings) > 1:
            readings = sorted(readings, key=_BY_TS)
        counters, seen = self.counters, self.seen
        for r in readings:
            counters["readings"] += 1
            ts = r.ts.timestamp()
            skey = (site, device, r.sensor)
            prev = seen.get(skey)
            if prev is not None and ts <= prev.ts:
                counters["ignored_old"] += 1
                continue
            kind = r.kind.value
            back = prev is not None and prev.ts + 1 < ts
            if prev is not None and prev.source == "telemetry":
                gap, g = ts - prev.ts, prev.gap
                # Learn the interval; one long gap (an outage) moves it little.
                prev.gap = gap if not g else g + 0.25 * (min(gap, 2 * g) - g)
                prev.ts, prev.kind, prev.zone = ts, kind, r.zone  # no new object per reading
            else:
                seen[skey] = Seen(ts, "telemetry", kind, r.zone)
            if ts > self.watermark:
                self.watermark = ts
            if kind == "power":
                self.power[site, device] = r.value
            elif kind == "door":
                if r.value >= 0.5:
                    self.door_since.setdefault((site, device), ts)
                else:
                    self.door_since.pop((site, device), None)
            subject = f"{device}/{r.sensor}"
            if back and self.alerts and self._back_kinds:  # only an open alert can clear
                self._back(site, subject, ts)
            for ev, rule in self._rules_for(site, device, r.sensor, kind, r.zone):
                ev.on_reading(rule, site, device, subject, ts, r.value)
        if readings:
            self._site_clock(site, readings[-1].ts.timestamp())

    def _site_clock(self, site: str, ts: float) -> None:
        """Keep each kitchen's clock lag, so silence is judged on the kitchen's own clock.

        The watermark is the newest source time of any kitchen. A kitchen whose clock
        runs 20 min behind (an agent whose RTC lost its time in a power cut and has no
        NTP yet) would otherwise look silent to every no-data rule all the time. Its
        lag is measured when it speaks and held while it is quiet, so a kitchen that
        stops sending is still noticed after `silent_s` of its own time.
        """
        latest = self.site_latest.get(site)
        if latest is None or ts > latest:
            self.site_latest[site] = latest = ts
        self.site_lag[site] = max(0.0, self.watermark - latest)

    def _back(self, site: str, subject: str, ts: float) -> None:
        for ev in self._back_kinds:
            ev.on_back(site, subject, ts)

    # -- status -------------------------------------------------------------------------

    def _status(self, msg: DeviceStatus) -> None:
        site, device = msg.site, msg.device
        ts = msg.ts.timestamp()
        if ts > self.watermark:
            self.watermark = ts
        dkey = (site, device)
        if msg.state is DeviceState.OFFLINE:
            # A Last Will carries the time the agent connected (the broker sends it
            # unchanged, maybe hours later): offline counts from when we see it, on the
            # kitchen's own clock, so the rule's grace period is honoured.
            ts = max(ts, self.watermark - self.site_lag.get(site, 0.0))
            if dkey not in self.offline:
                # A device that never sent telemetry of its own is a gateway (the edge
                # agent): while it is down, nothing of its kitchen can be heard.
                gateway = dkey not in self._telemetry_devices
                self.offline[dkey] = (ts, gateway)
                if gateway:
                    self._site_down[site] = self._site_down.get(site, 0) + 1
            for rule in self._status_rules:
                self.evaluators[rule.kind].on_status(rule, site, device, ts, True)
            return
        was = self.offline.pop(dkey, None)
        if was is not None:
            if was[1]:
                left = self._site_down.get(site, 1) - 1
                if left > 0:
                    self._site_down[site] = left
                else:
                    self._site_down.pop(site, None)
            # Its sensors get a fresh no-data grace from the moment it is back.
            for skey, seen in self.seen.items():
                if skey[0] == site and (was[1] or skey[1] == device) and seen.ts < ts:
                    seen.ts = ts
        for rule in self._status_rules:
            self.evaluators[rule.kind].on_status(rule, site, device, ts, False)

    # -- detections ---------------------------------------------------------------------

    def _detections(self, msg: DetectionEvent) -> None:
        site, cam = msg.site, msg.camera
        ts = msg.ts.timestamp()
        skey = (site, cam, "_camera")
        prev = self.seen.get(skey)
        if prev is not None and ts <= prev.ts:
            self.counters["ignored_old"] += 1
            return
        gap = 0.0
        if prev is not None:  # learn the camera's interval, as a sensor's (see _telemetry)
            g = prev.gap
            gap = ts - prev.ts if not g else g + 0.25 * (min(ts - prev.ts, 2 * g) - g)
        self.seen[skey] = Seen(ts, "detections", "camera", None, gap)
        if ts > self.watermark:
            self.watermark = ts
        self._site_clock(site, ts)
        if prev is not None and self._back_kinds:
            self._back(site, cam, ts)
        for base in self._detection_rules:
            rule = self.rs.for_device(base, site, cam)
            if rule is None:
                continue
            cameras = getattr(rule, "cameras", None)
            if cameras is not None and cam not in cameras:
                continue
            self.evaluators[rule.kind].on_detection(rule, site, cam, msg)

    # -- checkpoint ---------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Engine state as JSON-able data (see rules.checkpoint; alerts live in the store)."""
        kinds = {}
        for name, ev in self.evaluators.items():
            state = ev.snapshot()
            if state is not None:
                kinds[name] = state.model_dump(mode="json")
        cp = checkpoint.Checkpoint(
            watermark=self.watermark,
            conds=self.conds,
            seen=[(*k, s.ts, s.source, s.kind, s.zone, s.gap) for k, s in self.seen.items()],
            offline=[(s, d, *v) for (s, d), v in self.offline.items()],
            telemetry_devices=sorted(self._telemetry_devices),
            power=[(s, d, v) for (s, d), v in self.power.items()],
            door_since=[(s, d, v) for (s, d), v in self.door_since.items()],
            site_clock={k: (v, self.site_lag.get(k, 0.0)) for k, v in self.site_latest.items()},
            digest=self.digest,
            live={
                k: (
                    a.last_seen_at.timestamp() if a.last_seen_at else None,
                    a.last_notified_at.timestamp() if a.last_notified_at else None,
                    a.value,
                )
                for k, a in self.alerts.items()
            },
            kinds=kinds,
        )
        return cp.model_dump(mode="json")

    def restore(self, state: dict[str, Any]) -> None:
        cp = checkpoint.read(state)
        if cp is None:
            return
        self.watermark = cp.watermark
        self.conds = {k: Cond(c.since, c.clear_since) for k, c in cp.conds.items()}
        self.seen = {(r[0], r[1], r[2]): Seen(r[3], r[4], r[5], r[6], r[7]) for r in cp.seen}
        self.offline = {(s, d): (since, gw) for s, d, since, gw in cp.offline}
        self._site_down = {}
        for (site, _), (_, gateway) in self.offline.items():
            if gateway:
                self._site_down[site] = self._site_down.get(site, 0) + 1
        self._telemetry_devices = set(cp.telemetry_devices)
        self.power = {(s, d): v for s, d, v in cp.power}
        self.door_since = {(s, d): v for s, d, v in cp.door_since}
        self.digest = {k: dict(v) for k, v in cp.digest.items()}
        for site, (latest, lag) in cp.site_clock.items():
            self.site_latest[site], self.site_lag[site] = latest, lag
        for key, (seen, notified, value) in cp.live.items():
            alert = self.alerts.get(key)
            if alert is None:
                continue
            if seen is not None and (
                alert.last_seen_at is None or seen > alert.last_seen_at.timestamp()
            ):
                alert.last_seen_at = _dt(seen)
            if notified is not None and (
                alert.last_notified_at is None or notified > alert.last_notified_at.timestamp()
            ):
                alert.last_notified_at = _dt(notified)
            if value is not None:
                alert.value = value
        for name, kstate in cp.kinds.items():
            ev = self.evaluators.get(name)
            if ev is not None:
                ev.restore(kstate)

    def checkpoint(self) -> None:
        if self.store is not None:
            self.store.save_state(self.snapshot())

    def open_alerts(self) -> Iterable[Alert]:
        return list(self.alerts.values())


def _overrides(ev: Evaluator, hook: str) -> bool:
    return getattr(type(ev), hook) is not getattr(Evaluator, hook)
