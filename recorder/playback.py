"""Playback: a camera and a time range → its frames, an MP4 (H.264) or MJPEG; the API's entry.

The centre API calls this module (it does no role scoping itself: the API checks that
the caller may see the kitchen before calling). The whole surface::

    pb = Playback(database_url, video_dir, clips_dir)
    pb.coverage(site, camera, start, end)        # covered and missing intervals (gaps)
    pb.frames(site, camera, start, end)          # Iterator[Frame]: source ms + JPEG bytes
    pb.mp4(site, camera, start, end)             # Iterator[bytes]: fragmented MP4, H.264
    pb.mjpeg(site, camera, start, end)           # Iterator[bytes]: multipart/x-mixed-replace
    pb.mkv(site, camera, start, end, path)       # download: the JPEGs unchanged in Matroska
    pb.clip(alert_id)                            # the alert's evidence clip (index row)
    pb.clip_path(alert_id)                       # its file (<sha256>.mkv), None if none

`start`/`end` are aware datetimes or milliseconds since the epoch (UTC, source time).
`mp4` transcodes only the window asked for, on demand, and yields bytes as soon as the
first fragment is encoded (`Content-Type: video/mp4`, streamable: `empty_moov` +
fragments, so a browser starts playing before the end is encoded). `mjpeg` needs no
transcoding at all (`Content-Type: multipart/x-mixed-replace; boundary=bkframe`).
"""

import heapq
import logging
from collections.abc import Iterator
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.container

from recorder.clips import ClipStore, jpeg_size
from recorder.index import Clip, Coverage, RecordingIndex
from recorder.segments import Frame, SegmentWriter, read_segment

log = logging.getLogger(__name__)

MJPEG_BOUNDARY = "bkframe"
MJPEG_CONTENT_TYPE = f"multipart/x-mixed-replace; boundary={MJPEG_BOUNDARY}"
MP4_CONTENT_TYPE = "video/mp4"
MAX_WINDOW_MS = 24 * 3600 * 1000
"""Longest window one request may ask for (a day): bounds one request's work."""

TimeArg = datetime | int


def to_ms(value: TimeArg) -> int:
    """Milliseconds since the epoch from an aware datetime or an int of milliseconds."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: give UTC-aware times")
        return round(value.timestamp() * 1000)
    return int(value)


class _Sink:
    """A write-only file object that collects what the muxer writes, for streaming."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.pos = 0

    def write(self, data: Any) -> int:
        b = bytes(data)
        self.chunks.append(b)
        self.pos += len(b)
        return len(b)

    def tell(self) -> int:
        return self.pos

    def seekable(self) -> bool:
        return False

    def take(self) -> bytes:
        out = b"".join(self.chunks)
        self.chunks.clear()
        return out


