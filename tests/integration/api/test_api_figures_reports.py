"""Figures, the daily report and the HACCP export served from real servers: device
statuses in InfluxDB 1.6, the registry and the alert store (SQLite and PostgreSQL), the
API under uvicorn.

One working week (Mon 2 – Fri 6 November 2026, 06:00–14:00 Shanghai, 40 working hours):
kitchen a's agent is online all week; kitchen b's agent is offline Wednesday and
Thursday (a kitchen dark two working days): online 24 of 40 h = 0.6, so its index is
held at 60 (一般) whatever its alerts; kitchen k00000 never reported: 0, not scored well.

The daily report is of Wednesday 11 November (the week after, so the figures above are
untouched): b's agent is down again all that day, k00000 still silent, a has four alerts
(a no-hat capture overdue at 10:00, a no-hat false positive, a rodent closed at 09:00, a
cold-chain alert due the next day).
"""

import base64
import csv
import io
import re
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from core.schemas import DeviceState, DeviceStatus
from core.store import open_store, status_point

MON = datetime(2026, 11, 1, 16, tzinfo=UTC)  # Monday 2 November 00:00 in Shanghai
H = timedelta(hours=1)
D = timedelta(days=1)
WEEK = {"start": MON.isoformat(), "end": (MON + 5 * D).isoformat()}


def _status(site: str, online: bool, ts: datetime) -> Any:
    state = DeviceState.ONLINE if online else DeviceState.OFFLINE
    return status_point(DeviceStatus(site=site, device="agent", state=state, ts=ts))


@pytest.fixture(scope="module")
def api(live_api: Any) -> Any:
    """The seeded API (kitchens a, b and one more, k00000) with the week's statuses."""
    live = live_api(kitchens=1)
    with open_store(live.settings.influx) as store:
        store.write(
            [
                _status("a", True, MON - 2 * H),
                _status("b", True, MON - 2 * H),
                _status("b", False, MON + 2 * D),  # Wednesday 00:00 local
                _status("b", True, MON + 4 * D),  # Friday 00:00 local
                _status("b", False, WED2 - H),  # Tuesday 10 November 23:00 local
                _status("b", True, WED2 + 26 * H),  # Thursday 12 November 02:00 local
            ]
        )
    _seed_alerts(live)
    _registered(live, MON - D)
    return live


def _registered(live: Any, when: datetime) -> None:
    """Every kitchen registered at `when` (the annual grade starts there)."""
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from api.db import make_engine
    from api.models import Kitchen

    engine = make_engine(live.settings.api.database_url)
    with Session(engine) as s, s.begin():
        s.execute(update(Kitchen).values(created_at=when))
    engine.dispose()


WED2 = MON + 9 * D  # Wednesday 11 November 00:00 in Shanghai


def _seed_alerts(live: Any) -> None:
    """Kitchen a's alerts of 11 November, with tasks and steps, straight into the store."""
    from sqlalchemy.orm import Session

    from api.db import make_engine
    from rules.store import AlertRow, StepRow, WorkflowRow

    sha = live.evidence["a"]
    ev = [{"sha256": sha, "uri": f"/evidence/{sha}"}]
    # (id, rule, tier, evidence, task state, fired (h local), deadline (h), closed (h))
    alerts = [
        ("a0000001", "no-hat", 2, ev, "rectifying", 7, 10, None),
        ("a0000002", "no-hat", 2, ev, "false_positive", 8, 32, 9),
        ("a0000003", "rodent", 1, ev, "closed", 8, None, 9),
        ("a0000004", "cold-holding-high", 2, [], "rectifying", 11, 35, None),
    ]
    engine = make_engine(live.settings.api.alerts_url)
    with Session(engine) as s, s.begin():
        for aid, rule, tier, evidence, state, fired, deadline, closed in alerts:
            t = WED2 + fired * H
            s.add(
                AlertRow(
                    id=f"{aid}-0000-0000-0000-000000000000",
                    fingerprint=aid * 2,
                    site="a",
                    rule=rule,
                    subject="cam1",
                    device="cam1",
                    severity="warning",
                    state="resolved" if closed else "firing",
                    started_at=t,
                    updated_at=t,
                    fired_at=t,
                    summary=f"{rule} 厨房 A",
                    level=0,
                    silenced=0,
                    evidence=evidence,
                )
            )
            s.add(
                WorkflowRow(
                    alert_id=f"{aid}-0000-0000-0000-000000000000",
                    site="a",
                    rule=rule,
                    tier=tier,
                    state=state,
                    opened_at=t,
                    updated_at=t,
                    deadline=None if deadline is None else WED2 + deadline * H,
                    closed_at=None if closed is None else WED2 + closed * H,
                    rejections=0,
                )
            )
        first = "a0000001-0000-0000-0000-000000000000"
        steps = [
            ("fired", "open", None, None, None, []),
            ("ack", "rectifying", "mgr_a", "canteen_manager", "收到", []),
            ("rectify", "submitted", "mgr_a", "canteen_manager", "已戴帽", [sha]),
            ("review_reject", "rectifying", "insp_g", "grid_inspector", "照片不清楚", []),
        ]
        for k, (action, state, actor, role, comment, photos) in enumerate(steps):
            s.add(
                StepRow(
                    alert_id=first,
                    ts=WED2 + 7 * H + k * 10 * timedelta(minutes=1),
                    action=action,
                    state=state,
                    actor=actor,
                    role=role,
                    comment=comment,
                    photos=photos,
                )
            )
    engine.dispose()


