"""Playback as MP4 (H.264) and MJPEG, and evidence clips frozen under their hash and chained."""

import io
from collections.abc import Callable
from pathlib import Path

import av

from recorder.camera import CameraRecorder
from recorder.clips import ClipStore, jpeg_size
from recorder.index import RecordingIndex
from recorder.playback import MJPEG_BOUNDARY, Playback
from recorder.segments import read_segment

T0 = 1_790_000_000_000
STEP = 500


def _record(cam: CameraRecorder, jpegs: list[bytes]) -> list[int]:
    times = [T0 + i * STEP for i in range(len(jpegs))]
    for ts, jpeg in zip(times, jpegs, strict=True):
        cam.frame(ts, jpeg, 320, 240)
    cam.close()
    return times


def test_mp4_is_h264_of_just_the_window_with_source_timing(
    make_camera: Callable[..., CameraRecorder],
    index: RecordingIndex,
    jpegs: list[bytes],
    tmp_path: Path,
) -> None:
    _record(make_camera(), jpegs)
    pb = Playback(index.url, tmp_path / "video")
    chunks = list(pb.mp4("site1", "cam1", T0 + 5 * STEP, T0 + 24 * STEP))
    assert len(chunks) > 1  # streamed in fragments, not one blob at the end
    with av.open(io.BytesIO(b"".join(chunks)), "r") as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = list(c.decode(stream))
    assert len(frames) == 20
    assert all(f.pts is not None and f.time_base is not None for f in frames)
    times = [round(float(f.pts * f.time_base) * 1000) for f in frames]  # type: ignore[operator]
    # Relative to the window's first frame, within a millisecond of the source.
    assert all(abs(t - i * STEP) <= 1 for i, t in enumerate(times))
    assert (frames[0].width, frames[0].height) == (320, 240)


def test_mjpeg_parts_are_the_recorded_jpegs(
    make_camera: Callable[..., CameraRecorder],
    index: RecordingIndex,
    jpegs: list[bytes],
    tmp_path: Path,
) -> None:
    _record(make_camera(), jpegs)
    parts = list(Playback(index.url, tmp_path / "video").mjpeg("site1", "cam1", T0, T0 + 2_000))
    assert len(parts) == 5
    for part, jpeg in zip(parts, jpegs, strict=False):
        head, body = part.split(b"\r\n\r\n", 1)
        assert head.startswith(f"--{MJPEG_BOUNDARY}".encode())
        assert body == jpeg + b"\r\n"


def test_clip_is_named_by_its_hash_and_chained(
    make_camera: Callable[..., CameraRecorder],
    index: RecordingIndex,
    jpegs: list[bytes],
    tmp_path: Path,
) -> None:
    _record(make_camera(), jpegs)
    pb = Playback(index.url, tmp_path / "video")
    store = ClipStore(tmp_path / "clips")
    frozen = store.freeze(
        pb.frames("site1", "cam1", T0 + 10 * STEP, T0 + 19 * STEP),
        "site1",
        "cam1",
        "a1",
        T0 + 10 * STEP,
        T0 + 19 * STEP,
    )
    assert frozen is not None
    assert frozen.path.name == f"{frozen.sha256}.mkv" and frozen.frames == 10
    back = list(read_segment(frozen.path))
    assert [f.jpeg for f in back] == jpegs[10:20]
    assert [f.ts_ms for f in back] == [T0 + i * STEP for i in range(10, 20)]
    report = store.verify()
    assert report.ok and report.records == 1

    empty = store.freeze(iter([]), "site1", "cam1", "a2", 0, 1)
    assert empty is None

    data = bytearray(frozen.path.read_bytes())
    data[-10] ^= 0xFF
    frozen.path.write_bytes(bytes(data))
    assert any("altered" in p for p in store.verify().problems)


def test_jpeg_size_reads_the_frame_header(jpeg_factory: Callable[..., list[bytes]]) -> None:
    (jpeg,) = jpeg_factory(1, 640, 480)
    assert jpeg_size(jpeg) == (640, 480)
