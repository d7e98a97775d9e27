"""Vision alerts people can trust: false violations per camera-hour, scripted incidents.

Usage: .venv/bin/python bench/vision_alerts.py [--minutes 6] [--styles classic]
       [--episodes 4] [--card vision/models/hygiene-tinygrid.yaml] [--json out.json]

Runs the full pipeline the vision worker runs (`VisionPipeline.process_jpeg`, default
`CameraRules`, 2 frames/s, JPEG as a camera sends it) over simulated camera time:

- compliant scenes, for each scene style: `normal` (daytime, 3-6 workers walking, all
  with hat and mask, everyday distractors), `busy` (6-8 workers crossing each other,
  many distractors, steam) and `night_ir` (an empty kitchen under infrared). Every
  violation raised there is false; the figure is false violations per camera-hour.
- scripted incidents: a worker takes the hat off for 30 s, a worker takes the mask off
  for 30 s, a rodent runs across the floor. Each is one episode on a fresh camera; the
  figures are the share alerted exactly once (one violation of that class on the
  offender's track, judged by overlap with the offender's labelled box, from the
  incident's start to 10 s after its end), the share alerted within 10 s, and the delay
  from the incident's start to its first violation; violations on anyone else during
  an incident are counted as `other violations` (false). Because an offender may walk
  behind a colleague, the first frame that shows the incident (its label visible in
  the picture) is printed too, with the share alerted exactly once within 10 s of it.

`--trace STYLE:KIND:EPISODE` runs one scripted episode alone and prints it frame by
frame (boxes, track ids, scores, declarations): how a miss is told to be the model's or
the tracker's.

With `--scores`, each style also gets a line per worker violation (`no_hat`, `no_mask`)
that says whether any track threshold could tell offenders from compliant workers:
each offender's peak (the highest
median score over the hold window its track reached while the violation held, whatever
the card's `thresholds.track`; `Track.peak`) against the peaks of compliant workers'
tracks in the compliant scenes (how many reach 0.5, and the highest). Where the two
overlap, no threshold gives both no false alarm and every incident: the detector's
scores are the limit, not the rule. After the last style, a line per violation gives
the track threshold all the styles' peaks suggest (`vision.track_thresholds`: the fewest
false alarms plus misses, midway in the widest such gap). Run it on the tune cameras
(`--styles classic,flat,shaded,photo --seed 7000 --kinds hat_off,mask_off --scores`),
never on a held-out style or the seed whose figures are reported.

Targets (issue 11): <= 0.05 false violations per camera-hour on every normal style,
100 % of scripted incidents alerted exactly once within 10 s. `--minutes` bounds the
simulated time per compliant scene (the default keeps a run near 2-3 minutes on this
shared machine; pass 60 for the camera-hour the issue asks); rates are scaled to an
hour. All scenes are synthetic: the figures say how the detector and the tracking layer
behave on drawn kitchens, not on real footage.
"""

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.schemas import Box
from simulators.scenes import (
    STYLES,
    GroundTruth,
    RodentSpec,
    SceneSpec,
    WorkerSpec,
    render_scene,
)
from vision.card import DEFAULT_CARD, ModelCard
from vision.metrics import iou_matrix
from vision.pipeline import VisionPipeline, declared_violations
from vision.track_thresholds import suggest_track_threshold

FPS = 2.0
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
SCENE_SEED = {"normal": 0, "busy": 31, "night_ir": 67}


@dataclass
class Walker:
    """A worker walking back and forth along the floor (positions as frame fractions)."""

    x0: float
    y0: float
    amp_x: float
    amp_y: float
    period: float
    phase: float
    scale: float
    turn_period: float
    hat: bool = True
    mask: bool = True

    def at(self, t: float) -> WorkerSpec:
        a = 2 * math.pi * (t / self.period + self.phase)
        return WorkerSpec(
            x=float(np.clip(self.x0 + self.amp_x * math.sin(a), 0.06, 0.94)),
            y=float(np.clip(self.y0 + self.amp_y * math.sin(0.7 * a + 1.0), 0.6, 0.99)),
            hat=self.hat,
            mask=self.mask,
            scale=self.scale,
            turn=math.sin(2 * math.pi * t / self.turn_period),
            arms_up=math.sin(2 * math.pi * t / (self.turn_period * 1.7)) > 0.8,
        )


