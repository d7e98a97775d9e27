"""`bk vision run`: frames from the broker in, detection events out.

Workers join one shared-subscription group (`$share/<group>/bk/v1/+/+/frame`) so
several share the cameras round robin. Each frame's metadata (MQTT 5 user properties)
is validated; bad frames go to the dead-letter topic with a counter and a log line and
never stop the worker. Frames are acknowledged (QoS 1) after the event is published.
"""

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field

import paho.mqtt.client as paho

from core.errors import PayloadError
from core.mqtt import MqttClient, Will, content_type, user_properties
from core.schemas import DeadLetter, FrameMeta, encode
from core.topics import (
    Channel,
    DeviceTopic,
    dead_letter_topic,
    detections_topic,
    parse,
    service_status_topic,
    subscription,
)
from vision.pipeline import VisionPipeline
from vision.settings import VisionSettings

log = logging.getLogger(__name__)
SERVICE = "vision"


@dataclass
class VisionStats:
    frames: int = 0
    events: int = 0
    violations: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    dead_letters: int = 0


class VisionService:
    def __init__(self, settings: VisionSettings, pipeline: VisionPipeline | None = None) -> None:
        self.settings = settings
        cfg = settings.vision
        self.pipeline = pipeline or VisionPipeline.create(
            cfg.card, cfg.evidence_dir, cfg.cameras, cfg.default_rules, cfg.threads
        )
        self.stats = VisionStats()
        self.status_topic = service_status_topic(SERVICE, cfg.instance)
        self.dlq_topic = dead_letter_topic(SERVICE)
        self._lock = threading.Lock()
        self.mqtt = MqttClient(
            settings.mqtt,
            client_id=settings.mqtt.client_id or f"bk-{SERVICE}-{cfg.instance}",
            will=Will(self.status_topic, b'{"state":"offline"}', qos=1, retain=True),
            manual_ack=True,
            receive_maximum=32,
            on_message=self._on_message,
        )

    def start(self, timeout: float = 10.0) -> None:
        self.mqtt.connect(timeout)
        self.mqtt.subscribe(
            subscription(Channel.FRAME, share_group=self.settings.vision.group), qos=1
        )
        self.mqtt.publish(self.status_topic, b'{"state":"online"}', qos=1, retain=True)

    def stop(self) -> None:
        try:
            self.mqtt.publish(self.status_topic, b'{"state":"offline"}', qos=1, retain=True)
        finally:
            self.mqtt.close()

    def _on_message(self, msg: paho.MQTTMessage) -> None:
        payload = msg.payload if isinstance(msg.payload, bytes) else bytes(msg.payload)
        topic = str(getattr(msg, "topic", "?"))
        try:
            with self._lock:
                self._handle(topic, payload, msg)
        except PayloadError as exc:
            self._reject(topic, payload, exc.reason, exc.detail)
        except Exception as exc:  # a bad frame must never stop the worker
            log.exception("unexpected error on a frame from %s", topic[:120])
            self._reject(topic, payload, "internal", repr(exc)[:500])
        finally:
            self.mqtt.ack(msg.mid, msg.qos)

    def _handle(self, topic: str, payload: bytes, msg: paho.MQTTMessage) -> None:
        parsed = parse(topic)
        if not isinstance(parsed, DeviceTopic) or parsed.channel != Channel.FRAME:
            raise PayloadError("bad_topic", f"{topic[:120]} is not a frame topic")
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
        self.stats.violations += len(event.violations)

    def _reject(self, topic: str, payload: bytes, reason: str, detail: str) -> None:
        self.stats.rejected[reason] += 1
        log.warning("rejected frame on %s: %s (%s)", topic[:120], reason, detail[:200])
        letter = DeadLetter.of(SERVICE, topic, reason, detail, payload)
        try:
            self.mqtt.publish(self.dlq_topic, encode(letter), qos=1)
            self.stats.dead_letters += 1
        except Exception:
            log.exception("could not publish a dead letter")
