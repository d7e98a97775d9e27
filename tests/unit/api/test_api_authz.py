"""Authorization matrix, generated from the app's route table.

Every API route × every caller (admin; supervisor of district X; inspector of grid G;
manager and staff of kitchen A; viewer; a revoked token; anonymous, i.e. the public)
× each target (kitchen A's side of the world, and kitchen B's) is requested, and the
status compared with what an independent oracle below expects from the route's
declared access rule. A route without a declared rule, or with a rule the oracle does
not know, fails the test, so a new route cannot slip in unscoped.
"""

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.scoping import Access, RouteInfo, api_routes, check_routes
from core.signing import sign_path

CALLERS = ["admin", "sup_x", "insp_g", "mgr_a", "staff_a", "viewer", "revoked", "anonymous"]
# Written from the issue, not from the code: whom each account may see and change.
SEES = {
    "admin": {"a", "b"},
    "viewer": {"a", "b"},
    "sup_x": {"a"},
    "insp_g": {"a"},
    "mgr_a": {"a"},
    "staff_a": {"a"},
}
MAY_CHANGE_KITCHEN = {"admin", "sup_x", "mgr_a"}
# Issue 13: everyone who sees a kitchen may take part in its alerts' rectification,
# except viewers (read only); which step each role may take is tested in
# tests/integration/api/test_api_workflow.py. The example body is a comment.
MAY_ACT_ON_ALERTS = {"admin", "sup_x", "insp_g", "mgr_a", "staff_a"}
# One alert per kitchen, put in the template database for this module (see `_alerts`).
ALERT_IDS = {
    "a": "aaaaaaaa-0000-0000-0000-000000000001",
    "b": "bbbbbbbb-0000-0000-0000-000000000002",
}
# The smallest JPEG a decoder accepts: SOI, EOI.
_JPEG_B64 = "/9j/2wBDAP//2Q=="

# A body that succeeds for an admin, for every route that takes one.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/auth/login"): {"username": "viewer", "password": "correct horse battery"},
    ("POST", "/users"): {
        "username": "new-staff",
        "password": "a long password",
        "role": "canteen_staff",
        "kitchen_id": "a",
    },
    ("POST", "/districts"): {"id": "z", "name": "Z"},
    ("POST", "/streets"): {"id": "sz", "district_id": "x"},
    ("POST", "/grids"): {"id": "gz", "street_id": "sx"},
    ("POST", "/kitchens"): {"id": "k-new", "grid_id": "g", "name": "新厨房"},
    ("PATCH", "/kitchens/{site}"): {"address": "新地址 1 号"},
    ("POST", "/kitchens/{site}/devices"): {"id": "cam9", "kind": "camera", "agent": "agent"},
    ("POST", "/kitchens/{site}/alerts/{alert_id}/actions"): {
        "request_id": "matrix-0001",
        "action": "comment",
        "comment": "已通知厨师长",
    },
    ("POST", "/kitchens/{site}/alerts/{alert_id}/photos"): {"jpeg_base64": _JPEG_B64},
}


@pytest.fixture(autouse=True, scope="module")
def _alerts(seeded: Any) -> Iterator[None]:
    """An alert of kitchen a and one of b in the template (removed after this module)."""
    from datetime import UTC, datetime

    from sqlalchemy import delete
    from sqlalchemy.orm import Session

    from api.db import make_engine
    from rules.store import AlertRow

    engine = make_engine(f"sqlite:///{seeded.db}")
    t = datetime(2026, 11, 2, tzinfo=UTC)
    with Session(engine) as s, s.begin():
        for site, aid in ALERT_IDS.items():
            s.add(
                AlertRow(
                    id=aid,
                    fingerprint=aid[:8] * 2,
                    site=site,
                    rule="no-hat",
                    subject="cam1",
                    device="cam1",
                    severity="warning",
                    state="firing",
                    started_at=t,
                    updated_at=t,
                    fired_at=t,
                    summary="no hat",
                    level=0,
                    silenced=0,
                    evidence=[],
                )
            )
    engine.dispose()  # the last connection closing checkpoints the WAL: copies see the rows
    yield
    with Session(engine) as s, s.begin():
        s.execute(delete(AlertRow).where(AlertRow.id.in_(list(ALERT_IDS.values()))))
    engine.dispose()


