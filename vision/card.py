"""The model contract: a YAML card beside each ONNX file.

The runtime learns everything about a model from its card (input size and layout,
colour order, scaling, class names, output format, thresholds), so a deployer can drop
in a YOLOv8 export trained on their own footage by writing only a card.
"""

import hashlib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from core.errors import ConfigError
from core.settings import format_validation_error

PLUGIN_NAME = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
"""Runtime and decoder names: registered by plugins (vision/detectors), checked on load."""
Subject = Literal["worker", "rodent"]
Attribute = Literal["hat", "mask"]
BoxKind = Literal["head", "person", "body", "part"]


class ClassRole(BaseModel):
    """What one model class means to the platform: the class -> attribute mapping.

    The tracking layer follows subjects (workers, rodents), not raw classes, and
    declares a violation as an attribute of a track (a worker whose `hat` is false for
    long enough). A card maps each of its model's classes onto that, so a customer's
    export with classes like `head`/`helmet`/`mask` plugs in without code.
    """

    model_config = ConfigDict(extra="forbid")

    subject: Subject = Field(description="Which kind of track a box of this class belongs to")
    box: BoxKind = Field(
        default="head",
        description="What the box covers: `head` (standing point projected down from it), "
        "`person` or `body` (standing point = bottom centre), `part` (a hat or mask box "
        "that belongs to the worker box holding its centre; makes no track of its own)",
    )
    sets: dict[Attribute, bool] = Field(
        default_factory=dict,
        description="Attributes a box of this class asserts, e.g. no_hat -> {hat: false}, "
        "helmet -> {hat: true}",
    )

    @model_validator(mode="after")
    def _part_of_worker(self) -> "ClassRole":
        if self.box == "part" and (self.subject != "worker" or not self.sets):
            raise ValueError("a `part` class must be a worker's part and set an attribute")
        return self


VIOLATIONS: dict[str, tuple[Subject, Attribute | None]] = {
    "no_hat": ("worker", "hat"),
    "no_mask": ("worker", "mask"),
    "rodent": ("rodent", None),
}
"""The platform's violations: name -> (subject, attribute that is false); None: the
subject's presence. Whatever a model's classes are, violations are these."""


def _role(subject: Subject, box: BoxKind, **sets: bool) -> ClassRole:
    return ClassRole(subject=subject, box=box, sets=sets)


KNOWN_ROLES: dict[str, ClassRole] = {
    "no_hat": _role("worker", "head", hat=False),
    "no_mask": _role("worker", "head", mask=False),
    "rodent": _role("rodent", "body"),
    "rat": _role("rodent", "body"),
    "mouse": _role("rodent", "body"),
    "person": _role("worker", "person"),
    "head": _role("worker", "head"),
    "hat": _role("worker", "part", hat=True),
    "chef_hat": _role("worker", "part", hat=True),
    "helmet": _role("worker", "part", hat=True),
    "mask": _role("worker", "part", mask=True),
    "with_mask": _role("worker", "head", mask=True),
    "without_mask": _role("worker", "head", mask=False),
    "no_helmet": _role("worker", "head", hat=False),
}
"""Roles of common class names, used when a card does not map a class itself. A bare
`head` asserts nothing: datasets differ on whether it means "head without helmet", so a
card for such a model says `head: {subject: worker, box: head, sets: {hat: false}}`."""


class InputSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    width: int = Field(gt=0, le=4096)
    height: int = Field(gt=0, le=4096)
    layout: Literal["NCHW"] = "NCHW"
    channels: Literal["BGR", "RGB"] = "BGR"
    divide_by: float = Field(
        default=1.0, gt=0, description="Pixel values 0..255 are divided by this"
    )
    pad_value: int = Field(default=114, ge=0, le=255)


class OutputSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str = Field(
        pattern=PLUGIN_NAME,
        description="Output decoder by name: `bk-grid` (ours), `yolov8` / `yolo11` "
        "(Ultralytics exports), or any decoder a plugin module registers",
    )
    stride: int = Field(default=8, gt=0, description="bk-grid: input pixels per grid cell")


