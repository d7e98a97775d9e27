"""The demo's simulated district: kitchens, streets, grids and a script of incidents.

One definition serves `bk demo` (20 kitchens, a whole simulated day: written once to
simulators/scenarios/district.yaml by `python -m devtools.demo_district`) and the
scorecard test (a few kitchens, a few simulated hours): the same kitchens, the same
incidents, cut to the window asked for. The registry the centre imports (districts →
streets → grids → kitchens) is derived from the scenario, so the API, provisioning, the
rules engine and the simulated fleet always agree on which kitchens exist.

Times are UTC; the district lives in Asia/Shanghai (UTC+8), so the scenario starts at
16:00 UTC, local midnight. `bk sim run --start 00:00` moves it to the latest past day.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from simulators.scenario import Scenario

DISTRICT = "bright-district"
DISTRICT_NAME = "明厨区 Bright District"
STREETS = ("east", "west", "river")
STREET_NAMES = {"east": "东街道", "west": "西街道", "river": "滨河街道"}
GRIDS = ("grid-1", "grid-2", "grid-3", "grid-4", "grid-5")
START = datetime(2026, 1, 4, 16, 0, tzinfo=UTC)  # 2026-01-05 00:00 in Asia/Shanghai
SCENARIO_FILE = Path(__file__).resolve().parent.parent / "simulators/scenarios/district.yaml"

_CATEGORIES = ("school_canteen", "central_kitchen", "meal_delivery", "restaurant")
_PREFIX = {"school_canteen": "school", "central_kitchen": "central"}
_PREFIX |= {"meal_delivery": "delivery", "restaurant": "restaurant"}
_NAMES = {
    "school_canteen": "第{n}实验小学食堂",
    "central_kitchen": "第{n}中央厨房",
    "meal_delivery": "第{n}集体用餐配送单位",
    "restaurant": "滨河第{n}餐馆",
}
_DEVICES: dict[str, dict[str, str]] = {
    "coldroom1": {"model": "cold_room", "name": "冷库1"},
    "freezer1": {"model": "freezer", "name": "冷冻柜1"},
    "hotbox1": {"model": "hot_holding", "name": "热保温柜1"},
    "samplefridge1": {"model": "sample_fridge", "name": "留样柜"},
    "cooling1": {"model": "food_cooling", "name": "冷却探针"},
    "disinfect1": {"model": "disinfection", "name": "消毒柜"},
    "room1": {"model": "room", "name": "后厨空气"},
}
_ZONES = {
    "cold_room": "cold_room",
    "freezer": "freezer",
    "hot_holding": "hot_holding",
    "sample_fridge": "sample_fridge",
    "food_cooling": "cooling",
    "disinfection": "disinfection",
    "room": "kitchen",
}

# (kitchen index, device, sensor, fault, start after local midnight, duration, comment).
# Kitchen indices wrap around a smaller district (index % kitchens), so a 5-kitchen test
# keeps every kind of incident; a short window keeps the early ones. A sensor dropout
# waits until the rules have learnt the sensor's interval (the first hour they wait 1 h).
# Each fault keeps clear of the kitchen's own day (local = UTC+8): the cooling probe's
# batches at 10:00 and 16:00 (a slow batch at 09:00 was replaced at 10:00, unjudged), the
# disinfection cycles at 09:30, 13:30 and 19:30 (a short cycle at 14:00 landed on the
# 13:30 hold), and the hot box's cut lasts until its food is below 60 °C for 10 min
# inside the packs' service hours 10:30-13:00 (a 1 h cut at 12:00 never got there).
SCRIPT: list[tuple[int, str, str | None, str, timedelta, timedelta | None]] = [
    (0, "edge1", None, "network_outage", timedelta(minutes=20), timedelta(minutes=25)),
    (1, "coldroom1", None, "door_left_open", timedelta(minutes=30), timedelta(hours=2)),
    (2, "freezer1", "t1", "noise_spikes", timedelta(minutes=30), timedelta(hours=3)),  # no alert
    (3, "hotbox1", "t1", "sensor_dropout", timedelta(minutes=70), timedelta(minutes=50)),
    (4, "samplefridge1", "t1", "sensor_stuck", timedelta(minutes=45), timedelta(hours=2)),
    (5, "freezer1", None, "power_cut", timedelta(hours=1), timedelta(hours=4)),
    (6, "coldroom1", "t1", "sensor_drift", timedelta(hours=1), timedelta(hours=3)),  # no alert
    (7, "samplefridge1", None, "compressor_failure", timedelta(hours=2), timedelta(hours=6)),
    (8, "edge1", None, "clock_skew", timedelta(hours=2), timedelta(hours=4)),  # no alert
    (9, "disinfect1", None, "disinfection_short", timedelta(hours=7), None),
    (10, "cooling1", None, "slow_cooling", timedelta(hours=11), None),
    (11, "edge1", None, "network_outage", timedelta(hours=10), timedelta(minutes=30)),
    (12, "coldroom1", None, "door_left_open", timedelta(hours=11), timedelta(hours=2)),
    (13, "freezer1", None, "defrost_heater_stuck", timedelta(hours=12), timedelta(hours=2)),
    (14, "hotbox1", None, "power_cut", timedelta(hours=10, minutes=40), timedelta(hours=2)),
    (15, "coldroom1", "t1", "noise_spikes", timedelta(hours=13), timedelta(hours=3)),  # no alert
    (16, "disinfect1", None, "disinfection_short", timedelta(hours=16), None),
    (17, "samplefridge1", "t1", "sensor_dropout", timedelta(hours=15), timedelta(hours=1)),
    (18, "freezer1", None, "compressor_failure", timedelta(hours=16), timedelta(hours=5)),
    (19, "edge1", None, "network_outage", timedelta(hours=18), timedelta(minutes=20)),
]


EMPTY_SCENE: dict[str, Any] = {"workers": [], "rodents": [], "n_distractors": 0, "occlusion": False}
"""The fleet cameras' scene: the kitchen with nobody in it (its ground truth: nothing).

