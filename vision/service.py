"""`bk vision run`: frames from the broker in, detection events out.

A vision worker keeps state per camera (tracks, persistence counts), so every frame of
one camera must reach the same worker: with Mosquitto's round-robin shared
subscriptions two workers each saw half of a camera's frames (tracks split, persistence
halved, evidence duplicated). Workers therefore partition cameras as rules workers
partition sites: worker i of N (`vision.worker_index`, `vision.workers`;
`BK_VISION__WORKER_INDEX`, `BK_VISION__WORKERS`) owns the cameras whose key `site/camera`
has crc32 % N == i (`core.partition`). How a worker gets its frames:

- cameras known (`vision.known_cameras`, or the camera devices of `vision.registry_file`):
  one plain subscription per owned camera's frame topic, so each frame crosses the
  network once, to its owner. A camera missing from the list is not watched; list it
  (and restart) to add it.
- cameras not known, N > 1: every worker subscribes to `bk/v1/+/+/frame` and drops
  (before decoding, counted as `not_owned`) the frames of cameras it does not own.
  Correct with any broker, but each worker receives every frame: N times the frame
  bandwidth. Name the cameras to avoid it.
- one worker, cameras not known: the shared subscription `$share/<group>/bk/v1/+/+/frame`
  as before (a replacement copy can take over the group).

On an EMQX cluster the broker can keep the affinity itself: with
`broker.shared_subscription_strategy = hash_topic` every member of
`$share/<group>/bk/v1/+/+/frame` always gets the same topics, i.e. the same cameras
(`hash_clientid` keeps all cameras of one edge agent together). There, run every
copy with `workers: 1` in one group and let the broker spread them; when a member
joins or leaves, cameras move and their tracks start again (a violation in progress
may then be reported a second time).

Each frame's metadata (MQTT 5 user properties) is validated; bad frames go to the
dead-letter topic with a counter and a log line and never stop the worker. Frames are
acknowledged (QoS 1) after the event is published.
"""

import logging
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import paho.mqtt.client as paho

from core import partition
from core.errors import PayloadError
from core.mqtt import content_type, user_properties
from core.partition import camera_key, owns
from core.schemas import FrameMeta, encode
from core.service import Service, payload_of
from core.topics import Channel, DeviceTopic, detections_topic, parse
from vision.pipeline import VisionPipeline, declared_violations
from vision.settings import VisionSection, VisionSettings

log = logging.getLogger(__name__)
SERVICE = "vision"
_DESCRIPTIONS = {
    "frames": "Frames decoded and run through the detector",
    "events": "Detection events published",
    "violations": "Violations declared (after zones and k-of-n persistence)",
    "rejected": "Frames rejected, by reason (dead-lettered)",
    "dead_letters": "Dead letters published",
    "not_owned": "Frames of cameras another worker owns, dropped unread",
    "cameras": "Cameras this worker tracks",
}


@dataclass
class VisionStats:
    frames: int = 0
    events: int = 0
    violations: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    not_owned: int = 0
    """Frames of cameras another worker owns (received only when cameras are not known)."""


def known_cameras(cfg: VisionSection) -> list[tuple[str, str]] | None:
    """(site, camera) of every camera this service knows by name (None: not named)."""
    return partition.known_cameras(cfg.known_cameras, cfg.registry_file)


def frame_subscriptions(cfg: VisionSection) -> list[str]:
    """The frame subscriptions of this worker (see the module docstring for why)."""
    return partition.frame_subscriptions(
        known_cameras(cfg), cfg.worker_index, cfg.workers, cfg.group
    )


class VisionService(Service):
    """The detector pipeline on the frame stream; the skeleton owns MQTT and health."""

    name = SERVICE
    gauges = frozenset({"cameras"})
    labels: ClassVar[Mapping[str, str]] = {"rejected": "reason"}
    descriptions = _DESCRIPTIONS

    def __init__(self, settings: VisionSettings, pipeline: VisionPipeline | None = None) -> None:
        self.settings = settings
        cfg = settings.vision
        self.pipeline = pipeline or VisionPipeline.create(
            cfg.card,
            cfg.evidence_dir,
            cfg.cameras,
            cfg.default_rules,
            cfg.threads,
            provider=cfg.provider,
        )
        self.stats = VisionStats()
        self.frame_filters = frame_subscriptions(cfg)  # ConfigError now for a bad registry
        self._lock = threading.Lock()
        super().__init__(
            settings,
            cfg,
            cfg.instance,
            rejected=self.stats.rejected,
            manual_ack=True,
            receive_maximum=32,
        )

    def _prepare(self) -> None:
        for filt in self.frame_filters:
            self.mqtt.subscribe(filt, qos=1)

    def _started(self) -> None:
        cfg = self.settings.vision
        if cfg.known_cameras is not None or cfg.registry_file is not None:
            how = f"{len(self.frame_filters)} owned camera(s) of the known ones"
        elif cfg.workers > 1:
            how = "every frame, keeping the owned cameras' (N times the frame bandwidth)"
        else:
            how = f"shared group {cfg.group}"
        log.info(
            "vision worker %d of %d (%s): %s", cfg.worker_index, cfg.workers, cfg.instance, how
        )

    def figures(self) -> dict[str, int | dict[str, int]]:
        """The counters for the status topic and /metrics (read without the frame lock)."""
        s = self.stats
        return {
            "frames": s.frames,
            "events": s.events,
            "violations": s.violations,
            "rejected": dict(s.rejected),
            "dead_letters": self.dead_letters.sent,
            "not_owned": s.not_owned,
            "cameras": len(self.pipeline.trackers),
        }

    def _on_message(self, msg: paho.MQTTMessage) -> None:
        topic, payload = payload_of(msg)
        try:
            with self._lock:
                self._handle(topic, payload, msg)
        except PayloadError as exc:
            self.reject(topic, payload, exc.reason, exc.detail)
        except Exception as exc:  # a bad frame must never stop the worker
            log.exception("unexpected error on a frame from %s", topic[:120])
            self.reject(topic, payload, "internal", repr(exc)[:500])
        finally:
            self.mqtt.ack(msg.mid, msg.qos)

    def _handle(self, topic: str, payload: bytes, msg: paho.MQTTMessage) -> None:
        parsed = parse(topic)
        if not isinstance(parsed, DeviceTopic) or parsed.channel != Channel.FRAME:
            raise PayloadError("bad_topic", f"{topic[:120]} is not a frame topic")
        cfg = self.settings.vision
        if not owns(camera_key(parsed.site, parsed.device), cfg.worker_index, cfg.workers):
            self.stats.not_owned += 1
            return
        meta = FrameMeta.from_properties(user_properties(msg), content_type(msg), payload)
        self.stats.frames += 1
        event = self.pipeline.process_jpeg(parsed.site, parsed.device, payload, meta.ts, meta.seq)
        if (event.width, event.height) != (meta.width, meta.height):
            log.warning(
                "frame %s/%s seq %d is %dx%d, metadata says %dx%d",
                parsed.site,
                parsed.device,
                meta.seq,
                event.width,
                event.height,
                meta.width,
                meta.height,
            )
        self.mqtt.publish(detections_topic(parsed.site, parsed.device), encode(event), qos=1)
        self.stats.events += 1
        # Declared ones (each with its evidence); held ones repeat on every frame.
        self.stats.violations += len(declared_violations(event))
