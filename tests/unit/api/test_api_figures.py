"""Figures and the 食安指数 on small examples computed by hand (numbers in the comments)."""

from datetime import UTC, datetime, timedelta

import pytest

from api.figures import (
    Case,
    DeviceTime,
    IndexConfig,
    annual_grade,
    coverage,
    figures,
    grade_of,
    safety_index,
    share_at,
)

T = datetime(2026, 11, 2, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)

DEVICES = [
    DeviceTime("a", "cam1", "camera", working_s=36000, online_s=32400),  # 9 of 10 h
    DeviceTime("a", "fridge", "sensor", working_s=36000, online_s=36000),
]
CASES = [
    Case("a", "rodent", 1, T, acked_at=T + 10 * M, vision=True),
    # on time: accepted submission 2 h after firing, deadline 24 h
    Case("a", "no-hat", 2, T, T + 20 * M, T + 24 * H, rectified_at=T + 2 * H, vision=True),
    # late: rectified after 30 h, went overdue at 24 h
    Case("a", "no-mask", 2, T, T + 30 * M, T + 24 * H, T + 30 * H, overdue=True, vision=True),
    # the detector's mistake: counted in the false-positive rate only
    Case("a", "no-hat", 2, T, T + 5 * M, T + 24 * H, false_positive=True, vision=True),
    # not due yet at `now` (deadline ahead, nothing submitted)
    Case("a", "no-hat", 2, T + 47 * H, deadline=T + 71 * H),
    Case("a", "cold-holding-low", 3, T),
]
NOW = T + 48 * H


def test_every_figure_on_a_hand_computed_example() -> None:
    fig = figures(CASES, DEVICES, ["a", "b", "c", "d"], ["a", "b", "c", "x"], NOW)
    assert fig.coverage == 0.75  # 3 of 4 registered; x is not registered
    assert fig.online_rate == pytest.approx(0.95)  # (9 + 10) / 20 h
    assert fig.online_rate_cameras == pytest.approx(0.9)
    assert fig.online_rate_sensors == 1.0
    assert fig.alerts_by_tier == {1: 1, 2: 3, 3: 1}  # the false positive left out
    assert fig.alerts_by_rule == {"cold-holding-low": 1, "no-hat": 2, "no-mask": 1, "rodent": 1}
    assert fig.ack_mean_s == 1200  # (10 + 20 + 30 min) / 3
    assert (fig.rectify_due, fig.rectify_on_time, fig.rectify_on_time_rate) == (2, 1, 0.5)
    assert fig.rectify_mean_s == 16 * 3600  # (2 + 30 h) / 2
    assert fig.overdue == 1
    assert (fig.vision_alerts, fig.false_positives, fig.false_positive_rate) == (4, 1, 0.25)


def test_index_grade_and_face_on_the_example() -> None:
    fig = figures(CASES, DEVICES, ["a"], ["a"], NOW)
    res = safety_index(fig, working_days=20, cold_chain_in_range=0.9)
    assert res is not None
    # online .95; violations 1 − (3·1 + 1·3 + 0.2·1)/20 = .69; rectified .5;
    # ack 1 − (1200 − 900)/2700 = .8889; cold chain .9
    # (30·.95 + 30·.69 + 20·.5 + 10·.8889 + 10·.9) / 100 = 77.09
    assert res.components["violations"] == pytest.approx(0.69)
    assert res.components["ack"] == pytest.approx(1 - 300 / 2700)
    assert res.index == 77.1
    assert (res.grade, res.face) == ("良好", "微笑")


def test_a_dark_kitchen_cannot_score_well() -> None:
    dark = [DeviceTime("d", "cam1", "camera", working_s=36000, online_s=18000)]
    fig = figures([], dark, ["d"], ["d"], NOW)
    res = safety_index(fig, working_days=20)
    assert res is not None
    # Without the cap: 30·.5 + 30 + 20 + 10 + 10 = 85 (良好) by showing nothing.
    uncapped = safety_index(fig, working_days=20, cfg=IndexConfig(cap_by_online=False))
    assert uncapped is not None and uncapped.index == 85.0
    assert res.index == 50.0 and res.grade == "一般" and res.face == "平脸"
    # No online data at all: not scored rather than scored as perfect.
    assert safety_index(figures([], [], ["d"], [], NOW), working_days=20) is None