Their scenes were random (a worker without a hat now, a rodent at night): about 1,100
camera alerts a day that no script justified or could score, and the simulated people
acted on all of them. The model reads this scene as nothing (0 detections in 600 frames,
day and night, on the fleet's background); every camera incident of the story is
scripted on `cam2` (devtools/demo_cameras.py), and any other camera alert is false.
"""


def kitchen_ids(kitchens: int) -> list[str]:
    """Site ids of the district's kitchens, e.g. school-01, central-02 ..."""
    out = []
    for i in range(kitchens):
        category = _CATEGORIES[i % len(_CATEGORIES)]
        out.append(f"{_PREFIX[category]}-{i + 1:02d}")
    return out


def grid_of(index: int) -> str:
    """Kitchens go round the five grids."""
    return GRIDS[index % len(GRIDS)]


def street_of(grid: str) -> str:
    """Grids go round the three streets (grid-1, grid-4: east; grid-2, grid-5: west ...)."""
    return STREETS[GRIDS.index(grid) % len(STREETS)]


def district_scenario(
    kitchens: int = 20, hours: float = 24.0, seed: int = 20260105, frames_fps: float = 1.0
) -> Scenario:
    """The district with its scripted incidents, cut to `hours` after local midnight.

    An incident is kept when its fault starts in the window and, for one that must alert,
    its alert is due inside it: a scorecard then never waits for an alert the window cut.
    """
    if kitchens < 1:
        raise ValueError("a district needs at least one kitchen")
    ids = kitchen_ids(kitchens)
    sites: dict[str, Any] = {}
    for i, site in enumerate(ids):
        category = _CATEGORIES[i % len(_CATEGORIES)]
        sites[site] = {
            "name": _NAMES[category].format(n=i + 1),
            "category": category,
            "district": DISTRICT,
            "devices": {d: dict(spec) for d, spec in _DEVICES.items()},
            "cameras": {"cam1": {"zone": "prep_area", "fps": frames_fps, "scene": EMPTY_SCENE}},
        }
    duration = timedelta(hours=hours)
    incidents: list[dict[str, Any]] = []
    busy: dict[tuple[str, str], list[tuple[timedelta, timedelta]]] = {}
    for index, device, sensor, kind, after, lasting in SCRIPT:
        site = ids[index % kitchens]
        end = after + (lasting if lasting is not None else timedelta(hours=3))
        # In a small district two faults could land on one device at once (a drift
        # during an open door): which alert answers which fault would blur. Skip.
        if any(a < end and after < b for a, b in busy.get((site, device), [])):
            continue
        busy.setdefault((site, device), []).append((after, end))
        inc: dict[str, Any] = {"site": site, "device": device, "kind": kind, "at": START + after}
        if sensor is not None:
            inc["sensor"] = sensor
        if lasting is not None:
            inc["duration"] = lasting
        incidents.append(inc)
    data = {"seed": seed, "start": START, "duration": duration, "sites": sites}
    # Judged whole (a compressor failure cut short would look harmless), then cut: kept
    # when it starts in the window and, if it must alert, its alert is due inside it.
    whole = Scenario.model_validate({**data, "duration": timedelta(days=2), "incidents": incidents})
    kept = []
    for one in whole.incidents:
        if one.at >= START + duration:
            continue
        if one.expect_within is not None and one.at + one.expect_within > START + duration:
            continue
        d = one.model_dump()
        if one.duration is not None:
            d["duration"] = min(one.duration, START + duration - one.at)
        kept.append(d)
    return Scenario.model_validate({**data, "incidents": kept})


def sites_registry(scn: Scenario, scripted: list[str] | None = None) -> dict[str, Any]:
    """The core site registry (ingest, rules, `bk provision`): agent, sensors, cameras
    (and `cam2` where devtools/demo_cameras.py scripts one: the `scripted` kitchens)."""
    sites: dict[str, Any] = {}
    for site, spec in scn.sites.items():
        devices: dict[str, Any] = {spec.agent: {"kind": "agent", "name": "边缘网关"}}
        for dev, d in spec.devices.items():
            devices[dev] = {"kind": "sensor", "name": dev, "zone": _ZONES[d.model.value]}
        for cam, c in spec.cameras.items():
            devices[cam] = {"kind": "camera", "name": "后厨操作间", "zone": c.zone}
        if site in (scripted or []):
            devices["cam2"] = {"kind": "camera", "name": "备餐间", "zone": "prep_area"}
        sites[site] = {
            "name": spec.name,
            "category": spec.category.value,
            "district": spec.district,
            "devices": devices,
        }
    return {"sites": sites}


def centre_registry(scn: Scenario, scripted: list[str] | None = None) -> dict[str, Any]:
    """The centre's registry YAML (`bk registry import`): districts → streets → grids."""
    streets: dict[str, Any] = {s: {"name": STREET_NAMES[s], "grids": {}} for s in STREETS}
    for n, grid in enumerate(GRIDS, start=1):
        streets[street_of(grid)]["grids"][grid] = {"name": f"第{n}网格"}
    kitchens: dict[str, Any] = {}
    for i, site in enumerate(scn.sites):
        kitchens[site] = {
            "grid": grid_of(i),
            "licence_no": f"JY1310{i + 1:010d}",
            "licence_expiry": "2028-12-31",
            "address": f"{STREET_NAMES[street_of(grid_of(i))]}{i + 1}号",
            "contacts": [{"name": "王经理", "role": "食品安全管理员", "phone": "13800000000"}],
            "working_hours": [{"start": "06:00", "end": "20:00"}],
            "public_id": f"demo{i + 1:02d}{'x' * 14}",
        }
    return {
        "districts": {DISTRICT: {"name": DISTRICT_NAME, "streets": streets}},
        **sites_registry(scn, scripted),
        "kitchens": kitchens,
    }


def write_yaml(data: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def scenario_yaml(scn: Scenario) -> dict[str, Any]:
    """The scenario as a file `bk sim run` reads (defaults left out)."""
    data = scn.model_dump(mode="json", exclude_defaults=True)
    data["start"] = scn.start.isoformat().replace("+00:00", "Z")
    data["duration"] = f"{scn.duration.total_seconds() / 3600:g}h"
    for inc in data.get("incidents", []):
        inc.pop("expect_rule", None)
        inc.pop("expect_within", None)
    return data


def main() -> None:
    """Rewrite simulators/scenarios/district.yaml (20 kitchens, one day)."""
    header = (
        "# The demo district (`bk demo`): 20 kitchens, 3 streets, 5 grids, one simulated day\n"
        "# from local midnight, scripted incidents (some must NOT alert: sensor glitches).\n"
        "# Generated by `python -m devtools.demo_district`; edit SCRIPT there, not here.\n"
    )
    data = scenario_yaml(district_scenario())
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    SCENARIO_FILE.write_text(header + text, encoding="utf-8")


if __name__ == "__main__":
    main()
