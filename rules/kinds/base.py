"""The contract of a rule kind: a config model and an evaluator, registered by name.

A rule kind is one module: its pydantic config (a `RuleBase` with `kind:
Literal[...]`, extra fields refused) and an `Evaluator` subclass naming that config.
Defining the subclass registers it (a second kind of the same name is an error), and
the rule file's union of kinds is built from the registry when a file is read, so a
kind defined anywhere (a test module, a site's own package) needs no edit here.

The evaluator judges conditions; the engine's lifecycle (rules.lifecycle) fires,
notifies, escalates and resolves. An evaluator keeps its own state keyed by alert key
and hands it to the checkpoint as its own typed model (`snapshot` / `restore`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from core.ids import Id
from core.schemas import DetectionEvent, SensorKind, Severity

if TYPE_CHECKING:
    from rules.engine import Engine as Host
    # What an evaluator may use of the engine: the kitchen's facts (`seen`, `power`,
    # `door_since`, `lag(site)`, `rs`), the conditions (`conds`, `alerts`) and the
    # lifecycle's `condition` (a level seen true or false), `fire` (an event that is
    # an alert at once) and `clear` (the condition is over).


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(_Strict):
    """Which readings a reading-based rule looks at; an absent list matches everything."""

    kind: SensorKind = Field(default=SensorKind.TEMPERATURE, description="Sensor kind")
    zone: list[Id] | None = Field(default=None, description="Zones (the role of the reading)")
    device: list[Id] | None = Field(default=None, description="Devices")
    sensor: list[Id] | None = Field(default=None, description="Sensors")

    def matches(self, kind: str, zone: str | None, device: str, sensor: str) -> bool:
        if kind != self.kind.value:
            return False
        if self.zone is not None and zone not in self.zone:
            return False
        if self.device is not None and device not in self.device:
            return False
        return self.sensor is None or sensor in self.sensor


class RuleBase(_Strict):
    if TYPE_CHECKING:
        kind: str  # each kind's own `Literal[...]` field; here for code reading any kind

    id: Id = Field(description="Rule id; part of the alert fingerprint")
    description: str = Field(default="", max_length=500, description="What and why")
    ref: str = Field(default="", max_length=500, description="Source of the limit (standard, §)")
    severity: Severity = Field(default=Severity.WARNING, description="Alert severity")
    sites: list[Id] | None = Field(default=None, description="Only these sites (all if absent)")
    schedule: str | None = Field(
        default=None, description="Active only inside this schedule (e.g. working_hours)"
    )
    for_s: float = Field(default=0.0, ge=0, description="Condition must hold this long to fire")
    clear_for_s: float = Field(
        default=0.0, ge=0, description="Condition must stay clear this long to resolve (damping)"
    )
    tier: Literal[1, 2, 3] | None = Field(
        default=None,
        description="Supervision tier (1: notify canteen and inspector at once; 2: rectify "
        "by a deadline; 3: daily digest). Absent: from severity (critical 1, warning 2, info 3)",
    )
    rectify_within_s: float = Field(
        default=24 * 3600.0, gt=0, description="Tier 2: rectification deadline after firing"
    )

    @property
    def effective_tier(self) -> Literal[1, 2, 3]:
        """The tier this rule's alerts get: its own, else its severity's."""
        if self.tier is not None:
            return self.tier
        return TIER_OF_SEVERITY[self.severity]


TIER_OF_SEVERITY: dict[Severity, Literal[1, 2, 3]] = {
    Severity.CRITICAL: 1,
    Severity.WARNING: 2,
    Severity.INFO: 3,
}


class DetectionRuleBase(RuleBase):
    """What the detection kinds share: which classes, where, and how sure."""

    classes: list[Id] = Field(min_length=1, description="Classes, e.g. no_hat or rodent")
    zones: list[Id] | None = Field(default=None, description="Zones (all if absent)")
    cameras: list[Id] | None = Field(default=None, description="Cameras (all if absent)")
    min_score: float = Field(
        default=0.0, ge=0, le=1, description="With raw_detections: detections below are ignored"
    )
    raw_detections: bool = Field(
        default=False,
        description="Also count each frame's raw detections (at >= min_score), not only the "
        "violations the vision service's tracker holds; for a detector whose output is not "
        "tracked. Off: one raw detection is not a violation (a flicker, a misread mask)",
    )


Input = Literal["reading", "detection", "status"]


def dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


@dataclass(slots=True)
class Seen:
    """Last report of one sensor or camera (for ordering and no-data)."""

    ts: float
    source: str
    kind: str
    zone: str | None
    gap: float = 0.0
    """Its reporting interval as learned from its gaps (0: not known yet)."""


@dataclass(slots=True)
class Cond:
    """A level condition of one alert key: true since, clear since (None: not so)."""

    since: float | None
    clear_since: float | None


class State(BaseModel):
    """An evaluator's checkpointed state (each kind defines its own fields)."""

    model_config = ConfigDict(extra="forbid")


