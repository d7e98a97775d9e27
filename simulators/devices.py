"""Simulated devices of one kitchen: physics state, doors, schedules, faults and sensors.

A `SimKitchen` owns the room air and every device in it and advances them together with
the fixed physics step. `SimDevice.read()` turns the state into what the sensors
report (noise, rounding, sensor faults applied). All randomness (when doors open,
sensor noise, spikes) comes from one numpy Generator per device, seeded from the
scenario seed and the site and device ids, so runs are identical under a seed and a
device's draws do not depend on which other devices exist.
"""

import math
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.ids import Id
from core.schemas import KIND_SPECS, SensorKind
from simulators.faults import SENSOR_FAULTS, SPIKE_PROBABILITY, FaultKind
from simulators.physics import (
    PHYSICS_DT_S,
    DisinfectionCabinet,
    DisinfectionParams,
    FoodCooling,
    FoodCoolingParams,
    HotHolding,
    HotHoldingParams,
    RefrigerationParams,
    Refrigerator,
    Room,
    RoomParams,
)
from simulators.physics.refrigeration import COLD_ROOM, FREEZER, SAMPLE_FRIDGE

DAY_S = 86400.0


class DeviceModel(StrEnum):
    """The role of a device; it is also the `zone` its temperature readings carry."""

    COLD_ROOM = "cold_room"
    FREEZER = "freezer"
    HOT_HOLDING = "hot_holding"
    SAMPLE_FRIDGE = "sample_fridge"
    FOOD_COOLING = "food_cooling"
    DISINFECTION = "disinfection"
    ROOM = "room"


REFRIGERATED = frozenset({DeviceModel.COLD_ROOM, DeviceModel.FREEZER, DeviceModel.SAMPLE_FRIDGE})

PRESETS: dict[DeviceModel, BaseModel | None] = {
    DeviceModel.COLD_ROOM: COLD_ROOM,
    DeviceModel.FREEZER: FREEZER,
    DeviceModel.SAMPLE_FRIDGE: SAMPLE_FRIDGE,
    DeviceModel.HOT_HOLDING: HotHoldingParams(),
    DeviceModel.FOOD_COOLING: FoodCoolingParams(),
    DeviceModel.DISINFECTION: DisinfectionParams(),
    DeviceModel.ROOM: None,
}

DEFAULT_SENSORS: dict[DeviceModel, list[str]] = {
    DeviceModel.COLD_ROOM: ["t1", "door", "power"],
    DeviceModel.FREEZER: ["t1", "door"],
    DeviceModel.SAMPLE_FRIDGE: ["t1"],
    DeviceModel.HOT_HOLDING: ["t1"],
    DeviceModel.FOOD_COOLING: ["t1"],
    DeviceModel.DISINFECTION: ["t1"],
    DeviceModel.ROOM: ["rh"],
}

DOOR_OPENS_PER_HOUR: dict[DeviceModel, float] = {
    DeviceModel.COLD_ROOM: 4.0,
    DeviceModel.FREEZER: 2.0,
    DeviceModel.SAMPLE_FRIDGE: 1.0,
}

_TEMP_RE = re.compile(r"\At\d{1,2}\Z")
_PRODUCT_RE = re.compile(r"\Ap\d{1,2}\Z")
NOISE = {SensorKind.TEMPERATURE: 0.05, SensorKind.HUMIDITY: 0.5}
ROOM_ZONE = "kitchen"


def sensor_kind(name: str) -> SensorKind | None:
    """Sensor naming convention: t1, t2… temperature (air); p1, p2… temperature of a
    product-simulating (buffered) probe; door; power; rh humidity."""
    if _TEMP_RE.match(name) or _PRODUCT_RE.match(name):
        return SensorKind.TEMPERATURE
    return {"door": SensorKind.DOOR, "power": SensorKind.POWER, "rh": SensorKind.HUMIDITY}.get(name)


def default_sensors(model: DeviceModel) -> list[str]:
    return list(DEFAULT_SENSORS[model])


def is_product_probe(name: str) -> bool:
    """Whether the sensor is a product-simulating probe (p1, p2…)."""
    return _PRODUCT_RE.match(name) is not None


def primary_sensor(model: DeviceModel, sensors: list[str]) -> str:
    """The sensor an alert about the device is raised on: its first product probe, else
    its first temperature probe (the packs judge the product probe where there is one)."""
    for name in sensors:
        if is_product_probe(name):
            return name
    for name in sensors:
        if sensor_kind(name) is SensorKind.TEMPERATURE:
            return name
    return sensors[0]


