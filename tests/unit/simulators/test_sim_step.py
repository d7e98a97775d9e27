"""A coarse physics step (60 s) stays within stated tolerances of the default 2 s step.

The week-long fleet test of the rules runs the physics at 60 s; these tests are what
makes that honest. Compared on the models' true temperatures (no sensor noise):
the closed-form curves (warming without cooling, Newton's cooling, the open door's
equilibrium), and the thermostats' cycling, where a fixed explicit step would overshoot
its dead band by rate × step. Door openings are drawn on the simulated clock, not per
step, so both runs see the same doors.
"""

import math
from itertools import pairwise
from typing import Any

import pytest

from devtools.kitchens import STILL_ROOM, one_device_kitchen
from simulators.devices import SimKitchen
from simulators.physics import PHYSICS_DT_S, DisinfectionCabinet, DisinfectionParams
from simulators.physics.cooling import FoodCoolingParams, newton_closed_form
from simulators.physics.refrigeration import COLD_ROOM, FREEZER, SAMPLE_FRIDGE

COARSE_S = 60.0
CURVE_TOL_C = 0.02
"""Closed-form curves: both steps are exact there, up to rounding."""
CYCLE_TOL_C = 0.15
"""Thermostat cycling with doors and the room's daily swing: the room's target and the
door are sampled per step, so the curves drift apart a little; 0.15 °C is three sensor
noise sigmas."""


def kitchen(
    model: str,
    dt_s: float,
    incidents: list[dict[str, Any]] | None = None,
    *,
    device: dict[str, Any] | None = None,
    room: dict[str, float] | None = None,
) -> SimKitchen:
    return one_device_kitchen(model, incidents, seed=3, dt_s=dt_s, device=device, room=room)


def truth(k: SimKitchen, seconds: float, every: float = COARSE_S) -> list[float]:
    """The device's true temperature every `every` seconds."""
    dev = k.devices["dev1"]
    out = []
    t = 0.0
    while t <= seconds:
        k.advance_to(t)
        out.append(dev.truth("t1"))
        t += every
    return out


def test_the_default_step_is_two_seconds_and_must_be_positive() -> None:
    assert PHYSICS_DT_S == 2.0
    assert kitchen("cold_room", PHYSICS_DT_S).dt_s == 2.0
    with pytest.raises(ValueError, match="dt_s"):
        kitchen("cold_room", 0.0)


@pytest.mark.parametrize("params", [COLD_ROOM, SAMPLE_FRIDGE, FREEZER])
def test_warming_without_cooling_matches_the_closed_form_at_both_steps(params: Any) -> None:
    model = {COLD_ROOM: "cold_room", SAMPLE_FRIDGE: "sample_fridge", FREEZER: "freezer"}[params]
    tau = params.mass_j_per_k / params.ua_w_per_k
    curves = []
    for dt in (PHYSICS_DT_S, COARSE_S):
        k = kitchen(
            model,
            dt,
            [{"kind": "power_cut"}],
            device={"door_opens_per_hour": 0},
            room=STILL_ROOM,
        )
        t0 = k.devices["dev1"].truth("t1")
        temps = truth(k, 8 * 3600)
        expected = [22.0 + (t0 - 22.0) * math.exp(-i * COARSE_S / tau) for i in range(len(temps))]
        assert max(abs(a - b) for a, b in zip(temps, expected, strict=True)) < CURVE_TOL_C
        curves.append(temps)
    assert max(abs(a - b) for a, b in zip(*curves, strict=True)) < CURVE_TOL_C


def test_door_left_open_reaches_the_same_equilibrium_along_the_same_curve() -> None:
    curves = [
        truth(kitchen("cold_room", dt, [{"kind": "door_left_open"}], room=STILL_ROOM), 6 * 3600)
        for dt in (PHYSICS_DT_S, COARSE_S)
    ]
    assert max(abs(a - b) for a, b in zip(*curves, strict=True)) < CURVE_TOL_C
    ua = COLD_ROOM.ua_w_per_k + COLD_ROOM.door_ua_w_per_k
    assert curves[1][-1] == pytest.approx(22.0 - COLD_ROOM.compressor_w / ua, abs=0.1)


def test_cooling_batch_follows_newtons_law_at_a_coarse_step() -> None:
    p = FoodCoolingParams()
    k = kitchen("food_cooling", COARSE_S, device={"params": {"batches_at": ["00:01"]}})
    temps = truth(k, 4 * 3600)
    # A batch starts in the step in which its time falls (here the first), and cools
    # for the whole of that step.
    worst = max(
        abs(temps[i] - newton_closed_form(p.start_c, p.env_c, p.tau_s, i * COARSE_S))
        for i in range(1, len(temps))
    )
    assert worst < CURVE_TOL_C


@pytest.mark.parametrize("model", ["cold_room", "freezer", "sample_fridge", "hot_holding"])
def test_thermostat_cycling_over_a_day_matches_the_two_second_step(model: str) -> None:
    """Default room (day-night swing, cooking heat) and staff opening doors."""
    fine = truth(kitchen(model, PHYSICS_DT_S), 86400)
    coarse = truth(kitchen(model, COARSE_S), 86400)
    # Same band: a coarse explicit step would overshoot the dead band by rate × step.
    assert min(coarse) == pytest.approx(min(fine), abs=CYCLE_TOL_C)
    assert max(coarse) == pytest.approx(max(fine), abs=CYCLE_TOL_C)
    assert sum(coarse) / len(coarse) == pytest.approx(sum(fine) / len(fine), abs=CYCLE_TOL_C)
    # Same cycling: count passes through the set point, up and down.
    sp = {"cold_room": 3.0, "freezer": -20.5, "sample_fridge": 3.0, "hot_holding": 72.0}[model]

    def cycles(temps: list[float]) -> int:
        return sum(1 for a, b in pairwise(temps) if a < sp <= b)

    assert cycles(fine) >= 6
    assert abs(cycles(coarse) - cycles(fine)) <= max(2, cycles(fine) // 10)
    # Pointwise the phase of the cycling drifts a little (measured: at most 0.11 °C,
    # the freezer); the curves stay close.
    drift = max(abs(a - b) for a, b in zip(fine, coarse, strict=True))
    assert drift < 2 * CYCLE_TOL_C, drift


def test_disinfection_cycle_holds_the_same_at_a_coarse_step() -> None:
    def above_120(dt: float, hold_s: float | None) -> float:
        cab = DisinfectionCabinet(DisinfectionParams(), ambient_c=22.0)
        cab.start_cycle(hold_s)
        held = 0.0
        samples = []
        for _ in range(int(2 * 3600 / dt)):
            cab.step(dt, 22.0)
            samples.append(cab.temp_c)
        held = sum(dt for t in samples if t >= 120.0)
        if dt == COARSE_S:
            # Never out of the dead band during the hold (121–125 °C): no overshoot.
            assert max(samples) <= 125.0 + 1e-9
        return held

    for hold in (None, 180.0):
        fine, coarse = above_120(PHYSICS_DT_S, hold), above_120(COARSE_S, hold)
        assert abs(fine - coarse) <= COARSE_S, (hold, fine, coarse)
    assert above_120(COARSE_S, None) >= 15 * 60
