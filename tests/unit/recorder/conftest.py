"""Fixtures of the recorder's unit tests: JPEG frames, an index and a camera recorder."""

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from recorder.camera import CameraRecorder, Limits, RecorderCounters
from recorder.index import RecordingIndex

T0 = 1_790_000_000_000
"""A fixed source time (ms, 2026-09-21) so paths and windows are reproducible."""


def make_jpegs(n: int, width: int = 320, height: int = 240, seed: int = 0) -> list[bytes]:
    """n distinct JPEG frames (a number drawn on noise), each encoded once."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        img = rng.integers(0, 60, (height, width, 3), dtype=np.uint8)
        cv2.putText(img, str(i), (20, height // 2), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
        assert ok
        out.append(buf.tobytes())
    return out


@pytest.fixture
def jpegs() -> list[bytes]:
    """Forty distinct 320×240 JPEG frames."""
    return make_jpegs(40)


@pytest.fixture
def jpeg_factory() -> Callable[..., list[bytes]]:
    """make_jpegs(n, width, height, seed) for tests that need other frames."""
    return make_jpegs


@pytest.fixture
def index(tmp_path: Path) -> Iterator[RecordingIndex]:
    """A fresh SQLite index in the test's folder."""
    idx = RecordingIndex(f"sqlite:///{tmp_path / 'index.sqlite'}")
    yield idx
    idx.close()


class Clock:
    """A wall clock the test moves by hand (ms)."""

    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A hand-moved wall clock starting at T0."""
    return Clock()


@pytest.fixture
def make_camera(
    index: RecordingIndex, tmp_path: Path, clock: Clock
) -> Callable[..., CameraRecorder]:
    """Build a camera recorder on the test's index and video folder."""

    def make(
        camera: str = "cam1", segment_ms: int = 10_000, max_gap_ms: int = 2_000
    ) -> CameraRecorder:
        limits = Limits(segment_ms, max_gap_ms, late_idle_ms=5_000, cluster_ms=1000)
        return CameraRecorder(
            "site1", camera, index, tmp_path / "video", limits, RecorderCounters(), clock
        )

    return make
