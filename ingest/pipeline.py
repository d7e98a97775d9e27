"""Batching, writing and acknowledging: the at-least-once core of ingest.

The MQTT thread calls `add()` for every message (accepted or rejected) in the order the
broker delivered them. Messages gather in the open batch until it reaches its size or
age bound; a writer thread writes sealed batches to the store one at a time and only
then acknowledges their messages to the broker (PUBACK), in delivery order. So:

- a crash before the write loses nothing: un-acked QoS 1 messages of a persistent
  session are delivered again, and points keyed by series + source time make the
  second write a no-op in effect;
- while the store is down the writer retries with exponential backoff (tenacity) and
  acknowledges nothing; once `max_pending` messages wait un-acked the broker (MQTT 5
  Receive Maximum) stops sending: back-pressure with bounded memory, nothing dropped;
- acks carry the connection generation: after a reconnect the broker re-sends what
  was not acked, and a stale packet id must not acknowledge a different message;
- a PUBACK to the edge only proves the broker took a reading, so once a batch is
  stored the pipeline also hands its telemetry `seq` spans, per device, to `confirm`
  (ingest publishes them as store receipts; the edge deletes its copy only then).
"""

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    wait_exponential,
)

from core.errors import BackendUnavailable, WriteRejected
from ingest.stats import Stats

logger = logging.getLogger(__name__)

WriteLines = Callable[[bytes], None]
Ack = Callable[[int, int], None]
RejectedWrite = Callable[[str, str], None]
"""Called with (topic, detail) for a message whose points the store refused (HTTP 4xx)."""
Span = tuple[str, str, int, int]
"""(site, device, first seq, last seq) of one telemetry message."""
Confirm = Callable[[dict[tuple[str, str], list[tuple[int, int]]]], None]
"""Called with the stored seq spans per (site, device), merged, after each write."""


def merge_spans(spans: list[Span]) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """Group spans by device and merge overlapping or adjacent ones (fewer, smaller receipts)."""
    by_device: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for site, device, first, last in sorted(spans):
        merged = by_device.setdefault((site, device), [])
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return by_device


@dataclass(slots=True)
class Batch:
    opened: float
    texts: list[str] = field(default_factory=list)
    acks: list[tuple[int, int, int]] = field(default_factory=list)
    """(mid, qos, connection generation) of every message, in delivery order."""
    topics: list[str] = field(default_factory=list)
    """Topic of each entry of `texts` (for dead letters of points the store refuses)."""
    points: int = 0
    first_source_ns: int = -1
    spans: list[Span | None] = field(default_factory=list)
    """Telemetry span of each entry of `texts` (None for other channels)."""
    refused: set[int] = field(default_factory=set)
    """Indexes of `texts` the store refused (dead-lettered, so not confirmed)."""


