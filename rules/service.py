"""`bk rules run`: the engine on the live MQTT stream.

Messages arrive on paho's thread and go into a queue; one evaluation thread decodes,
evaluates, publishes alert events to `bk/v1/{site}/alerts`, writes `alert` points to
InfluxDB and hands notices to the dispatcher (its own threads). The clock for rules is
the source clock: ticks use the watermark of source time, advanced by elapsed
monotonic time only while the stream is quiet (so silence is still noticed).
"""

import logging
import queue
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from pydantic import BaseModel, ConfigDict, Field

from core import topics
from core.errors import PayloadError
from core.mqtt import MqttClient, Will
from core.schemas import AlertEvent, DetectionEvent, DeviceStatus, Telemetry, decode, encode
from core.schemas.deadletter import DeadLetter
from core.settings import Settings
from core.store import alert_point, open_store
from core.store.base import TimeSeriesStore
from rules.config import RuleSet, load_packs, load_rules
from rules.engine import Engine, Message
from rules.notify import ChannelConfig, build_channel
from rules.notify.dispatch import Dispatcher
from rules.notify.mqtt_display import MqttDisplayChannel
from rules.partition import owns
from rules.store import AlertStore

logger = logging.getLogger(__name__)


class RulesSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_file: Path | None = Field(default=None, description="Rule file; packs only if absent")
    packs: list[str] = Field(default_factory=lambda: ["gb31654"], description="Packs if no file")
    store_url: str = Field(default="sqlite:///var/rules/alerts.db", description="Alert store")
    worker_index: int = Field(default=0, ge=0, description="This worker's index")
    workers: int = Field(default=1, ge=1, description="Number of rules workers")
    sites: list[str] | None = Field(default=None, description="Known sites (subscribe to owned)")
    tick_s: float = Field(default=1.0, gt=0, description="How often time-based rules run")
    checkpoint_s: float = Field(default=5.0, gt=0, description="How often state is saved")
    channels: list[ChannelConfig] = Field(default_factory=list, description="Notifications")
    write_influx: bool = Field(default=True, description="Write `alert` points")


class RulesSettings(Settings):
    rules: RulesSection = Field(default_factory=RulesSection, description="Rules service")


_TYPES: dict[topics.Channel, type[Telemetry] | type[DeviceStatus] | type[DetectionEvent]] = {
    topics.Channel.TELEMETRY: Telemetry,
    topics.Channel.STATUS: DeviceStatus,
    topics.Channel.DETECTIONS: DetectionEvent,
}


