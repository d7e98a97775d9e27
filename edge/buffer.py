"""Store-and-forward buffer: every reading waits on disk until the broker has it.

SQLite in WAL mode, one row per reading. The row id (AUTOINCREMENT, never reused, even
after deletes or a restart) *is* the reading's per-device `seq`, so numbering and
storing happen in one transaction and a power cut can neither lose a numbered
reading nor reuse a number. Rows are deleted only when the broker's PUBACK for the
batch that carried them arrives.

The buffer is bounded by row count and by age; past either bound the oldest rows go
first, and a persistent counter says how many were dropped.
"""

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from core.schemas import Reading, SensorKind
from edge.drivers.base import Sample

logger = logging.getLogger(__name__)

Synchronous = Literal["full", "normal"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS readings (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_us INTEGER NOT NULL,
    sensor TEXT NOT NULL,
    kind TEXT NOT NULL,
    value REAL NOT NULL,
    unit TEXT NOT NULL,
    zone TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class Stored:
    """A buffered reading with its sequence number."""

    seq: int
    reading: Reading


def _to_us(ts: datetime) -> int:
    delta = ts.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_us(us: int) -> datetime:
    return datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000)


class DiskBuffer:
    """A bounded, crash-safe FIFO of readings. Thread-safe (one connection, one lock)."""

    def __init__(
        self,
        path: Path,
        max_readings: int = 1_000_000,
        max_age_s: float = 7 * 86400,
        synchronous: Synchronous = "full",
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_readings = max_readings
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit survives a power cut; NORMAL: survives a process crash only.
        self._db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        self._db.executescript(_SCHEMA)
        self._depth = int(self._db.execute("SELECT COUNT(*) FROM readings").fetchone()[0])
        row = self._db.execute("SELECT value FROM meta WHERE key='dropped'").fetchone()
        self._dropped = int(row[0]) if row else 0
        if self._depth:
            logger.info("buffer %s holds %d readings from before a restart", path, self._depth)

    # -- figures ----------------------------------------------------------------

    @property
    def depth(self) -> int:
        """Readings waiting for a broker acknowledgement."""
        return self._depth

    @property
    def dropped(self) -> int:
        """Readings dropped by the size or age bound, ever (survives restarts)."""
        return self._dropped

    # -- writing ----------------------------------------------------------------

    def append(self, samples: Sequence[Sample]) -> list[int]:
        """Store samples in one transaction; return their sequence numbers."""
        if not samples:
            return []
        seqs: list[int] = []
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                for s in samples:
                    cur.execute(
                        "INSERT INTO readings (ts_us, sensor, kind, value, unit, zone) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (_to_us(s.ts), s.sensor, str(s.kind), s.value, s.unit, s.zone),
                    )
                    seqs.append(int(cur.lastrowid or 0))
                self._depth += len(samples)
                self._enforce_count(cur)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                self._depth = int(self._db.execute("SELECT COUNT(*) FROM readings").fetchone()[0])
                raise
        return seqs

    def _enforce_count(self, cur: sqlite3.Cursor) -> None:
        excess = self._depth - self.max_readings
        if excess <= 0:
            return
        cur.execute(
            "DELETE FROM readings WHERE seq IN (SELECT seq FROM readings ORDER BY seq LIMIT ?)",
            (excess,),
        )
        self._count_dropped(cur, cur.rowcount, "size bound")

    def _count_dropped(self, cur: sqlite3.Cursor, n: int, why: str) -> None:
        if n <= 0:
            return
        self._depth -= n
        self._dropped += n
        cur.execute(
            "INSERT INTO meta (key, value) VALUES ('dropped', ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (self._dropped,),
        )
        logger.warning(
            "buffer full (%s): dropped %d oldest readings (%d so far)", why, n, self._dropped
        )

    def expire(self, now: datetime) -> int:
        """Drop readings older than the age bound; return how many went."""
        cutoff = _to_us(now) - int(self.max_age_s * 1_000_000)
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            cur.execute("DELETE FROM readings WHERE ts_us < ?", (cutoff,))
            n = cur.rowcount
            self._count_dropped(cur, n, "age bound")
            cur.execute("COMMIT")
        return max(n, 0)

    # -- reading and acknowledging ----------------------------------------------------

    def peek(self, after_seq: int, limit: int) -> list[Stored]:
        """The oldest readings with seq > after_seq, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, ts_us, sensor, kind, value, unit, zone FROM readings "
                "WHERE seq > ? ORDER BY seq LIMIT ?",
                (after_seq, limit),
            ).fetchall()
        out = []
        for seq, ts_us, sensor, kind, value, unit, zone in rows:
            reading = Reading.model_construct(
                sensor=sensor,
                kind=SensorKind(kind),
                value=value,
                unit=unit,
                ts=_from_us(ts_us),
                seq=seq,
                zone=zone,
            )
            out.append(Stored(seq, reading))
        return out

    def remove(self, seqs: Iterable[int]) -> int:
        """Delete acknowledged readings (already-dropped ones are simply absent)."""
        ids = [(s,) for s in seqs]
        if not ids:
            return 0
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            cur.executemany("DELETE FROM readings WHERE seq = ?", ids)
            n = cur.rowcount
            self._depth -= n
            cur.execute("COMMIT")
        return n

    def remove_range(self, first: int, last: int) -> int:
        """Delete readings first..last inclusive (one acknowledged batch)."""
        return self.remove_spans([(first, last)])

    def remove_spans(self, spans: Sequence[tuple[int, int]]) -> int:
        """Delete several acknowledged batches in one transaction (one fsync, not many)."""
        if not spans:
            return 0
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            n = 0
            for first, last in spans:
                cur.execute("DELETE FROM readings WHERE seq BETWEEN ? AND ?", (first, last))
                n += cur.rowcount
            cur.execute("COMMIT")
            self._depth -= n
        return n

    def close(self) -> None:
        with self._lock:
            self._db.close()


def readings_json(stored: Sequence[Stored]) -> list[dict[str, object]]:
    """Plain dicts of buffered readings (for debugging and `bk edge buffer`)."""
    return [json.loads(s.reading.model_dump_json(exclude_none=True)) for s in stored]