class RuntimeSpec(BaseModel):
    """Which runtime runs the model, and its options.

    Fields beyond `type` and `provider` belong to the runtime: its own config model
    checks them (unknown ones refused) when the detector loads.
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        default="onnxruntime",
        pattern=PLUGIN_NAME,
        description="Runtime by name: `onnxruntime`, or any runtime a plugin module registers",
    )
    provider: str | None = Field(
        default=None,
        description="Execution provider for runtimes that have a choice (onnxruntime: "
        "`cpu`, `openvino`, `cuda`, `tensorrt`, `auto`); absent: the runtime's default "
        "(CPU). Settings `vision.provider` overrides it per deployment",
    )


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: float = Field(default=0.3, ge=0, le=1)
    per_class: dict[str, float] = Field(default_factory=dict)
    nms_iou: float = Field(default=0.45, gt=0, le=1)
    class_agnostic_nms: bool = False
    track: dict[str, float] = Field(
        default_factory=dict,
        description="Per violation (no_hat, no_mask, rodent): the median score a track "
        "must show for it over the hold window, frames without it counting 0, before it "
        "is declared (Frigate's `threshold` beside the per-frame `min_score`): a true "
        "violation is shown with high scores frame after frame, a detector's persistent "
        "confusion with middling ones. Tuned on the bench's tune cameras, never on the "
        "held-out style; absent: the per-frame thresholds and the k-of-n hold decide",
    )

    @field_validator("track")
    @classmethod
    def _violations(cls, track: dict[str, float]) -> dict[str, float]:
        unknown = set(track) - set(VIOLATIONS)
        if unknown:
            raise ValueError(f"track thresholds for unknown violations {sorted(unknown)}")
        if any(not 0 <= v <= 1 for v in track.values()):
            raise ValueError("track thresholds must be between 0 and 1")
        return track

    extend_track: dict[str, float] = Field(
        default_factory=dict,
        description="Per class: the lowest score at which a detection still continues a "
        "track that detections at the class's own threshold started (ByteTrack's second "
        "association). Such a detection is matched only to live tracks the confident ones "
        "left unmatched and never starts, resumes or relinks a track. Absent: detections "
        "below a class's threshold are dropped",
    )

    @field_validator("extend_track")
    @classmethod
    def _scores(cls, extend: dict[str, float]) -> dict[str, float]:
        if any(not 0 <= v <= 1 for v in extend.values()):
            raise ValueError("extend_track scores must be between 0 and 1")
        return extend

    def for_class(self, name: str) -> float:
        return self.per_class.get(name, self.score)

    def floor_for(self, name: str) -> float:
        """The lowest score a detection of this class is decoded at: its threshold, or
        its `extend_track` score when that is lower."""
        return min(self.for_class(name), self.extend_track.get(name, 1.0))


class AttributeStage(BaseModel):
    """A second stage that looks again at every head the detector boxed.

    Why: the detector reads hat and mask from a grid cell whose view of a head depends
    on the head's size, and on drawing styles it never saw its attribute scores for
    compliant and offending workers overlap. A small classifier of head crops, each
    scaled to the same size, separates them far better (docs/vision-model-history.md,
    "A second look at every head"). Its probability is fused with the detector's own
    attribute score (geometric mean: both must agree), so a confusion of one of the
    two alone stays below the track thresholds.
    """

    model_config = ConfigDict(extra="forbid")

    onnx: str = Field(description="Classifier file name, relative to the card (ONNX)")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    size: int = Field(default=32, ge=8, le=256, description="Crop side in pixels")
    expand: float = Field(
        default=1.4, ge=1.0, le=4.0, description="Crop side over the head box's longer side"
    )
    head_class: str = Field(default="head", description="The detector class that boxes heads")
    classes: list[str] = Field(
        min_length=1,
        description="Detector classes the classifier scores, in the order of its outputs "
        "(sigmoid probabilities), e.g. no_hat, no_mask",
    )
    fuse: Literal["geometric_mean", "replace"] = Field(
        default="geometric_mean",
        description="geometric_mean: sqrt(classifier * detector), the detector's score "
        "being its best box of that class overlapping the head (0 if none); replace: the "
        "classifier's probability alone",
    )
    match_iou: float = Field(default=0.3, gt=0, le=1)
    floor: float = Field(default=0.3, ge=0, le=1, description="Fused scores below this emit no box")
    training: dict[str, Any] = Field(default_factory=dict)


class ModelCard(BaseModel):
    """Everything the runtime needs to know about one model, plus its provenance."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=64)
    version: str = Field(max_length=32)
    onnx: str = Field(
        description="Model file name, relative to the card (an ONNX file for onnxruntime)"
    )
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    input: InputSpec
    output: OutputSpec
    runtime: RuntimeSpec = Field(default_factory=RuntimeSpec)
    classes: list[str] = Field(min_length=1, max_length=1000)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    roles: dict[str, ClassRole] = Field(
        default_factory=dict,
        description="Class -> role (subject, box kind, attributes it sets); classes not "
        "listed use KNOWN_ROLES by name, and classes with no role are published as "
        "detections but never make a violation",
    )
    attributes: AttributeStage | None = Field(
        default=None, description="A classifier of head crops refining attribute scores"
    )
    experimental: bool = Field(
        default=False, description="Not the shipped default: figures still below the bar"
    )
    training: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    notes: str = ""

    @model_validator(mode="after")
    def _known_classes(self) -> "ModelCard":
        unknown = set(self.thresholds.per_class) - set(self.classes)
        if unknown:
            raise ValueError(f"thresholds for unknown classes {sorted(unknown)}")
        unknown = set(self.thresholds.extend_track) - set(self.classes)
        if unknown:
            raise ValueError(f"extend_track for unknown classes {sorted(unknown)}")
        for name, low in self.thresholds.extend_track.items():
            if low > self.thresholds.for_class(name):
                raise ValueError(
                    f"extend_track for {name} ({low}) is above its threshold "
                    f"({self.thresholds.for_class(name)}): it would extend nothing"
                )
        unmapped = set(self.roles) - set(self.classes)
        if unmapped:
            raise ValueError(f"roles for unknown classes {sorted(unmapped)}")
        if self.attributes is not None:
            named = {self.attributes.head_class, *self.attributes.classes}
            if named - set(self.classes):
                raise ValueError(
                    f"attributes: classes {sorted(named - set(self.classes))} are not the model's"
                )
        return self

    def role_of(self, cls: str) -> ClassRole | None:
        """The class's role from the card, else by its common name, else None."""
        return self.roles.get(cls) or KNOWN_ROLES.get(cls)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


