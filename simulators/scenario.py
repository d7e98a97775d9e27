"""Scenario files: a fleet of kitchens, their devices and cameras, and a timeline of incidents.

A scenario is YAML validated by pydantic (`extra="forbid"` everywhere), e.g.:

    seed: 7
    start: 2026-01-05T00:00:00Z
    duration: 1d                 # 90s, 15m, 4h, 1d, ISO 8601 (PT4H) or seconds
    sites:
      school-001:
        category: school_canteen
        devices:
          coldroom1: {model: cold_room}           # sensors t1, door, power by default
          freezer1: {model: freezer, params: {setpoint_c: -21}}
        cameras:
          cam1: {zone: prep_area}
    incidents:
      - {site: school-001, device: coldroom1, kind: door_left_open, at: 2026-01-05T03:00:00Z,
         duration: 2h}

Every incident says which alert it should cause (`expect_rule`, `None` for faults that
must NOT alert) and by when (`expect_within`). Left out, both are derived: the rule
from the fault and the device's role, the deadline from the device's own physics (the
time the fault takes to push the temperature across its limit, from the bottom of the
thermostat band in the coolest room, plus margin for the rule's persistence; the
time of the product-simulating probe where the device has one, and where it has only
an air probe a further 15 min for the packs' product estimate; for a
slow cooling batch, the time its food takes to pass 57 °C plus the 2 h the cooling
rule allows from there, plus margin). Write
`expect_rule: null` to say explicitly that an incident must not alert.

Times must not lie in the future (readings' source timestamps are checked by the
centre); `bk sim run` shifts a scenario to end at the wall clock.
"""

import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, NamedTuple

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from core.ids import Id
from core.registry import SiteCategory
from core.settings import load_yaml_model
from simulators.devices import (
    DeviceModel,
    DeviceSpec,
    default_sensors,
    is_product_probe,
    params_for,
    primary_sensor,
)
from simulators.faults import DEFAULT_MAGNITUDE, INSTANT_FAULTS, SITE_FAULTS, FaultKind
from simulators.physics import (
    DisinfectionParams,
    FoodCoolingParams,
    HotHoldingParams,
    RefrigerationParams,
    RoomParams,
)
from simulators.physics.node import follow, time_to

_DURATION_RE = re.compile(r"\A\s*(\d+(?:\.\d+)?)\s*([smhd])\s*\Z")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _parse_duration(value: Any) -> Any:
    if isinstance(value, str):
        match = _DURATION_RE.match(value)
        if match:
            return timedelta(seconds=float(match[1]) * _UNIT_S[match[2]])
    return value


Duration = Annotated[timedelta, BeforeValidator(_parse_duration)]
"""A duration: `90s`, `15m`, `4h`, `1d`, ISO 8601 (`PT4H`), `HH:MM:SS` or seconds."""


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class CameraSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zone: Id = Field(default="prep_area", description="Zone the camera watches")
    fps: float = Field(default=1.0, gt=0, le=30, description="Frames per second")
    width: int = Field(default=640, ge=64, le=4096, description="Frame width, px")
    height: int = Field(default=480, ge=48, le=4096, description="Frame height, px")
    scene: dict[str, Any] = Field(
        default_factory=dict, description="Options for simulators.scenes.SceneSpec (if present)"
    )


class SiteSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200, description="Kitchen name")
    category: SiteCategory = Field(default=SiteCategory.SCHOOL_CANTEEN, description="Kind")
    district: str = Field(default="", max_length=100, description="Supervising district")
    timezone: str = Field(default="Asia/Shanghai", description="IANA time zone")
    agent: Id = Field(default="edge1", description="Device id of the kitchen's edge agent")
    room: RoomParams = Field(default_factory=RoomParams, description="Kitchen air")
    devices: dict[Id, DeviceSpec] = Field(default_factory=dict, description="Sensor devices")
    cameras: dict[Id, CameraSpec] = Field(default_factory=dict, description="Cameras")

    @model_validator(mode="after")
    def _ids_distinct(self) -> "SiteSpec":
        clash = (set(self.devices) & set(self.cameras)) | (
            {self.agent} & (set(self.devices) | set(self.cameras))
        )
        if clash:
            raise ValueError(f"ids used twice in one site: {sorted(clash)}")
        return self


