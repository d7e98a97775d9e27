"""Track every subject (workers, rodents); declare violations as attributes of a track.

Why: a tracker of violation boxes cannot tell "the same worker, now compliant" from
"gone", so every flicker of a detector started a new track and a new alert. Here the
detections of one frame are first grouped into observations of subjects (a worker's
`no_hat` and `no_mask` boxes are one head; a `hat` part box lands on the worker box
holding its centre), observations are matched to tracks (IoU with the track's
motion-predicted box, or a centre-distance gate for small fast rodents), and each
track keeps a short history of what it showed. A violation (`no_hat`, `no_mask`,
`rodent`) is declared when it has held on one track for `hold_s` seconds in at least
`hold_fraction` of its frames (k-of-n over time, Frigate-style score history), once per
track, again only after `realarm_s`. A track that is unseen for a few frames coasts on
its predicted box (hysteresis), so a flickering detector does not restart it.

Rules found by looking at what the false alarms of the alert bench were on
(`bench/vision_alerts.py --explain`): a rodent must have moved its own length (the
false ones were brushes and shoes sitting still for minutes); the median score of the
violation over the hold window must reach the card's `thresholds.track` (a detector's
persistent confusion shows middling scores, a real violation high ones); a violation
is declared on a frame that shows it (the evidence picture does); an offender picked up
again under a new track id nearby is not alarmed twice; with a model that boxes every
head, a violation box counts only merged with a head box (a hand is not a worker).

Works with both kinds of detector the card can describe:
- violation-only (today's `hygiene-tinygrid`: `no_hat`, `no_mask`, `rodent`): a worker
  track exists while some violation box is seen; frames where it is matched without
  that violation, or not matched at all, count as "not showing it";
- attribute detectors (`head`/`person` boxes with `hat`/`mask` classes or parts): every
  worker is tracked, compliant frames count against the violation.
"""

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from vision.card import VIOLATIONS, ClassRole
from vision.metrics import iou_matrix
from vision.zones import CameraRules

BoxT = tuple[float, float, float, float]


@dataclass
class Observation:
    """One subject seen in one frame: merged from one or more detections."""

    subject: str
    kind: str
    box: BoxT
    score: float
    attrs: dict[str, tuple[bool, float]] = field(default_factory=dict)
    members: list[int] = field(default_factory=list)
    located: bool = False
    """Whether a box that only locates the subject (`head`, `person`) is among its
    members: the detector found a worker there, not only an attribute."""


@dataclass
class Seen:
    """One frame of a track's history: which violations it showed then."""

    ts: float
    showing: frozenset[str]
    box: BoxT | None = None
    """Where the track was seen then (None: not matched in that frame)."""
    scores: dict[str, float] = field(default_factory=dict)
    """Score of the box that showed each violation in `showing`."""
    weak: bool = False
    """Whether the track was matched by a weak detection (below its class's threshold)."""
    at_feet: bool = False
    """Whether the box sat where a tracked worker's shoes are (`feet`)."""


@dataclass
class Track:
    id: int
    subject: str
    kind: str
    box: BoxT
    first_seen: datetime
    last_ts: float
    history: deque[Seen]
    velocity: tuple[float, float] = (0.0, 0.0)
    motion_known: bool = False
    """Whether `velocity` was measured (two matched frames in a row) rather than unknown
    (a new, resumed or relinked track): an unknown motion gets the wider centre gate."""
    missed: int = 0
    zone: str | None = None
    active: set[str] = field(default_factory=set)
    """Violations currently held (declared and not yet compliant again)."""
    last_alarm: dict[str, float] = field(default_factory=dict)
    shown: dict[str, tuple[BoxT, float]] = field(default_factory=dict)
    """Where and when the track last showed each violation it holds: where that
    offender was, even after an identity switch carried the track to someone else."""
    since: dict[str, datetime] = field(default_factory=dict)
    seen_since: float | None = None
    """Start of the current unbroken stretch of the track (creation or relink): a
    violation must hold for hold_s within one stretch."""
    peak: dict[str, float] = field(default_factory=dict)
    """Per violation: the highest median score over the hold window that this track
    reached while everything but the track threshold held (old enough, shown often
    enough, shown now). Diagnostics only, it decides nothing: the alert bench's
    `--scores` compares offenders' peaks with compliant workers' to show whether any
    track threshold could tell them apart."""

    @property
    def cls(self) -> str:
        """The track's subject (kept for callers that read the old attribute)."""
        return self.subject

    def predicted(self, ts: float) -> BoxT:
        dt = max(0.0, min(ts - self.last_ts, 5.0))
        dx, dy = self.velocity[0] * dt, self.velocity[1] * dt
        x1, y1, x2, y2 = self.box
        return (x1 + dx, y1 + dy, x2 + dx, y2 + dy)


