"""Per-camera recording: which segment a frame goes to, when segments open and close.

Each camera has at most two open segments:

- `live`: the stream as it arrives. A frame newer than the live segment's last one is
  appended; the segment is closed and a new one opened when it has `segment_s` of
  source time, when the camera was silent more than `max_gap_s` (in source time between
  frames, or in wall time with no frame: the silence becomes a gap in the index, and
  the file is finished rather than left open), or when the picture size changes.
- `late`: frames older than what the live stream already holds, e.g. an edge agent
  replaying its buffer after an outage while live frames go on. They are written in
  their own segment indexed by *their* source range, so playback (which merges segments
  by time) shows them where they were taken. A late frame that does not follow the late
  segment's last one starts another late segment.

A frame with the same timestamp as the live segment's last frame is a duplicate and is
dropped. After a restart the newest recorded live time comes from the index, so frames
older than it go to a late segment rather than being mistaken for live ones.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from recorder.index import RecordingIndex
from recorder.segments import SegmentWriter

log = logging.getLogger(__name__)


@dataclass
class RecorderCounters:
    """Plain counters (bumped by the thread that owns the cameras)."""

    frames: int = 0
    bytes: int = 0
    late_frames: int = 0
    duplicates: int = 0
    segments_opened: int = 0
    segments_closed: int = 0
    write_errors: int = 0
    rejected: dict[str, int] = field(default_factory=dict)


@dataclass
class _Open:
    writer: SegmentWriter
    seg_id: int
    kind: str
    last_wall_ms: int


@dataclass(frozen=True, slots=True)
class Limits:
    """The segment policy in milliseconds."""

    segment_ms: int
    max_gap_ms: int
    late_idle_ms: int
    cluster_ms: int


def segment_path(site: str, camera: str, start_ms: int, kind: str) -> str:
    """Relative path of a segment: `<site>/<camera>/<YYYYMMDD>/<HHMMSS.mmm>-<kind>.mkv` (UTC)."""
    t = datetime.fromtimestamp(start_ms / 1000, UTC)
    return f"{site}/{camera}/{t:%Y%m%d}/{t:%H%M%S}.{start_ms % 1000:03d}-{kind}.mkv"


class CameraRecorder:
    """The open segments of one camera."""

    def __init__(
        self,
        site: str,
        camera: str,
        index: RecordingIndex,
        video_dir: Path,
        limits: Limits,
        counters: RecorderCounters,
        clock_ms: Callable[[], int],
    ) -> None:
        self.site = site
        self.camera = camera
        self.index = index
        self.video_dir = video_dir
        self.limits = limits
        self.counters = counters
        self.clock_ms = clock_ms
        self.live: _Open | None = None
        self.late: _Open | None = None
        self.high_ms: int | None = index.last_live_end(site, camera)
        """Newest live frame recorded (from the index after a restart)."""
        self.last_frame_wall_ms = clock_ms()

    # -- frames -------------------------------------------------------------------------

    def frame(self, ts_ms: int, jpeg: bytes, width: int, height: int) -> str:
        """Record one frame; which way it went: `live`, `late` or `duplicate`."""
        now = self.clock_ms()
        self.last_frame_wall_ms = now
        lim = self.limits
        live = self.live
        if live is not None:
            last = live.writer.last_ms
            assert last is not None
            if ts_ms == last:
                self.counters.duplicates += 1
                return "duplicate"
            if ts_ms > last:
                if (
                    ts_ms - live.writer.start_ms >= lim.segment_ms
                    or ts_ms - last > lim.max_gap_ms
                    or (width, height) != (live.writer.width, live.writer.height)
                ):
                    self._close("live")
                    live = self.live = self._open("live", ts_ms, width, height, now)
                self._write(live, ts_ms, jpeg, now)
                self.high_ms = ts_ms
                return "live"
        elif self.high_ms is None or ts_ms > self.high_ms:
            live = self.live = self._open("live", ts_ms, width, height, now)
            self._write(live, ts_ms, jpeg, now)
            self.high_ms = ts_ms
            return "live"
        elif ts_ms == self.high_ms:
            self.counters.duplicates += 1
            return "duplicate"
        # Older than the live stream: a late frame.
        late = self.late
        if late is not None:
            last = late.writer.last_ms
            assert last is not None
            if ts_ms == last:
                self.counters.duplicates += 1
                return "duplicate"
            if (
                ts_ms < last
                or ts_ms - last > lim.max_gap_ms
                or ts_ms - late.writer.start_ms >= lim.segment_ms
                or (width, height) != (late.writer.width, late.writer.height)
            ):
                self._close("late")
                late = None
        if late is None:
            late = self.late = self._open("late", ts_ms, width, height, now)
        self._write(late, ts_ms, jpeg, now)
        self.counters.late_frames += 1
        return "late"

    # -- life cycle ---------------------------------------------------------------------

    def tick(self) -> None:
        """Close segments idle too long in wall time (a silent camera leaves a gap)."""
        now = self.clock_ms()
        if self.live is not None and now - self.live.last_wall_ms > self.limits.max_gap_ms:
            self._close("live")
        if self.late is not None and now - self.late.last_wall_ms > self.limits.late_idle_ms:
            self._close("late")

    def progress(self) -> list[tuple[int, int, int, int, str]]:
        """Index rows of the open segments as they are now (so readers see them grow)."""
        return [
            (
                o.seg_id,
                o.writer.last_ms or o.writer.start_ms,
                o.writer.frames,
                o.writer.bytes,
                "open",
            )
            for o in (self.live, self.late)
            if o is not None
        ]

    def close(self) -> None:
        """Finish every open segment (clean shutdown)."""
        self._close("live")
        self._close("late")

    @property
    def open_segments(self) -> int:
        return (self.live is not None) + (self.late is not None)

    def _open(self, kind: str, start_ms: int, width: int, height: int, now: int) -> _Open:
        rel = segment_path(self.site, self.camera, start_ms, kind)
        path = self.video_dir / rel
        n = 1
        while path.exists():  # a second late segment starting at the same time
            rel = rel.removesuffix(".mkv").rsplit("~", 1)[0] + f"~{n}.mkv"
            path = self.video_dir / rel
            n += 1
        writer = SegmentWriter(
            path,
            start_ms,
            width,
            height,
            title=f"{self.site}/{self.camera}",
            cluster_ms=self.limits.cluster_ms,
        )
        seg_id = self.index.open_segment(self.site, self.camera, kind, rel, start_ms, now)
        self.counters.segments_opened += 1
        log.debug("opened %s segment %s", kind, rel)
        return _Open(writer, seg_id, kind, now)

    def _write(self, seg: _Open, ts_ms: int, jpeg: bytes, now: int) -> None:
        seg.writer.write(ts_ms, jpeg)
        seg.last_wall_ms = now
        self.counters.frames += 1
        self.counters.bytes += len(jpeg)

    def _close(self, kind: str) -> None:
        seg = self.live if kind == "live" else self.late
        if seg is None:
            return
        if kind == "live":
            self.live = None
        else:
            self.late = None
        w = seg.writer
        try:
            size = w.close()
        except Exception:  # the index must still learn what was written
            log.exception("closing segment %s failed", w.path)
            self.counters.write_errors += 1
            size = w.path.stat().st_size if w.path.exists() else 0
        self.index.update_segments(
            [(seg.seg_id, w.last_ms or w.start_ms, w.frames, size, "closed")]
        )
        self.counters.segments_closed += 1