class Incident(BaseModel):
    """One fault on the timeline and the alert it should cause."""

    model_config = ConfigDict(extra="forbid")

    site: Id = Field(description="Site id")
    device: Id = Field(description="Device id (the agent id for network_outage/clock_skew)")
    sensor: Id | None = Field(default=None, description="Sensor (sensor faults; else primary)")
    kind: FaultKind = Field(description="Which fault")
    at: AwareDatetime = Field(description="When the fault starts")
    duration: Duration | None = Field(default=None, description="How long; None = to the end")
    magnitude: float | None = Field(
        default=None, description="Drift °C/h, spike size, skew s, short-cycle hold s, τ factor"
    )
    expect_rule: str | None = Field(default=None, description="Rule id it must fire (or None)")
    expect_within: Duration | None = Field(default=None, description="Deadline after `at`")

    @field_validator("at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return _utc(value)

    @property
    def end(self) -> datetime | None:
        return None if self.duration is None else self.at + self.duration

    def active(self, when: datetime) -> bool:
        """Whether the fault is in force at `when` (instant faults: only their start)."""
        return self.at <= when and (self.duration is None or when < self.at + self.duration)


class ExpectedAlert(NamedTuple):
    """An alert the rules must raise: `rule` on `subject` at `site`, in [not_before, by]."""

    site: str
    rule: str
    subject: str
    not_before: datetime
    by: datetime


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = Field(default=0, ge=0, description="Seed of every random draw")
    start: AwareDatetime = Field(description="Simulated start time (UTC)")
    duration: Duration = Field(description="Simulated length")
    sites: dict[Id, SiteSpec] = Field(description="The kitchens")
    incidents: list[Incident] = Field(default_factory=list, description="Fault timeline")

    @field_validator("start")
    @classmethod
    def _start_utc(cls, value: datetime) -> datetime:
        return _utc(value)

    @property
    def end(self) -> datetime:
        return self.start + self.duration

    @model_validator(mode="after")
    def _check_incidents(self) -> "Scenario":
        if self.duration <= timedelta(0):
            raise ValueError("duration must be positive")
        filled = []
        for n, inc in enumerate(self.incidents):
            where = f"incidents[{n}] ({inc.kind.value} at {inc.site}/{inc.device})"
            try:
                filled.append(_complete(self, inc))
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from exc
        self.incidents = filled
        return self

    def expected_alerts(self) -> list["ExpectedAlert"]:
        """The alerts this scenario must cause, in order of their deadline."""
        out = []
        for inc in self.incidents:
            if inc.expect_rule is None or inc.expect_within is None:
                continue
            subject = inc.device if inc.sensor is None else f"{inc.device}/{inc.sensor}"
            out.append(
                ExpectedAlert(
                    inc.site, inc.expect_rule, subject, inc.at, inc.at + inc.expect_within
                )
            )
        return sorted(out, key=lambda a: (a.by, a.site, a.subject))

    def shifted(self, delta: timedelta) -> "Scenario":
        """The same scenario moved in time by `delta` (start and every incident)."""
        data = self.model_dump()
        data["start"] = self.start + delta
        for inc in data["incidents"]:
            inc["at"] += delta
        return Scenario.model_validate(data)


# -- defaults of an incident ----------------------------------------------------------

RULE_COLD = "cold-holding-high"
RULE_FROZEN = "frozen-high"
RULE_HOT = "hot-holding-low"
RULE_HOT_OFF = "hot-holding-off"
HOT_OFF_WITHIN = timedelta(minutes=30)
"""A unit in service whose power reads off: the rule's 10 min, a reading, margin."""
LIMIT_C = {
    DeviceModel.COLD_ROOM: 8.0,
    DeviceModel.SAMPLE_FRIDGE: 8.0,
    DeviceModel.FREEZER: -18.0,
}
RULE_MARGIN = timedelta(minutes=30)
"""Added to a physics deadline: the rule's persistence window and a reading interval."""
ESTIMATE_LAG = timedelta(minutes=15)
"""Added where a device has only an air probe: the packs judge an estimate of product
temperature (a first-order filter, τ 15 min), which lags a warming ramp by up to τ."""
AIR_BOUND = timedelta(minutes=40)
"""The packs' longest defrost: an air excursion above the limit for longer is a failure
(this is what fires first where a product probe warms slowly)."""
HEATER_STUCK_WITHIN = timedelta(minutes=90)
"""A defrost heater stuck on: the air passes the packs' defrost peak bound (or outlasts
their longest defrost, 45 min) well within this."""

FIXED_DEADLINES: dict[FaultKind, tuple[str, timedelta]] = {
    FaultKind.SENSOR_DROPOUT: ("no-data", timedelta(minutes=20)),
    FaultKind.NETWORK_OUTAGE: ("device-offline", timedelta(minutes=5)),
    FaultKind.DISINFECTION_SHORT: ("disinfection-incomplete", timedelta(hours=1)),
}
MIN_FAULT = {
    FaultKind.SENSOR_DROPOUT: timedelta(minutes=15),
    FaultKind.NETWORK_OUTAGE: timedelta(minutes=2),
}
"""Shorter faults than this are not expected to alert."""

RULE_COOLING = "cooling-too-slow"
COOLING_START_C = 57.0
COOLING_MID_C = 21.0
COOLING_MID_WITHIN = timedelta(hours=2)
"""The cooling curve the packs check (FDA §3-501.14: from 57 °C to 21 °C within 2 h;
the GB 31654 pack uses the same as its stricter default). The rule's clock starts
when the food passes 57 °C, not when the batch comes out of the pot."""
COOLING_MARGIN = timedelta(minutes=10)
"""Added to the cooling deadline, besides one reading interval: the rule judges on the
first reading past the 2 h mark."""

ALLOWED: dict[FaultKind, frozenset[DeviceModel]] = {
    FaultKind.COMPRESSOR_FAILURE: frozenset(LIMIT_C),
    FaultKind.DOOR_LEFT_OPEN: frozenset(LIMIT_C),
    FaultKind.POWER_CUT: frozenset(DeviceModel) - {DeviceModel.ROOM},
    FaultKind.DISINFECTION_SHORT: frozenset({DeviceModel.DISINFECTION}),
    FaultKind.SLOW_COOLING: frozenset({DeviceModel.FOOD_COOLING}),
    FaultKind.DEFROST_HEATER_STUCK: frozenset({DeviceModel.FREEZER}),
}


def crossing_time(params: RefrigerationParams, room: RoomParams, kind: FaultKind) -> float | None:
    """Seconds until a fault pushes a refrigerated enclosure across its limit (None: never).

    Worst case for the deadline: starting from the bottom of the thermostat band in
    the coolest hour of the day (cooking heat ignored). Closed form of the one-node model.
    """
    limit = 8.0 if params.setpoint_c > -5 else -18.0
    ambient = room.mean_c - room.amplitude_c
    t0 = params.setpoint_c - params.hysteresis_c / 2
    if kind is FaultKind.DOOR_LEFT_OPEN:
        ua = params.ua_w_per_k + params.door_ua_w_per_k
        equilibrium = ambient - params.compressor_w / ua
    else:
        ua = params.ua_w_per_k
        equilibrium = ambient
    if equilibrium <= limit:
        return None
    return params.mass_j_per_k / ua * math.log((equilibrium - t0) / (equilibrium - limit))


def product_crossing_time(
    params: RefrigerationParams, room: RoomParams, kind: FaultKind
) -> float | None:
    """As `crossing_time`, for the product-simulating probe (it follows the air with
    `product_tau_s`): the first minute at which it is past the limit (None: not in 2 days).

    Both start at the bottom of the thermostat band; closed forms of the two nodes.
    """
    if crossing_time(params, room, kind) is None:
        return None
    limit = 8.0 if params.setpoint_c > -5 else -18.0
    ambient = room.mean_c - room.amplitude_c
    t0 = params.setpoint_c - params.hysteresis_c / 2
    ua = params.ua_w_per_k + (params.door_ua_w_per_k if kind is FaultKind.DOOR_LEFT_OPEN else 0)
    eq = ambient - (params.compressor_w / ua if kind is FaultKind.DOOR_LEFT_OPEN else 0.0)
    k, a = ua / params.mass_j_per_k, 1.0 / params.product_tau_s
    for minute in range(1, 2 * 24 * 60):
        if follow(t0, t0, eq, k, a, minute * 60.0) > limit:
            return minute * 60.0
    return None


HOT_LIMIT_C = 60.0
"""Hot holding: the packs' minimum (GB 31654 and the FDA Food Code's 57 °C is lower)."""


def hot_crossing_time(params: HotHoldingParams, room: RoomParams) -> float | None:
    """Seconds an unpowered hot-holding unit takes to fall below HOT_LIMIT_C (None: never).

    Worst case for the deadline: from the top of the thermostat band in the warmest room
    (daily peak plus cooking heat). A unit cools slowly (its food and pans: τ over 3 h),
    so a short cut never takes it below the limit; the demo's 1 h cut at delivery-15
    bottomed out at 60.4 °C and was wrongly expected to alert.
    """
    ambient = room.mean_c + room.amplitude_c + room.cooking_gain_c
    top = params.setpoint_c + params.hysteresis_c / 2
    secs = time_to(top, ambient, params.ua_w_per_k / params.mass_j_per_k, HOT_LIMIT_C)
    return None if math.isinf(secs) else secs


def _next_daily(at: datetime, times_utc: list[str]) -> datetime | None:
    """The first of the daily `HH:MM` UTC instants at or after `at` (None: none listed)."""
    found = []
    for hhmm in times_utc:
        h, m = hhmm.split(":")
        moment = at.replace(hour=int(h), minute=int(m), second=0, microsecond=0)
        found.append(moment if moment >= at else moment + timedelta(days=1))
    return min(found, default=None)


def _previous_daily(at: datetime, times_utc: list[str]) -> datetime | None:
    """The last of the daily `HH:MM` UTC instants before `at` (None: none listed)."""
    found = []
    for hhmm in times_utc:
        h, m = hhmm.split(":")
        moment = at.replace(hour=int(h), minute=int(m), second=0, microsecond=0)
        found.append(moment if moment < at else moment - timedelta(days=1))
    return max(found, default=None)


DISINFECTION_MARGIN = timedelta(minutes=5)
"""Added to each cycle's span when checking that two cycles are apart."""


def disinfection_clear(
    params: DisinfectionParams, room: RoomParams, at: datetime, hold_s: float
) -> bool:
    """Whether a short cycle at `at` is judged apart from the cabinet's scheduled cycles.

    A scheduled cycle that is still heating or holding when the short one starts carries
    on through it (the hold adds up: the demo's short cycle at 14:00 landed on the
    13:30 cycle's hold and held 20 min in all), and one that starts before the short
    cycle is judged turns it into a full one. Each is judged once the cabinet has cooled
    10 °C from its peak (the packs' rule): heat-up from the room, the hold, that cooling.
    """
    k = params.ua_w_per_k / params.mass_j_per_k
    ambient = room.mean_c - room.amplitude_c
    heat = time_to(ambient, ambient + params.heater_w / params.ua_w_per_k, k, params.hold_c)
    cool = time_to(params.hold_c, ambient, k, params.hold_c - 10.0)
    full = timedelta(seconds=heat + params.hold_s + cool) + DISINFECTION_MARGIN
    short = timedelta(seconds=heat + hold_s + cool) + DISINFECTION_MARGIN
    before = _previous_daily(at, params.cycles_at)
    after = _next_daily(at, params.cycles_at)
    return (before is None or before + full <= at) and (after is None or at + short <= after)


def cooling_deadline(
    params: FoodCoolingParams, slow_factor: float, interval_s: float
) -> timedelta | None:
    """How long after a slow batch starts the cooling rule must have fired (None: never).

    Closed form of the batch's Newton cooling with τ multiplied by `slow_factor`: the
    time to pass 57 °C, plus the 2 h the rule allows to reach 21 °C, plus a reading
    interval and a margin. None when the batch does not start above 57 °C, when it
    still reaches 21 °C within those 2 h, or when the probe leaves it (`batch_s`)
    before the rule can judge.
    """
    tau = params.tau_s * slow_factor
    hot, env = params.start_c - params.env_c, COOLING_START_C - params.env_c
    if params.start_c <= COOLING_START_C or env <= 0:
        return None
    to_start = tau * math.log(hot / env)
    judged = to_start + COOLING_MID_WITHIN.total_seconds()
    mid = COOLING_MID_C - params.env_c
    to_mid = math.inf if mid <= 0 else tau * math.log(hot / mid)
    if to_mid <= judged or params.batch_s <= judged:
        return None
    return timedelta(seconds=math.ceil(judged + interval_s)) + COOLING_MARGIN


def _complete(scn: Scenario, inc: Incident) -> Incident:
    """Check an incident against the fleet and fill in sensor and expectation defaults."""
    site = scn.sites.get(inc.site)
    if site is None:
        raise ValueError(f"unknown site {inc.site!r}")
    if not scn.start <= inc.at < scn.end:
        raise ValueError(f"at {inc.at.isoformat()} is outside the scenario")
    explicit = inc.model_fields_set
    update: dict[str, Any] = {}
    rule: str | None = None
    within: timedelta | None = None
    if inc.kind in SITE_FAULTS:
        if inc.device != site.agent:
            raise ValueError(f"a site fault names the agent ({site.agent!r}), not {inc.device!r}")
        if inc.sensor is not None:
            raise ValueError("a site fault has no sensor")
    else:
        spec = site.devices.get(inc.device)
        if spec is None:
            raise ValueError(f"unknown device {inc.device!r} in site {inc.site!r}")
        sensors = spec.sensors or default_sensors(spec.model)
        allowed = ALLOWED.get(inc.kind)
        if allowed is not None and spec.model not in allowed:
            raise ValueError(f"{inc.kind.value} does not apply to a {spec.model.value}")
        if inc.sensor is None:
            update["sensor"] = primary_sensor(spec.model, sensors)
        elif inc.sensor not in sensors:
            raise ValueError(f"unknown sensor {inc.sensor!r} (has {sensors})")
        if inc.kind in LIMIT_FAULTS and spec.model in LIMIT_C:
            params = params_for(spec)
            assert isinstance(params, RefrigerationParams)
            product = any(is_product_probe(s) for s in sensors)
            if product:
                secs = product_crossing_time(params, site.room, inc.kind)
                by_air = crossing_time(params, site.room, inc.kind)
                if by_air is not None:
                    by_air += AIR_BOUND.total_seconds()
                    secs = by_air if secs is None else min(secs, by_air)
                lag = 0.0
            else:
                secs = crossing_time(params, site.room, inc.kind)
                lag = ESTIMATE_LAG.total_seconds()
            lasting = inc.duration.total_seconds() if inc.duration else math.inf
            if secs is not None and lasting > secs + lag + RULE_MARGIN.total_seconds():
                rule = RULE_FROZEN if spec.model is DeviceModel.FREEZER else RULE_COLD
                # The 25 % for a warmer start covers the estimate's lag on a slow ramp.
                slack = max(secs * 1.25, secs + lag)
                within = timedelta(seconds=math.ceil(slack)) + RULE_MARGIN
        elif inc.kind is FaultKind.DEFROST_HEATER_STUCK:
            lasting_td = inc.duration if inc.duration is not None else scn.end - inc.at
            if lasting_td >= HEATER_STUCK_WITHIN:
                rule = RULE_FROZEN if spec.model is DeviceModel.FREEZER else RULE_COLD
                within = HEATER_STUCK_WITHIN
        elif inc.kind is FaultKind.POWER_CUT and spec.model is DeviceModel.HOT_HOLDING:
            hot = params_for(spec)
            assert isinstance(hot, HotHoldingParams)
            tod = (inc.at.timestamp() % 86400) / 3600.0
            in_service = not hot.service_utc or any(
                _in_span(tod, _hours(on), _hours(off)) for on, off in hot.service_utc
            )
            if not in_service:
                rule = None  # switched off anyway: a cut then changes nothing
            elif "power" in sensors:
                rule, within = RULE_HOT_OFF, HOT_OFF_WITHIN
            else:
                # Without a power sensor only the food falling below 60 °C tells: the cut
                # must last until it does, plus the rule's persistence (RULE_MARGIN).
                secs = hot_crossing_time(hot, site.room)
                lasting = inc.duration.total_seconds() if inc.duration else math.inf
                if secs is not None and lasting > secs + RULE_MARGIN.total_seconds():
                    rule = RULE_HOT
                    within = timedelta(seconds=math.ceil(secs)) + RULE_MARGIN
        elif inc.kind is FaultKind.SLOW_COOLING:
            cooling = params_for(spec)
            assert isinstance(cooling, FoodCoolingParams)
            factor = DEFAULT_MAGNITUDE[inc.kind] if inc.magnitude is None else inc.magnitude
            within = cooling_deadline(cooling, factor, spec.interval_s)
            # The day's next scheduled batch takes the probe before the rule can judge
            # the slow one (the demo's slow batch at 09:00 was replaced at 10:00).
            following = _next_daily(inc.at, cooling.batches_at)
            if within is not None and following is not None and following <= inc.at + within:
                within = None
            rule = None if within is None else RULE_COOLING
    if inc.kind in FIXED_DEADLINES:
        candidate, deadline = FIXED_DEADLINES[inc.kind]
        lasting_td = inc.duration if inc.duration is not None else scn.end - inc.at
        if lasting_td >= MIN_FAULT.get(inc.kind, timedelta(0)):
            rule, within = candidate, deadline
        if inc.kind is FaultKind.DISINFECTION_SHORT:
            cabinet = params_for(site.devices[inc.device])
            assert isinstance(cabinet, DisinfectionParams)
            hold = DEFAULT_MAGNITUDE[inc.kind] if inc.magnitude is None else inc.magnitude
            if not disinfection_clear(cabinet, site.room, inc.at, hold):
                rule, within = None, None
    if inc.kind in INSTANT_FAULTS and inc.duration is not None:
        raise ValueError(f"{inc.kind.value} starts at `at` and takes no duration")
    if "expect_rule" not in explicit:
        update["expect_rule"] = rule
    if "expect_within" not in explicit:
        update["expect_within"] = within if update.get("expect_rule", inc.expect_rule) else None
    result = inc.model_copy(update=update)
    if result.expect_rule is not None and result.expect_within is None:
        raise ValueError(f"expect_rule {result.expect_rule!r} needs expect_within")
    return result


def _hours(hhmm: str) -> float:
    h, m = hhmm.split(":")
    return int(h) + int(m) / 60


def _in_span(hour: float, a: float, b: float) -> bool:
    return a <= hour < b if a <= b else (hour >= a or hour < b)


LIMIT_FAULTS = frozenset(
    {FaultKind.COMPRESSOR_FAILURE, FaultKind.DOOR_LEFT_OPEN, FaultKind.POWER_CUT}
)


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file; ConfigError with a readable report otherwise."""
    return load_yaml_model(path, Scenario, "scenario")
