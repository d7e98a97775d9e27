"""Disk buffer bounds and crash safety; frame pipeline gating and encoding."""

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from core.schemas import CameraSettings, SensorKind
from edge.buffer import DiskBuffer
from edge.camera import FramePipeline
from edge.drivers.base import Sample

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _samples(n: int, start: int = 0) -> list[Sample]:
    return [
        Sample("t1", SensorKind.TEMPERATURE, float(i), "degC", T0 + timedelta(seconds=i))
        for i in range(start, start + n)
    ]


def test_edge_buffer_seq_order_and_ack(tmp_path: Path) -> None:
    buf = DiskBuffer(tmp_path / "b.sqlite")
    assert buf.append(_samples(5)) == [1, 2, 3, 4, 5]
    batch = buf.peek(0, 3)
    assert [b.seq for b in batch] == [1, 2, 3]
    assert [b.reading.ts for b in batch] == [T0 + timedelta(seconds=i) for i in range(3)]
    assert batch[0].reading.ts.tzinfo is not None
    assert [b.seq for b in buf.peek(3, 10)] == [4, 5]
    assert buf.remove_range(1, 3) == 3
    assert buf.depth == 2
    buf.close()
    # Numbers are never reused, even after deletes and a reopen.
    again = DiskBuffer(tmp_path / "b.sqlite")
    assert again.depth == 2
    again.remove_range(4, 5)
    assert again.append(_samples(1)) == [6]
    again.close()


def test_edge_buffer_drops_oldest_by_count_and_age(tmp_path: Path) -> None:
    buf = DiskBuffer(tmp_path / "b.sqlite", max_readings=10, max_age_s=3600)
    buf.append(_samples(25))
    assert buf.depth == 10
    assert buf.dropped == 15
    assert [b.seq for b in buf.peek(0, 100)] == list(range(16, 26))
    # Age: readings taken more than an hour before `now` go (values 15..19), newer stay.
    assert buf.expire(T0 + timedelta(seconds=3600 + 20)) == 5
    assert [b.reading.value for b in buf.peek(0, 100)] == [20.0, 21.0, 22.0, 23.0, 24.0]
    assert buf.dropped == 20
    buf.close()
    assert DiskBuffer(tmp_path / "b.sqlite").dropped == 20, "the drop counter survives restarts"


def test_edge_buffer_is_wal_and_committed(tmp_path: Path) -> None:
    buf = DiskBuffer(tmp_path / "b.sqlite")
    buf.append(_samples(3))
    # Another connection (as after a crash) sees committed rows at once.
    other = sqlite3.connect(tmp_path / "b.sqlite")
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert other.execute("SELECT COUNT(*) FROM readings").fetchone()[0] == 3
    other.close()
    buf.close()


def _frame(x: int) -> np.ndarray:
    img = np.full((480, 640, 3), 30, np.uint8)
    cv2.rectangle(img, (x, 100), (x + 120, 300), (255, 255, 255), -1)
    return img


def test_edge_pipeline_motion_gate_keyframe_and_resize() -> None:
    pipe = FramePipeline(
        CameraSettings(fps=2, width=320, height=240, jpeg_quality=60, motion_threshold=0.02),
        keyframe_s=10,
    )
    first = pipe.process(_frame(0), mono=0.0)
    assert first is not None and (first.width, first.height) == (320, 240)
    assert first.jpeg.startswith(b"\xff\xd8\xff")
    decoded = cv2.imdecode(np.frombuffer(first.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None and decoded.shape == (240, 320, 3)
    # A still kitchen: held back...
    assert pipe.process(_frame(0), mono=1.0) is None
    assert pipe.process(_frame(0), mono=2.0) is None
    assert pipe.skipped_still == 2
    # ...until something moves,
    assert pipe.process(_frame(300), mono=3.0) is not None
    # ...or the keyframe interval has passed.
    assert pipe.process(_frame(300), mono=5.0) is None
    assert pipe.process(_frame(300), mono=13.5) is not None
    # Threshold 0 sends everything.
    pipe.update(CameraSettings(motion_threshold=0, width=640, height=480))
    sent = pipe.process(_frame(300), mono=14.0)
    assert sent is not None and sent.width == 640


def test_edge_pipeline_rate_limit() -> None:
    pipe = FramePipeline(CameraSettings(fps=2))
    due = [t for t in (0.0, 0.1, 0.3, 0.5, 0.6, 1.0, 1.49, 1.5) if pipe.due(t)]
    assert due == [0.0, 0.5, 1.0, 1.5]
