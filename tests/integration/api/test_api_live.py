"""Kitchen live state from a real InfluxDB and the rules' alert store, over HTTP, on
SQLite and PostgreSQL; scoping of state and evidence holds on both databases."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from core.schemas import AlertEvent, AlertState, DeviceState, DeviceStatus, Severity, Telemetry
from core.store import open_store, reading_points, status_point
from rules.alerts import Alert, alert_id, fingerprint
from rules.store import AlertStore

pytestmark = pytest.mark.integration


def _status(site: str, device: str, state: DeviceState, ts: datetime) -> DeviceStatus:
    return DeviceStatus(site=site, device=device, state=state, ts=ts)


def _alert(site: str, started: datetime) -> tuple[Alert, AlertEvent]:
    fp = fingerprint(site, "cold-holding-high", "fridge1/t1")
    alert = Alert(
        id=alert_id(fp, started),
        fingerprint=fp,
        site=site,
        rule="cold-holding-high",
        subject="fridge1/t1",
        device="fridge1",
        severity=Severity.CRITICAL,
        state=AlertState.FIRING,
        started_at=started,
        updated_at=started,
        fired_at=started,
        summary="冷库温度 9.5 °C 高于 8 °C",
        value=9.5,
        threshold=8.0,
    )
    event = AlertEvent(
        id=alert.id,
        fingerprint=fp,
        site=site,
        rule=alert.rule,
        subject=alert.subject,
        severity=alert.severity,
        state=alert.state,
        ts=started,
        started_at=started,
        summary=alert.summary,
    )
    return alert, event


def test_live_state_and_scope(live_api: Callable[..., Any]) -> None:
    api = live_api()
    now = datetime.now(UTC).replace(microsecond=0)
    t = [now - timedelta(minutes=m) for m in (40, 30, 20, 1)]
    store = open_store(api.settings.influx)
    store.write(
        [
            status_point(_status("a", "agent", s, ts))
            for s, ts in zip(
                [DeviceState.ONLINE, DeviceState.OFFLINE, DeviceState.ONLINE, DeviceState.ONLINE],
                t,
                strict=True,
            )
        ]
    )
    store.write([status_point(_status("a", "cam1", DeviceState.OFFLINE, t[1]))])
    for i, value in enumerate((3.5, 4.0, 9.5)):
        msg = Telemetry.model_validate(
            {
                "site": "a",
                "device": "fridge1",
                "readings": [
                    {
                        "sensor": "t1",
                        "kind": "temperature",
                        "value": value,
                        "unit": "degC",
                        "ts": t[i],
                        "seq": i,
                        "zone": "cold_room",
                    }
                ],
            }
        )
        store.write(reading_points(msg))
    store.close()
    alerts = AlertStore(api.settings.api.alerts_url)
    for site in ("a", "b"):
        alerts.record(*_alert(site, t[2]))
    alerts.close()

    with httpx.Client(base_url=api.url, timeout=30) as client:
        mgr = {"Authorization": f"Bearer {api.world.tokens['mgr_a']}"}
        resp = client.get("/kitchens/a/state", headers=mgr)
        assert resp.status_code == 200, resp.text
        state = resp.json()
        assert state["store_available"] and state["alerts_available"]
        devices = {d["id"]: d for d in state["devices"]}
        assert devices["agent"]["state"] == "online"
        # Online since it came back at t[2], not since its latest heartbeat at t[3].
        assert datetime.fromisoformat(devices["agent"]["since"]) == t[2]
        assert datetime.fromisoformat(devices["agent"]["last_seen"]) == t[3]
        assert devices["cam1"]["state"] == "offline"
        assert datetime.fromisoformat(devices["cam1"]["since"]) == t[1]
        # fridge1 has no status of its own: its agent is online, its last reading is 20
        # minutes old (> sensor_silent_s), so it went silent after that reading.
        assert devices["fridge1"]["state"] == "offline"
        assert devices["fridge1"]["basis"] == "readings"
        assert datetime.fromisoformat(devices["fridge1"]["since"]) == t[2]
        (reading,) = state["readings"]
        assert reading["sensor"] == "t1" and reading["value"] == 9.5
        assert datetime.fromisoformat(reading["ts"]) == t[2]
        assert [a["site"] for a in state["open_alerts"]] == ["a"]
        assert state["open_alerts"][0]["rule"] == "cold-holding-high"
        # Kitchen B: its state, alerts and evidence are not there for A's manager.
        assert client.get("/kitchens/b/state", headers=mgr).status_code == 404
        assert client.get("/kitchens/b/alerts", headers=mgr).status_code == 404
        assert client.get(f"/evidence/{api.evidence['b']}/image", headers=mgr).status_code == 404
        assert client.get(f"/evidence/{api.evidence['a']}/image", headers=mgr).status_code == 200
        sup = {"Authorization": f"Bearer {api.world.tokens['sup_x']}"}
        listed = client.get("/kitchens", headers=sup).json()
        assert [k["id"] for k in listed] == ["a"]
        # Logout revokes at once, on this database too.
        assert client.post("/auth/logout", headers=sup).status_code == 204
        assert client.get("/kitchens", headers=sup).status_code == 401
