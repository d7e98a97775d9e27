"""Where a run is placed in time: a fixed local time of day, always in the past.

`bk demo` used to end its simulated day at the wall clock, so the story (night or day
scenes, working hours) depended on when it was started. Now two runs started at any
two times play from the same local time of day, and never ahead of the wall clock
(the centre refuses timestamps more than MAX_FUTURE ahead).
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.errors import ConfigError
from core.schemas import MAX_FUTURE
from simulators.runner import place, rebase, run_span_s
from simulators.scenario import load_scenario

DEMO = Path(__file__).resolve().parents[3] / "simulators" / "scenarios" / "demo.yaml"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("hour", [0, 1, 2, 3, 7, 11, 12, 15, 19, 23])
def test_demo_starts_at_local_midnight_in_the_past_whenever_it_runs(hour: int) -> None:
    scn = load_scenario(DEMO)
    wall_s, speed = 180.0, 60.0
    now = datetime(2026, 12, 2, hour, 17, 33, tzinfo=UTC)
    placed = place(scn, wall_s, speed, now)
    local = placed.start.astimezone(SHANGHAI)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    span = timedelta(seconds=run_span_s(scn, wall_s, speed))
    assert placed.start + span <= now  # the whole run is past when it starts
    assert now - (placed.start + span) < timedelta(days=1)  # and no older than needed
    # The story moves with the start: every incident keeps its offset.
    offsets = [i.at - scn.start for i in scn.incidents]
    assert [i.at - placed.start for i in placed.incidents] == offsets


def test_two_runs_on_one_day_play_the_same_times() -> None:
    scn = load_scenario(DEMO)
    morning = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    evening = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)  # 21:00
    assert place(scn, 180, 60, morning).start == place(scn, 180, 60, evening).start
    # The old placement did not: the run ended at the wall clock.
    assert rebase(scn, 180, 60, morning).start != rebase(scn, 180, 60, evening).start


def test_long_run_goes_back_far_enough() -> None:
    scn = load_scenario(DEMO)  # one simulated day
    now = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # 04:00 on the 3rd in Shanghai
    placed = place(scn, 10**7, 60, now)  # `bk demo --duration 0`: the whole day
    assert placed.start == datetime(2026, 12, 2, 0, 0, tzinfo=SHANGHAI)
    assert placed.start + scn.duration <= now


def test_other_time_of_day_date_and_now() -> None:
    scn = load_scenario(DEMO)
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    assert place(scn, 180, 60, now, "08:30").start == datetime(2026, 12, 2, 8, 30, tzinfo=SHANGHAI)
    assert place(scn, 180, 60, now, "2026-11-20").start == datetime(2026, 11, 20, tzinfo=SHANGHAI)
    assert place(scn, 180, 60, now, "2026-11-20T06:00:00Z").start == datetime(
        2026, 11, 20, 6, tzinfo=UTC
    )
    assert place(scn, 180, 60, now, "now").start == rebase(scn, 180, 60, now).start


def test_start_that_would_run_ahead_of_the_wall_clock_is_refused() -> None:
    scn = load_scenario(DEMO)
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    # 3 simulated hours in 3 wall minutes from one hour ago: ends 2 h ahead.
    with pytest.raises(ConfigError, match="ahead of the wall clock"):
        place(scn, 180, 60, now, (now - timedelta(hours=1)).isoformat())
    # At speed 1 a start now stays with the wall clock: allowed, as is MAX_FUTURE ahead.
    place(scn, 600, 1, now, (now + MAX_FUTURE).isoformat())
    with pytest.raises(ConfigError):
        place(scn, 180, 60, now, "25:99")