def walkers(rng: np.random.Generator, n: int, busy: bool) -> list[Walker]:
    out = []
    for _ in range(n):
        out.append(
            Walker(
                x0=float(rng.uniform(0.2, 0.8) if busy else rng.uniform(0.1, 0.9)),
                y0=float(rng.uniform(0.7, 0.92)),
                amp_x=float(rng.uniform(0.15, 0.4) if busy else rng.uniform(0.03, 0.25)),
                amp_y=float(rng.uniform(0.0, 0.08)),
                period=float(rng.uniform(20, 90)),
                phase=float(rng.uniform(0, 1)),
                scale=float(rng.uniform(0.8, 1.1)),
                turn_period=float(rng.uniform(6, 20)),
            )
        )
    return out


@dataclass
class Camera:
    """One simulated camera: a fixed kitchen (style, background, distractors, light)."""

    name: str
    style: str
    seed: int
    night: bool
    ir: bool
    n_distractors: int
    heavy: bool
    walkers: list[Walker] = field(default_factory=list)
    quality: int = 80

    def spec(self, t: float, rodents: tuple[RodentSpec, ...] = ()) -> SceneSpec:
        return SceneSpec(
            t=t,
            night=self.night,
            ir=self.ir,
            background_seed=self.seed,
            workers=tuple(w.at(t) for w in self.walkers),
            rodents=rodents,
            n_distractors=self.n_distractors,
            distractor_heavy=self.heavy,
            occlusion=False,
            style=self.style,
        )

    def jpeg(self, spec: SceneSpec, frame_no: int) -> bytes:
        return self.frame(spec, frame_no)[0]

    def frame(self, spec: SceneSpec, frame_no: int) -> tuple[bytes, list[GroundTruth]]:
        """The JPEG the camera sends and the ground truth drawn in it."""
        # The same generator each frame keeps the kitchen, its distractors and its light
        # still (a fixed camera); per-frame sensor noise is added on top.
        img, truth = render_scene(spec, np.random.default_rng([self.seed, 99]))
        noise = np.random.default_rng([self.seed, frame_no]).normal(0, 2.0, img.shape)
        img = np.clip(img + noise, 0, 255).astype(np.uint8)
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        return buf.tobytes(), truth


def compliant_camera(style: str, scene: str, seed: int) -> Camera:
    rng = np.random.default_rng([seed, 1])
    if scene == "normal":
        return Camera(
            f"{style}-normal-{seed}",
            style,
            seed,
            False,
            False,
            int(rng.integers(3, 7)),
            False,
            walkers(rng, int(rng.integers(3, 7)), busy=False),
        )
    if scene == "busy":
        return Camera(
            f"{style}-busy-{seed}",
            style,
            seed,
            False,
            False,
            int(rng.integers(8, 14)),
            True,
            walkers(rng, int(rng.integers(6, 9)), busy=True),
        )
    return Camera(
        f"{style}-night-{seed}", style, seed, True, True, int(rng.integers(3, 9)), False, []
    )


Peaks = dict[int, dict[str, float]]
"""Track id → violation → the track's peak (`Track.peak`), as last seen."""


def collect_peaks(pipe: VisionPipeline, cam: Camera, into: Peaks) -> None:
    """Copy the peaks of the camera's live and lately lost tracks into `into` (tracks
    are forgotten a while after they are lost, so this runs every frame)."""
    tracker = pipe.trackers.get(f"bench/{cam.name}")
    if tracker is None:
        return
    for tr in (*tracker.tracks, *tracker.lost):
        if tr.peak:
            into[tr.id] = dict(tr.peak)


