"""The ingest service: shared subscription → validate → batch → store → acknowledge.

One `IngestService` is one member of the `$share/<group>/...` subscriptions. Its MQTT
client id is fixed by its instance id and its session is persistent, so what the broker
sent but we did not acknowledge is delivered again after a crash or restart.
"""

import logging
import threading
import time
from typing import Literal

import paho.mqtt.client as paho
from prometheus_client import start_http_server

from core.errors import BackendUnavailable, PayloadError, WriteRejected
from core.mqtt import MqttClient, Will
from core.registry import load_registry
from core.schemas import DeadLetter, StoreReceipt, encode
from core.schemas.receipt import MAX_SPANS
from core.store import TimeSeriesStore, open_store
from core.topics import (
    ALERTS,
    QOS,
    Channel,
    dead_letter_topic,
    receipt_topic,
    service_status_topic,
    subscription,
)
from ingest.convert import Converter
from ingest.health import health, metrics_registry
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.stats import Stats

logger = logging.getLogger(__name__)

SERVICE = "ingest"
_LOG_WINDOW_S = 10.0
_LOG_PER_WINDOW = 20


class IngestService:
    """Owns the MQTT client, the pipeline, the status publisher and the metrics endpoint."""

    def __init__(self, settings: IngestSettings, store: TimeSeriesStore | None = None) -> None:
        self.settings = settings
        cfg = settings.ingest
        self.instance = cfg.instance
        self.stats = Stats()
        registry = load_registry(cfg.registry_file) if cfg.registry_file else None
        self.converter = Converter(registry)
        self.store = store if store is not None else open_store(settings.influx)
        self.status_topic = service_status_topic(SERVICE, self.instance)
        self.dlq_topic = dead_letter_topic(SERVICE)
        self.mqtt = MqttClient(
            settings.mqtt,
            client_id=settings.mqtt.client_id or f"bk-{SERVICE}-{self.instance}",
            will=Will(self.status_topic, b'{"state":"offline"}', qos=1, retain=True),
            persistent=True,
            manual_ack=True,
            max_inflight=100,
            receive_maximum=cfg.max_pending_messages,
            on_message=self._on_message,
        )
        self.pipeline = Pipeline(
            self.store.write_lines,
            self.mqtt.ack,
            self.stats,
            max_points=cfg.batch_max_points,
            max_messages=cfg.batch_max_messages,
            max_wait_s=cfg.batch_max_wait_s,
            max_pending=cfg.max_pending_messages,
            retry_min_s=cfg.retry_min_s,
            retry_max_s=cfg.retry_max_s,
            on_rejected_write=self._store_refused,
            confirm=self._send_receipts if cfg.receipts else None,
        )
        self.mqtt.on_disconnect_hooks.append(self.pipeline.connection_lost)
        self._stop = threading.Event()
        self._status_thread: threading.Thread | None = None
        self._log_window = (0.0, 0)
        self.metrics_port: int | None = None

    # -- life cycle ---------------------------------------------------------------------

    def start(self, connect_timeout: float = 10.0) -> None:
        cfg = self.settings.ingest
        try:
            self.store.ensure_database()
        except (BackendUnavailable, WriteRejected) as exc:
            # Not fatal: writes are retried until the store is there.
            logger.warning("could not make sure the database exists (%s); going on", exc)
        for channel in cfg.channels:
            ch = ALERTS if channel == ALERTS else Channel(channel)
            self.mqtt.subscribe(subscription(ch, share_group=cfg.group), qos=1)
        self.pipeline.start()
        self.mqtt.connect(timeout=connect_timeout, wait=True)
        if cfg.metrics_port:
            server, _thread = start_http_server(
                cfg.metrics_port,
                addr=cfg.metrics_host,
                registry=metrics_registry(self.stats, lambda: self.mqtt.is_connected),
            )
            self.metrics_port = int(server.server_port)
            logger.info("metrics on http://%s:%d/metrics", cfg.metrics_host, self.metrics_port)
        self._status_thread = threading.Thread(
            target=self._status_loop, name="ingest-status", daemon=True
        )
        self._status_thread.start()
        logger.info(
            "ingest %s started: group %s, channels %s, batches of %d points / %d messages / "
            "%.2f s, at most %d messages un-acknowledged",
            self.instance,
            cfg.group,
            ",".join(cfg.channels),
            cfg.batch_max_points,
            cfg.batch_max_messages,
            cfg.batch_max_wait_s,
            cfg.max_pending_messages,
        )

    def stop(self, flush_timeout: float = 10.0) -> None:
        """Stop taking messages, write and ack what is queued, publish a final status."""
        self._stop.set()
        self.mqtt.set_message_handler(_drop)
        self.pipeline.stop(flush_timeout)
        if self._status_thread is not None:
            self._status_thread.join(2)
        info = self.publish_status("offline")
        # Store receipts may still queue ahead of it: wait until the broker has it.
        try:
            info.wait_for_publish(timeout=5)
        except (RuntimeError, ValueError):
            logger.warning("final offline status not confirmed before shutdown")
        self.mqtt.close()
        self.store.close()
        logger.info(
            "ingest %s stopped: %d received, %d points written, %d rejected",
            self.instance,
            self.stats.received,
            self.stats.written_points,
            sum(self.stats.rejected.values()),
        )

    def run_until(self, stop: threading.Event) -> None:
        self.start()
        try:
            while not stop.wait(0.5):
                pass
        finally:
            self.stop()

    # -- status -----------------------------------------------------------------------------

    def publish_status(
        self, state: Literal["online", "offline"] = "online"
    ) -> paho.MQTTMessageInfo:
        report = health(self.stats, self.instance, state, self.mqtt.is_connected)
        return self.mqtt.publish(
            self.status_topic, report.model_dump_json().encode(), qos=1, retain=True
        )

    def _status_loop(self) -> None:
        interval = self.settings.ingest.status_interval_s
        self.publish_status("online")
        while not self._stop.wait(interval):
            try:
                self.publish_status("online")
            except Exception:
                logger.exception("status publish failed")

    # -- messages (MQTT network thread) -----------------------------------------------------

    def _on_message(self, msg: paho.MQTTMessage) -> None:
        stats = self.stats
        stats.received += 1
        payload = msg.payload if isinstance(msg.payload, bytes) else bytes(msg.payload)
        topic = "?"
        try:
            topic = msg.topic
            conv = self.converter.convert(topic, payload)
        except PayloadError as exc:
            self._reject(topic, payload, exc.reason, exc.detail)
            self.pipeline.add("", 0, 0, msg.mid, msg.qos, topic)
            return
        except Exception as exc:  # hostile input must never stop the service
            logger.exception("unexpected error converting a message on %s", topic[:120])
            self._reject(topic, payload, "internal", repr(exc)[:500])
            self.pipeline.add("", 0, 0, msg.mid, msg.qos, topic)
            return
        stats.accepted += 1
        self.pipeline.add(
            conv.lines, conv.points, conv.source_ns, msg.mid, msg.qos, topic, conv.receipt
        )

    def _send_receipts(self, spans: dict[tuple[str, str], list[tuple[int, int]]]) -> None:
        """Tell each device which of its readings are stored (writer thread, after a write)."""
        for (site, device), merged in spans.items():
            for i in range(0, len(merged), MAX_SPANS):
                receipt = StoreReceipt(site=site, device=device, spans=merged[i : i + MAX_SPANS])
                self.mqtt.publish(
                    receipt_topic(site, device), encode(receipt), qos=QOS[Channel.RECEIPT]
                )

    def _reject(self, topic: str, payload: bytes, reason: str, detail: str) -> None:
        self.stats.rejected[reason] += 1
        self._log_rejection(topic, reason, detail)
        letter = DeadLetter.of(SERVICE, topic, reason, detail, payload)
        try:
            self.mqtt.publish(self.dlq_topic, encode(letter), qos=1)
            self.stats.dead_letters += 1
        except Exception:
            logger.exception("could not publish a dead letter")

    def _store_refused(self, topic: str, detail: str) -> None:
        self._reject(topic, b"", "store_refused", detail)

    def _log_rejection(self, topic: str, reason: str, detail: str) -> None:
        # A flood of bad input must not flood the log: a few lines per window, then a tally.
        start, count = self._log_window
        now = time.monotonic()
        if now - start > _LOG_WINDOW_S:
            if count > _LOG_PER_WINDOW:
                logger.warning(
                    "%d more messages rejected in the last %.0f s (see counters / dead letters)",
                    count - _LOG_PER_WINDOW,
                    _LOG_WINDOW_S,
                )
            start, count = now, 0
        count += 1
        self._log_window = (start, count)
        if count <= _LOG_PER_WINDOW:
            logger.warning("rejected message on %r: %s: %s", topic[:120], reason, detail[:300])


def _drop(msg: paho.MQTTMessage) -> None:
    """Handler during shutdown: take nothing new (un-acked, the broker re-sends it)."""
