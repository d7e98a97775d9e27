"""`bk rules run`: the engine on the live MQTT stream.

Messages arrive on paho's thread and go into a queue; one evaluation thread decodes,
evaluates, publishes alert events to `bk/v1/{site}/alerts`, writes `alert` points to
InfluxDB and hands notices to the dispatcher (its own threads). The clock for rules is
the source clock: ticks use the watermark of source time, advanced by elapsed
monotonic time only while the stream is quiet (so silence is still noticed). The advance
is measured from one anchor (the watermark when the last message came, or when the
connection came back), so it grows with elapsed time once and never compounds, and time
without a broker connection never counts as the kitchens' silence.

Messages are acknowledged to the broker (manual PUBACK) only after a checkpoint has saved
their effect, so a crash loses no message: the broker delivers the un-acknowledged ones
again to the restarted worker, which restores the checkpoint they came after. SIGTERM
stops the worker cleanly: a final checkpoint, its acknowledgements, notices flushed.
"""

import logging
import queue
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import paho.mqtt.client as mqtt
from pydantic import Field, SecretStr

from core import topics
from core.errors import PayloadError
from core.schemas import AlertEvent, DetectionEvent, DeviceStatus, Telemetry, decode, encode
from core.service import Service
from core.settings import ServiceSection, Settings
from core.store import alert_point, open_store
from core.store.base import TimeSeriesStore
from rules.config import RuleSet, load_packs, load_rules
from rules.engine import Engine, Message
from rules.notify import ChannelConfig, build_channel
from rules.notify.directory import load_directory
from rules.notify.dispatch import Dispatcher
from rules.notify.mqtt_display import MqttDisplayChannel
from rules.notify.text import Renderer
from rules.partition import owns
from rules.store import AlertStore

logger = logging.getLogger(__name__)


class RulesSection(ServiceSection):
    """What `bk rules run` needs besides the broker (health knobs from ServiceSection)."""

    rule_file: Path | None = Field(default=None, description="Rule file; packs only if absent")
    packs: list[str] = Field(default_factory=lambda: ["gb31654"], description="Packs if no file")
    store_url: str = Field(default="sqlite:///var/rules/alerts.db", description="Alert store")
    worker_index: int = Field(default=0, ge=0, description="This worker's index")
    workers: int = Field(default=1, ge=1, description="Number of rules workers")
    sites: list[str] | None = Field(default=None, description="Known sites (subscribe to owned)")
    tick_s: float = Field(default=1.0, gt=0, description="How often time-based rules run")
    checkpoint_s: float = Field(
        default=5.0,
        gt=0,
        description="How often state is saved; messages are acknowledged to the broker only "
        "after the checkpoint that holds their effect",
    )
    max_unacked: int = Field(
        default=10_000,
        ge=10,
        le=65_535,
        description="Most messages held un-acknowledged (MQTT 5 Receive Maximum); half of "
        "it reached forces an early checkpoint",
    )
    channels: list[ChannelConfig] = Field(default_factory=list, description="Notifications")
    registry_file: Path | None = Field(
        default=None,
        description="Site registry YAML (core format, or the centre registry the API exports): "
        "kitchen and device names, time zone, language and grid for notices",
    )
    language: str = Field(
        default="zh-CN", description="Notices' language where neither channel nor kitchen sets one"
    )
    public_base_url: str | None = Field(
        default=None,
        description="The API's public base URL (BK_API__PUBLIC_BASE_URL): notices link to "
        "the alert page and evidence there; no links if absent",
    )
    signing_key: SecretStr | None = Field(
        default=None,
        description="The API's signing key (same value as BK_API__SIGNING_KEY); no links if absent",
    )
    link_ttl_s: int = Field(
        default=3 * 24 * 3600, ge=60, le=7 * 24 * 3600, description="Lifetime of notice links"
    )
    write_influx: bool = Field(default=True, description="Write `alert` points")


class RulesSettings(Settings):
    rules: RulesSection = Field(default_factory=RulesSection, description="Rules service")


