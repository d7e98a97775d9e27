"""onnxruntime detector driven by a model card (CPU, configurable threads)."""

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from vision.card import DEFAULT_CARD, load_card
from vision.decode import RawDetections, decode_grid, decode_yolov8, nms
from vision.letterbox import Letterbox, letterbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    """One detection in original-frame pixels."""

    cls: str
    score: float
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x1, self.y1, self.x2, self.y2)


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


class Detector:
    """Loads an ONNX model through its card and detects objects in BGR frames."""

    def __init__(self, card_path: Path = DEFAULT_CARD, threads: int = 1) -> None:
        self.card, onnx_path = load_card(card_path)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(onnx_path), opts, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name
        self.times = StageTimes()
        log.info("loaded model %s (%s, %d threads)", self.card.label, onnx_path.name, threads)

    @property
    def classes(self) -> list[str]:
        return self.card.classes

    def preprocess(self, img: np.ndarray) -> tuple[np.ndarray, Letterbox]:
        spec = self.card.input
        canvas, lb = letterbox(as_bgr(img), spec.width, spec.height)
        if spec.channels == "RGB":
            canvas = canvas[:, :, ::-1]
        x = canvas.transpose(2, 0, 1)[None].astype(np.float32)
        if spec.divide_by != 1.0:
            x /= spec.divide_by
        return np.ascontiguousarray(x), lb

    def infer(self, x: np.ndarray) -> np.ndarray:
        out = self.session.run(None, {self.input_name: x})[0]
        return np.asarray(out)

    def postprocess(self, out: np.ndarray, lb: Letterbox) -> list[Found]:
        card = self.card
        raw: RawDetections
        if card.output.format == "bk-grid":
            raw = decode_grid(out, card.classes, card.thresholds, card.output.stride)
        else:
            raw = decode_yolov8(out, card.classes, card.thresholds)
        kept = nms(raw, card.thresholds)
        boxes = lb.to_original(kept.boxes)
        return [
            Found(card.classes[int(c)], float(s), *(float(v) for v in b))
            for b, s, c in zip(boxes, kept.scores, kept.class_ids, strict=True)
        ]

    def detect(self, img: np.ndarray) -> list[Found]:
        """Detect in one BGR (or grey) frame; boxes in the frame's own pixels."""
        t0 = time.perf_counter()
        x, lb = self.preprocess(img)
        t1 = time.perf_counter()
        out = self.infer(x)
        t2 = time.perf_counter()
        found = self.postprocess(out, lb)
        t3 = time.perf_counter()
        self.times.preprocess += t1 - t0
        self.times.inference += t2 - t1
        self.times.postprocess += t3 - t2
        self.times.frames += 1
        return found
