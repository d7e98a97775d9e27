"""Run a scenario's fleet on a simulated clock and yield what its edge agents would publish.

`simulate(scenario)` is deterministic (same scenario and seed, same messages), needs no
broker, and yields messages in source-time order: at each tick the status changes due,
then one `Telemetry` batch per device whose reading is due, sites in sorted order.
`bk sim run` paces the same stream against the wall clock and publishes it over MQTT.

Reading conventions (the rules and their scenario tests rely on them):

- Device ids per kitchen: `coldroom1`, `freezer1`, `hotbox1`, `samplefridge1`,
  `cooling1`, `disinfect1`, `room1`; the kitchen's edge agent is `edge1`.
- Sensor ids: `t1`, `t2`… (kind=temperature), `door` (kind=door, 1 = open), `power`
  (kind=power, 1 = mains on), `rh` (kind=humidity, %).
- Temperature readings carry `zone` naming the device's role: `cold_room` (held 0–8 °C),
  `freezer` (≤ −18 °C), `hot_holding` (≥ 60 °C), `sample_fridge` (0–8 °C), `food_cooling`
  (core probe of cooked food cooling: a batch starts at ~75 °C; between batches the
  probe reads the cooling room's air, ~5 °C), `disinfection` (cabinet: cycles heat to
  ≥ 120 °C, hold 15 min). Door and power readings carry the same zone; humidity and
  room temperature carry `kitchen`.
- The agent's `DeviceStatus` (device = agent id) is online at the start; a
  `network_outage` makes it offline at `at` (what the broker's Last Will says) and
  online again at the end, with no telemetry from the site in between (the lost
  readings are not replayed: the stream is a gap). `sensor_dropout` leaves the sensor
  out of its device's batches (a gap for that sensor only).
- `clock_skew` shifts the readings' `ts` by `magnitude` seconds (default +90 s) while the
  stream itself stays in true time order.
- Expected alerts: compressor_failure / door_left_open / power_cut on a cold_room or
  sample_fridge → `cold-holding-high`, on a freezer → `frozen-high` (power_cut on
  hot_holding → `hot-holding-low`); sensor_dropout → `no-data`; network_outage →
  `device-offline`; slow_cooling → `cooling-too-slow`; disinfection_short →
  `disinfection-incomplete`; noise_spikes, sensor_stuck, sensor_drift (small),
  clock_skew (small) → none (must NOT alert).
- Subject of an expected alert: `{device}/{sensor}` (for device-offline: `{device}`,
  the agent). For device faults the sensor is the device's first temperature probe.
- Sequence numbers increase per device from 0 and count only readings produced.

Messages are built with `model_construct` (valid by construction: ids come from the
validated scenario and values are clamped to the plausible ranges), so a scenario in
the past or the future can be simulated quickly; encode them with `core.schemas.encode`.
"""

import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel

from core.schemas import DeviceState, DeviceStatus, Reading, Telemetry
from simulators.devices import FaultWindow, SimDevice, SimKitchen, device_rng
from simulators.faults import DEFAULT_MAGNITUDE, SITE_FAULTS, FaultKind
from simulators.physics import PHYSICS_DT_S, Room
from simulators.scenario import Incident, Scenario

Message = Telemetry | DeviceStatus


def fault_window(scn: Scenario, inc: Incident) -> FaultWindow:
    at_s = (inc.at - scn.start).total_seconds()
    end_s = math.inf if inc.duration is None else at_s + inc.duration.total_seconds()
    magnitude = inc.magnitude if inc.magnitude is not None else DEFAULT_MAGNITUDE.get(inc.kind, 0)
    return FaultWindow(inc.kind, at_s, end_s, inc.sensor, float(magnitude))


def build_kitchen(scn: Scenario, site_id: str, dt_s: float = PHYSICS_DT_S) -> SimKitchen:
    """The simulated kitchen of one site, at the scenario's start (physics step `dt_s`)."""
    spec = scn.sites[site_id]
    hour = (scn.start.timestamp() % 86400) / 3600.0
    room = Room(spec.room, hour)
    devices = {}
    for dev_id, dev_spec in spec.devices.items():
        faults = [
            fault_window(scn, inc)
            for inc in scn.incidents
            if inc.site == site_id and inc.device == dev_id
        ]
        devices[dev_id] = SimDevice(
            site_id,
            dev_id,
            dev_spec,
            room,
            spec.room,
            faults,
            device_rng(scn.seed, site_id, dev_id),
            scn.start.timestamp(),
        )
    return SimKitchen(site_id, scn.start, room, devices, dt_s=dt_s)


@dataclass(slots=True)
class _SiteRun:
    kitchen: SimKitchen
    agent: str
    outages: list[FaultWindow]
    skews: list[FaultWindow]
    next_due: dict[str, float]
    seq: dict[str, int]
    offline: bool = False
    outage_done: set[int] = field(default_factory=set)


@dataclass(slots=True)
class Tick:
    """Everything published at one instant of the simulated clock."""

    t_s: float
    when: datetime
    messages: list[Message]


def _status(site: str, agent: str, state: DeviceState, ts: datetime) -> DeviceStatus:
    return DeviceStatus.model_construct(site=site, device=agent, state=state, ts=ts)


_READING_FIELDS = frozenset({"sensor", "kind", "value", "unit", "ts", "seq", "zone"})
_TELEMETRY_FIELDS = frozenset({"v", "site", "device", "readings"})
M = TypeVar("M", bound=BaseModel)


