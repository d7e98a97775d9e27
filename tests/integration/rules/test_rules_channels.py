"""WeCom, DingTalk and Feishu robots against local receivers that behave like the
vendors' endpoints, the MQTT display channel over the real broker, and a dispatcher
whose channels hang or refuse while another still delivers."""

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from pydantic import TypeAdapter, ValidationError

from core import topics
from core.mqtt import MqttClient
from core.schemas import AlertEvent, decode
from core.settings import MqttSettings
from devtools.receivers import (
    DingTalkReceiver,
    FeishuReceiver,
    HangingServer,
    WeComReceiver,
    _RobotReceiver,
)
from rules.alerts import Notice, NoticeKind
from rules.config import load_packs
from rules.notify import ChannelConfig, build_channel
from rules.notify.base import Channel
from rules.notify.dispatch import Dispatcher
from rules.notify.mqtt_display import MqttDisplayChannel, MqttDisplayConfig
from rules.notify.robots import RobotRefused
from rules.notify.text import Renderer

ROLES = ("canteen_manager", "district_supervisor")
SUMMARY = "冷藏库温度过高：8.0 °C 以上"
SUBJECT = "冷柜1/t1"
RENDERER = Renderer(rules=load_packs("gb31654").rules)
RULE_NAME = "冷藏温度过高"
"""cold-holding-high as the zh-CN notice catalog names it."""
WAIT_S = 15.0
"""Upper bound on waiting for a delivery; the happy path takes milliseconds."""


def _event(state: str, site: str = "k1", comment: str | None = None) -> AlertEvent:
    started = datetime.now(UTC) - timedelta(minutes=5)
    return AlertEvent.model_validate(
        {
            "id": "0123abcd-0000-4000-8000-00000000abcd",
            "fingerprint": "0123abcd",
            "site": site,
            "rule": "cold-holding-high",
            "subject": SUBJECT,
            "severity": "critical",
            "state": state,
            "ts": datetime.now(UTC),
            "started_at": started,
            "summary": SUMMARY,
            "value": 11.5,
            "threshold": 8.0,
            "comment": comment,
        }
    )


def _notice(kind: NoticeKind, site: str = "k1", comment: str | None = None) -> Notice:
    state = {"firing": "firing", "resolved": "resolved"}[kind]
    return Notice(kind, _event(state, site, comment), ROLES)


@dataclass(frozen=True)
class Vendor:
    """How to make one vendor's receiver and a channel pointed at it."""

    name: str
    receiver: Callable[..., _RobotReceiver]
    signed: bool

    def channel(self, rx: _RobotReceiver, secret: str | None, **extra: Any) -> Channel:
        cfg: dict[str, Any] = {"type": self.name, "name": f"{self.name}-1", "url": rx.url}
        if secret is not None:
            cfg["secret"] = secret
        cfg.update(extra)
        ch = build_channel(TypeAdapter(ChannelConfig).validate_python(cfg))
        ch.renderer = RENDERER  # as the service does: the rules' units and standards
        return ch

    def good(self, **kwargs: Any) -> tuple[_RobotReceiver, str | None]:
        """A receiver and the secret that it accepts (WeCom: none, the key is in the URL)."""
        if self.signed:
            return self.receiver(secret="SEC-正确的密钥", **kwargs), "SEC-正确的密钥"
        return self.receiver(**kwargs), None


VENDORS = [
    Vendor("wecom", WeComReceiver, signed=False),
    Vendor("dingtalk", DingTalkReceiver, signed=True),
    Vendor("feishu", FeishuReceiver, signed=True),
]


@pytest.fixture(params=VENDORS, ids=[v.name for v in VENDORS])
def vendor(request: pytest.FixtureRequest) -> Vendor:
    """Each group-robot vendor in turn."""
    v: Vendor = request.param
    return v


def _drain(d: Dispatcher) -> None:
    """Stop the dispatcher once its queues are empty, so its counters are final."""
    d.close(timeout=WAIT_S)


# -- the robots ------------------------------------------------------------------------


