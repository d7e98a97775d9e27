"""The recorder's index: segments by camera and source-time range, evidence clips by alert.

Times are integer milliseconds since the Unix epoch (UTC), taken at the source (the
camera's edge agent), never the recorder's clock: a frame replayed after an outage is
indexed where it was taken. A segment covers `[start_ms, end_ms]`, the timestamps of its
first and last frame. `kind` is `live` for the stream as it arrives and `late` for frames
older than what the camera's live segment already holds (an edge replaying its buffer):
playback merges both by time, so a late frame lands in the right place.

One database for every worker (SQLite in WAL mode on one machine, PostgreSQL through
the same code across machines): playback, gaps and retention read one index. Each row
is written by the one worker that owns its camera, so workers never contend for rows.
"""

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)

metadata = MetaData()

segments = Table(
    "recorder_segments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site", String(64), nullable=False),
    Column("camera", String(64), nullable=False),
    Column("kind", String(8), nullable=False),  # live | late
    Column("path", String(512), nullable=False, unique=True),  # relative to video_dir
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger, nullable=False),
    Column("frames", Integer, nullable=False, default=0),
    Column("bytes", BigInteger, nullable=False, default=0),
    Column("state", String(12), nullable=False),  # open | closed | recovered
    Column("opened_at_ms", BigInteger, nullable=False),  # recorder's wall clock
    Index("ix_recorder_segments_camera", "site", "camera", "start_ms"),
    Index("ix_recorder_segments_end", "end_ms"),
)

clips = Table(
    "recorder_clips",
    metadata,
    Column("alert_id", String(64), primary_key=True),
    Column("site", String(64), nullable=False),
    Column("camera", String(64), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("alert_ms", BigInteger, nullable=False),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger, nullable=False),
    Column("state", String(8), nullable=False),  # pending | done | empty
    Column("sha256", String(64), nullable=True),
    Column("path", String(512), nullable=True),
    Column("frames", Integer, nullable=False, default=0),
    Column("bytes", BigInteger, nullable=False, default=0),
    Column("requested_at_ms", BigInteger, nullable=False),
    Index("ix_recorder_clips_camera", "site", "camera", "alert_ms"),
)


@dataclass(frozen=True, slots=True)
class Segment:
    """One row of the segment index."""

    id: int
    site: str
    camera: str
    kind: str
    path: str
    start_ms: int
    end_ms: int
    frames: int
    bytes: int
    state: str


@dataclass(frozen=True, slots=True)
class Clip:
    """One evidence clip (pending until its window has been recorded)."""

    alert_id: str
    site: str
    camera: str
    rule: str
    alert_ms: int
    start_ms: int
    end_ms: int
    state: str
    sha256: str | None
    path: str | None
    frames: int
    bytes: int
    requested_at_ms: int


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a camera recorded in a window: covered and missing intervals (ms, half-open)."""

    covered: list[tuple[int, int]]
    missing: list[tuple[int, int]]

    @property
    def covered_ms(self) -> int:
        return sum(b - a for a, b in self.covered)


def make_engine(url: str) -> Engine:
    """Engine for `url`; a SQLite file's folder is created and WAL mode set (many writers)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragma(conn: Any, _record: Any) -> None:
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return engine


def _segment(row: Any) -> Segment:
    return Segment(
        int(row.id),
        str(row.site),
        str(row.camera),
        str(row.kind),
        str(row.path),
        int(row.start_ms),
        int(row.end_ms),
        int(row.frames),
        int(row.bytes),
        str(row.state),
    )


def _clip(row: Any) -> Clip:
    return Clip(
        str(row.alert_id),
        str(row.site),
        str(row.camera),
        str(row.rule),
        int(row.alert_ms),
        int(row.start_ms),
        int(row.end_ms),
        str(row.state),
        row.sha256,
        row.path,
        int(row.frames),
        int(row.bytes),
        int(row.requested_at_ms),
    )