def _fetch(api: Any, path: str, who: str = "admin", **params: Any) -> httpx.Response:
    r = httpx.get(
        f"{api.url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {api.world.tokens[who]}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return r


def _get(api: Any, path: str, who: str = "admin", **params: Any) -> Any:
    return _fetch(api, path, who, **params).json()


def test_online_rate_and_index_of_each_kitchen(api: Any) -> None:
    a = _get(api, "/kitchens/a/figures", **WEEK)
    assert a["coverage"] == 1.0 and a["online_rate"] == pytest.approx(1.0)
    assert a["safety_index"]["index"] == 100.0
    assert (a["safety_index"]["grade"], a["safety_index"]["face"]) == ("优秀", "大笑")
    assert a["safety_index"]["working_days"] == 5
    assert set(a["safety_index"]["components"]) == {
        "online",
        "violations",
        "rectified",
        "ack",
        "cold_chain",
    }

    b = _get(api, "/kitchens/b/figures", **WEEK)
    assert b["online_rate"] == pytest.approx(0.6)  # 24 of 40 working hours
    assert b["online_rate_cameras"] == pytest.approx(0.6)
    # Uncapped: 30·.6 + 70 = 88 (良好) by being dark two days; the cap holds it at 60.
    assert b["safety_index"]["index"] == 60.0 and b["safety_index"]["grade"] == "一般"
    assert b["safety_index"]["capped_by_online"] is True

    dark = _get(api, "/kitchens/k00000/figures", **WEEK)
    assert dark["coverage"] == 0.0 and dark["online_rate"] == 0.0
    assert dark["safety_index"]["index"] == 0.0 and dark["safety_index"]["face"] == "平脸"


def test_scope_figures_and_grade_distribution(api: Any) -> None:
    fleet = _get(api, "/figures", **WEEK)
    assert fleet["kitchens"] == 3 and fleet["connected"] == 2
    # (40 + 24 + 0) h of 3 × 40 h, per device (one camera and one sensor each)
    assert fleet["online_rate"] == pytest.approx(64 / 120)
    assert fleet["grades"] == {"优秀": 1, "良好": 0, "一般": 2, "评定中": 0}
    assert fleet["share_excellent"] == pytest.approx(1 / 3)
    # The supervisor of district x sees a only (b and k00000 are in y).
    x = _get(api, "/figures", who="sup_x", **WEEK)
    assert x["kitchens"] == 1 and x["grades"]["优秀"] == 1
    # Each tile's face in one request: the same grades as the kitchens' own figures.
    assert fleet["kitchen_grades"] == {"a": "优秀", "b": "一般", "k00000": "一般"}
    assert x["kitchen_grades"] == {"a": "优秀"}


def test_annual_grade_of_the_year_so_far(api: Any) -> None:
    got = _get(api, "/kitchens/a/figures", annual="true", **WEEK)
    # Registered on 1 November: graded on November alone (so far), 100 → A.
    assert got["monthly_indices"] == {"2026-11": 100.0}
    assert got["annual_grade"] == "A"
    # b held at 60 by its two dark days, k00000 dark: both C; the share at A is 1 of 3.
    fleet = _get(api, "/figures", annual="true", **WEEK)
    assert fleet["annual_grades"] == {"A": 1, "B": 0, "C": 2}
    assert fleet["share_a"] == pytest.approx(1 / 3)


def test_daily_report_as_json_and_by_scope(api: Any) -> None:
    rep = _get(api, "/reports/daily", date="2026-11-11")
    assert rep["store_available"] is True
    assert (rep["kitchens"], rep["reporting"]) == (3, 1)
    assert [k["site"] for k in rep["not_reporting"]] == ["b", "k00000"]
    assert rep["captures_by_class"] == {"no-hat": 1, "rodent": 1}  # false positive left out
    assert rep["false_positives"] == 1
    assert rep["alerts_by_tier"] == {"1": 1, "2": 2}
    assert rep["open_rectifications"] == 2  # the overdue no-hat and the cold-chain task
    (late,) = rep["overdue_rectifications"]
    assert late["alert_id"].startswith("a0000001") and late["tier"] == 2
    offline = sorted((d["site"], d["device"], d["offline_s"]) for d in rep["devices_offline"])
    assert offline == [  # 8 working hours each
        ("b", "cam1", 28800.0),
        ("b", "fridge1", 28800.0),
        ("k00000", "cam1", 28800.0),
        ("k00000", "fridge1", 28800.0),
    ]
    grids = {g["grid"]: g for g in rep["grids"]}
    assert (grids["g"]["kitchens"], grids["g"]["reporting"], grids["g"]["captures"]) == (1, 1, 2)
    assert (grids["h"]["kitchens"], grids["h"]["not_reporting"]) == (2, 2)
    assert grids["h"]["devices_offline"] == 4 and grids["g"]["overdue_rectifications"] == 1

    # Scoped by the caller: the inspector of grid g sees a only; the supervisor of
    # district x asking for grid h (district y) gets nothing.
    mine = _get(api, "/reports/daily", who="insp_g", date="2026-11-11")
    assert mine["kitchens"] == 1 and mine["not_reporting"] == []
    assert _get(api, "/reports/daily", who="sup_x", date="2026-11-11", grid="h")["kitchens"] == 0
    by_grid = _get(api, "/reports/daily", date="2026-11-11", grid="h")
    assert by_grid["kitchens"] == 2 and by_grid["captures_by_class"] == {}


def test_daily_report_csv_keeps_chinese_for_excel(api: Any) -> None:
    r = _fetch(api, "/reports/daily", date="2026-11-11", format="csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["明厨亮灶日报"]
    assert ["日期", "2026-11-11"] in rows
    total = next(row for row in rows if row and row[0] == "合计")
    assert total[1:5] == ["3", "1", "2", "2"]  # kitchens, reporting, not reporting, captures
    assert ["b", "厨房 B", "h"] in rows  # the kitchens not reporting, by name
    english = _fetch(api, "/reports/daily", date="2026-11-11", format="csv", lang="en")
    assert english.content.decode("utf-8-sig").startswith("Bright Kitchen daily report")


def _pdf_text(pdf: bytes) -> str:
    """The text drawn by a reportlab PDF (ASCII85 + Flate streams, UTF-16 CID strings)."""
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = zlib.decompress(base64.a85decode(raw.strip().removesuffix(b"~>")))
        for lit in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", data, re.S):
            s = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda m: bytes([int(m[1], 8)]) if m[1][:1].isdigit() else m[1],
                lit,
            )
            out.append(s.decode("utf-16-be") if len(s) % 2 == 0 else s.decode("latin-1"))
    return " ".join(out)


def test_daily_report_pdf_has_the_chinese_text(api: Any) -> None:
    r = _fetch(api, "/reports/daily", date="2026-11-11", format="pdf")
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    text = _pdf_text(r.content)
    assert "明厨亮灶日报" in text and "厨房 B" in text and "未上报" in text


def test_haccp_export_lists_the_rectification_steps_and_reviewer(api: Any) -> None:
    r = _fetch(api, "/kitchens/a/haccp", month="2026-11")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    row = next(x for x in rows if x["预警编号"].startswith("a0000001"))
    steps = row["整改记录"]
    assert "ack → rectifying mgr_a (canteen_manager): 收到" in steps
    assert "rectify → submitted mgr_a (canteen_manager): 已戴帽 [1 photo(s)" in steps
    assert "review_reject → rectifying insp_g (grid_inspector): 照片不清楚" in steps
    assert "2026-11-11T07:30:00+08:00" in steps  # local time with its offset
    assert (row["复核人"], row["复核人角色"], row["复核结论"]) == (
        "insp_g",
        "grid_inspector",
        "退回",
    )
    assert len(rows) == 4
    # Another kitchen's record is not served to a kitchen's own manager.
    other = httpx.get(
        f"{api.url}/kitchens/b/haccp",
        params={"month": "2026-11"},
        headers={"Authorization": f"Bearer {api.world.tokens['mgr_a']}"},
        timeout=30,
    )
    assert other.status_code == 404
