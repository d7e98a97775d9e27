"""Recording gaps against working hours: hand-computed examples of `camera_online_seconds`."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from api.recordings import (
    OnlineTime,
    camera_online_seconds,
    intersect_spans,
    merge_spans,
    working_intervals,
)
from api.schemas import WorkingHours

SHANGHAI = timezone(timedelta(hours=8))
WEEKDAYS = [{"days": [1, 2, 3, 4, 5], "start": "06:00", "end": "14:00"}]
H = 3600


def ms(y: int, mo: int, d: int, h: int = 0, mi: int = 0, tz: timezone = SHANGHAI) -> int:
    """Milliseconds since the epoch of a local (UTC+8 unless told) wall time."""
    return round(datetime(y, mo, d, h, mi, tzinfo=tz).timestamp() * 1000)


def day(y: int, m: int, d: int) -> tuple[datetime, datetime]:
    start = datetime(y, m, d, tzinfo=SHANGHAI)
    return start, start + timedelta(days=1)


def test_a_weekday_with_two_gaps_in_working_hours() -> None:
    # Monday 2026-11-30, works 06:00-14:00 (8 h). Recorded 05:00-10:00 and 11:00-20:00:
    # online in hours = 06-10 (4 h) + 11-14 (3 h) = 7 h; 05-06 and 14-20 earn nothing.
    spans = [
        (ms(2026, 11, 30, 11), ms(2026, 11, 30, 20)),
        (ms(2026, 11, 30, 5), ms(2026, 11, 30, 10)),
    ]
    got = camera_online_seconds(spans, WEEKDAYS, "Asia/Shanghai", *day(2026, 11, 30))
    assert got == OnlineTime(online_s=7 * H, working_s=8 * H)
    assert got.online_s / got.working_s == pytest.approx(0.875)


def test_a_dark_camera_is_offline_all_working_hours() -> None:
    got = camera_online_seconds([], WEEKDAYS, "Asia/Shanghai", *day(2026, 11, 30))
    assert got == (0.0, 8 * H)


def test_a_weekend_has_no_working_time() -> None:
    # Saturday 2026-12-05 is not in days 1-5: recording all day earns nothing, owes nothing.
    spans = [(ms(2026, 12, 5, 0), ms(2026, 12, 6, 0))]
    assert camera_online_seconds(spans, WEEKDAYS, "Asia/Shanghai", *day(2026, 12, 5)) == (0, 0)


def test_a_week_sums_the_working_days() -> None:
    # Mon 2026-11-30 .. Sun 2026-12-06: 5 × 8 h. Recorded only Wednesday 08:00-09:30.
    start = datetime(2026, 11, 30, tzinfo=SHANGHAI)
    spans = [(ms(2026, 12, 2, 8), ms(2026, 12, 2, 9, 30))]
    got = camera_online_seconds(spans, WEEKDAYS, "Asia/Shanghai", start, start + timedelta(days=7))
    assert got == (1.5 * H, 40 * H)


def test_an_overnight_shift_reaches_into_the_next_day() -> None:
    # Every day 22:00-02:00. Tuesday 2026-12-01 local: Monday's shift gives 00-02 (2 h),
    # Tuesday's gives 22-24 (2 h) = 4 h. Recorded 01:00-23:00: 1 h + 1 h online.
    hours = [{"start": "22:00", "end": "02:00"}]
    spans = [(ms(2026, 12, 1, 1), ms(2026, 12, 1, 23))]
    got = camera_online_seconds(spans, hours, "Asia/Shanghai", *day(2026, 12, 1))
    assert got == (2 * H, 4 * H)


def test_overlapping_entries_count_once_and_24_00_ends_the_day() -> None:
    # 06-14 and 10-24:00 on Monday: 06:00-24:00 = 18 h; recorded 23:00-01:00 (next day).
    hours = [
        WorkingHours(days=[1], start="06:00", end="14:00"),
        WorkingHours(days=[1], start="10:00", end="24:00"),
    ]
    spans = [(ms(2026, 11, 30, 23), ms(2026, 12, 1, 1))]
    got = camera_online_seconds(spans, hours, "Asia/Shanghai", *day(2026, 11, 30))
    assert got == (1 * H, 18 * H)


def test_overlapping_spans_are_not_counted_twice() -> None:
    # A live and a late segment over the same minutes (an edge replaying its buffer).
    spans = [
        (ms(2026, 11, 30, 7), ms(2026, 11, 30, 9)),
        (ms(2026, 11, 30, 8), ms(2026, 11, 30, 10)),
    ]
    got = camera_online_seconds(spans, WEEKDAYS, "Asia/Shanghai", *day(2026, 11, 30))
    assert got == (3 * H, 8 * H)


def test_a_period_cutting_through_working_hours() -> None:
    # Period Monday 12:00-13:00 local: 1 h of work; recorded 12:15-12:45.
    start = datetime(2026, 11, 30, 12, tzinfo=SHANGHAI)
    spans = [(ms(2026, 11, 30, 12, 15), ms(2026, 11, 30, 12, 45))]
    got = camera_online_seconds(spans, WEEKDAYS, "Asia/Shanghai", start, start + timedelta(hours=1))
    assert got == (0.5 * H, 1 * H)


def test_no_declared_hours_means_every_hour_counts() -> None:
    spans = [(ms(2026, 11, 30, 0), ms(2026, 11, 30, 6))]
    got = camera_online_seconds(spans, [], "Asia/Shanghai", *day(2026, 11, 30))
    assert got == (6 * H, 24 * H)


def test_summer_time_night_is_two_real_hours() -> None:
    # Berlin, Sunday 2026-03-29: clocks go 02:00 → 03:00. Works 01:00-04:00 wall clock
    # = 00:00-02:00 UTC, two real hours; the whole local day is 23 h.
    berlin = [{"days": [7], "start": "01:00", "end": "04:00"}]
    start = datetime(2026, 3, 28, 23, tzinfo=UTC)  # local midnight (CET, UTC+1)
    end = datetime(2026, 3, 29, 22, tzinfo=UTC)  # next local midnight (CEST, UTC+2)
    assert working_intervals(berlin, "Europe/Berlin", start, end) == [
        (ms(2026, 3, 29, 0, tz=UTC), ms(2026, 3, 29, 2, tz=UTC))
    ]
    every = [{"start": "00:00", "end": "24:00"}]
    assert camera_online_seconds([], every, "Europe/Berlin", start, end).working_s == 23 * H


def test_naive_times_are_refused() -> None:
    naive = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
    with pytest.raises(ValueError, match="naive"):
        camera_online_seconds([], WEEKDAYS, "Asia/Shanghai", naive, naive + timedelta(days=1))


def test_span_helpers() -> None:
    assert merge_spans([(5, 7), (1, 3), (3, 4), (6, 9), (10, 10)]) == [(1, 4), (5, 9)]
    assert intersect_spans([(0, 10), (20, 30)], [(5, 25)]) == [(5, 10), (20, 25)]
