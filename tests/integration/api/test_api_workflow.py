"""The supervision loop end to end on real servers: Mosquitto, InfluxDB, the API under
uvicorn (SQLite and PostgreSQL), and a rules worker sharing the API's alert store.

A tier-2 incident fires from a real reading; the manager acknowledges in the API and
the worker applies it; a rectification with a photo; the inspector rejects it (deadline
renewed); resubmitted (the worker restarted in between); accepted. The audit trail
lists every step with its role and photos; retried requests queue nothing new.
"""

import base64
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from core import topics
from core.mqtt import MqttClient
from core.schemas import Telemetry, encode
from core.settings import InfluxSettings, MqttSettings
from rules.config import parse_rule_file, resolve
from rules.service import RulesSection, RulesService, RulesSettings

RULES = {
    "rules": [
        {
            "id": "cold-holding-high",
            "kind": "threshold",
            "match": {"zone": ["cold_room"]},
            "above": 8.0,
            "for_s": 0,
            "tier": 2,
            "rectify_within_s": 86400,
        },
    ]
}
JPEG = base64.b64decode("/9j/2wBDAP//2Q==")  # SOI … EOI


def _reading(site: str, value: float, seq: int) -> bytes:
    return encode(
        Telemetry.model_validate(
            {
                "site": site,
                "device": "fridge1",
                "readings": [
                    {
                        "sensor": "t1",
                        "kind": "temperature",
                        "value": value,
                        "unit": "degC",
                        "ts": datetime.now(UTC),
                        "seq": seq,
                        "zone": "cold_room",
                    }
                ],
            }
        )
    )


