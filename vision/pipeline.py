"""The in-process pipeline: frame -> detections -> zones -> tracks -> violations + evidence.

A plain class with no MQTT in it: the `bk vision run` worker wraps it around the broker,
and the edge agent can call `process` directly for on-edge inference.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from core.errors import PayloadError
from core.schemas import Box, Detection, DetectionEvent, Violation, check_jpeg_size
from vision.card import DEFAULT_CARD, ClassRole
from vision.detector import Detector, as_bgr
from vision.evidence import EvidenceStore
from vision.tracking import Declared, Tracker, located_kinds
from vision.zones import CameraRules

log = logging.getLogger(__name__)


def decode_jpeg(jpeg: bytes) -> np.ndarray:
    """JPEG bytes -> BGR frame (grey IR frames become 3-channel); PayloadError if broken.

    The header's size is checked first: a frame claiming more than MAX_FRAME_SIDE
    pixels on a side is refused before anything is allocated for it."""
    check_jpeg_size(jpeg)
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None or img.size == 0:
        raise PayloadError("bad_jpeg", "frame does not decode as a JPEG picture")
    return as_bgr(img)


def declared_violations(event: DetectionEvent) -> list[Violation]:
    """The violations declared in this frame (each with its evidence), not those held on."""
    return [v for v in event.violations if v.evidence is not None]


def held_violations(tracker: Tracker, declared: list[Declared]) -> list[Violation]:
    """The violations the tracker still holds on tracks seen in this frame, beyond those
    declared in it: published on every frame while held, without evidence (the picture
    went with the declaration). The rules count these, not raw detections, so an alert
    lasts as long as the tracker holds its violation and a flicker raises none.
    """
    just = {(d.cls, d.track) for d in declared}
    return [
        Violation(cls=name, track=tr.id, zone=tr.zone, first_seen=tr.since[name])
        for tr in tracker.tracks
        if tr.missed == 0
        for name in sorted(tr.active)
        if (name, tr.id) not in just and name in tr.since
    ]


@dataclass
class VisionPipeline:
    detector: Detector
    evidence: EvidenceStore
    rules: dict[str, CameraRules] = field(default_factory=dict)
    """Per camera (key `site/camera` or just `camera`); missing cameras use `default_rules`."""
    default_rules: CameraRules = field(default_factory=CameraRules)
    trackers: dict[str, Tracker] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        card: Path = DEFAULT_CARD,
        evidence_dir: Path = Path("var/evidence"),
        rules: dict[str, CameraRules] | None = None,
        default_rules: CameraRules | None = None,
        threads: int = 1,
        provider: str | None = None,
    ) -> "VisionPipeline":
        return cls(
            Detector(card, threads=threads, provider=provider),
            EvidenceStore(evidence_dir),
            rules or {},
            default_rules or CameraRules(),
        )

    def rules_for(self, site: str, camera: str) -> CameraRules:
        return self.rules.get(f"{site}/{camera}") or self.rules.get(camera) or self.default_rules

    @staticmethod
    def _zone(
        rules: CameraRules,
        role: ClassRole | None,
        box: tuple[float, float, float, float],
        height: int,
    ) -> str | None:
        """A detection's zone, judged at its subject's standing point."""
        kind = role.box if role is not None else "body"
        return rules.zone_at(*rules.standing_point(box, kind, float(height)))

    def process_jpeg(
        self, site: str, camera: str, jpeg: bytes, ts: datetime, seq: int
    ) -> DetectionEvent:
        return self.process(site, camera, decode_jpeg(jpeg), ts, seq)

    def process(
        self, site: str, camera: str, frame: np.ndarray, ts: datetime, seq: int
    ) -> DetectionEvent:
        """Run one frame of one camera; returns the event to publish (violations included)."""
        frame = as_bgr(frame)
        h, w = frame.shape[:2]
        rules = self.rules_for(site, camera)
        key = f"{site}/{camera}"
        tracker = self.trackers.get(key)
        if tracker is None:
            card = self.detector.card
            tracker = Tracker(
                rules,
                confirm=card.thresholds.track,
                corroborate=located_kinds(card.classes, card.role_of),
            )
            self.trackers[key] = tracker
        split = self.detector.detect_split(frame)
        confident, weak = (
            [f for f in fs if min(f.x2 - f.x1, f.y2 - f.y1) >= rules.min_size]
            for fs in (split.confident, split.weak)
        )
        card = self.detector.card
        ids, declared = tracker.update(
            [(f.cls, f.box, f.score) for f in confident],
            card.role_of,
            ts,
            float(h),
            weak=[(f.cls, f.box, f.score) for f in weak],
        )
        # a weak detection is published only where it continued a track
        n = len(confident)
        kept = [*zip(confident, ids[:n], strict=True)]
        kept += [(f, t) for f, t in zip(weak, ids[n:], strict=True) if t]
        found = [f for f, _t in kept]
        ids = [t for _f, t in kept]
        zones = [self._zone(rules, card.role_of(f.cls), f.box, h) for f in found]
        detections = [
            Detection(
                cls=f.cls,
                score=round(min(1.0, max(0.0, f.score)), 4),
                box=Box(x1=f.x1, y1=f.y1, x2=max(f.x1, f.x2), y2=max(f.y1, f.y2)),
                zone=z,
                track=t,
            )
            for f, z, t in zip(found, zones, ids, strict=True)
        ]
        violations: list[Violation] = []
        if declared:
            boxes = [
                {
                    "cls": d.cls,
                    "score": d.score,
                    "x1": d.box.x1,
                    "y1": d.box.y1,
                    "x2": d.box.x2,
                    "y2": d.box.y2,
                    "track": d.track,
                    "zone": d.zone,
                }
                for d in detections
            ]
            meta = {
                "site": site,
                "camera": camera,
                "ts": ts.isoformat(),
                "seq": seq,
                "model": self.detector.card.label,
            }
            ev = self.evidence.put_violation(frame, boxes, meta)
            for tr in declared:
                violations.append(
                    Violation(
                        cls=tr.cls, track=tr.track, zone=tr.zone, first_seen=tr.since, evidence=ev
                    )
                )
                log.info(
                    "violation %s track %d on %s/%s (evidence %s)",
                    tr.cls,
                    tr.track,
                    site,
                    camera,
                    ev.sha256[:12],
                )
        return DetectionEvent(
            site=site,
            camera=camera,
            ts=ts,
            seq=seq,
            width=w,
            height=h,
            model=self.detector.card.label,
            detections=detections[:300],
            violations=(violations + held_violations(tracker, declared))[:300],
        )