class Pipeline:
    """Bounded batches → store → PUBACK. Thread-safe `add`; one writer thread."""

    def __init__(
        self,
        write_lines: WriteLines,
        ack: Ack,
        stats: Stats,
        *,
        max_points: int = 5000,
        max_messages: int = 2000,
        max_wait_s: float = 0.5,
        max_pending: int = 20_000,
        retry_min_s: float = 0.2,
        retry_max_s: float = 10.0,
        on_rejected_write: RejectedWrite | None = None,
        confirm: Confirm | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write_lines = write_lines
        self._ack = ack
        self.stats = stats
        self.max_points = max_points
        self.max_messages = max_messages
        self.max_wait_s = max_wait_s
        self.max_pending = max_pending
        self._retry_min = retry_min_s
        self._retry_max = retry_max_s
        self._on_rejected_write = on_rejected_write
        self._confirm = confirm
        self._clock = clock
        self._cond = threading.Condition()
        self._current: Batch | None = None
        self._sealed: deque[Batch] = deque()
        self._generation = 0
        self._stopping = False
        self._abort = threading.Event()
        self._thread: threading.Thread | None = None
        self._pressure = False

    # -- MQTT thread ----------------------------------------------------------------

    def add(
        self,
        text: str,
        points: int,
        source_ns: int,
        mid: int,
        qos: int,
        topic: str,
        span: Span | None = None,
    ) -> None:
        """Queue one message (text "" / points 0 for a rejected one: it is only acked)."""
        with self._cond:
            b = self._current
            if b is None:
                b = self._current = Batch(self._clock())
            if points:
                b.texts.append(text)
                b.topics.append(topic)
                b.spans.append(span)
                b.points += points
                if b.first_source_ns < 0:
                    b.first_source_ns = source_ns
            b.acks.append((mid, qos, self._generation))
            self.stats.pending += 1
            if b.points >= self.max_points or len(b.acks) >= self.max_messages:
                self._seal()
            if self.stats.pending >= self.max_pending and not self._pressure:
                self._pressure = True
                logger.warning(
                    "back-pressure: %d messages wait un-acknowledged (limit %d); "
                    "the broker holds the rest until the store catches up",
                    self.stats.pending,
                    self.max_pending,
                )

    def connection_lost(self) -> None:
        """Called on disconnect: packet ids of the old connection must not be acked."""
        with self._cond:
            self._generation += 1

    # -- writer thread ----------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Flush what is queued (for at most `timeout` s), then stop the writer."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning(
                    "writer still busy after %.0f s; giving up: %d un-acknowledged messages "
                    "will be delivered again by the broker",
                    timeout,
                    self.stats.pending,
                )
                self._abort.set()
                self._thread.join(5)

    def _seal(self) -> None:
        if self._current is not None:
            self._sealed.append(self._current)
            self._current = None
            self._cond.notify()

    def _next_batch(self) -> Batch | None:
        with self._cond:
            while not self._sealed:
                cur = self._current
                if self._stopping:
                    if cur is None:
                        return None
                    self._seal()
                    break
                if cur is not None:
                    left = cur.opened + self.max_wait_s - self._clock()
                    if left <= 0:
                        self._seal()
                        break
                    self._cond.wait(left)
                else:
                    self._cond.wait(self.max_wait_s)
            return self._sealed[0]

    def _run(self) -> None:
        while not self._abort.is_set():
            batch = self._next_batch()
            if batch is None:
                return
            try:
                if batch.texts:
                    self._write(batch)
            except _Aborted:
                return
            except Exception:
                # Never expected; keep the batch (it will be retried) and carry on.
                logger.exception("writer failed unexpectedly; retrying the batch")
                self._abort.wait(self._retry_max)
                continue
            with self._cond:
                self._sealed.popleft()
                generation = self._generation
            self._send_receipts(batch)
            self._acknowledge(batch, generation)

    def _write(self, batch: Batch) -> None:
        body = "\n".join(batch.texts).encode()
        started = self._clock()
        try:
            self._write_with_retry(body)
        except WriteRejected as exc:
            self._write_one_by_one(batch, str(exc))
        now = self._clock()
        self.stats.last_write_s = now - started
        self.stats.written_points += batch.points
        self.stats.written_messages += len(batch.texts)
        self.stats.batches += 1
        if batch.first_source_ns >= 0:
            self.stats.lag_s = max(0.0, time.time() - batch.first_source_ns / 1e9)

    def _write_with_retry(self, body: bytes) -> None:
        for attempt in Retrying(
            retry=retry_if_exception_type(BackendUnavailable),
            wait=wait_exponential(
                multiplier=self._retry_min, min=self._retry_min, max=self._retry_max
            ),
            stop=self._should_stop,
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        ):
            with attempt:
                self._write_lines(body)
        if not self.stats.store_ok:
            logger.info("store writes work again; resuming")
        self.stats.store_ok = True

    def _write_one_by_one(self, batch: Batch, detail: str) -> None:
        """The store refused the batch (4xx): find and dead-letter the messages it refuses."""
        logger.warning(
            "store refused a batch of %d messages (%s); writing one by one",
            len(batch.texts),
            detail[:200],
        )
        for i, (text, topic) in enumerate(zip(batch.texts, batch.topics, strict=True)):
            try:
                self._write_with_retry(text.encode())
            except WriteRejected as exc:
                batch.refused.add(i)
                if self._on_rejected_write is not None:
                    self._on_rejected_write(topic, str(exc))

    def _should_stop(self, state: RetryCallState) -> bool:
        return self._abort.is_set()

    def _sleep(self, seconds: float) -> None:
        if self._abort.wait(seconds):
            raise _Aborted

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        self.stats.write_failures += 1
        self.stats.store_ok = False
        self.stats.last_error = str(exc)[:300]
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        n = state.attempt_number
        if n > 3 and n % 10:
            return  # a long outage logs its first attempts, then every tenth
        logger.warning(
            "store write failed (attempt %d, %d messages waiting): %s; retrying in %.1f s",
            state.attempt_number,
            self.stats.pending,
            exc,
            wait,
        )

    def _send_receipts(self, batch: Batch) -> None:
        if self._confirm is None:
            return
        spans = [s for i, s in enumerate(batch.spans) if s is not None and i not in batch.refused]
        if not spans:
            return
        try:
            self._confirm(merge_spans(spans))
        except Exception:
            # The edge sends unconfirmed readings again; stored twice is stored once.
            logger.exception("could not send store receipts; the edge will resend")
        self.stats.receipts += len(spans)

    def _acknowledge(self, batch: Batch, generation: int) -> None:
        acked = 0
        for mid, qos, gen in batch.acks:
            if qos and gen == generation:
                self._ack(mid, qos)
                acked += 1
        self.stats.acked += acked
        with self._cond:
            self.stats.pending -= len(batch.acks)
            if self._pressure and self.stats.pending < self.max_pending // 2:
                self._pressure = False
                logger.info("back-pressure released: %d messages waiting", self.stats.pending)
        latency = self._clock() - batch.opened
        self.stats.last_batch_latency_s = latency
        for observe in self.stats.observers:
            observe(latency)

    @property
    def queued_batches(self) -> int:
        with self._cond:
            return len(self._sealed) + (1 if self._current is not None else 0)


class _Aborted(Exception):
    """The pipeline is being abandoned (shutdown timeout) mid-retry."""
