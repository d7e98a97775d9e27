"""`bk recorder run`: camera frames from the broker into indexed segment files; clips for alerts.

Every frame of a camera must reach one worker (a segment file has one writer), so
workers partition cameras as vision workers do: worker i of N (`recorder.worker_index`,
`recorder.workers`) owns the cameras whose key `site/camera` has crc32 % N == i
(`core.partition`). With the cameras named (`known_cameras` or the registry's cameras)
a worker subscribes to its own cameras' frame topics only; without names and N > 1 each
worker subscribes to `bk/v1/+/+/frame` and drops the frames of cameras it does not own
(counted as `not_owned`); a lone worker uses the shared group `$share/recorder/...` so a
replacement copy can take over.

Alerts: every worker subscribes to `bk/v1/+/alerts`. A `firing` alert whose subject
names a camera this worker owns (`<camera>/<class>` or `<camera>`, as the rules worker
writes them) becomes a pending clip in the index (so a restart still cuts it); the clip
is cut once the camera's recording has passed the window's end (or `clip_wait_s` after
it, with what there is) and frozen as evidence (`recorder.clips`).

Work is done where it is cheapest: frames are muxed on the MQTT network thread (a copy
and a write each); a housekeeping thread closes idle segments, refreshes the index rows
of open segments, cuts clips, runs retention and the disk watch. On SIGTERM the open
segments are finished and indexed before the process leaves. After a crash the open
segments left in the index are read back and indexed with what they hold.
"""

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import ClassVar

import paho.mqtt.client as paho

from core import partition
from core.errors import PayloadError
from core.mqtt import content_type, user_properties
from core.partition import camera_key, owns
from core.registry import SiteCategory, load_registry
from core.schemas import AlertEvent, AlertState, FrameMeta, check_jpeg_size, decode
from core.service import Service, payload_of
from core.topics import ALERTS, AlertsTopic, Channel, DeviceTopic, parse, subscription
from recorder.camera import CameraRecorder, Limits, RecorderCounters
from recorder.clips import ClipStore
from recorder.index import RecordingIndex
from recorder.playback import Playback
from recorder.retention import DiskWatch, apply_retention
from recorder.segments import probe_segment
from recorder.settings import MIN_RETENTION_DAYS, RecorderSection, RecorderSettings

log = logging.getLogger(__name__)
SERVICE = "recorder"
PROGRESS_EVERY_S = 5.0

_DESCRIPTIONS = {
    "frames": "Frames written to segments",
    "bytes": "JPEG bytes written to segments",
    "late_frames": "Frames older than the live stream, written to late segments",
    "duplicates": "Frames with a timestamp already recorded, dropped",
    "segments_opened": "Segment files opened",
    "segments_closed": "Segment files finished and indexed",
    "segments_recovered": "Segments left open by a crash, read back and indexed",
    "write_errors": "Frames or segments that could not be written",
    "rejected": "Messages rejected, by reason (dead-lettered)",
    "dead_letters": "Dead letters published",
    "not_owned": "Frames of cameras another worker owns, dropped unread",
    "clips": "Evidence clips frozen",
    "clips_empty": "Alert clips with no recorded frame in their window",
    "retention_deleted": "Segments deleted by retention",
    "cameras": "Cameras this worker records",
    "open_segments": "Segments open now",
    "disk_short": "1 when the disk cannot hold the retention at the current rate",
    "disk_needed_bytes": "Bytes the retention needs at the current rate",
    "disk_available_bytes": "Bytes the video may take (quota, or used + free)",
    "disk_days_available": "Days of video the space holds at the current rate",
}
_GAUGES = {
    "cameras",
    "open_segments",
    "disk_short",
    "disk_needed_bytes",
    "disk_available_bytes",
    "disk_days_available",
}


def known_cameras(cfg: RecorderSection) -> list[tuple[str, str]] | None:
    """(site, camera) of every camera this service knows by name (None: not named)."""
    return partition.known_cameras(cfg.known_cameras, cfg.registry_file)


