"""The second look at every head: a classifier of head crops refines hat and mask scores.

The detector boxes heads well on every style measured (head AP 0.87-0.99) but reads
their attributes from one grid cell, whose view depends on the head's size; on styles
it never saw, compliant and offending workers then score in the same 0.6-0.8 band and
no track threshold tells them apart. Here each head box the detector found is cut out
of the frame, scaled to one size and classified, and the classifier's probability is
fused with the detector's own attribute score for that head (the card's
`attributes.fuse`). The result replaces the detector's attribute boxes: one box per
attribute class on the head box itself, which the tracker merges with the head as it
always did. Attribute boxes that overlap no head are dropped (for a model that boxes
every head the tracker would ignore them anyway).
"""

import logging
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from vision.card import AttributeStage
from vision.detectors.base import Found
from vision.metrics import iou_matrix

log = logging.getLogger(__name__)

BoxT = tuple[float, float, float, float]


def head_crops(frame: np.ndarray, boxes: Sequence[BoxT], size: int, expand: float) -> np.ndarray:
    """Square crops centred on each box, side `expand` x the box's longer side, scaled to
    size x size: an (N, 3, size, size) float32 array of BGR values in 0..1. Pixels beyond
    the frame repeat its edge (a head at the border keeps its look)."""
    out = np.empty((len(boxes), 3, size, size), np.float32)
    for i, (x1, y1, x2, y2) in enumerate(boxes):
        side = max(x2 - x1, y2 - y1, 1.0) * expand
        k = size / side
        x0, y0 = (x1 + x2) / 2 - side / 2, (y1 + y2) / 2 - side / 2
        m = np.array([[k, 0.0, -x0 * k], [0.0, k, -y0 * k]], np.float32)
        crop = cv2.warpAffine(
            frame,
            m,
            (size, size),
            flags=cv2.INTER_AREA if side > size else cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        out[i] = crop.transpose(2, 0, 1).astype(np.float32) / 255.0
    return out


def fuse_attributes(
    found: list[Found], probabilities: np.ndarray, stage: AttributeStage
) -> list[Found]:
    """Replace the detector's attribute boxes by one fused box per head and class.

    `probabilities` holds, per head box in `found` (in order), the classifier's
    probability of each of `stage.classes`. Pure, so it is tested without a model."""
    heads = [f for f in found if f.cls == stage.head_class]
    if len(heads) != len(probabilities):
        raise ValueError(f"{len(heads)} heads but {len(probabilities)} rows of probabilities")
    kept = [f for f in found if f.cls not in stage.classes]
    if not heads:
        return kept
    head_boxes = np.array([h.box for h in heads], np.float64)
    for j, cls in enumerate(stage.classes):
        own = [f for f in found if f.cls == cls]
        best = np.zeros(len(heads))
        if own:
            overlap = iou_matrix(head_boxes, np.array([f.box for f in own], np.float64))
            scores = np.array([f.score for f in own])
            best = np.where(overlap >= stage.match_iou, scores[None, :], 0.0).max(axis=1)
        for h, p, d in zip(heads, probabilities[:, j], best, strict=True):
            score = float(p) if stage.fuse == "replace" else float(np.sqrt(float(p) * d))
            if score >= stage.floor and score > 0.0:
                kept.append(Found(cls, score, h.x1, h.y1, h.x2, h.y2))
    return kept


class AttributeClassifier:
    """Runs the card's head-crop classifier (onnxruntime, CPU) on a frame's heads."""

    def __init__(self, stage: AttributeStage, model_path: Path, threads: int = 1) -> None:
        self.stage = stage
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, threads)
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(model_path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name
        outputs = self.session.get_outputs()[0].shape
        if len(outputs) != 2 or outputs[1] != len(stage.classes):
            raise ValueError(
                f"{model_path.name} gives outputs shaped {outputs}; the card names "
                f"{len(stage.classes)} classes ({', '.join(stage.classes)})"
            )
        log.info(
            "attribute stage %s: %s on %dx%d head crops",
            model_path.name,
            "/".join(stage.classes),
            stage.size,
            stage.size,
        )

    def probabilities(self, frame: np.ndarray, boxes: Sequence[BoxT]) -> np.ndarray:
        """Per box, the probability of each attribute class (N x classes)."""
        if not boxes:
            return np.zeros((0, len(self.stage.classes)), np.float32)
        x = head_crops(frame, boxes, self.stage.size, self.stage.expand)
        (logits,) = self.session.run(None, {self.input_name: x})
        return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(logits, np.float64))), np.float32)

    def refine(self, frame: np.ndarray, found: list[Found]) -> list[Found]:
        """The detections with attribute boxes replaced by fused ones (frame: BGR)."""
        heads = [f.box for f in found if f.cls == self.stage.head_class]
        return fuse_attributes(found, self.probabilities(frame, heads), self.stage)
