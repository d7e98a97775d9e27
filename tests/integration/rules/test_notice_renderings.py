"""Each channel's notice for a tier-1 and a tier-2 alert, in Chinese and in English, as the
receiver got it: the renderings shown in docs/notices/README.md.

Every payload is captured by a real receiver (the vendor-like robot endpoints and the
webhook receiver of `devtools.receivers` over loopback HTTP, an SMTP server, the Mosquitto
broker for the on-site display) and written to docs/notices/<channel>-<tier>-<lang>.json
(e-mail: .txt, the message as the SMTP server received it), and docs/notices/README.md
is generated from them. Before a file is rewritten its structure (keys, list lengths,
MIME parts; not the signatures, timestamps or wording) is compared with the committed
one, so a change in what a vendor receives fails here until the files are committed.
"""

import email
import email.policy
import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from aiosmtpd.controller import Controller
from pydantic import TypeAdapter

from core import topics
from core.mqtt import MqttClient
from core.settings import MqttSettings
from devtools.receivers import (
    DingTalkReceiver,
    FeishuReceiver,
    WebhookReceiver,
    WeComReceiver,
    _RobotReceiver,
)
from devtools.servers import free_port
from rules.alerts import Notice
from rules.config import load_packs
from rules.notify import ChannelConfig, build_channel
from rules.notify.base import Channel
from rules.notify.directory import directory_from_mapping
from rules.notify.mqtt_display import MqttDisplayChannel
from rules.notify.text import Renderer

DOCS = Path(__file__).resolve().parents[3] / "docs" / "notices"
WAIT_S = 15.0
BASE = "https://bk.example.cn"
KEY = b"docs-example-signing-key-0123456789"
SITE = "school-001"
AT = datetime(2026, 12, 2, 3, 5, tzinfo=UTC)  # 11:05 in Shanghai
PHOTO = "3f" * 32
REGISTRY: dict[str, Any] = {
    "districts": {
        "haidian": {
            "name": "海淀区",
            "streets": {
                "zgc": {"name": "中关村街道", "grids": {"zgc-01": {"name": "中关村第一网格"}}}
            },
        }
    },
    "sites": {
        SITE: {
            "name": "第一实验小学食堂",
            "district": "haidian",
            "devices": {
                "agent": {"kind": "agent"},
                "fridge1": {"name": "冷库1"},
                "cam1": {"kind": "camera", "name": "后厨摄像头1"},
            },
        }
    },
    "kitchens": {SITE: {"grid": "zgc-01"}},
}
TIERS = ("tier1", "tier2")
LANGS = ("zh-CN", "en")
CHANNELS = ("wecom", "dingtalk", "feishu", "email", "webhook", "display")


def _notice(tier: str) -> Notice:
    """Tier 1: a cold room too warm (value against limit). Tier 2: no mask, with a picture."""
    base: dict[str, Any] = {
        "id": "5d41402a-bc4b-2a76-b971-9d911017c592",
        "fingerprint": "5d41402abc4b2a76",
        "site": SITE,
        "state": "firing",
        "ts": AT,
        "started_at": AT - timedelta(minutes=10),
    }
    if tier == "tier1":
        base.update(
            rule="cold-holding-high",
            subject="fridge1/p1",
            severity="critical",
            summary="fridge1/p1 at 11.5 °C, above 8 °C for 10 min",
            value=11.5,
            threshold=8.0,
            tier=1,
        )
    else:
        base.update(
            id="7b8b965a-d4bc-a4b3-f1a2-6c0e2b3a1d4f",
            fingerprint="7b8b965ad4bca4b3",
            rule="no-mask",
            subject="cam1/no_mask",
            severity="warning",
            summary="no_mask in view of cam1 during working hours",
            tier=2,
            deadline=AT + timedelta(hours=24),
            evidence=[{"sha256": PHOTO, "uri": f"file:///var/evidence/{PHOTO}.jpg"}],
        )
    from core.schemas import AlertEvent

    roles = ("canteen_manager", "grid_inspector")
    return Notice("firing", AlertEvent.model_validate(base), roles)


RENDERER = Renderer(
    directory_from_mapping(REGISTRY),
    load_packs("gb31654").rules,
    BASE,
    KEY,
    clock=lambda: AT.timestamp(),
)


def _channel(cfg: dict[str, Any]) -> Channel:
    ch = build_channel(TypeAdapter(ChannelConfig).validate_python(cfg))
    ch.renderer = RENDERER
    return ch


# -- structure, not content -------------------------------------------------------------


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and list lengths, leaves reduced to their type."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


def email_shape(raw: bytes) -> Any:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return {
        "headers": sorted(k for k in msg if k.lower() not in ("date", "message-id")),
        "parts": [p.get_content_type() for p in msg.walk()],
    }


_VOLATILE = [
    (re.compile(rb'"timestamp": "\d+"'), b'"timestamp": "T"'),  # Feishu signs per send
    (re.compile(rb'"sign": "[^"]*"'), b'"sign": "S"'),
    (re.compile(rb"={15}\d+=="), b"=BOUNDARY=="),  # MIME boundaries are random
]


