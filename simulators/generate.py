"""Generate fleet scenarios of N standard kitchens (for load tests and benchmarks).

Each kitchen has the standard set of ten sensors on seven devices (cold room with
temperature, door and power; freezer with temperature and door; hot-holding; sample
fridge; food cooling probe; disinfection cabinet; room humidity) and one camera.
Categories cycle through the four kinds of site. With `incidents_every` > 0, every
k-th kitchen gets one incident, cycling through the fault kinds.

With `coldchain=True` (issue 20) the kitchens run the way real ones do, and vary from
kitchen to kitchen: freezers (four defrosts a day, air rising to about −2 °C for some
20 minutes) and cold rooms (defrosts to about +6 °C) with a light air node, a daily
delivery (door held open 3–7 min while stock goes in, then the fresh stock's heat),
every other one with a product-simulating probe `p1` beside its air probe `t1`, every
fifth freezer short-cycling (a 0.6 °C dead band); hot-holding units switched on before
each meal service and off after it, with a `power` sensor; a battery humidity sensor
reporting every 15 min in every third kitchen; and in every seventh kitchen a 3-minute
power blip on the cold room and one on the freezer (the compressors restart). The
schedules drift a little from day to day (seeded).
"""

from datetime import datetime, timedelta
from typing import Any

from core.registry import SiteCategory
from simulators.devices import DeviceModel
from simulators.faults import INSTANT_FAULTS, SITE_FAULTS, FaultKind
from simulators.scenario import Scenario

STANDARD_DEVICES: dict[str, DeviceModel] = {
    "coldroom1": DeviceModel.COLD_ROOM,
    "freezer1": DeviceModel.FREEZER,
    "hotbox1": DeviceModel.HOT_HOLDING,
    "samplefridge1": DeviceModel.SAMPLE_FRIDGE,
    "cooling1": DeviceModel.FOOD_COOLING,
    "disinfect1": DeviceModel.DISINFECTION,
    "room1": DeviceModel.ROOM,
}
PREFIX = {
    SiteCategory.SCHOOL_CANTEEN: "school",
    SiteCategory.CENTRAL_KITCHEN: "central",
    SiteCategory.MEAL_DELIVERY: "delivery",
    SiteCategory.RESTAURANT: "restaurant",
}
TARGET: dict[FaultKind, tuple[str, str | None]] = {
    FaultKind.COMPRESSOR_FAILURE: ("coldroom1", None),
    FaultKind.DOOR_LEFT_OPEN: ("coldroom1", None),
    FaultKind.POWER_CUT: ("freezer1", None),
    FaultKind.SENSOR_STUCK: ("samplefridge1", "t1"),
    FaultKind.SENSOR_DRIFT: ("coldroom1", "t1"),
    FaultKind.NOISE_SPIKES: ("freezer1", "t1"),
    FaultKind.SENSOR_DROPOUT: ("hotbox1", "t1"),
    FaultKind.NETWORK_OUTAGE: ("edge1", None),
    FaultKind.CLOCK_SKEW: ("edge1", None),
    FaultKind.DISINFECTION_SHORT: ("disinfect1", None),
    FaultKind.SLOW_COOLING: ("cooling1", None),
    FaultKind.DEFROST_HEATER_STUCK: ("freezer1", None),
}
DEFAULT_DURATION: dict[FaultKind, timedelta] = {
    FaultKind.COMPRESSOR_FAILURE: timedelta(hours=8),
    FaultKind.DOOR_LEFT_OPEN: timedelta(hours=2),
    FaultKind.POWER_CUT: timedelta(hours=4),
    FaultKind.SENSOR_STUCK: timedelta(hours=3),
    FaultKind.SENSOR_DRIFT: timedelta(hours=4),
    FaultKind.NOISE_SPIKES: timedelta(hours=4),
    FaultKind.SENSOR_DROPOUT: timedelta(hours=1),
    FaultKind.NETWORK_OUTAGE: timedelta(minutes=20),
    FaultKind.CLOCK_SKEW: timedelta(hours=6),
    FaultKind.DEFROST_HEATER_STUCK: timedelta(hours=3),
}

