"""Dead-letter records: rejected input kept with its reason so nothing is silently lost."""

import base64
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field, StrictInt

from core.schemas.base import Message

MAX_KEPT_PAYLOAD = 64 * 1024


class DeadLetter(Message):
    """A rejected message. `payload_b64` keeps at most the first 64 KiB of the original."""

    v: Literal[1] = 1
    service: str = Field(max_length=64)
    topic: str = Field(max_length=512)
    reason: str = Field(max_length=64)
    detail: str = Field(max_length=2000)
    received_at: datetime
    payload_size: StrictInt = Field(ge=0)
    payload_b64: str = Field(default="", max_length=(MAX_KEPT_PAYLOAD * 4) // 3 + 4)

    @classmethod
    def of(cls, service: str, topic: str, reason: str, detail: str, payload: bytes) -> "DeadLetter":
        """Build a record from rejected input, trimming every field to its bound."""
        return cls(
            service=service[:64],
            topic=topic[:512],
            reason=reason[:64],
            detail=detail[:2000],
            received_at=datetime.now(UTC),
            payload_size=len(payload),
            payload_b64=base64.b64encode(payload[:MAX_KEPT_PAYLOAD]).decode(),
        )
