"""A simple IoU tracker with k-of-n persistence: one violation per object, not per frame."""

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from vision.metrics import iou_matrix


@dataclass
class Track:
    id: int
    cls: str
    box: tuple[float, float, float, float]
    first_seen: datetime
    history: deque[bool]
    missed: int = 0
    declared: bool = False
    zone: str | None = None


@dataclass
class Tracker:
    """Tracks per class; `update` returns (track id per detection, newly declared tracks)."""

    k: int = 3
    n: int = 5
    iou_match: float = 0.3
    max_missed: int = 10
    tracks: list[Track] = field(default_factory=list)
    next_id: int = 1

    def update(
        self,
        dets: list[tuple[str, tuple[float, float, float, float], bool, str | None]],
        ts: datetime,
    ) -> tuple[list[int], list[Track]]:
        """dets: (class, box, counts-for-violation, zone). A track is declared a violation
        once, when its counting detections were seen in k of the last n frames."""
        ids = [0] * len(dets)
        matched: set[int] = set()
        for cls in {d[0] for d in dets}:
            di = [i for i, d in enumerate(dets) if d[0] == cls]
            ti = [j for j, t in enumerate(self.tracks) if t.cls == cls]
            if ti:
                ious = iou_matrix(
                    np.array([dets[i][1] for i in di], np.float64),
                    np.array([self.tracks[j].box for j in ti], np.float64),
                )
                pairs = sorted(
                    ((ious[a, b], a, b) for a in range(len(di)) for b in range(len(ti))),
                    reverse=True,
                )
                used_d: set[int] = set()
                used_t: set[int] = set()
                for v, a, b in pairs:
                    if v < self.iou_match:
                        break
                    if a in used_d or b in used_t:
                        continue
                    used_d.add(a)
                    used_t.add(b)
                    tr = self.tracks[ti[b]]
                    cls_, box, counts, zone = dets[di[a]]
                    tr.box, tr.missed, tr.zone = box, 0, zone
                    tr.history.append(counts)
                    ids[di[a]] = tr.id
                    matched.add(ti[b])
            for i in di:
                if ids[i] == 0:
                    cls_, box, counts, zone = dets[i]
                    tr = Track(
                        self.next_id, cls_, box, ts, deque([counts], maxlen=self.n), zone=zone
                    )
                    self.next_id += 1
                    self.tracks.append(tr)
                    matched.add(len(self.tracks) - 1)
                    ids[i] = tr.id
        for j, tr in enumerate(self.tracks):
            if j not in matched:
                tr.missed += 1
                tr.history.append(False)
        self.tracks = [t for t in self.tracks if t.missed <= self.max_missed]
        declared = []
        for tr in self.tracks:
            if not tr.declared and sum(tr.history) >= self.k:
                tr.declared = True
                declared.append(tr)
        return ids, declared
