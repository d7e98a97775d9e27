"""Rule definitions: a pydantic tree read from YAML, one model per rule kind.

The shape follows Frigate's plugin configs: every rule kind is a model with a
`kind: Literal[...]`, and the file picks one through a discriminated union, so a typo
in a kind or a field is a precise error (extra fields are refused) instead of a rule
that silently never fires.
"""

from datetime import datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.ids import Id
from core.schemas import SensorKind, Severity


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(_Strict):
    """Which readings a reading-based rule looks at; an absent list matches everything."""

    kind: SensorKind = Field(default=SensorKind.TEMPERATURE, description="Sensor kind")
    zone: list[Id] | None = Field(default=None, description="Zones (the role of the reading)")
    device: list[Id] | None = Field(default=None, description="Devices")
    sensor: list[Id] | None = Field(default=None, description="Sensors")

    def matches(self, kind: str, zone: str | None, device: str, sensor: str) -> bool:
        if kind != self.kind.value:
            return False
        if self.zone is not None and zone not in self.zone:
            return False
        if self.device is not None and device not in self.device:
            return False
        return self.sensor is None or sensor in self.sensor


class RuleBase(_Strict):
    id: Id = Field(description="Rule id; part of the alert fingerprint")
    description: str = Field(default="", max_length=500, description="What and why")
    ref: str = Field(default="", max_length=500, description="Source of the limit (standard, §)")
    severity: Severity = Field(default=Severity.WARNING, description="Alert severity")
    sites: list[Id] | None = Field(default=None, description="Only these sites (all if absent)")
    schedule: str | None = Field(
        default=None, description="Active only inside this schedule (e.g. working_hours)"
    )
    for_s: float = Field(default=0.0, ge=0, description="Condition must hold this long to fire")
    clear_for_s: float = Field(
        default=0.0, ge=0, description="Condition must stay clear this long to resolve (damping)"
    )
    tier: Literal[1, 2, 3] | None = Field(
        default=None,
        description="Supervision tier (1: notify canteen and inspector at once; 2: rectify "
        "by a deadline; 3: daily digest). Absent: from severity (critical 1, warning 2, info 3)",
    )
    rectify_within_s: float = Field(
        default=24 * 3600.0, gt=0, description="Tier 2: rectification deadline after firing"
    )

    @property
    def effective_tier(self) -> Literal[1, 2, 3]:
        """The tier this rule's alerts get: its own, else its severity's."""
        if self.tier is not None:
            return self.tier
        return TIER_OF_SEVERITY[self.severity]


TIER_OF_SEVERITY: dict[Severity, Literal[1, 2, 3]] = {
    Severity.CRITICAL: 1,
    Severity.WARNING: 2,
    Severity.INFO: 3,
}


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


class BelowRule(RuleBase):
    """Value below `below` for `for_s`; clears above `below + hysteresis`."""

    kind: Literal["below"]
    match: Match = Field(default_factory=Match, description="Readings looked at")
    below: float = Field(description="Limit (fires when the value is below it)")
    hysteresis: float = Field(default=0.5, ge=0, description="Clears only this far above")
    while_powered: bool = Field(
        default=False,
        description="Only while the device's power sensor (if any) reads on: a unit "
        "switched off is not holding food (a unit off in service is its own rule)",
    )


class RateOfChangeRule(RuleBase):
    """Value changing faster than `max_per_min` over `window_s`."""

    kind: Literal["rate_of_change"]
    match: Match = Field(default_factory=Match, description="Readings looked at")
    max_per_min: float = Field(gt=0, description="Largest allowed change per minute")
    window_s: float = Field(default=300.0, gt=0, description="Window the rate is taken over")
    direction: Literal["rise", "fall", "either"] = Field(default="rise", description="Which way")


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


class DeviceOfflineRule(RuleBase):
    """A device whose status (or Last Will) says offline for `for_s`."""

    kind: Literal["device_offline"]
    for_s: float = Field(default=60.0, ge=0, description="Grace before firing")


class DetectionPersistenceRule(RuleBase):
    """A declared violation (e.g. no_hat) present in a zone, usually during working hours."""

    kind: Literal["detection_persistence"]
    classes: list[Id] = Field(min_length=1, description="Violation classes, e.g. no_hat")
    zones: list[Id] | None = Field(default=None, description="Zones (all if absent)")
    cameras: list[Id] | None = Field(default=None, description="Cameras (all if absent)")
    min_score: float = Field(default=0.0, ge=0, le=1, description="Detections below are ignored")
    clear_for_s: float = Field(default=120.0, ge=0, description="Absent this long to resolve")