def _wait(check: Callable[[], Any], what: str, limit_s: float = 30.0) -> Any:
    """Poll until `check` returns something truthy (generous bound: the machine is shared)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def api(live_api: Any) -> Any:
    """One seeded API per database for this module (the world can be seeded once)."""
    return live_api()


def test_tier2_incident_through_the_api_and_the_worker(
    api: Any, mqtt_settings: MqttSettings, influx_settings: InfluxSettings
) -> None:
    tokens = api.world.tokens
    settings = RulesSettings(
        mqtt=mqtt_settings,
        influx=influx_settings,
        rules=RulesSection.model_validate(
            {"store_url": api.settings.api.alerts_url, "sites": ["a"], "channels": []}
        ),
    )
    rules = resolve(parse_rule_file(RULES))
    svc = RulesService(settings, rules)
    svc.start()
    client = httpx.Client(base_url=api.url, timeout=10)

    def as_(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[who]}"}

    try:
        pub = MqttClient(mqtt_settings, persistent=False)
        pub.connect()
        pub.publish(
            topics.telemetry_topic("a", "fridge1"), _reading("a", 11.5, 1)
        ).wait_for_publish(5)
        pub.close()

        def open_alerts() -> list[dict[str, Any]]:
            got: list[dict[str, Any]] = client.get("/alerts", headers=as_("mgr_a")).json()
            return [a for a in got if a["task_state"]]  # its task is written just after it

        (alert,) = _wait(open_alerts, "the alert in the API")
        assert alert["tier"] == 2 and alert["task_state"] == "open"
        assert alert["deadline"] is not None
        aid = alert["id"]
        base = f"/kitchens/a/alerts/{aid}"
        # The inspector of its grid sees it; a viewer reads it.
        assert [a["id"] for a in client.get("/alerts", headers=as_("viewer")).json()] == [aid]
        assert client.get(base, headers=as_("insp_g")).status_code == 200

        def act(who: str, body: dict[str, Any]) -> httpx.Response:
            return client.post(f"{base}/actions", headers=as_(who), json=body)

        def state_is(want: str) -> dict[str, Any] | None:
            d: dict[str, Any] = client.get(base, headers=as_("mgr_a")).json()
            return d if d["task_state"] == want else None

        t0 = time.monotonic()
        r = act("mgr_a", {"request_id": "req-ack-0001", "action": "ack", "comment": "收到"})
        assert r.status_code == 202, r.text
        _wait(lambda: state_is("rectifying"), "the acknowledgement applied")
        ack_s = time.monotonic() - t0
        print(f"acknowledgement applied by the worker {ack_s:.2f} s after the POST")

        # Roles: a viewer reads only; a manager may not review; an inspector may not rectify.
        assert act("viewer", {"request_id": "req-view-001", "action": "comment"}).status_code == 403
        review = {"request_id": "req-bad-0001", "action": "review_accept"}
        assert act("mgr_a", review).status_code == 403
        photo = client.post(
            f"{base}/photos",
            headers=as_("mgr_a"),
            json={"jpeg_base64": base64.b64encode(JPEG).decode()},
        )
        assert photo.status_code == 201, photo.text
        sha = photo.json()["sha256"]
        assert client.get(f"/evidence/{sha}", headers=as_("insp_g")).status_code == 200
        assert client.get(f"/evidence/{sha}").status_code == 401
        rect = {
            "request_id": "req-rect-001",
            "action": "rectify",
            "comment": "已调温",
            "photos": [sha],
        }
        assert act("insp_g", rect | {"request_id": "req-rect-x01"}).status_code == 403
        assert act("mgr_a", rect).status_code == 202
        _wait(lambda: state_is("submitted"), "the rectification applied")
        first_deadline = client.get(base, headers=as_("mgr_a")).json()["deadline"]
        reject = {"request_id": "req-rej-0001", "action": "review_reject", "comment": "照片不清楚"}
        assert act("insp_g", reject).status_code == 202
        _wait(lambda: state_is("rectifying"), "the rejection applied")

        # The worker restarts between steps: nothing lost, nothing applied twice.
        svc.stop()
        svc = RulesService(settings, rules)
        svc.start()
        again = rect | {"request_id": "req-rect-002", "comment": "重新整改"}
        first = act("mgr_a", again)
        retry = act("mgr_a", again)  # a client retry of the same request
        assert first.json()["duplicate"] is False and retry.json()["duplicate"] is True
        _wait(lambda: state_is("submitted"), "the second rectification applied")
        accept = {"request_id": "req-acc-0001", "action": "review_accept", "comment": "合格"}
        assert act("insp_g", accept).status_code == 202
        done = _wait(lambda: state_is("closed"), "the acceptance applied")
    finally:
        svc.stop()
        client.close()
    assert done["state"] == "resolved"
    assert done["deadline"] > first_deadline  # renewed by the rejection
    steps = [(s["action"], s["state"], s["role"]) for s in done["steps"]]
    assert steps == [
        ("fired", "open", None),
        ("ack", "rectifying", "canteen_manager"),
        ("rectify", "submitted", "canteen_manager"),
        ("review_reject", "rectifying", "grid_inspector"),
        ("rectify", "submitted", "canteen_manager"),
        ("review_accept", "closed", "grid_inspector"),
    ]
    assert done["steps"][2]["photos"] == [sha] and done["steps"][3]["comment"] == "照片不清楚"
    assert [s["actor"] for s in done["steps"][1:]] == [
        "mgr_a",
        "mgr_a",
        "insp_g",
        "mgr_a",
        "insp_g",
    ]
    fig = httpx.get(f"{api.url}/kitchens/a/figures", headers=as_("sup_x"), timeout=10).json()
    assert fig["alerts_by_tier"] == {"2": 1}
    assert (fig["rectify_due"], fig["rectify_on_time"], fig["overdue"]) == (1, 1, 0)


def test_a_false_positive_files_the_frame_for_retraining(api: Any) -> None:
    """Marking a vision alert false queues the step and files its evidence frame, as
    `bk vision false-positive` does; only supervisors, inspectors and admins may."""
    import json

    from sqlalchemy.orm import Session

    from api.db import make_engine
    from rules.store import AlertRow

    sha = api.evidence["a"]
    t = datetime.now(UTC)
    aid = "fa15e000-0000-0000-0000-000000000001"
    engine = make_engine(api.settings.api.alerts_url)
    with Session(engine) as s, s.begin():
        s.add(
            AlertRow(
                id=aid,
                fingerprint="fa15e000fa15e000",
                site="a",
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
                evidence=[{"sha256": sha, "uri": f"/evidence/{sha}"}],
            )
        )
    engine.dispose()
    url = f"{api.url}/kitchens/a/alerts/{aid}/actions"
    body = {"request_id": "req-fp-00001", "action": "false_positive", "comment": "是厨师帽"}
    as_mgr = {"Authorization": f"Bearer {api.world.tokens['mgr_a']}"}
    assert httpx.post(url, json=body, headers=as_mgr, timeout=10).status_code == 403
    as_insp = {"Authorization": f"Bearer {api.world.tokens['insp_g']}"}
    r = httpx.post(url, json=body, headers=as_insp, timeout=10)
    assert r.status_code == 202, r.text
    evidence_dir = api.settings.api.evidence_dir
    frame = json.loads((evidence_dir / f"{sha}.json").read_text())["frame_sha256"]
    filed = json.loads(
        (evidence_dir.parent / "retrain" / "false_positives" / f"{frame}.json").read_text()
    )
    assert filed["evidence_sha256"] == sha and filed["actor"] == "insp_g"
    assert (evidence_dir.parent / "retrain" / "images" / f"{frame}.jpg").is_file()
