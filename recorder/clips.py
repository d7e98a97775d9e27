"""Evidence clips: the minutes around an alert, frozen under their SHA-256 and hash-chained.

A clip is the camera's frames from `clip_before_s` before to `clip_after_s` after the
alert, copied unchanged (MJPEG in Matroska, no re-encode: the pictures are the ones the
camera sent) into `<clips_dir>/<sha256>.mkv`. The name carries the content hash, so an
alert pointing at it can be checked by anyone, and each clip is appended to a hash chain
(`core.evidence_chain.ChainLock`, the same append-only mechanism as the evidence pictures)
in the clips folder, so a deleted or altered clip shows (现场证据固化). The chain is the
recorder's own, not the pictures' chain in the vision evidence folder: that chain's
records name pictures (`<sha>.jpg` with a boxes record) and its verifier expects them.

Clips live outside the video folder: retention never deletes them. They are kept as long
as their alert's record; whoever deletes an alert record deletes its clip with
`ClipStore.remove` (and the chain then shows that it went).
"""

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.evidence_chain import CHAIN_FILE, ChainLock, file_sha256, read_chain, record_digest
from core.schemas import jpeg_dimensions
from recorder.segments import Frame, SegmentWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FrozenClip:
    sha256: str
    path: Path
    frames: int
    bytes: int


@dataclass
class ClipChainReport:
    records: int = 0
    head: str = "0" * 64
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ClipStore:
    """A folder of content-addressed clips with their hash chain."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / f"{sha256}.mkv"

    def freeze(
        self,
        frames: Iterable[Frame],
        site: str,
        camera: str,
        alert_id: str,
        start_ms: int,
        end_ms: int,
    ) -> FrozenClip | None:
        """Write the frames as one clip, name it by its hash, chain it; None when no frames."""
        tmp = self.root / f".{alert_id}.{os.getpid()}.mkv.tmp"
        writer: SegmentWriter | None = None
        try:
            for frame in frames:
                if writer is None:
                    w, h = jpeg_size(frame.jpeg)
                    writer = SegmentWriter(tmp, frame.ts_ms, w, h, title=f"{site}/{camera}")
                if writer.last_ms is not None and frame.ts_ms <= writer.last_ms:
                    continue  # the same moment in a live and a late segment: once
                writer.write(frame.ts_ms, frame.jpeg)
            if writer is None:
                return None
            writer.close()
            sha = file_sha256(tmp)
            final = self.path(sha)
            with ChainLock(self.root) as chain:
                if final.exists():
                    tmp.unlink()
                else:
                    tmp.replace(final)
                    chain.append(
                        {
                            "sha256": sha,
                            "kind": "clip",
                            "site": site,
                            "camera": camera,
                            "alert": alert_id,
                            "start_ms": start_ms,
                            "end_ms": end_ms,
                            "frames": writer.frames,
                        }
                    )
            return FrozenClip(sha, final, writer.frames, final.stat().st_size)
        finally:
            if tmp.exists():
                tmp.unlink()

    def remove(self, sha256: str) -> bool:
        """Delete a clip whose alert record is deleted (the chain keeps its record)."""
        path = self.path(sha256)
        if path.exists():
            path.unlink()
            return True
        return False

    def verify(self) -> ClipChainReport:
        """Recompute every link of the clip chain and every clip's hash."""
        report = ClipChainReport()
        prev, seq = "0" * 64, 0
        for n, line in read_chain(self.root):
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                report.problems.append(f"{CHAIN_FILE} line {n}: unreadable ({exc})")
                prev = ""
                continue
            report.records += 1
            if rec.get("hash") != record_digest(rec):
                report.problems.append(f"line {n}: record altered")
            if rec.get("prev") != prev or rec.get("seq") != seq:
                report.problems.append(f"line {n}: link broken (a record was removed)")
            prev, seq = str(rec.get("hash")), int(rec.get("seq", seq)) + 1
            sha = str(rec.get("sha256"))
            path = self.path(sha)
            if not path.is_file():
                report.problems.append(f"line {n}: clip {path.name} is missing")
            elif file_sha256(path) != sha:
                report.problems.append(f"line {n}: clip {path.name} was altered")
        report.head = prev
        return report


def jpeg_size(jpeg: bytes) -> tuple[int, int]:
    """Width and height from a JPEG's SOF marker (no decoding); ValueError without one."""
    size = jpeg_dimensions(jpeg)
    if size is None:
        raise ValueError("no JPEG frame header found")
    return size
