"""The supervision loop end to end on real servers: Mosquitto, InfluxDB, the API under
uvicorn (SQLite and PostgreSQL), and a rules worker sharing the API's alert store.

A tier-2 incident fires from a real reading; the manager acknowledges in the API and
the worker applies it; a rectification with a photo; the inspector rejects it (deadline
renewed); resubmitted (the worker restarted in between); accepted. The audit trail
lists every step with its role and photos; retried requests queue nothing new.
"""

import base64
import csv
import io
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from core import topics
from core.mqtt import MqttClient
from core.schemas import Telemetry, encode
from core.settings import InfluxSettings, MqttSettings
from devtools.servers import free_port
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


def _reading(
    site: str, value: float, seq: int, device: str = "fridge1", ts: datetime | None = None
) -> bytes:
    return encode(
        Telemetry.model_validate(
            {
                "site": site,
                "device": device,
                "readings": [
                    {
                        "sensor": "t1",
                        "kind": "temperature",
                        "value": value,
                        "unit": "degC",
                        "ts": ts or datetime.now(UTC),
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


def _proc(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """A `bk` command as its own process (so that it can be killed with SIGKILL)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "core", *args], stdout=out, stderr=subprocess.STDOUT
        )


def _kill9(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no clean stop, no final checkpoint, no goodbye to the broker."""
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)


def test_kill_9_of_the_worker_and_of_the_api_between_steps_loses_and_duplicates_nothing(
    api: Any,
    mqtt_settings: MqttSettings,
    influx_settings: InfluxSettings,
    tmp_path: Path,
) -> None:
    """The loop again with the rules worker and the API as processes, each killed with
    SIGKILL between steps (and once right after a request was accepted) and restarted:
    every step is applied once, in order, and the audit trail holds no duplicate."""
    tokens = api.world.tokens
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text(yaml.safe_dump(RULES))
    mqtt = {"host": mqtt_settings.host, "port": mqtt_settings.port}
    influx = {"url": influx_settings.url, "database": influx_settings.database}
    worker_cfg = tmp_path / "worker.yaml"
    worker_cfg.write_text(
        yaml.safe_dump(
            {
                "mqtt": mqtt,
                "influx": influx,
                "rules": {
                    "rule_file": str(rule_file),
                    "store_url": api.settings.api.alerts_url,
                    "sites": ["a"],
                    "status_interval_s": 0.3,
                },
            }
        )
    )
    port = free_port()
    api_cfg = tmp_path / "api.yaml"
    api_cfg.write_text(
        yaml.safe_dump(
            {
                "mqtt": mqtt,
                "influx": {
                    "url": api.settings.influx.url,
                    "database": api.settings.influx.database,
                },
                "api": {
                    "host": "127.0.0.1",
                    "port": port,
                    "database_url": api.settings.api.database_url,
                    "alerts_url": api.settings.api.alerts_url,
                    "evidence_dir": str(api.settings.api.evidence_dir),
                    "signing_key": "integration-key-0123456789",
                    "token_ttl_s": 3600,
                },
            }
        )
    )
    log = tmp_path / "procs.log"
    base_url = f"http://127.0.0.1:{port}"
    statuses: list[bytes] = []
    watch = MqttClient(
        mqtt_settings, persistent=False, on_message=lambda m: statuses.append(bytes(m.payload))
    )
    watch.subscribe(topics.service_status_topic("rules", "w0"), 1)
    watch.connect()
    procs: list[subprocess.Popen[bytes]] = []

    def start_worker() -> subprocess.Popen[bytes]:
        seen = len(statuses)
        p = _proc(["rules", "run", "--config", str(worker_cfg)], log)
        procs.append(p)
        try:
            _wait(lambda: any(b'"online"' in s for s in statuses[seen:]), "worker online", 120)
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}; statuses {statuses[seen:]}\n{log.read_text()[-4000:]}"
            ) from exc
        return p

    def start_api() -> subprocess.Popen[bytes]:
        p = _proc(["api", "run", "--config", str(api_cfg)], log)
        procs.append(p)

        def up() -> bool:
            try:
                return httpx.get(f"{base_url}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(up, "the API up", 60)
        return p

    def as_(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[who]}"}

    def act(who: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(f"{base_url}{path}/actions", headers=as_(who), json=body, timeout=10)

    def state_is(want: str) -> dict[str, Any] | None:
        d: dict[str, Any] = httpx.get(f"{base_url}{path}", headers=as_("mgr_a"), timeout=10).json()
        return d if d["task_state"] == want else None

    try:
        worker = start_worker()
        server = start_api()
        before = {
            a["id"]
            for a in httpx.get(
                f"{base_url}/alerts",
                params={"open_only": "false"},
                headers=as_("mgr_a"),
                timeout=10,
            ).json()
        }
        pub = MqttClient(mqtt_settings, persistent=False)
        pub.connect()
        pub.publish(
            topics.telemetry_topic("a", "fridge2"), _reading("a", 12.5, 1, device="fridge2")
        ).wait_for_publish(5)
        pub.close()

        def new_alert() -> list[dict[str, Any]]:
            got = httpx.get(f"{base_url}/alerts", headers=as_("mgr_a"), timeout=10).json()
            return [a for a in got if a["id"] not in before and a["task_state"]]

        (alert,) = _wait(new_alert, "the new alert in the API", 60)
        path = f"/kitchens/a/alerts/{alert['id']}"
        assert act("mgr_a", {"request_id": "k9-ack-0001", "action": "ack"}).status_code == 202
        _wait(lambda: state_is("rectifying"), "the acknowledgement applied", 60)

        # 1. The worker is killed; a rectification is asked for while it is down.
        _kill9(worker)
        photo = httpx.post(
            f"{base_url}{path}/photos",
            headers=as_("mgr_a"),
            json={"jpeg_base64": base64.b64encode(JPEG).decode()},
            timeout=10,
        )
        assert photo.status_code == 201, photo.text
        sha = photo.json()["sha256"]
        rect = {"request_id": "k9-rect-001", "action": "rectify", "photos": [sha]}
        queued = act("mgr_a", rect | {"comment": "已调温"})
        assert queued.status_code == 202 and queued.json()["duplicate"] is False
        worker = start_worker()
        _wait(lambda: state_is("submitted"), "the rectification applied after the restart", 60)

        # 2. The API is killed right after it accepted a review; the client retries the
        #    same request on the restarted API: queued once.
        reject = {"request_id": "k9-rej-0001", "action": "review_reject", "comment": "不清楚"}
        assert act("insp_g", reject).status_code == 202
        _kill9(server)
        server = start_api()
        retry = act("insp_g", reject)
        assert retry.status_code == 202 and retry.json()["duplicate"] is True
        _wait(lambda: state_is("rectifying"), "the rejection applied", 60)

        # 3. The worker is killed right after a request was queued (applied or not yet).
        assert (
            act("mgr_a", rect | {"request_id": "k9-rect-002", "comment": "重做"}).status_code == 202
        )
        _kill9(worker)
        worker = start_worker()
        _wait(lambda: state_is("submitted"), "the second rectification applied", 60)
        accept = {"request_id": "k9-acc-0001", "action": "review_accept", "comment": "合格"}
        assert act("insp_g", accept).status_code == 202
        _kill9(server)
        server = start_api()
        done = _wait(lambda: state_is("closed"), "the acceptance applied", 60)
        month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
        haccp = httpx.get(
            f"{base_url}/kitchens/a/haccp",
            params={"month": month},
            headers=as_("sup_x"),
            timeout=10,
        )
        # The last worker stops cleanly: its final checkpoint acknowledges what the killed
        # ones left unacknowledged (redelivered to it), so the worker's persistent session
        # (the other tests' worker's too: same client id) holds nothing for the next test.
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0, log.read_text()[-3000:]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(30)
        watch.close()
    steps = [(s["action"], s["state"], s["role"], s["comment"]) for s in done["steps"]]
    assert steps == [
        ("fired", "open", None, "tier 2"),
        ("ack", "rectifying", "canteen_manager", None),
        ("rectify", "submitted", "canteen_manager", "已调温"),
        ("review_reject", "rectifying", "grid_inspector", "不清楚"),
        ("rectify", "submitted", "canteen_manager", "重做"),
        ("review_accept", "closed", "grid_inspector", "合格"),
    ], log.read_text()[-3000:]
    from sqlalchemy.orm import Session

    from api.db import make_engine
    from rules.store import AuditRow, RequestRow

    engine = make_engine(api.settings.api.alerts_url)
    with Session(engine) as s:
        trail = [
            (a.state, a.note, a.actor, a.comment)
            for a in s.query(AuditRow)
            .filter(AuditRow.alert_id == alert["id"])
            .order_by(AuditRow.seq)
        ]
        requests = [r.request_id for r in s.query(RequestRow).filter(RequestRow.ref == alert["id"])]
    engine.dispose()
    assert len(trail) == len(set(trail)), trail  # nothing applied twice
    assert sorted(requests) == sorted(
        ["k9-ack-0001", "k9-rect-001", "k9-rej-0001", "k9-rect-002", "k9-acc-0001"]
    )
    # The HACCP export served by the restarted API carries the steps and the reviewer.
    assert haccp.status_code == 200
    row = next(
        r
        for r in csv.DictReader(io.StringIO(haccp.content.decode("utf-8-sig")))
        if r["预警编号"] == alert["id"]
    )
    assert "review_reject → rectifying insp_g (grid_inspector): 不清楚" in row["整改记录"]
    assert (row["复核人"], row["复核结论"]) == ("insp_g", "通过")


def test_an_overdue_rectification_escalates_at_its_deadline_on_the_source_clock(
    api: Any, mqtt_settings: MqttSettings, influx_settings: InfluxSettings
) -> None:
    """The rules clock is source time: a kitchen's readings from two hours ago fire a
    tier-2 alert due in one hour; a reading stamped 30 minutes ago moves the clock past
    the deadline, and the task goes overdue (escalated once), as the API then shows.

    Kitchen b, worker 1 of 5 (which owns b) and a client id of its own: a fresh rules
    clock (the other tests' worker checkpoints a clock at the present) and no reading
    left queued for the other tests' persistent sessions, which subscribe to a."""
    from datetime import timedelta

    from rules.partition import owns

    assert owns("b", 1, 5)
    settings = RulesSettings(
        mqtt=mqtt_settings.model_copy(update={"client_id": f"bk-rules-t-{uuid.uuid4().hex[:8]}"}),
        influx=influx_settings,
        rules=RulesSection.model_validate(
            {
                "store_url": api.settings.api.alerts_url,
                "sites": ["b"],
                "channels": [],
                "workers": 5,
                "worker_index": 1,
            }
        ),
    )
    one_hour = {"rules": [RULES["rules"][0] | {"id": "cold-1h", "rectify_within_s": 3600}]}
    svc = RulesService(settings, resolve(parse_rule_file(one_hour)))
    svc.start()
    headers = {"Authorization": f"Bearer {api.world.tokens['admin']}"}
    t0 = datetime.now(UTC) - timedelta(hours=2)
    try:
        pub = MqttClient(mqtt_settings, persistent=False)
        pub.connect()
        topic = topics.telemetry_topic("b", "fridge3")
        pub.publish(topic, _reading("b", 11.0, 1, "fridge3", t0)).wait_for_publish(5)

        def the_alert() -> list[dict[str, Any]]:
            got = httpx.get(f"{api.url}/alerts", headers=headers, timeout=10).json()
            return [a for a in got if a["rule"] == "cold-1h" and a["task_state"]]

        (alert,) = _wait(the_alert, "the tier-2 alert")
        assert datetime.fromisoformat(alert["deadline"]) == t0 + timedelta(hours=1)
        assert alert["overdue"] is False
        # Still too warm 90 minutes later (source time): past the deadline.
        later = t0 + timedelta(minutes=90)
        pub.publish(topic, _reading("b", 10.0, 2, "fridge3", later)).wait_for_publish(5)
        pub.close()
        path = f"{api.url}/kitchens/b/alerts/{alert['id']}"

        def overdue() -> dict[str, Any] | None:
            d: dict[str, Any] = httpx.get(path, headers=headers, timeout=10).json()
            return d if d["overdue"] else None

        done = _wait(overdue, "the task overdue")
    finally:
        svc.stop()
    steps = [s["action"] for s in done["steps"]]
    assert steps == ["fired", "overdue"]  # escalated once
    (step,) = [s for s in done["steps"] if s["action"] == "overdue"]
    # On the source clock, not the wall's: between the deadline and the late reading.
    assert t0 + timedelta(hours=1) <= datetime.fromisoformat(step["ts"]) <= later