class DeviceSpec(BaseModel):
    """One device of a kitchen in a scenario file."""

    model_config = ConfigDict(extra="forbid")

    model: DeviceModel = Field(description="Role: cold_room, freezer, hot_holding, ...")
    name: str = Field(default="", max_length=200, description="Human name")
    interval_s: float = Field(default=10.0, ge=1, le=3600, description="Seconds between readings")
    sensors: list[Id] | None = Field(default=None, description="Sensor ids (default per model)")
    door_opens_per_hour: float | None = Field(
        default=None, ge=0, le=120, description="Door openings in working hours (default per model)"
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="Overrides of the model's physics parameters"
    )

    @model_validator(mode="after")
    def _check(self) -> "DeviceSpec":
        for name in self.sensors or []:
            kind = sensor_kind(name)
            if kind is None:
                raise ValueError(f"sensor {name!r}: use t1..t99, p1..p99, door, power or rh")
            if is_product_probe(name) and self.model not in REFRIGERATED:
                raise ValueError(f"a {self.model.value} has no product probe ({name})")
            if kind is SensorKind.DOOR and self.model not in REFRIGERATED:
                raise ValueError(f"a {self.model.value} has no door sensor")
            if kind is SensorKind.HUMIDITY and self.model is not DeviceModel.ROOM:
                raise ValueError("humidity (rh) is measured by a room device")
            if kind is SensorKind.POWER and self.model is DeviceModel.ROOM:
                raise ValueError("a room has no power sensor")
        if self.sensors is not None and not self.sensors:
            raise ValueError("sensors must not be empty")
        if self.sensors is not None and len(set(self.sensors)) != len(self.sensors):
            raise ValueError("sensor ids repeat")
        params_for(self)
        return self


