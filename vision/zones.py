"""Per-camera rules of where and what counts: zones, minimum size, persistence.

An object is in a zone when its standing point lies inside the zone's polygon: the
bottom centre of a person's or a rodent's box, or, for a head box, the point
`head_heights` head heights below the top of the head (where that person's feet are),
so a worker is judged by where they stand, not by where their chin is.
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
    persistence_k: int = Field(
        default=3, ge=1, description="At least this many frames of a track must show it"
    )
    confident_k: int = Field(
        default=2,
        ge=1,
        description="... of which at least this many (or persistence_k, if fewer) from a "
        "box at or above its class's threshold: a weak box (the card's extend_track) "
        "continues a track and counts in its hold, but the detector must have been sure "
        "of the violation more than once in the window",
    )
    persistence_n: int = Field(
        default=40, ge=1, description="Observations a track keeps in its history (cap)"
    )
    hold_s: float = Field(
        default=4.0,
        ge=0,
        le=3600,
        description="A violation is declared once it has held this long on one track: "
        "the track is at least this old and ...",
    )
    hold_fraction: float = Field(
        default=0.6,
        gt=0,
        le=1,
        description="... at least this share of its frames in the last hold_s seconds show it",
    )
    release_fraction: float = Field(
        default=0.2,
        ge=0,
        lt=1,
        description="Compliant again when at most this share of the last hold_s seconds show it",
    )
    realarm_s: float = Field(
        default=600.0,
        gt=0,
        description="Seconds before the same track may raise the same violation again "
        "(still violating, or violating again after being compliant)",
    )
    relink_s: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="A new track that starts near where a lost track of the same kind "
        "was, within this many seconds, is that track back (same id, no new alarm)",
    )
    head_heights: float = Field(
        default=6.5,
        gt=0,
        le=20,
        description="A head box's standing point is this many head heights below its top",
    )
    rodent_hold_fraction: float = Field(
        default=0.4,
        gt=0,
        le=1,
        description="hold_fraction for rodents: small and fast, a rodent is boxed in fewer "
        "of its frames than a worker's head, and its own check is that it moves "
        "(rodent_min_travel)",
    )
    rodent_min_travel: float = Field(
        default=1.0,
        ge=0,
        le=20,
        description="A rodent is declared only once its track has moved at least this "
        "many of its own lengths since it appeared (something still is a brush, a shoe, "
        "a drain cover); 0 turns the check off",
    )
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
        """Zone of a box's bottom centre (persons, rodents)."""
        return self.zone_at((box[0] + box[2]) / 2, box[3])

    def zone_at(self, x: float, y: float) -> str | None:
        for zone in self.zones:
            if zone.contains(x, y):
                return zone.id
        return None

    def standing_point(
        self, box: tuple[float, float, float, float], kind: str, height: float
    ) -> tuple[float, float]:
        """Where the subject stands: head boxes are projected down, others use their
        bottom centre; never below the frame's last row."""
        cx = (box[0] + box[2]) / 2
        if kind == "head":
            return cx, min(height - 1.0, box[1] + self.head_heights * (box[3] - box[1]))
        return cx, min(height - 1.0, box[3])

    def counts(self, cls: str, zone: str | None) -> bool:
        """Whether a detection of `cls` in `zone` can make a violation on this camera."""
        if not self.zones or cls not in self.zone_classes:
            return True
        return zone is not None