FLEET_FREEZER: dict[str, Any] = {
    "setpoint_c": -22.0,
    "hysteresis_c": 3.0,
    "mass_j_per_k": 8.0e4,
    "ua_w_per_k": 8.0,
    "door_ua_w_per_k": 60.0,
    "compressor_w": 2000.0,
    "product_tau_s": 10800.0,
    "defrosts_per_day": 4,
    "defrost_max_s": 1800.0,
    "defrost_peak_c": -2.0,
    "defrost_heater_w": 2500.0,
    "drip_s": 300.0,
    "deliveries_utc": ["23:30"],
    "delivery_open_s": (180.0, 420.0),
    "stock_w": 120.0,
}
"""A reach-in/upright freezer as a light air node (air, shelves, evaporator: 80 kJ/K)
at −22 °C (band −23.5 to −20.5 °C). Its product follows with τ 3 h (the probe sits in
a food simulant). A 2.5 kW heater (more than the compressor's 2 kW: stuck on, it wins)
takes the air from −21 °C to −2 °C in ~10 min, then 5 min drip; the compressor pulls
it back below −18 °C in ~13 min: some 25 min above −18 °C per defrost."""

FLEET_COLD_ROOM: dict[str, Any] = {
    "setpoint_c": 3.0,
    "hysteresis_c": 2.0,
    "mass_j_per_k": 2.5e5,
    "ua_w_per_k": 35.0,
    "door_ua_w_per_k": 300.0,
    "compressor_w": 3000.0,
    "product_tau_s": 7200.0,
    "defrosts_per_day": 4,
    "defrost_first_utc": 3.0,
    "defrost_max_s": 1500.0,
    "defrost_peak_c": 6.0,
    "defrost_heater_w": 2000.0,
    "drip_s": 300.0,
    "deliveries_utc": ["23:00"],
    "delivery_open_s": (180.0, 420.0),
    "stock_w": 200.0,
}
"""A walk-in cold room as a light air node (250 kJ/K) at 2–4 °C; defrosts to +6 °C."""

HOT_SERVICE_UTC = [("00:45", "05:15"), ("07:45", "11:15")]
"""Hot-holding units switched on ~1.5 h before lunch (10:30–13:00 Shanghai) and dinner
(17:00–19:00) service to preheat, and off a quarter of an hour after it."""
SERVICE_HOURS_LOCAL = [("10:30", "13:00"), ("17:00", "19:00")]
"""The meal services those units hold food for (Asia/Shanghai), for the rules."""


def site_id(category: SiteCategory, number: int) -> str:
    return f"{PREFIX[category]}-{number:04d}"


def kitchen(
    category: SiteCategory, number: int, interval_s: float = 10.0, *, coldchain: bool = False
) -> dict[str, Any]:
    """One standard kitchen as scenario data (every device reading every `interval_s`).

    `coldchain`: the real-life variety of issue 20 (see the module's docstring).
    """
    if coldchain:
        return _coldchain_kitchen(category, number, interval_s)
    return {
        "name": f"{PREFIX[category].title()} kitchen {number}",
        "category": category.value,
        "district": f"district-{number % 10}",
        "devices": {
            dev: {"model": model.value, "interval_s": interval_s}
            for dev, model in STANDARD_DEVICES.items()
        },
        "cameras": {"cam1": {"zone": "prep_area"}},
    }


