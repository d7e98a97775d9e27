"""Two recorder workers side by side: cameras split by a stable hash, no frame recorded twice."""

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.partition import camera_key, owner
from recorder.playback import Playback
from recorder.segments import read_segment
from recorder.service import RecorderService
from recorder.settings import RecorderSection, RecorderSettings

pytestmark = pytest.mark.integration
WORKERS = 2
FRAMES = 12
STEP = 500


def _cameras(site: str, per_worker: int) -> list[str]:
    owned: dict[int, list[str]] = {i: [] for i in range(WORKERS)}
    n = 0
    while min(len(v) for v in owned.values()) < per_worker:
        n += 1
        cam = f"cam{n}"
        i = owner(camera_key(site, cam), WORKERS)
        if len(owned[i]) < per_worker:
            owned[i].append(cam)
    return sorted(c for v in owned.values() for c in v)


@pytest.mark.parametrize("known", [True, False], ids=["known-cameras", "learned-cameras"])
def test_two_workers_split_cameras(
    broker: Any,
    camera: Any,
    jpeg_factory: Callable[..., list[bytes]],
    waiter: Callable[..., bool],
    tmp_path: Path,
    known: bool,
) -> None:
    site = "kitchen-w"
    cams = _cameras(site, per_worker=3)
    warm = {owner(camera_key(site, c), WORKERS): c for c in cams}  # one camera per worker
    url = f"sqlite:///{tmp_path / 'index.sqlite'}"
    services = [
        RecorderService(
            RecorderSettings(
                mqtt=broker.settings,
                recorder=RecorderSection(
                    instance=f"r{i}",
                    worker_index=i,
                    workers=WORKERS,
                    known_cameras=[f"{site}/{c}" for c in cams] if known else None,
                    video_dir=tmp_path / "video",
                    clips_dir=tmp_path / "clips",
                    database_url=url,  # one index for both, as in production
                ),
            )
        )
        for i in range(WORKERS)
    ]
    jpegs = jpeg_factory(FRAMES)
    t0 = time.time_ns() // 1_000_000 - 60_000
    try:
        for s in services:
            s.start()
        # Subscriptions in place: each worker has recorded a first frame of its camera.
        for i, cam in warm.items():
            for _ in range(100):  # one timestamp: extra copies are duplicates
                camera.send(site, cam, t0 - 10_000, jpegs[0])
                if waiter(lambda i=i: services[i].counters.frames > 0, 0.2):
                    break
        warm_frames = sum(s.counters.frames for s in services)
        for k in range(FRAMES):  # interleaved, as cameras send
            for cam in cams:
                camera.send(site, cam, t0 + k * STEP, jpegs[k])
        expected = warm_frames + FRAMES * len(cams)
        assert waiter(lambda: sum(s.counters.frames for s in services) >= expected)
        time.sleep(0.5)  # anything recorded twice would arrive now
    finally:
        for s in services:
            s.stop()

    assert sum(s.counters.frames for s in services) == expected
    for i, s in enumerate(services):
        mine = {c for c in cams if owner(camera_key(site, c), WORKERS) == i}
        assert {cam for (_, cam) in s.cameras} == mine
        if not known:  # every frame reached both; each dropped the other's
            assert s.extra["not_owned"] >= FRAMES * (len(cams) - len(mine))
        else:
            assert s.extra["not_owned"] == 0
    pb = Playback(url, tmp_path / "video")
    for cam in cams:
        back = list(pb.frames(site, cam, t0, t0 + 60_000))
        assert [f.jpeg for f in back] == jpegs
        # Every file of the camera read on its own: each timestamp once over all files.
        counts = Counter(
            f.ts_ms
            for seg in pb.index.segments(site, cam)
            for f in read_segment(tmp_path / "video" / seg.path)
            if f.ts_ms >= t0
        )
        assert len(counts) == FRAMES and max(counts.values()) == 1
    pb.close()