class RecordingIndex:
    """Reads and writes the index; safe to share between threads (one engine, short txns)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        for attempt in range(5):
            try:
                metadata.create_all(self.engine)
                break
            except OperationalError:
                # Another worker created the tables between our check and our CREATE.
                if attempt == 4:
                    raise

    def close(self) -> None:
        self.engine.dispose()

    # -- segments ---------------------------------------------------------------------

    def open_segment(
        self, site: str, camera: str, kind: str, path: str, start_ms: int, now_ms: int
    ) -> int:
        """Index a segment as it opens (state `open`): a crash leaves a row to recover."""
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(segments).values(
                    site=site,
                    camera=camera,
                    kind=kind,
                    path=path,
                    start_ms=start_ms,
                    end_ms=start_ms,
                    frames=0,
                    bytes=0,
                    state="open",
                    opened_at_ms=now_ms,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def update_segments(self, rows: Sequence[tuple[int, int, int, int, str]]) -> None:
        """(id, end_ms, frames, bytes, state) of segments, in one transaction."""
        if not rows:
            return
        with self.engine.begin() as conn:
            for seg_id, end_ms, frames, size, state in rows:
                conn.execute(
                    update(segments)
                    .where(segments.c.id == seg_id)
                    .values(end_ms=end_ms, frames=frames, bytes=size, state=state)
                )

    def delete_segments(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        with self.engine.begin() as conn:
            for start in range(0, len(ids), 500):
                conn.execute(delete(segments).where(segments.c.id.in_(ids[start : start + 500])))

    def segments(
        self,
        site: str | None = None,
        camera: str | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        state: str | None = None,
        open_to_now: bool = False,
    ) -> list[Segment]:
        """Segments (of a camera) overlapping `[start_ms, end_ms]`, oldest first.

        `open_to_now`: an open segment counts as reaching to now (its row's `end_ms` is
        refreshed only every few seconds; its file already holds the newest frames).
        """
        conds: list[Any] = []
        if site is not None:
            conds.append(segments.c.site == site)
        if camera is not None:
            conds.append(segments.c.camera == camera)
        if start_ms is not None and open_to_now:
            conds.append(or_(segments.c.end_ms >= start_ms, segments.c.state == "open"))
        elif start_ms is not None:
            conds.append(segments.c.end_ms >= start_ms)
        if end_ms is not None:
            conds.append(segments.c.start_ms <= end_ms)
        if state is not None:
            conds.append(segments.c.state == state)
        query = select(segments).where(and_(True, *conds)).order_by(segments.c.start_ms)
        with self.engine.connect() as conn:
            return [_segment(r) for r in conn.execute(query)]

    def ended_before(self, end_ms: int) -> list[Segment]:
        """Finished segments whose last frame is older than `end_ms` (retention candidates)."""
        query = (
            select(segments)
            .where(segments.c.end_ms < end_ms, segments.c.state != "open")
            .order_by(segments.c.end_ms)
        )
        with self.engine.connect() as conn:
            return [_segment(r) for r in conn.execute(query)]

    def last_live_end(self, site: str, camera: str) -> int | None:
        """Timestamp of the newest frame in the camera's live segments (None: none yet)."""
        query = select(func.max(segments.c.end_ms)).where(
            segments.c.site == site, segments.c.camera == camera, segments.c.kind == "live"
        )
        with self.engine.connect() as conn:
            value = conn.execute(query).scalar()
        return None if value is None else int(value)

    def has_camera(self, site: str, camera: str) -> bool:
        """Whether anything of this camera was ever recorded (its alerts get clips)."""
        query = (
            select(segments.c.id)
            .where(segments.c.site == site, segments.c.camera == camera)
            .limit(1)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def total_bytes(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(select(func.sum(segments.c.bytes))).scalar()
        return int(value or 0)

    def coverage(
        self, site: str, camera: str, start_ms: int, end_ms: int, max_gap_ms: int
    ) -> Coverage:
        """Covered and missing intervals of a camera in `[start_ms, end_ms)`.

        A segment covers its first to its last frame; two frames closer than `max_gap_ms`
        (also across segments) count as continuous recording. What is not covered is a
        gap: the camera was silent, offline or not recorded.
        """
        spans = sorted(
            (s.start_ms, s.end_ms) for s in self.segments(site, camera, start_ms, end_ms)
        )
        merged: list[list[int]] = []
        for a, b in spans:
            if merged and a - merged[-1][1] <= max_gap_ms:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        covered: list[tuple[int, int]] = []
        for a, b in merged:
            lo, hi = max(a, start_ms), min(b, end_ms)
            if hi > lo:
                covered.append((lo, hi))
        missing: list[tuple[int, int]] = []
        cursor = start_ms
        for a, b in covered:
            if a > cursor:
                missing.append((cursor, a))
            cursor = max(cursor, b)
        if cursor < end_ms:
            missing.append((cursor, end_ms))
        return Coverage(covered, missing)

    # -- clips --------------------------------------------------------------------------

    def request_clip(
        self,
        alert_id: str,
        site: str,
        camera: str,
        rule: str,
        alert_ms: int,
        start_ms: int,
        end_ms: int,
        now_ms: int,
    ) -> bool:
        """Remember a clip to cut (idempotent: False when the alert already has one)."""
        with self.engine.begin() as conn:
            exists = conn.execute(
                select(clips.c.alert_id).where(clips.c.alert_id == alert_id)
            ).first()
            if exists is not None:
                return False
            conn.execute(
                insert(clips).values(
                    alert_id=alert_id,
                    site=site,
                    camera=camera,
                    rule=rule,
                    alert_ms=alert_ms,
                    start_ms=start_ms,
                    end_ms=end_ms,
                    state="pending",
                    frames=0,
                    bytes=0,
                    requested_at_ms=now_ms,
                )
            )
        return True

    def finish_clip(
        self,
        alert_id: str,
        state: str,
        sha256: str | None,
        path: str | None,
        frames: int,
        size: int,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(clips)
                .where(clips.c.alert_id == alert_id)
                .values(state=state, sha256=sha256, path=path, frames=frames, bytes=size)
            )

    def clips(
        self, state: str | None = None, site: str | None = None, camera: str | None = None
    ) -> list[Clip]:
        conds: list[Any] = []
        if state is not None:
            conds.append(clips.c.state == state)
        if site is not None:
            conds.append(clips.c.site == site)
        if camera is not None:
            conds.append(clips.c.camera == camera)
        query = select(clips).where(and_(True, *conds)).order_by(clips.c.alert_ms)
        with self.engine.connect() as conn:
            return [_clip(r) for r in conn.execute(query)]

    def clip(self, alert_id: str) -> Clip | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(clips).where(clips.c.alert_id == alert_id)).first()
        return None if row is None else _clip(row)

    def iter_all_segments(self) -> Iterator[Segment]:
        """Every segment, oldest first (tests, tools)."""
        yield from self.segments()
