"""The demo district's files agree with each other (no servers: quick checks beside the e2e).

The committed scenario is what `python -m devtools.demo_district` writes; the centre's
registry imports (its own model), the camera script lands in working and service hours.
"""

from datetime import timedelta
from pathlib import Path

import yaml

from api.registry import load_file
from devtools.demo_cameras import CAMERA_SCRIPT, camera_sites, expected_alerts
from devtools.demo_district import (
    GRIDS,
    SCENARIO_FILE,
    STREETS,
    centre_registry,
    district_scenario,
    scenario_yaml,
    write_yaml,
)
from simulators.scenario import load_scenario


def test_committed_scenario_is_the_generated_one() -> None:
    on_disk = yaml.safe_load(SCENARIO_FILE.read_text(encoding="utf-8"))
    assert on_disk == yaml.safe_load(yaml.safe_dump(scenario_yaml(district_scenario())))
    scn = load_scenario(SCENARIO_FILE)
    assert len(scn.sites) == 20
    kinds = {i.kind.value for i in scn.incidents}
    assert {"door_left_open", "power_cut", "network_outage", "sensor_stuck"} <= kinds
    must_not = [i for i in scn.incidents if i.expect_rule is None]
    assert must_not, "glitches that must not alert are part of the story"


def test_centre_registry_imports_with_3_streets_and_5_grids(tmp_path: Path) -> None:
    scn = district_scenario()
    data = centre_registry(scn, camera_sites(list(scn.sites)))
    reg = load_file(write_yaml(data, tmp_path / "registry.yaml"))  # as `bk registry import`
    (district,) = reg.districts.values()
    assert set(district.streets) == set(STREETS)
    grids = {g for street in district.streets.values() for g in street.grids}
    assert grids == set(GRIDS)
    assert {k.grid for k in reg.kitchens.values()} == set(GRIDS)
    with_cam2 = {s for s, info in reg.sites.sites.items() if "cam2" in info.devices}
    assert with_cam2 == set(camera_sites(list(scn.sites)))


def test_small_window_keeps_only_incidents_due_inside_it() -> None:
    scn = district_scenario(kitchens=5, hours=2.5)
    for alert in scn.expected_alerts():
        assert alert.by <= scn.end
    assert len({i.site for i in scn.incidents}) <= 5


def test_camera_script_in_a_working_morning() -> None:
    sites = list(district_scenario(kitchens=5, hours=1).sites)
    start = district_scenario().start + timedelta(days=1, hours=10)  # a Tuesday, 10:00
    rules = {a.rule for a in expected_alerts(sites, start, start + timedelta(hours=2.5))}
    assert rules == {"rodent", "no-hat", "no-mask", "camera-off"}
    assert len(CAMERA_SCRIPT) >= 4