def params_for(spec: DeviceSpec) -> BaseModel | None:
    """The device's physics parameters: the model's preset with the spec's overrides."""
    preset = PRESETS[spec.model]
    if preset is None:
        if spec.params:
            raise ValueError("a room takes its parameters from the site's `room`")
        return None
    try:
        return type(preset).model_validate({**preset.model_dump(), **spec.params})
    except ValidationError as exc:
        raise ValueError(f"params: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from exc


@dataclass(slots=True)
class FaultWindow:
    """A fault relative to the simulation start, in seconds."""

    kind: FaultKind
    at_s: float
    end_s: float
    sensor: str | None
    magnitude: float

    def active(self, t_s: float) -> bool:
        return self.at_s <= t_s < self.end_s


@dataclass(slots=True)
class SensorValue:
    sensor: str
    kind: SensorKind
    value: float
    unit: str
    zone: str


def _seconds_of_day(hhmm: str) -> float:
    hours, minutes = hhmm.split(":")
    return int(hours) * 3600.0 + int(minutes) * 60.0


def _crossed(prev_abs: float, now_abs: float, tod_s: float) -> bool:
    """Whether the daily instant `tod_s` (seconds after UTC midnight) is in (prev, now]."""
    return math.floor((now_abs - tod_s) / DAY_S) > math.floor((prev_abs - tod_s) / DAY_S)


def device_rng(seed: int, site: str, device: str) -> np.random.Generator:
    """The device's own generator: independent of the other devices of the fleet."""
    words = [seed, zlib.crc32(site.encode()), zlib.crc32(device.encode())]
    return np.random.default_rng(np.random.SeedSequence(words))


@dataclass(slots=True)
class _SensorState:
    stuck_value: float | None = None
    last_spike: bool = False


class SimDevice:
    """One device: its thermal state, door, schedule, faults and sensors."""

    def __init__(
        self,
        site: str,
        device: str,
        spec: DeviceSpec,
        room: Room,
        room_params: RoomParams,
        faults: list[FaultWindow],
        rng: np.random.Generator,
        start_abs: float,
    ) -> None:
        self.site, self.device, self.spec = site, device, spec
        self.room = room
        self.rng = rng
        self.sensors = spec.sensors or default_sensors(spec.model)
        self.kinds = {s: sensor_kind(s) or SensorKind.TEMPERATURE for s in self.sensors}
        self.zone = ROOM_ZONE if spec.model is DeviceModel.ROOM else spec.model.value
        self.faults = faults
        self._sensor_faults = [f for f in faults if f.sensor is not None and _is_sensor(f.kind)]
        self._state = {s: _SensorState() for s in self.sensors}
        self._plain = _plain_sensors(self)
        self.params = params_for(spec)
        self.powered = True
        self.door_open = False
        self._openings: list[tuple[float, float]] = []
        """Door openings [from, until) (epoch s) not yet over."""
        self.door_opens = 0
        """How many times staff opened the door so far (for checks on a run)."""
        self._work = room_params.work_hours_utc
        rate = spec.door_opens_per_hour
        self._door_rate = DOOR_OPENS_PER_HOUR.get(spec.model, 0.0) if rate is None else rate
        self._next_door = start_abs + self._draw_gap() if self._door_rate > 0 else math.inf
        self.model: Refrigerator | HotHolding | DisinfectionCabinet | FoodCooling | None
        self._events: list[tuple[float, int, str, float]] = []
        """Planned (epoch s, order, action, argument): defrosts, deliveries, switching."""
        self._planned_to = math.floor(start_abs / DAY_S) - 1
        self._start_abs = start_abs
        self._plan_rng: np.random.Generator | None = None
        self._deliveries: list[float] = []
        """Epoch s of recent deliveries (their stock still releases heat)."""
        self.switched_on = True
        """Staff switched the unit on (hot holding in service); mains is separate."""
        p = self.params
        if isinstance(p, DisinfectionParams):
            self.model = DisinfectionCabinet(p, room.ambient_c)
            self._schedule = [_seconds_of_day(s) for s in p.cycles_at]
        elif isinstance(p, FoodCoolingParams):
            self.model = FoodCooling(p)
            self._schedule = [_seconds_of_day(s) for s in p.batches_at]
        elif isinstance(p, HotHoldingParams):
            self.model = HotHolding(p)
            self._schedule = []
            if p.service_utc:
                tod = (start_abs % DAY_S) / 3600.0
                self.switched_on = any(
                    _in_span(tod, _seconds_of_day(a) / 3600, _seconds_of_day(b) / 3600)
                    for a, b in p.service_utc
                )
                if not self.switched_on:
                    self.model.temp_c = room.ambient_c
                    self.powered = False
        elif p is None:
            self.model = None
            self._schedule = []
        else:
            assert isinstance(p, RefrigerationParams)
            self.model = Refrigerator(p)
            self._schedule = []
        if _plans(p):
            # A child generator: the planning draws leave the device's own stream (doors,
            # noise) exactly as it was, so devices without plans are unchanged.
            self._plan_rng = rng.spawn(1)[0]
            self._plan(start_abs)
            self._events = [e for e in self._events if e[0] >= start_abs]

    def _plan(self, now_abs: float) -> None:
        """Plan the schedules of every day up to the one after `now_abs`.

        Each day's defrosts, deliveries and switching move a little from day to day
        (uniform within the device's drift), as a controller's clock and the staff do.
        """
        rng, p = self._plan_rng, self.params
        assert rng is not None
        today = math.floor(now_abs / DAY_S)
        while self._planned_to <= today:
            self._planned_to += 1
            base = self._planned_to * DAY_S
            events = self._events
            if isinstance(p, RefrigerationParams):
                n = p.defrosts_per_day
                for i in range(n):
                    at = base + (p.defrost_first_utc * 3600 + i * DAY_S / n) % DAY_S
                    at += float(rng.uniform(-p.defrost_drift_s, p.defrost_drift_s))
                    events.append((at, 0, "defrost", 0.0))
                lo, hi = p.delivery_open_s
                for hhmm in p.deliveries_utc:
                    at = base + _seconds_of_day(hhmm) + float(rng.uniform(-1200.0, 1200.0))
                    events.append((at, 1, "delivery", float(rng.uniform(lo, hi))))
            elif isinstance(p, HotHoldingParams):
                for on, off in p.service_utc:
                    d = p.switch_drift_s
                    events.append((base + _seconds_of_day(on) + rng.uniform(-d, d), 2, "on", 0))
                    events.append((base + _seconds_of_day(off) + rng.uniform(-d, d), 3, "off", 0))
            events.sort()

    def _run_plans(self, now_abs: float) -> float:
        """Apply what was planned up to `now_abs`; returns the stock's heat load (W)."""
        self._plan(now_abs)
        while self._events and self._events[0][0] <= now_abs:
            at, _, action, arg = self._events.pop(0)
            if action == "defrost" and isinstance(self.model, Refrigerator):
                days = math.floor((at - self._start_abs) / DAY_S)
                self.model.start_defrost(melt_s=days * self.model.params.defrost_ice_s_per_day)
            elif action == "delivery":
                self._openings.append((at, at + arg))
                self._deliveries.append(at)
                self.door_opens += 1
            elif action in ("on", "off"):
                self.switched_on = action == "on"
        p = self.params
        if not self._deliveries or not isinstance(p, RefrigerationParams) or not p.stock_w:
            return 0.0
        self._deliveries = [a for a in self._deliveries if now_abs - a < 8 * p.stock_tau_s]
        return sum(
            p.stock_w * math.exp(-(now_abs - a) / p.stock_tau_s)
            for a in self._deliveries
            if a <= now_abs
        )

    def _draw_gap(self) -> float:
        return float(self.rng.exponential(3600.0 / self._door_rate))

    def _working(self, hour: float) -> bool:
        a, b = self._work
        return a <= hour < b if a <= b else (hour >= a or hour < b)

    def step(self, t_s: float, prev_abs: float, now_abs: float, dt: float, ambient: float) -> None:
        """Advance by `dt` from `prev_abs` to `now_abs` (epoch s); `t_s` is now since start."""
        compressor_ok, forced_open, powered, heater_stuck = True, False, True, False
        load_w = self._run_plans(now_abs) if self._plan_rng is not None else 0.0
        for f in self.faults:  # (usually none)
            if f.kind is FaultKind.COMPRESSOR_FAILURE and f.active(t_s):
                compressor_ok = False
            elif f.kind is FaultKind.DEFROST_HEATER_STUCK and f.active(t_s):
                heater_stuck = True
            elif f.kind is FaultKind.DOOR_LEFT_OPEN and f.active(t_s):
                forced_open = True
            elif f.kind is FaultKind.POWER_CUT and f.active(t_s):
                powered = False
            elif f.kind is FaultKind.DISINFECTION_SHORT and t_s - dt <= f.at_s < t_s:
                assert isinstance(self.model, DisinfectionCabinet)
                self.model.start_cycle(hold_s=f.magnitude)
            elif f.kind is FaultKind.SLOW_COOLING and t_s - dt <= f.at_s < t_s:
                assert isinstance(self.model, FoodCooling)
                self.model.start_batch(slow_factor=f.magnitude)
        if not self.switched_on:
            powered = False  # switched off by the staff: the power sensor reads off too
        self.powered = powered
        for tod in self._schedule:
            if _crossed(prev_abs, now_abs, tod):
                if isinstance(self.model, DisinfectionCabinet):
                    self.model.start_cycle()
                elif isinstance(self.model, FoodCooling):
                    self.model.start_batch()
        open_s = 0.0
        if self._next_door <= now_abs or self._openings or forced_open:
            while self._next_door <= now_abs:
                at = self._next_door  # the opening starts when drawn, whatever the step
                if self._working((at % DAY_S) / 3600.0):
                    self._openings.append((at, at + float(self.rng.uniform(10.0, 60.0))))
                    self.door_opens += 1
                self._next_door = at + self._draw_gap()
            open_s = dt if forced_open else _covered(self._openings, prev_abs, now_abs)
            self._openings = [o for o in self._openings if o[1] > now_abs]
            self.door_open = forced_open or any(a <= now_abs < b for a, b in self._openings)
        else:
            self.door_open = False
        m = self.model
        if isinstance(m, Refrigerator):
            if load_w or heater_stuck:
                m.step(
                    dt,
                    ambient,
                    door_open_s=open_s,
                    powered=powered,
                    compressor_ok=compressor_ok,
                    load_w=load_w,
                    heater_stuck=heater_stuck,
                )
            else:
                m.step(
                    dt, ambient, door_open_s=open_s, powered=powered, compressor_ok=compressor_ok
                )
        elif isinstance(m, HotHolding | DisinfectionCabinet):
            m.step(dt, ambient, powered=powered)
        elif isinstance(m, FoodCooling):
            m.step(dt)

    def _read_plain(self) -> list[SensorValue]:
        """`read` for a device without sensor faults: the same values and draws, faster
        (a simulated week of a fleet reads ten million times)."""
        out = []
        normal = self.rng.normal
        for sensor, kind, sigma, unit, low, high in self._plain:
            value = self.truth(sensor)
            if sigma is not None:
                value += float(normal(0.0, sigma))
            self._state[sensor].stuck_value = None
            out.append(
                SensorValue(sensor, kind, min(high, max(low, round(value, 2))), unit, self.zone)
            )
        return out

    def truth(self, sensor: str) -> float:
        """What the sensor would read if it were perfect."""
        kind = self.kinds[sensor]
        if kind is SensorKind.DOOR:
            return 1.0 if self.door_open else 0.0
        if kind is SensorKind.POWER:
            return 1.0 if self.powered else 0.0
        if kind is SensorKind.HUMIDITY:
            return self.room.rh
        if self.model is None:
            return self.room.temp_c
        if isinstance(self.model, Refrigerator) and sensor[0] == "p":
            return self.model.product_c
        return self.model.temp_c

    def read(self, t_s: float) -> list[SensorValue]:
        """The sensors' values now, with noise and sensor faults (dropped sensors left out)."""
        if not self._sensor_faults:
            return self._read_plain()
        out = []
        for sensor in self.sensors:
            kind = self.kinds[sensor]
            value = self.truth(sensor)
            sigma = NOISE.get(kind)
            if sigma is not None:
                value += float(self.rng.normal(0.0, sigma))
            state = self._state[sensor]
            dropped = False
            stuck = False
            for f in self._sensor_faults:
                if f.sensor != sensor or not f.active(t_s):
                    continue
                if f.kind is FaultKind.SENSOR_DROPOUT:
                    dropped = True
                elif f.kind is FaultKind.SENSOR_STUCK:
                    stuck = True
                    if state.stuck_value is None:
                        state.stuck_value = value
                    value = state.stuck_value
                elif f.kind is FaultKind.SENSOR_DRIFT:
                    value += f.magnitude * (t_s - f.at_s) / 3600.0
                elif f.kind is FaultKind.NOISE_SPIKES:
                    spike = not state.last_spike and self.rng.random() < SPIKE_PROBABILITY
                    if spike:
                        value += f.magnitude * (1 if self.rng.random() < 0.5 else -1)
                    state.last_spike = spike
            if not stuck:
                state.stuck_value = None
            if dropped:
                continue
            unit, low, high = KIND_SPECS[kind]
            value = min(high, max(low, round(value, 2)))
            out.append(SensorValue(sensor, kind, value, unit, self.zone))
        return out


def _plain_sensors(
    dev: "SimDevice",
) -> list[tuple[str, SensorKind, float | None, str, float, float]]:
    """Per sensor what a fault-free read needs: (sensor, kind, noise σ, unit, low, high)."""
    out = []
    for sensor in dev.sensors:
        kind = dev.kinds[sensor]
        unit, low, high = KIND_SPECS[kind]
        out.append((sensor, kind, NOISE.get(kind), unit, low, high))
    return out


def _in_span(hour: float, a: float, b: float) -> bool:
    return a <= hour < b if a <= b else (hour >= a or hour < b)


def _plans(params: BaseModel | None) -> bool:
    """Whether the device follows daily plans (defrosts, deliveries, service hours)."""
    if isinstance(params, RefrigerationParams):
        return params.defrosts_per_day > 0 or bool(params.deliveries_utc)
    return isinstance(params, HotHoldingParams) and bool(params.service_utc)


def _covered(spans: list[tuple[float, float]], lo: float, hi: float) -> float:
    """Seconds of (lo, hi] covered by the union of `spans`."""
    total, reach = 0.0, lo
    for a, b in sorted(spans):
        a, b = max(a, reach), min(b, hi)
        if b > a:
            total += b - a
            reach = b
    return total


def _is_sensor(kind: FaultKind) -> bool:
    return kind in SENSOR_FAULTS


@dataclass(slots=True)
class SimKitchen:
    """A kitchen: its room and devices, advanced together with the fixed physics step.

    `dt_s` defaults to `PHYSICS_DT_S` (2 s). The models advance exactly between
    thermostat switches and split their step at each one, and door openings count for
    the part of a step they cover, so a coarser step (60 s for a simulated week of a
    fleet) stays close to the 2 s physics: what is sampled once per step is the room's
    target, faults and schedules (to within `dt_s`). Readings between two steps show
    the state at the earlier one, so pick a `dt_s` that divides the reading intervals.
    """

    site: str
    start: datetime
    room: Room
    devices: dict[str, SimDevice]
    t_s: float = 0.0
    dt_s: float = PHYSICS_DT_S
    start_abs: float = field(init=False)

    def __post_init__(self) -> None:
        if not self.dt_s > 0:
            raise ValueError("dt_s must be positive")
        self.start_abs = self.start.timestamp()

    def advance_to(self, t_s: float) -> None:
        """Integrate up to `t_s` seconds after the start (whole physics steps)."""
        while self.t_s + self.dt_s <= t_s + 1e-9:
            prev = self.start_abs + self.t_s
            self.t_s += self.dt_s
            now = self.start_abs + self.t_s
            self.room.step(self.dt_s, (now % DAY_S) / 3600.0)
            ambient = self.room.temp_c
            for dev in self.devices.values():
                dev.step(self.t_s, prev, now, self.dt_s, ambient)

    def when(self, t_s: float) -> datetime:
        return self.start + timedelta(seconds=t_s)
