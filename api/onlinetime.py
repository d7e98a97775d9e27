"""Online time during working hours (在线率), from the device statuses kept in InfluxDB.

Ingest writes every status message into `device_status` (field `online` 1/0) at the
source's timestamp. A device's time line is read from it as follows (pure functions,
unit-tested on hand examples in tests/unit/api/test_api_onlinetime.py):

- a status holds from its timestamp until the next status of the same device;
- a device that sends heartbeats (two online statuses in a row: an edge agent repeats
  its status every 30 s) is online only while they keep coming: an online status lasts
  at most `stale_s` (3 × its median heartbeat gap, at least `MIN_STALE_S`). This is what
  makes a Last Will count from its arrival: the will's own timestamp is the moment the
  agent connected (the broker sends it unchanged, maybe hours later), so it sorts
  before the heartbeats it ends and cannot mark the end; the end is when the
  heartbeats stopped. A device that reports only changes (the simulators) holds its
  state until the next one;
- a camera or sensor without statuses of its own is heard through its kitchen's edge
  agent(s) (the statuses of devices that are neither camera nor sensor): while every
  agent is down nothing of the kitchen can be heard;
- a device with no status at all in or before the period was never online;
- when the recorder is configured, a camera's online time is the lesser of its status
  time and its recorded time (a camera whose agent is up but whose video stopped is dark).

Working hours come from the registry (ISO weekdays, local HH:MM, the kitchen's IANA
zone; an end of 24:00 or before the start runs past midnight). A kitchen without
working hours is measured over the whole period.
"""

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from statistics import median
from typing import Any, Literal
from zoneinfo import ZoneInfo

from api import recordings
from api.figures import DeviceTime
from core.ids import validate_id
from core.store import TimeSeriesStore

logger = logging.getLogger(__name__)

Span = tuple[datetime, datetime]

MIN_STALE_S = 90.0
"""A heartbeating device is offline this long after its last heartbeat at the earliest
(three 30-s heartbeats)."""

LOOKBACK = timedelta(hours=1)
"""Statuses read before the period, enough to judge a heartbeat's gap at its start."""


@dataclass(frozen=True)
class StatusPoint:
    """One status of one device: its source timestamp and whether it said online."""

    ts: datetime
    online: bool


def working_intervals(
    hours: Sequence[Mapping[str, Any]], tz: str, start: datetime, end: datetime
) -> list[Span]:
    """The kitchen's working hours within [start, end) as merged UTC spans.

    One definition of the working-hours arithmetic: `api.recordings.working_intervals`
    (ISO weekdays, local HH:MM in the kitchen's zone, past midnight, no entry = the
    whole period), here as datetimes.
    """
    return [
        (datetime.fromtimestamp(lo / 1000, UTC), datetime.fromtimestamp(hi / 1000, UTC))
        for lo, hi in recordings.working_intervals(hours, tz, start, end)
    ]