def test_firing_and_resolved_reach_the_robot_signed_and_readable(vendor: Vendor) -> None:
    rx, secret = vendor.good()
    with rx:
        d = Dispatcher([vendor.channel(rx, secret)], backoff_s=0.05)
        d.submit(_notice("firing"))
        d.submit(_notice("resolved"))
        assert rx.wait(2, WAIT_S), f"{vendor.name} receiver got {len(rx.received)} of 2"
        _drain(d)
    firing, resolved = rx.received
    for got, state in ((firing, "firing"), (resolved, "resolved")):
        assert got.ok, f"{vendor.name} refused: {got.code} {got.reason}"
        assert got.signed is vendor.signed
        text = got.text()
        # Chinese by default: the rule's name, the state in words, value against limit.
        word = {"firing": "告警中", "resolved": "已解除"}[state]
        for needle in ("k1", RULE_NAME, SUBJECT, word, "11.5 °C，高于限值 8 °C"):
            assert needle in text, f"{needle!r} missing from {vendor.name} message:\n{text}"
        # Chinese arrives intact: as UTF-8 bytes on the wire and in the parsed body.
        assert RULE_NAME.encode("utf-8") in got.raw
        assert got.headers.get("Content-Type", "").startswith("application/json")
    assert "【预警】" in firing.text() and "【预警已解除】" in resolved.text()
    assert d.counters["sent"] == 2 and d.counters["failed"] == 0


def test_wrong_secret_is_refused_by_the_robot_and_counted_failed(vendor: Vendor) -> None:
    rx, _ = vendor.good()
    with rx:
        if vendor.signed:
            ch = vendor.channel(rx, "SEC-wrong")
            expected = rx.bad_signature
        else:  # WeCom's credential is the key in the URL
            ch = build_channel(
                TypeAdapter(ChannelConfig).validate_python(
                    {"type": "wecom", "name": "w", "url": rx.url.replace("test-key", "stolen")}
                )
            )
            expected = rx.bad_credential
        with pytest.raises(RobotRefused) as refused:
            ch.send(_notice("firing"))
        assert refused.value.code == expected
        if vendor.signed:
            assert refused.value.retryable is False, "a bad signature cannot be fixed by retrying"
        d = Dispatcher([ch], attempts=2, backoff_s=0.05)
        d.submit(_notice("firing"))
        assert rx.wait(2, WAIT_S)
        _drain(d)
    assert rx.accepted == []
    if vendor.signed:  # one direct send, one attempt by the dispatcher: no retry
        assert len(rx.received) == 2
    assert {g.code for g in rx.received} == {expected}
    assert all(not g.signed for g in rx.received)
    assert d.counters["failed"] == 1 and d.counters["sent"] == 0


def test_vendor_error_with_http_200_is_a_failure_and_is_retried(vendor: Vendor) -> None:
    rx, secret = vendor.good(error_first=2)
    with rx:
        ch = vendor.channel(rx, secret)
        d = Dispatcher([ch], attempts=4, backoff_s=0.05)
        d.submit(_notice("firing"))
        assert rx.wait_for(lambda got: any(g.ok for g in got), WAIT_S)
        _drain(d)
    codes = [g.code for g in rx.received]
    assert codes == [rx.busy, rx.busy, 0], codes
    assert d.counters["sent"] == 1 and d.counters["failed"] == 0

    rx, secret = vendor.good(error_first=100)
    with rx:
        ch = vendor.channel(rx, secret)
        with pytest.raises(RobotRefused):
            ch.send(_notice("firing"))
        d = Dispatcher([ch], attempts=3, backoff_s=0.05)
        d.submit(_notice("firing"))
        assert rx.wait(1 + 3, WAIT_S)
        _drain(d)
    assert rx.accepted == [] and len(rx.received) == 4
    assert d.counters["sent"] == 0 and d.counters["failed"] == 1


@pytest.mark.parametrize("signed", [v for v in VENDORS if v.signed], ids=lambda v: v.name)
def test_signature_older_than_an_hour_is_refused(signed: Vendor) -> None:
    rx = signed.receiver(secret="SEC-k", clock=lambda: time.time() + 2 * 3600)
    with rx, pytest.raises(RobotRefused) as refused:
        signed.channel(rx, "SEC-k").send(_notice("firing"))
    assert refused.value.code == rx.bad_signature
    assert rx.received[0].code == rx.bad_signature


