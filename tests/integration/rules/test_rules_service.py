"""The rules service over the real broker and InfluxDB, with real notification receivers."""

import email
import email.policy
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from core import topics
from core.mqtt import MqttClient
from core.schemas import AlertEvent, AlertState, Telemetry, decode, encode
from core.settings import InfluxSettings, MqttSettings
from core.store import open_store
from devtools.receivers import WebhookReceiver
from rules.alerts import Notice
from rules.config import parse_rule_file, resolve
from rules.notify import EmailChannel, build_channel
from rules.notify.email import EmailConfig
from rules.service import RulesSection, RulesService, RulesSettings

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


def _reading(site: str, value: float, seq: int) -> bytes:
    return encode(
        Telemetry.model_validate(
            {
                "site": site,
                "device": "agent",
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


def test_reading_to_alert_topic_influx_point_and_signed_webhook(
    mqtt_settings: MqttSettings, influx_settings: InfluxSettings, site_id: str, tmp_path: Path
) -> None:
    got: list[AlertEvent] = []
    seen = threading.Event()

    def on_alert(msg) -> None:  # type: ignore[no-untyped-def]
        got.append(decode(AlertEvent, msg.payload))
        seen.set()

    listener = MqttClient(mqtt_settings, persistent=False, on_message=on_alert)
    listener.connect()
    listener.subscribe(topics.alerts_topic(site_id), qos=1)
    with WebhookReceiver(secret="s3cret") as hook:
        settings = RulesSettings(
            mqtt=mqtt_settings,
            influx=influx_settings,
            rules=RulesSection.model_validate(
                {
                    "store_url": f"sqlite:///{tmp_path}/alerts.db",
                    "sites": [site_id],
                    "channels": [
                        {"type": "webhook", "name": "hook", "url": hook.url, "secret": "s3cret"}
                    ],
                }
            ),
        )
        svc = RulesService(settings, resolve(parse_rule_file(RULES)))
        svc.start()
        try:
            pub = MqttClient(mqtt_settings, persistent=False)
            pub.connect()
            pub.publish(
                topics.telemetry_topic(site_id, "agent"), _reading(site_id, 4.0, 1)
            ).wait_for_publish(5)
            pub.publish(topics.telemetry_topic(site_id, "agent"), b"{not json").wait_for_publish(5)
            pub.publish(
                topics.telemetry_topic(site_id, "agent"), _reading(site_id, 11.5, 2)
            ).wait_for_publish(5)
            assert seen.wait(10), "no alert on the alerts topic"
            assert hook.wait(1, 10), "webhook got nothing"
            pub.close()
        finally:
            svc.stop()
            listener.close()
        assert [e.state for e in got] == [AlertState.FIRING]
        assert got[0].subject == "agent/t1" and got[0].value == 11.5
        _, body, ok = hook.received[0]
        assert ok, "signature did not verify"
        assert body["alert"]["id"] == got[0].id and body["kind"] == "firing"
        assert svc.counters["bad_input"] == 1
    rows = open_store(influx_settings).query(f"SELECT * FROM alert WHERE site = '{site_id}'")
    assert len(rows) == 1 and rows[0]["rule"] == "cold-holding-high"
    assert rows[0]["state"] == "firing"


def test_failing_webhook_is_retried_and_bad_signature_is_refused() -> None:
    from rules.notify.dispatch import Dispatcher

    ev = AlertEvent.model_validate(
        {
            "id": "0123abcd",
            "fingerprint": "0123abcd",
            "site": "k1",
            "rule": "r1",
            "subject": "d/t",
            "state": "firing",
            "ts": datetime.now(UTC),
            "started_at": datetime.now(UTC),
            "summary": "test",
        }
    )
    with WebhookReceiver(secret="right", fail_first=2) as hook:
        ch = build_channel(
            EmailConfig.model_validate(  # type check of the registry
                {"type": "email", "name": "m", "sender": "a@b", "to": ["c@d"]}
            )
        )
        assert isinstance(ch, EmailChannel)
        good = build_channel(parse_channel(hook.url, "right"))
        bad = build_channel(parse_channel(hook.url, "wrong", roles=["district_supervisor"]))
        d = Dispatcher([good, bad], backoff_s=0.05)
        d.submit(Notice("firing", ev, ("canteen_manager", "district_supervisor")))
        assert hook.wait(2, 10)
        d.close()
        oks = sorted(ok for _, _, ok in hook.received)
        assert oks == [False, True]
        assert d.counters["sent"] == 1 and d.counters["failed"] == 1


def parse_channel(url: str, secret: str, roles: list[str] | None = None):  # type: ignore[no-untyped-def]
    from pydantic import TypeAdapter

    from rules.notify import ChannelConfig

    return TypeAdapter(ChannelConfig).validate_python(
        {
            "type": "webhook",
            "name": "h",
            "url": url,
            "secret": secret,
            "roles": roles or ["canteen_manager"],
        }
    )


def test_email_reaches_a_real_smtp_server() -> None:
    from devtools.servers import free_port

    class Handler:
        def __init__(self) -> None:
            self.messages: list[bytes] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            self.messages.append(envelope.content)
            return "250 OK"

    handler = Handler()
    port = free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        ch = EmailChannel(
            EmailConfig(name="mail", port=port, sender="bk@localhost", to=["manager@localhost"])
        )
        ev = AlertEvent.model_validate(
            {
                "id": "0123abcd",
                "fingerprint": "0123abcd",
                "site": "k1",
                "rule": "rodent",
                "subject": "cam1/rodent",
                "state": "firing",
                "ts": datetime.now(UTC),
                "started_at": datetime.now(UTC),
                "summary": "rodent seen by cam1",
                "severity": "critical",
                "tier": 1,
            }
        )
        ch.send(Notice("firing", ev, ("canteen_manager",)))
    finally:
        ctl.stop()
    assert len(handler.messages) == 1
    msg = email.message_from_bytes(handler.messages[0], policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    # Chinese by default: the rule's name, not its id; plain text and an HTML alternative.
    assert msg["Subject"] == "【一级预警】k1：发现老鼠" and msg["X-BK-Alert-Id"] == "0123abcd"
    plain_part, html_part = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain_part is not None and html_part is not None
    assert "规则：发现老鼠" in plain_part.get_content()
    assert "<h2" in html_part.get_content() and "发现老鼠" in html_part.get_content()
