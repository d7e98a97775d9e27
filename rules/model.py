"""Rule files: a pydantic tree read from YAML (rules, schedules, sites, overrides, windows).

The shape follows Frigate's plugin configs: every rule kind is a model with a
`kind: Literal[...]` in its own module under `rules.kinds`, and the file picks one
through a discriminated union built from the kinds registered when it is read, so a
typo in a kind or a field is a precise error (extra fields are refused) instead of a
rule that silently never fires, and a new kind needs no edit here.
"""

from datetime import datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, SerializeAsAny, field_validator, model_validator

from core.ids import Id
from rules.kinds import (
    TIER_OF_SEVERITY,
    BelowRule,
    CoolingCurveRule,
    DefrostSpec,
    DetectionPersistenceRule,
    DeviceOfflineRule,
    DisinfectionCycleRule,
    ImmediateRule,
    Match,
    NoDataRule,
    ProductSpec,
    RateOfChangeRule,
    RuleBase,
    ThresholdRule,
    _Strict,
    rule_adapter,
)

__all__ = [
    "TIER_OF_SEVERITY",
    "BelowRule",
    "CoolingCurveRule",
    "DefrostSpec",
    "DetectionPersistenceRule",
    "DeviceOfflineRule",
    "DisinfectionCycleRule",
    "ImmediateRule",
    "Match",
    "NoDataRule",
    "ProductSpec",
    "RateOfChangeRule",
    "Rule",
    "RuleBase",
    "RuleFile",
    "ThresholdRule",
]

Rule = RuleBase
"""A rule of any registered kind (each kind's config is a RuleBase)."""

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


def _kind(value: Any) -> Any:
    """A rule as its registered kind (the union is built from the registry when read)."""
    return value if isinstance(value, RuleBase) else rule_adapter().validate_python(value)


class RuleFile(_Strict):
    """One rule file: packs to include, rules, schedules, overrides, windows, silences."""

    include: list[str] = Field(default_factory=list, description="Packs, e.g. [gb31654]")
    rules: list[Annotated[SerializeAsAny[RuleBase], BeforeValidator(_kind)]] = Field(
        default_factory=list, description="Rules (replace a pack's by id)"
    )
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
