"""Recordings as the centre sees them: working-hours arithmetic and the recorder's read side.

Two halves:

- pure functions over plain values (no database, no clock), unit-tested on hand-computed
  examples (tests/unit/api/test_recording_gaps.py): a kitchen's working hours as UTC
  intervals (`working_intervals`) and a camera's online time during them
  (`camera_online_seconds`), which the figures use so that a camera's recording gaps
  count against the kitchen's online rate (在线率);
- `RecordingReader`: the recorder's index and files opened read-only for the API's
  playback routes (api/routers/recordings.py). DESIGN.md lets the API read other parts'
  stores (it reads the rules' alert store the same way); `recorder.playback.Playback` is
  the recorder's own read-side library, so the API uses it rather than a second copy.

Times: recorded spans are integer milliseconds since the Unix epoch, UTC, source time, as
the recorder's index holds them; periods are aware datetimes; working hours are local
wall-clock times in the kitchen's IANA time zone (the registry's `working_hours` and
`timezone`).
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import BaseModel

Span = tuple[int, int]
"""A half-open interval `[start, end)` in milliseconds since the epoch (UTC)."""

WorkingHoursLike = Mapping[str, Any] | BaseModel
"""One working-hours entry: `{"days": [1..7 ISO weekdays], "start": "HH:MM", "end": "HH:MM"}`
(a registry row's dict or `api.schemas.WorkingHours`)."""


class OnlineTime(NamedTuple):
    """A camera's time online during working hours, and the working time, in seconds."""

    online_s: float
    working_s: float


def _ms(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("naive datetime: give timezone-aware times")
    return round(value.timestamp() * 1000)


def _entry(entry: WorkingHoursLike) -> tuple[frozenset[int], time, timedelta]:
    """(ISO weekdays, local start, length) of one entry; an end at or before the start
    runs past midnight into the next day; "24:00" is the end of the day."""
    raw = entry.model_dump() if isinstance(entry, BaseModel) else entry
    days = frozenset(int(d) for d in raw.get("days") or range(1, 8))
    sh, sm = (int(p) for p in str(raw["start"]).split(":"))
    eh, em = (int(p) for p in str(raw["end"]).split(":"))
    start_min, end_min = sh * 60 + sm, eh * 60 + em
    length = end_min - start_min if end_min > start_min else end_min + 24 * 60 - start_min
    return days, time(sh, sm), timedelta(minutes=length)


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping union of half-open spans (touching spans join)."""
    out: list[list[int]] = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def intersect_spans(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    """Intersection of two merged (sorted, disjoint) span lists."""
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def span_ms(spans: Iterable[Span]) -> int:
    return sum(b - a for a, b in spans)


def working_intervals(
    working_hours: Sequence[WorkingHoursLike], timezone: str, start: datetime, end: datetime
) -> list[Span]:
    """The kitchen's working hours within `[start, end)` as merged UTC spans in ms.

    Each entry applies on its ISO weekdays (of the local day it starts on), from its local
    start for its length (an end at or before the start runs into the next day, "24:00"
    is midnight). Local times become UTC through the IANA zone (`zoneinfo`, so summer
    time is honoured). No entries at all means the kitchen declared no hours: every hour
    of the period counts as working time (nothing is excused).
    """
    t0, t1 = _ms(start), _ms(end)
    if t1 <= t0:
        return []
    if not working_hours:
        return [(t0, t1)]
    zone = ZoneInfo(timezone)
    entries = [_entry(e) for e in working_hours]
    # One day earlier than the period's first local day: an overnight shift reaches in.
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    spans: list[Span] = []
    while day <= last:
        for days, begin, length in entries:
            if day.isoweekday() not in days:
                continue
            local = datetime.combine(day, begin, tzinfo=zone)
            # Aware + timedelta is wall-clock arithmetic: 01:00-04:00 on the night clocks
            # go forward is two real hours, as the kitchen's staff live it.
            a, b = _ms(local), _ms(local + length)
            lo, hi = max(a, t0), min(b, t1)
            if hi > lo:
                spans.append((lo, hi))
        day += timedelta(days=1)
    return merge_spans(spans)


def camera_online_seconds(
    spans: Iterable[Span],
    working_hours: Sequence[WorkingHoursLike],
    timezone: str,
    start: datetime,
    end: datetime,
) -> OnlineTime:
    """A camera's online seconds during working hours and the working seconds of a period.

    Arguments:
    - `spans`: the camera's recorded spans, half-open `[start_ms, end_ms)` in milliseconds
      since the epoch, UTC source time, in any order, overlaps allowed (e.g.
      `recorder.index.Coverage.covered`, or `Playback.coverage(...).covered`);
    - `working_hours`: the kitchen's registry entries (`{"days": [ISO weekdays],
      "start": "HH:MM", "end": "HH:MM"}` dicts or `api.schemas.WorkingHours`), local
      time; empty means every hour counts (see `working_intervals`);
    - `timezone`: the kitchen's IANA zone (registry `timezone`, e.g. "Asia/Shanghai");
    - `start`, `end`: the period, aware datetimes, half-open `[start, end)`.

    Returns `OnlineTime(online_s, working_s)`: `working_s` is the length of working
    hours inside the period, `online_s` the part of it covered by recorded spans
    (0 ≤ online_s ≤ working_s). A gap in recording during working hours is offline time;
    recording outside working hours earns nothing. Feed it to
    `api.figures.DeviceTime(site, camera, "camera", working_s=..., online_s=...)`.
    """
    work = working_intervals(working_hours, timezone, start, end)
    online = intersect_spans(work, merge_spans(spans))
    return OnlineTime(span_ms(online) / 1000.0, span_ms(work) / 1000.0)