def load_card(path: Path, *, check_stage: bool = True) -> tuple[ModelCard, Path]:
    """Read a card; return it and the ONNX path (checked against the card's SHA-256).
    `check_stage=False` skips the head classifier's file: for the one step that is
    about to replace it (retraining writes a new file under the same name, so the old
    stage's SHA-256 no longer holds while the new one is being attached)."""
    try:
        raw = yaml.safe_load(path.read_text())
        card = ModelCard.model_validate(raw)
    except OSError as exc:
        raise ConfigError(f"cannot read model card {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"model card {path} is not valid YAML: {exc}") from exc
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, f"model card {path}")) from exc
    onnx_path = path.parent / card.onnx
    _check_file(path, onnx_path, card.sha256)
    if card.attributes is not None and check_stage:
        _check_file(path, attribute_model_path(path, card), card.attributes.sha256)
    return card, onnx_path


def card_files(card_path: Path) -> list[Path]:
    """The files a card runs on (its model, and its head-crop classifier if any): what to
    copy along with it."""
    card, onnx_path = load_card(card_path)
    files = [onnx_path]
    if card.attributes is not None:
        files.append(attribute_model_path(card_path, card))
    return files


def attribute_model_path(card_path: Path, card: ModelCard) -> Path:
    """Where the card's head-crop classifier lies (next to the card)."""
    if card.attributes is None:
        raise ConfigError(f"model card {card_path} has no attribute stage")
    return card_path.parent / card.attributes.onnx


def _check_file(card_path: Path, file: Path, sha256: str | None) -> None:
    if not file.is_file():
        raise ConfigError(f"model card {card_path} names {file.name}, which does not exist")
    if sha256 is not None:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        if digest != sha256:
            raise ConfigError(f"{file} has SHA-256 {digest}, the card says {sha256}")


def write_card(card: ModelCard, path: Path) -> None:
    path.write_text(
        yaml.safe_dump(card.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    )


DEFAULT_CARD = Path(__file__).parent / "models" / "hygiene-tinygrid.yaml"
