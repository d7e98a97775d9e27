"""Counters of one ingest process, shared by the status topic and the metrics endpoint.

Plain integers updated by the one thread that owns each (the MQTT thread counts what it
receives and rejects, the writer thread what it writes), read by the reporters: far
cheaper per message than a locked metrics object, and exact.
"""

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Stats:
    started: float = field(default_factory=time.time)
    received: int = 0
    """Messages received from the broker (accepted or not)."""
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    """Rejected messages by reason (bad_json, invalid, bad_topic, topic_mismatch, ...)."""
    written_messages: int = 0
    written_points: int = 0
    batches: int = 0
    write_failures: int = 0
    """Failed write attempts (each retried; nothing is dropped for them)."""
    acked: int = 0
    receipts: int = 0
    """Telemetry messages confirmed to their device as stored (store receipts)."""
    last_batch_latency_s: float = 0.0
    """Age of the last written batch's oldest message when it was acknowledged."""
    last_write_s: float = 0.0
    lag_s: float = 0.0
    """Wall clock minus the source timestamp of the last written batch's first point."""
    store_ok: bool = True
    last_error: str = ""
    pending: int = 0
    """Messages received but not yet acknowledged (bounded by max_pending_messages)."""
    observers: list[Callable[[float], None]] = field(default_factory=list)
    """Called with each written batch's latency (the metrics histogram listens here)."""