@pytest.fixture(autouse=True, scope="module")
def _recordings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Camera cam1 of kitchens a and b recorded for 3 s, and a frozen clip of each kitchen's
    alert, where the API looks by default: the recorder's own (relative) paths, so this
    module runs in a folder of its own. Playback of what exists answers 2xx."""
    import cv2
    import numpy as np

    from recorder.clips import ClipStore
    from recorder.index import RecordingIndex
    from recorder.segments import Frame, SegmentWriter
    from recorder.settings import RecorderSection

    cfg, t0 = RecorderSection(), 1_790_000_000_000
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp("recorder"))
        index, clips = RecordingIndex(cfg.database_url), ClipStore(cfg.clips_dir)
        for shade, (site, aid) in enumerate(ALERT_IDS.items()):
            jpeg = cv2.imencode(".jpg", np.full((48, 64, 3), 90 * shade, np.uint8))[1].tobytes()
            frames = [Frame(t0 + i * 500, jpeg) for i in range(6)]
            rel = f"{site}/cam1/{t0}-live.mkv"
            writer = SegmentWriter(cfg.video_dir / rel, t0, 64, 48)
            for f in frames:
                writer.write(f.ts_ms, f.jpeg)
            writer.close()
            seg = index.open_segment(site, "cam1", "live", rel, t0, t0)
            index.update_segments([(seg, frames[-1].ts_ms, 6, writer.bytes, "closed")])
            frozen = clips.freeze(frames, site, "cam1", aid, t0, t0 + 3000)
            assert frozen is not None
            index.request_clip(aid, site, "cam1", "no-hat", t0, t0, t0 + 3000, t0)
            index.finish_clip(aid, "done", frozen.sha256, frozen.path.name, 6, frozen.bytes)
        index.close()
        yield


def routes() -> list[tuple[str, RouteInfo]]:
    """(method, route) for every API route of the app, as it serves them."""
    return [(m, r) for r in api_routes(create_app().routes) for m in sorted(r.methods)]


def expected(access: Access, caller: str, target: str) -> set[int]:
    """The oracle: allowed status codes for `caller` on a route of rule `access`."""
    ok = {200, 201, 202, 204}
    if access == Access.PUBLIC:
        return ok
    if access == Access.SIGNED:
        return ok  # a valid link for this very id works for anyone; wrong links: other tests
    if caller in ("anonymous", "revoked"):
        return {401}
    if access == Access.USER:
        return ok
    if access == Access.ADMIN:
        return ok if caller == "admin" else {403}
    if access in (Access.KITCHEN_READ, Access.EVIDENCE_READ):
        return ok if target in SEES[caller] else {404}
    if access == Access.KITCHEN_MANAGE:
        if target not in SEES[caller]:
            return {404}
        return ok if caller in MAY_CHANGE_KITCHEN else {403}
    if access == Access.ALERT_ACT:
        if target not in SEES[caller]:
            return {404}
        return ok if caller in MAY_ACT_ON_ALERTS else {403}
    raise AssertionError(f"the oracle knows no rule {access}: add it here first")


def targets(path: str) -> list[str]:
    """Kitchen A's and B's side when the path names something of one kitchen."""
    return ["a", "b"] if re.search(r"\{(site|sha256|public_id|user_id)\}", path) else ["-"]


def fill(path: str, target: str, seeded: Any) -> str:
    world = seeded.world
    t = target if target != "-" else "a"
    values = {
        "site": t,
        "sha256": seeded.evidence[t],
        "public_id": world.public_ids[t],
        "user_id": str(world.user_ids["staff_a" if t == "a" else "viewer"]),
        "device": "agent",
        "camera": "cam1",
        "alert_id": ALERT_IDS[t],
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def call(
    client: TestClient, method: str, route: RouteInfo, url: str, caller: str, seeded: Any
) -> httpx.Response:
    headers = {}
    if caller != "anonymous":
        headers["Authorization"] = f"Bearer {seeded.world.tokens[caller]}"
    if route.access == Access.SIGNED:
        expires, sig = sign_path(b"test-signing-key-0123456789", url, 600)
        url = f"{url}?expires={expires}&sig={sig}"
    body = BODIES.get((method, route.path))
    if route.has_body:
        assert body is not None, f"no example body for {method} {route.path}: add one to BODIES"
    resp: httpx.Response = client.request(method, url, headers=headers, json=body)
    return resp


CASES = [
    pytest.param(method, route.path, caller, target, id=f"{method} {route.path} {caller} {target}")
    for method, route in routes()
    for caller in CALLERS
    for target in targets(route.path)
]


def test_every_route_declares_an_access_rule() -> None:
    for method, route in routes():
        assert route.access is not None, f"{method} {route.path} has no access rule"
        expected(route.access, "admin", "a")  # the oracle must know the rule
    assert len(CASES) > 150  # the matrix really is generated (routes × callers × targets)


def test_a_route_without_a_rule_stops_the_app() -> None:
    app = FastAPI()

    @app.get("/kitchens/{site}/secret")
    def secret(site: str) -> dict[str, str]:
        return {"site": site}

    with pytest.raises(RuntimeError, match=re.escape("/kitchens/{site}/secret")):
        check_routes(app.routes)


@pytest.mark.parametrize(("method", "path", "caller", "target"), CASES)
def test_authorization_matrix(
    method: str,
    path: str,
    caller: str,
    target: str,
    seeded: Any,
    shared_client: TestClient,
    make_client: Any,
) -> None:
    route = next(r for m, r in routes_cache() if m == method and r.path == path)
    access = route.access
    assert access is not None
    # Requests that change data each get a fresh copy of the world.
    client = shared_client if method == "GET" else make_client()
    url = fill(path, target, seeded)
    resp = call(client, method, route, url, caller, seeded)
    allowed = expected(access, caller, target)
    assert resp.status_code in allowed, (
        f"{caller} {method} {url} ({access}): {resp.status_code} {resp.text[:200]}, "
        f"expected {sorted(allowed)}"
    )


_ROUTES: list[tuple[str, RouteInfo]] = []


def routes_cache() -> list[tuple[str, RouteInfo]]:
    if not _ROUTES:
        _ROUTES.extend(routes())
    return _ROUTES
