"""Frame metadata carried in MQTT 5 user properties beside the JPEG bytes."""

from typing import Literal

from pydantic import Field, ValidationError

from core.errors import PayloadError
from core.schemas.base import Message, SourceTime

MAX_FRAME_BYTES = 4 * 1024 * 1024
MAX_FRAME_SIDE = 8192
"""Widest and tallest frame accepted. A JPEG's header may claim up to 65535 x 65535
pixels in a few kilobytes: decoded, one such frame would take gigabytes."""
JPEG_MAGIC = b"\xff\xd8\xff"
# Start-of-frame markers (baseline, extended, progressive, lossless, arithmetic): all of
# 0xC0-0xCF but DHT (C4), JPG (C8) and DAC (CC), which are tables, not frames.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE_MARKERS = frozenset({0x01, 0xD8, *range(0xD0, 0xD8)})


def jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's start-of-frame header, without decoding it.

    None when the bytes are not a JPEG whose header says its size before the scan
    starts (truncated, another format, a zero height left to a later DNL marker).
    Why: the size must be known before decoding, so a frame claiming a gigapixel is
    refused before it is allocated.
    """
    n = len(data)
    if n < 4 or not data.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 1 < n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        i += 2
        if marker in _STANDALONE_MARKERS:
            continue
        if marker in (0xD9, 0xDA) or i + 2 > n:  # end of image, or the scan, before a size
            return None
        length = int.from_bytes(data[i : i + 2], "big")
        if length < 2:
            return None
        if marker in _SOF_MARKERS:
            if length < 7 or i + 7 > n:
                return None
            height = int.from_bytes(data[i + 3 : i + 5], "big")
            width = int.from_bytes(data[i + 5 : i + 7], "big")
            return (width, height) if width and height else None
        i += length
    return None


def check_jpeg_size(data: bytes) -> tuple[int, int]:
    """The JPEG's (width, height); PayloadError when unreadable or over MAX_FRAME_SIDE."""
    size = jpeg_dimensions(data)
    if size is None:
        raise PayloadError("not_jpeg", "frame has no readable JPEG header (its size is unknown)")
    if max(size) > MAX_FRAME_SIDE:
        raise PayloadError(
            "too_large",
            f"frame of {size[0]}x{size[1]} pixels over {MAX_FRAME_SIDE} on a side",
        )
    return size


class FrameMeta(Message):
    """What a camera frame carries besides its bytes."""

    v: Literal[1] = 1
    ts: SourceTime = Field(description="Capture time, UTC, at the source")
    seq: int = Field(ge=0, lt=2**63, description="Per-camera frame number")
    size: int = Field(gt=0, le=MAX_FRAME_BYTES, description="JPEG size in bytes")
    width: int = Field(gt=0, le=MAX_FRAME_SIDE)
    height: int = Field(gt=0, le=MAX_FRAME_SIDE)
    content_type: Literal["image/jpeg"] = "image/jpeg"

    def user_properties(self) -> list[tuple[str, str]]:
        """The metadata as MQTT 5 user properties (content type goes in its own property)."""
        return [
            ("v", str(self.v)),
            ("ts", self.ts.isoformat()),
            ("seq", str(self.seq)),
            ("size", str(self.size)),
            ("width", str(self.width)),
            ("height", str(self.height)),
        ]

    @classmethod
    def from_properties(
        cls, props: list[tuple[str, str]] | None, content_type: str | None, payload: bytes
    ) -> "FrameMeta":
        """Rebuild and check metadata of a received frame; PayloadError on any mismatch
        or when the JPEG header is unreadable or claims more than MAX_FRAME_SIDE."""
        if len(payload) > MAX_FRAME_BYTES:
            raise PayloadError("too_large", f"frame of {len(payload)} bytes over {MAX_FRAME_BYTES}")
        if not payload.startswith(JPEG_MAGIC):
            raise PayloadError("not_jpeg", "frame payload does not start with the JPEG marker")
        if content_type not in (None, "image/jpeg"):
            raise PayloadError("not_jpeg", f"content type {content_type!r} is not image/jpeg")
        fields = dict(props or [])
        try:
            meta = cls.model_validate(
                {
                    "ts": fields.get("ts"),
                    "seq": fields.get("seq"),
                    "size": fields.get("size"),
                    "width": fields.get("width"),
                    "height": fields.get("height"),
                }
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise PayloadError("invalid", f"frame metadata {loc}: {first['msg']}") from exc
        if meta.size != len(payload):
            raise PayloadError(
                "invalid", f"frame size property {meta.size} != {len(payload)} bytes"
            )
        # What the picture itself claims, before anyone (vision, the recorder's ffmpeg, a
        # browser watching live) decodes it.
        check_jpeg_size(payload)
        return meta