class ImmediateRule(RuleBase):
    """Any sighting fires at once (a rodent); the alert clears after `quiet_s` of quiet."""

    kind: Literal["immediate"]
    classes: list[Id] = Field(min_length=1, description="Classes, e.g. rodent")
    zones: list[Id] | None = Field(default=None, description="Zones (all if absent)")
    cameras: list[Id] | None = Field(default=None, description="Cameras (all if absent)")
    min_score: float = Field(default=0.0, ge=0, le=1, description="Detections below are ignored")
    quiet_s: float = Field(default=1800.0, gt=0, description="Quiet period that clears the alert")


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


Rule = Annotated[
    ThresholdRule
    | BelowRule
    | RateOfChangeRule
    | NoDataRule
    | DeviceOfflineRule
    | DetectionPersistenceRule
    | ImmediateRule
    | CoolingCurveRule
    | DisinfectionCycleRule,
    Field(discriminator="kind"),
]
READING_RULES = (
    ThresholdRule,
    BelowRule,
    RateOfChangeRule,
    CoolingCurveRule,
    DisinfectionCycleRule,
)
DETECTION_RULES = (DetectionPersistenceRule, ImmediateRule)

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _check_tz(value: str | None) -> str | None:
    if value is not None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
    return value


class Period(_Strict):
    start: time = Field(description="Local start")
    end: time = Field(description="Local end (before start: runs over midnight)")


class Schedule(_Strict):
    """Weekly hours, in the kitchen's local time (the site's time zone unless given)."""

    days: list[Day] = Field(default=list(DAYS[:5]), description="Days it applies")
    start: time = Field(description="Local start, e.g. 06:00")
    end: time = Field(description="Local end, e.g. 19:00 (before start: runs over midnight)")
    also: list[Period] = Field(
        default_factory=list, description="More periods on the same days (e.g. dinner service)"
    )
    timezone: str | None = Field(default=None, description="IANA zone; the site's if absent")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return _check_tz(value)

    def contains(self, when: datetime, site_tz: str) -> bool:
        local = when.astimezone(ZoneInfo(self.timezone or site_tz))
        t = local.time()
        day = DAYS[local.weekday()]
        prev = DAYS[(local.weekday() - 1) % 7]
        for start, end in [(self.start, self.end), *((p.start, p.end) for p in self.also)]:
            if start <= end:
                if day in self.days and start <= t < end:
                    return True
            elif (t >= start and day in self.days) or (t < end and prev in self.days):
                return True
        return False


class SiteSettings(_Strict):
    """Per-kitchen settings: time zone and which schedule is 'working hours' there."""

    timezone: str = Field(default="Asia/Shanghai", description="IANA zone of the kitchen")
    schedules: dict[str, str] = Field(
        default_factory=dict, description="Schedule name -> schedule used for it at this site"
    )

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        _check_tz(value)
        return value


class Window(_Strict):
    """Maintenance: rules do not raise new alerts for what it covers."""

    site: Id = Field(description="Kitchen")
    device: Id | None = Field(default=None, description="One device (all if absent)")
    rules: list[Id] | None = Field(default=None, description="Rules (all if absent)")
    start: datetime = Field(description="Start (with time zone)")
    end: datetime = Field(description="End (with time zone)")
    reason: str = Field(default="", max_length=500, description="Why")

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("start and end need a time zone (e.g. 2026-11-23T08:00:00+08:00)")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def covers(self, site: str, device: str | None, rule: str, when: datetime) -> bool:
        if site != self.site or not self.start <= when < self.end:
            return False
        if self.device is not None and device != self.device:
            return False
        return self.rules is None or rule in self.rules


class DefrostWindow(_Strict):
    """When a device defrosts (from its controller's settings): excursions then are expected."""

    site: Id = Field(description="Kitchen")
    device: Id = Field(description="Freezer or cold room")
    at: list[time] = Field(min_length=1, description="Local start of each daily defrost")
    duration_s: float = Field(
        default=2700.0, gt=0, le=4 * 3600, description="Defrost and pull-down, from `at`"
    )
    timezone: str | None = Field(default=None, description="IANA zone; the site's if absent")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return _check_tz(value)

    def covers(self, when: datetime, site_tz: str) -> bool:
        local = when.astimezone(ZoneInfo(self.timezone or site_tz))
        now_s = local.hour * 3600 + local.minute * 60 + local.second
        for at in self.at:
            since = (now_s - (at.hour * 3600 + at.minute * 60 + at.second)) % 86400
            if since < self.duration_s:
                return True
        return False