@dataclass(frozen=True)
class Declared:
    """A violation declared on a track in this frame."""

    cls: str
    track: int
    zone: str | None
    since: datetime


def observations(
    found: list[tuple[str, BoxT, float]],
    role_of: Callable[[str], ClassRole | None],
    merge_iou: float = 0.6,
) -> list[Observation]:
    """Group one frame's detections (class, box, score) into subject observations.

    Boxes that only locate a subject (`head`, `person`) come first, each its own
    observation; a box that also asserts attributes (`no_mask`) joins the observation of
    the same kind it overlaps most (IoU >= merge_iou) that holds no box of its class yet,
    so one head's `head` and `no_mask` boxes are one worker while two overlapping heads
    stay two."""
    subjects: list[Observation] = []
    classes: list[set[str]] = []
    parts: list[tuple[int, ClassRole, BoxT, float]] = []
    roles = [(i, role_of(cls)) for i, (cls, _b, _s) in enumerate(found)]
    order = sorted(
        ((i, r) for i, r in roles if r is not None), key=lambda ir: (bool(ir[1].sets), ir[0])
    )
    for i, role in order:
        cls, box, score = found[i]
        if role.box == "part":
            parts.append((i, role, box, score))
            continue
        attrs: dict[str, tuple[bool, float]] = {a: (v, score) for a, v in role.sets.items()}
        same, best = -1, merge_iou
        for k, ob in enumerate(subjects):
            if ob.subject == role.subject and ob.kind == role.box and cls not in classes[k]:
                iou = float(iou_matrix(np.array([box]), np.array([ob.box]))[0, 0])
                if iou >= best:
                    same, best = k, iou
        if same < 0:
            subjects.append(
                Observation(role.subject, role.box, box, score, attrs, [i], not role.sets)
            )
            classes.append({cls})
            continue
        ob = subjects[same]
        classes[same].add(cls)
        ob.members.append(i)
        if score > ob.score and not ob.attrs and not attrs:
            ob.box, ob.score = box, score
        for a, (v, s) in attrs.items():
            if a not in ob.attrs or s > ob.attrs[a][1]:
                ob.attrs[a] = (v, s)
    for i, role, box, score in parts:
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        # a hat sits on top of a head box, so a part may reach one head height above it
        holders = [
            ob
            for ob in subjects
            if ob.subject == "worker"
            and ob.box[0] <= cx <= ob.box[2]
            and ob.box[1] - (ob.box[3] - ob.box[1]) <= cy <= ob.box[3]
        ]
        if not holders:
            continue
        ob = min(holders, key=lambda o: (o.box[2] - o.box[0]) * (o.box[3] - o.box[1]))
        ob.members.append(i)
        for a, v in role.sets.items():
            if a not in ob.attrs or score > ob.attrs[a][1]:
                ob.attrs[a] = (v, score)
    return subjects


def located_kinds(classes: list[str], role_of: Callable[[str], ClassRole | None]) -> frozenset[str]:
    """Box kinds a model's classes locate every worker with, asserting no attribute (a
    `head` class: head boxes): a violation box of such a kind needs one beside it."""
    out = set()
    for cls in classes:
        role = role_of(cls)
        if role is not None and role.subject == "worker" and role.box != "part" and not role.sets:
            out.add(role.box)
    return frozenset(out)


def feet(ob: Observation, obs: list[Observation], head_heights: float = 6.5) -> bool:
    """Whether a rodent-sized box sits at a worker's feet in this frame (a shoe, the
    commonest false rodent), judged from the worker's head box projected down. Such a
    frame shows no rodent unless the track has already run its own length away from
    any worker's feet (`Tracker._record`): an animal passing a worker, not a shoe."""
    cx, by = (ob.box[0] + ob.box[2]) / 2, ob.box[3]
    for w in obs:
        if w.subject != "worker" or w.kind != "head":
            continue
        hw, hh = w.box[2] - w.box[0], w.box[3] - w.box[1]
        fx, fy = (w.box[0] + w.box[2]) / 2, w.box[1] + head_heights * hh
        if abs(cx - fx) <= 1.2 * hw and abs(by - fy) <= 0.8 * hh:
            return True
    return False


