"""Evidence pictures: JPEGs with the boxes drawn, stored under their SHA-256.

The name carries the content hash, so an alert referencing `<sha256>.jpg` can be
checked by anyone (`verify`) and a swapped file is detected. Beside each annotated
picture the clean frame is kept (also under its own hash) with a small JSON record of
the boxes, so a supervisor can later mark a detection a false positive and the frame
goes, with its boxes, into the retraining set.

Every new picture is also appended to the evidence chain (core/evidence_chain.py):
each chain record carries the hashes of the picture, the clean frame and the boxes
record, and the previous chain record's hash, so `bk evidence verify` shows any
deletion or alteration.
"""

import hashlib
import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.evidence_chain import ChainLock
from core.schemas import Evidence
from core.signing import evidence_api_path

COLORS = {"no_hat": (0, 0, 255), "no_mask": (0, 165, 255), "rodent": (255, 0, 255)}


def draw_boxes(img: np.ndarray, boxes: list[dict[str, Any]]) -> np.ndarray:
    """Copy of img with labelled boxes (dicts with cls, score, x1..y2, optional track)."""
    out = img.copy()
    for b in boxes:
        color = COLORS.get(str(b["cls"]), (0, 255, 0))
        p1, p2 = (int(b["x1"]), int(b["y1"])), (int(b["x2"]), int(b["y2"]))
        cv2.rectangle(out, p1, p2, color, 2)
        label = f"{b['cls']} {b['score']:.2f}" + (f" #{b['track']}" if b.get("track") else "")
        cv2.putText(
            out, label, (p1[0], max(10, p1[1] - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.4, color, 1
        )
    return out


class EvidenceStore:
    """A directory of content-addressed JPEGs (the default evidence store)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / f"{sha256}.jpg"

    def put(self, jpeg: bytes) -> Evidence:
        digest = hashlib.sha256(jpeg).hexdigest()
        path = self.path(digest)
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(jpeg)
            tmp.replace(path)
        # The API's address of the picture, not a path on this host (no file:// links):
        # notifications turn it into a signed link (core.signing.evidence_link).
        return Evidence(sha256=digest, uri=evidence_api_path(digest), content_type="image/jpeg")

    def put_violation(
        self, frame: np.ndarray, boxes: list[dict[str, Any]], meta: dict[str, Any]
    ) -> Evidence:
        """Store the annotated picture, the clean frame and the boxes record."""
        ok, clean = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
        ok2, annotated = cv2.imencode(
            ".jpg", draw_boxes(frame, boxes), [cv2.IMWRITE_JPEG_QUALITY, 90]
        )
        if not (ok and ok2):
            raise ValueError("JPEG encoding of evidence failed")
        frame_ev = self.put(clean.tobytes())
        ev = self.put(annotated.tobytes())
        record = {"frame_sha256": frame_ev.sha256, "boxes": boxes, **meta}
        with ChainLock(self.root) as chain:
            path = self.root / f"{ev.sha256}.json"
            # Content-addressed: an identical picture was already recorded and chained;
            # rewriting its record would break the hash the chain holds for it.
            if path.exists():
                return ev
            body = json.dumps(record, default=str).encode()
            tmp = path.with_suffix(".json.tmp")
            tmp.write_bytes(body)
            tmp.replace(path)
            chain.append(
                {
                    "sha256": ev.sha256,
                    "frame_sha256": frame_ev.sha256,
                    "record_sha256": hashlib.sha256(body).hexdigest(),
                    "site": str(meta.get("site", "")),
                    "camera": str(meta.get("camera", "")),
                    "ts": str(meta.get("ts", "")),
                }
            )
        return ev

    def record(self, sha256: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / f"{sha256}.json").read_text())
        return data

    def verify(self, evidence: Evidence) -> bool:
        """True when the stored bytes still hash to the name the event references."""
        path = self.path(evidence.sha256)
        return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == evidence.sha256
