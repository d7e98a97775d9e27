"""Segments read back exactly: frame count, source timestamps, JPEG bytes; late frames in place."""

import shutil
from collections.abc import Callable
from pathlib import Path

from recorder.camera import CameraRecorder
from recorder.index import RecordingIndex
from recorder.playback import Playback
from recorder.segments import SegmentWriter, probe_segment, read_segment

T0 = 1_790_000_000_000
STEP = 500  # 2 fps


def _playback(index: RecordingIndex, tmp_path: Path) -> Playback:
    return Playback(index.url, tmp_path / "video", tmp_path / "clips")


def test_frames_read_back_unchanged_with_their_timestamps(
    make_camera: Callable[..., CameraRecorder],
    index: RecordingIndex,
    jpegs: list[bytes],
    tmp_path: Path,
) -> None:
    cam = make_camera()
    # Source times with jitter (not a fixed rate): each must come back as it was.
    times = [T0 + i * STEP + (i * 37) % 90 for i in range(len(jpegs))]
    for ts, jpeg in zip(times, jpegs, strict=True):
        assert cam.frame(ts, jpeg, 320, 240) == "live"
    cam.close()

    segs = index.segments("site1", "cam1")
    assert [s.state for s in segs] == ["closed"] * len(segs)
    assert sum(s.frames for s in segs) == len(jpegs)
    # 40 frames over ~20 s in 10 s segments: two files, back to back.
    assert len(segs) == 2
    assert segs[0].start_ms == times[0] and segs[-1].end_ms == times[-1]

    back = list(_playback(index, tmp_path).frames("site1", "cam1", T0, T0 + 60_000))
    assert [f.ts_ms for f in back] == times
    assert [f.jpeg for f in back] == jpegs
    for seg in segs:  # each file on its own, by its own start tag
        own = list(read_segment(tmp_path / "video" / seg.path))
        assert own[0].ts_ms == seg.start_ms and own[-1].ts_ms == seg.end_ms


def test_silence_ends_a_segment_and_shows_as_a_gap(
    make_camera: Callable[..., CameraRecorder],
    index: RecordingIndex,
    jpegs: list[bytes],
    tmp_path: Path,
) -> None:
    cam = make_camera(max_gap_ms=2_000)
    for i in range(10):
        cam.frame(T0 + i * STEP, jpegs[i], 320, 240)  # 0 … 4.5 s
    for i in range(10, 20):
        cam.frame(T0 + 30_000 + i * STEP, jpegs[i], 320, 240)  # 35 … 39.5 s
    cam.close()
    assert len(index.segments("site1", "cam1")) == 2
    cov = _playback(index, tmp_path).coverage("site1", "cam1", T0, T0 + 60_000, max_gap_s=2)
    assert cov.covered == [(T0, T0 + 4_500), (T0 + 35_000, T0 + 39_500)]
    assert cov.missing == [(T0 + 4_500, T0 + 35_000), (T0 + 39_500, T0 + 60_000)]


def test_wall_clock_silence_closes_the_open_segment(
    make_camera: Callable[..., CameraRecorder],
    index: RecordingIndex,
    jpegs: list[bytes],
    clock: Callable[[], int],
) -> None:
    cam = make_camera(max_gap_ms=2_000)
    for i in range(4):
        cam.frame(T0 + i * STEP, jpegs[i], 320, 240)
    cam.tick()
    assert index.segments("site1", "cam1")[0].state == "open"
    clock.now += 2_500  # type: ignore[attr-defined]
    cam.tick()
    (seg,) = index.segments("site1", "cam1")
    assert (seg.state, seg.frames, seg.end_ms) == ("closed", 4, T0 + 3 * STEP)


def test_late_frames_land_in_place_and_duplicates_are_dropped(
    make_camera: Callable[..., CameraRecorder],
    index: RecordingIndex,
    jpegs: list[bytes],
    tmp_path: Path,
) -> None:
    cam = make_camera(segment_ms=60_000)
    times = [T0 + i * STEP for i in range(len(jpegs))]
    # The edge was offline for frames 10-29: live frames 0-9, then 30-39 arrive first,
    # then the edge replays 10-29 from its buffer.
    ways = [cam.frame(times[i], jpegs[i], 320, 240) for i in range(10)]
    ways += [cam.frame(times[i], jpegs[i], 320, 240) for i in range(30, 40)]
    ways += [cam.frame(times[i], jpegs[i], 320, 240) for i in range(10, 30)]
    ways.append(cam.frame(times[39], jpegs[39], 320, 240))  # the live frame again
    cam.close()
    assert ways.count("live") == 20 and ways.count("late") == 20
    assert ways[-1] == "duplicate"
    kinds = sorted((s.kind, s.start_ms, s.end_ms) for s in index.segments("site1", "cam1"))
    assert ("late", times[10], times[29]) in kinds
    back = list(_playback(index, tmp_path).frames("site1", "cam1", T0, T0 + 60_000))
    assert [f.ts_ms for f in back] == times
    assert [f.jpeg for f in back] == jpegs


def test_restart_sends_older_frames_to_a_late_segment(
    make_camera: Callable[..., CameraRecorder], index: RecordingIndex, jpegs: list[bytes]
) -> None:
    cam = make_camera()
    for i in range(10, 20):
        cam.frame(T0 + i * STEP, jpegs[i], 320, 240)
    cam.close()
    again = make_camera()  # a new process: knows the newest live frame from the index
    assert again.frame(T0 + 5 * STEP, jpegs[5], 320, 240) == "late"
    assert again.frame(T0 + 19 * STEP, jpegs[19], 320, 240) == "duplicate"
    assert again.frame(T0 + 20 * STEP, jpegs[20], 320, 240) == "live"
    again.close()


def test_a_file_cut_short_still_reads_up_to_the_cut(jpegs: list[bytes], tmp_path: Path) -> None:
    path = tmp_path / "seg.mkv"
    writer = SegmentWriter(path, T0, 320, 240, cluster_ms=1000)
    for i, jpeg in enumerate(jpegs):
        writer.write(T0 + i * STEP, jpeg)
    # What a kill -9 leaves: the file as it is on disk while the writer is still open.
    shutil.copy(path, tmp_path / "cut.mkv")
    writer.close()
    info = probe_segment(tmp_path / "cut.mkv", T0)
    # At most one frame (the one the muxer holds back for its duration) is missing.
    assert len(jpegs) - 1 <= info.frames <= len(jpegs)
    assert info.first_ms == T0
    cut = list(read_segment(tmp_path / "cut.mkv"))
    assert [f.jpeg for f in cut] == jpegs[: len(cut)]


def test_playback_reads_an_open_segment_up_to_its_newest_frame(
    make_camera: Callable[..., CameraRecorder],
    index: RecordingIndex,
    jpegs: list[bytes],
    tmp_path: Path,
) -> None:
    cam = make_camera()
    for i in range(8):
        cam.frame(T0 + i * STEP, jpegs[i], 320, 240)
    # The index row still says what it said at opening (refreshed every few seconds).
    (seg,) = index.segments("site1", "cam1")
    assert (seg.state, seg.end_ms) == ("open", T0)
    back = list(_playback(index, tmp_path).frames("site1", "cam1", T0 + 2_000, T0 + 9_000))
    # All but the frame the muxer holds back until the next one comes.
    assert [f.ts_ms for f in back] == [T0 + i * STEP for i in range(4, 7)]
    cam.close()
