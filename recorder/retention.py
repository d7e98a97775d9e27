"""Retention by age per kitchen category, and the disk watch that alerts instead of deleting.

Retention deletes a segment once its *last* frame is older than its kitchen's retention
(category → days, default 8): a segment straddling the limit stays whole, so nothing
younger than the retention ever goes. Retention never looks at free space: when the disk
cannot hold the retention at the current recording rate, the disk watch says so (a status
figure, an error log line, an optional hook command) and recent video stays. This is the
opposite of NVRs that drop the oldest footage whenever space runs low and silently keep
three days instead of seven.

Why not an alert on `bk/v1/{site}/alerts`: the rules worker is the one owner of alert
state (ids, lifecycle, acknowledgement); a second publisher there would make alerts
nobody can acknowledge. The recorder reports the shortage as figures on its retained
service status and Prometheus (`disk_short` 1/0, `disk_needed_bytes`,
`disk_available_bytes`, `disk_days_available`), which dashboards and Prometheus
alerting read, and runs `disk_alert_command` (if set) on every change of state, the
dead-simple hook for a pager or a webhook script.

The rate is this worker's own (bytes it wrote over the window). Several workers sharing
one volume each see all of its free space: give each a `disk_quota_bytes` (its share)
so that each judges its own need against its own share.
"""

import logging
import os
import shutil
import subprocess
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from recorder.index import RecordingIndex, Segment

log = logging.getLogger(__name__)
DAY_MS = 86_400_000


def apply_retention(
    index: RecordingIndex,
    video_dir: Path,
    now_ms: int,
    days_for_site: Callable[[str], float],
    min_days: float,
) -> list[Segment]:
    """Delete the segments (files and rows) whose last frame is older than their retention."""
    oldest_limit = now_ms - round(min_days * DAY_MS)
    doomed: list[Segment] = []
    for seg in index.ended_before(oldest_limit):
        if seg.end_ms < now_ms - round(days_for_site(seg.site) * DAY_MS):
            doomed.append(seg)
    for seg in doomed:
        try:
            (video_dir / seg.path).unlink(missing_ok=True)
        except OSError as exc:
            log.error("retention could not delete %s: %s", seg.path, exc)
    index.delete_segments([s.id for s in doomed])
    for seg in doomed:  # drop empty day/camera folders
        parent = (video_dir / seg.path).parent
        for folder in (parent, parent.parent):
            try:
                folder.rmdir()
            except OSError:
                break
    if doomed:
        log.info(
            "retention deleted %d segment(s), %d bytes", len(doomed), sum(s.bytes for s in doomed)
        )
    return doomed


@dataclass(frozen=True, slots=True)
class DiskState:
    """The disk watch's verdict."""

    short: bool
    rate_bytes_per_day: float
    needed_bytes: int
    available_bytes: int
    used_bytes: int
    days_available: float


class DiskWatch:
    """Compares what the retention needs at the recent recording rate with the space there is.

    Need = rate (bytes/day over the last `window_s`) × retention days. Space = the quota
    (if set) or used + free on the video file system. Short when need > space.
    """

    def __init__(
        self,
        video_dir: Path,
        retention_days: float,
        quota_bytes: int | None = None,
        window_s: float = 3600.0,
        min_sample_s: float = 1.0,
        command: list[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.video_dir = video_dir
        self.retention_days = retention_days
        self.quota_bytes = quota_bytes
        self.window_s = window_s
        self.min_sample_s = min_sample_s
        self.command = command
        self.clock = clock
        self._samples: deque[tuple[float, int]] = deque()
        self.state: DiskState | None = None

    def check(self, bytes_written: int, used_bytes: int) -> DiskState | None:
        """Sample the cumulative bytes written; the verdict once there is a rate to judge."""
        now = self.clock()
        self._samples.append((now, bytes_written))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self.window_s:
            self._samples.popleft()
        t0, b0 = self._samples[0]
        if now - t0 < self.min_sample_s:
            return self.state
        rate = (bytes_written - b0) / (now - t0) * 86_400
        if self.quota_bytes is not None:
            available = self.quota_bytes
        else:
            self.video_dir.mkdir(parents=True, exist_ok=True)
            available = used_bytes + shutil.disk_usage(self.video_dir).free
        needed = round(rate * self.retention_days)
        days = available / rate if rate > 0 else float("inf")
        state = DiskState(needed > available, rate, needed, available, used_bytes, days)
        previous = self.state
        self.state = state
        if previous is None or previous.short != state.short:
            self._changed(state)
        return state

    def _changed(self, state: DiskState) -> None:
        if state.short:
            log.error(
                "disk cannot hold %.1f days of video at the current rate: needs %d bytes, "
                "has %d (%.1f days); recent video is kept, add space or lower the load",
                self.retention_days,
                state.needed_bytes,
                state.available_bytes,
                state.days_available,
            )
        else:
            log.info(
                "disk holds the retention: needs %d bytes of %d",
                state.needed_bytes,
                state.available_bytes,
            )
        if self.command:
            env: Mapping[str, str] = {
                **os.environ,
                "BK_DISK_STATE": "short" if state.short else "ok",
                "BK_DISK_NEEDED_BYTES": str(state.needed_bytes),
                "BK_DISK_AVAILABLE_BYTES": str(state.available_bytes),
                "BK_DISK_DAYS": f"{min(state.days_available, 1e9):.2f}",
            }
            try:
                subprocess.run(self.command, env=dict(env), timeout=30, check=False)
            except (OSError, subprocess.SubprocessError) as exc:
                log.error("disk_alert_command failed: %s", exc)