def showing(ob: Observation) -> frozenset[str]:
    """Violations an observation shows on its own (before zones)."""
    return frozenset(shown_scores(ob))


def shown_scores(ob: Observation) -> dict[str, float]:
    """Violations an observation shows on its own (before zones), each with the score
    of the box that asserts it."""
    out: dict[str, float] = {}
    for name, (subject, attr) in VIOLATIONS.items():
        if ob.subject != subject:
            continue
        if attr is None:
            out[name] = ob.score
        elif attr in ob.attrs and ob.attrs[attr][0] is False:
            out[name] = ob.attrs[attr][1]
    return out


@dataclass
class Tracker:
    """Per camera: tracks of subjects and the violations they hold."""

    rules: CameraRules = field(default_factory=CameraRules)
    tracks: list[Track] = field(default_factory=list)
    lost: list[Track] = field(default_factory=list)
    """Tracks ended lately: a detector that misses a worker for a few seconds must not
    turn them into a new track and a second alarm."""
    next_id: int = 1
    center_gate: float = 0.9
    """Match by centre distance too when it is below this many box sizes (fast rodents)."""
    center_gate_new: float = 2.0
    """The centre gate of a track whose motion is not known yet. Why: a track's first
    step is not predicted, so the plain gate must cover all of it; a rodent a little
    shorter than the distance it runs in a frame (at 2 fps: a body length or two, as the
    alert bench's do) then started a new one-frame track every frame, never held for
    hold_s and was never alarmed. Matches by IoU and closer pairs still come first."""
    confirm: dict[str, float] = field(default_factory=dict)
    """Per violation: the median score over the hold window it needs (the card's
    `thresholds.track`); absent: no such check."""
    corroborate: frozenset[str] = frozenset()
    """Box kinds (`head`, `person`) for which a worker's violation counts only in frames
    where the detector also located that worker with a box of that kind merged with the
    violation box. Set from the model's classes (`located_kinds`): for a model that
    boxes every head, a violation box alone (on a raised hand, an apron, a poster) is
    not a worker."""

    def update(
        self,
        found: list[tuple[str, BoxT, float]],
        role_of: Callable[[str], ClassRole | None],
        ts: datetime,
        height: float,
        weak: Sequence[tuple[str, BoxT, float]] = (),
    ) -> tuple[list[int], list[Declared]]:
        """Feed one frame's detections (class, box, score); returns the track id per
        detection, those of `found` then those of `weak` (0: not tracked), and the
        violations declared now.

        `weak` detections scored below their class's threshold (the card's
        `thresholds.extend_track`): after the confident ones are matched, they continue
        live tracks left unmatched, as ByteTrack's second association does, and count in
        those tracks' hold; they never start, resume or relink a track, a violation still
        needs `confident_k` confident frames in its hold window, and a rodent's travel is
        judged on its confident boxes alone. Why: on a style the model never saw, a
        running rodent is boxed above its threshold in a third of its frames and at
        0.3-0.5 in most others, too few to hold; clutter scored as low as that (now and
        then higher) must not hold, nor seem to move, on weak boxes.
        """
        now = ts.timestamp()
        obs = observations(found, role_of)
        ids = [0] * (len(found) + len(weak))
        matched_tracks: set[int] = set()
        assigned = self._match(obs, now)
        taken = set(assigned.values())
        for oi, ob in enumerate(obs):
            ti = assigned.get(oi)
            resumed = self._resume(ob, now, taken) if ti is None else None
            back = self._relink(ob, now) if ti is None and resumed is None else None
            if resumed is not None:
                # a coasting track picked up where it was last seen (see _resume)
                ti = resumed
                tr = self.tracks[ti]
                tr.box, tr.missed, tr.last_ts, tr.kind = ob.box, 0, now, ob.kind
                tr.velocity, tr.motion_known = (0.0, 0.0), False
            elif back is not None:
                back.box, back.missed, back.last_ts, back.kind = ob.box, 0, now, ob.kind
                back.velocity, back.seen_since, back.motion_known = (0.0, 0.0), now, False
                back.history.clear()
                self.tracks.append(back)
                ti = len(self.tracks) - 1
                tr = back
            elif ti is None:
                tr = Track(
                    self.next_id,
                    ob.subject,
                    ob.kind,
                    ob.box,
                    ts,
                    now,
                    deque(maxlen=self.rules.persistence_n),
                )
                self.next_id += 1
                self.tracks.append(tr)
                ti = len(self.tracks) - 1
            else:
                tr = self.tracks[ti]
                _advance(tr, ob, now)
            matched_tracks.add(ti)
            self._record(tr, ob, obs, now, height, weak=False)
            for m in ob.members:
                ids[m] = tr.id
        if weak:
            faint = observations(list(weak), role_of)
            free = set(range(len(self.tracks))) - matched_tracks
            for oi, ti in self._match(faint, now, free).items():
                tr, ob = self.tracks[ti], faint[oi]
                _advance(tr, ob, now)
                matched_tracks.add(ti)
                self._record(tr, ob, obs, now, height, weak=True)
                for m in ob.members:
                    ids[len(found) + m] = tr.id
        for j, tr in enumerate(self.tracks):
            if j not in matched_tracks:
                tr.missed += 1
                tr.history.append(Seen(now, frozenset()))
        self.lost += [t for t in self.tracks if t.missed > self.rules.max_missed]
        self.lost = [t for t in self.lost if now - t.last_ts <= self.rules.relink_s]
        self.tracks = [t for t in self.tracks if t.missed <= self.rules.max_missed]
        declared: list[Declared] = []
        for tr in self.tracks:
            declared += self._decide(tr, now)
        return ids, declared

    def _record(
        self,
        tr: Track,
        ob: Observation,
        obs: list[Observation],
        now: float,
        height: float,
        weak: bool,
    ) -> None:
        """Add what `ob`, matched to `tr`, shows to the track's history (after zones, the
        corroboration of workers and the feet of this frame's confident workers `obs`)."""
        tr.zone = self.rules.zone_at(*self.rules.standing_point(ob.box, ob.kind, height))
        unlocated = ob.subject == "worker" and ob.kind in self.corroborate and not ob.located
        at_feet = ob.subject == "rodent" and feet(ob, obs, self.rules.head_heights)
        # a rodent that has already run its own length away from any worker's feet is
        # an animal passing a worker, not a shoe
        since = tr.first_seen.timestamp() if tr.seen_since is None else tr.seen_since
        shoe = at_feet and not (
            self.rules.rodent_min_travel > 0
            and self._travelled(tr, since, self.rules.rodent_min_travel)
        )
        scores = {
            v: sc
            for v, sc in shown_scores(ob).items()
            if not unlocated and self.rules.counts(v, tr.zone) and not (v == "rodent" and shoe)
        }
        tr.history.append(Seen(now, frozenset(scores), ob.box, scores, weak, at_feet))

    def _resume(self, ob: Observation, now: float, taken: set[int]) -> int | None:
        """The index of a live track, missed in the last frames and matched to nothing
        now, that this unmatched observation continues; added to `taken`.

        Why: a worker who stops or turns while hidden behind a colleague reappears where
        they were last seen, not where their old velocity predicts, so `_match` misses
        them; the track is not yet lost, so `_relink` cannot take it either, and a new
        track (and a second alarm for the same offender) would start beside it. Gate as
        for relinking, from the last seen box."""
        best: tuple[float, int] | None = None
        for ti, tr in enumerate(self.tracks):
            if ti in taken or tr.missed < 1 or tr.subject != ob.subject:
                continue
            dist = _gated_distance(ob.box, tr.box, now - tr.last_ts)
            if dist is not None and (best is None or dist < best[0]):
                best = (dist, ti)
        if best is None:
            return None
        taken.add(best[1])
        return best[1]

    def _relink(self, ob: Observation, now: float) -> Track | None:
        """The lost track this new observation most likely is, taken out of `lost`.

        Gate: the centre within (1 + 0.3 x seconds lost, at most 4) box sizes of where
        the track was last seen, boxes of similar size, same subject."""
        best: tuple[float, int] | None = None
        for k, tr in enumerate(self.lost):
            gap = now - tr.last_ts
            if tr.subject != ob.subject or gap > self.rules.relink_s:
                continue
            dist = _gated_distance(ob.box, tr.box, gap)
            if dist is not None and (best is None or dist < best[0]):
                best = (dist, k)
        if best is None:
            return None
        return self.lost.pop(best[1])

    def _match(
        self, obs: list[Observation], now: float, only: set[int] | None = None
    ) -> dict[int, int]:
        """Greedy assignment, best first: IoU with the predicted box, or a close centre;
        to the tracks indexed in `only` when given."""
        pairs: list[tuple[float, int, int]] = []
        for ti, tr in enumerate(self.tracks):
            if only is not None and ti not in only:
                continue
            gate = self.center_gate if tr.motion_known else self.center_gate_new
            pred = tr.predicted(now)
            pw, ph = pred[2] - pred[0], pred[3] - pred[1]
            size = max(1.0, pw, ph)
            area = max(1.0, pw * ph)
            pc = ((pred[0] + pred[2]) / 2, (pred[1] + pred[3]) / 2)
            for oi, ob in enumerate(obs):
                if ob.subject != tr.subject:
                    continue
                iou = float(iou_matrix(np.array([ob.box]), np.array([pred]))[0, 0])
                oc = ((ob.box[0] + ob.box[2]) / 2, (ob.box[1] + ob.box[3]) / 2)
                dist = math.hypot(oc[0] - pc[0], oc[1] - pc[1]) / size
                ow, oh = ob.box[2] - ob.box[0], ob.box[3] - ob.box[1]
                ratio = math.sqrt(max(ow * oh, 1.0) / area)
                if iou >= self.rules.iou_match:
                    pairs.append((1.0 + iou, oi, ti))
                elif dist <= gate and 0.5 <= ratio <= 2.0:
                    pairs.append((1.0 - dist / gate, oi, ti))
        pairs.sort(reverse=True)
        used_o: set[int] = set()
        used_t: set[int] = set()
        out: dict[int, int] = {}
        for _v, oi, ti in pairs:
            if oi in used_o or ti in used_t:
                continue
            used_o.add(oi)
            used_t.add(ti)
            out[oi] = ti
        return out

    @staticmethod
    def _travelled(tr: Track, since: float, lengths: float) -> bool:
        """Whether the track moved at least `lengths` of its own size (its box's longer
        side, median over the stretch) since `since`: the spread of its box centres.

        Why: the false rodents that survive the k-of-n hold are things that sit still
        for minutes (a brush on the floor, a shoe of a worker standing at the frame's
        edge); an animal crossing a kitchen floor moves many body lengths a second.
        Only confident boxes away from workers' feet count: weak ones matched over a row
        of clutter would make a still thing seem to move, and a shoe moves with its
        worker."""
        if lengths <= 0:
            return True
        boxes = [
            s.box
            for s in tr.history
            if s.box is not None and not s.weak and not s.at_feet and s.ts >= since - 1e-6
        ]
        if len(boxes) < 2:
            return False
        xs = [(b[0] + b[2]) / 2 for b in boxes]
        ys = [(b[1] + b[3]) / 2 for b in boxes]
        size = float(np.median([max(b[2] - b[0], b[3] - b[1]) for b in boxes]))
        return math.hypot(max(xs) - min(xs), max(ys) - min(ys)) >= lengths * max(size, 1.0)

    def _decide(self, tr: Track, now: float) -> list[Declared]:
        r = self.rules
        window = [s for s in tr.history if s.ts >= now - r.hold_s - 1e-6]
        if not window:
            return []
        since = tr.first_seen.timestamp() if tr.seen_since is None else tr.seen_since
        old_enough = now - since >= r.hold_s - 1e-6
        out = []
        last = window[-1]
        for name in tr.active:
            if last.ts >= now - 1e-6 and name in last.showing and last.box is not None:
                tr.shown[name] = (last.box, now)
        for name, (subject, _attr) in VIOLATIONS.items():
            if subject != tr.subject:
                continue
            hits = [s for s in window if name in s.showing]
            share = len(hits) / len(window)
            need = r.rodent_hold_fraction if name == "rodent" else r.hold_fraction
            median = float(np.median([s.scores.get(name, 0.0) for s in window]))
            sure = sum(1 for s in hits if not s.weak)
            held = (
                old_enough
                and len(hits) >= r.persistence_k
                # weak boxes alone do not hold it (clutter scored low, now and then high)
                and sure >= min(r.confident_k, r.persistence_k)
                and share >= need
                # declared on a frame that shows it, so the evidence picture does
                and window[-1].ts >= now - 1e-6
                and name in window[-1].showing
            )
            if held:
                tr.peak[name] = max(tr.peak.get(name, 0.0), median)
            if name in tr.active:
                if old_enough and share <= r.release_fraction:
                    tr.active.discard(name)  # compliant again (or gone from view)
                elif (
                    now - tr.last_alarm.get(name, -math.inf) >= r.realarm_s
                    # only on a frame that shows it (a track coasting after its worker
                    # left re-alarmed with a picture of the empty kitchen)
                    and window[-1].ts >= now - 1e-6
                    and name in window[-1].showing
                ):
                    tr.last_alarm[name] = now
                    out.append(Declared(name, tr.id, tr.zone, tr.since[name]))
                continue
            if (
                held
                and now - tr.last_alarm.get(name, -math.inf) >= r.realarm_s
                and median >= self.confirm.get(name, 0.0)
                # still: a brush, a shoe, a drain cover, not (yet) an animal
                and (name != "rodent" or self._travelled(tr, since, r.rodent_min_travel))
            ):
                tr.active.add(name)
                tr.since[name] = datetime.fromtimestamp(hits[0].ts, tz=tr.first_seen.tzinfo)
                tr.shown[name] = (tr.box, now)
                twin = self._alarmed_twin(tr, name, now)
                if twin is not None:  # the same offender under a second track id
                    tr.last_alarm[name] = twin.last_alarm[name]
                    continue
                tr.last_alarm[name] = now
                out.append(Declared(name, tr.id, tr.zone, tr.since[name]))
        return out

    def _alarmed_twin(self, tr: Track, name: str, now: float) -> Track | None:
        """Another track (live or lately lost) that raised `name` within `realarm_s`
        where this one is now: the same offender under a second id.

        Why: a tracker switches identities now and then (a stray box takes a track
        over, the real head starts a new one beside it, or the offender's track is
        carried off onto a compliant worker walking past); without this the offender
        would be alarmed twice within minutes. The other track is compared where it is
        (or was last seen) and where it last showed the violation: after a switch its
        box is on someone else, the offender is where it showed the violation. Gate as
        for relinking: centre within (1 + 0.3 x seconds since then, at most 4) box
        sizes, boxes of similar size. Two offenders standing that close share one
        alarm (the evidence picture shows both)."""
        for other in (*self.tracks, *self.lost):
            if other is tr or other.subject != tr.subject:
                continue
            if now - other.last_alarm.get(name, -math.inf) >= self.rules.realarm_s:
                continue
            places = [(other.box, other.last_ts)]
            if name in other.shown:
                places.append(other.shown[name])
            if any(_near(tr.box, box, now - ts) for box, ts in places):
                return other
        return None