def run_frames(
    pipe: VisionPipeline,
    cam: Camera,
    seconds: float,
    explain: bool = False,
    peaks: Peaks | None = None,
) -> Iterator[tuple[float, list[str]]]:
    """Yield (t, violation classes) for each frame of `seconds` of camera time.

    With `explain`, each violation is printed with what it was raised on (why: a false
    alert is fixed where it comes from, not by a threshold): the track's age, the scores
    of its boxes over the last seconds, and the best overlap with any labelled head or
    rodent (near 0: a distractor or a body part, not a head)."""
    recent: dict[int, list[tuple[float, str, float]]] = {}
    for i in range(int(seconds * FPS)):
        t = i / FPS
        spec = replace(cam.spec(t), label_heads=True) if explain else cam.spec(t)
        jpeg, truth = cam.frame(spec, i)
        ev = pipe.process_jpeg("bench", cam.name, jpeg, T0 + timedelta(seconds=t), i)
        if explain:
            for d in ev.detections:
                recent.setdefault(d.track or 0, []).append((t, d.cls, d.score))
            for k in list(recent):
                recent[k] = [r for r in recent[k] if r[0] >= t - 8]
            for v in declared_violations(ev):
                _explain(pipe, cam, t, v.cls, v.track, ev.detections, truth, recent)
        if peaks is not None:
            collect_peaks(pipe, cam, peaks)
        yield t, [v.cls for v in declared_violations(ev)]


def _explain(
    pipe: VisionPipeline,
    cam: Camera,
    t: float,
    cls: str,
    track: int,
    detections: list[Any],
    truth: list[GroundTruth],
    recent: dict[int, list[tuple[float, str, float]]],
) -> None:
    tracker = pipe.trackers[f"bench/{cam.name}"]
    tr = next((x for x in tracker.tracks if x.id == track), None)
    age = t - (tr.first_seen - T0).total_seconds() if tr is not None else -1.0
    boxes = [d.box for d in detections if d.track == track]
    if not boxes and tr is not None:  # declared while coasting: its last box
        boxes = [Box(x1=tr.box[0], y1=tr.box[1], x2=tr.box[2], y2=tr.box[3])]
    best: tuple[float, str] = (0.0, "-")
    for b in boxes:
        for g in truth:
            iou = float(
                iou_matrix(
                    np.array([[b.x1, b.y1, b.x2, b.y2]]), np.array([[g.x1, g.y1, g.x2, g.y2]])
                )[0, 0]
            )
            if iou > best[0]:
                best = (iou, g.cls)
    size = [round(b.x2 - b.x1) for b in boxes]
    hist = " ".join(f"{c}:{s:.2f}" for _t, c, s in recent.get(track, []))
    print(
        f"  EXPLAIN {cam.name} t={t:.1f} {cls} track {track} age {age:.1f}s "
        f"widths {size} best-truth {best[1]}@{best[0]:.2f} "
        f"heads in frame {sum(g.cls == 'head' for g in truth)} | {hist}"
    )


@dataclass
class Episode:
    kind: str
    start: float
    end: float
    alerts: list[float]
    others: int
    visible: float | None = None
    """Seconds from the incident's start to the first frame that shows it (the offender's
    violation labelled in the picture); None: never visible (hidden all along)."""
    peak: float = 0.0
    """The highest peak of the incident's class on the offender's tracks (0: never held)."""