class RulesService:
    def __init__(self, settings: RulesSettings, ruleset: RuleSet | None = None) -> None:
        cfg = settings.rules
        self.settings = settings
        self.cfg = cfg
        if ruleset is None:
            ruleset = load_rules(cfg.rule_file) if cfg.rule_file else load_packs(*cfg.packs)
        self.store = AlertStore(
            cfg.store_url,
            name=f"worker-{cfg.worker_index}-of-{cfg.workers}",
            owns=lambda site: owns(site, cfg.worker_index, cfg.workers),
        )
        self.engine = Engine(ruleset, self.store)
        self.instance = f"w{cfg.worker_index}"
        self.mqtt = MqttClient(
            settings.mqtt,
            client_id=settings.mqtt.client_id or f"bk-rules-{cfg.worker_index}-of-{cfg.workers}",
            will=Will(topics.service_status_topic("rules", self.instance), b'{"state":"offline"}'),
            on_message=self._on_message,
        )
        channels = [build_channel(c) for c in cfg.channels]
        for ch in channels:
            if isinstance(ch, MqttDisplayChannel):
                ch.publisher = self.mqtt
        self.dispatcher = Dispatcher(channels)
        self.influx: TimeSeriesStore | None = (
            open_store(settings.influx) if cfg.write_influx else None
        )
        self._q: queue.Queue[mqtt.MQTTMessage] = queue.Queue(maxsize=100_000)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rules-eval", daemon=True)
        self.counters = {"bad_input": 0, "not_owned": 0, "alerts": 0, "influx_errors": 0}
        self._last_msg_mono = time.monotonic()

    def start(self) -> None:
        self._thread.start()
        self.mqtt.connect()
        self.mqtt.publish(
            topics.service_status_topic("rules", self.instance), b'{"state":"online"}', retain=True
        )
        sites = self.cfg.sites
        if sites is not None:
            mine = [s for s in sites if owns(s, self.cfg.worker_index, self.cfg.workers)]
        else:
            mine = ["+"]
        for site in mine:
            for ch in _TYPES:
                self.mqtt.subscribe(topics.subscription(ch, site=site), qos=1)
        logger.info("rules worker %s subscribed to %d site filter(s)", self.instance, len(mine))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.engine.checkpoint()
        self.mqtt.close()
        self.dispatcher.close()
        self.store.close()
        if self.influx is not None:
            self.influx.close()

    def _on_message(self, msg: mqtt.MQTTMessage) -> None:
        try:
            self._q.put_nowait(msg)
        except queue.Full:
            logger.error("rules queue full; dropping message on %s", msg.topic)

    # -- evaluation thread ------------------------------------------------------------

    def _loop(self) -> None:
        next_tick = time.monotonic() + self.cfg.tick_s
        next_ckpt = time.monotonic() + self.cfg.checkpoint_s
        while not self._stop.is_set():
            try:
                msg = self._q.get(timeout=0.2)
            except queue.Empty:
                msg = None
            try:
                if msg is not None:
                    self._handle(msg)
                now = time.monotonic()
                if now >= next_tick:
                    next_tick = now + self.cfg.tick_s
                    self._tick(now)
                if now >= next_ckpt:
                    next_ckpt = now + self.cfg.checkpoint_s
                    self.engine.checkpoint()
            except Exception:
                logger.exception("rules evaluation failed")

    def _handle(self, raw: mqtt.MQTTMessage) -> None:
        try:
            parsed = topics.parse_device_topic(raw.topic)
            model = _TYPES.get(parsed.channel)
            if model is None:
                return
            if not owns(parsed.site, self.cfg.worker_index, self.cfg.workers):
                self.counters["not_owned"] += 1
                return
            msg: Message = decode(model, bytes(raw.payload))
            if msg.site != parsed.site or getattr(msg, "device", getattr(msg, "camera", "")) != (
                parsed.device
            ):
                raise PayloadError("invalid", "site/device in payload do not match the topic")
        except PayloadError as exc:
            self.counters["bad_input"] += 1
            logger.warning("rejected message on %s: %s", raw.topic[:120], exc)
            self._dead_letter(raw, exc)
            return
        self._last_msg_mono = time.monotonic()
        self._emit(self.engine.process(msg))

    def _dead_letter(self, raw: mqtt.MQTTMessage, exc: PayloadError) -> None:
        try:
            dl = DeadLetter.of("rules", raw.topic, exc.reason, str(exc.detail), bytes(raw.payload))
            self.mqtt.publish(topics.dead_letter_topic("rules"), encode(dl), qos=1)
        except Exception:
            logger.exception("could not publish dead letter")

    def _tick(self, mono_now: float) -> None:
        for ref, action, actor, comment, at in self.store.take_requests():
            if action == "ack":
                self._emit(self.engine.acknowledge(ref, actor, comment, at))
            else:
                self._emit(self.engine.resolve(ref, actor, comment or "", at))
        # Source clock; while the stream is quiet, let it run on by elapsed time.
        quiet = mono_now - self._last_msg_mono
        now = self.engine.watermark + (quiet if quiet > 2 * self.cfg.tick_s else 0.0)
        if now > 0:
            self._emit(self.engine.tick(now))
        self._notify()

    def _emit(self, events: list[AlertEvent]) -> None:
        for ev in events:
            self.counters["alerts"] += 1
            self.mqtt.publish(
                topics.alerts_topic(ev.site), encode(ev), qos=topics.QOS[topics.ALERTS]
            )
        if events and self.influx is not None:
            try:
                self.influx.write([alert_point(ev) for ev in events])
            except Exception:
                self.counters["influx_errors"] += 1
                logger.exception("could not write alert points")
        self._notify()

    def _notify(self) -> None:
        while self.engine.outbox:
            self.dispatcher.submit(self.engine.outbox.popleft())

    def run_forever(self) -> None:
        self.start()
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
