"""Store receipts: the centre's proof, sent to one device, that its readings are stored.

A broker's PUBACK only says the broker took a message. Mosquitto forgets a shared
subscription's queue across a restart, and a killed broker loses what it held since its
last snapshot, so an edge that deleted readings on PUBACK lost them. Ingest therefore
publishes a receipt on `bk/v1/{site}/{device}/receipt` once a batch is written to the
time-series store, naming the `seq` spans it stored; the edge deletes exactly those rows
and sends again whatever stays unconfirmed. Points are keyed by series and source time,
so a reading sent twice is stored once in effect.
"""

from typing import Literal

from pydantic import Field, StrictInt, model_validator

from core.ids import Id
from core.schemas.base import Message

MAX_SPANS = 1000


class StoreReceipt(Message):
    """Readings of `site`/`device` with `seq` in any of `spans` (inclusive) are stored."""

    v: Literal[1] = 1
    site: Id
    device: Id
    spans: list[tuple[StrictInt, StrictInt]] = Field(
        min_length=1, max_length=MAX_SPANS, description="(first seq, last seq), inclusive"
    )

    @model_validator(mode="after")
    def _ordered(self) -> "StoreReceipt":
        for first, last in self.spans:
            if not 0 <= first <= last < 2**63:
                raise ValueError(f"span ({first}, {last}) is not 0 <= first <= last")
        return self
