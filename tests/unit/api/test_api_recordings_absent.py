"""Without a recorder the recordings routes answer, never 500: empty coverage, 404 playback."""

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from devtools.world import World


def test_no_recorder_index_means_empty_coverage_and_404(
    make_client: Callable[[], TestClient],
    seeded: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The API's default is the recorder's relative paths: an empty folder has no index.
    monkeypatch.chdir(tmp_path)
    client = make_client()
    world: World = seeded.world  # type: ignore[attr-defined]
    auth = {"Authorization": f"Bearer {world.tokens['mgr_a']}"}
    r = client.get(
        "/kitchens/a/cameras/cam1/coverage",
        params={"start": "2026-11-30T00:00:00+08:00", "end": "2026-12-01T00:00:00+08:00"},
        headers=auth,
    )
    assert r.status_code == 200
    cov = r.json()
    assert cov["recorder"] is False and cov["spans"] == []
    # Monday 2026-11-30, working 06:00-14:00: all 8 h are a gap in working hours.
    assert cov["working_s"] == 8 * 3600 and cov["online_s"] == 0 and cov["online_rate"] == 0
    assert [g["in_working_hours"] for g in cov["gaps"]] == [True]
    for path in ("playback", "download"):
        r = client.get(f"/kitchens/a/cameras/cam1/{path}", headers=auth)
        assert r.status_code == 404 and "nothing was recorded" in r.json()["detail"]
    r = client.get("/kitchens/a/alerts/some-alert/clip", headers=auth)
    assert r.status_code == 404 and "no video clip" in r.json()["detail"]
    assert not (tmp_path / "var").exists()  # the API only reads: nothing was created
    r = client.get(
        "/kitchens/a/cameras/cam1/coverage", params={"start": "0001-01-01T00:00:00Z"}, headers=auth
    )
    assert r.status_code == 422 and "between 2000 and 2100" in r.json()["detail"]
