"""The rules worker's clock, health and shutdown over the real broker.

- a quiet stream advances the rules clock by elapsed time once (it used to add the quiet
  time to the already advanced watermark on every tick: a 300 s no-data rule fired after
  25 s of silence);
- the worker exposes the shared status payload and Prometheus metrics;
- `bk rules run` stops on SIGTERM with exit code 0, its last checkpoint saved and its
  offline status published.
"""

import contextlib
import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import yaml

from core import topics
from core.mqtt import MqttClient
from core.schemas import Telemetry, encode
from core.settings import InfluxSettings, MqttSettings
from devtools.servers import free_port
from rules.config import parse_rule_file, resolve
from rules.service import RulesSection, RulesService, RulesSettings
from rules.store import AlertStore

NODATA = {
    "rules": [
        {"id": "silent", "kind": "no_data", "silent_s": 30},
        {
            "id": "cold-holding-high",
            "kind": "threshold",
            "match": {"zone": ["cold_room"]},
            "above": 8.0,
            "for_s": 0,
        },
    ]
}


def _reading(site: str, seq: int) -> bytes:
    return encode(
        Telemetry.model_validate(
            {
                "site": site,
                "device": "agent",
                "readings": [
                    {
                        "sensor": "t1",
                        "kind": "temperature",
                        "value": 3.0,
                        "unit": "degC",
                        "ts": datetime.now(UTC),
                        "seq": seq,
                        "zone": "cold_room",
                    }
                ],
            }
        )
    )


def _publish(settings: MqttSettings, topic: str, payload: bytes) -> None:
    pub = MqttClient(settings, persistent=False)
    pub.connect()
    pub.publish(topic, payload, qos=1).wait_for_publish(5)
    pub.close()


def test_quiet_stream_advances_the_clock_once_and_metrics_show_it(
    mqtt_settings: MqttSettings, influx_settings: InfluxSettings, site_id: str, tmp_path: Path
) -> None:
    port = free_port()
    settings = RulesSettings(
        mqtt=mqtt_settings,
        influx=influx_settings,
        rules=RulesSection.model_validate(
            {
                "store_url": f"sqlite:///{tmp_path}/alerts.db",
                "sites": [site_id],
                "tick_s": 0.1,
                "checkpoint_s": 0.5,
                "metrics_port": port,
            }
        ),
    )
    svc = RulesService(settings, resolve(parse_rule_file(NODATA)))
    svc.start()
    try:
        _publish(mqtt_settings, topics.telemetry_topic(site_id, "agent"), _reading(site_id, 1))
        deadline = time.monotonic() + 20
        while svc.engine.watermark == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        source = svc.engine.watermark
        assert source > 0, "the reading never reached the engine"
        quiet_from = time.monotonic()
        time.sleep(8)  # 80 ticks of a quiet stream
        elapsed = time.monotonic() - quiet_from
        advanced = svc.clock(time.monotonic()) - source
        # Once, not compounded: within the tick and the hand-over, never many times over.
        assert elapsed - 2 <= advanced <= elapsed + 1, (advanced, elapsed)
        assert svc.engine.watermark - source <= elapsed + 1
        # 8 s of silence is not 30 s: the no-data rule stays quiet.
        assert svc.engine.alerts == {}
        body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert "bk_rules_messages_total 1.0" in body
        assert "bk_rules_checkpoints_total" in body and "bk_rules_open_alerts 0.0" in body
        assert "bk_rules_acked_total 1.0" in body, "the message is acked after its checkpoint"
    finally:
        svc.stop()


def test_bk_rules_run_stops_cleanly_on_sigterm(
    mqtt_settings: MqttSettings, influx_settings: InfluxSettings, site_id: str, tmp_path: Path
) -> None:
    store_url = f"sqlite:///{tmp_path}/alerts.db"
    config = tmp_path / "rules.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "mqtt": {"host": mqtt_settings.host, "port": mqtt_settings.port},
                "influx": {"url": influx_settings.url, "database": influx_settings.database},
                "rules": {
                    "packs": ["gb31654"],
                    "store_url": store_url,
                    "sites": [site_id],
                    "checkpoint_s": 3600,  # only the final checkpoint can save the state
                    "status_interval_s": 0.3,
                },
            }
        )
    )
    statuses: list[bytes] = []
    watch = MqttClient(
        mqtt_settings, persistent=False, on_message=lambda m: statuses.append(bytes(m.payload))
    )
    watch.subscribe(topics.service_status_topic("rules", "w0"), 1)
    watch.connect()
    log = (tmp_path / "rules.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "core", "rules", "run", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(b'"online"' in s for s in statuses) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert any(b'"online"' in s for s in statuses), (tmp_path / "rules.log").read_text()
        _publish(mqtt_settings, topics.telemetry_topic(site_id, "agent"), _reading(site_id, 1))

        def evaluated() -> bool:
            for raw in reversed(statuses):
                with contextlib.suppress(ValueError):
                    return int(json.loads(raw).get("counters", {}).get("messages", 0)) >= 1
            return False

        deadline = time.monotonic() + 60
        while not evaluated() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert evaluated(), "the worker never evaluated the reading"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, (tmp_path / "rules.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
        watch.close()
    store = AlertStore(store_url, name="worker-0-of-1")
    try:
        state = store.load_state()
    finally:
        store.close()
    assert state is not None and state["watermark"] > 0, "no final checkpoint on SIGTERM"
    assert b'"offline"' in statuses[-1]
