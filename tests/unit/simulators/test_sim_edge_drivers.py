"""Simulated drivers behind the edge agent's interface, and the simulated clock."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from core.errors import ConfigError
from core.schemas import SensorKind
from edge.drivers.base import load_camera_driver, load_sensor_driver
from simulators.clock import SimClock
from simulators.edge_drivers import SimulatedCamera, SimulatedSensor

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def test_sim_sensor_is_found_by_entry_point_and_stamps_now() -> None:
    driver = load_sensor_driver({"type": "sim", "id": "coldroom1", "model": "cold_room"})
    assert isinstance(driver, SimulatedSensor)
    samples = driver.read(NOW)
    assert [(s.sensor, s.kind, s.zone) for s in samples] == [
        ("coldroom1-t1", SensorKind.TEMPERATURE, "cold_room"),
        ("coldroom1-door", SensorKind.DOOR, "cold_room"),
        ("coldroom1-power", SensorKind.POWER, "cold_room"),
    ]
    assert all(s.ts == NOW for s in samples)
    later = driver.read(NOW + timedelta(minutes=5))
    assert all(s.ts == NOW + timedelta(minutes=5) for s in later)
    assert 0.0 <= later[0].value <= 8.0


def test_sim_sensor_fault_drives_the_physics() -> None:
    spec = {
        "type": "sim",
        "id": "fridge",
        "model": "freezer",
        "zone": "store",
        "faults": [{"kind": "door_left_open", "after_s": 60}],
    }
    driver = load_sensor_driver(spec)
    temps = []
    for minute in range(0, 61, 5):
        samples = {s.sensor: s for s in driver.read(NOW + timedelta(minutes=minute))}
        temps.append(samples["fridge-t1"].value)
        assert samples["fridge-t1"].zone == "store"  # the configured zone wins
    assert temps[0] < -18.0 < temps[-1]
    assert samples["fridge-door"].value == 1.0


def test_sim_sensor_config_errors_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="model"):
        load_sensor_driver({"type": "sim", "id": "x", "model": "volcano"})
    with pytest.raises(ConfigError, match="site fault"):
        load_sensor_driver({"type": "sim", "id": "x", "faults": [{"kind": "network_outage"}]})


def test_sim_camera_gives_bgr_frames_of_the_configured_size() -> None:
    cam = load_camera_driver({"type": "sim", "id": "cam1", "width": 160, "height": 120})
    assert isinstance(cam, SimulatedCamera)
    a = cam.grab(NOW)
    b = cam.grab(NOW + timedelta(seconds=1))
    assert a is not None and b is not None
    assert a.shape == (120, 160, 3) and a.dtype == np.uint8
    assert not np.array_equal(a, b)  # time moves the scene (and the noise)
    again = load_camera_driver({"type": "sim", "id": "cam1", "width": 160, "height": 120})
    c = again.grab(NOW)
    assert c is not None and np.array_equal(a, c)  # seeded: same camera, same frames


def test_sim_camera_falls_back_to_a_plain_frame_without_scenes() -> None:
    cam = SimulatedCamera(SimulatedCamera.config_model(type="sim", id="cam2"))
    cam._scenes_checked = True  # as if simulators.scenes were not installed
    frame = cam.grab(NOW)
    assert frame is not None and frame.shape == (480, 640, 3)
    assert cam.last_truth == []
    assert frame.std() > 20  # a gradient, not a flat grey


def test_sim_clock_runs_faster_than_the_wall() -> None:
    wall = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        wall[0] += s

    clock = SimClock(NOW, speed=60.0, monotonic=lambda: wall[0], sleep=sleep)
    wall[0] += 2.0
    assert clock.now() == NOW + timedelta(minutes=2)
    assert clock.sleep_until(NOW + timedelta(minutes=3)) == 0.0
    assert slept == [pytest.approx(1.0)]
    assert clock.sleep_until(NOW + timedelta(minutes=1)) == pytest.approx(2.0)  # late by 2 s
    with pytest.raises(ValueError, match="positive"):
        SimClock(NOW, speed=0)
    fast = SimClock(NOW, speed=float("inf"), monotonic=lambda: wall[0], sleep=sleep)
    assert fast.sleep_until(NOW + timedelta(days=1)) == 0.0 and len(slept) == 1


def test_a_sim_sensor_faster_than_once_a_second_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        load_sensor_driver({"type": "sim", "id": "fridge1", "interval_s": 0.5})
    assert "interval_s" in str(err.value) and "greater than or equal to 1" in str(err.value)