_TYPES: dict[topics.Channel, type[Telemetry] | type[DeviceStatus] | type[DetectionEvent]] = {
    topics.Channel.TELEMETRY: Telemetry,
    topics.Channel.STATUS: DeviceStatus,
    topics.Channel.DETECTIONS: DetectionEvent,
}


class RulesService(Service):
    """The engine on the live stream; the skeleton owns MQTT, status, metrics, stop."""

    name = "rules"
    gauges = frozenset({"queue", "unacked", "open_alerts", "clock_lag_s", "lag_s"})
    labels: ClassVar[Mapping[str, str]] = {"dispatch": "outcome", "rejected": "reason"}

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
        super().__init__(
            settings,
            cfg,
            f"w{cfg.worker_index}",
            client_id=f"bk-rules-{cfg.worker_index}-of-{cfg.workers}",
            manual_ack=True,
            receive_maximum=cfg.max_unacked,
        )
        self.mqtt.on_connect_hooks.append(self._on_connect)
        self.mqtt.on_disconnect_hooks.append(self._on_disconnect)
        directory = load_directory(cfg.registry_file)
        self.engine.grids = directory.grids()
        key = cfg.signing_key.get_secret_value().encode() if cfg.signing_key else None
        renderer = Renderer(
            directory,
            ruleset.rules,
            cfg.public_base_url,
            key,
            cfg.link_ttl_s,
            cfg.language,
            timezone_of=ruleset.timezone,
        )
        channels = [build_channel(c) for c in cfg.channels]
        for ch in channels:
            ch.renderer = renderer
            if isinstance(ch, MqttDisplayChannel):
                ch.publisher = self.mqtt
        self.dispatcher = Dispatcher(channels)
        self.influx: TimeSeriesStore | None = (
            open_store(settings.influx) if cfg.write_influx else None
        )
        self._q: queue.Queue[tuple[mqtt.MQTTMessage, int]] = queue.Queue()
        self._unacked: list[tuple[int, int, int]] = []
        """(mid, qos, connection generation) of handled messages awaiting a checkpoint."""
        self._generation = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rules-eval", daemon=True)
        self.counters = {
            "bad_input": 0,
            "not_owned": 0,
            "alerts": 0,
            "influx_errors": 0,
            "acked": 0,
            "checkpoints": 0,
        }
        # The clock anchor: source watermark and monotonic time of the last message (or of
        # the last reconnect); quiet time is measured from here, never added twice.
        self._anchor_wm = self.engine.watermark
        self._anchor_mono = time.monotonic()
        self._clock_lock = threading.Lock()

    def _prepare(self) -> None:
        self._thread.start()
        sites = self.cfg.sites
        if sites is not None:
            mine = [s for s in sites if owns(s, self.cfg.worker_index, self.cfg.workers)]
        else:
            mine = ["+"]
        for site in mine:
            for ch in _TYPES:
                self.mqtt.subscribe(topics.subscription(ch, site=site), qos=1)
        logger.info("rules worker %s subscribed to %d site filter(s)", self.instance, len(mine))

    def _drain(self) -> None:
        """Finish the queue, save a last checkpoint, acknowledge, flush notices.

        The skeleton then publishes the final offline status and leaves the broker.
        """
        # Take nothing new: what arrives now stays un-acknowledged and comes again later.
        self.mqtt.set_message_handler(lambda msg: None)
        self._stop.set()
        self._thread.join(10)
        self._checkpoint()
        self.dispatcher.close()  # queued notices go out (display ones still need MQTT)

    def _close(self) -> None:
        self.store.close()
        if self.influx is not None:
            self.influx.close()

    def figures(self) -> dict[str, int | float | dict[str, int]]:
        """Counters for the retained status and /metrics (read at scrape time)."""
        engine = self.engine.counters
        return {
            **self.counters,
            "rejected": dict(self.dead_letters.rejected),
            "dead_letters": self.dead_letters.sent,
            "messages": engine.get("messages", 0),
            "readings": engine.get("readings", 0),
            "dispatch": dict(self.dispatcher.counters),
            "queue": self._q.qsize(),
            "unacked": len(self._unacked),
            "open_alerts": len(self.engine.alerts),
            # How far the rules clock runs ahead of the newest source time (quiet stream).
            "clock_lag_s": round(max(0.0, self.clock(time.monotonic()) - self.engine.watermark), 3),
            # Evaluation lag: wall clock minus the newest source time evaluated (0 before any).
            "lag_s": round(max(0.0, time.time() - wm), 3) if (wm := self.engine.watermark) else 0.0,
        }

    def _on_message(self, msg: mqtt.MQTTMessage) -> None:
        # Unbounded queue, bounded by the broker: at most `max_unacked` messages are ever
        # un-acknowledged, so nothing is dropped here.
        self._q.put_nowait((msg, self._generation))

    def _on_connect(self) -> None:
        with self._clock_lock:
            self._anchor_wm = self.engine.watermark
            self._anchor_mono = time.monotonic()

    def _on_disconnect(self) -> None:
        # Packet ids of the old connection must not acknowledge the new one's messages:
        # the broker sends the un-acknowledged ones again anyway.
        self._generation += 1

    # -- evaluation thread ------------------------------------------------------------

    def _loop(self) -> None:
        next_tick = time.monotonic() + self.cfg.tick_s
        next_ckpt = time.monotonic() + self.cfg.checkpoint_s
        early = max(1, self.cfg.max_unacked // 2)
        while True:
            try:
                item = self._q.get(timeout=0.2)
            except queue.Empty:
                item = None
                if self._stop.is_set():
                    return  # queue drained: stop() saves the last checkpoint
            try:
                if item is not None:
                    msg, generation = item
                    self._handle(msg)
                    if msg.qos:
                        self._unacked.append((msg.mid, msg.qos, generation))
                now = time.monotonic()
                if now >= next_tick:
                    next_tick = now + self.cfg.tick_s
                    self._tick(now)
                if now >= next_ckpt or len(self._unacked) >= early:
                    next_ckpt = now + self.cfg.checkpoint_s
                    self._checkpoint()
            except Exception:
                logger.exception("rules evaluation failed")

    def _checkpoint(self) -> None:
        """Save the engine's state, then acknowledge the messages it covers."""
        self.engine.checkpoint()
        self.counters["checkpoints"] += 1
        pending, self._unacked = self._unacked, []
        generation = self._generation
        for mid, qos, gen in pending:
            if gen == generation:
                self.mqtt.ack(mid, qos)
                self.counters["acked"] += 1

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
            self.reject(raw.topic, bytes(raw.payload), exc.reason, str(exc.detail))
            return
        self._emit(self.engine.process(msg))
        with self._clock_lock:
            self._anchor_wm = self.engine.watermark
            self._anchor_mono = time.monotonic()

    def _tick(self, mono_now: float) -> None:
        for ref, action, actor, comment, at in self.store.take_requests():
            if action == "ack":
                self._emit(self.engine.acknowledge(ref, actor, comment, at))
            else:
                self._emit(self.engine.resolve(ref, actor, comment or "", at))
        for req in self.store.take_workflow_requests():  # the supervision loop (API)
            self._emit(self.engine.apply(req))
        now = self.clock(mono_now)
        if now > 0:
            self._emit(self.engine.tick(now))
        self._notify()

    def clock(self, mono_now: float) -> float:
        """The rules clock: source time, run on by elapsed time while the stream is quiet.

        Measured from the anchor, so ten quiet seconds count as ten seconds however
        many ticks fall in them (adding the quiet time to the already advanced watermark
        on every tick made a 300 s no-data rule fire after 25 s). While the broker is
        unreachable the clock stands still: that silence is ours, not the kitchens'.
        """
        with self._clock_lock:
            if not self.mqtt.is_connected:
                self._anchor_wm = max(self._anchor_wm, self.engine.watermark)
                self._anchor_mono = mono_now
                return self._anchor_wm
            quiet = mono_now - self._anchor_mono
            base = max(self._anchor_wm, 0.0)
            if quiet > 2 * self.cfg.tick_s and base > 0:
                return max(self.engine.watermark, base + quiet)
            return self.engine.watermark

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
