"""The evidence chain: an append-only log in which each record carries the previous one's hash.

Evidence pictures are stored under their SHA-256 (vision/evidence.py), which proves a
picture has not been altered *if* one still holds the name. The chain proves more: that
nothing was deleted or rewritten since. Each record names one picture, its clean frame
and its boxes record (each by SHA-256), where and when it was taken, and the hash of
the record before it; its own hash covers all of that. Altering a picture, a boxes
record or a chain line, or deleting any of them, breaks a hash that `verify_chain`
recomputes (现场证据全固化).

What a chain cannot show by itself is the loss of its newest records (a truncated
tail is still a valid chain): `verify_chain` reports the head hash and record count so
an operator can compare them with a copy kept elsewhere.

Lives in `core` because two parts use it: vision appends, the API serves and verifies.
The file is `chain.jsonl` in the evidence directory; appends hold an exclusive `flock`,
so several vision workers sharing one directory keep one chain.
"""

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

CHAIN_FILE = "chain.jsonl"
GENESIS = "0" * 64


def record_digest(record: dict[str, Any]) -> str:
    """Hash of a record without its own `hash` field, over canonical JSON."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _last_line(f: BinaryIO) -> bytes:
    """The last non-empty line of a binary file open for reading (read from the end)."""
    f.seek(0, os.SEEK_END)
    end = f.tell()
    pos, chunk, tail = end, 4096, b""
    while pos > 0:
        step = min(chunk, pos)
        pos -= step
        f.seek(pos)
        tail = f.read(step) + tail
        stripped = tail.rstrip(b"\n")
        if b"\n" in stripped:
            return stripped.rsplit(b"\n", 1)[1]
    return tail.rstrip(b"\n")


class ChainLock:
    """Exclusive lock on the chain file for the time of one append (and what goes with it)."""

    def __init__(self, root: Path) -> None:
        self.path = root / CHAIN_FILE
        self._fd: int | None = None

    def __enter__(self) -> "ChainLock":
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Link `entry` to the current head and write it; call only inside `with`."""
        if self._fd is None:
            raise RuntimeError("append outside the chain lock")
        with open(self._fd, "rb", closefd=False) as f:
            last = _last_line(f)
        if last:
            head = json.loads(last)
            seq, prev = int(head["seq"]) + 1, str(head["hash"])
        else:
            seq, prev = 0, GENESIS
        record = {**entry, "seq": seq, "prev": prev}
        record["hash"] = record_digest(record)
        line = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        os.write(self._fd, line.encode() + b"\n")
        os.fsync(self._fd)
        return record


def read_chain(root: Path) -> Iterator[tuple[int, str]]:
    """(line number, raw line) of every non-empty line of the chain file."""
    path = root / CHAIN_FILE
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                yield n, line.rstrip("\n")


@dataclass
class ChainReport:
    """What `verify_chain` found: problems (empty when intact), count and head hash."""

    records: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(root: Path) -> ChainReport:
    """Recompute every link and every file hash the chain names; report what differs."""
    report = ChainReport()
    prev, expect_seq = GENESIS, 0
    chained: set[str] = set()
    for n, line in read_chain(root):
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise TypeError("not an object")
        except (json.JSONDecodeError, TypeError) as exc:
            report.problems.append(f"chain line {n}: unreadable record ({exc})")
            prev = ""
            continue
        report.records += 1
        if rec.get("hash") != record_digest(rec):
            report.problems.append(f"chain line {n}: record altered (its hash does not match)")
        if rec.get("prev") != prev:
            report.problems.append(
                f"chain line {n}: link broken (a record before it was removed or altered)"
            )
        if rec.get("seq") != expect_seq:
            report.problems.append(
                f"chain line {n}: sequence {rec.get('seq')}, expected {expect_seq}"
            )
        prev = str(rec.get("hash", ""))
        expect_seq = int(rec["seq"]) + 1 if isinstance(rec.get("seq"), int) else expect_seq + 1
        sha = str(rec.get("sha256", ""))
        chained.add(sha)
        for label, name, want in (
            ("picture", f"{sha}.jpg", sha),
            ("clean frame", f"{rec.get('frame_sha256')}.jpg", rec.get("frame_sha256")),
            ("boxes record", f"{sha}.json", rec.get("record_sha256")),
        ):
            path = root / name
            if not path.is_file():
                report.problems.append(f"chain line {n}: {label} {name} is missing")
            elif file_sha256(path) != want:
                report.problems.append(f"chain line {n}: {label} {name} was altered")
    report.head = prev
    for path in sorted(root.glob("*.json")):
        if path.stem not in chained and len(path.stem) == 64:
            report.problems.append(f"{path.name}: evidence record not in the chain")
    return report
