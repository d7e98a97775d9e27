"""The detector plugin contract: runtimes and output decoders, registered by name.

A model card names a runtime (`runtime.type`, e.g. `onnxruntime`) and an output decoder
(`output.format`, e.g. `bk-grid`, `yolov8`). Each is a class with a `type_key`; defining
the class registers it (through `__init_subclass__`), so a new runtime or decoder is one
new module that is imported before the card is loaded, and nothing in this package
changes. The shape follows Frigate's detector API: a small abstract base, a pydantic
config per plugin (with `extra="forbid"`, so a typo in a card is refused with the
plugin's own field names), and a registry keyed by name.

- `DetectorRuntime`: loads the model file (`load`), turns the preprocessed NCHW float
  tensor into the model's raw outputs (`infer`), releases what it holds (`close`).
- `OutputDecoder`: turns raw outputs into candidate boxes in input pixels
  (`candidates`); the base class applies NMS with the card's thresholds and maps boxes
  back to the frame through the letterbox (`decode`). A decoder for a model that does its
  own NMS overrides `decode`.
"""

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ConfigError
from core.settings import format_validation_error
from vision.card import ModelCard
from vision.decode import RawDetections, nms
from vision.letterbox import Letterbox

log = logging.getLogger(__name__)

RawOutputs = Sequence[np.ndarray]
"""A model's outputs in the model's own order (most detectors have one)."""


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


@dataclass(frozen=True)
class RuntimeSettings:
    """What the deployment (not the card) decides about running a model."""

    threads: int = 1
    """Intra-op threads for runtimes that have a thread pool."""
    provider: str | None = None
    """Overrides the card's `runtime.provider` (settings `vision.provider`)."""


class RuntimeConfig(BaseModel):
    """A runtime's section of the card; each runtime subclasses it with its own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str = Field(description="Runtime name (its `type_key`)")


R = TypeVar("R", bound="DetectorRuntime")
D = TypeVar("D", bound="OutputDecoder")

RUNTIMES: dict[str, type["DetectorRuntime"]] = {}
DECODERS: dict[str, type["OutputDecoder"]] = {}


def _register(registry: dict[str, Any], kind: str, cls: type) -> None:
    """Add `cls` under its `type_key`; a second class claiming a taken name is refused.

    Re-defining the same class (same module and name, e.g. a module imported twice) is
    allowed, so reloading a plugin module does not fail.
    """
    key: str = cls.type_key  # type: ignore[attr-defined]
    old = registry.get(key)
    if old is not None and (old.__module__, old.__qualname__) != (
        cls.__module__,
        cls.__qualname__,
    ):
        raise ValueError(
            f"{kind} {key!r} is already registered by {old.__module__}.{old.__qualname__}"
        )
    registry[key] = cls


class DetectorRuntime(ABC):
    """Runs a model file: preprocessed tensor in, raw outputs out.

    Subclasses set `type_key` (the card's `runtime.type`) and, when they take options,
    `config_model` (a `RuntimeConfig` subclass).
    """

    type_key: ClassVar[str] = ""
    config_model: ClassVar[type[RuntimeConfig]] = RuntimeConfig

    def __init__(self, config: RuntimeConfig) -> None:
        self.config = config

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type_key:
            _register(RUNTIMES, "detector runtime", cls)

    @property
    def name(self) -> str:
        """What this runtime is, for logs and status (e.g. `onnxruntime/cpu`)."""
        return self.type_key

    @abstractmethod
    def load(self, model_path: Path, card: ModelCard, settings: RuntimeSettings) -> None:
        """Load the model file the card names; raise ConfigError when it cannot run here."""

    @abstractmethod
    def infer(self, tensor: np.ndarray) -> RawOutputs:
        """One preprocessed (1, C, H, W) float32 tensor -> the model's raw outputs."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release sessions, devices, threads."""


class OutputDecoder(ABC):
    """Turns a model's raw outputs into detections; subclasses set `type_key`."""

    type_key: ClassVar[str] = ""

    def __init__(self, card: ModelCard) -> None:
        self.card = card

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type_key:
            _register(DECODERS, "output decoder", cls)

    @abstractmethod
    def candidates(self, outputs: RawOutputs) -> RawDetections:
        """Raw outputs -> boxes in input pixels at or above each class's floor
        (`Thresholds.floor_for`: its threshold, or its `extend_track` score if lower)."""

    def decode(self, outputs: RawOutputs, lb: Letterbox) -> list[Found]:
        """Candidates, NMS, back to the frame's pixels.

        Reads the card's thresholds on every call: evaluation lowers them on the live card.
        """
        card = self.card
        kept = nms(self.candidates(outputs), card.thresholds)
        boxes = lb.to_original(kept.boxes)
        return [
            Found(card.classes[int(c)], float(s), *(float(v) for v in b))
            for b, s, c in zip(boxes, kept.scores, kept.class_ids, strict=True)
        ]


def _lookup(registry: dict[str, type[Any]], kind: str, name: str, where: str) -> type[Any]:
    try:
        return registry[name]
    except KeyError:
        known = ", ".join(sorted(registry)) or "none"
        raise ConfigError(f"{where}: unknown {kind} {name!r}; known: {known}") from None


def runtime_class(name: str, where: str = "model card") -> type["DetectorRuntime"]:
    """The runtime registered as `name`; ConfigError naming the known ones otherwise."""
    cls: type[DetectorRuntime] = _lookup(RUNTIMES, "detector runtime", name, where)
    return cls


def decoder_class(name: str, where: str = "model card") -> type["OutputDecoder"]:
    """The decoder registered as `name`; ConfigError naming the known ones otherwise."""
    cls: type[OutputDecoder] = _lookup(DECODERS, "output decoder", name, where)
    return cls


def runtime_config(card: ModelCard, settings: RuntimeSettings, where: str) -> RuntimeConfig:
    """The card's runtime section validated by its runtime's own config model.

    The deployment's provider (settings) wins over the card's.
    """
    cls = runtime_class(card.runtime.type, where)
    raw = card.runtime.model_dump(exclude_none=True)
    if settings.provider is not None:
        raw["provider"] = settings.provider
    try:
        return cls.config_model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            format_validation_error(exc, f"{where}: runtime {card.runtime.type!r}")
        ) from exc


def create_runtime(
    card: ModelCard, model_path: Path, settings: RuntimeSettings, where: str = "model card"
) -> DetectorRuntime:
    """Pick the card's runtime, validate its section, load the model into it."""
    config = runtime_config(card, settings, where)
    runtime = runtime_class(card.runtime.type, where)(config)
    runtime.load(model_path, card, settings)
    log.info("model %s runs on %s", card.label, runtime.name)
    return runtime


def create_decoder(card: ModelCard, where: str = "model card") -> OutputDecoder:
    """The decoder named by the card's `output.format`."""
    return decoder_class(card.output.format, where)(card)