def scripted(
    pipe: VisionPipeline,
    style: str,
    kind: str,
    seed: int,
    trace: Callable[[float, Any], None] | None = None,
) -> Episode:
    """One incident on a fresh camera: 3 compliant workers, one of them offends.
    `trace`, when given, is called with (seconds, the pipeline's event) on every frame."""
    rng = np.random.default_rng([seed, 2])
    cam = Camera(
        f"{style}-{kind}-{seed}",
        style,
        seed,
        False,
        False,
        int(rng.integers(2, 6)),
        False,
        walkers(rng, 3, busy=False),
    )
    start, length, tail = 8.0, 30.0, 12.0
    cls = {"hat_off": "no_hat", "mask_off": "no_mask", "rodent": "rodent"}[kind]
    rodent = RodentSpec(
        x=0.0,
        y=float(rng.uniform(0.75, 0.97)),
        size=float(rng.uniform(0.9, 1.4)),
        speed=float(rng.uniform(0.1, 0.15)),
    )
    if kind == "rodent":
        # crossing time: from the left edge until the body has left on the right
        length = 1.1 / rodent.speed
    alerts: list[float] = []
    others = 0
    offender = cam.walkers[0]
    tracks: set[int] = set()
    frames = _episode_frames(
        pipe, cam, start, length, tail, kind, offender, rodent, cls, tracks, trace
    )
    visible: float | None = None
    peaks: Peaks = {}
    for t, found, shown in frames:
        collect_peaks(pipe, cam, peaks)
        if shown and visible is None and start <= t < start + length:
            visible = t - start
        for c, on_offender in found:
            if c == cls and on_offender and start <= t <= start + length + 10:
                alerts.append(t - start)
            else:
                others += 1
    peak = max((peaks.get(i, {}).get(cls, 0.0) for i in tracks), default=0.0)
    return Episode(kind, start, start + length, alerts, others, visible, peak)


def _episode_frames(
    pipe: VisionPipeline,
    cam: Camera,
    start: float,
    length: float,
    tail: float,
    kind: str,
    offender: Walker,
    rodent: RodentSpec,
    cls: str,
    offender_tracks: set[int],
    trace: Callable[[float, Any], None] | None = None,
) -> Iterator[tuple[float, list[tuple[str, bool]], bool]]:
    """Yield (t, [(violation class, raised on the offender?)], shown) per frame (shown:
    the incident is labelled in this frame, i.e. visible in the picture). The offender
    is the one object labelled `cls` in the picture (the others comply); a violation is
    the offender's when its track's box overlaps the offender's last labelled box. The
    ids of tracks that overlap it so (whether or not it is labelled in this frame: a
    rodent runs out of its label's box) go into `offender_tracks`."""
    last: tuple[float, float, float, float] | None = None
    for i in range(int((start + length + tail) * FPS)):
        t = i / FPS
        active = start <= t < start + length
        offender.hat = not (active and kind == "hat_off")
        offender.mask = not (active and kind == "mask_off")
        rodents: tuple[RodentSpec, ...] = ()
        if active and kind == "rodent":
            # the rodent enters at the left edge when the incident starts
            rodents = (replace(rodent, x=-rodent.speed * start),)
        jpeg, truth = cam.frame(cam.spec(t, rodents), i)
        shown = False
        for g in truth:
            if g.cls == cls:
                last = (g.x1, g.y1, g.x2, g.y2)
                shown = True
        ev = pipe.process_jpeg("bench", cam.name, jpeg, T0 + timedelta(seconds=t), i)
        if trace is not None:
            trace(t, ev)
        if last is not None:  # as the alerts below are judged: the last labelled box
            for d in ev.detections:
                b = d.box
                iou = iou_matrix(np.array([[b.x1, b.y1, b.x2, b.y2]]), np.array([last]))[0, 0]
                if d.track and float(iou) >= 0.2:
                    offender_tracks.add(d.track)
        out = []
        for v in declared_violations(ev):
            boxes = [d.box for d in ev.detections if d.track == v.track]
            mine = last is not None and any(
                float(iou_matrix(np.array([[b.x1, b.y1, b.x2, b.y2]]), np.array([last]))[0, 0])
                >= 0.2
                for b in boxes
            )
            out.append((v.cls, mine))
        yield t, out, shown