def test_wecom_long_message_is_cut_to_the_documented_limit() -> None:
    long_comment = "温度记录" * 450  # 1,800 characters, 5,400 bytes of UTF-8
    with WeComReceiver() as rx:
        ch = VENDORS[0].channel(rx, None)
        ch.send(_notice("firing", comment=long_comment))
    (got,) = rx.received
    assert got.ok, got.reason
    assert 4000 < len(got.text().encode()) <= 4096
    assert got.text().endswith("…")


def test_wecom_config_refuses_a_secret() -> None:
    with pytest.raises(ValidationError, match="no signing secret"):
        TypeAdapter(ChannelConfig).validate_python(
            {"type": "wecom", "name": "w", "url": "http://127.0.0.1:9/x", "secret": "s"}
        )


def test_dingtalk_sign_survives_a_url_without_query() -> None:
    """The signature parameters are merged into the URL, whatever its shape."""
    with DingTalkReceiver(secret="SEC-+/=", access_token="") as rx:
        url = rx.url.split("?")[0]
        ch = build_channel(
            TypeAdapter(ChannelConfig).validate_python(
                {"type": "dingtalk", "name": "d", "url": url, "secret": "SEC-+/="}
            )
        )
        ch.send(_notice("firing"))
    (got,) = rx.received
    assert got.ok and got.signed


# -- the MQTT display ------------------------------------------------------------------


class _Collector:
    """Messages of one subscriber; `stale` holds what arrived before its probe."""

    def __init__(self) -> None:
        self.messages: list[mqtt.MQTTMessage] = []
        self.stale: list[mqtt.MQTTMessage] = []
        self.cond = threading.Condition()
        self.client: MqttClient | None = None

    def __call__(self, msg: mqtt.MQTTMessage) -> None:
        with self.cond:
            self.messages.append(msg)
            self.cond.notify_all()

    def wait_for(self, predicate: Callable[[list[mqtt.MQTTMessage]], bool]) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: predicate(self.messages), WAIT_S)


def _subscribed(settings: MqttSettings, topic: str, probe: MqttClient) -> _Collector:
    """A subscriber that is known to be subscribed: it has received a probe message."""
    got = _Collector()
    sub = MqttClient(settings, persistent=False, on_message=got)
    sub.connect()
    sub.subscribe(topic, qos=1)
    probe_payload = f"probe-{sub.client_id}".encode()

    def probed(msgs: list[mqtt.MQTTMessage]) -> bool:
        return any(m.payload == probe_payload for m in msgs)

    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        probe.publish(topic, probe_payload, qos=1).wait_for_publish(5)
        with got.cond:
            if got.cond.wait_for(lambda: probed(got.messages), 0.5):
                break
    assert probed(got.messages), "subscription never became active"
    with got.cond:
        got.stale = [m for m in got.messages if not m.payload.startswith(b"probe-")]
        got.messages.clear()
    got.client = sub
    return got


def _user_properties(msg: mqtt.MQTTMessage) -> dict[str, str]:
    props = getattr(msg, "properties", None)
    return dict(getattr(props, "UserProperty", []) or [])


