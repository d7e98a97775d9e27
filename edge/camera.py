"""From raw camera frames to what goes on the uplink: rate limit, motion gate, resize, JPEG.

A still kitchen should not fill a thin uplink, so a frame is only sent when enough of
the picture changed since the last frame *sent* (so slow drifts add up and are sent
eventually), with a keyframe at least every `keyframe_s` so viewers never see a
picture older than that.
"""

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from core.schemas import CameraSettings
from edge.drivers.base import Image

logger = logging.getLogger(__name__)

MOTION_SIZE = (64, 48)
PIXEL_DELTA = 25
"""Grey-level change (0-255) for a pixel of the small motion picture to count as changed."""


@dataclass(frozen=True, slots=True)
class Encoded:
    jpeg: bytes
    width: int
    height: int
    motion: float


class FramePipeline:
    """Per-camera state of the frame path. Not thread-safe: one camera thread owns it."""

    def __init__(self, settings: CameraSettings, keyframe_s: float = 60.0) -> None:
        self.settings = settings
        self.keyframe_s = keyframe_s
        self._last_sent_at: float | None = None
        self._last_due: float | None = None
        self._reference: np.ndarray | None = None
        self._candidate: np.ndarray | None = None
        self.skipped_still = 0

    def update(self, settings: CameraSettings) -> None:
        self.settings = settings

    def due(self, mono: float) -> bool:
        """Whether the frame-rate limit lets a frame through at monotonic time `mono`."""
        if self._last_due is not None and mono - self._last_due < 1.0 / self.settings.fps:
            return False
        self._last_due = mono
        return True

    def motion(self, frame: Image) -> float:
        """Fraction of pixels that changed versus the last frame sent (1.0 when none yet)."""
        small = cv2.resize(frame, MOTION_SIZE, interpolation=cv2.INTER_AREA)
        grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
        self._candidate = grey
        if self._reference is None:
            return 1.0
        changed = cv2.absdiff(grey, self._reference) > PIXEL_DELTA
        return float(np.count_nonzero(changed)) / changed.size

    def process(self, frame: Image, mono: float) -> Encoded | None:
        """The JPEG to send for this frame, or None when the motion gate holds it back."""
        moved = self.motion(frame)
        keyframe = self._last_sent_at is None or mono - self._last_sent_at >= self.keyframe_s
        threshold = self.settings.motion_threshold
        if threshold > 0 and moved < threshold and not keyframe:
            self.skipped_still += 1
            return None
        self._reference = self._candidate
        self._last_sent_at = mono
        out = self.resize(frame)
        ok, buf = cv2.imencode(
            ".jpg", out, [int(cv2.IMWRITE_JPEG_QUALITY), self.settings.jpeg_quality]
        )
        if not ok:
            logger.warning("JPEG encoding failed for a %sx%s frame", out.shape[1], out.shape[0])
            return None
        return Encoded(buf.tobytes(), out.shape[1], out.shape[0], moved)

    def resize(self, frame: Image) -> Image:
        w, h = self.settings.width, self.settings.height
        if frame.shape[1] == w and frame.shape[0] == h:
            return frame
        interp = cv2.INTER_AREA if frame.shape[1] > w else cv2.INTER_LINEAR
        resized = cv2.resize(frame, (w, h), interpolation=interp)
        return np.asarray(resized, dtype=np.uint8)