def _stable(data: bytes) -> bytes:
    for pattern, repl in _VOLATILE:
        data = pattern.sub(repl, data)
    return data


def _write(path: Path, data: bytes, shape_of: Any) -> str | None:
    """Write `data` unless only its per-send values (signature time, MIME boundary) differ
    from the file; say how its structure differs from the file it replaces, if it does."""
    problem = None
    if path.exists():
        old_data = path.read_bytes()
        if _stable(old_data) == _stable(data):
            return None
        old, new = shape_of(old_data), shape_of(data)
        if old != new:
            problem = f"{path.name}: structure changed\n  was {old}\n  now {new}"
    path.write_bytes(data)
    return problem


def _json_shape(raw: bytes) -> Any:
    return shape(json.loads(raw))


# -- capture ----------------------------------------------------------------------------


class _Smtp:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Smtp, int]]:
    """A real SMTP server (aiosmtpd) on a free loopback port."""
    handler, port = _Smtp(), free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    yield handler, port
    ctl.stop()


def _display_messages(settings: MqttSettings) -> tuple[MqttClient, list[mqtt.MQTTMessage]]:
    got: list[mqtt.MQTTMessage] = []
    cond = threading.Condition()

    def on_message(msg: mqtt.MQTTMessage) -> None:
        with cond:
            got.append(msg)
            cond.notify_all()

    sub = MqttClient(settings, persistent=False, on_message=on_message)
    sub.connect()
    topic = topics.display_topic(SITE)
    sub.subscribe(topic, qos=1)
    probe = f"probe-{sub.client_id}".encode()
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:  # subscribed once a probe comes back
        sub.publish(topic, probe, qos=1)
        with cond:
            if cond.wait_for(lambda: any(m.payload == probe for m in got), 0.5):
                break
    with cond:
        assert any(m.payload == probe for m in got), "display subscription never became active"
        got.clear()
    return sub, got


def _capture(
    name: str, notice: Notice, lang: str, smtp: tuple[_Smtp, int], settings: MqttSettings
) -> bytes:
    """Send one notice through one channel to its real receiver; the bytes it received."""
    if name in ("wecom", "dingtalk", "feishu"):
        rx: _RobotReceiver = (
            WeComReceiver()
            if name == "wecom"
            else DingTalkReceiver(secret="SEC-docs")
            if name == "dingtalk"
            else FeishuReceiver(secret="SEC-docs")
        )
        with rx:
            cfg: dict[str, Any] = {"type": name, "name": name, "url": rx.url, "language": lang}
            if name != "wecom":
                cfg["secret"] = "SEC-docs"
            _channel(cfg).send(notice)
        (delivery,) = rx.received
        assert delivery.ok, f"{name} refused: {delivery.code} {delivery.reason}"
        return json.dumps(delivery.body, ensure_ascii=False, indent=2).encode() + b"\n"
    if name == "webhook":
        with WebhookReceiver(secret="whsec-docs") as wh:
            cfg = {"type": "webhook", "name": "w", "url": wh.url, "secret": "whsec-docs"}
            _channel({**cfg, "language": lang}).send(notice)
        ((_, body, ok),) = wh.received
        assert ok, "webhook signature did not verify"
        return json.dumps(body, ensure_ascii=False, indent=2).encode() + b"\n"
    if name == "email":
        handler, port = smtp
        handler.messages.clear()
        cfg = {"type": "email", "name": "m", "port": port, "sender": "bk@example.cn"}
        _channel({**cfg, "to": ["manager@example.cn"], "language": lang}).send(notice)
        (raw,) = handler.messages
        return raw.replace(b"\r\n", b"\n")
    sub, shown = _display_messages(settings)
    try:
        ch = _channel({"type": "mqtt_display", "name": "screen", "language": lang})
        assert isinstance(ch, MqttDisplayChannel)
        ch.publisher = sub
        ch.send(notice)
        deadline = time.monotonic() + WAIT_S
        while not shown and time.monotonic() < deadline:
            time.sleep(0.05)
        (msg,) = shown
    finally:
        sub.close()
    props = dict(getattr(msg.properties, "UserProperty", []) or [])
    out = {
        "topic": msg.topic,
        "qos": msg.qos,
        "retain": msg.retain,
        "content_type": getattr(msg.properties, "ContentType", None),
        "user_properties": props,
        "payload": json.loads(msg.payload),
    }
    return json.dumps(out, ensure_ascii=False, indent=2).encode() + b"\n"


# -- the README -------------------------------------------------------------------------

_SIG = re.compile(r"\?expires=\d+&sig=[0-9a-f]+")


def _short(text: str) -> str:
    """Signed links shortened for reading (the JSON files keep them whole)."""
    return _SIG.sub("?expires=…&sig=…", text)


