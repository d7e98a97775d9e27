"""Logins: argon2 hashes, lockout after repeated failures, tokens that expire and revoke."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.models import AccessToken, User
from api.security import FailureWindow
from devtools.world import PASSWORD


def login(client: TestClient, user: str, password: str = PASSWORD) -> Any:
    return client.post("/auth/login", json={"username": user, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def engine_of(client: TestClient) -> Any:
    return client.app.state.resources.engine  # type: ignore[attr-defined]


def test_passwords_are_stored_as_argon2id(make_client: Callable[[], TestClient]) -> None:
    client = make_client()
    with Session(engine_of(client)) as s:
        hashes = list(s.scalars(select(User.password_hash)))
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)


def test_login_me_logout(make_client: Callable[[], TestClient]) -> None:
    client = make_client()
    resp = login(client, "sup_x")
    assert resp.status_code == 200
    token = resp.json()["access_token"]
    me = client.get("/auth/me", headers=bearer(token)).json()
    assert me["role"] == "district_supervisor" and me["districts"] == ["x"]
    assert client.post("/auth/logout", headers=bearer(token)).status_code == 204
    assert client.get("/auth/me", headers=bearer(token)).status_code == 401
    with Session(engine_of(client)) as s:  # the token is kept only as its hash
        assert s.scalar(select(AccessToken.id).where(AccessToken.token_hash == token)) is None


def test_wrong_password_and_unknown_user_answer_alike(
    make_client: Callable[[], TestClient],
) -> None:
    client = make_client()
    a = login(client, "viewer", "wrong password")
    b = login(client, "nobody-at-all", "wrong password")
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()


def test_lockout_after_repeated_failures_even_for_the_right_password(
    make_client: Callable[[], TestClient],
) -> None:
    client = make_client()
    for _ in range(5):  # login_max_failures default
        assert login(client, "viewer", "guess").status_code == 401
    locked = login(client, "viewer")
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert login(client, "admin").status_code == 200  # others are not affected
    # When the lockout has passed, the right password works again.
    from api.models import LoginFailure

    with Session(engine_of(client)) as s, s.begin():
        s.execute(
            update(LoginFailure).values(locked_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert login(client, "viewer").status_code == 200


def test_expired_token_is_refused(make_client: Callable[[], TestClient]) -> None:
    client = make_client()
    token = login(client, "viewer").json()["access_token"]
    assert client.get("/kitchens", headers=bearer(token)).status_code == 200
    with Session(engine_of(client)) as s, s.begin():
        s.execute(update(AccessToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert client.get("/kitchens", headers=bearer(token)).status_code == 401


def test_admin_revokes_every_token_of_a_person(
    make_client: Callable[[], TestClient], seeded: Any
) -> None:
    client = make_client()
    t1 = login(client, "mgr_a").json()["access_token"]
    t2 = login(client, "mgr_a").json()["access_token"]
    admin = bearer(seeded.world.tokens["admin"])
    uid = seeded.world.user_ids["mgr_a"]
    resp = client.post(f"/users/{uid}/revoke", headers=admin)
    assert resp.status_code == 200 and resp.json()["revoked"] >= 2
    for t in (t1, t2, seeded.world.tokens["mgr_a"]):
        assert client.get("/kitchens/a", headers=bearer(t)).status_code == 401
    # Deactivated accounts cannot sign in at all.
    assert client.post(f"/users/{uid}/deactivate", headers=admin).status_code == 200
    assert login(client, "mgr_a").status_code == 401


def test_scoped_lists(shared_client: TestClient, seeded: Any) -> None:
    """Lists filtered by role: the same query answers each caller with their own part."""

    def ids(path: str, who: str) -> list[str]:
        resp = shared_client.get(path, headers=bearer(seeded.world.tokens[who]))
        assert resp.status_code == 200
        return [x["id"] for x in resp.json()]

    assert ids("/kitchens", "admin") == ["a", "b"]
    assert ids("/kitchens", "viewer") == ["a", "b"]
    for who in ("sup_x", "insp_g", "mgr_a", "staff_a"):
        assert ids("/kitchens", who) == ["a"], who
        assert ids("/districts", who) == ["x"], who
        assert ids("/grids", who) == ["g"], who
        assert ids("/streets", who) == ["sx"], who
    assert ids("/kitchens?district=y", "sup_x") == []


def test_user_scope_must_fit_the_role(shared_client: TestClient, seeded: Any) -> None:
    admin = bearer(seeded.world.tokens["admin"])
    bad: list[dict[str, Any]] = [
        {"role": "canteen_manager"},  # no kitchen
        {"role": "viewer", "kitchen_id": "a"},
        {"role": "grid_inspector", "districts": ["x"]},
    ]
    for extra in bad:
        body = {"username": "u1", "password": "long enough pw", **extra}
        assert shared_client.post("/users", json=body, headers=admin).status_code == 422
    unknown = {
        "username": "u2",
        "password": "long enough pw",
        "role": "grid_inspector",
        "grids": ["nope"],
    }
    assert shared_client.post("/users", json=unknown, headers=admin).status_code == 409


def test_one_address_spraying_usernames_is_held_back(
    make_client: Callable[[], TestClient],
) -> None:
    """A few guesses on many accounts (no account reaches its own lockout) still stop."""
    client = make_client()
    res = client.app.state.resources  # type: ignore[attr-defined]
    res.login_failures = FailureWindow(limit=3, window_s=600)
    for user in ("admin", "viewer", "sup_x"):
        assert login(client, user, "Winter2026!").status_code == 401
    refused = login(client, "mgr_a")  # even the right password, from this address
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
