"""Supervision figures and the monthly 食安指数: pure functions over plain records.

Nothing here reads a database: the routes (api/routers/figures.py) gather the records,
these functions compute, so every figure is unit-tested on small hand-computed
examples (tests/unit/api/test_api_figures.py).

Figures (for any set of kitchens and any period):

- coverage (接入率): kitchens connected / kitchens registered;
- online rate (在线率): device-seconds online during working hours / device-seconds of
  working hours (a camera switched off or dark at peak hours counts as offline);
- alerts by tier, acknowledgement time, rectification on-time rate and mean time,
  overdue count, false-positive rate of vision alerts. False positives are left out of
  every other figure (the kitchen is not blamed for the detector's mistake).

The 食安指数 (0–100) of one kitchen for one month is a weighted mean of components in
[0, 1] (weights configurable, `IndexConfig`):

    online       online rate during working hours
    violations   1 − (Σ tier weight × alerts) / (working days × allowed per day), ≥ 0
    rectified    rectifications done on time / rectifications due (1 if none due)
    ack          1 when the mean acknowledgement time ≤ ack_target_s, falling linearly
                 to 0 at 4 × ack_target_s (1 if nothing to acknowledge)
    cold_chain   share of the period no cold-chain alert was open (`cold_chain_rules`,
                 fired until resolved or the period's end; false positives excepted)

    index = 100 × Σ wᵢ·cᵢ / Σ wᵢ, then at most 100 × the lower of the camera and the
    sensor online rates

The cap is what keeps a dark kitchen from scoring well: a kitchen whose cameras were
off half of its working hours shows half the violations and would otherwise gain from
it; with the cap it cannot score above 50, whatever its sensors did. Grades (dynamic,
faces): ≥ 90 优秀 (大笑), ≥ 75 良好 (微笑), below 一般 (平脸). Annual: A when the
mean of the monthly indices is ≥ 90 and no month is below 75, B when the mean is ≥ 75,
else C.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class Case:
    """One alert with its rectification task, as the figures need it."""

    site: str
    rule: str
    tier: int
    fired_at: datetime
    acked_at: datetime | None = None
    deadline: datetime | None = None
    rectified_at: datetime | None = None
    """Time of the submission the inspector accepted."""
    overdue: bool = False
    false_positive: bool = False
    vision: bool = False
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class DeviceTime:
    """One device's working-hours time in a period and how much of it it was online."""

    site: str
    device: str
    kind: Literal["camera", "sensor"]
    working_s: float
    online_s: float


@dataclass
class Figures:
    kitchens: int
    connected: int
    coverage: float | None
    online_rate: float | None
    online_rate_cameras: float | None
    online_rate_sensors: float | None
    alerts_by_tier: dict[int, int]
    alerts_by_rule: dict[str, int]
    ack_mean_s: float | None
    rectify_due: int
    rectify_on_time: int
    rectify_on_time_rate: float | None
    rectify_mean_s: float | None
    overdue: int
    vision_alerts: int
    false_positives: int
    false_positive_rate: float | None
    extra: dict[str, float] = field(default_factory=dict)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def coverage(registered: Iterable[str], connected: Iterable[str]) -> float | None:
    """Kitchens connected / registered (a connected kitchen not registered does not count)."""
    reg = set(registered)
    return _ratio(len(reg & set(connected)), len(reg))


def online_rate(devices: Iterable[DeviceTime], kind: str | None = None) -> float | None:
    """Online seconds / working seconds, over every device (of `kind` if given)."""
    chosen = [d for d in devices if kind is None or d.kind == kind]
    return _ratio(
        sum(min(d.online_s, d.working_s) for d in chosen), sum(d.working_s for d in chosen)
    )


def figures(
    cases: Sequence[Case],
    devices: Sequence[DeviceTime],
    registered: Iterable[str],
    connected: Iterable[str],
    now: datetime,
) -> Figures:
    """Every figure of one set of kitchens over one period (see the module docstring).

    A rectification is due when its deadline has passed or it was rectified; it is on
    time when the accepted submission came by the deadline.
    """
    reg = set(registered)
    conn = reg & set(connected)
    real = [c for c in cases if not c.false_positive]
    acks = [(c.acked_at - c.fired_at).total_seconds() for c in real if c.acked_at]
    due = [
        c
        for c in real
        if c.deadline is not None and (c.rectified_at is not None or c.deadline <= now)
    ]
    on_time = [c for c in due if c.rectified_at is not None and c.rectified_at <= c.deadline]  # type: ignore[operator]
    rect = [(c.rectified_at - c.fired_at).total_seconds() for c in real if c.rectified_at]
    vision = [c for c in cases if c.vision]
    fps = [c for c in vision if c.false_positive]
    return Figures(
        kitchens=len(reg),
        connected=len(conn),
        coverage=_ratio(len(conn), len(reg)),
        online_rate=online_rate(devices),
        online_rate_cameras=online_rate(devices, "camera"),
        online_rate_sensors=online_rate(devices, "sensor"),
        alerts_by_tier=dict(sorted(Counter(c.tier for c in real).items())),
        alerts_by_rule=dict(sorted(Counter(c.rule for c in real).items())),
        ack_mean_s=fmean(acks) if acks else None,
        rectify_due=len(due),
        rectify_on_time=len(on_time),
        rectify_on_time_rate=_ratio(len(on_time), len(due)),
        rectify_mean_s=fmean(rect) if rect else None,
        overdue=sum(1 for c in real if c.overdue),
        vision_alerts=len(vision),
        false_positives=len(fps),
        false_positive_rate=_ratio(len(fps), len(vision)),
    )