class Silence(_Strict):
    """Alerts still open and are recorded; their notifications are held back."""

    site: Id | None = Field(default=None, description="Kitchen (any if absent)")
    rule: Id | None = Field(default=None, description="Rule (any if absent)")
    subject: str | None = Field(default=None, max_length=128, description="Subject, exact")
    start: datetime = Field(description="Start (with time zone)")
    end: datetime = Field(description="End (with time zone)")
    by: str = Field(min_length=1, max_length=128, description="Who set it")
    comment: str = Field(default="", max_length=1000, description="Why")

    def covers(self, site: str, rule: str, subject: str, when: datetime) -> bool:
        return (
            self.start <= when < self.end
            and self.site in (None, site)
            and self.rule in (None, rule)
            and self.subject in (None, subject)
        )


class Override(_Strict):
    """Change a rule's parameters for one kitchen (and optionally one device)."""

    rule: Id = Field(description="Rule id")
    site: Id | None = Field(default=None, description="Kitchen (all if absent)")
    device: Id | None = Field(default=None, description="Device (whole kitchen if absent)")
    set: dict[str, Any] = Field(
        default_factory=dict, description="Fields to replace, e.g. {above: 10}"
    )
    disabled: bool = Field(default=False, description="Turn the rule off there")

    @model_validator(mode="after")
    def _does_something(self) -> "Override":
        if not self.set and not self.disabled:
            raise ValueError("an override needs `set` (fields to change) or `disabled: true`")
        return self


class EscalationLevel(_Strict):
    after_s: float = Field(ge=0, description="Unacknowledged this long after firing")
    notify: list[str] = Field(min_length=1, description="Roles, e.g. canteen_manager")


class Escalation(_Strict):
    """Who hears of a firing alert, and who next when nobody acknowledges it."""

    levels: list[EscalationLevel] = Field(
        default_factory=lambda: [
            EscalationLevel(after_s=0, notify=["canteen_manager"]),
            EscalationLevel(after_s=900, notify=["district_supervisor"]),
        ],
        description="Level 0 is the first notification",
    )
    remind_every_s: float = Field(default=600.0, gt=0, description="Reminder while unacknowledged")

    @model_validator(mode="after")
    def _ordered(self) -> "Escalation":
        times = [lvl.after_s for lvl in self.levels]
        if not times or times[0] != 0 or times != sorted(times):
            raise ValueError("levels must start at after_s 0 and grow")
        return self


class RuleFile(_Strict):
    """One rule file: packs to include, rules, schedules, overrides, windows, silences."""

    include: list[str] = Field(default_factory=list, description="Packs, e.g. [gb31654]")
    rules: list[Rule] = Field(default_factory=list, description="Rules (replace a pack's by id)")
    schedules: dict[str, Schedule] = Field(default_factory=dict, description="Named schedules")
    sites: dict[Id, SiteSettings] = Field(default_factory=dict, description="Per kitchen")
    default_timezone: str = Field(default="Asia/Shanghai", description="For unlisted kitchens")
    overrides: list[Override] = Field(default_factory=list, description="Per kitchen/device")
    maintenance: list[Window] = Field(default_factory=list, description="Maintenance windows")
    defrost_windows: list[DefrostWindow] = Field(
        default_factory=list, description="Configured defrost times per device"
    )
    silences: list[Silence] = Field(default_factory=list, description="Silences")
    escalation: Escalation = Field(default_factory=Escalation, description="Escalation")

    @model_validator(mode="after")
    def _consistent(self) -> "RuleFile":
        ids = [r.id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"rule ids used twice: {', '.join(dupes)}")
        for rule in self.rules:
            # A pack's schedules (service_hours…) are checked once packs are merged.
            if (
                rule.schedule is not None
                and rule.schedule not in self.schedules
                and not self.include
            ):
                raise ValueError(f"rule {rule.id}: unknown schedule {rule.schedule!r}")
        for name, site in self.sites.items():
            for sched in site.schedules.values():
                if sched not in self.schedules:
                    raise ValueError(f"site {name}: unknown schedule {sched!r}")
        return self
