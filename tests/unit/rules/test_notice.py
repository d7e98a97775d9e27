"""Notices as a canteen manager reads them, and tier-3 digests per kitchen and per grid.

The composition is checked on hand-made events (every fact a manager needs, in Chinese
by default and in English on request, with signed links that the API would accept),
and the grid digest through the engine on a storm of minor violations.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from core.schemas import AlertEvent
from core.signing import alert_page_path, check_signature, evidence_path
from devtools.traffic import T0, reading
from rules.alerts import Notice
from rules.config import load_packs, resolve
from rules.engine import Engine
from rules.model import RuleFile, ThresholdRule
from rules.notify import build_channel
from rules.notify.directory import directory_from_mapping
from rules.notify.email import EmailConfig
from rules.notify.robots import DingTalkConfig, FeishuConfig, WeComConfig
from rules.notify.text import Renderer, html_body, markdown, plain
from rules.service import RulesSection, RulesService, RulesSettings

KEY = b"k" * 32
BASE = "https://bk.example.cn"
PHOTO = "ab" * 32
REGISTRY: dict[str, Any] = {
    "districts": {
        "haidian": {"streets": {"zgc": {"grids": {"zgc-01": {"name": "中关村第一网格"}}}}}
    },
    "sites": {
        "school-001": {
            "name": "第一实验小学食堂",
            "devices": {
                "agent": {"kind": "agent"},
                "fridge1": {"name": "冷库1"},
                "cam1": {"kind": "camera", "name": "后厨摄像头1"},
            },
        },
        "school-002": {"name": "第二小学食堂", "devices": {"agent": {"kind": "agent"}}},
        "school-003": {"name": "第三小学食堂", "devices": {"agent": {"kind": "agent"}}},
        "intl-001": {
            "name": "International School Canteen",
            "language": "en",
            "timezone": "Europe/London",
            "devices": {"agent": {"kind": "agent"}},
        },
    },
    "kitchens": {s: {"grid": "zgc-01"} for s in ("school-001", "school-002", "school-003")},
}
# 2026-12-02 03:05 UTC is 11:05 in Shanghai.
AT = datetime(2026, 12, 2, 3, 5, tzinfo=UTC)


def _renderer(base: str | None = BASE, key: bytes | None = KEY) -> Renderer:
    return Renderer(
        directory_from_mapping(REGISTRY),
        load_packs("gb31654").rules,
        base,
        key,
        clock=lambda: AT.timestamp(),
    )


def _event(**extra: Any) -> AlertEvent:
    data: dict[str, Any] = {
        "id": "0123abcd-0000-4000-8000-00000000abcd",
        "fingerprint": "0123abcd",
        "site": "school-001",
        "rule": "cold-holding-high",
        "subject": "fridge1/t1",
        "severity": "critical",
        "state": "firing",
        "ts": AT,
        "started_at": AT - timedelta(minutes=10),
        "summary": "fridge1/t1 at 11.5 °C, above 8 °C for 10 min",
        "value": 11.5,
        "threshold": 8.0,
        "tier": 1,
    }
    data.update(extra)
    return AlertEvent.model_validate(data)


def _tier2() -> AlertEvent:
    return _event(
        rule="no-mask",
        subject="cam1/no_mask",
        severity="warning",
        tier=2,
        value=None,
        threshold=None,
        deadline=AT + timedelta(hours=24),
        evidence=[{"sha256": PHOTO, "uri": "file:///var/evidence/x.jpg"}],
    )


def _signed(url: str, path: str) -> bool:
    parts = urlsplit(url)
    q = parse_qs(parts.query)
    return (
        url.startswith(BASE)
        and parts.path == path
        and check_signature(KEY, path, int(q["expires"][0]), q["sig"][0], now=AT.timestamp())
    )


def test_tier1_notice_in_chinese_has_every_fact_a_manager_needs() -> None:
    c = _renderer().compose(Notice("firing", _event(), ("canteen_manager",)))
    text = plain(c)
    assert c.lang == "zh-CN"
    assert c.title == "【一级预警】第一实验小学食堂：冷藏温度过高"
    for needle in (
        "食堂：第一实验小学食堂",
        "网格：中关村第一网格",
        "设备：冷库1（fridge1/t1）",
        "发生时间：2026-12-02 10:55",  # local (Asia/Shanghai), not UTC
        "测量值：11.5 °C，高于限值 8 °C",
        "规则：冷藏温度过高",
        "依据：GB 31654-2021 §6.3, §6.4",
        "级别：一级（立即处置） · 严重",
        "下一步：立即处置",
    ):
        assert needle in text, f"{needle!r} missing:\n{text}"
    assert "+00:00" not in text and "file://" not in text and "cold-holding-high" not in text
    assert c.link is not None and _signed(c.link, alert_page_path("school-001", _event().id))


def test_tier2_notice_has_deadline_next_step_and_a_signed_picture() -> None:
    c = _renderer().compose(Notice("firing", _tier2(), ("canteen_manager",)))
    text = plain(c)
    assert "整改期限：2026-12-03 11:05" in text
    assert "下一步：在截止时间前上传整改照片" in text
    assert "设备：后厨摄像头1（cam1/no_mask）" in text
    (pic,) = c.images
    assert _signed(pic, evidence_path(PHOTO)) and "file://" not in markdown(c)
    assert f"![证据图片]({pic})" in markdown(c)
    assert f'<img src="{pic.replace("&", "&amp;")}"' in html_body(c)


def test_english_by_kitchen_and_by_channel_and_local_time_of_the_kitchen() -> None:
    r = _renderer()
    intl = _event(site="intl-001", subject="agent/t1")
    c = r.compose(Notice("firing", intl, ()), r.language_for("intl-001"))
    assert c.lang == "en"
    assert c.title == "[Tier 1 alert] International School Canteen: Cold holding too warm"
    assert "Started: 2026-12-02 02:55" in plain(c)  # London in winter is UTC
    assert "Measured: 11.5 °C, above the limit of 8 °C" in plain(c)
    assert "Next step: Act now" in plain(c)
    # A channel's language wins over the kitchen's.
    assert r.language_for("intl-001", "zh-CN") == "zh-CN"
    assert r.language_for("school-001", "en") == "en"
    assert r.language_for("school-001") == "zh-CN"


def test_overdue_and_resolved_say_what_happened_and_what_next() -> None:
    r = _renderer()
    over = _tier2().model_copy(update={"ts": AT + timedelta(hours=25)})
    c = r.compose(Notice("escalation", over, ("grid_inspector",)))
    assert "整改期限：2026-12-03 11:05（已逾期）" in plain(c)
    assert "已超过整改期限" in c.action and c.title.startswith("【二级预警升级】")
    done = _event(state="resolved", ts=AT + timedelta(minutes=30))
    c = r.compose(Notice("resolved", done, ("canteen_manager",)))
    assert c.title.startswith("【一级预警已解除】") and "状态：已解除" in plain(c)
    assert c.tone == "ok"


def test_without_base_url_or_key_notices_carry_no_link_and_log_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    r = _renderer(base=None)
    for _ in range(3):
        c = r.compose(Notice("firing", _tier2(), ("canteen_manager",)))
        assert c.link is None and c.images == []
        assert "http" not in plain(c) and "file://" not in plain(c)
    assert len([m for m in caplog.messages if "no link" in m]) == 1


def test_robot_payloads_keep_each_vendors_shape() -> None:
    r = _renderer()
    notice = Notice("firing", _tier2(), ("canteen_manager",))
    chans = {
        "wecom": WeComConfig(name="w", url="http://127.0.0.1:9/cgi-bin/webhook/send?key=k"),
        "dingtalk": DingTalkConfig(name="d", url="http://127.0.0.1:9/robot/send"),
        "feishu": FeishuConfig(name="f", url="http://127.0.0.1:9/open-apis/bot/v2/hook/x"),
    }
    out: dict[str, dict[str, Any]] = {}
    for name, cfg in chans.items():
        ch = build_channel(cfg)
        ch.renderer = r
        out[name] = ch.payload(notice)  # type: ignore[attr-defined]
    (article,) = out["wecom"]["news"]["articles"]
    assert out["wecom"]["msgtype"] == "news" and article["picurl"].startswith(BASE)
    assert article["url"].startswith(BASE + "/console/kitchens/school-001/alerts/")
    assert len(article["description"].encode()) <= 512 and "整改期限" in article["description"]
    card = out["dingtalk"]["actionCard"]
    assert out["dingtalk"]["msgtype"] == "actionCard" and card["singleTitle"] == "查看告警详情"
    assert "![证据图片](" in card["text"] and card["singleURL"] == article["url"]
    fs = out["feishu"]
    assert fs["msg_type"] == "interactive" and fs["card"]["header"]["template"] == "orange"
    (button,) = fs["card"]["elements"][1]["actions"]
    assert button["url"] == article["url"]
    # No picture: WeCom sends markdown (its news card needs one).
    ch = build_channel(chans["wecom"])
    ch.renderer = r
    md = ch.payload(Notice("firing", _event(), ("canteen_manager",)))  # type: ignore[attr-defined]
    assert md["msgtype"] == "markdown" and "[查看告警详情](" in md["markdown"]["content"]


def test_email_is_plain_text_with_an_html_alternative() -> None:
    ch = build_channel(EmailConfig(name="m", sender="a@b", to=["c@d"]))
    ch.renderer = _renderer()
    msg = ch.message(Notice("firing", _tier2(), ("canteen_manager",)))  # type: ignore[attr-defined]
    assert msg["Subject"] == "【二级预警】第一实验小学食堂：未戴口罩"
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]


def _minor() -> ThresholdRule:
    return ThresholdRule.model_validate(
        {
            "id": "minor",
            "kind": "threshold",
            "match": {"zone": ["cold_room"]},
            "above": 8.0,
            "tier": 3,
        }
    )


def test_a_tier3_storm_across_a_grid_gives_one_digest_per_kitchen_and_one_per_grid() -> None:
    eng = Engine(resolve(RuleFile(rules=[_minor()], default_timezone="Asia/Shanghai")))
    eng.grids = directory_from_mapping(REGISTRY).grids()
    sites = ["school-001", "school-002", "school-003"]
    seq = 0
    for i in range(100):  # T0 is 08:00 in Shanghai; 100 incidents that day
        site = sites[i % 3]
        at = T0 + timedelta(minutes=5 * i)
        seq += 2
        eng.process(reading(site, "fridge", "t1", "cold_room", 12.0, at, seq))
        eng.process(
            reading(site, "fridge", "t1", "cold_room", 4.0, at + timedelta(minutes=2), seq + 1)
        )
    assert [n for n in eng.outbox if n.kind != "digest"] == []
    eng.tick(T0 + timedelta(hours=16, minutes=1))  # 00:01 the next day
    digests = [n for n in eng.outbox if n.kind == "digest"]
    assert len(digests) == 4, [n.digest for n in digests]
    grid = [n for n in digests if n.digest and n.digest["scope"] == "grid"]
    kitchens = [n for n in digests if n.digest and n.digest["scope"] == "kitchen"]
    assert len(grid) == 1 and len(kitchens) == 3
    (g,) = grid
    assert g.roles == ("grid_inspector",) and g.digest is not None
    assert g.digest["n"] == 100 and g.digest["grid"] == "zgc-01"
    assert {s: r["minor"] for s, r in g.digest["sites"].items()} == {
        "school-001": 34,
        "school-002": 33,
        "school-003": 33,
    }
    # The grid digest stands for the inspector: kitchen digests go to the canteen.
    assert all("grid_inspector" not in n.roles for n in kitchens)
    c = _renderer().compose(g)
    day = (T0 + timedelta(hours=8)).date().isoformat()  # the local day in Shanghai
    assert c.title == f"【网格三级预警每日汇总】中关村第一网格（{day}）"
    assert "第一实验小学食堂：34 条" in plain(c) and "条数：100 条" in plain(c)
    k = _renderer().compose(next(n for n in kitchens if n.event.site == "school-002"))
    assert "第二小学食堂" in k.title and "条数：33 条" in plain(k)
    # Nothing more the next tick, and a restart in between would keep the counts.
    eng.tick(T0 + timedelta(hours=20))
    assert len([n for n in eng.outbox if n.kind == "digest"]) == 4


def test_the_service_gives_its_channels_names_links_and_grids_from_its_settings(
    tmp_path: Path,
) -> None:
    registry = tmp_path / "centre.yaml"
    registry.write_text(yaml.safe_dump(REGISTRY, allow_unicode=True), "utf-8")
    settings = RulesSettings(
        rules=RulesSection.model_validate(
            {
                "store_url": f"sqlite:///{tmp_path / 'alerts.db'}",
                "write_influx": False,
                "registry_file": str(registry),
                "public_base_url": BASE,
                "signing_key": KEY.decode(),
                "channels": [
                    {"type": "webhook", "name": "h", "url": "http://127.0.0.1:9/h"},
                    {"type": "wecom", "name": "w", "url": "http://127.0.0.1:9/w", "language": "en"},
                ],
            }
        )
    )
    service = RulesService(settings)
    try:
        grid_sites = ("school-001", "school-002", "school-003")
        assert service.engine.grids == dict.fromkeys(grid_sites, "zgc-01")
        hook, wecom = service.dispatcher.channels
        c = hook.compose(Notice("firing", _event(), ("canteen_manager",)))
        assert c.title == "【一级预警】第一实验小学食堂：冷藏温度过高"
        assert c.link is not None and c.link.startswith(f"{BASE}/console/kitchens/school-001/")
        assert wecom.compose(Notice("firing", _event(), ())).lang == "en"
    finally:
        service.dispatcher.close()
        service.store.close()
