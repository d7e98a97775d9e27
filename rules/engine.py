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
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from operator import attrgetter
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from core.schemas import (
    AlertEvent,
    AlertState,
    DetectionEvent,
    DeviceState,
    DeviceStatus,
    Telemetry,
)
from rules.alerts import (
    Alert,
    Notice,
    Step,
    WfState,
    Workflow,
    WorkflowRequest,
    alert_id,
    fingerprint,
)
from rules.config import RuleSet
from rules.model import (
    DETECTION_RULES,
    READING_RULES,
    BelowRule,
    CoolingCurveRule,
    DetectionPersistenceRule,
    DeviceOfflineRule,
    DisinfectionCycleRule,
    ImmediateRule,
    NoDataRule,
    RateOfChangeRule,
    Rule,
    ThresholdRule,
)

logger = logging.getLogger(__name__)

Message = Telemetry | DeviceStatus | DetectionEvent


class AlertPersistence(Protocol):
    """Where alerts and engine state survive a restart (see rules.store.AlertStore)."""

    def record(self, alert: Alert, event: AlertEvent, note: str | None = None) -> None: ...

    def load_open(self) -> list[Alert]: ...

    def load_state(self) -> dict[str, Any] | None: ...

    def save_state(self, state: dict[str, Any]) -> None: ...

    def record_step(
        self, wf: Workflow, step: Step | None, request_seq: int | None = None
    ) -> None: ...

    def load_workflows(self) -> list[tuple[Workflow, Alert]]: ...

    def finish_request(self, seq: int) -> None: ...


_BY_TS = attrgetter("ts")
TIER1_ROLES = ("grid_inspector",)
"""Told of a tier-1 alert at once, beside the first escalation level (and of overdue tier 2)."""
PRODUCT_FRESH_S = 900.0
"""A product probe silent longer than this no longer stands for its device's food."""


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


@dataclass
class _Seen:
    """Last report of one sensor or camera (for ordering and no-data)."""

    ts: float
    source: str
    kind: str
    zone: str | None
    gap: float = 0.0
    """Its reporting interval as learned from its gaps (0: not known yet)."""


