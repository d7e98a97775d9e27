"""Pipeline: size/time bounds, ack only after write, retry without loss, stale acks skipped."""

import threading
import time
from collections.abc import Callable

from core.errors import BackendUnavailable, WriteRejected
from ingest.pipeline import Pipeline
from ingest.stats import Stats


class FakeStore:
    """Records writes; can be told to fail (down) or refuse lines containing a marker."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.down = False
        self.refuse: bytes | None = None
        self.attempts = 0
        self.lock = threading.Lock()

    def write_lines(self, body: bytes) -> None:
        with self.lock:
            self.attempts += 1
            if self.down:
                raise BackendUnavailable("store down")
            if self.refuse is not None and self.refuse in body:
                raise WriteRejected("field type conflict")
            self.bodies.append(body)

    @property
    def lines(self) -> list[bytes]:
        return [line for b in self.bodies for line in b.split(b"\n")]


def _is_ok(stats: Stats) -> bool:
    return stats.store_ok  # read through a call: the writer thread changes it


def _acks() -> list[tuple[int, int]]:
    return []


def _make(store: FakeStore, acks: list[tuple[int, int]], **kw: object) -> tuple[Pipeline, Stats]:
    stats = Stats()
    defaults: dict[str, object] = {
        "max_points": 10,
        "max_messages": 100,
        "max_wait_s": 0.05,
        "max_pending": 1000,
        "retry_min_s": 0.01,
        "retry_max_s": 0.05,
    }
    defaults.update(kw)
    p = Pipeline(store.write_lines, lambda m, q: acks.append((m, q)), stats, **defaults)  # type: ignore[arg-type]
    p.start()
    return p, stats


def _wait(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def test_size_bound_seals_batches_and_acks_in_order_after_write() -> None:
    store, acks = FakeStore(), _acks()
    p, stats = _make(store, acks, max_points=4, max_wait_s=30)
    for i in range(8):
        p.add(f"m{i}", 1, i, mid=i + 1, qos=1, topic="t")
    _wait(lambda: len(acks) == 8)
    assert [len(b.split(b"\n")) for b in store.bodies] == [4, 4]
    assert [m for m, _ in acks] == list(range(1, 9))
    assert stats.written_points == 8 and stats.pending == 0
    p.stop()


def test_time_bound_flushes_a_partial_batch() -> None:
    store, acks = FakeStore(), _acks()
    p, _ = _make(store, acks, max_points=1000, max_wait_s=0.05)
    p.add("only", 1, 0, mid=5, qos=1, topic="t")
    _wait(lambda: acks == [(5, 1)], timeout=2)
    assert store.lines == [b"only"]
    p.stop()


def test_store_down_acks_nothing_then_resumes_and_loses_nothing() -> None:
    store, acks = FakeStore(), _acks()
    store.down = True
    p, stats = _make(store, acks, max_points=3)
    for i in range(9):
        p.add(f"m{i}", 1, 0, mid=i + 1, qos=1, topic="t")
    _wait(lambda: store.attempts >= 3)
    assert acks == []
    assert stats.pending == 9 and stats.write_failures >= 2
    assert stats.store_ok is False
    store.down = False
    _wait(lambda: len(acks) == 9)
    assert sorted(store.lines) == sorted(f"m{i}".encode() for i in range(9))
    assert _is_ok(stats)
    p.stop()


def test_rejected_messages_are_acked_in_order_without_points() -> None:
    store, acks = FakeStore(), _acks()
    p, stats = _make(store, acks, max_points=100, max_messages=3)
    p.add("a", 1, 0, mid=1, qos=1, topic="t")
    p.add("", 0, 0, mid=2, qos=1, topic="t")  # rejected
    p.add("b", 1, 0, mid=3, qos=1, topic="t")
    _wait(lambda: len(acks) == 3)
    assert [m for m, _ in acks] == [1, 2, 3]
    assert store.lines == [b"a", b"b"]
    assert stats.written_messages == 2
    p.stop()


def test_qos0_messages_are_not_acked() -> None:
    store, acks = FakeStore(), _acks()
    p, stats = _make(store, acks, max_points=2)
    p.add("a", 1, 0, mid=0, qos=0, topic="t")
    p.add("b", 1, 0, mid=7, qos=1, topic="t")
    _wait(lambda: stats.pending == 0)
    assert acks == [(7, 1)]
    p.stop()


def test_packet_ids_of_a_lost_connection_are_never_acked() -> None:
    store, acks = FakeStore(), _acks()
    store.down = True
    p, stats = _make(store, acks, max_points=2)
    p.add("a", 1, 0, mid=1, qos=1, topic="t")
    p.add("b", 1, 0, mid=2, qos=1, topic="t")
    _wait(lambda: store.attempts >= 1)
    p.connection_lost()  # the broker will re-send 1 and 2, maybe reusing the ids
    p.add("a", 1, 0, mid=1, qos=1, topic="t")
    p.add("b", 1, 0, mid=2, qos=1, topic="t")
    store.down = False
    _wait(lambda: stats.pending == 0)
    assert acks == [(1, 1), (2, 1)]  # only the redelivered copies
    assert stats.acked == 2
    p.stop()


def test_refused_points_are_dead_lettered_and_the_rest_written() -> None:
    store, acks = FakeStore(), _acks()
    store.refuse = b"poison"
    refused: list[tuple[str, str]] = []
    stats = Stats()
    p = Pipeline(
        store.write_lines,
        lambda m, q: acks.append((m, q)),
        stats,
        max_points=3,
        max_wait_s=0.05,
        retry_min_s=0.01,
        retry_max_s=0.02,
        on_rejected_write=lambda topic, detail: refused.append((topic, detail)),
    )
    p.start()
    p.add("good1", 1, 0, mid=1, qos=1, topic="t1")
    p.add("poison", 1, 0, mid=2, qos=1, topic="t2")
    p.add("good2", 1, 0, mid=3, qos=1, topic="t3")
    _wait(lambda: len(acks) == 3)
    assert store.lines == [b"good1", b"good2"]
    assert [t for t, _ in refused] == ["t2"]
    p.stop()


def test_stop_flushes_the_open_batch() -> None:
    store, acks = FakeStore(), _acks()
    p, _ = _make(store, acks, max_points=1000, max_wait_s=60)
    p.add("x", 1, 0, mid=1, qos=1, topic="t")
    p.stop(timeout=5)
    assert store.lines == [b"x"] and acks == [(1, 1)]


def test_stop_gives_up_when_the_store_stays_down() -> None:
    store, acks = FakeStore(), _acks()
    store.down = True
    p, stats = _make(store, acks)
    p.add("x", 1, 0, mid=1, qos=1, topic="t")
    started = time.monotonic()
    p.stop(timeout=0.3)
    assert time.monotonic() - started < 3
    assert acks == [] and stats.pending == 1  # the broker will deliver it again
