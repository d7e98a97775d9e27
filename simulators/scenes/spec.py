"""What a synthetic camera scene contains: the spec in, the ground truth out.

Every field of `SceneSpec` is optional: left as None it is drawn from the caller's
random generator, so `render_scene(SceneSpec(), rng)` gives a random kitchen frame,
while a test can script one exactly (one worker without a hat at a given spot).
Positions are fractions of the frame (0..1) so the same spec renders at any size.

A scene is the picture before any camera compression: the JPEG step belongs to whoever
sends or stores the frame (the camera simulator and `edge/camera.py` at their quality
setting, the data set export at 90 with training's JPEG 20-95 on top, the alert bench),
so it is not a scene field. (`jpeg_noise` was one, and no renderer read it.)
"""

from dataclasses import dataclass, field

CLASSES: tuple[str, ...] = ("no_hat", "no_mask", "rodent")
"""Ground-truth classes. `no_hat` and `no_mask` both box the worker's head (hair top to
chin, ear to ear) when the chef hat / the mask is missing; `rodent` boxes the body and
head of a rat or mouse (not its thin tail). Compliant heads carry no label."""

ALL_CLASSES: tuple[str, ...] = (*CLASSES, "head")
"""With `SceneSpec.label_heads`, every visible worker's head is also labelled `head`
(class index 3), compliant or not, so a detector can learn to find every worker."""

STYLES: tuple[str, ...] = (
    "classic",
    "flat",
    "shaded",
    "random",
    "outline",
    "blocky",
    "cctv",
    "photo",
    "clay",
    "ink",
    "papercut",
    "lowpoly",
    "sketch",
    "watercolour",
    "comic",
)
"""Scene styles, each drawn by its own code. `random` draws every look at random (domain
randomisation, for training). `outline`, `cctv` and `clay` are the held-out styles: never
used for training or threshold tuning, only to measure how a detector generalises (`clay`,
a claymation look, was drawn after hygiene-tinygrid@8 was trained, by an author who saw
neither the other styles nor any detector output). `blocky` was held out until @7 and is
a training style since @8; `photo` (a colour photograph from a fixed camera, drawn
without sight of the held-out styles) is a training style. `ink` (an ink-and-wash
painting) and `lowpoly` (a faceted low-polygon 3D render) were added as training styles
after @8, each drawn by an author who saw neither the held-out styles nor any detector
output; `papercut` (a cut-paper diorama with drop shadows) and `sketch` (pencil and pen
line drawing with hatching) were added later in the same way, and after @9 `watercolour`
(transparent washes on paper) and `comic` (inked outlines, flat cel colours and halftone
dots)."""


@dataclass(frozen=True)
class WorkerSpec:
    """One kitchen worker; `x` is the feet's centre, `y` the feet's line (fractions)."""

    x: float = 0.5
    y: float = 0.85
    hat: bool = True
    mask: bool = True
    scale: float = 1.0
    """Multiplier on the perspective height (1.0 = natural for that floor position)."""
    turn: float = 0.0
    """Head turn, -1 (left profile-ish) .. 1 (right): moves the face features."""
    arms_up: bool = False


@dataclass(frozen=True)
class RodentSpec:
    """One rodent running along the floor (`y` is its feet line) at `speed` frames/s."""

    x: float = 0.3
    y: float = 0.9
    size: float = 1.0
    speed: float = 0.08
    """Fraction of the frame width per second; negative runs left."""


@dataclass(frozen=True)
class SceneSpec:
    """A camera scene. None means "draw it at random from the generator"."""

    width: int = 320
    height: int = 240
    t: float = 0.0
    """Seconds since the scene started: rodents run and workers sway with it."""
    night: bool | None = None
    ir: bool | None = None
    """Infrared night frame (grey); only meaningful at night."""
    background_seed: int | None = None
    """Fixes the kitchen (tiles, counter, colours) so a camera's frames share it."""
    workers: tuple[WorkerSpec, ...] | None = None
    rodents: tuple[RodentSpec, ...] | None = None
    n_distractors: int | None = None
    distractor_heavy: bool = False
    """Many hat-, mask- and rodent-like things (plates, cloths, steam, brushes)."""
    occlusion: bool | None = None
    """A foreground counter hides the lower bodies."""
    extra: dict[str, float] = field(default_factory=dict)
    style: str = "classic"
    """Which drawing style renders the scene (see STYLES)."""
    label_heads: bool = False
    """Also label every visible worker head as `head` (see ALL_CLASSES)."""
    rodent_rate: float | None = None
    """Chance that a randomly drawn frame has a rodent (each further one, up to three, at
    half the previous chance). None keeps the style's day and night rates (about 0.2 by
    day, 0.7 at night); a training set raises it to show the detector more rodents on
    more floors than the natural rate would (only when `rodents` is None)."""


@dataclass(frozen=True)
class GroundTruth:
    """One labelled object in pixels of the rendered frame."""

    cls: str
    x1: float
    y1: float
    x2: float
    y2: float

    def yolo(self, width: int, height: int) -> tuple[int, float, float, float, float]:
        """(class index, cx, cy, w, h) normalised, as in a YOLO label line."""
        return (
            ALL_CLASSES.index(self.cls),
            (self.x1 + self.x2) / 2 / width,
            (self.y1 + self.y2) / 2 / height,
            (self.x2 - self.x1) / width,
            (self.y2 - self.y1) / height,
        )