class Engine:
    """Evaluates a rule set over a message stream; state is plain data, checkpointable."""

    def __init__(self, ruleset: RuleSet, store: AlertPersistence | None = None) -> None:
        self.rs = ruleset
        self.store = store
        self.rules_by_id: dict[str, Rule] = {r.id: r for r in ruleset.rules}
        self._reading_rules = [r for r in ruleset.rules if isinstance(r, READING_RULES)]
        self._detection_rules = [r for r in ruleset.rules if isinstance(r, DETECTION_RULES)]
        self._nodata_rules = [r for r in ruleset.rules if isinstance(r, NoDataRule)]
        self._offline_rules = [r for r in ruleset.rules if isinstance(r, DeviceOfflineRule)]
        self.alerts: dict[str, Alert] = {}
        """Open alerts by key `rule|site|subject`."""
        self.conds: dict[str, list[float | None]] = {}
        """key -> [condition true since, condition clear since]."""
        self.seen: dict[tuple[str, str, str], _Seen] = {}
        self.site_latest: dict[str, float] = {}
        """Newest source time each kitchen has sent."""
        self.site_lag: dict[str, float] = {}
        """How far each kitchen's clock was behind the watermark when it last spoke."""
        self.offline: dict[tuple[str, str], list[float]] = {}
        """(site, device) -> [offline since, 1 if it is the kitchen's gateway else 0]."""
        self._site_down: dict[str, int] = {}
        self._telemetry_devices: set[tuple[str, str]] = set()
        self.cool: dict[str, dict[str, Any]] = {}
        self.cold: dict[str, list[float]] = {}
        """Cold-chain state per air probe and rule (see `_coldchain`)."""
        self.power: dict[tuple[str, str], float] = {}
        """Latest power reading per device (1 on, 0 off)."""
        self.door_since: dict[tuple[str, str], float] = {}
        """Devices whose door reads open, since when."""
        self._in_sched: dict[tuple[str, str], tuple[float, bool]] = {}
        self.disinfect: dict[str, list[float]] = {}
        self.windows: dict[str, deque[tuple[float, float]]] = {}
        self.watermark: float = 0.0
        """Latest source time seen: the engine's notion of 'now'."""
        self.outbox: deque[Notice] = deque()
        self._events: list[AlertEvent] = []
        self._rule_cache: dict[tuple[str, str, str, str, str | None], list[Rule]] = {}
        self.counters: dict[str, int] = {"messages": 0, "readings": 0, "ignored_old": 0}
        self._pending_detail: dict[str, tuple[Rule, str, str, str, float | None, str]] = {}
        """Offline conditions waiting for their grace; promoted by tick()."""
        self.workflows: dict[str, tuple[Workflow, Alert]] = {}
        """Open rectification tasks by alert id, each with its alert (open or not)."""
        self.digest: dict[str, dict[str, Any]] = {}
        """Tier 3, per `site|local date` and per `@grid|local date`: count, per rule, per
        kitchen, first event, end of that day."""
        self.grids: dict[str, str] = {}
        """Site → its grid (from the registry; set by the service): tier-3 grid digests."""
        """Open rectification tasks by alert id, each with its alert (open or not)."""
        if store is not None:
            for alert in store.load_open():
                self.alerts[f"{alert.rule}|{alert.site}|{alert.subject}"] = alert
            live = {a.id: a for a in self.alerts.values()}
            for wf, alert in store.load_workflows():
                alert = live.get(wf.alert_id, alert)
                alert.tier, alert.deadline = wf.tier, wf.deadline
                self.workflows[wf.alert_id] = (wf, alert)
            for alert in live.values():
                if alert.id not in self.workflows:
                    self._adopt(alert)
            state = store.load_state()
            if state:
                self.restore(state)

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
        self._tick_offline(t)
        self._tick_nodata(t)
        self._tick_quiet(t)
        self._tick_silences(t)
        self._tick_escalation(t)
        self._tick_deadlines(t)
        self._tick_digest(t)
        return self._take()

    def _take(self) -> list[AlertEvent]:
        out, self._events = self._events, []
        return out

    # -- telemetry --------------------------------------------------------------------

    def _rules_for(
        self, site: str, device: str, sensor: str, kind: str, zone: str | None
    ) -> list[Rule]:
        key = (site, device, sensor, kind, zone)
        found = self._rule_cache.get(key)
        if found is None:
            found = []
            for rule in self._reading_rules:
                if rule.match.matches(kind, zone, device, sensor):
                    eff = self.rs.for_device(rule, site, device)
                    if eff is not None:
                        found.append(eff)
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
                seen[skey] = _Seen(ts, "telemetry", kind, r.zone)
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
            if back and self.alerts and self._nodata_rules:  # only an open alert can clear
                self._back(site, subject, ts)
            for rule in self._rules_for(site, device, r.sensor, kind, r.zone):
                self._reading(rule, site, device, subject, ts, r.value)
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
        for rule in self._nodata_rules:
            key = f"{rule.id}|{site}|{subject}"
            if key in self.alerts:
                self._resolve(key, ts)

    def _reading(
        self, rule: Rule, site: str, device: str, subject: str, ts: float, v: float
    ) -> None:
        key = f"{rule.id}|{site}|{subject}"
        if isinstance(rule, ThresholdRule | BelowRule):
            forced: float | None = None
            note = ""
            if isinstance(rule, ThresholdRule) and (rule.product or rule.defrost):
                judged = self._coldchain(rule, site, device, subject, ts, v)
                if judged is None:
                    return
                key, subject, v_fire, v_now, forced, note = judged
                st = self.conds.get(key)
                engaged = key in self.alerts or (st is not None and st[0] is not None)
                # Fire on the product; once engaged, clear on the air being back.
                v = v_now if engaged else v_fire
            st = self.conds.get(key)
            engaged = key in self.alerts or (st is not None and st[0] is not None)
            if forced is not None and (st is None or st[0] is None):
                st = self.conds[key] = [forced, None]  # a failed 'defrost': from its start
            if isinstance(rule, ThresholdRule):
                limit = rule.above - rule.hysteresis if engaged else rule.above
                active, word = v > limit, "above"
                lim = rule.above
            else:
                limit = rule.below + rule.hysteresis if engaged else rule.below
                active, word = v < limit, "below"
                lim = rule.below
            if not active and st is None and key not in self.alerts:
                return  # the usual case: in band, nothing pending (what _condition does)
            if forced is not None:
                active = True
            if active and not self._in_service(rule, site, device, ts):
                active = False  # out of service (schedule, or switched off): not judged
            summary = f"{subject} at {v:g} °C, {word} {lim:g} °C for {rule.for_s / 60:g} min"
            if rule.match.kind.value != "temperature":
                summary = f"{subject} at {v:g}, {word} {lim:g} for {rule.for_s / 60:g} min"
            if note:
                summary = f"{subject}: {note}"
            self._condition(rule, key, site, device, subject, active, ts, v, lim, summary)
        elif isinstance(rule, RateOfChangeRule):
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
            self._condition(
                rule, key, site, device, subject, active, ts, v, rule.max_per_min, summary
            )
        elif isinstance(rule, CoolingCurveRule):
            self._cooling(rule, key, site, device, subject, ts, v)
        elif isinstance(rule, DisinfectionCycleRule):
            self._disinfection(rule, key, site, device, subject, ts, v)

    def _in_service(
        self, rule: ThresholdRule | BelowRule, site: str, device: str, ts: float
    ) -> bool:
        """Whether the unit is in service: inside the rule's schedule (the kitchen's
        service hours) and, for `while_powered`, not switched off (its power sensor,
        where it has one, reads on)."""
        if rule.while_powered and self.power.get((site, device), 1.0) < 0.5:
            return False
        if rule.schedule is None:
            return True
        # Schedules are in whole minutes: one time-zone conversion per kitchen a minute
        # (a unit switched off all night is out of band at every reading).
        minute, ckey = ts // 60, (rule.schedule, site)
        hit = self._in_sched.get(ckey)
        if hit is None or hit[0] != minute:
            hit = self._in_sched[ckey] = (minute, self.rs.in_schedule(rule, site, _dt(ts)))
        return hit[1]

    def _defrost_window(self, site: str, device: str, ts: float) -> bool:
        windows = self.rs.file.defrost_windows
        if not windows:
            return False
        when, tz = _dt(ts), self.rs.timezone(site)
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
            fail = self.cold.get(dkey)
            note = "" if fail is None else self._why(fail, v, rule)
            key = f"{rule.id}|{site}|{subject}"
            return key, subject, v, v, None if fail is None else fail[0], note
        key = f"{rule.id}|{site}|{subject}"
        c = self.cold.get(key)
        if c is None:
            # [estimate, last ts, last value, excursion start (-1: none), 1 = defrost,
            #  estimate when the excursion began]
            c = self.cold[key] = [v, ts, v, -1.0, 0.0, v]
        est, last_ts, last_v, start, state, est0 = c
        dt = ts - last_ts
        if v > rule.above:
            rate = (v - last_v) / dt * 60 if dt > 0 else 0.0
            fast = d is not None and d.auto and rate >= d.rise_per_min
            if start < 0:
                start, est0 = ts, est
                window = d is not None and self._defrost_window(site, device, ts)
                state = 1.0 if fast or window else 0.0
            elif fast and not state:
                # The heater came on late (ice melting first): a defrost after all. The
                # estimate goes back to where it was, and what it started is dropped.
                state, est = 1.0, est0
                if key not in self.alerts:
                    self.conds.pop(key, None)
            if d is not None and dkey not in self.cold:  # bounds hold for every excursion
                why = 0.0
                if v > d.peak_c:
                    why = 1.0
                elif ts - start > d.max_s and not self._defrost_window(site, device, ts):
                    why = 2.0
                else:
                    door = self.door_since.get((site, device))
                    if door is not None and ts - door > d.door_s:
                        why = 3.0
                if why:
                    self.cold[dkey] = [start, why]
        else:
            start, state = -1.0, 0.0
            self.cold.pop(dkey, None)
        if not state and spec is not None:
            # Outside fast excursions the air feeds the estimate of product temperature.
            est = v if spec.tau_s <= 0 else v + (est - v) * math.exp(-dt / spec.tau_s)
        elif spec is None:
            est = v
        c[0], c[1], c[2], c[3], c[4], c[5] = est, ts, v, start, state, est0
        fail = self.cold.get(dkey)
        forced = None if fail is None else fail[0]
        note = "" if fail is None else self._why(fail, v, rule)
        # The product probe counts while it reports (a silent one has its own no-data
        # alert; meanwhile the air's estimate is judged again, not nothing).
        seen = self.seen
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
    def _why(fail: list[float], v: float, rule: ThresholdRule) -> str:
        d = rule.defrost
        assert d is not None
        since = _dt(fail[0]).strftime("%H:%M UTC")
        why = {
            1.0: f"air above {d.peak_c:g} °C, higher than a defrost goes",
            2.0: f"air above {rule.above:g} °C longer than a defrost ({d.max_s / 60:g} min)",
            3.0: f"door open longer than {d.door_s / 60:g} min",
        }[fail[1]]
        return f"{why}: not a defrost; air at {v:g} °C, above {rule.above:g} °C since {since}"

    def _cooling(
        self,
        rule: CoolingCurveRule,
        key: str,
        site: str,
        device: str,
        subject: str,
        ts: float,
        v: float,
    ) -> None:
        c = self.cool.get(key)
        if v >= rule.start_c:
            if key in self.alerts:
                self._resolve(key, ts)  # reheated: a new batch starts
            self.cool[key] = {"hot_ts": ts, "hot_v": v, "start": None, "mid": None, "done": 0}
            return
        if c is None:
            return
        if c["start"] is None:
            # Interpolate the crossing of start_c between the last hot reading and this one.
            span = c["hot_v"] - v
            frac = (c["hot_v"] - rule.start_c) / span if span > 0 else 0.0
            c["start"] = c["hot_ts"] + frac * (ts - c["hot_ts"])
        c["last"] = ts
        if c["mid"] is None and v <= rule.mid_c:
            c["mid"] = ts
        if v <= rule.end_c:
            if key in self.alerts:
                self._resolve(key, ts)
            del self.cool[key]
            return
        elapsed = ts - c["start"]
        late_mid = c["mid"] is None and elapsed > rule.mid_within_s
        late_end = elapsed > rule.end_within_s
        if (late_mid or late_end) and not c["done"]:
            c["done"] = 1
            if late_mid:
                summary = (
                    f"{subject} still {v:g} °C {elapsed / 3600:.1f} h after {rule.start_c:g} °C;"
                    f" must reach {rule.mid_c:g} °C within {rule.mid_within_s / 3600:g} h"
                )
                lim = rule.mid_c
            else:
                summary = (
                    f"{subject} still {v:g} °C {elapsed / 3600:.1f} h after {rule.start_c:g} °C;"
                    f" must reach {rule.end_c:g} °C within {rule.end_within_s / 3600:g} h"
                )
                lim = rule.end_c
            self._fire(rule, key, site, device, subject, ts, v, lim, summary, c["start"])

    def _disinfection(
        self,
        rule: DisinfectionCycleRule,
        key: str,
        site: str,
        device: str,
        subject: str,
        ts: float,
        v: float,
    ) -> None:
        d = self.disinfect.get(key)
        if d is None:
            if v > rule.start_above:
                # [cycle start, hold start (-1 none), best hold, peak, judged, trough]
                self.disinfect[key] = [ts, ts if v >= rule.target_c else -1.0, 0.0, v, 0.0, v]
            return
        if v < rule.start_above - rule.rearm_c:
            del self.disinfect[key]  # back to idle: the next rise is a new cycle
            return
        if d[4]:
            d[5] = min(d[5], v)
            if v > d[5] + rule.rearm_c:
                # Heating again from a warm cabinet: a new cycle.
                self.disinfect[key] = [ts, ts if v >= rule.target_c else -1.0, 0.0, v, 0.0, v]
            return
        d[3] = max(d[3], v)
        if v >= rule.target_c:
            if d[1] < 0:
                d[1] = ts
            d[2] = max(d[2], ts - d[1])
            return
        d[1] = -1.0
        if v > d[3] - rule.cooling_c:
            return
        # Clearly cooling down from its peak: the heating phase is over, judge it.
        d[4] = 1.0
        d[5] = v
        start, _, best, peak = d[0], d[1], d[2], d[3]
        if best >= rule.hold_s:
            if key in self.alerts:
                self._resolve(key, ts)
            return
        summary = (
            f"{subject} disinfection cycle held {rule.target_c:g} °C for {best / 60:.1f} min"
            f" (peak {peak:.1f} °C); needs {rule.hold_s / 60:g} min"
        )
        self._fire(rule, key, site, device, subject, ts, peak, rule.target_c, summary, start)

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
                self.offline[dkey] = [ts, 1.0 if gateway else 0.0]
                if gateway:
                    self._site_down[site] = self._site_down.get(site, 0) + 1
            for rule in self._offline_rules:
                eff = self.rs.for_device(rule, site, device)
                if eff is not None:
                    key = f"{eff.id}|{site}|{device}"
                    summary = f"{device} offline (status / Last Will)"
                    self._condition(eff, key, site, device, device, True, ts, None, None, summary)
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
        for rule in self._offline_rules:
            key = f"{rule.id}|{site}|{device}"
            if key in self.alerts or key in self.conds:
                self.conds.pop(key, None)
                if key in self.alerts:
                    self._resolve(key, ts)

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
        self.seen[skey] = _Seen(ts, "detections", "camera", None, gap)
        if ts > self.watermark:
            self.watermark = ts
        self._site_clock(site, ts)
        if prev is not None and self._nodata_rules:
            self._back(site, cam, ts)
        for base in self._detection_rules:
            rule = self.rs.for_device(base, site, cam)
            if rule is None:
                continue
            assert isinstance(rule, DetectionPersistenceRule | ImmediateRule)
            if rule.cameras is not None and cam not in rule.cameras:
                continue
            found: dict[str, tuple[float, list[dict[str, str]]]] = {}
            for vio in msg.violations:
                if vio.cls in rule.classes and (rule.zones is None or vio.zone in rule.zones):
                    ev = [vio.evidence.model_dump(mode="json")] if vio.evidence else []
                    old = found.get(vio.cls, (0.0, []))
                    found[vio.cls] = (1.0, old[1] + ev)
            for det in msg.detections:
                if (
                    det.cls in rule.classes
                    and det.score >= rule.min_score
                    and (rule.zones is None or det.zone in rule.zones)
                ):
                    old = found.get(det.cls, (0.0, []))
                    found[det.cls] = (max(old[0], det.score), old[1])
            in_hours = self.rs.in_schedule(rule, site, msg.ts)
            for cls in rule.classes:
                subject = f"{cam}/{cls}"
                key = f"{rule.id}|{site}|{subject}"
                hit = found.get(cls)
                if isinstance(rule, ImmediateRule):
                    if hit is not None and in_hours:
                        summary = f"{cls} seen by {cam}"
                        self._fire(
                            rule, key, site, cam, subject, ts, hit[0], None, summary, ts, hit[1]
                        )
                    continue
                active = hit is not None and in_hours
                summary = f"{cls} in view of {cam} during working hours"
                self._condition(
                    rule,
                    key,
                    site,
                    cam,
                    subject,
                    active,
                    ts,
                    hit[0] if hit else None,
                    None,
                    summary,
                    hit[1] if hit else None,
                )

    # -- condition → alert ------------------------------------------------------------

    def _condition(
        self,
        rule: Rule,
        key: str,
        site: str,
        device: str,
        subject: str,
        active: bool,
        ts: float,
        value: float | None,
        threshold: float | None,
        summary: str,
        evidence: list[dict[str, str]] | None = None,
    ) -> None:
        st = self.conds.get(key)
        if active:
            if st is None:
                st = self.conds[key] = [ts, None]
            elif st[0] is None:
                st[0] = ts
            st[1] = None
            since = st[0]
            assert since is not None
            alert = self.alerts.get(key)
            if alert is not None:
                alert.last_seen_at = _dt(ts)
                alert.value = value
            elif ts - since >= rule.for_s:
                self._fire(
                    rule, key, site, device, subject, ts, value, threshold, summary, since, evidence
                )
            if isinstance(rule, DeviceOfflineRule) and key not in self.alerts:
                self._pending_detail[key] = (rule, site, device, subject, value, summary)
            return
        if st is not None:
            st[0] = None
        if key not in self.alerts:
            self.conds.pop(key, None)
            return
        if st is None:
            st = self.conds[key] = [None, ts]
        if st[1] is None:
            st[1] = ts
        clear_since = st[1]
        assert clear_since is not None
        if ts - clear_since >= rule.clear_for_s:
            self.conds.pop(key, None)
            self._resolve(key, ts)

    def _inhibited(self, rule: Rule, site: str, device: str, ts: float) -> bool:
        if not isinstance(rule, DeviceOfflineRule) and (
            (site, device) in self.offline or site in self._site_down
        ):
            return True
        when = _dt(ts)
        return any(w.covers(site, device, rule.id, when) for w in self.rs.file.maintenance)

    def _fire(
        self,
        rule: Rule,
        key: str,
        site: str,
        device: str,
        subject: str,
        ts: float,
        value: float | None,
        threshold: float | None,
        summary: str,
        started: float,
        evidence: list[dict[str, str]] | None = None,
    ) -> None:
        alert = self.alerts.get(key)
        if alert is not None:
            alert.last_seen_at = _dt(ts)
            return
        if self._inhibited(rule, site, device, ts):
            return
        now = _dt(ts)
        fp = fingerprint(site, rule.id, subject)
        started_at = _dt(min(started, ts))
        alert = Alert(
            id=alert_id(fp, started_at),
            fingerprint=fp,
            site=site,
            rule=rule.id,
            subject=subject,
            device=device,
            severity=rule.severity,
            state=AlertState.FIRING,
            started_at=started_at,
            updated_at=now,
            summary=summary,
            value=value,
            threshold=threshold,
            fired_at=now,
            last_notified_at=now,
            last_seen_at=now,
            evidence=list(evidence or [])[:20],
        )
        alert.silenced = any(s.covers(site, rule.id, subject, now) for s in self.rs.file.silences)
        tier = rule.effective_tier
        alert.tier = tier
        if tier == 2:
            alert.deadline = _dt(ts + rule.rectify_within_s)
        self.alerts[key] = alert
        event = self._transition(alert, now, note="fired")
        wf = Workflow(
            alert_id=alert.id,
            site=site,
            rule=rule.id,
            tier=tier,
            state="open",
            opened_at=now,
            updated_at=now,
            deadline=alert.deadline,
        )
        self.workflows[alert.id] = (wf, alert)
        self._step(wf, Step(alert.id, now, "fired", "open", comment=f"tier {tier}"))
        if not alert.silenced and tier == 3:
            self._collect(alert, event)
        elif not alert.silenced:
            roles = tuple(self.rs.file.escalation.levels[0].notify)
            if tier == 1:  # at once to the canteen and its grid inspector
                roles = (*roles, *(r for r in TIER1_ROLES if r not in roles))
            self.outbox.append(Notice("firing", event, roles, 0))

    def _resolve(
        self, key: str, ts: float, actor: str | None = None, comment: str | None = None
    ) -> None:
        alert = self.alerts.pop(key, None)
        if alert is None:
            return
        now = _dt(max(ts, alert.updated_at.timestamp()))
        alert.state = AlertState.RESOLVED
        alert.resolved_at = now
        alert.resolved_by = actor
        if comment:
            alert.comment = comment
        event = self._transition(alert, now, actor, comment, "resolved" if actor else "cleared")
        if not alert.silenced and alert.tier != 3:  # tier 3 was never announced: the digest
            self.outbox.append(Notice("resolved", event, self._roles_upto(alert.level)))

    def _roles_upto(self, level: int) -> tuple[str, ...]:
        roles: list[str] = []
        for lvl in self.rs.file.escalation.levels[: level + 1]:
            roles += [r for r in lvl.notify if r not in roles]
        return tuple(roles)

    def _transition(
        self,
        alert: Alert,
        now: datetime,
        actor: str | None = None,
        comment: str | None = None,
        note: str | None = None,
    ) -> AlertEvent:
        alert.updated_at = now
        event = alert.event(now, actor, comment)
        if self.store is not None:
            self.store.record(alert, event, note)
        self._events.append(event)
        logger.info(
            "alert %s %s %s/%s %s",
            alert.id[:8],
            event.state.value,
            alert.site,
            alert.rule,
            alert.subject,
        )
        return event

    # -- people -------------------------------------------------------------------------

    def find(self, ref: str) -> str | None:
        """Key of the open alert with this id or fingerprint."""
        for key, alert in self.alerts.items():
            if ref in (alert.id, alert.fingerprint):
                return key
        return None

    def acknowledge(
        self, ref: str, actor: str, comment: str | None, at: datetime
    ) -> list[AlertEvent]:
        """A person takes the alert on: reminders and escalation stop."""
        key = self.find(ref)
        if key is not None:
            alert = self.alerts[key]
            if alert.state is AlertState.FIRING:
                alert.state = AlertState.ACKNOWLEDGED
                alert.acked_at = at
                alert.acked_by = actor
                if comment:
                    alert.comment = comment
                event = self._transition(alert, at, actor, comment, "acknowledged")
                self.outbox.append(
                    Notice("acknowledged", event, self._roles_upto(alert.level), alert.level)
                )
        return self._take()

    def resolve(self, ref: str, actor: str, comment: str, at: datetime) -> list[AlertEvent]:
        """A person closes the alert with the corrective action taken."""
        key = self.find(ref)
        if key is not None:
            self._resolve(key, at.timestamp(), actor, comment)
            # The condition must be seen afresh for a new incident.
            st = self.conds.get(key)
            if st is not None and st[0] is not None:
                st[0] = at.timestamp()
            c = self.cool.get(key)
            if c is not None:
                c["done"] = 1
        return self._take()

    # -- the supervision loop (预警 → 整改 → 复核) -------------------------------------------

    def _step(self, wf: Workflow, step: Step | None, request_seq: int | None = None) -> None:
        if self.store is not None:
            self.store.record_step(wf, step, request_seq)
        if step is not None:
            logger.info(
                "workflow %s %s -> %s by %s", wf.alert_id[:8], step.action, wf.state, step.actor
            )

    def _adopt(self, alert: Alert) -> None:
        """Give an open alert without a task one (fired before the loop existed, or the
        worker died between writing the alert and its task)."""
        base = self.rules_by_id.get(alert.rule)
        rule = self.rs.for_device(base, alert.site, alert.device) if base is not None else None
        tier = rule.effective_tier if rule is not None else 2
        opened = alert.fired_at or alert.started_at
        if tier == 2 and rule is not None:
            alert.deadline = opened + timedelta(seconds=rule.rectify_within_s)
        alert.tier = tier
        wf = Workflow(
            alert.id, alert.site, alert.rule, tier, "open", opened, opened, alert.deadline
        )
        self.workflows[alert.id] = (wf, alert)
        self._step(wf, Step(alert.id, opened, "fired", "open", comment=f"tier {tier} (adopted)"))

    def find_workflow(self, ref: str) -> tuple[Workflow, Alert] | None:
        """The open rectification task of the alert with this id (or fingerprint: newest)."""
        if ref in self.workflows:
            return self.workflows[ref]
        found = [v for v in self.workflows.values() if v[1].fingerprint == ref]
        return max(found, key=lambda v: v[0].opened_at) if found else None

    def _rectify_within(self, wf: Workflow, alert: Alert) -> float:
        base = self.rules_by_id.get(wf.rule)
        rule = self.rs.for_device(base, wf.site, alert.device) if base is not None else None
        return rule.rectify_within_s if rule is not None else 24 * 3600.0

    def apply(self, req: WorkflowRequest) -> list[AlertEvent]:
        """Apply one person's workflow action (the API queued it); once, in order.

        Actions that do not fit the task's state (a review of nothing submitted, any
        action on a closed task) change nothing and are recorded as refused, so whoever
        sent them can see why. Roles are checked by the API before queueing.
        """
        found = self.find_workflow(req.ref)
        if found is None:
            logger.info("workflow request %s: no open task for %s", req.request_id, req.ref)
            if self.store is not None:
                self.store.finish_request(req.seq)
            return self._take()
        wf, alert = found
        at = max(req.at, wf.updated_at)
        before = wf.state
        allowed: dict[str, tuple[WfState, ...]] = {
            "ack": ("open",),
            "rectify": ("open", "rectifying"),
            "review_accept": ("submitted",),
            "review_reject": ("submitted",),
            "false_positive": ("open", "rectifying", "submitted"),
            "comment": ("open", "rectifying", "submitted"),
            "reassign": ("open", "rectifying", "submitted"),
        }
        if before not in allowed.get(req.action, ()):
            why = f"{req.action} refused in state {before}"
            step = Step(
                wf.alert_id, at, "refused", before, req.actor, req.role, why, (), req.request_id
            )
            self._step(wf, step, req.seq)
            return self._take()
        events: list[AlertEvent] = []
        if req.action in ("ack", "rectify") and before == "open":
            wf.acked_at = at
            events += self.acknowledge(
                alert.id, req.actor, req.comment if req.action == "ack" else None, at
            )
        if req.action == "ack":
            wf.state = "rectifying"
        elif req.action == "rectify":
            wf.state, wf.submitted_at = "submitted", at
        elif req.action == "review_accept":
            wf.state, wf.rectified_at = "closed", wf.submitted_at
            wf.closed_at, wf.closed_by = at, req.actor
            events += self.resolve(
                alert.id, req.actor, req.comment or "整改已验收 (rectification accepted)", at
            )
        elif req.action == "review_reject":
            wf.state, wf.rejections = "rectifying", wf.rejections + 1
            if wf.tier == 2:
                wf.deadline = at + timedelta(seconds=self._rectify_within(wf, alert))
                alert.deadline = wf.deadline
        elif req.action == "false_positive":
            wf.state, wf.closed_at, wf.closed_by = "false_positive", at, req.actor
            events += self.resolve(alert.id, req.actor, req.comment or "误报 (false positive)", at)
        elif req.action == "reassign":
            wf.assignee = req.assignee
        wf.updated_at = at
        comment = req.comment
        if req.action == "reassign":
            comment = f"→ {req.assignee}" + (f": {req.comment}" if req.comment else "")
        step = Step(
            wf.alert_id,
            at,
            req.action,
            wf.state,
            req.actor,
            req.role,
            comment,
            req.photos,
            req.request_id,
        )
        self._step(wf, step, req.seq)
        if not wf.is_open:
            self.workflows.pop(wf.alert_id, None)
        return events + self._take()

    def _collect(self, alert: Alert, event: AlertEvent) -> None:
        """Tier 3: count into the kitchen's digest of its local day instead of a notice, and
        into its grid's digest of that day (for the grid inspector) when it has a grid."""
        tz = ZoneInfo(self.rs.timezone(alert.site))
        day = event.ts.astimezone(tz).date()
        grid = self.grids.get(alert.site)
        for key in (alert.site, *((f"@{grid}",) if grid else ())):
            d = self.digest.get(f"{key}|{day.isoformat()}")
            if d is None:
                end = datetime.combine(day + timedelta(days=1), time(0), tz).timestamp()
                d = {"n": 0, "rules": {}, "event": event.model_dump(mode="json"), "end": end}
                self.digest[f"{key}|{day.isoformat()}"] = d
            d["n"] += 1
            d["rules"][alert.rule] = d["rules"].get(alert.rule, 0) + 1
            per_site = d.setdefault("sites", {}).setdefault(alert.site, {})
            per_site[alert.rule] = per_site.get(alert.rule, 0) + 1

    def _tick_digest(self, t: float) -> None:
        """At the end of a kitchen's day, one notice for all its tier-3 alerts of the day
        (to the canteen; to its grid inspector too if it has no grid), and one per grid
        and day listing the grid's kitchens (to the grid inspector)."""
        for key, d in list(self.digest.items()):
            where, day = key.split("|", 1)
            site = AlertEvent.model_validate(d["event"]).site if where.startswith("@") else where
            if t - self.site_lag.get(site, 0.0) < d["end"]:
                continue
            del self.digest[key]
            rules = ", ".join(f"{r} × {n}" for r, n in sorted(d["rules"].items()))
            summary = f"三级预警日汇总 {day}: {d['n']} 条 ({rules}) (daily digest of tier-3 alerts)"
            event = AlertEvent.model_validate(d["event"]).model_copy(
                update={"summary": summary[:500], "ts": _dt(min(t, d["end"]))}
            )
            detail: dict[str, Any] = {
                "scope": "kitchen",
                "day": day,
                "n": d["n"],
                "sites": d.get("sites", {site: d["rules"]}),
            }
            if where.startswith("@"):
                detail.update(scope="grid", grid=where[1:])
                roles: tuple[str, ...] = TIER1_ROLES
            else:
                roles = tuple(self.rs.file.escalation.levels[0].notify)
                if site not in self.grids:  # no grid digest stands for it
                    roles = (*roles, *(r for r in TIER1_ROLES if r not in roles))
            self.outbox.append(Notice("digest", event, roles, 0, digest=detail))

    def _tick_deadlines(self, t: float) -> None:
        """Tier 2: a deadline passed unrectified escalates, once per deadline."""
        for wf, alert in list(self.workflows.values()):
            if wf.tier != 2 or wf.deadline is None or wf.state not in ("open", "rectifying"):
                continue
            if wf.overdue_at is not None and wf.overdue_at >= wf.deadline:
                continue
            if t - self.site_lag.get(wf.site, 0.0) < wf.deadline.timestamp():
                continue
            now = _dt(t)
            wf.overdue_at, wf.updated_at = now, max(now, wf.updated_at)
            note = "整改逾期 (rectification overdue)"
            self._step(wf, Step(wf.alert_id, now, "overdue", wf.state, comment=note))
            event = alert.event(now, comment=note)
            if self.store is not None:
                self.store.record(alert, event, "rectification overdue: escalated")
            roles = self._roles_upto(len(self.rs.file.escalation.levels) - 1)
            roles = (*roles, *(r for r in TIER1_ROLES if r not in roles))
            self.outbox.append(Notice("escalation", event, roles, alert.level))

    # -- time ---------------------------------------------------------------------------

    def _tick_offline(self, t: float) -> None:
        for key, (rule, site, device, subject, value, summary) in list(
            self._pending_detail.items()
        ):
            st = self.conds.get(key)
            if key in self.alerts or st is None or st[0] is None:
                self._pending_detail.pop(key, None)
                continue
            if t - st[0] >= rule.for_s:
                self._pending_detail.pop(key, None)
                self._fire(rule, key, site, device, subject, t, value, None, summary, st[0])

    def _tick_nodata(self, t: float) -> None:
        if not self._nodata_rules:
            return
        lags = self.site_lag
        for (site, device, sensor), seen in self.seen.items():
            silent_s = t - lags.get(site, 0.0) - seen.ts  # on the kitchen's own clock
            for base in self._nodata_rules:
                if silent_s <= base.silent_s or seen.source != base.source:
                    continue
                if base.match is not None and not base.match.matches(
                    seen.kind, seen.zone, device, sensor
                ):
                    continue
                rule = self.rs.for_device(base, site, device)
                if not isinstance(rule, NoDataRule) or silent_s <= rule.limit_s(seen.gap):
                    continue
                subject = device if sensor == "_camera" else f"{device}/{sensor}"
                key = f"{rule.id}|{site}|{subject}"
                if key in self.alerts:
                    continue
                if rule.schedule is not None:
                    # Only in service (a camera switched off at night is normal): silent
                    # for the whole limit inside the schedule, on the kitchen's clock.
                    local = t - lags.get(site, 0.0)
                    if not (
                        self.rs.in_schedule(rule, site, _dt(local))
                        and self.rs.in_schedule(rule, site, _dt(local - rule.limit_s(seen.gap)))
                    ):
                        continue
                summary = f"{subject} silent for {silent_s / 60:.0f} min: state unknown"
                self._fire(rule, key, site, device, subject, t, None, None, summary, seen.ts)

    def _tick_quiet(self, t: float) -> None:
        for key, alert in list(self.alerts.items()):
            rule = self.rules_by_id.get(alert.rule)
            quiet: float | None = None
            if isinstance(rule, ImmediateRule | DisinfectionCycleRule):
                eff = self.rs.for_device(rule, alert.site, alert.device)
                if isinstance(eff, ImmediateRule):
                    quiet = eff.quiet_s
                elif isinstance(eff, DisinfectionCycleRule):
                    quiet = eff.clear_after_s
            seen = alert.last_seen_at
            if quiet is None or seen is None:
                continue
            # On the kitchen's own clock, as for no-data: a lagging kitchen's rodent
            # alert must not clear at once because another kitchen's clock is ahead.
            if t - self.site_lag.get(alert.site, 0.0) - seen.timestamp() >= quiet:
                self._resolve(key, t)

    def _tick_silences(self, t: float) -> None:
        """Silences start and end on the clock, not only when an alert fires.

        A silence mutes notifications; it does not make the incident go away. When it
        ends and the alert is still firing unacknowledged, the notice held back goes
        out then, to everyone its age has escalated it to (the clock of escalation is
        the incident's, not the silence's), and reminders go on from there.
        """
        silences = self.rs.file.silences
        if not silences and not any(a.silenced for a in self.alerts.values()):
            return
        now = _dt(t)
        esc = self.rs.file.escalation
        for alert in list(self.alerts.values()):
            covered = any(s.covers(alert.site, alert.rule, alert.subject, now) for s in silences)
            if covered or not alert.silenced:
                alert.silenced = alert.silenced or covered
                continue
            alert.silenced = False
            if alert.state is not AlertState.FIRING or alert.fired_at is None:
                continue
            age = t - alert.fired_at.timestamp()
            alert.level = max(i for i, lvl in enumerate(esc.levels) if lvl.after_s <= age)
            alert.last_notified_at = now
            event = alert.event(now)
            if self.store is not None:
                self.store.record(alert, event, "silence over: notified")
            self.outbox.append(Notice("firing", event, self._roles_upto(alert.level), alert.level))

    def _tick_escalation(self, t: float) -> None:
        esc = self.rs.file.escalation
        for alert in list(self.alerts.values()):
            if alert.state is not AlertState.FIRING or alert.silenced or alert.fired_at is None:
                continue
            if alert.tier == 3:  # collected into the daily digest, never chased one by one
                continue
            age = t - alert.fired_at.timestamp()
            level = max(i for i, lvl in enumerate(esc.levels) if lvl.after_s <= age)
            now = _dt(t)
            if level > alert.level:
                alert.level = level
                alert.last_notified_at = now
                roles = tuple(esc.levels[level].notify)
                event = alert.event(now)
                if self.store is not None:
                    self.store.record(alert, event, f"escalated to {', '.join(roles)}")
                self.outbox.append(Notice("escalation", event, roles, level))
            elif (
                alert.last_notified_at is not None
                and t - alert.last_notified_at.timestamp() >= esc.remind_every_s
            ):
                alert.last_notified_at = now
                event = alert.event(now)
                if self.store is not None:
                    self.store.record(alert, event, "reminder")
                self.outbox.append(
                    Notice("reminder", event, self._roles_upto(alert.level), alert.level)
                )

    # -- checkpoint ---------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Engine state as JSON-able data (alerts themselves live in the store)."""
        return {
            "v": 1,
            "watermark": self.watermark,
            "conds": self.conds,
            "seen": [[*k, s.ts, s.source, s.kind, s.zone, s.gap] for k, s in self.seen.items()],
            "offline": [[s, d, *v] for (s, d), v in self.offline.items()],
            "telemetry_devices": sorted(self._telemetry_devices),
            "cool": self.cool,
            "cold": self.cold,
            "power": [[s, d, v] for (s, d), v in self.power.items()],
            "door_since": [[s, d, v] for (s, d), v in self.door_since.items()],
            "disinfect": self.disinfect,
            "pending": sorted(self._pending_detail),
            "site_clock": {k: [v, self.site_lag.get(k, 0.0)] for k, v in self.site_latest.items()},
            "digest": self.digest,
            # What changes without a transition (so the store's row lags behind): the
            # quiet period of an event alert runs from last_seen_at, reminders from
            # last_notified_at.
            "live": {
                k: [
                    a.last_seen_at.timestamp() if a.last_seen_at else None,
                    a.last_notified_at.timestamp() if a.last_notified_at else None,
                    a.value,
                ]
                for k, a in self.alerts.items()
            },
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.watermark = float(state.get("watermark", 0.0))
        self.conds = {k: list(v) for k, v in state.get("conds", {}).items()}
        self.seen = {
            (row[0], row[1], row[2]): _Seen(
                row[3], row[4], row[5], row[6], row[7] if len(row) > 7 else 0.0
            )
            for row in state.get("seen", [])
        }
        self.offline = {(r[0], r[1]): [r[2], r[3]] for r in state.get("offline", [])}
        self._site_down = {}
        for (site, _), (_, gateway) in self.offline.items():
            if gateway:
                self._site_down[site] = self._site_down.get(site, 0) + 1
        self._telemetry_devices = {(s, d) for s, d in state.get("telemetry_devices", [])}
        self.cool = dict(state.get("cool", {}))
        self.cold = {k: list(v) for k, v in state.get("cold", {}).items()}
        for row in self.cold.values():
            if len(row) == 5:  # a checkpoint from before the estimate-at-start column
                row.append(row[0])
        self.power = {(r[0], r[1]): float(r[2]) for r in state.get("power", [])}
        self.door_since = {(r[0], r[1]): float(r[2]) for r in state.get("door_since", [])}
        self.disinfect = {k: list(v) for k, v in state.get("disinfect", {}).items()}
        self.digest = {k: dict(v) for k, v in state.get("digest", {}).items()}
        for site, (latest, lag) in state.get("site_clock", {}).items():
            self.site_latest[site], self.site_lag[site] = float(latest), float(lag)
        for key, (seen, notified, value) in state.get("live", {}).items():
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
        for key in state.get("pending", []):
            rule_id, site, subject = key.split("|", 2)
            rule = self.rules_by_id.get(rule_id)
            if rule is not None:
                summary = f"{subject} offline (status / Last Will)"
                self._pending_detail[key] = (rule, site, subject, subject, None, summary)

    def checkpoint(self) -> None:
        if self.store is not None:
            self.store.save_state(self.snapshot())

    def open_alerts(self) -> Iterable[Alert]:
        return list(self.alerts.values())
