"""Evidence is served only to those who may see its kitchen, by id or by signed link."""

import hashlib
import json
import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import evidence_app
from core.evidence_chain import CHAIN_FILE, verify_chain
from core.signing import (
    check_signature,
    evidence_api_path,
    evidence_link,
    evidence_path,
    sign_path,
)
from vision.evidence import EvidenceStore

KEY = b"test-signing-key-0123456789"


def auth(seeded: Any, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.world.tokens[who]}"}


def test_manager_gets_own_evidence_with_boxes(seeded: Any, shared_client: TestClient) -> None:
    sha = seeded.evidence["a"]
    meta = shared_client.get(f"/evidence/{sha}", headers=auth(seeded, "mgr_a"))
    assert meta.status_code == 200
    body = meta.json()
    assert body["site"] == "a" and body["camera"] == "cam1"
    assert body["boxes"][0]["cls"] == "rodent" and body["boxes"][0]["zone"] == "prep"
    assert body["image_url"] == evidence_api_path(sha)  # the address vision puts in events
    img = shared_client.get(body["image_url"], headers=auth(seeded, "mgr_a"))
    assert img.status_code == 200 and img.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(img.content).hexdigest() == sha


def test_other_kitchens_evidence_is_unreachable_by_id(
    seeded: Any, shared_client: TestClient
) -> None:
    other = seeded.evidence["b"]
    for path in (f"/evidence/{other}", f"/evidence/{other}/image", f"/evidence/{other}/link"):
        resp = shared_client.get(path, headers=auth(seeded, "mgr_a"))
        assert resp.status_code == 404, path
        assert b"\xff\xd8" not in resp.content  # no JPEG bytes leak in an error


def test_guessed_ids_reveal_nothing(seeded: Any, shared_client: TestClient) -> None:
    """A random id and a kitchen-B id answer alike: nobody can probe what exists."""
    guesses = [secrets.token_hex(32) for _ in range(20)] + ["A" * 64, "zz", "0" * 65]
    answers = set()
    for g in [*guesses, seeded.evidence["b"]]:
        resp = shared_client.get(f"/evidence/{g}/image", headers=auth(seeded, "mgr_a"))
        answers.add((resp.status_code, resp.text))
    assert answers == {(404, '{"detail":"未找到 (not found)"}')}
    traversal = shared_client.get("/evidence/../../centre.db/image", headers=auth(seeded, "mgr_a"))
    assert traversal.status_code == 404


def test_signed_link_opens_only_its_own_picture(seeded: Any, shared_client: TestClient) -> None:
    own, other = seeded.evidence["a"], seeded.evidence["b"]
    link = shared_client.get(f"/evidence/{own}/link", headers=auth(seeded, "mgr_a")).json()
    assert link["url"].startswith("https://centre.example/signed/evidence/")
    path_and_query = link["url"].removeprefix("https://centre.example")
    ok = shared_client.get(path_and_query)  # no token: a robot following the link
    assert ok.status_code == 200 and hashlib.sha256(ok.content).hexdigest() == own
    # The same signature on another id (kitchen B's picture) is refused.
    swapped = path_and_query.replace(own, other)
    assert shared_client.get(swapped).status_code == 403
    # A stretched expiry, a missing or forged signature, an expired link: all refused.
    expires = link["expires"]
    stretched = path_and_query.replace(f"expires={expires}", f"expires={expires + 3600}")
    assert shared_client.get(stretched).status_code == 403
    assert shared_client.get(evidence_path(own)).status_code == 403
    assert (
        shared_client.get(f"{evidence_path(own)}?expires={expires}&sig={'0' * 64}").status_code
        == 403
    )
    old_exp, old_sig = sign_path(KEY, evidence_path(own), 60, now=time.time() - 3600)
    expired = f"{evidence_path(own)}?expires={old_exp}&sig={old_sig}"
    assert shared_client.get(expired).status_code == 403