def _coldchain_kitchen(category: SiteCategory, number: int, interval_s: float) -> dict[str, Any]:
    probe = ["p1"] if number % 2 == 0 else []
    freezer = dict(FLEET_FREEZER)
    freezer["defrost_first_utc"] = float(number % 6)  # controllers set at different hours
    freezer["defrost_peak_c"] = -2.0 - (number % 3) * 0.5
    if number % 5 == 0:
        freezer["hysteresis_c"] = 0.6  # short-cycling compressor
    cold = dict(FLEET_COLD_ROOM)
    # Set clear of the delivery (23:00 UTC): a cold room's air during a delivery in a
    # defrost passes 10.5 °C, beyond what the packs accept as a defrost's peak.
    cold["defrost_first_utc"] = float(1 + number % 3)
    devices: dict[str, Any] = {
        "coldroom1": {
            "model": "cold_room",
            "interval_s": interval_s,
            "sensors": ["t1", *probe, "door", "power"],
            "params": cold,
        },
        "freezer1": {
            "model": "freezer",
            "interval_s": interval_s,
            "sensors": ["t1", *probe, "door"],
            "params": freezer,
        },
        "hotbox1": {
            "model": "hot_holding",
            "interval_s": interval_s,
            "sensors": ["t1", "power"],
            "params": {"service_utc": HOT_SERVICE_UTC},
        },
    }
    for dev in ("samplefridge1", "cooling1", "disinfect1", "room1"):
        every = 900.0 if dev == "room1" and number % 3 == 0 else interval_s
        devices[dev] = {"model": STANDARD_DEVICES[dev].value, "interval_s": every}
    return {
        "name": f"{PREFIX[category].title()} kitchen {number}",
        "category": category.value,
        "district": f"district-{number % 10}",
        "devices": devices,
        "cameras": {"cam1": {"zone": "prep_area"}},
    }


def power_blips(site: str, number: int, start: datetime, duration: timedelta) -> list[Any]:
    """A 3-minute mains blip on the cold room and the freezer (every seventh kitchen):
    too short to warm anything past its limit, so no alert is expected."""
    if number % 7 != 0:
        return []
    out = []
    for dev, hour in (("coldroom1", 26.25), ("freezer1", 50.75)):
        at = start + timedelta(hours=hour + number % 5)
        if at + timedelta(minutes=3) < start + duration:
            out.append(
                {"site": site, "device": dev, "kind": "power_cut", "at": at, "duration": "3m"}
            )
    return out


def incident(site: str, kind: FaultKind, at: datetime) -> dict[str, Any]:
    device, sensor = TARGET[kind]
    data: dict[str, Any] = {"site": site, "device": device, "kind": kind.value, "at": at}
    if sensor is not None and kind not in SITE_FAULTS:
        data["sensor"] = sensor
    if kind not in INSTANT_FAULTS:
        data["duration"] = DEFAULT_DURATION[kind]
    return data


def generate_fleet(
    n: int,
    *,
    seed: int = 0,
    start: datetime,
    duration: timedelta = timedelta(days=1),
    incidents_every: int = 0,
    first_incident_after: timedelta = timedelta(hours=1),
    interval_s: float = 10.0,
    coldchain: bool = False,
) -> Scenario:
    """A validated scenario of `n` standard kitchens (categories cycling).

    `interval_s` is every device's reading interval (10 s, the design's figure, by
    default; a week-long run of a big fleet reads every 60 s). `coldchain`: kitchens
    with defrosts, deliveries, product probes, service hours and power blips.
    """
    categories = list(SiteCategory)
    sites: dict[str, Any] = {}
    incidents: list[dict[str, Any]] = []
    kinds = list(FaultKind)
    for i in range(n):
        category = categories[i % len(categories)]
        sid = site_id(category, i + 1)
        sites[sid] = kitchen(category, i + 1, interval_s, coldchain=coldchain)
        if coldchain:
            incidents += power_blips(sid, i + 1, start, duration)
        if incidents_every > 0 and i % incidents_every == 0:
            kind = kinds[(i // incidents_every) % len(kinds)]
            at = start + first_incident_after
            if at < start + duration:
                incidents.append(incident(sid, kind, at))
    return Scenario.model_validate(
        {"seed": seed, "start": start, "duration": duration, "sites": sites, "incidents": incidents}
    )
