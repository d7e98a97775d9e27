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

import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from api.settings import RecordingsSection
from core.evidence_chain import file_sha256, read_chain, record_digest

if TYPE_CHECKING:
    from recorder.playback import Playback

logger = logging.getLogger(__name__)

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


# -- the recorder's read side -----------------------------------------------------------


class RecordingReader:
    """The recorder's index and files, opened on first use once the recorder has an index.

    A SQLite index file that does not exist means no recorder runs against this API: the
    reader stays closed (`playback()` is None, so coverage is empty and playback 404)
    and looks again on the next request, so a recorder started later is picked up. Nothing
    is ever created: the API only reads.
    """

    def __init__(self, cfg: RecordingsSection) -> None:
        self.cfg = cfg
        self._lock = threading.Lock()
        self._playback: Playback | None = None

    def _exists(self) -> bool:
        url = self.cfg.database_url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            return Path(url.removeprefix("sqlite:///")).is_file()
        return True

    def playback(self) -> "Playback | None":
        """The recorder's `Playback`, or None while there is no recorder index to read."""
        if self._playback is not None:
            return self._playback
        with self._lock:
            if self._playback is None and self._exists():
                # Imported here: PyAV loads only for the playback routes, never for
                # callers of the pure functions above (the figures).
                from recorder.playback import Playback

                clips = self.cfg.clips_dir if self.cfg.clips_dir.is_dir() else None
                try:
                    self._playback = Playback(self.cfg.database_url, self.cfg.video_dir, clips)
                except (SQLAlchemyError, OSError) as exc:
                    logger.warning("recorder index %s unreadable: %s", self.cfg.database_url, exc)
            return self._playback

    def close(self) -> None:
        with self._lock:
            if self._playback is not None:
                self._playback.close()
                self._playback = None


_reader_lock = threading.Lock()


def get_reader(request: Request) -> RecordingReader:
    """The app's reader (made on the first request that needs it; closed at shutdown)."""
    reader: RecordingReader | None = getattr(request.app.state, "recordings", None)
    if reader is None:
        with _reader_lock:
            reader = getattr(request.app.state, "recordings", None)
            if reader is None:
                reader = RecordingReader(request.app.state.resources.settings.recordings)
                request.app.state.recordings = reader
    return reader


def close_reader(state: Any) -> None:
    """Close the reader an app made, if any (the app's lifespan calls this at shutdown)."""
    reader: RecordingReader | None = getattr(state, "recordings", None)
    if reader is not None:
        reader.close()
        state.recordings = None


@dataclass(frozen=True)
class ClipCheck:
    """The outcome of checking a clip file against its record in the clip chain."""

    ok: bool
    problem: str = ""


def check_clip(clips_dir: Path, sha256: str, site: str, camera: str, path: Path) -> ClipCheck:
    """Whether the clip file is the one its chain record froze, for this kitchen's camera.

    Checked: a chain record names this SHA-256 as a clip of this site and camera; the
    record is unaltered (its hash recomputes) and linked (its `prev` is the record before
    it, and the record after it names it); the file's content hashes to the name. One pass
    over the chain lines and one over the file: no full-chain re-hash per request.

    The record may name another alert: two alerts of one camera at the same moment freeze
    identical frames, the clip store keeps that content once and chains it once.
    """
    prev_hash = "0" * 64
    found: dict[str, Any] | None = None
    for n, line in read_chain(clips_dir):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            if found is not None:
                return ClipCheck(False, f"chain line {n} after the clip's record is unreadable")
            prev_hash = ""
            continue
        if found is not None:
            if rec.get("prev") != found.get("hash"):
                return ClipCheck(False, "the record after the clip's no longer links to it")
            break
        if rec.get("sha256") == sha256 and rec.get("kind") == "clip":
            if rec.get("hash") != record_digest(rec):
                return ClipCheck(False, "the clip's chain record was altered")
            if rec.get("prev") != prev_hash:
                return ClipCheck(False, "the chain before the clip's record was changed")
            if rec.get("site") != site or rec.get("camera") != camera:
                return ClipCheck(False, "the chain record names another camera")
            found = rec
        prev_hash = str(rec.get("hash"))
    if found is None:
        return ClipCheck(False, "no chain record for this clip")
    if file_sha256(path) != sha256:
        return ClipCheck(False, "the clip file's content does not match its hash")
    return ClipCheck(True)