class IndexConfig(BaseModel):
    """The 食安指数 formula's knobs (see the module docstring for the formula)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    w_online: float = Field(default=30.0, ge=0)
    w_violations: float = Field(default=30.0, ge=0)
    w_rectified: float = Field(default=20.0, ge=0)
    w_ack: float = Field(default=10.0, ge=0)
    w_cold_chain: float = Field(default=10.0, ge=0)
    cold_chain_rules: tuple[str, ...] = Field(
        default=("cold-holding-high", "cold-holding-low", "frozen-high"),
        description="Rules whose open alerts count as cold-chain time out of range",
    )
    tier_weights: dict[int, float] = Field(default_factory=lambda: {1: 3.0, 2: 1.0, 3: 0.2})
    allowed_per_day: float = Field(
        default=1.0, gt=0, description="Weighted violations per working day that score 0"
    )
    ack_target_s: float = Field(default=900.0, gt=0)
    cap_by_online: bool = Field(default=True, description="index ≤ 100 × online rate")
    excellent: float = Field(default=90.0, description="优秀 at or above")
    good: float = Field(default=75.0, description="良好 at or above (below: 一般)")
    annual_a: float = Field(default=90.0)
    annual_b: float = Field(default=75.0)


@dataclass(frozen=True)
class IndexResult:
    index: float
    components: dict[str, float]
    grade: str
    face: str


def cold_chain_in_range(
    cases: Iterable[Case], start: datetime, end: datetime, rules: Iterable[str]
) -> float:
    """Share of [start, end) during which no cold-chain alert was open.

    An alert counts from when it fired to when it was resolved (or the period's end if
    still open); overlapping alerts count once; false positives do not count. The cold
    chain runs day and night, so the whole period is the denominator, not working hours.
    """
    period = (end - start).total_seconds()
    if period <= 0:
        return 1.0
    wanted = set(rules)
    spans = sorted(
        (max(c.fired_at, start), min(c.resolved_at or end, end))
        for c in cases
        if c.rule in wanted and not c.false_positive
    )
    out_s = 0.0
    cur_lo: datetime | None = None
    cur_hi: datetime | None = None
    for lo, hi in spans:
        if hi <= lo:
            continue
        if cur_hi is None or lo > cur_hi:
            if cur_lo is not None and cur_hi is not None:
                out_s += (cur_hi - cur_lo).total_seconds()
            cur_lo, cur_hi = lo, hi
        else:
            cur_hi = max(cur_hi, hi)
    if cur_lo is not None and cur_hi is not None:
        out_s += (cur_hi - cur_lo).total_seconds()
    return max(0.0, 1.0 - out_s / period)


def safety_index(
    fig: Figures,
    working_days: float,
    cold_chain_in_range: float | None = None,
    cfg: IndexConfig | None = None,
) -> IndexResult | None:
    """The monthly 食安指数 of one kitchen from its figures; None without online data
    (a kitchen whose working-hours presence is unknown cannot be scored)."""
    cfg = cfg or IndexConfig()
    if fig.online_rate is None:
        return None
    weighted = sum(cfg.tier_weights.get(t, 1.0) * n for t, n in fig.alerts_by_tier.items())
    violations = max(0.0, 1.0 - weighted / (max(working_days, 1e-9) * cfg.allowed_per_day))
    if fig.ack_mean_s is None or fig.ack_mean_s <= cfg.ack_target_s:
        ack = 1.0
    else:
        ack = max(0.0, 1.0 - (fig.ack_mean_s - cfg.ack_target_s) / (3 * cfg.ack_target_s))
    comps = {
        "online": fig.online_rate,
        "violations": violations,
        "rectified": 1.0 if fig.rectify_on_time_rate is None else fig.rectify_on_time_rate,
        "ack": ack,
        "cold_chain": 1.0 if cold_chain_in_range is None else cold_chain_in_range,
    }
    weights = {
        "online": cfg.w_online,
        "violations": cfg.w_violations,
        "rectified": cfg.w_rectified,
        "ack": cfg.w_ack,
        "cold_chain": cfg.w_cold_chain,
    }
    total = sum(weights.values())
    index = 100.0 * sum(weights[k] * comps[k] for k in comps) / total if total else 0.0
    if cfg.cap_by_online:
        # The weaker of cameras and sensors: dark cameras are not made up by sensors.
        rates = [fig.online_rate_cameras, fig.online_rate_sensors, fig.online_rate]
        index = min(index, 100.0 * min(r for r in rates if r is not None))
    index = round(index, 1)
    grade, face = grade_of(index, cfg)
    return IndexResult(index, comps, grade, face)


def grade_of(index: float, cfg: IndexConfig | None = None) -> tuple[str, str]:
    """The dynamic grade and its face: 优秀/大笑, 良好/微笑, 一般/平脸."""
    cfg = cfg or IndexConfig()
    if index >= cfg.excellent:
        return "优秀", "大笑"
    if index >= cfg.good:
        return "良好", "微笑"
    return "一般", "平脸"


def annual_grade(monthly: Sequence[float], cfg: IndexConfig | None = None) -> str | None:
    """A, B or C from a year's monthly indices (None without any month)."""
    cfg = cfg or IndexConfig()
    if not monthly:
        return None
    mean = fmean(monthly)
    if mean >= cfg.annual_a and min(monthly) >= cfg.good:
        return "A"
    return "B" if mean >= cfg.annual_b else "C"


def share_at(grades: Iterable[str | None], grade: str = "A") -> float | None:
    """Share of kitchens at `grade` (e.g. the district's share at A; ungraded count)."""
    all_ = list(grades)
    return _ratio(sum(1 for g in all_ if g == grade), len(all_))
