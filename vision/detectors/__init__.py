"""Detector plugins: runtimes and output decoders registered by name (see `base`).

Importing this package registers the built-in plugins (the onnxruntime runtime and the
`bk-grid`, `yolov8`, `yolo11` decoders) without importing onnxruntime itself. A new
plugin is a module that subclasses `DetectorRuntime` or `OutputDecoder` with a
`type_key`; import it before loading a card that names it.
"""

from vision.detectors import decoders, runtime_onnx
from vision.detectors.base import (
    DECODERS,
    RUNTIMES,
    DetectorRuntime,
    Found,
    OutputDecoder,
    RawOutputs,
    RuntimeConfig,
    RuntimeSettings,
    create_decoder,
    create_runtime,
    decoder_class,
    runtime_class,
)

__all__ = [
    "DECODERS",
    "RUNTIMES",
    "DetectorRuntime",
    "Found",
    "OutputDecoder",
    "RawOutputs",
    "RuntimeConfig",
    "RuntimeSettings",
    "create_decoder",
    "create_runtime",
    "decoder_class",
    "decoders",
    "runtime_class",
    "runtime_onnx",
]
