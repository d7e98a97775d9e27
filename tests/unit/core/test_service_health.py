"""The shared health helper: one set of figures, two views (status payload, Prometheus)."""

import json

from prometheus_client import generate_latest

from core.service_health import ServiceHealth


def _health(figures: dict[str, object]) -> ServiceHealth:
    return ServiceHealth(
        "rules",
        "w0",
        lambda: figures,  # type: ignore[arg-type,return-value]
        gauges={"queue_depth"},
        labels={"rejected": "reason"},
        descriptions={"alerts": "Alert events published"},
    )


def test_exposition_names_kinds_and_labels() -> None:
    text = generate_latest(
        _health(
            {"alerts": 3, "queue_depth": 7, "rejected": {"bad_json": 2}, "note": "x", "ok": True}
        ).registry
    ).decode()
    assert "# HELP bk_rules_alerts_total Alert events published" in text
    assert "# TYPE bk_rules_alerts_total counter" in text and "bk_rules_alerts_total 3.0" in text
    assert "# TYPE bk_rules_queue_depth gauge" in text and "bk_rules_queue_depth 7.0" in text
    assert 'bk_rules_rejected_total{reason="bad_json"} 2.0' in text
    assert "bk_rules_ok_total 1.0" in text
    assert "note" not in text  # not a number: left out
    assert "bk_rules_uptime_seconds" in text
    assert "mqtt_connected" not in text  # not tracked until a client is attached


def test_status_payload_splits_counters_and_gauges() -> None:
    figures: dict[str, object] = {"alerts": 3, "queue_depth": 7, "rejected": {"bad_json": 2}}
    health = _health(figures)
    status = health.status("online")
    assert health.topic == "bk/v1/_services/rules/w0/status"
    assert status.counters == {"alerts": 3, "rejected": {"bad_json": 2}}
    assert status.gauges == {"queue_depth": 7}
    figures["alerts"] = 4  # read at call time, never cached
    assert health.status().counters["alerts"] == 4
    will = health.will()
    assert will.retain and json.loads(will.payload)["state"] == "offline"


def test_metrics_port_zero_is_off() -> None:
    health = _health({})
    assert health.serve_metrics(0) is None and health.metrics_port is None
    health.stop()  # nothing started: nothing to stop, no error