def test_signing_helpers() -> None:
    url = evidence_link("https://c.example/", KEY, "ab" * 32, ttl_s=600, now=1000)
    assert url.startswith("https://c.example/signed/evidence/" + "ab" * 32 + "?expires=1600&sig=")
    sig = url.rsplit("sig=", 1)[1]
    assert check_signature(KEY, evidence_path("ab" * 32), 1600, sig, now=1500)
    assert not check_signature(KEY, evidence_path("ab" * 32), 1600, sig, now=1601)
    assert not check_signature(b"other key", evidence_path("ab" * 32), 1600, sig, now=1500)
    with pytest.raises(ValueError, match="lifetime"):
        sign_path(KEY, "/x", 30 * 24 * 3600)


def _chain(tmp_path: Path, n: int = 3) -> tuple[EvidenceStore, list[str]]:
    store = EvidenceStore(tmp_path / "ev")
    shas = []
    for i in range(n):
        frame = np.full((32, 32, 3), 30 * i + 10, dtype=np.uint8)
        box = {"cls": "no_hat", "score": 0.8, "x1": 1.0, "y1": 1.0, "x2": 9.0, "y2": 9.0}
        meta = {"site": "a", "camera": "cam1", "ts": f"2026-11-02T00:0{i}:00+00:00", "seq": i}
        shas.append(store.put_violation(frame, [box], meta).sha256)
    return store, shas


def test_chain_links_each_record_to_the_previous(tmp_path: Path) -> None:
    store, shas = _chain(tmp_path)
    lines = [json.loads(x) for x in (store.root / CHAIN_FILE).read_text().splitlines()]
    assert [r["sha256"] for r in lines] == shas
    assert lines[0]["prev"] == "0" * 64
    assert all(lines[i]["prev"] == lines[i - 1]["hash"] for i in range(1, len(lines)))
    report = verify_chain(store.root)
    assert report.ok and report.records == 3 and report.head == lines[-1]["hash"]
    # The same picture stored again is neither re-recorded nor re-chained.
    frame = np.full((32, 32, 3), 10, dtype=np.uint8)
    box = {"cls": "no_hat", "score": 0.8, "x1": 1.0, "y1": 1.0, "x2": 9.0, "y2": 9.0}
    store.put_violation(frame, [box], {"site": "a", "camera": "cam1", "ts": "later", "seq": 9})
    assert verify_chain(store.root).ok and verify_chain(store.root).records == 3


@pytest.mark.parametrize(
    "damage", ["picture", "frame", "record", "chain_line", "delete_line", "delete_picture"]
)
def test_verify_reports_tampering(tmp_path: Path, damage: str) -> None:
    store, shas = _chain(tmp_path)
    root, victim = store.root, shas[1]
    chain = root / CHAIN_FILE
    if damage == "picture":
        data = bytearray((root / f"{victim}.jpg").read_bytes())
        data[len(data) // 2] ^= 0xFF
        (root / f"{victim}.jpg").write_bytes(bytes(data))
    elif damage == "frame":
        rec = json.loads((root / f"{victim}.json").read_text())
        (root / f"{rec['frame_sha256']}.jpg").write_bytes(b"\xff\xd8 not the frame")
    elif damage == "record":
        rec = json.loads((root / f"{victim}.json").read_text())
        rec["boxes"] = []  # someone hides the detection
        (root / f"{victim}.json").write_text(json.dumps(rec))
    elif damage == "chain_line":
        lines = chain.read_text().splitlines()
        rec = json.loads(lines[1])
        rec["site"] = "b"
        lines[1] = json.dumps(rec)
        chain.write_text("\n".join(lines) + "\n")
    elif damage == "delete_line":
        lines = chain.read_text().splitlines()
        chain.write_text("\n".join([lines[0], lines[2]]) + "\n")
    elif damage == "delete_picture":
        (root / f"{victim}.jpg").unlink()
    report = verify_chain(root)
    assert not report.ok
    result = CliRunner().invoke(evidence_app, ["verify", "--store", str(root)])
    assert result.exit_code == 1
    assert "TAMPERED" in result.output
    if damage in ("picture", "delete_picture"):
        assert f"{victim}.jpg" in result.output


def test_verify_intact_store_exits_zero(tmp_path: Path) -> None:
    store, _ = _chain(tmp_path)
    result = CliRunner().invoke(evidence_app, ["verify", "--store", str(store.root)])
    assert result.exit_code == 0, result.output
    assert "3 records" in result.output and "intact" in result.output
