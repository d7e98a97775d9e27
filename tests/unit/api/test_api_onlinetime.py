"""Online time during working hours on hand examples (numbers in the comments)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.figures import figures, safety_index, share_at
from api.onlinetime import (
    KitchenDevice,
    StatusPoint,
    device_times,
    latest_state,
    online_spans,
    overlap_s,
    stale_after_s,
    working_days,
    working_intervals,
)

# Monday 2 November 2026, 00:00 in Shanghai (UTC+8) is 1 November 16:00 UTC.
MON = datetime(2026, 11, 1, 16, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)
WEEKDAYS_6_14 = [{"days": [1, 2, 3, 4, 5], "start": "06:00", "end": "14:00"}]


def test_working_hours_are_local_and_skip_the_weekend() -> None:
    week = working_intervals(WEEKDAYS_6_14, "Asia/Shanghai", MON, MON + 7 * 24 * H)
    assert len(week) == 5  # Monday to Friday
    assert week[0] == (MON + 6 * H, MON + 14 * H)  # 06:00–14:00 local = 22:00–06:00 UTC
    assert sum((b - a).total_seconds() for a, b in week) == 5 * 8 * 3600
    assert working_days(WEEKDAYS_6_14, "Asia/Shanghai", MON, MON + 7 * 24 * H) == 5
    # A period starting at 10:00 local on Monday keeps 4 h of Monday.
    part = working_intervals(WEEKDAYS_6_14, "Asia/Shanghai", MON + 10 * H, MON + 24 * H)
    assert part == [(MON + 10 * H, MON + 14 * H)]


def test_night_shift_past_midnight_and_no_hours_at_all() -> None:
    night = [{"days": [1], "start": "22:00", "end": "02:00"}]
    assert working_intervals(night, "Asia/Shanghai", MON, MON + 48 * H) == [
        (MON + 22 * H, MON + 26 * H)
    ]
    assert working_intervals([], "Asia/Shanghai", MON, MON + H) == [(MON, MON + H)]


def test_changes_only_device_holds_its_state() -> None:
    pts = [
        StatusPoint(MON - H, True),  # before the period: online at its start
        StatusPoint(MON + 8 * H, False),
        StatusPoint(MON + 9 * H, True),
    ]
    assert stale_after_s(pts) is None  # never two onlines in a row
    spans = online_spans(pts, MON, MON + 24 * H)
    assert spans == [(MON, MON + 8 * H), (MON + 9 * H, MON + 24 * H)]
    # working 06–14: online 06–08 and 09–14 = 7 h
    work = working_intervals(WEEKDAYS_6_14, "Asia/Shanghai", MON, MON + 24 * H)
    assert overlap_s(spans, work) == 7 * 3600


def test_heartbeats_that_stop_end_the_online_time_and_a_will_counts_from_then() -> None:
    # Agent connected at 06:00 (its Last Will carries 06:00), heartbeats every 30 s until
    # 10:00, then the will arrives; in the store the will sorts at 06:00, first.
    beats = [StatusPoint(MON + 6 * H + k * timedelta(seconds=30), True) for k in range(481)]
    pts = [StatusPoint(MON + 6 * H - timedelta(seconds=1), False), *beats]
    stale = stale_after_s(pts)
    assert stale == 90  # 3 × 30 s
    spans = online_spans(pts, MON, MON + 24 * H, stale)
    assert spans == [(MON + 6 * H, MON + 10 * H + 90 * timedelta(seconds=1))]
    assert latest_state(pts, MON + 10 * H + M) is True
    assert latest_state(pts, MON + 12 * H) is False


def test_device_times_agent_cameras_recorder() -> None:
    work = working_intervals(WEEKDAYS_6_14, "Asia/Shanghai", MON, MON + 24 * H)
    statuses = {
        # the agent: up 06–12 (changes only)
        "agent": [StatusPoint(MON + 6 * H, True), StatusPoint(MON + 12 * H, False)],
        # cam2 reports its own status: up all day
        "cam2": [StatusPoint(MON, True)],
    }
    devices = [
        KitchenDevice("fridge1", "sensor"),  # heard through the agent: 6 of 8 h
        KitchenDevice("cam1", "camera"),  # through the agent, recorder says 3 h
        KitchenDevice("cam2", "camera"),  # own status 8 h, recorder unknown
    ]
    recorded = {"cam1": 3 * 3600.0}
    times = device_times(
        "a", devices, statuses, work, MON, MON + 24 * H, lambda s, c, w: recorded.get(c)
    )
    got = {t.device: (t.working_s, t.online_s) for t in times}
    assert got == {
        "fridge1": (8 * 3600, 6 * 3600),
        "cam1": (8 * 3600, 3 * 3600),  # the lesser of 6 h (status) and 3 h (recorded)
        "cam2": (8 * 3600, 8 * 3600),
    }


def test_a_kitchen_that_never_reported_was_never_online() -> None:
    work = working_intervals(WEEKDAYS_6_14, "Asia/Shanghai", MON, MON + 24 * H)
    times = device_times("d", [KitchenDevice("cam1", "camera")], {}, work, MON, MON + 24 * H)
    assert [(t.working_s, t.online_s) for t in times] == [(8 * 3600, 0.0)]
    assert pytest.approx(0.0) == times[0].online_s


def test_a_simulated_month_from_statuses_to_grades() -> None:
    """November 2026 in Shanghai: 21 working days of 06:00–14:00 (168 h). 20 kitchens,
    each an agent, cameras cam1 and cam2 and a sensor fridge1. Known outages:
    k03's agent is down Wednesday 11 and Thursday 12 (two working days dark); k07's cam1
    (which reports its own status) is switched off 11:00–13:00, the peak, every day;
    k11 never connects; k15's agent heartbeats every 5 min, dies on Friday 20 at 10:00
    (its Last Will carries its connect time, 31 October) and is back Monday 23 at 06:00."""
    local = ZoneInfo("Asia/Shanghai")
    start = datetime(2026, 11, 1, tzinfo=local).astimezone(UTC)
    end = datetime(2026, 12, 1, tzinfo=local).astimezone(UTC)
    hours = [{"days": [1, 2, 3, 4, 5], "start": "06:00", "end": "14:00"}]
    work = working_intervals(hours, "Asia/Shanghai", start, end)
    days = working_days(hours, "Asia/Shanghai", start, end)
    assert days == 21 and sum((b - a).total_seconds() for a, b in work) == 168 * 3600

    def at(day: int, hh: int, mm: int = 0) -> datetime:
        return datetime(2026, 11, day, hh, mm, tzinfo=local).astimezone(UTC)

    before = start - H
    sites = [f"k{i:02d}" for i in range(20)]
    devices = [
        KitchenDevice("cam1", "camera"),
        KitchenDevice("cam2", "camera"),
        KitchenDevice("fridge1", "sensor"),
    ]
    statuses: dict[str, dict[str, list[StatusPoint]]] = {
        s: {"agent": [StatusPoint(before, True)]} for s in sites if s not in ("k11", "k15")
    }
    statuses["k03"]["agent"] += [StatusPoint(at(11, 0), False), StatusPoint(at(13, 0), True)]
    statuses["k07"]["cam1"] = [StatusPoint(before, True)]
    for day in range(1, 31):
        if date(2026, 11, day).isoweekday() <= 5:
            statuses["k07"]["cam1"] += [
                StatusPoint(at(day, 11), False),
                StatusPoint(at(day, 13), True),
            ]
    beats = [StatusPoint(datetime(2026, 10, 31, 23, tzinfo=local), False)]  # the will
    t = before
    while t < end:
        if t <= at(20, 10) or t >= at(23, 6):
            beats.append(StatusPoint(t, True))
        t += 5 * M
    statuses["k15"] = {"agent": beats}

    times = {s: device_times(s, devices, statuses.get(s, {}), work, start, end) for s in sites}
    connected = [s for s in sites if any(t.online_s for t in times[s])]
    now = end
    fleet = figures([], [t for s in sites for t in times[s]], sites, connected, now)
    assert fleet.coverage == 0.95  # k11
    # device-hours lost: k03 3 × 16, k07 21 × 2, k11 3 × 168, k15 3 × 3.75 (10:15–14:00)
    lost = 3 * 16 + 21 * 2 + 3 * 168 + 3 * 3.75
    assert fleet.online_rate == pytest.approx((60 * 168 - lost) / (60 * 168))
    grades = {}
    for s in sites:
        res = safety_index(figures([], times[s], [s], connected, now), days)
        assert res is not None
        grades[s] = (res.index, res.grade)
    assert grades["k03"] == (90.5, "优秀")  # capped at 100 × 19/21
    assert grades["k07"] == (87.5, "良好")  # capped by its cameras: (6 + 8) / 16 h
    assert grades["k11"] == (0.0, "一般")  # dark all month
    assert grades["k15"] == (97.8, "优秀")  # 100 × (168 − 3.75) / 168
    assert all(grades[s] == (100.0, "优秀") for s in sites if s not in ("k03", "k07", "k11", "k15"))
    assert share_at([g for _i, g in grades.values()], "优秀") == 0.9
