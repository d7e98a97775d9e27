"""Post-training INT8 quantisation of a card's ONNX model (onnxruntime static QDQ).

Why: the detector runs on the CPU of a kitchen's edge box or a district server, and
int8 convolutions (VNNI, AMX) do the same work in about half the time of float32 ones.
The quantised model is a new ONNX file with a new card beside it; the runtime needs
nothing new, since the file still takes and returns float tensors.

What stays float, and why (both measured on TinyGrid, see the README):
- the first convolutions (and any input scaling before them): quantising a 256x256x3
  picture costs more than the int8 convolution then saves (1.9 against 1.6 ms);
- convolutions whose output reaches no other convolution (the detection heads), and
  everything after them: scores and box sizes that the decoder thresholds, where 8 bits
  move a score across a threshold, and a peak filter (max-pool, >=) on scores rounded
  to 1/255 keeps ties as extra peaks (measured: no_mask precision 0.78 -> 0.69).
The rule is structural, so it holds for a customer's YOLO export as well as ours.

Calibration reads frames the model will see in service (a folder of JPEG/PNG), through
the detector's own preprocessing, so the ranges are those of real input tensors. The
new card keeps the thresholds and roles; its metrics are emptied, since the figures of
the float model are not those of the int8 one: `bk vision evaluate --record` measures
them again.
"""

import hashlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnx
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

from core.errors import ConfigError
from vision.card import ModelCard, attribute_model_path, load_card, write_card
from vision.detector import Detector

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def calibration_frames(folder: Path, count: int) -> list[Path]:
    """Up to `count` pictures under `folder`, spread evenly over its sorted listing (a
    data set split or a day of one camera's saved frames: not only its first minutes)."""
    files = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )
    if not files:
        raise ConfigError(f"no JPEG or PNG pictures under {folder} to calibrate with")
    if len(files) <= count:
        return files
    picks = np.linspace(0, len(files) - 1, count).round().astype(int)
    return [files[i] for i in picks]


def float_nodes(model: Any) -> tuple[list[str], list[str]]:
    """The nodes kept float: the first convolutions (no Conv before them) and everything
    before them (input scaling), the heads (no Conv after them) and everything after them
    (score squashing, peak filtering, box decoding). Returns (those convolutions, all of
    them); unnamed nodes get a name, since quantize_static excludes nodes by name."""
    graph = model.graph
    consumers: dict[str, list[Any]] = {}
    producer: dict[str, Any] = {}
    for i, node in enumerate(graph.node):
        if not node.name:
            node.name = f"{node.op_type}_{i}"
        for name in node.input:
            consumers.setdefault(name, []).append(node)
        for name in node.output:
            producer[name] = node

    def walk(node: Any, after: bool) -> list[Any]:
        """The nodes after (or before) `node` in the graph."""

        def nexts(n: Any) -> list[Any]:
            if after:
                return [c for out in n.output for c in consumers.get(out, [])]
            return [producer[i] for i in n.input if i in producer]

        seen: dict[str, Any] = {}
        todo = nexts(node)
        while todo:
            nxt = todo.pop()
            if nxt.name not in seen:
                seen[nxt.name] = nxt
                todo.extend(nexts(nxt))
        return list(seen.values())

    convs: list[str] = []
    kept: set[str] = set()
    for node in graph.node:
        if node.op_type != "Conv":
            continue
        for after in (False, True):
            reached = walk(node, after)
            if not any(n.op_type == "Conv" for n in reached):
                if node.name not in convs:
                    convs.append(node.name)
                kept.update(n.name for n in [node, *reached])
    return convs, [n.name for n in graph.node if n.name in kept]


class _Frames(CalibrationDataReader):  # type: ignore[misc]
    """Preprocessed frames, one at a time, as onnxruntime's calibrator reads them."""

    def __init__(self, detector: Detector, files: list[Path], input_name: str) -> None:
        super().__init__()
        self._it: Iterator[Path] = iter(files)
        self._detector = detector
        self._input = input_name
        self.used = 0

    def get_next(self) -> dict[str, np.ndarray] | None:
        for path in self._it:
            img = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if img is None:
                log.warning("calibration: cannot read %s, skipped", path)
                continue
            self.used += 1
            tensor, _lb = self._detector.preprocess(img)
            return {self._input: tensor}
        return None


def quantize_card(
    card_path: Path,
    images: Path,
    out_card: Path,
    *,
    frames: int = 400,
    name: str | None = None,
    command: str = "",
) -> ModelCard:
    """Write `out_card` and its int8 ONNX beside it; return the new card."""
    card, onnx_path = load_card(card_path)
    if "quantized" in card.training:
        source = card.training["quantized"].get("from", {}).get("onnx", "its float model")
        raise ConfigError(
            f"{card.label} is already quantised: quantise {source} (its float32 model)"
        )
    if card.runtime.type != "onnxruntime":
        raise ConfigError(f"only onnxruntime models are quantised, not {card.runtime.type!r}")
    files = calibration_frames(images, frames)
    detector = Detector(card_path, threads=1)
    out_onnx = out_card.with_suffix(".onnx")
    out_card.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        # shape inference and graph folding first, as onnxruntime's guide says
        quant_pre_process(str(onnx_path), str(prepared))
        model = onnx.load(str(prepared))
        convs, kept = float_nodes(model)
        onnx.save(model, str(prepared))
        weights = {t.name for t in model.graph.initializer}
        input_name = next(i.name for i in model.graph.input if i.name not in weights)
        reader = _Frames(detector, files, input_name)
        log.info("calibrating on %d frames from %s", len(files), images)
        try:
            quantize_static(
                str(prepared),
                str(out_onnx),
                reader,
                quant_format=QuantFormat.QDQ,
                per_channel=True,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                nodes_to_exclude=kept,
            )
        except ValueError as exc:  # onnxruntime's "No data is collected."
            if reader.used:
                raise
            out_onnx.unlink(missing_ok=True)
            raise ConfigError(f"none of the pictures under {images} could be read") from exc
    digest = hashlib.sha256(out_onnx.read_bytes()).hexdigest()
    training = dict(card.training)
    training["quantized"] = {
        "from": {"onnx": card.onnx, "sha256": card.sha256, "label": card.label},
        "method": "onnxruntime static quantisation, QDQ, per-channel int8 weights, "
        "uint8 activations, MinMax calibration",
        "float_convolutions": convs,
        "float_nodes": len(kept),
        "calibration": {"images": str(images), "frames": reader.used},
        "command": command,
    }
    new = card.model_copy(
        update={
            "name": name or f"{card.name}-int8",
            "onnx": out_onnx.name,
            "sha256": digest,
            "training": training,
            "metrics": {},
        }
    )
    if card.attributes is not None:
        # the head-crop classifier stays float (a few crops a frame) and goes along
        heads = attribute_model_path(card_path, card)
        if heads.parent.resolve() != out_card.parent.resolve():
            shutil.copy(heads, out_card.parent / heads.name)
    write_card(new, out_card)
    return new