def _shown(name: str, raw: bytes) -> str:
    """What the receiving robot, mailbox or display shows."""
    if name == "email":
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        plain = msg.get_body(("plain",))
        assert plain is not None
        return f"主题 / Subject: {msg['Subject']}\n\n{plain.get_content().rstrip()}\n\n(+ HTML)"
    body = json.loads(raw)
    if name == "wecom":
        if body["msgtype"] == "news":
            (a,) = body["news"]["articles"]
            return (
                f"[news card] {a['title']}\n{a['description']}\n"
                f"picture: {a['picurl']}\nopens: {a['url']}"
            )
        return str(body["markdown"]["content"])
    if name == "dingtalk":
        kind = body["msgtype"]
        part = body[kind]
        text = str(part["text"]).replace("  \n  ", "\n")
        button = (
            f"\n[button] {part['singleTitle']} → {part['singleURL']}" if "singleURL" in part else ""
        )
        return f"[{kind}] {part['title']}\n{text}{button}"
    if name == "feishu":
        card = body["card"]
        lines = [f"[card, {card['header']['template']}] {card['header']['title']['content']}"]
        for el in card["elements"]:
            if el["tag"] == "div":
                lines.append(el["text"]["content"])
            for b in el.get("actions", []):
                lines.append(f"[button] {b['text']['content']} → {b['url']}")
        return "\n".join(lines)
    if name == "webhook":
        return str(body["notice"]["text"])
    return str(body["user_properties"]["text"])


_TITLES = {
    "wecom": "企业微信 WeCom group robot",
    "dingtalk": "钉钉 DingTalk custom robot",
    "feishu": "飞书 Feishu custom bot",
    "email": "电子邮件 E-mail",
    "webhook": "通用 Webhook (its `notice.text`; the JSON also carries the alert)",
    "display": "现场显示屏 On-site display (MQTT user property `text`)",
}


def _readme(captured: dict[tuple[str, str, str], bytes]) -> str:
    out = [
        "# 通知样例 / How notices render",
        "",
        "Generated by `tests/integration/rules/test_notice_renderings.py` from the payloads",
        "real receivers got (vendor-like robot endpoints over HTTP, an SMTP server, the MQTT",
        "broker). Tier 1: a cold room above its limit (no picture); tier 2: no mask seen by a",
        "camera, with its evidence picture and a rectification deadline. Links are signed",
        "(`core.signing`) and shortened here to `?expires=…&sig=…`; the files beside this one",
        "hold each payload whole. Do not edit by hand: run the test and commit.",
        "",
    ]
    for name in CHANNELS:
        out += [f"## {_TITLES[name]}", ""]
        for tier in TIERS:
            for lang in LANGS:
                ext = "txt" if name == "email" else "json"
                file = f"{name}-{tier}-{lang}.{ext}"
                out += [f"**{tier}, {lang}** ([payload]({file}))", "", "```text"]
                out += [_short(_shown(name, captured[(name, tier, lang)])), "```", ""]
    return "\n".join(out)


def test_every_channel_renders_tier1_and_tier2_in_chinese_and_english(
    smtp: tuple[_Smtp, int], mqtt_settings: MqttSettings
) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    captured: dict[tuple[str, str, str], bytes] = {}
    problems: list[str] = []
    for name in CHANNELS:
        for tier in TIERS:
            for lang in LANGS:
                raw = _capture(name, _notice(tier), lang, smtp, mqtt_settings)
                captured[(name, tier, lang)] = raw
                ext, of = ("txt", email_shape) if name == "email" else ("json", _json_shape)
                problem = _write(DOCS / f"{name}-{tier}-{lang}.{ext}", raw, of)
                if problem:
                    problems.append(problem)
    (DOCS / "README.md").write_text(_readme(captured) + "\n", "utf-8")

    # What a manager must read is there, in the language asked for, whatever the channel.
    for name in CHANNELS:
        zh = _shown(name, captured[(name, "tier1", "zh-CN")])
        en = _shown(name, captured[(name, "tier1", "en")])
        assert "冷藏温度过高" in zh and "Cold holding too warm" in en, name
        if name != "display":
            assert "第一实验小学食堂" in zh and "11.5 °C" in zh and "8 °C" in zh, name
            assert "above the limit of 8 °C" in en and "Act now" in en, name
            two = _shown(name, captured[(name, "tier2", "zh-CN")])
            assert "整改" in two and "2026-12-03 11:05" in two, f"{name}:\n{two}"
            assert f"{BASE}/console/kitchens/{SITE}/alerts/" in zh + two, name
        for tier in TIERS:
            for lang in LANGS:
                raw = captured[(name, tier, lang)]
                assert b"file://" not in raw, f"{name} {tier} {lang} leaks the evidence path"
    # The picture goes out as a signed link, never as the evidence store's path.
    wecom2 = json.loads(captured[("wecom", "tier2", "zh-CN")])
    assert wecom2["msgtype"] == "news"
    assert wecom2["news"]["articles"][0]["picurl"].startswith(f"{BASE}/signed/evidence/{PHOTO}")
    assert not problems, "\n".join(problems)