KINDS: dict[str, type["Evaluator"]] = {}
"""Registered kinds by name, in registration order."""


class Evaluator:
    """Judges the rules of one kind over the stream; one instance per engine and kind.

    Subclasses set `config` (the kind's pydantic model) and `listens` (which messages
    it is given), and override the hooks they need. The engine calls them with the
    rule as it applies at the kitchen and device (overrides folded in).
    """

    config: ClassVar[type[RuleBase]]
    listens: ClassVar[frozenset[Input]] = frozenset()
    inhibited_by_offline: ClassVar[bool] = True
    """An offline device (or kitchen) holds back this kind's new alerts."""
    kind: ClassVar[str]

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "config" not in cls.__dict__:
            return  # an abstract helper class
        (name,) = get_args(cls.config.model_fields["kind"].annotation)
        if name in KINDS:
            raise ValueError(f"rule kind {name!r} is registered twice")
        cls.kind = name
        KINDS[name] = cls
        _ADAPTER.clear()

    def __init__(self, host: "Host") -> None:
        self.host = host

    def on_reading(
        self, rule: Any, site: str, device: str, subject: str, ts: float, v: float
    ) -> None:
        """A reading matched by the rule's `match` (kinds listening to "reading")."""

    def on_detection(self, rule: Any, site: str, camera: str, msg: DetectionEvent) -> None:
        """A camera's detections (kinds listening to "detection")."""

    def on_status(self, rule: Any, site: str, device: str, ts: float, offline: bool) -> None:
        """A device's status, with the rule as written (kinds listening to "status")."""

    def on_back(self, site: str, subject: str, ts: float) -> None:
        """A sensor or camera reported again after a gap."""

    def on_tick(self, t: float) -> None:
        """The source clock moved to `t` (the watermark; use `host.lag(site)` per kitchen)."""

    def on_resolved(self, key: str) -> None:
        """A person closed the alert of `key`: a new incident must be seen afresh."""

    @classmethod
    def describe(cls, rule: Any, held: str) -> str:
        """What raises the alert, in words, for `bk rules check` (`held`: " for N s")."""
        return f"a {cls.kind} condition{held}"

    def quiet_s(self, rule: Any) -> float | None:
        """An event alert of this rule clears after this long without evidence."""
        return None

    def snapshot(self) -> State | None:
        """This kind's state for the checkpoint (None: it keeps none)."""
        return None

    def restore(self, state: dict[str, Any]) -> None:
        """Take back what `snapshot` gave (as JSON data)."""


def reading_rule(rule: RuleBase) -> Match:
    match = getattr(rule, "match", None)
    if not isinstance(match, Match):
        raise TypeError(f"rule kind {type(rule).__name__} listens to readings without a match")
    return match


_ADAPTER: dict[str, TypeAdapter[Any]] = {}


def rule_adapter() -> TypeAdapter[Any]:
    """A validator of one rule over every kind registered now (discriminated by kind)."""
    found = _ADAPTER.get("rule")
    if found is None:
        configs = tuple(k.config for k in KINDS.values())
        union: Any = (
            configs[0]
            if len(configs) == 1
            else Annotated[_union(configs), Field(discriminator="kind")]
        )
        found = _ADAPTER["rule"] = TypeAdapter(union)
    return found


def _union(types: Iterable[type[RuleBase]]) -> Any:
    out: Any = None
    for t in types:
        out = t if out is None else out | t
    return out


def detection_hits(rule: Any, msg: DetectionEvent) -> dict[str, tuple[float, list[dict[str, str]]]]:
    """Per class of the rule: best score in its zones and the evidence of violations.

    What counts is the violations the vision service's tracker holds in this frame (a
    worker seen without a hat for its hold time, a rodent that moved): each frame while
    held, with the evidence picture on the frame that declared it. Raw detections count
    only for a rule that asks for them (`raw_detections`): fired on them, one misread
    frame was an alert and the alert came before its evidence existed.
    """
    found: dict[str, tuple[float, list[dict[str, str]]]] = {}
    for vio in msg.violations:
        if vio.cls in rule.classes and (rule.zones is None or vio.zone in rule.zones):
            ev = [vio.evidence.model_dump(mode="json")] if vio.evidence else []
            # The alert's value: the detector's score for the violating track in this frame.
            score = max(
                (d.score for d in msg.detections if d.track == vio.track and d.cls == vio.cls),
                default=1.0,
            )
            old = found.get(vio.cls, (0.0, []))
            found[vio.cls] = (max(old[0], score), old[1] + ev)
    for det in msg.detections if rule.raw_detections else ():
        if (
            det.cls in rule.classes
            and det.score >= rule.min_score
            and (rule.zones is None or det.zone in rule.zones)
        ):
            old = found.get(det.cls, (0.0, []))
            found[det.cls] = (max(old[0], det.score), old[1])
    return found
