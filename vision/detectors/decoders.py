"""The built-in output decoders, one per output layout a card can name.

The numeric work lives in `vision.decode` (shared with its unit tests); these classes
only bind a layout name to it, check how many outputs the model gave, and read the
card's options (stride, thresholds) at call time.
"""

from vision.decode import RawDetections, decode_grid, decode_yolov8
from vision.detectors.base import OutputDecoder, RawOutputs


def _single(outputs: RawOutputs, name: str) -> RawOutputs:
    if len(outputs) < 1:
        raise ValueError(f"{name} decoder got no model output")
    return outputs


class GridDecoder(OutputDecoder):
    """`bk-grid`, this project's TinyGrid: (1, C+4, Gh, Gw), peak-filtered scores per cell."""

    type_key = "bk-grid"

    def candidates(self, outputs: RawOutputs) -> RawDetections:
        card = self.card
        out = _single(outputs, self.type_key)[0]
        return decode_grid(out, card.classes, card.thresholds, card.output.stride)


class YoloV8Decoder(OutputDecoder):
    """`yolov8`, an Ultralytics export: (1, 4+C, anchors) or transposed, no objectness."""

    type_key = "yolov8"

    def candidates(self, outputs: RawOutputs) -> RawDetections:
        out = _single(outputs, self.type_key)[0]
        return decode_yolov8(out, self.card.classes, self.card.thresholds)


class Yolo11Decoder(YoloV8Decoder):
    """`yolo11`: Ultralytics YOLO11 exports keep YOLOv8's head layout, so the same decoding."""

    type_key = "yolo11"
