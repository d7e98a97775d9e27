"""Detections of one camera frame, and the violations declared from them."""

from typing import Literal

from pydantic import Field, StrictFloat, StrictInt, model_validator

from core.ids import Id
from core.schemas.alerts import Evidence
from core.schemas.base import Message, SourceTime


class Box(Message):
    """Pixel box in the original frame: top-left (x1, y1), bottom-right (x2, y2)."""

    x1: StrictFloat = Field(ge=0, le=8192)
    y1: StrictFloat = Field(ge=0, le=8192)
    x2: StrictFloat = Field(ge=0, le=8192)
    y2: StrictFloat = Field(ge=0, le=8192)

    @model_validator(mode="after")
    def _ordered(self) -> "Box":
        if self.x2 < self.x1 or self.y2 < self.y1:
            raise ValueError("box corners are not ordered (x2 >= x1, y2 >= y1)")
        return self


class Detection(Message):
    """One object found in one frame."""

    cls: Id = Field(description="Class name from the model card, e.g. no_hat, no_mask, rodent")
    score: StrictFloat = Field(ge=0.0, le=1.0)
    box: Box
    zone: Id | None = Field(default=None, description="Zone holding the box's bottom centre")
    track: StrictInt | None = Field(
        default=None, ge=0, description="Tracker id, stable across frames"
    )


class Violation(Message):
    """A violation the vision tracker holds on one track in this frame.

    Declared after persistence (the track showed it for its hold time, k of n frames),
    then repeated on every frame the track is seen while it still holds, so a consumer
    knows it goes on; `evidence` (the picture) comes only on the frame that declared it
    (and on a re-alarm). Consumers counting incidents count those with evidence.
    """

    cls: Id
    track: StrictInt = Field(ge=0)
    zone: Id | None = None
    first_seen: SourceTime
    evidence: Evidence | None = None


class DetectionEvent(Message):
    """Everything the detector concluded about one frame (topic `.../{camera}/detections`)."""

    v: Literal[1] = 1
    site: Id
    camera: Id
    ts: SourceTime = Field(description="The frame's capture time (from the source)")
    seq: StrictInt = Field(ge=0, lt=2**63, description="The frame's sequence number")
    width: StrictInt = Field(gt=0, le=8192)
    height: StrictInt = Field(gt=0, le=8192)
    model: str = Field(max_length=128, description="Model name and version from its card")
    detections: list[Detection] = Field(default_factory=list, max_length=300)
    violations: list[Violation] = Field(default_factory=list, max_length=300)
