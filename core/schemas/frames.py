"""Frame metadata carried in MQTT 5 user properties beside the JPEG bytes."""

from typing import Literal

from pydantic import Field, ValidationError

from core.errors import PayloadError
from core.schemas.base import Message, SourceTime

MAX_FRAME_BYTES = 4 * 1024 * 1024
JPEG_MAGIC = b"\xff\xd8\xff"


class FrameMeta(Message):
    """What a camera frame carries besides its bytes."""

    v: Literal[1] = 1
    ts: SourceTime = Field(description="Capture time, UTC, at the source")
    seq: int = Field(ge=0, lt=2**63, description="Per-camera frame number")
    size: int = Field(gt=0, le=MAX_FRAME_BYTES, description="JPEG size in bytes")
    width: int = Field(gt=0, le=8192)
    height: int = Field(gt=0, le=8192)
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
        """Rebuild and check metadata of a received frame; PayloadError on any mismatch."""
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
        return meta
