"""Generate fleet scenarios of N standard kitchens (for load tests and benchmarks).

Each kitchen has the standard set of ten sensors on seven devices (cold room with
temperature, door and power; freezer with temperature and door; hot-holding; sample
fridge; food cooling probe; disinfection cabinet; room humidity) and one camera.
Categories cycle through the four kinds of site. With `incidents_every` > 0, every
k-th kitchen gets one incident, cycling through the fault kinds.
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
}


def site_id(category: SiteCategory, number: int) -> str:
    return f"{PREFIX[category]}-{number:04d}"


def kitchen(category: SiteCategory, number: int, interval_s: float = 10.0) -> dict[str, Any]:
    """One standard kitchen as scenario data (every device reading every `interval_s`)."""
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
) -> Scenario:
    """A validated scenario of `n` standard kitchens (categories cycling).

    `interval_s` is every device's reading interval (10 s, the design's figure, by
    default; a week-long run of a big fleet reads every 60 s).
    """
    categories = list(SiteCategory)
    sites: dict[str, Any] = {}
    incidents: list[dict[str, Any]] = []
    kinds = list(FaultKind)
    for i in range(n):
        category = categories[i % len(categories)]
        sid = site_id(category, i + 1)
        sites[sid] = kitchen(category, i + 1, interval_s)
        if incidents_every > 0 and i % incidents_every == 0:
            kind = kinds[(i // incidents_every) % len(kinds)]
            at = start + first_incident_after
            if at < start + duration:
                incidents.append(incident(sid, kind, at))
    return Scenario.model_validate(
        {"seed": seed, "start": start, "duration": duration, "sites": sites, "incidents": incidents}
    )
