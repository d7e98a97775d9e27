"""The ingest service: shared subscription → validate → batch → store → acknowledge.

One `IngestService` is one member of the `$share/<group>/...` subscriptions. Its MQTT
client id is fixed by its instance id and its session is persistent, so what the broker
sent but we did not acknowledge is delivered again after a crash or restart.
"""

import logging
from collections.abc import Mapping
from typing import ClassVar

import paho.mqtt.client as paho
from prometheus_client import Histogram

from core.errors import BackendUnavailable, PayloadError, WriteRejected
from core.registry import load_registry
from core.schemas import StoreReceipt, encode
from core.schemas.receipt import MAX_SPANS
from core.service import Service, payload_of
from core.service_health import Figures
from core.store import TimeSeriesStore, open_store
from core.topics import ALERTS, QOS, Channel, receipt_topic, subscription
from ingest.convert import Converter
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.stats import Stats

logger = logging.getLogger(__name__)

SERVICE = "ingest"
_DESCRIPTIONS = {
    "received": "Messages received",
    "accepted": "Messages that passed validation",
    "rejected": "Messages rejected, by reason (dead-lettered)",
    "written_messages": "Messages written",
    "written_points": "Points written",
    "batches": "Batches written",
    "write_failures": "Failed (retried) write attempts",
    "dead_letters": "Dead letters sent",
    "acked": "Messages acknowledged to the broker",
    "receipts": "Telemetry messages confirmed to their device as stored",
    "pending": "Messages not yet acknowledged",
    "lag_seconds": "Source-to-write lag",
    "batch_latency_s": "Arrival to acknowledgement, last batch",
    "store_ok": "1 when the last write worked",
}


class IngestService(Service):
    """Owns the pipeline and the store; the skeleton owns MQTT, status and metrics."""

    name = SERVICE
    gauges = frozenset({"pending", "lag_seconds", "batch_latency_s", "store_ok"})
    labels: ClassVar[Mapping[str, str]] = {"rejected": "reason"}
    descriptions = _DESCRIPTIONS

    def __init__(self, settings: IngestSettings, store: TimeSeriesStore | None = None) -> None:
        self.settings = settings
        cfg = settings.ingest
        self.stats = Stats()
        registry = load_registry(cfg.registry_file) if cfg.registry_file else None
        self.converter = Converter(registry)
        self.store = store if store is not None else open_store(settings.influx)
        super().__init__(
            settings,
            cfg,
            cfg.instance,
            rejected=self.stats.rejected,
            persistent=True,
            manual_ack=True,
            max_inflight=100,
            receive_maximum=cfg.max_pending_messages,
        )
        self.health.notes = lambda: {"last_error": self.stats.last_error}
        latency = Histogram(
            "bk_ingest_batch_latency_seconds",
            "Arrival of a batch's first message to its acknowledgement",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.health.registry,
        )
        self.stats.observers.append(latency.observe)
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

    def figures(self) -> Figures:
        s = self.stats
        return {
            "received": s.received,
            "accepted": s.accepted,
            "rejected": dict(s.rejected),
            "written_messages": s.written_messages,
            "written_points": s.written_points,
            "batches": s.batches,
            "write_failures": s.write_failures,
            "dead_letters": self.dead_letters.sent,
            "acked": s.acked,
            "receipts": s.receipts,
            "pending": s.pending,
            "lag_seconds": round(s.lag_s, 3),
            "batch_latency_s": round(s.last_batch_latency_s, 4),
            "store_ok": int(s.store_ok),
        }

    # -- life cycle hooks -------------------------------------------------------------------

    def _prepare(self) -> None:
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

    def _started(self) -> None:
        cfg = self.settings.ingest
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

    def _drain(self) -> None:
        """Take nothing new (un-acked, the broker re-sends it); write and ack what is queued."""
        self.mqtt.set_message_handler(_drop)
        self.pipeline.stop(10.0)

    def _close(self) -> None:
        self.store.close()
        logger.info(
            "ingest %s stopped: %d received, %d points written, %d rejected",
            self.instance,
            self.stats.received,
            self.stats.written_points,
            sum(self.stats.rejected.values()),
        )

    # -- messages (MQTT network thread) -----------------------------------------------------

    def _on_message(self, msg: paho.MQTTMessage) -> None:
        stats = self.stats
        stats.received += 1
        topic, payload = payload_of(msg)
        try:
            conv = self.converter.convert(topic, payload)
        except PayloadError as exc:
            self.reject(topic, payload, exc.reason, exc.detail)
            self.pipeline.add("", 0, 0, msg.mid, msg.qos, topic)
            return
        except Exception as exc:  # hostile input must never stop the service
            logger.exception("unexpected error converting a message on %s", topic[:120])
            self.reject(topic, payload, "internal", repr(exc)[:500])
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

    def _store_refused(self, topic: str, detail: str) -> None:
        self.reject(topic, b"", "store_refused", detail)


def _drop(msg: paho.MQTTMessage) -> None:
    """Handler during shutdown: take nothing new (un-acked, the broker re-sends it)."""
