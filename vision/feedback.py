"""False positives: file a frame and the wrongly detected boxes into a retraining set.

Layout of the set: `images/<frame sha256>.jpg`, `labels/<frame sha256>.txt` (YOLO
format with the detections that were NOT marked false, i.e. what still stands), and
`false_positives/<frame sha256>.json` (the boxes marked false, who and why). A frame
whose every detection was false becomes a hard negative (empty label file).
"""

import json
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2

from vision.evidence import EvidenceStore

log = logging.getLogger(__name__)


def mark_false_positive(
    store: EvidenceStore,
    evidence_sha256: str,
    retrain_dir: Path,
    classes: list[str],
    tracks: list[int] | None = None,
    actor: str = "",
    comment: str = "",
) -> Path:
    """Mark the boxes of an evidence picture (all, or only those of `tracks`) false.

    Returns the path of the filed frame. Idempotent: marking again merges the records.
    """
    record = store.record(evidence_sha256)
    frame_sha = str(record["frame_sha256"])
    frame_path = store.path(frame_sha)
    img = cv2.imread(str(frame_path))
    if img is None:
        raise FileNotFoundError(f"clean frame {frame_sha} of evidence {evidence_sha256} is missing")
    h, w = img.shape[:2]
    boxes: list[dict[str, Any]] = list(record["boxes"])
    false = [b for b in boxes if tracks is None or b.get("track") in tracks]
    for sub in ("images", "labels", "false_positives"):
        (retrain_dir / sub).mkdir(parents=True, exist_ok=True)
    fp_path = retrain_dir / "false_positives" / f"{frame_sha}.json"
    previous: list[dict[str, Any]] = (
        json.loads(fp_path.read_text())["boxes"] if fp_path.exists() else []
    )
    merged = previous + [b for b in false if b not in previous]
    standing = [b for b in boxes if b not in merged and b["cls"] in classes]
    lines = [
        f"{classes.index(b['cls'])} "
        f"{(b['x1'] + b['x2']) / 2 / w:.6f} {(b['y1'] + b['y2']) / 2 / h:.6f} "
        f"{(b['x2'] - b['x1']) / w:.6f} {(b['y2'] - b['y1']) / h:.6f}"
        for b in standing
    ]
    target = retrain_dir / "images" / f"{frame_sha}.jpg"
    shutil.copyfile(frame_path, target)
    (retrain_dir / "labels" / f"{frame_sha}.txt").write_text(
        "\n".join(lines) + ("\n" if lines else "")
    )
    fp_path.write_text(
        json.dumps(
            {
                "evidence_sha256": evidence_sha256,
                "boxes": merged,
                "actor": actor,
                "comment": comment,
                "marked_at": datetime.now(UTC).isoformat(),
                "source": {k: v for k, v in record.items() if k not in ("boxes", "frame_sha256")},
            },
            default=str,
        )
    )
    log.info("filed frame %s with %d false boxes for retraining", frame_sha[:12], len(merged))
    return target