def frame_subscriptions(cfg: RecorderSection) -> list[str]:
    """The frame subscriptions of this worker (see the module docstring for why)."""
    return partition.frame_subscriptions(
        known_cameras(cfg), cfg.worker_index, cfg.workers, cfg.group
    )


def site_categories(cfg: RecorderSection) -> dict[str, SiteCategory]:
    """Kitchen category per site: the registry's, overridden by `site_categories`."""
    out: dict[str, SiteCategory] = {}
    if cfg.registry_file is not None:
        registry = load_registry(cfg.registry_file)
        out.update({site: info.category for site, info in registry.sites.items()})
    out.update(cfg.site_categories)
    return out


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class RecorderService(Service):
    """One recorder worker process (the skeleton owns MQTT, status and metrics)."""

    name = SERVICE
    gauges = frozenset(_GAUGES)
    labels: ClassVar[Mapping[str, str]] = {"rejected": "reason"}
    descriptions = _DESCRIPTIONS

    def __init__(self, settings: RecorderSettings, clock_ms: Callable[[], int] = _wall_ms) -> None:
        self.settings = settings
        cfg = settings.recorder
        self.cfg = cfg
        self.clock_ms = clock_ms
        self.frame_filters = frame_subscriptions(cfg)  # ConfigError now for a bad registry
        self.known = set(known_cameras(cfg) or [])
        self.categories = site_categories(cfg)
        self.index = RecordingIndex(cfg.database_url)
        self.video_dir = cfg.video_dir
        self.video_dir.mkdir(parents=True, exist_ok=True)
        self.clips = ClipStore(cfg.clips_dir)
        self.playback = Playback(cfg.database_url, cfg.video_dir, cfg.clips_dir)
        self.counters = RecorderCounters()
        self.extra = {
            "not_owned": 0,
            "segments_recovered": 0,
            "clips": 0,
            "clips_empty": 0,
            "retention_deleted": 0,
        }
        self.limits = Limits(
            segment_ms=round(cfg.segment_s * 1000),
            max_gap_ms=round(cfg.max_gap_s * 1000),
            late_idle_ms=round(cfg.late_idle_s * 1000),
            cluster_ms=cfg.cluster_ms,
        )
        self.cameras: dict[tuple[str, str], CameraRecorder] = {}
        self.disk = DiskWatch(
            cfg.video_dir,
            self.max_retention_days(),
            cfg.disk_quota_bytes,
            cfg.disk_rate_window_s,
            min_sample_s=min(cfg.disk_check_interval_s, 60.0),
            command=cfg.disk_alert_command,
        )
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # RecorderCounters keeps rejections in a plain dict; the dead letters count there.
        rejected: Counter[str] = Counter(self.counters.rejected)
        self.counters.rejected = rejected
        super().__init__(settings, cfg, cfg.instance, rejected=rejected)

    # -- policy -------------------------------------------------------------------------

    def retention_days(self, site: str) -> float:
        """Days of video kept for a kitchen (its category's, else the default)."""
        category = self.categories.get(site)
        if category is not None and category in self.cfg.retention_by_category:
            return self.cfg.retention_by_category[category]
        return self.cfg.retention_days

    def max_retention_days(self) -> float:
        return max([self.cfg.retention_days, *self.cfg.retention_by_category.values()])

    def owns(self, site: str, camera: str) -> bool:
        return owns(camera_key(site, camera), self.cfg.worker_index, self.cfg.workers)

    # -- life cycle ---------------------------------------------------------------------

    def _prepare(self) -> None:
        self.recover()
        for filt in self.frame_filters:
            self.mqtt.subscribe(filt, qos=0)
        self.mqtt.subscribe(subscription(ALERTS), qos=1)

    def _started(self) -> None:
        self._thread = threading.Thread(target=self._housekeeping, name="recorder-house")
        self._thread.start()
        log.info(
            "recorder worker %d of %d (%s): %d frame subscription(s), video in %s",
            self.cfg.worker_index,
            self.cfg.workers,
            self.cfg.instance,
            len(self.frame_filters),
            self.video_dir,
        )

    def _drain(self) -> None:
        """Finish every open segment and index it (frames from now on are dropped)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        with self._lock:
            for cam in self.cameras.values():
                cam.close()

    def _close(self) -> None:
        self.playback.close()
        self.index.close()
        log.info(
            "recorder stopped: %d frames in %d segments",
            self.counters.frames,
            self.counters.segments_closed,
        )

    def recover(self) -> None:
        """Index what the segments left open by a crash hold (this worker's cameras)."""
        for seg in self.index.segments(state="open"):
            if not self.owns(seg.site, seg.camera):
                continue
            path = self.video_dir / seg.path
            info = probe_segment(path, seg.start_ms) if path.exists() else None
            if info is None or info.frames == 0 or info.last_ms is None:
                path.unlink(missing_ok=True)
                self.index.delete_segments([seg.id])
                continue
            self.index.update_segments(
                [(seg.id, info.last_ms, info.frames, path.stat().st_size, "recovered")]
            )
            self.extra["segments_recovered"] += 1
            log.info("recovered segment %s: %d frames", seg.path, info.frames)

    def figures(self) -> dict[str, int | float | dict[str, int]]:
        c = self.counters
        out: dict[str, int | float | dict[str, int]] = {
            "frames": c.frames,
            "bytes": c.bytes,
            "late_frames": c.late_frames,
            "duplicates": c.duplicates,
            "segments_opened": c.segments_opened,
            "segments_closed": c.segments_closed,
            "write_errors": c.write_errors,
            "rejected": dict(c.rejected),
            "dead_letters": self.dead_letters.sent,
            "cameras": len(self.cameras),
            "open_segments": sum(cam.open_segments for cam in list(self.cameras.values())),
            **self.extra,
        }
        state = self.disk.state
        if state is not None:
            out["disk_short"] = int(state.short)
            out["disk_needed_bytes"] = state.needed_bytes
            out["disk_available_bytes"] = state.available_bytes
            out["disk_days_available"] = round(min(state.days_available, 1e6), 2)
        return out

    # -- messages (network thread) ------------------------------------------------------

    def _on_message(self, msg: paho.MQTTMessage) -> None:
        topic, payload = payload_of(msg)
        try:
            parsed = parse(topic)
            if isinstance(parsed, AlertsTopic):
                self._alert(decode(AlertEvent, payload))
            elif isinstance(parsed, DeviceTopic) and parsed.channel is Channel.FRAME:
                self._frame(parsed, payload, msg)
            else:
                raise PayloadError("bad_topic", f"{topic[:120]} is not a frame or alerts topic")
        except PayloadError as exc:
            self.reject(topic, payload, exc.reason, exc.detail)
        except Exception as exc:  # a bad message must never stop the recorder
            log.exception("unexpected error on a message from %s", topic[:120])
            self.reject(topic, payload, "internal", repr(exc)[:500])

    def _frame(self, parsed: DeviceTopic, payload: bytes, msg: paho.MQTTMessage) -> None:
        site, camera = parsed.site, parsed.device
        if not self.owns(site, camera):
            self.extra["not_owned"] += 1
            return
        meta = FrameMeta.from_properties(user_properties(msg), content_type(msg), payload)
        ts_ms = round(meta.ts.timestamp() * 1000)
        # The picture's own size (its SOF header), not the metadata's claim: it goes
        # into the segment's header and decides when a new segment must start.
        width, height = check_jpeg_size(payload)
        with self._lock:
            if self._stop.is_set():
                return
            cam = self.cameras.get((site, camera))
            if cam is None:
                cam = CameraRecorder(
                    site,
                    camera,
                    self.index,
                    self.video_dir,
                    self.limits,
                    self.counters,
                    self.clock_ms,
                )
                self.cameras[(site, camera)] = cam
            try:
                cam.frame(ts_ms, payload, width, height)
            except OSError as exc:
                self.counters.write_errors += 1
                log.error("cannot write a frame of %s/%s: %s", site, camera, exc)

    def _alert(self, event: AlertEvent) -> None:
        if event.state is not AlertState.FIRING:
            return
        camera = event.subject.split("/", 1)[0]
        if not self.owns(event.site, camera) or not self._is_camera(event.site, camera):
            return
        alert_ms = round(event.ts.timestamp() * 1000)
        created = self.index.request_clip(
            event.id,
            event.site,
            camera,
            event.rule,
            alert_ms,
            alert_ms - round(self.cfg.clip_before_s * 1000),
            alert_ms + round(self.cfg.clip_after_s * 1000),
            self.clock_ms(),
        )
        if created:
            log.info("clip requested for alert %s (%s/%s)", event.id, event.site, camera)

    def _is_camera(self, site: str, camera: str) -> bool:
        """A device we record (or a named camera): a sensor's alert gets no clip."""
        if (site, camera) in self.cameras:
            return True
        return (site, camera) in self.known or self.index.has_camera(site, camera)

    # -- housekeeping thread ------------------------------------------------------------

    def _housekeeping(self) -> None:
        next_progress = next_retention = next_disk = time.monotonic()
        while not self._stop.wait(0.5):
            now = time.monotonic()
            try:
                with self._lock:
                    for cam in list(self.cameras.values()):
                        cam.tick()
                    progress = (
                        [row for cam in self.cameras.values() for row in cam.progress()]
                        if now >= next_progress
                        else []
                    )
                if now >= next_progress:
                    self.index.update_segments(progress)
                    next_progress = now + PROGRESS_EVERY_S
                self.cut_clips()
                if now >= next_retention:
                    self.retention()
                    next_retention = now + self.cfg.retention_interval_s
                if now >= next_disk:
                    self.disk.check(self.counters.bytes, self.index.total_bytes())
                    next_disk = now + self.cfg.disk_check_interval_s
            except Exception:
                log.exception("recorder housekeeping failed; trying again")

    def retention(self, now_ms: int | None = None) -> int:
        """Delete what is older than its kitchen's retention; how many segments went."""
        doomed = apply_retention(
            self.index,
            self.video_dir,
            self.clock_ms() if now_ms is None else now_ms,
            self.retention_days,
            min(
                [
                    MIN_RETENTION_DAYS,
                    self.cfg.retention_days,
                    *self.cfg.retention_by_category.values(),
                ]
            ),
        )
        self.extra["retention_deleted"] += len(doomed)
        return len(doomed)

    def cut_clips(self) -> int:
        """Freeze the pending clips whose window is recorded (or waited for long enough)."""
        done = 0
        now = self.clock_ms()
        wait_ms = round(self.cfg.clip_wait_s * 1000)
        after_ms = round(self.cfg.clip_after_s * 1000)
        for clip in self.index.clips(state="pending"):
            if not self.owns(clip.site, clip.camera):
                continue
            cam = self.cameras.get((clip.site, clip.camera))
            recorded_to = cam.high_ms if cam is not None else None
            passed = recorded_to is not None and recorded_to >= clip.end_ms
            waited = now - clip.requested_at_ms >= after_ms + wait_ms
            if not (passed or waited):
                continue
            with self._lock:
                # Index rows of the open segments first, so the clip reads what they hold.
                if cam is not None:
                    self.index.update_segments(cam.progress())
            frozen = self.clips.freeze(
                self.playback.frames(clip.site, clip.camera, clip.start_ms, clip.end_ms),
                clip.site,
                clip.camera,
                clip.alert_id,
                clip.start_ms,
                clip.end_ms,
            )
            if frozen is None:
                self.index.finish_clip(clip.alert_id, "empty", None, None, 0, 0)
                self.extra["clips_empty"] += 1
                log.warning(
                    "alert %s: no video of %s/%s in its clip window",
                    clip.alert_id,
                    clip.site,
                    clip.camera,
                )
            else:
                self.index.finish_clip(
                    clip.alert_id,
                    "done",
                    frozen.sha256,
                    frozen.path.name,
                    frozen.frames,
                    frozen.bytes,
                )
                self.extra["clips"] += 1
                log.info(
                    "alert %s: clip %s (%d frames)", clip.alert_id, frozen.sha256, frozen.frames
                )
            done += 1
        return done


def data_paths(cfg: RecorderSection) -> list[Path]:
    """Folders the recorder writes (for --validate-config's report)."""
    return [cfg.video_dir, cfg.clips_dir]
