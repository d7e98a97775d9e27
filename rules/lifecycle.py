"""The alert lifecycle, apart from the rule kinds: fire, notify, escalate, acknowledge,
resolve, audit; tiers, daily digests and the rectification workflow.

Rule kinds (rules.kinds) judge conditions; they call `condition` (a level seen true
or false), `fire` (an event) and `clear` here. Everything after that is the same for
every kind. Every clock here is the kitchen's: the engine's watermark less the
kitchen's lag (`lag`), as for no-data, so a kitchen whose clock runs behind is
neither escalated early nor told its deadline passed before its own time says so.
"""

import logging
from collections import deque
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from core.schemas import AlertEvent, AlertState
from rules.alerts import (
    STEP_FITS,
    Alert,
    Notice,
    Step,
    Workflow,
    WorkflowRequest,
    alert_id,
    fingerprint,
)
from rules.config import RuleSet
from rules.kinds import Cond, Evaluator, RuleBase
from rules.kinds.base import dt as _dt

logger = logging.getLogger(__name__)

TIER1_ROLES = ("grid_inspector",)
"""Told of a tier-1 alert at once, beside the first escalation level (and of overdue tier 2)."""


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


class Lifecycle:
    """Open alerts, their conditions, notices and workflows; the engine feeds it."""

    rs: RuleSet
    store: AlertPersistence | None
    rules_by_id: dict[str, RuleBase]
    evaluators: dict[str, Evaluator]

    def __init__(self) -> None:
        self.alerts: dict[str, Alert] = {}
        """Open alerts by key `rule|site|subject`."""
        self.conds: dict[str, Cond] = {}
        """Level conditions by alert key: true since, clear since."""
        self.outbox: deque[Notice] = deque()
        self._events: list[AlertEvent] = []
        self.workflows: dict[str, tuple[Workflow, Alert]] = {}
        """Open rectification tasks by alert id, each with its alert (open or not)."""
        self.digest: dict[str, dict[str, Any]] = {}
        """Tier 3, per `site|local date` and per `@grid|local date`: count, per rule, per
        kitchen, first event, end of that day."""
        self.grids: dict[str, str] = {}
        """Site → its grid (from the registry; set by the service): tier-3 grid digests."""
        self._quiet_kinds: set[str] = set()
        """Kinds whose alerts clear after a quiet period (see Evaluator.quiet_s)."""

    def lag(self, site: str) -> float:
        """How far the kitchen's clock is behind the watermark (the engine knows)."""
        return 0.0

    def _cut_off(self, site: str, device: str) -> bool:
        """The device (or its kitchen's gateway) is offline (the engine knows)."""
        return False

    def _take(self) -> list[AlertEvent]:
        out, self._events = self._events, []
        return out

    def _load(self) -> None:
        """Open alerts and workflows from the store, at start."""
        if self.store is None:
            return
        for alert in self.store.load_open():
            self.alerts[f"{alert.rule}|{alert.site}|{alert.subject}"] = alert
        live = {a.id: a for a in self.alerts.values()}
        for wf, alert in self.store.load_workflows():
            alert = live.get(wf.alert_id, alert)
            alert.tier, alert.deadline = wf.tier, wf.deadline
            self.workflows[wf.alert_id] = (wf, alert)
        for alert in live.values():
            if alert.id not in self.workflows:
                self._adopt(alert)

    def tick_lifecycle(self, t: float) -> None:
        """What time alone decides once the kinds have ticked."""
        self._tick_quiet(t)
        self._tick_silences(t)
        self._tick_escalation(t)
        self._tick_deadlines(t)
        self._tick_digest(t)

    # -- condition → alert ------------------------------------------------------------

    def condition(
        self,
        rule: RuleBase,
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
                st = self.conds[key] = Cond(ts, None)
            elif st.since is None:
                st.since = ts
            st.clear_since = None
            since = st.since
            assert since is not None
            alert = self.alerts.get(key)
            if alert is not None:
                alert.last_seen_at = _dt(ts)
                alert.value = value
            elif ts - since >= rule.for_s:
                self.fire(
                    rule, key, site, device, subject, ts, value, threshold, summary, since, evidence
                )
            return
        if st is not None:
            st.since = None
        if key not in self.alerts:
            self.conds.pop(key, None)
            return
        if st is None:
            st = self.conds[key] = Cond(None, ts)
        if st.clear_since is None:
            st.clear_since = ts
        if ts - st.clear_since >= rule.clear_for_s:
            self.conds.pop(key, None)
            self._resolve(key, ts)

    def _inhibited(self, rule: RuleBase, site: str, device: str, ts: float) -> bool:
        if self.evaluators[rule.kind].inhibited_by_offline and self._cut_off(site, device):
            return True
        when = _dt(ts)
        return any(w.covers(site, device, rule.id, when) for w in self.rs.file.maintenance)

    def fire(
        self,
        rule: RuleBase,
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

    def clear(self, key: str, ts: float) -> None:
        """Resolve the open alert of `key` (the condition is over), if any."""
        self._resolve(key, ts)

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
            if st is not None and st.since is not None:
                st.since = at.timestamp()
            for ev in self.evaluators.values():
                ev.on_resolved(key)
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
        if before not in STEP_FITS.get(req.action, ()):
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
            if t - self.lag(site) < d["end"]:
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
            if t - self.lag(wf.site) < wf.deadline.timestamp():
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

    def _tick_quiet(self, t: float) -> None:
        for key, alert in list(self.alerts.items()):
            rule = self.rules_by_id.get(alert.rule)
            quiet: float | None = None
            if rule is not None and rule.kind in self._quiet_kinds:
                eff = self.rs.for_device(rule, alert.site, alert.device)
                if eff is not None:
                    quiet = self.evaluators[eff.kind].quiet_s(eff)
            seen = alert.last_seen_at
            if quiet is None or seen is None:
                continue
            # On the kitchen's own clock, as for no-data: a lagging kitchen's rodent
            # alert must not clear at once because another kitchen's clock is ahead.
            if t - self.lag(alert.site) - seen.timestamp() >= quiet:
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
        for alert in list(self.alerts.values()):
            local = t - self.lag(alert.site)  # the kitchen's clock, as for escalation
            now = _dt(local)
            covered = any(s.covers(alert.site, alert.rule, alert.subject, now) for s in silences)
            if covered or not alert.silenced:
                alert.silenced = alert.silenced or covered
                continue
            alert.silenced = False
            if alert.state is not AlertState.FIRING or alert.fired_at is None:
                continue
            alert.level = self._level_at(alert.fired_at.timestamp(), local)
            alert.last_notified_at = now
            event = alert.event(now)
            if self.store is not None:
                self.store.record(alert, event, "silence over: notified")
            self.outbox.append(Notice("firing", event, self._roles_upto(alert.level), alert.level))

    def _level_at(self, fired: float, local: float) -> int:
        """The escalation level an alert fired at `fired` has reached at `local` (both
        on its kitchen's clock; an alert fired on the tick's clock may look younger)."""
        age = local - fired
        levels = self.rs.file.escalation.levels
        return max((i for i, lvl in enumerate(levels) if lvl.after_s <= age), default=0)

    def _tick_escalation(self, t: float) -> None:
        esc = self.rs.file.escalation
        for alert in list(self.alerts.values()):
            if alert.state is not AlertState.FIRING or alert.silenced or alert.fired_at is None:
                continue
            if alert.tier == 3:  # collected into the daily digest, never chased one by one
                continue
            # On the kitchen's clock, as its firing time is (and no-data's silence):
            # a kitchen 20 min behind is escalated 15 min after it fired by its own
            # time, not 20 min early, and the notice carries that time.
            local = t - self.lag(alert.site)
            level = self._level_at(alert.fired_at.timestamp(), local)
            now = _dt(local)
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
                and local - alert.last_notified_at.timestamp() >= esc.remind_every_s
            ):
                alert.last_notified_at = now
                event = alert.event(now)
                if self.store is not None:
                    self.store.record(alert, event, "reminder")
                self.outbox.append(
                    Notice("reminder", event, self._roles_upto(alert.level), alert.level)
                )