def _advance(tr: Track, ob: Observation, now: float) -> None:
    """Move a track to the observation matched to it; its velocity from the step (half
    old, half new once a first step was measured)."""
    dt = now - tr.last_ts
    if dt > 0:
        cx = (ob.box[0] + ob.box[2] - tr.box[0] - tr.box[2]) / 2 / dt
        cy = (ob.box[1] + ob.box[3] - tr.box[1] - tr.box[3]) / 2 / dt
        a = 0.5 if tr.motion_known else 1.0
        tr.velocity = (a * cx + (1 - a) * tr.velocity[0], a * cy + (1 - a) * tr.velocity[1])
        tr.motion_known = True
    tr.box, tr.missed, tr.last_ts, tr.kind = ob.box, 0, now, ob.kind


def _gated_distance(box: BoxT, other: BoxT, seconds: float) -> float | None:
    """How far `box` is from `other`, seen `seconds` earlier, in box sizes, when `box`
    can be that subject: centres within (1 + 0.3 x seconds, at most 4) box sizes and
    areas within a factor of 4; None otherwise. One gate for resuming, relinking and
    alarm twins."""
    tw, th = box[2] - box[0], box[3] - box[1]
    ow, oh = other[2] - other[0], other[3] - other[1]
    size = max(1.0, tw, th, ow, oh)
    ratio = math.sqrt(max(tw * th, 1.0) / max(ow * oh, 1.0))
    dx = (box[0] + box[2] - other[0] - other[2]) / 2
    dy = (box[1] + box[3] - other[1] - other[3]) / 2
    dist = math.hypot(dx, dy) / size
    gate = min(4.0, 1.0 + 0.3 * max(0.0, seconds))
    return dist if 0.5 <= ratio <= 2.0 and dist <= gate else None


def _near(box: BoxT, other: BoxT, seconds: float) -> bool:
    """Whether `box` can be the subject seen in `other` `seconds` ago (`_gated_distance`)."""
    return _gated_distance(box, other, seconds) is not None