class Playback:
    """Read side of the recorder: what the API and tools use."""

    def __init__(self, database_url: str, video_dir: Path, clips_dir: Path | None = None) -> None:
        self.index = RecordingIndex(database_url)
        self.video_dir = video_dir
        self.clips = ClipStore(clips_dir) if clips_dir is not None else None

    def close(self) -> None:
        self.index.close()

    def coverage(
        self, site: str, camera: str, start: TimeArg, end: TimeArg, max_gap_s: float = 5.0
    ) -> Coverage:
        """Covered and missing (gap) intervals of a camera in the window, in ms."""
        return self.index.coverage(site, camera, to_ms(start), to_ms(end), round(max_gap_s * 1000))

    def frames(self, site: str, camera: str, start: TimeArg, end: TimeArg) -> Iterator[Frame]:
        """The camera's frames in `[start, end]` by source time, live and late merged."""
        t0, t1 = to_ms(start), to_ms(end)
        if t1 < t0 or t1 - t0 > MAX_WINDOW_MS:
            raise ValueError("window must be non-empty and at most a day")
        streams = [
            self._segment_frames(self.video_dir / seg.path, seg.start_ms, t0, t1)
            for seg in self.index.segments(site, camera, t0, t1, open_to_now=True)
        ]
        last: int | None = None
        for frame in heapq.merge(*streams, key=lambda f: f.ts_ms):
            if frame.ts_ms == last:
                continue
            last = frame.ts_ms
            yield frame

    @staticmethod
    def _segment_frames(path: Path, start_ms: int, t0: int, t1: int) -> Iterator[Frame]:
        for frame in read_segment(path, start_ms):
            if frame.ts_ms > t1:
                return
            if frame.ts_ms >= t0:
                yield frame

    def mjpeg(self, site: str, camera: str, start: TimeArg, end: TimeArg) -> Iterator[bytes]:
        """multipart/x-mixed-replace parts, one JPEG each, unchanged (no transcoding)."""
        for frame in self.frames(site, camera, start, end):
            head = (
                f"--{MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                f"Content-Length: {len(frame.jpeg)}\r\nX-Timestamp-Ms: {frame.ts_ms}\r\n\r\n"
            )
            yield head.encode() + frame.jpeg + b"\r\n"

    def mp4(
        self,
        site: str,
        camera: str,
        start: TimeArg,
        end: TimeArg,
        crf: int = 28,
        gop: int = 10,
    ) -> Iterator[bytes]:
        """A streamable MP4 (H.264, yuv420p) of the window, transcoded as it is read.

        Source timestamps are kept (variable frame rate). Nothing is yielded for a window
        with no frames.
        """
        yield from encode_mp4(self.frames(site, camera, start, end), crf, gop)

    def mkv(self, site: str, camera: str, start: TimeArg, end: TimeArg, path: Path) -> int:
        """Write the window's JPEGs unchanged into a Matroska file (download); frame count."""
        writer: SegmentWriter | None = None
        for frame in self.frames(site, camera, start, end):
            if writer is None:
                w, h = jpeg_size(frame.jpeg)
                writer = SegmentWriter(path, frame.ts_ms, w, h, title=f"{site}/{camera}")
            writer.write(frame.ts_ms, frame.jpeg)
        if writer is None:
            return 0
        writer.close()
        return writer.frames

    def clip(self, alert_id: str) -> Clip | None:
        """The evidence clip of an alert (state pending/done/empty, sha256, window)."""
        return self.index.clip(alert_id)

    def clip_path(self, alert_id: str) -> Path | None:
        """The frozen clip file of an alert, if it was cut and is still there."""
        row = self.index.clip(alert_id)
        if row is None or row.sha256 is None or self.clips is None:
            return None
        path = self.clips.path(row.sha256)
        return path if path.is_file() else None


def encode_mp4(frames: Iterator[Frame], crf: int = 28, gop: int = 10) -> Iterator[bytes]:
    """Fragmented MP4 (H.264) from JPEG frames with their timestamps; bytes as they come.

    A keyframe every `gop` frames starts a fragment: the first fragment (playable video)
    is out after `gop` frames are encoded, which bounds the time to first picture.
    """
    sink = _Sink()
    out: av.container.OutputContainer | None = None
    stream: Any = None
    start_ms = 0
    last_pts = -1
    decoder = av.CodecContext.create("mjpeg", "r")
    try:
        for frame in frames:
            packet = av.Packet(frame.jpeg)
            for picture in decoder.decode(packet):
                if out is None:
                    out = av.open(
                        sink,
                        "w",
                        format="mp4",
                        options={"movflags": "frag_keyframe+empty_moov+default_base_moof"},
                    )
                    stream = out.add_stream(
                        "libx264",
                        options={
                            "preset": "veryfast",
                            "crf": str(crf),
                            "tune": "zerolatency",
                        },
                    )
                    stream.width = picture.width - picture.width % 2
                    stream.height = picture.height - picture.height % 2
                    stream.pix_fmt = "yuv420p"
                    stream.time_base = Fraction(1, 1000)
                    stream.codec_context.time_base = Fraction(1, 1000)
                    stream.codec_context.gop_size = max(1, gop)
                    start_ms = frame.ts_ms
                pts = frame.ts_ms - start_ms
                if pts <= last_pts:
                    continue
                last_pts = pts
                img = picture.reformat(width=stream.width, height=stream.height, format="yuv420p")
                img.pts = pts
                img.time_base = Fraction(1, 1000)
                for enc in stream.encode(img):
                    out.mux(enc)
                data = sink.take()
                if data:
                    yield data
        if out is not None:
            for enc in stream.encode(None):
                out.mux(enc)
            out.close()
            out = None
            data = sink.take()
            if data:
                yield data
    finally:
        if out is not None:
            out.close()


def mp4_frame_count(data: bytes) -> int:
    """Decoded frames of an MP4 held in memory (tests and tools)."""
    import io

    with av.open(io.BytesIO(data), "r") as c:
        return sum(1 for _ in c.decode(video=0))
