"""Read access to the vision workers' evidence directory (pictures, boxes records, chain).

The API never writes there: vision owns the directory; this module only resolves an id
to its files and its kitchen. Ids are checked to be 64 lower-case hex digits before any
path is built, so no id can name a file outside the directory.
"""

import json
import re
from pathlib import Path
from typing import Any

_SHA = re.compile(r"\A[0-9a-f]{64}\Z")


def is_sha256(value: str) -> bool:
    return bool(_SHA.match(value))


class EvidenceReader:
    """Looks evidence up by SHA-256 in the directory vision writes (vision/evidence.py)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def record(self, sha256: str) -> dict[str, Any] | None:
        """The boxes record of a picture (site, camera, ts, boxes, model), or None."""
        if not is_sha256(sha256):
            return None
        path = self.root / f"{sha256}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def picture(self, sha256: str) -> Path | None:
        if not is_sha256(sha256):
            return None
        path = self.root / f"{sha256}.jpg"
        return path if path.is_file() else None