def _trusted(cls: type[M], fields_set: frozenset[str], values: dict[str, Any]) -> M:
    """`cls.model_construct(**values)` for a model without aliases, defaults or privates.

    What `model_construct` does, minus its per-field alias search, which was a third of
    the simulator's time. `values` must name every field. A unit test checks that the
    result equals `model_construct`'s.
    """
    m = cls.__new__(cls)
    object.__setattr__(m, "__dict__", values)
    object.__setattr__(m, "__pydantic_fields_set__", set(fields_set))
    object.__setattr__(m, "__pydantic_extra__", None)
    object.__setattr__(m, "__pydantic_private__", None)
    return m


def _batch(
    run: _SiteRun, site: str, dev: SimDevice, when: datetime, t_s: float
) -> Telemetry | None:
    values = dev.read(t_s)
    if not values:
        return None
    skew = sum(f.magnitude for f in run.skews if f.active(t_s)) if run.skews else 0.0
    ts = when + timedelta(seconds=skew) if skew else when
    seq = run.seq[dev.device]
    readings = []
    for sv in values:
        readings.append(
            _trusted(
                Reading,
                _READING_FIELDS,
                {
                    "sensor": sv.sensor,
                    "kind": sv.kind,
                    "value": sv.value,
                    "unit": sv.unit,
                    "ts": ts,
                    "seq": seq,
                    "zone": sv.zone,
                },
            )
        )
        seq += 1
    run.seq[dev.device] = seq
    return _trusted(
        Telemetry,
        _TELEMETRY_FIELDS,
        {"v": 1, "site": site, "device": dev.device, "readings": readings},
    )


def _phase(site: str, device: str, interval_s: float) -> float:
    """A stable offset inside the interval, so a fleet's readings spread over time."""
    return (zlib.crc32(f"{site}/{device}".encode()) % 1000) / 1000 * interval_s


def ticks(
    scenario: Scenario,
    until: datetime | None = None,
    step_s: float = 10.0,
    *,
    stagger: bool = False,
    dt_s: float = PHYSICS_DT_S,
) -> Iterator[Tick]:
    """The fleet tick by tick: each tick's messages, at `step_s` of simulated time apart.

    A tick at t carries every reading due in [t, t + step_s), each stamped with its
    due time and taken from the physics at that time, so `step_s` changes only how the
    stream is grouped (and when outages' status changes appear), not the readings.
    With `stagger`, each device's first reading is offset by a stable fraction of its
    interval (real agents are not in step; timestamps are then in order per site, and
    across sites only to within one step); otherwise every device reads at t = 0,
    interval, 2·interval…

    `dt_s` is the physics step (default 2 s; see `SimKitchen`): a coarser one that
    divides every reading interval makes long runs of big fleets affordable.
    """
    if step_s <= 0:
        raise ValueError("step_s must be positive")
    end = scenario.end if until is None else min(until, scenario.end)
    total_s = (end - scenario.start).total_seconds()
    runs: dict[str, _SiteRun] = {}
    for site_id in sorted(scenario.sites):
        site_faults = [
            fault_window(scenario, inc)
            for inc in scenario.incidents
            if inc.site == site_id and inc.kind in SITE_FAULTS
        ]
        kitchen = build_kitchen(scenario, site_id, dt_s)
        runs[site_id] = _SiteRun(
            kitchen=kitchen,
            agent=scenario.sites[site_id].agent,
            outages=[f for f in site_faults if f.kind is FaultKind.NETWORK_OUTAGE],
            skews=[f for f in site_faults if f.kind is FaultKind.CLOCK_SKEW],
            next_due={
                d: _phase(site_id, d, dev.spec.interval_s) if stagger else 0.0
                for d, dev in kitchen.devices.items()
            },
            seq=dict.fromkeys(kitchen.devices, 0),
        )
    n = 0
    last_due, due_at = math.nan, scenario.start
    while True:
        t_s = n * step_s
        if t_s >= total_s:
            return
        when = scenario.start + timedelta(seconds=t_s)
        messages: list[Message] = []
        for site_id, run in runs.items():
            if n == 0:
                messages.append(_status(site_id, run.agent, DeviceState.ONLINE, when))
            for i, out in enumerate(run.outages):
                if out.at_s <= t_s and not run.offline and i not in run.outage_done:
                    run.offline = True
                    at = scenario.start + timedelta(seconds=out.at_s)
                    messages.append(_status(site_id, run.agent, DeviceState.OFFLINE, at))
                if run.offline and t_s >= out.end_s and i not in run.outage_done:
                    run.offline = False
                    run.outage_done.add(i)
                    back = scenario.start + timedelta(seconds=out.end_s)
                    messages.append(_status(site_id, run.agent, DeviceState.ONLINE, back))
            run.kitchen.advance_to(t_s)
            horizon = t_s + step_s - 1e-9
            devices = run.kitchen.devices
            while True:  # every reading due in [t, t + step), in time order
                dev_id = min(run.next_due, key=run.next_due.__getitem__)
                due = run.next_due[dev_id]
                if due >= horizon:
                    break
                dev = devices[dev_id]
                run.next_due[dev_id] = due + dev.spec.interval_s
                run.kitchen.advance_to(due)
                if run.outages and any(o.active(due) for o in run.outages):
                    dev.read(due)  # the sensors still sample (same draws); nothing gets out
                    continue
                if due != last_due:  # devices usually read together: one datetime for all
                    last_due, due_at = due, scenario.start + timedelta(seconds=due)
                batch = _batch(run, site_id, dev, due_at, due)
                if batch is not None:
                    messages.append(batch)
        yield Tick(t_s, when, messages)
        n += 1


def simulate(
    scenario: Scenario,
    until: datetime | None = None,
    step_s: float = 10.0,
    *,
    dt_s: float = PHYSICS_DT_S,
) -> Iterator[Message]:
    """Every message the fleet's agents would publish, in source-time order (no MQTT).

    `dt_s` is the physics step (see `ticks`).
    """
    for tick in ticks(scenario, until, step_s, dt_s=dt_s):
        yield from tick.messages