KIND_OF = {"no_hat": "hat_off", "no_mask": "mask_off"}
"""The violations `--scores` reports. Not rodents: a rodent is held in as few as 40 % of
its frames (`rodent_hold_fraction`), so the median over its window is often 0, and what
tells it from a brush is that it moves (`rodent_min_travel`), not a score."""


def score_lines(
    style: str, per_style: dict[str, Any], compliant: list[dict[str, float]]
) -> dict[str, Any]:
    """Print and return, per violation, offenders' peaks against compliant tracks'."""
    out: dict[str, Any] = {}
    for cls, kind in KIND_OF.items():
        offenders = per_style["scripted"].get(kind, {}).get("offender_peaks")
        false = sorted((p[cls] for p in compliant if cls in p), reverse=True)
        if offenders is None and not false:
            continue
        out[cls] = {
            "offender_peaks": sorted(offenders) if offenders is not None else None,
            "compliant_tracks_at_0_5": sum(x >= 0.5 for x in false),
            "compliant_top": [round(x, 3) for x in false[:5]],
            "compliant_peaks": [round(x, 3) for x in false],
        }
        print(
            f"{style:>8} {cls:<9} peaks: offenders "
            f"{out[cls]['offender_peaks'] if offenders is not None else '(not run)'}, "
            f"compliant tracks reaching 0.5: {out[cls]['compliant_tracks_at_0_5']}, "
            f"highest {out[cls]['compliant_top']}"
        )
    return out


def track_floor(card: ModelCard, cls: str) -> float:
    """The lowest score a track can show for `cls`: the head stage's floor for the
    classes it scores (fused boxes below it are not emitted), else the class's
    per-frame threshold. A held track's median is at least this while more than half
    its window shows the violation, as the bench's default `CameraRules.hold_fraction`
    (0.6) asks."""
    stage = card.attributes
    if stage is not None and cls in stage.classes:
        return stage.floor
    return card.thresholds.for_class(cls)


def suggest_lines(card: ModelCard, styles: dict[str, Any]) -> dict[str, Any]:
    """Print and return, per worker violation, the track threshold the peaks of every
    style run suggest (`vision.track_thresholds`): honest only on tune cameras, never
    on a held-out style or the seed figures are reported on."""
    out: dict[str, Any] = {}
    for cls in KIND_OF:
        offenders: list[float] = []
        compliant: list[float] = []
        for per_style in styles.values():
            got = per_style.get("scores", {}).get(cls)
            if got is None:
                continue
            offenders += got["offender_peaks"] or []
            compliant += got["compliant_peaks"]
        if not offenders:
            continue
        floor = track_floor(card, cls)
        s = suggest_track_threshold(offenders, compliant, floor)
        now = card.thresholds.track.get(cls)
        out[cls] = {
            "threshold": s.threshold,
            "false_alarms": s.false_alarms,
            "missed": s.missed,
            "gap": list(s.gap),
            "offenders": len(offenders),
            "compliant_peaks": len(compliant),
            "card": now,
        }
        print(
            f"suggested track threshold {cls}: {s.threshold:.3f} (midway in {s.gap[0]:.3f}-"
            f"{s.gap[1]:.3f}; {s.false_alarms} of {len(compliant)} compliant peaks above, "
            f"{s.missed} of {len(offenders)} offenders below; floor {floor:g}; card: "
            f"{'none' if now is None else f'{now:g}'})"
        )
    return out


KINDS = ("hat_off", "mask_off", "rodent")


