"""Segment files: a camera's JPEG frames, unchanged, muxed into Matroska with their source times.

No re-encoding: each JPEG a camera published becomes one Matroska block (codec MJPEG)
byte for byte, with its source timestamp (milliseconds since the segment's first frame;
the segment's absolute start is in the index and in the file's `BK_START_MS` tag). Cost
is a copy and a write per frame.

Crash safety, measured (tests/integration/recorder/test_recorder_crash.py): libavformat's
Matroska muxer writes each block as the next frame arrives (it holds one back to know its
duration) and we flush the file after every packet, with clusters at most `cluster_ms`
long; the header is written first. A file cut short by `kill -9` therefore demuxes to the
last written block: what is lost is the one held-back frame plus whatever was still in
flight, far under the promised "last second of the open segment". `read_segment` reads
such a truncated file (no cues, no final sizes) as well as a closed one.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.container

log = logging.getLogger(__name__)

MS = Fraction(1, 1000)
START_TAG = "BK_START_MS"


@dataclass(frozen=True, slots=True)
class Frame:
    """One recorded frame: source time (ms since the epoch, UTC) and its JPEG bytes."""

    ts_ms: int
    jpeg: bytes


class SegmentWriter:
    """One open segment file; frames must come with strictly increasing timestamps."""

    def __init__(
        self,
        path: Path,
        start_ms: int,
        width: int,
        height: int,
        title: str = "",
        cluster_ms: int = 1000,
    ) -> None:
        self.path = path
        self.start_ms = start_ms
        self.width = width
        self.height = height
        self.last_ms: int | None = None
        self.frames = 0
        self.bytes = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._container = av.open(
            str(path),
            "w",
            format="matroska",
            options={
                "cluster_time_limit": str(cluster_ms),
                # Every block reaches the file (the OS) at once: a killed process loses
                # nothing it had written, only what it still held.
                "flush_packets": "1",
            },
        )
        self._container.metadata["title"] = title
        self._container.metadata[START_TAG] = str(start_ms)
        stream = self._container.add_stream("mjpeg")
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuvj420p"
        stream.time_base = MS
        self._stream = stream

    def write(self, ts_ms: int, jpeg: bytes) -> None:
        """Append one JPEG at its source time (ValueError if not after the last one)."""
        if ts_ms < self.start_ms or (self.last_ms is not None and ts_ms <= self.last_ms):
            raise ValueError(f"frame at {ts_ms} not after {self.last_ms} in {self.path.name}")
        packet = av.Packet(jpeg)
        packet.pts = packet.dts = ts_ms - self.start_ms
        packet.time_base = MS
        packet.stream = self._stream
        packet.is_keyframe = True
        self._container.mux(packet)
        self.last_ms = ts_ms
        self.frames += 1
        self.bytes += len(jpeg)

    def close(self) -> int:
        """Finish the file (cues, sizes); its size in bytes."""
        self._container.close()
        return self.path.stat().st_size


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """What reading a segment file back found."""

    start_ms: int | None
    frames: int
    first_ms: int | None
    last_ms: int | None


def read_segment(path: Path, start_ms: int | None = None) -> Iterator[Frame]:
    """The frames of a segment file (closed or cut short by a crash), in file order.

    `start_ms` is the segment's absolute start (from the index); without it the file's
    own `BK_START_MS` tag is used.
    """
    try:
        container = av.open(str(path), "r")
    except (av.FFmpegError, OSError) as exc:
        log.warning("segment %s unreadable: %s", path, exc)
        return
    try:
        if start_ms is None:
            start_ms = int(_tag(container, START_TAG) or 0)
        stream = container.streams.video[0]
        tb = stream.time_base or MS
        try:
            for packet in container.demux(stream):
                if packet.size == 0 or packet.pts is None:
                    continue
                offset = round(packet.pts * tb * 1000)
                yield Frame(start_ms + int(offset), bytes(packet))
        except (av.FFmpegError, EOFError) as exc:
            # A file cut short mid-block: everything before the cut was read.
            log.info("segment %s ends early (%s)", path.name, exc)
    finally:
        container.close()


def probe_segment(path: Path, start_ms: int | None = None) -> SegmentInfo:
    """Frame count and first/last timestamps of a segment file (recovery after a crash)."""
    n, first, last = 0, None, None
    for frame in read_segment(path, start_ms):
        n += 1
        first = frame.ts_ms if first is None else first
        last = frame.ts_ms
    return SegmentInfo(start_ms, n, first, last)


def _tag(container: av.container.InputContainer, name: str) -> str | None:
    for key, value in container.metadata.items():
        if key.upper() == name:
            return str(value)
    return None
