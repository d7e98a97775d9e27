"""N rules workers side by side: each kitchen is evaluated by exactly one of them."""

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from core import topics
from core.mqtt import MqttClient
from core.schemas import AlertEvent, AlertState, decode, encode
from core.settings import InfluxSettings, MqttSettings
from devtools.servers import LocalMosquitto
from devtools.traffic import reading
from rules.config import parse_rule_file, resolve
from rules.partition import owner
from rules.service import RulesSection, RulesService, RulesSettings
from rules.store import AlertStore

RULES = {
    "rules": [
        {
            "id": "cold-holding-high",
            "kind": "threshold",
            "match": {"zone": ["cold_room"]},
            "above": 8.0,
            "for_s": 0,
        },
    ]
}


def _wait(cond, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return bool(cond())


def test_two_workers_split_the_kitchens_and_alert_each_exactly_once(
    mosquitto_factory: Callable[..., LocalMosquitto],
    influx_settings: InfluxSettings,
    site_id: str,
    tmp_path: Path,
) -> None:
    # A broker of its own: worker 1 subscribes to every site, and the shared broker holds
    # other tests' retained status messages, which would count as "not owned" here.
    broker = mosquitto_factory()
    mqtt_settings = MqttSettings(host=broker.host, port=broker.port)
    sites = [f"{site_id}-k{i}" for i in range(10)]
    assert {owner(s, 2) for s in sites} == {0, 1}, "pick sites both workers own"
    url = f"sqlite:///{tmp_path}/alerts.db"  # one store shared by both, as in production
    got: list[AlertEvent] = []
    lock = threading.Lock()

    def on_alert(msg) -> None:  # type: ignore[no-untyped-def]
        with lock:
            got.append(decode(AlertEvent, msg.payload))

    listener = MqttClient(mqtt_settings, persistent=False, on_message=on_alert)
    listener.connect()
    for s in sites:
        listener.subscribe(topics.alerts_topic(s), qos=1)
    workers = [
        RulesService(
            RulesSettings(
                mqtt=mqtt_settings.model_copy(update={"client_id": None}),
                influx=influx_settings,
                rules=RulesSection(
                    store_url=url,
                    worker_index=i,
                    workers=2,
                    sites=sites if i == 0 else None,  # listed sites, or all with a filter
                    tick_s=0.2,
                    write_influx=False,
                ),
            ),
            resolve(parse_rule_file(RULES)),
        )
        for i in range(2)
    ]
    for w in workers:
        w.start()
    pub = MqttClient(mqtt_settings, persistent=False)
    pub.connect()
    try:
        for s in sites:
            hot = reading(s, "agent", "t1", "cold_room", 11.5, datetime.now(UTC), 1)
            pub.publish(topics.telemetry_topic(s, "agent"), encode(hot), qos=1)
        assert _wait(lambda: len({e.site for e in got}) == len(sites)), got
        # An acknowledgement made through the shared store (as `bk rules ack` does) for a
        # kitchen of worker 1 must be applied by worker 1, even if worker 0 looks first.
        target = next(s for s in sites if owner(s, 2) == 1)
        with lock:
            alert_id = next(e.id for e in got if e.site == target)
        AlertStore(url).request(alert_id, "ack", "manager-li", "door closed", datetime.now(UTC))
        assert _wait(lambda: any(e.state is AlertState.ACKNOWLEDGED for e in got))
        time.sleep(1.0)  # time for any duplicate to show up
    finally:
        pub.close()
        for w in workers:
            w.stop()
        listener.close()
    firing = [e for e in got if e.state is AlertState.FIRING]
    assert sorted(e.site for e in firing) == sorted(sites), "one alert per kitchen, no more"
    acks = [e for e in got if e.state is AlertState.ACKNOWLEDGED]
    assert [(e.site, e.id) for e in acks] == [(target, alert_id)]
    for i, w in enumerate(workers):
        mine = {a.site for a in w.engine.open_alerts()}
        assert mine == {s for s in sites if owner(s, 2) == i}
    # Worker 1 subscribed to every site and skipped the ones it does not own.
    assert workers[1].counters["not_owned"] == sum(owner(s, 2) == 0 for s in sites)
    assert workers[0].counters["not_owned"] == 0
