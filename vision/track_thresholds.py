"""Choose a violation's track threshold from offenders' and compliant workers' peaks.

A card's `thresholds.track` is chosen on the alert bench's tune cameras
(`bench/vision_alerts.py --scores`, never a held-out style): each scripted offender's
track reaches some peak (`Track.peak`: the highest median score over its hold window),
and so do the compliant workers' tracks that ever held the violation's box. A track is
declared when its median reaches the threshold, so a threshold `t` raises a false alarm
for every compliant peak >= t and misses every offender whose peak is below it.

Why a rule in code: it was applied by hand ("midway between the highest compliant and
the lowest offending peak"), which says nothing where the two overlap (which errors to
accept) nor where no compliant track held the violation at all (midway to what?). Here:
the threshold with the fewest false alarms plus misses; among thresholds that tie, the
widest gap between neighbouring peaks, and its middle. Below the lowest peak the gap
reaches down to `floor`, the lowest score a track of that class can show at all (the
card's per-frame threshold, or its head stage's floor): with no compliant peak, the
threshold lies midway between that floor and the weakest offender.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class TrackThreshold:
    """A suggested track threshold and what it gives on the peaks it was chosen from."""

    threshold: float
    false_alarms: int
    """Compliant peaks at or above the threshold."""
    missed: int
    """Offenders' peaks below it."""
    gap: tuple[float, float]
    """The neighbouring peaks (or floor, or 1.0) the threshold lies midway between."""


def suggest_track_threshold(
    offenders: Sequence[float], compliant: Sequence[float], floor: float
) -> TrackThreshold:
    """The threshold with the fewest false alarms plus misses (see the module)."""
    if not offenders:
        raise ValueError("no offender peaks: a threshold needs scripted incidents")
    if not 0.0 <= floor <= 1.0:
        raise ValueError(f"floor {floor} is not a score between 0 and 1")
    # the gaps between neighbouring distinct values; a threshold inside a gap keeps the
    # same errors throughout it
    edges = sorted({floor, 1.0, *(v for v in (*offenders, *compliant) if floor < v < 1.0)})
    best: tuple[int, float, float, float] | None = None  # errors, -width, lo, hi
    for lo, hi in pairwise(edges):
        t = (lo + hi) / 2
        errors = sum(c >= t for c in compliant) + sum(o < t for o in offenders)
        key = (errors, -(hi - lo), lo, hi)
        if best is None or key[:2] < best[:2]:
            best = key
    if best is None:  # floor is 1.0: nothing can be declared below it
        return TrackThreshold(1.0, sum(c >= 1.0 for c in compliant), 0, (1.0, 1.0))
    _errors, _width, lo, hi = best
    t = round((lo + hi) / 2, 3)
    return TrackThreshold(
        threshold=t,
        false_alarms=sum(c >= t for c in compliant),
        missed=sum(o < t for o in offenders),
        gap=(round(lo, 3), round(hi, 3)),
    )