def test_display_channel_publishes_the_alert_for_displays(
    mqtt_settings: MqttSettings, site_id: str
) -> None:
    topic = topics.display_topic(site_id)
    pub = MqttClient(mqtt_settings, persistent=False)
    pub.connect()
    got = _subscribed(mqtt_settings, topic, pub)
    # The alerts topic is the service's record, one message per transition: no copies.
    on_alerts = _subscribed(mqtt_settings, topics.alerts_topic(site_id), pub)
    cfg = TypeAdapter(ChannelConfig).validate_python({"type": "mqtt_display", "name": "screen"})
    assert isinstance(cfg, MqttDisplayConfig)
    ch = build_channel(cfg)
    assert isinstance(ch, MqttDisplayChannel)
    ch.publisher = pub
    d = Dispatcher([ch], backoff_s=0.05)
    try:
        d.submit(_notice("firing", site=site_id))
        d.submit(_notice("resolved", site=site_id))
        assert got.wait_for(lambda m: len(m) >= 2), f"display got {len(got.messages)} of 2"
        _drain(d)
        assert d.counters["sent"] == 2 and d.counters["failed"] == 0
        firing, resolved = got.messages[:2]
        for msg, kind in ((firing, "firing"), (resolved, "resolved")):
            assert msg.topic == topic
            # QoS 1 and not retained, as alerts (delivered at QoS 1 to a QoS 1
            # subscriber only if published at QoS 1).
            assert msg.qos == topics.QOS[topics.DISPLAY] == 1
            assert msg.retain is False
            ev = decode(AlertEvent, bytes(msg.payload))
            assert (ev.site, ev.rule, ev.subject) == (site_id, "cold-holding-high", SUBJECT)
            assert ev.severity.value == "critical" and ev.state.value == kind
            assert ev.summary == SUMMARY and ev.value == 11.5 and ev.threshold == 8.0
            props = _user_properties(msg)
            assert {k: props[k] for k in ("notice", "level")} == {"notice": kind, "level": "0"}
            # One short Chinese line a display shows as it is.
            assert props["text"].startswith("【预警") and "冷藏温度过高" in props["text"]
            assert getattr(msg.properties, "ContentType", None) == "application/json"

        assert on_alerts.messages == []
        # Not retained: a display that subscribes now gets its probe first, no old alert.
        late = _subscribed(mqtt_settings, topic, pub)
        assert late.client is not None
        late.client.close()
        assert late.stale == []
    finally:
        assert got.client is not None and on_alerts.client is not None
        got.client.close()
        on_alerts.client.close()
        pub.close()


def test_display_channel_without_connection_counts_failed() -> None:
    ch = build_channel(MqttDisplayConfig(name="screen"))
    d = Dispatcher([ch], attempts=2, backoff_s=0.01)
    d.submit(_notice("firing"))
    _drain(d)
    assert d.counters["failed"] == 1 and d.counters["sent"] == 0


# -- a failing channel never blocks evaluation -------------------------------------------


def _refused_url() -> str:
    """A loopback port with nothing listening: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def test_hanging_and_refusing_channels_never_block_submit_or_the_others() -> None:
    hang_timeout_s = 5.0
    with HangingServer() as hang, WeComReceiver() as rx:
        hanging = build_channel(
            TypeAdapter(ChannelConfig).validate_python(
                {"type": "webhook", "name": "hangs", "url": hang.url, "timeout_s": hang_timeout_s}
            )
        )
        refusing = build_channel(
            TypeAdapter(ChannelConfig).validate_python(
                {"type": "feishu", "name": "refuses", "url": _refused_url(), "timeout_s": 2}
            )
        )
        good = VENDORS[0].channel(rx, None)
        d = Dispatcher([hanging, refusing, good], attempts=2, backoff_s=0.05)
        started = time.monotonic()
        for _ in range(3):
            d.submit(_notice("firing"))
        submit_s = time.monotonic() - started
        # Generous: had submit() waited on the hung server it would take >= its timeout.
        assert submit_s < hang_timeout_s, f"submit took {submit_s:.1f} s"
        assert rx.wait(3, WAIT_S), f"good channel got {len(rx.received)} of 3"
        assert all(g.ok for g in rx.received)
        # The hung request is still open and unanswered while the good one delivered.
        assert len(hang.connections) >= 1
    # Leaving the HangingServer resets its connections, so the stuck worker finishes.
    _drain(d)
    assert d.counters["sent"] == 3
    assert d.counters["failed"] == 6, d.counters  # 3 hung + 3 refused, each after 2 attempts


def test_a_storm_is_held_to_the_channels_rate_limit() -> None:
    """A flood of notices (a power cut across a kitchen) is cut to `rate_per_min`."""
    from devtools.receivers import WebhookReceiver

    with WebhookReceiver(secret="s") as hook:
        cfg = {"type": "webhook", "name": "h", "url": hook.url, "secret": "s", "rate_per_min": 3}
        d = Dispatcher([build_channel(TypeAdapter(ChannelConfig).validate_python(cfg))])
        for i in range(5):
            d.submit(_notice("firing", site=f"k{i}"))
        assert hook.wait(3, WAIT_S)
        _drain(d)
    assert len(hook.received) == 3 and all(ok for _, _, ok in hook.received)
    assert d.counters["sent"] == 3 and d.counters["rate_limited"] == 2
