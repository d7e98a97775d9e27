"""Pending clips live in the index: a restarted recorder cuts them; a silent camera's is empty."""

from collections.abc import Callable
from pathlib import Path

from recorder.camera import CameraRecorder, Limits
from recorder.service import RecorderService
from recorder.settings import RecorderSection, RecorderSettings

T0 = 1_790_000_000_000
STEP = 500


def _service(tmp_path: Path, clock: Callable[[], int]) -> RecorderService:
    settings = RecorderSettings(
        recorder=RecorderSection.model_validate(
            {
                "video_dir": tmp_path / "video",
                "clips_dir": tmp_path / "clips",
                "database_url": f"sqlite:///{tmp_path / 'index.sqlite'}",
                "clip_before_s": 2,
                "clip_after_s": 3,
                "clip_wait_s": 10,
            }
        )
    )
    return RecorderService(settings, clock_ms=clock)  # never connected


def _shut(service: RecorderService) -> None:
    service.playback.close()
    service.index.close()


def test_a_restart_cuts_the_clips_left_pending(tmp_path: Path, jpegs: list[bytes]) -> None:
    now = [T0]
    first = _service(tmp_path, lambda: now[0])
    cam = CameraRecorder(
        "s1",
        "cam1",
        first.index,
        first.video_dir,
        Limits(60_000, 5_000, 10_000, 1000),
        first.counters,
        lambda: now[0],
    )
    for i in range(20):
        cam.frame(T0 + i * STEP, jpegs[i], 320, 240)
    cam.close()
    alert = T0 + 4_000
    assert first.index.request_clip(
        "a1", "s1", "cam1", "no-hat", alert, alert - 2000, alert + 3000, now[0]
    )
    assert not first.index.request_clip("a1", "s1", "cam1", "no-hat", alert, 0, 1, now[0])
    assert first.index.request_clip(
        "a2", "s1", "cam9", "no-hat", alert, alert - 2000, alert + 3000, now[0]
    )
    _shut(first)  # went down before cutting anything

    now[0] += 14_000  # past after + wait: cut with what there is
    second = _service(tmp_path, lambda: now[0])
    assert second.cut_clips() == 2
    done = second.index.clip("a1")
    assert done is not None and done.state == "done" and done.sha256 is not None
    assert done.frames == len(
        [i for i in range(20) if alert - 2000 <= T0 + i * STEP <= alert + 3000]
    )
    path = second.playback.clip_path("a1")
    assert path is not None and path.name == f"{done.sha256}.mkv"
    empty = second.index.clip("a2")
    assert empty is not None and (empty.state, empty.sha256) == ("empty", None)
    assert second.cut_clips() == 0  # nothing cut twice
    assert second.clips.verify().records == 1
    _shut(second)
