"""Send notices from a worker thread: retries with backoff (tenacity), a rate limit per
channel, and a bounded queue, so a dead channel never blocks evaluation."""

import logging
import queue
import threading
import time
from collections import deque

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from rules.alerts import Notice
from rules.notify.base import Channel

logger = logging.getLogger(__name__)


def _retryable(exc: BaseException) -> bool:
    """A refusal (4xx but 429, or a robot's signature error) will be refused again."""
    if getattr(exc, "retryable", True) is False:
        return False
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return not (isinstance(status, int) and 400 <= status < 500 and status != 429)


class _Limiter:
    """At most `per_min` sends in any 60 s (sliding window); drops beyond it."""

    def __init__(self, per_min: float) -> None:
        self.per_min = per_min
        self.sent: deque[float] = deque()

    def allow(self, now: float) -> bool:
        while self.sent and self.sent[0] <= now - 60:
            self.sent.popleft()
        if len(self.sent) >= self.per_min:
            return False
        self.sent.append(now)
        return True


class Dispatcher:
    """One worker thread per channel, each with its own queue."""

    def __init__(
        self,
        channels: list[Channel],
        attempts: int = 4,
        backoff_s: float = 0.5,
        maxsize: int = 1000,
    ) -> None:
        self.channels = channels
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.counters = {"sent": 0, "failed": 0, "rate_limited": 0, "queue_full": 0}
        self._counters_lock = threading.Lock()  # one thread per channel counts
        self._queues: list[queue.Queue[Notice | None]] = []
        self._threads: list[threading.Thread] = []
        for ch in channels:
            q: queue.Queue[Notice | None] = queue.Queue(maxsize)
            t = threading.Thread(
                target=self._run, args=(ch, q), daemon=True, name=f"notify-{ch.type_key}"
            )
            self._queues.append(q)
            self._threads.append(t)
            t.start()

    def submit(self, notice: Notice) -> None:
        """Never blocks: a full queue drops the notice with a counter."""
        for ch, q in zip(self.channels, self._queues, strict=True):
            cfg = ch.config
            if not set(cfg.roles) & set(notice.roles):
                continue
            if cfg.sites is not None and notice.event.site not in cfg.sites:
                continue
            try:
                q.put_nowait(notice)
            except queue.Full:
                self._count("queue_full")
                logger.error("notification queue of %s full; dropped %s", cfg.name, notice.event.id)

    def _run(self, ch: Channel, q: "queue.Queue[Notice | None]") -> None:
        limiter = _Limiter(ch.config.rate_per_min)
        while True:
            notice = q.get()
            if notice is None:
                return
            if not limiter.allow(time.monotonic()):
                self._count("rate_limited")
                logger.warning("rate limit of %s: dropped %s", ch.config.name, notice.event.id)
                continue
            try:
                for attempt in Retrying(
                    stop=stop_after_attempt(self.attempts),
                    retry=retry_if_exception(_retryable),
                    wait=wait_exponential(multiplier=self.backoff_s, max=30),
                    reraise=True,
                ):
                    with attempt:
                        ch.send(notice)
                self._count("sent")
            except Exception:
                self._count("failed")
                logger.exception("channel %s failed for alert %s", ch.config.name, notice.event.id)

    def close(self, timeout: float = 5.0) -> None:
        for q in self._queues:
            q.put(None)
        for t in self._threads:
            t.join(timeout)
        for ch in self.channels:
            ch.close()

    def _count(self, name: str) -> None:
        with self._counters_lock:
            self.counters[name] += 1
