"""Device enrolment through the API writes the site registry and broker files that
`bk provision` owns (core/provisioning.py) and mirrors the devices into the database."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from core.provisioning import read_credentials
from core.registry import load_registry


def test_enrol_rotate_revoke(make_client: Callable[[], TestClient], seeded: Any) -> None:
    client = make_client()
    settings = client.app.state.resources.settings  # type: ignore[attr-defined]
    admin = {"Authorization": f"Bearer {seeded.world.tokens['admin']}"}
    # An agent gets its own broker account, shown once.
    resp = client.post("/kitchens/a/devices", json={"id": "agent2", "kind": "agent"}, headers=admin)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["username"] == "a.agent2" and len(body["password"]) >= 16
    creds = read_credentials(settings.broker_dir)
    assert creds["a.agent2"] == body["password"] and "a.agent" in creds
    # A camera behind it: no account of its own; registry and database both know it.
    resp = client.post(
        "/kitchens/a/devices",
        json={"id": "cam7", "kind": "camera", "zone": "prep", "agent": "agent2"},
        headers=admin,
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["username"] is None
    reg = load_registry(settings.registry_file)
    assert reg.sites["a"].devices["cam7"].agent == "agent2"
    devices = client.get("/kitchens/a/devices", headers=admin).json()
    assert {d["id"] for d in devices} >= {"agent", "agent2", "cam7", "fridge1"}
    # Enrolling it twice is refused with the registry's reason.
    again = client.post(
        "/kitchens/a/devices",
        json={"id": "cam7", "kind": "camera", "agent": "agent2"},
        headers=admin,
    )
    assert again.status_code == 409 and "already enrolled" in again.json()["detail"]
    # Rotation: a new password in the broker files.
    new = client.post("/kitchens/a/devices/agent2/rotate", headers=admin).json()
    assert new["password"] != body["password"]
    assert read_credentials(settings.broker_dir)["a.agent2"] == new["password"]
    # Revocation: the account is gone, the registry keeps the device marked revoked.
    assert client.post("/kitchens/a/devices/agent2/revoke", headers=admin).status_code == 200
    assert "a.agent2" not in read_credentials(settings.broker_dir)
    assert load_registry(settings.registry_file).sites["a"].devices["agent2"].revoked
    # Managers cannot enrol devices (credentials are the administrators' business).
    mgr = {"Authorization": f"Bearer {seeded.world.tokens['mgr_a']}"}
    assert client.post("/kitchens/a/devices", json={"id": "x1"}, headers=mgr).status_code == 403


def test_unknown_kitchen_is_not_enrolled(shared_client: TestClient, seeded: Any) -> None:
    """An unknown kitchen answers 404 before any registry or broker file is touched."""
    admin = {"Authorization": f"Bearer {seeded.world.tokens['admin']}"}
    resp = shared_client.post("/kitchens/nope/devices", json={"id": "x1"}, headers=admin)
    assert resp.status_code == 404
