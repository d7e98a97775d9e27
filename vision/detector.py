"""The detector: letterbox, a runtime, an output decoder, all chosen by the model card.

`Detector` keeps one public shape (preprocess / infer / postprocess / detect, `classes`,
`times`) whatever runs the model: the runtime (card `runtime.type`, default
`onnxruntime`) and the decoder (card `output.format`) are plugins looked up by name in
`vision.detectors`. Nothing here imports onnxruntime; the runtime does, when it loads
(and the card's head-crop classifier, `vision.attributes`, when the card has one).
"""

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from vision.card import DEFAULT_CARD, attribute_model_path, load_card
from vision.detectors import RawOutputs, RuntimeSettings, create_decoder, create_runtime
from vision.detectors.base import Found
from vision.letterbox import Letterbox, letterbox_tensor

if TYPE_CHECKING:
    from vision.attributes import AttributeClassifier

__all__ = ["Detections", "Detector", "Found", "StageTimes", "as_bgr"]

log = logging.getLogger(__name__)


@dataclass
class StageTimes:
    """Seconds spent per stage, accumulated (the benchmark reads these)."""

    preprocess: float = 0.0
    inference: float = 0.0
    postprocess: float = 0.0
    frames: int = 0
    extra: dict[str, float] = field(default_factory=dict)


def as_bgr(img: np.ndarray) -> np.ndarray:
    """Infrared cameras send grey frames: make every frame 3-channel BGR uint8."""
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    if img.shape[2] == 1:
        return cv2.cvtColor(img[:, :, 0], cv2.COLOR_GRAY2BGR)
    return img


@dataclass(frozen=True)
class Detections:
    """One frame's detections, split at each class's threshold (`Detector.detect_split`)."""

    confident: list[Found]
    """At or above the class's threshold: what `detect` returns."""
    weak: list[Found]
    """Below it, at or above the class's `extend_track` score: may only continue tracks."""


class Detector:
    """Loads a model through its card and detects objects in BGR frames.

    `threads` and `provider` are the deployment's (settings `vision.threads`,
    `vision.provider`); everything else comes from the card.
    """

    def __init__(
        self, card_path: Path = DEFAULT_CARD, threads: int = 1, provider: str | None = None
    ) -> None:
        self.card, model_path = load_card(card_path)
        where = f"model card {card_path}"
        self.decoder = create_decoder(self.card, where)
        self.runtime = create_runtime(
            self.card, model_path, RuntimeSettings(threads=threads, provider=provider), where
        )
        self.times = StageTimes()
        self.attributes: AttributeClassifier | None = None
        if self.card.attributes is not None:
            from vision import attributes  # imports onnxruntime

            self.attributes = attributes.AttributeClassifier(
                self.card.attributes, attribute_model_path(card_path, self.card), threads
            )
        log.info(
            "loaded model %s (%s, %s, decoder %s, %d threads)",
            self.card.label,
            model_path.name,
            self.runtime.name,
            self.decoder.type_key,
            threads,
        )

    @property
    def classes(self) -> list[str]:
        return self.card.classes

    def preprocess(self, img: np.ndarray) -> tuple[np.ndarray, Letterbox]:
        spec = self.card.input
        x, lb = letterbox_tensor(
            as_bgr(img), spec.width, spec.height, spec.pad_value, spec.channels == "RGB"
        )
        if spec.divide_by != 1.0:
            x /= spec.divide_by
        return x, lb

    def infer(self, x: np.ndarray) -> RawOutputs:
        """The model's raw outputs (in model order) for one preprocessed tensor."""
        return self.runtime.infer(x)

    def postprocess(self, out: RawOutputs | np.ndarray, lb: Letterbox) -> list[Found]:
        """Decode raw outputs (or a single output array) into frame-pixel detections."""
        outputs: RawOutputs = [out] if isinstance(out, np.ndarray) else out
        return self.decoder.decode(outputs, lb)

    def detect(self, img: np.ndarray) -> list[Found]:
        """Detect in one BGR (or grey) frame; boxes in the frame's own pixels."""
        return self.detect_split(img).confident

    def detect_split(self, img: np.ndarray) -> Detections:
        """`detect`, plus the detections below their class's threshold but at or above
        its `extend_track` score (empty when the card sets none): the tracker lets those
        continue tracks only. The head-crop stage refines the confident ones alone."""
        t0 = time.perf_counter()
        x, lb = self.preprocess(img)
        t1 = time.perf_counter()
        out = self.infer(x)
        t2 = time.perf_counter()
        decoded = self.postprocess(out, lb)
        t3 = time.perf_counter()
        self.times.preprocess += t1 - t0
        self.times.inference += t2 - t1
        self.times.postprocess += t3 - t2
        self.times.frames += 1
        thresholds = self.card.thresholds
        confident: list[Found] = []
        weak: list[Found] = []
        for f in decoded:  # compared in float32, as the decoder compared them
            sure = np.float32(f.score) >= np.float32(thresholds.for_class(f.cls))
            (confident if sure else weak).append(f)
        if self.attributes is not None:
            confident = self.attributes.refine(as_bgr(img), confident)
            extra = self.times.extra
            extra["attributes"] = extra.get("attributes", 0.0) + time.perf_counter() - t3
        return Detections(confident, weak)

    def close(self) -> None:
        """Release the runtime (sessions, devices)."""
        self.runtime.close()
