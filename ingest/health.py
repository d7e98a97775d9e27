"""Health of one ingest process: the status-topic payload and the Prometheus collector."""

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Literal

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import BaseModel, ConfigDict, Field

from ingest.stats import Stats


class IngestHealth(BaseModel):
    """Published (retained) on `service_status_topic("ingest", instance)`."""

    model_config = ConfigDict(extra="forbid")

    v: Literal[1] = 1
    service: Literal["ingest"] = "ingest"
    instance: str
    state: Literal["online", "offline"]
    ts: datetime
    uptime_s: float = Field(ge=0)
    mqtt_connected: bool
    store_ok: bool
    received: int
    accepted: int
    rejected: dict[str, int]
    written_messages: int
    written_points: int
    batches: int
    write_failures: int
    dead_letters: int
    pending: int = Field(description="Messages received but not yet acknowledged")
    lag_s: float = Field(description="Now minus the source time of the last written batch")
    batch_latency_s: float = Field(description="Arrival to acknowledgement, last batch")
    last_error: str = ""


def health(
    stats: Stats, instance: str, state: Literal["online", "offline"], connected: bool
) -> IngestHealth:
    return IngestHealth(
        instance=instance,
        state=state,
        ts=datetime.now(UTC),
        uptime_s=max(0.0, time.time() - stats.started),
        mqtt_connected=connected,
        store_ok=stats.store_ok,
        received=stats.received,
        accepted=stats.accepted,
        rejected=dict(stats.rejected),
        written_messages=stats.written_messages,
        written_points=stats.written_points,
        batches=stats.batches,
        write_failures=stats.write_failures,
        dead_letters=stats.dead_letters,
        pending=stats.pending,
        lag_s=round(stats.lag_s, 3),
        batch_latency_s=round(stats.last_batch_latency_s, 4),
        last_error=stats.last_error,
    )


class StatsCollector(Collector):
    """Reads `Stats` at scrape time (no per-message metric calls on the hot path)."""

    def __init__(self, stats: Stats, connected: Callable[[], bool]) -> None:
        self.stats = stats
        self.connected = connected

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        s = self.stats
        yield CounterMetricFamily("bk_ingest_received", "Messages received", value=s.received)
        yield CounterMetricFamily(
            "bk_ingest_accepted", "Messages that passed validation", value=s.accepted
        )
        rejected = CounterMetricFamily(
            "bk_ingest_rejected", "Messages rejected, by reason", labels=["reason"]
        )
        for reason, n in sorted(s.rejected.items()):
            rejected.add_metric([reason], n)
        yield rejected
        yield CounterMetricFamily(
            "bk_ingest_written_messages", "Messages written", value=s.written_messages
        )
        yield CounterMetricFamily(
            "bk_ingest_written_points", "Points written", value=s.written_points
        )
        yield CounterMetricFamily("bk_ingest_batches", "Batches written", value=s.batches)
        yield CounterMetricFamily(
            "bk_ingest_write_failures", "Failed (retried) write attempts", value=s.write_failures
        )
        yield CounterMetricFamily(
            "bk_ingest_dead_letters", "Dead letters sent", value=s.dead_letters
        )
        yield GaugeMetricFamily(
            "bk_ingest_pending", "Messages not yet acknowledged", value=s.pending
        )
        yield GaugeMetricFamily("bk_ingest_lag_seconds", "Source-to-write lag", value=s.lag_s)
        yield GaugeMetricFamily(
            "bk_ingest_store_ok", "1 when the last write worked", value=int(s.store_ok)
        )
        yield GaugeMetricFamily(
            "bk_ingest_mqtt_connected",
            "1 when connected to the broker",
            value=int(self.connected()),
        )


def metrics_registry(stats: Stats, connected: Callable[[], bool]) -> CollectorRegistry:
    """A registry of this process's figures, plus a batch-latency histogram."""
    registry = CollectorRegistry()
    registry.register(StatsCollector(stats, connected))
    hist = Histogram(
        "bk_ingest_batch_latency_seconds",
        "Arrival of a batch's first message to its acknowledgement",
        buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        registry=registry,
    )
    stats.observers.append(hist.observe)
    return registry