def trace_episode(card: Path, style: str, kind: str, seed: int) -> None:
    """Print one scripted episode frame by frame (`--trace`).

    Why: a miss or a double alert is the model's or the tracker's, and only the frames
    tell which (a head scored low throughout, or a track that ended and a new one that
    began beside it). Each line: seconds, what was declared (track, class), then each
    box as track:class@score[x1,y1,x2,y2]."""

    def line(t: float, ev: Any) -> None:
        boxes = " ".join(
            f"{d.track}:{d.cls}@{d.score:.2f}"
            f"[{d.box.x1:.0f},{d.box.y1:.0f},{d.box.x2:.0f},{d.box.y2:.0f}]"
            for d in ev.detections
        )
        declared = " ".join(f"{v.track}:{v.cls}" for v in declared_violations(ev))
        print(f"{t:6.1f} s  declared [{declared}]  {boxes}")

    with tempfile.TemporaryDirectory() as tmp:
        pipe = VisionPipeline.create(card=card, evidence_dir=Path(tmp))
        ep = scripted(pipe, style, kind, seed, trace=line)
    print(
        f"{style} {kind} seed {seed}: incident {ep.start:.0f}-{ep.end:.0f} s, alerts on the "
        f"offender at {ep.alerts} s after its start, other violations {ep.others}, "
        f"offender's peak {ep.peak:.3f} (all scenes synthetic)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--card", type=Path, default=DEFAULT_CARD)
    ap.add_argument("--styles", default="classic", help="Comma-separated scene styles")
    ap.add_argument("--minutes", type=float, default=6.0, help="Per compliant scene kind")
    ap.add_argument("--cameras", type=int, default=2, help="Cameras per compliant scene kind")
    ap.add_argument("--episodes", type=int, default=4, help="Scripted incidents per kind")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--json", type=Path, default=None, help="Also write the figures here")
    ap.add_argument(
        "--explain", action="store_true", help="Print what each compliant-scene violation is on"
    )
    ap.add_argument(
        "--scores",
        action="store_true",
        help="Per style and violation: offenders' peak scores against compliant workers'",
    )
    ap.add_argument("--scenes", default="normal,busy,night_ir", help="Compliant scene kinds to run")
    ap.add_argument(
        "--kinds", default="hat_off,mask_off,rodent", help="Scripted incident kinds to run"
    )
    ap.add_argument(
        "--trace",
        metavar="STYLE:KIND:EPISODE",
        help="Run only that scripted episode (EPISODE counts from 0, seeds as in a full run) "
        "and print every frame: each box with its track and score, and what was declared",
    )
    args = ap.parse_args()
    if args.minutes < 0 or args.episodes < 0 or args.cameras < 1:
        ap.error("--minutes and --episodes must be >= 0, --cameras >= 1")
    if args.trace:
        parts = args.trace.split(":")
        if len(parts) != 3 or parts[1] not in KINDS or not parts[2].isdigit():
            ap.error(f"--trace wants STYLE:KIND:EPISODE with KIND one of {', '.join(KINDS)}")
        if parts[0] not in STYLES:
            ap.error(f"--trace: no style {parts[0]!r}; styles: {', '.join(STYLES)}")
        trace_episode(args.card, parts[0], parts[1], args.seed + 1000 + int(parts[2]))
        return
    bad = [k for k in args.kinds.split(",") if k and k not in KINDS]
    if bad:
        ap.error(f"--kinds: no kind {', '.join(bad)}; kinds: {', '.join(KINDS)} (or '' for none)")
    bad = [s for s in args.styles.split(",") if s not in STYLES]
    if bad:
        ap.error(f"--styles: no style {', '.join(bad)}; styles: {', '.join(STYLES)}")
    bad = [s for s in args.scenes.split(",") if s and s not in SCENE_SEED]
    if bad:
        ap.error(f"--scenes: no scene {', '.join(bad)}; scenes: {', '.join(SCENE_SEED)}")
    t_start = time.monotonic()
    results: dict[str, Any] = {"card": str(args.card), "fps": FPS, "styles": {}}
    with tempfile.TemporaryDirectory() as tmp:
        pipe = VisionPipeline.create(card=args.card, evidence_dir=Path(tmp))
        results["model"] = pipe.detector.card.label
        print(f"model {pipe.detector.card.label}, {FPS:g} frames/s, default CameraRules")
        for style in args.styles.split(","):
            per_style: dict[str, Any] = {"compliant": {}, "scripted": {}}
            compliant_peaks: list[dict[str, float]] = []
            # --minutes 0 (or --scenes ""): scripted incidents only
            for scene in [s for s in args.scenes.split(",") if s and args.minutes > 0]:
                seconds = args.minutes * 60 / args.cameras
                false: Counter[str] = Counter()
                for k in range(args.cameras):
                    cam = compliant_camera(style, scene, args.seed + 100 * k + SCENE_SEED[scene])
                    peaks: Peaks | None = {} if args.scores else None
                    for _t, classes in run_frames(pipe, cam, seconds, args.explain, peaks):
                        false.update(classes)
                    compliant_peaks += list((peaks or {}).values())
                hours = args.minutes / 60
                rate = sum(false.values()) / hours
                per_style["compliant"][scene] = {
                    "camera_hours": round(hours, 3),
                    "false_violations": dict(false),
                    "per_camera_hour": round(rate, 2),
                }
                print(
                    f"{style:>8} {scene:<9} {args.minutes:6.1f} camera-min: "
                    f"{sum(false.values()):4d} false violations {dict(false)} "
                    f"= {rate:7.2f} per camera-hour (target <= 0.05)"
                )
            # --episodes 0 (or --kinds ""): compliant scenes only
            for kind in [k for k in args.kinds.split(",") if k and args.episodes > 0]:
                eps = [
                    scripted(pipe, style, kind, args.seed + 1000 + j) for j in range(args.episodes)
                ]
                once = sum(len(e.alerts) == 1 for e in eps)
                within = sum(bool(e.alerts) and e.alerts[0] <= 10 for e in eps)
                delays = [e.alerts[0] for e in eps if e.alerts]
                others = sum(e.others for e in eps)
                # the same, timed from the first frame that shows the incident: an
                # offender hidden behind a colleague cannot be alerted before it is seen
                seen = sum(
                    len(e.alerts) == 1 and e.visible is not None and e.alerts[0] - e.visible <= 10
                    for e in eps
                )
                per_style["scripted"][kind] = {
                    "episodes": len(eps),
                    "offender_peaks": [round(e.peak, 3) for e in eps],
                    "exactly_once": once / len(eps),
                    "within_10s": within / len(eps),
                    "alerts_per_episode": [len(e.alerts) for e in eps],
                    "delay_s_median": round(statistics.median(delays), 1) if delays else None,
                    "delay_s_max": round(max(delays), 1) if delays else None,
                    "other_violations": others,
                    "visible_after_s": [e.visible for e in eps],
                    "once_within_10s_of_visible": seen / len(eps),
                }
                print(
                    f"{style:>8} {kind:<9} {len(eps)} incidents: exactly once "
                    f"{100 * once / len(eps):5.1f} %, within 10 s {100 * within / len(eps):5.1f} %,"
                    f" alerts {[len(e.alerts) for e in eps]}, delay median "
                    f"{per_style['scripted'][kind]['delay_s_median']} s max "
                    f"{per_style['scripted'][kind]['delay_s_max']} s, "
                    f"other violations {others} (target 100 % once within 10 s); once within "
                    f"10 s of first visible {100 * seen / len(eps):5.1f} % (visible after "
                    f"{[e.visible for e in eps]} s)"
                )
            if args.scores:
                per_style["scores"] = score_lines(style, per_style, compliant_peaks)
            results["styles"][style] = per_style
        if args.scores and any(r["compliant"] for r in results["styles"].values()):
            results["suggested_track_thresholds"] = suggest_lines(
                pipe.detector.card, results["styles"]
            )
        elif args.scores:  # offenders alone would put it just above the floor
            print("no track threshold suggested: no compliant scene was run")
    results["seconds"] = round(time.monotonic() - t_start, 1)
    print(f"ran in {results['seconds']} s (all scenes synthetic)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
