"""Per-camera rules of where and what counts: zones, minimum size, persistence.

An object is in a zone when the bottom centre of its box (where a person stands, where
a rodent runs) lies inside the zone's polygon.
"""

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.ids import Id


class Zone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id
    polygon: list[tuple[float, float]] = Field(min_length=3, description="Vertices in frame pixels")

    def contains(self, x: float, y: float) -> bool:
        poly = np.array(self.polygon, np.float32).reshape(-1, 1, 2)
        return bool(cv2.pointPolygonTest(poly, (float(x), float(y)), False) >= 0)


class CameraRules(BaseModel):
    """What one camera's detections must satisfy before a violation is declared."""

    model_config = ConfigDict(extra="forbid")

    zones: list[Zone] = Field(default_factory=list)
    zone_classes: list[str] = Field(
        default_factory=lambda: ["no_hat", "no_mask"],
        description="Classes that count only inside a zone (when zones exist); "
        "others (rodents) count anywhere in the picture",
    )
    min_size: float = Field(default=6.0, ge=0, description="Smallest box side, frame pixels")
    persistence_k: int = Field(default=3, ge=1, description="Seen in k ...")
    persistence_n: int = Field(default=5, ge=1, description="... of the last n frames")
    iou_match: float = Field(
        default=0.3, gt=0, le=1, description="Tracker: IoU to continue a track"
    )
    max_missed: int = Field(
        default=10, ge=1, description="Tracker: frames unseen before a track ends"
    )

    @field_validator("persistence_n")
    @classmethod
    def _n_ge_k(cls, n: int, info: object) -> int:
        data = getattr(info, "data", {})
        if n < data.get("persistence_k", 1):
            raise ValueError("persistence_n must be at least persistence_k")
        return n

    def zone_of(self, box: tuple[float, float, float, float]) -> str | None:
        bx, by = (box[0] + box[2]) / 2, box[3]
        for zone in self.zones:
            if zone.contains(bx, by):
                return zone.id
        return None

    def counts(self, cls: str, zone: str | None) -> bool:
        """Whether a detection of `cls` in `zone` can make a violation on this camera."""
        if not self.zones or cls not in self.zone_classes:
            return True
        return zone is not None