def working_days(
    hours: Sequence[Mapping[str, Any]], tz: str, start: datetime, end: datetime
) -> int:
    """Local calendar days of the period on which the kitchen works (the 食安指数's divisor)."""
    zone = ZoneInfo(tz)
    days: set[date] = set()
    for lo, _hi in working_intervals(hours, tz, start, end):
        days.add(lo.astimezone(zone).date())
    return len(days)


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping union of spans."""
    out: list[Span] = []
    for lo, hi in sorted(s for s in spans if s[0] < s[1]):
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def overlap_s(a: Sequence[Span], b: Sequence[Span]) -> float:
    """Seconds covered by both span lists (each merged)."""
    total = 0.0
    i = j = 0
    a, b = merge(a), merge(b)
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            total += (hi - lo).total_seconds()
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def stale_after_s(points: Sequence[StatusPoint]) -> float | None:
    """How long an online status lasts for this device: None for a device that reports
    only changes; 3 × its median heartbeat gap (≥ MIN_STALE_S) for one that heartbeats."""
    pts = sorted(points, key=lambda p: p.ts)
    gaps = [
        (b.ts - a.ts).total_seconds()
        for a, b in pairwise(pts)
        if a.online and b.online and b.ts > a.ts
    ]
    if not gaps:
        return None
    return max(MIN_STALE_S, 3.0 * median(gaps))


def online_spans(
    points: Sequence[StatusPoint], start: datetime, end: datetime, stale_s: float | None = None
) -> list[Span]:
    """The spans within [start, end) in which the device was online (see the module doc).

    `points` may reach before `start` (the state at the start is the last status before
    it, subject to `stale_s` like any other).
    """
    pts = sorted(points, key=lambda p: p.ts)
    spans: list[Span] = []
    for k, p in enumerate(pts):
        if not p.online:
            continue
        hi = pts[k + 1].ts if k + 1 < len(pts) else end
        if stale_s is not None:
            hi = min(hi, p.ts + timedelta(seconds=stale_s))
        lo, hi = max(p.ts, start), min(hi, end)
        if lo < hi:
            spans.append((lo, hi))
    return merge(spans)


def intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    """Spans covered by both lists."""
    out: list[Span] = []
    a, b = merge(a), merge(b)
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


@dataclass(frozen=True)
class KitchenDevice:
    """A registered device whose online time counts (camera or sensor)."""

    id: str
    kind: Literal["camera", "sensor"]


RecordedSeconds = Callable[[str, str, list[Span]], float | None]
"""(site, camera, working spans) → seconds recorded within them, or None when unknown."""


def device_times(
    site: str,
    devices: Sequence[KitchenDevice],
    statuses: Mapping[str, Sequence[StatusPoint]],
    working: Sequence[Span],
    start: datetime,
    end: datetime,
    recorded: RecordedSeconds | None = None,
) -> list[DeviceTime]:
    """Each camera's and sensor's working seconds and online seconds of one kitchen.

    `statuses` maps device ids of the kitchen (registered or not) to their statuses;
    those of ids that are not cameras or sensors are the kitchen's agents.
    """
    counted = {d.id for d in devices}
    spans = {
        dev: online_spans(pts, start, end, stale_after_s(pts)) for dev, pts in statuses.items()
    }
    gateway = merge(s for dev, sp in spans.items() if dev not in counted for s in sp)
    work_s = sum((hi - lo).total_seconds() for lo, hi in working)
    out = []
    for d in devices:
        own = spans.get(d.id)
        online = overlap_s(own if own is not None else gateway, working)
        if d.kind == "camera" and recorded is not None:
            rec = recorded(site, d.id, list(working))
            if rec is not None:
                online = min(online, rec)
        out.append(DeviceTime(site, d.id, d.kind, working_s=work_s, online_s=online))
    return out


def _at(ns: Any) -> datetime:
    return datetime.fromtimestamp(int(ns) / 1e9, UTC)


def _z(when: datetime) -> str:
    return f"'{when.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}'"


def read_statuses(
    store: TimeSeriesStore, sites: Iterable[str], start: datetime, end: datetime, bucket_s: int
) -> dict[str, dict[str, list[StatusPoint]]]:
    """site → device → statuses from `LOOKBACK` before `start` to `end`, plus the last
    one before that. Statuses are read as the last of each `bucket_s` (a month of 30-s
    heartbeats is 86,400 points a device; at 60 s it is 43,200 rows, and the state of a
    bucket is its last status). Raises BkError when InfluxDB cannot answer."""
    chosen = sorted({validate_id(s, "site") for s in sites})
    if not chosen:
        return {}
    # Ids are validated ([a-z0-9_-]), so they are safe inside a regex literal.
    where = f"site =~ /^({'|'.join(chosen)})$/"
    since = start - LOOKBACK
    bucket = max(1, int(bucket_s))
    rows = store.query(
        f"SELECT last(online) AS online FROM device_status WHERE {where} "  # noqa: S608
        f"AND time >= {_z(since)} AND time < {_z(end)} "
        f"GROUP BY time({bucket}s), site, device fill(none); "
        f"SELECT last(online) AS online FROM device_status WHERE {where} "
        f"AND time < {_z(since)} GROUP BY site, device"
    )
    out: dict[str, dict[str, list[StatusPoint]]] = {}
    for r in rows:
        if r.get("online") is None or r.get("site") is None or r.get("device") is None:
            continue
        out.setdefault(str(r["site"]), {}).setdefault(str(r["device"]), []).append(
            StatusPoint(_at(r["time"]), bool(r["online"]))
        )
    for devs in out.values():
        for pts in devs.values():
            pts.sort(key=lambda p: p.ts)
    return out


def latest_state(points: Sequence[StatusPoint], at: datetime) -> bool:
    """Whether the device was online at `at` by the same reading as `online_spans`."""
    pts = [p for p in points if p.ts <= at]
    if not pts:
        return False
    spans = online_spans(
        pts, at - timedelta(seconds=1), at + timedelta(seconds=1), stale_after_s(pts)
    )
    return any(lo <= at < hi for lo, hi in spans)
