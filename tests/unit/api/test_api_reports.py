"""The daily report's totals, per-grid lines and CSV on a hand example (no servers)."""

import csv
import io
from datetime import UTC, date, datetime

from api.reports import DeviceLine, KitchenDay, OverdueLine, build_daily, daily_csv, daily_pdf

NOW = datetime(2026, 11, 12, 1, tzinfo=UTC)


def _day(site: str, grid: str | None, **kw: object) -> KitchenDay:
    base: dict[str, object] = {
        "site": site,
        "name": f"厨房 {site.upper()}",
        "grid": grid,
        "grid_name": f"网格 {grid.upper()}" if grid else "",
        "reporting": True,
        "devices": [],
        "captures": [],
        "false_positives": 0,
        "tiers": [],
        "open_tasks": 0,
        "overdue": [],
    }
    return KitchenDay(**(base | kw))  # type: ignore[arg-type]


KITCHENS = [
    _day(
        "a",
        "g",
        captures=["no-hat", "no-hat", "rodent"],
        tiers=[2, 2, 1, 3],
        open_tasks=2,
        overdue=[
            OverdueLine(
                site="a", kitchen="厨房 A", alert_id="x1", rule="no-hat", tier=2, deadline=NOW
            )
        ],
    ),
    _day(
        "b",
        "g",
        reporting=False,
        devices=[
            DeviceLine(
                site="b",
                kitchen="厨房 B",
                device="cam1",
                name="后厨",
                kind="camera",
                offline_s=28800,
                online_rate=0.0,
            )
        ],
    ),
    _day("c", None, false_positives=1, tiers=[3]),
]


def test_totals_and_grid_lines() -> None:
    rep = build_daily(date(2026, 11, 11), "x", None, KITCHENS, NOW, True)
    assert (rep.kitchens, rep.reporting) == (3, 2)
    assert [k.site for k in rep.not_reporting] == ["b"]
    assert rep.captures_by_class == {"no-hat": 2, "rodent": 1}
    assert rep.alerts_by_tier == {1: 1, 2: 2, 3: 2}
    assert (rep.open_rectifications, len(rep.overdue_rectifications)) == (2, 1)
    assert rep.false_positives == 1 and len(rep.devices_offline) == 1
    g, none = rep.grids  # grid g first, kitchens without a grid last
    assert (g.grid, g.kitchens, g.reporting, g.not_reporting, g.captures) == ("g", 2, 1, 1, 3)
    assert (g.devices_offline, g.overdue_rectifications) == (1, 1)
    assert (none.grid, none.kitchens, none.alerts_by_tier) == (None, 1, {3: 1})


def test_store_down_counts_no_reporting() -> None:
    unknown = [_day("a", "g", reporting=None)]
    rep = build_daily(date(2026, 11, 11), None, None, unknown, NOW, False)
    assert rep.reporting is None and rep.not_reporting == []


def test_csv_sections_in_chinese_and_english() -> None:
    rep = build_daily(date(2026, 11, 11), "x", None, KITCHENS, NOW, True)
    text = daily_csv(rep)
    assert text.startswith("\ufeff明厨亮灶日报")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert ["网格 G", "2", "1", "1", "3", "1: 1 / 2: 2 / 3: 1", "2", "1", "1"] in rows
    assert ["未划网格", "1", "1", "0", "0", "3: 1", "0", "0", "0"] in rows
    assert ["合计", "3", "2", "1", "3", "1: 1 / 2: 2 / 3: 2", "2", "1", "1"] in rows
    assert ["b", "厨房 B", "后厨", "摄像头", "480", "0.0%"] in rows
    assert "Bright Kitchen daily report" in daily_csv(rep, "en")
    assert daily_pdf(rep).startswith(b"%PDF")