def test_grade_thresholds_annual_grades_and_share() -> None:
    assert grade_of(90.0) == ("优秀", "大笑")
    assert grade_of(89.9) == ("良好", "微笑")
    assert grade_of(75.0) == ("良好", "微笑")
    assert grade_of(74.9) == ("一般", "平脸")
    assert grade_of(80, IndexConfig(excellent=80)) == ("优秀", "大笑")
    assert annual_grade([95, 92, 91]) == "A"
    assert annual_grade([95, 95, 70]) == "B"  # mean 86.7, and one month 一般: not A
    assert annual_grade([80, 70]) == "B"  # mean 75
    assert annual_grade([70, 72]) == "C"
    assert annual_grade([]) is None
    assert share_at(["A", "B", "A", None]) == 0.5
    assert coverage([], ["a"]) is None


def test_a_simulated_month_of_a_20_kitchen_fleet() -> None:
    """22 working days of 10 h; 2 cameras and 2 sensors per kitchen. Known outages: k00–k03
    turn their cameras off half of the working hours, k04 loses one camera for 10 h, k05
    never connects. Incidents: k06 five tier-2 alerts (4 rectified on time, 1 late), k07
    one tier-1 alert acknowledged after 30 min. Every other kitchen is clean."""
    hours = 22 * 10 * 3600.0
    sites = [f"k{i:02d}" for i in range(20)]
    devices: list[DeviceTime] = []
    for s in sites:
        if s == "k05":
            continue
        for cam in ("cam1", "cam2"):
            online = hours / 2 if s in ("k00", "k01", "k02", "k03") else hours
            if s == "k04" and cam == "cam1":
                online = hours - 10 * 3600
            devices.append(DeviceTime(s, cam, "camera", hours, online))
        devices += [DeviceTime(s, d, "sensor", hours, hours) for d in ("fridge", "freezer")]
    cases = [
        Case(
            "k06",
            "no-hat",
            2,
            T + i * 24 * H,
            T + i * 24 * H + 10 * M,
            T + (i + 1) * 24 * H,
            T + i * 24 * H + (30 * H if i == 4 else 2 * H),
            overdue=i == 4,
            vision=True,
        )
        for i in range(5)
    ]
    cases.append(Case("k07", "rodent", 1, T, T + 30 * M, vision=True))
    now = T + 30 * 24 * H
    connected = {d.site for d in devices}
    fleet = figures(cases, devices, sites, connected, now)
    assert fleet.coverage == 0.95  # 19 of 20
    # camera-hours: 8 cameras at half, one 10 h short, the rest full, of 38 cameras
    assert fleet.online_rate_cameras == pytest.approx(
        (38 * hours - 8 * hours / 2 - 36000) / (38 * hours)
    )
    assert (fleet.rectify_due, fleet.rectify_on_time, fleet.overdue) == (5, 4, 1)
    grades = {}
    for s in sites:
        fig = figures(
            [c for c in cases if c.site == s],
            [d for d in devices if d.site == s],
            [s],
            connected,
            now,
        )
        res = safety_index(fig, working_days=22)
        grades[s] = (res.index, res.grade) if res else None
    for s in ("k00", "k01", "k02", "k03"):
        assert grades[s] == (50.0, "一般")  # 92.5 on its components, capped by dark cameras
    assert grades["k04"] == (97.7, "优秀")  # cap 100 × (430 h / 440 h camera time)
    assert grades["k05"] is None  # never connected: not scored
    # k06: 30 + 30·(1 − 5/22) + 20·4/5 + 10 + 10 = 89.2
    assert grades["k06"] == (89.2, "良好")
    # k07: 30 + 30·(1 − 3/22) + 20 + 10·(1 − 900/2700) + 10 = 92.6
    assert grades["k07"] == (92.6, "优秀")
    clean = [s for s in sites if s not in ("k00", "k01", "k02", "k03", "k04", "k05", "k06", "k07")]
    assert all(grades[s] == (100.0, "优秀") for s in clean)
    excellent = [g[1] if g else None for g in grades.values()]
    assert share_at(["A" if g == "优秀" else None for g in excellent]) == 0.7  # 14 of 20
