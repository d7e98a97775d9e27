"""The daily report (日报) and the HACCP export: content, CSV and PDF.

The daily report of one local day for the kitchens a caller may see (narrowed to a
district or a grid): kitchens not reporting (nothing of theirs online at any moment of
the day), captures (vision alerts, false positives left out) by class, alerts by tier,
rectifications open and overdue at the end of the day, devices offline during working
hours; in total and per grid. The routes (api/routers/reports.py) gather the records;
`build_daily` assembles, `daily_csv` / `daily_pdf` render.

Downloads are read by people with Excel and PDF readers: the CSV starts with a UTF-8
byte-order mark (Excel otherwise reads UTF-8 Chinese as mojibake), the PDF uses
reportlab's built-in CID font STSong-Light (Adobe's Chinese font that every PDF reader
provides; no font file is shipped or embedded). Headings come from the message catalog
(api/console/locales/{lang}/report.json), Chinese first.

The HACCP export is the alert store's own record (`AlertStore.haccp_csv`, one row per
out-of-limit event) with the rectification steps and their reviewer added to each row.
"""

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import Engine

from api.console.i18n import catalog
from rules.store import AlertStore, StepRow

BOM = "\ufeff"
REVIEW_ACTIONS = ("review_accept", "review_reject")
HACCP_EXTRA = ("rectification_steps", "reviewed_by", "reviewer_role", "reviewed_at", "review")


class KitchenLine(BaseModel):
    site: str
    name: str
    grid: str | None


class DeviceLine(BaseModel):
    site: str
    kitchen: str
    device: str
    name: str
    kind: str
    offline_s: float = Field(description="Offline seconds within the day's working hours")
    online_rate: float | None


class OverdueLine(BaseModel):
    site: str
    kitchen: str
    alert_id: str
    rule: str
    tier: int
    deadline: datetime | None


class GridRow(BaseModel):
    """One grid's line of the report (grid null: kitchens without a grid)."""

    grid: str | None
    name: str
    kitchens: int
    reporting: int
    not_reporting: int
    captures: int
    alerts_by_tier: dict[int, int]
    open_rectifications: int
    overdue_rectifications: int
    devices_offline: int


class DailyReport(BaseModel):
    """The 日报 of one local day (see the module docstring)."""

    date: date
    district: str | None
    grid: str | None
    generated_at: datetime
    store_available: bool = Field(description="false: reporting and online state not counted")
    kitchens: int
    reporting: int | None
    not_reporting: list[KitchenLine]
    captures_by_class: dict[str, int]
    false_positives: int
    alerts_by_tier: dict[int, int]
    open_rectifications: int
    overdue_rectifications: list[OverdueLine]
    devices_offline: list[DeviceLine]
    grids: list[GridRow]


@dataclass(frozen=True)
class KitchenDay:
    """One kitchen's day, as the route gathered it."""

    site: str
    name: str
    grid: str | None
    grid_name: str
    reporting: bool | None  # None: InfluxDB did not answer
    devices: Sequence[DeviceLine]  # devices with offline time in working hours
    captures: Sequence[str]  # rule of each vision alert (false positives left out)
    false_positives: int
    tiers: Sequence[int]  # tier of each alert of the day (false positives left out)
    open_tasks: int
    overdue: Sequence[OverdueLine]


def build_daily(
    day: date,
    district: str | None,
    grid: str | None,
    kitchens: Sequence[KitchenDay],
    generated_at: datetime,
    store_available: bool,
) -> DailyReport:
    """Totals and per-grid lines from each kitchen's day."""
    by_grid: dict[str | None, list[KitchenDay]] = {}
    for k in kitchens:
        by_grid.setdefault(k.grid, []).append(k)
    rows = []
    for g in sorted(by_grid, key=lambda x: (x is None, x or "")):
        ks = by_grid[g]
        rep = sum(1 for k in ks if k.reporting)
        rows.append(
            GridRow(
                grid=g,
                name=ks[0].grid_name,
                kitchens=len(ks),
                reporting=rep,
                not_reporting=sum(1 for k in ks if k.reporting is False),
                captures=sum(len(k.captures) for k in ks),
                alerts_by_tier=dict(sorted(Counter(t for k in ks for t in k.tiers).items())),
                open_rectifications=sum(k.open_tasks for k in ks),
                overdue_rectifications=sum(len(k.overdue) for k in ks),
                devices_offline=sum(len(k.devices) for k in ks),
            )
        )
    return DailyReport(
        date=day,
        district=district,
        grid=grid,
        generated_at=generated_at,
        store_available=store_available,
        kitchens=len(kitchens),
        reporting=sum(1 for k in kitchens if k.reporting) if store_available else None,
        not_reporting=[
            KitchenLine(site=k.site, name=k.name, grid=k.grid)
            for k in kitchens
            if k.reporting is False
        ],
        captures_by_class=dict(sorted(Counter(c for k in kitchens for c in k.captures).items())),
        false_positives=sum(k.false_positives for k in kitchens),
        alerts_by_tier=dict(sorted(Counter(t for k in kitchens for t in k.tiers).items())),
        open_rectifications=sum(k.open_tasks for k in kitchens),
        overdue_rectifications=[o for k in kitchens for o in k.overdue],
        devices_offline=[d for k in kitchens for d in k.devices],
        grids=rows,
    )


def _tiers(counts: dict[int, int]) -> str:
    return " / ".join(f"{t}: {n}" for t, n in counts.items()) or "0"


def _tables(rep: DailyReport, lang: str) -> list[tuple[str, list[list[str]]]]:
    """The report as titled tables of text: one source for the CSV and the PDF."""
    t = catalog(lang)
    scope = rep.grid or rep.district or t["report.scope.all"]
    head = [
        [t["report.date"], rep.date.isoformat()],
        [t["report.scope"], scope],
        [t["report.generated"], rep.generated_at.isoformat(timespec="seconds")],
    ]
    if not rep.store_available:
        head.append([t["report.store_unavailable"], ""])
    grid_head = [
        t["report.grid"],
        t["report.kitchens"],
        t["report.reporting"],
        t["report.not_reporting"],
        t["report.captures"],
        t["report.alerts_by_tier"],
        t["report.open_rectifications"],
        t["report.overdue_rectifications"],
        t["report.devices_offline"],
    ]
    grids = [grid_head]
    for g in rep.grids:
        grids.append(
            [
                g.name or g.grid or t["report.no_grid"],
                str(g.kitchens),
                str(g.reporting),
                str(g.not_reporting),
                str(g.captures),
                _tiers(g.alerts_by_tier),
                str(g.open_rectifications),
                str(g.overdue_rectifications),
                str(g.devices_offline),
            ]
        )
    grids.append(
        [
            t["report.total"],
            str(rep.kitchens),
            "" if rep.reporting is None else str(rep.reporting),
            str(len(rep.not_reporting)),
            str(sum(rep.captures_by_class.values())),
            _tiers(rep.alerts_by_tier),
            str(rep.open_rectifications),
            str(len(rep.overdue_rectifications)),
            str(len(rep.devices_offline)),
        ]
    )
    captures = [[t["report.rule"], t["report.captures"]]] + [
        [rule, str(n)] for rule, n in rep.captures_by_class.items()
    ]
    silent = [[t["report.site"], t["report.kitchen"], t["report.grid"]]] + [
        [k.site, k.name, k.grid or ""] for k in rep.not_reporting
    ]
    overdue = [
        [
            t["report.site"],
            t["report.kitchen"],
            t["report.alert"],
            t["report.rule"],
            t["report.tier"],
            t["report.deadline"],
        ]
    ] + [
        [
            o.site,
            o.kitchen,
            o.alert_id,
            o.rule,
            str(o.tier),
            o.deadline.isoformat(timespec="minutes") if o.deadline else "",
        ]
        for o in rep.overdue_rectifications
    ]
    offline = [
        [
            t["report.site"],
            t["report.kitchen"],
            t["report.device"],
            t["report.kind"],
            t["report.offline_min"],
            t["report.online_rate"],
        ]
    ] + [
        [
            d.site,
            d.kitchen,
            d.name or d.device,
            t.get(f"report.kind.{d.kind}", d.kind),
            f"{d.offline_s / 60:.0f}",
            "" if d.online_rate is None else f"{d.online_rate:.1%}",
        ]
        for d in rep.devices_offline
    ]
    return [
        (t["report.daily.title"], head),
        (t["report.summary"], grids),
        (t["report.captures_by_class"], captures),
        (t["report.not_reporting"], silent),
        (t["report.overdue_rectifications"], overdue),
        (t["report.devices_offline"], offline),
    ]


def daily_csv(rep: DailyReport, lang: str = "zh-CN") -> str:
    """The report as CSV sections (a title line, then the table, then a blank line),
    with a UTF-8 byte-order mark so that Excel reads the Chinese."""
    out = io.StringIO()
    w = csv.writer(out)
    for title, table in _tables(rep, lang):
        w.writerow([title])
        w.writerows(table)
        w.writerow([])
    return BOM + out.getvalue()


FONT = "STSong-Light"


def daily_pdf(rep: DailyReport, lang: str = "zh-CN") -> bytes:
    """The report as an A4 PDF in the STSong-Light CID font (Chinese without a font file)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    h1 = ParagraphStyle("h1", fontName=FONT, fontSize=16, leading=22, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=FONT, fontSize=12, leading=18, spaceBefore=8)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10)
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    buf = io.BytesIO()
    tables = _tables(rep, lang)
    doc = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        title=f"{tables[0][0]} {rep.date.isoformat()}",
        leftMargin=36,
        rightMargin=36,
        topMargin=36,
        bottomMargin=36,
    )
    story: list[Flowable] = []
    for i, (title, table) in enumerate(tables):
        story.append(Paragraph(_esc(title), h1 if i == 0 else h2))
        if len(table) <= 1 and i > 0:
            story.append(Paragraph(_esc(catalog(lang)["report.none"]), cell))
            continue
        data = [[Paragraph(_esc(c), cell) for c in row] for row in table]
        tbl = Table(data, repeatRows=1 if i > 0 else 0)
        tbl.setStyle(style)
        story.append(tbl)
        story.append(Spacer(1, 6))
    doc.build(story)
    return buf.getvalue()


def _esc(text: str) -> str:
    """Text for a reportlab Paragraph (its markup is XML-like)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- HACCP ---------------------------------------------------------------------------


def _step_text(s: StepRow, zone: ZoneInfo) -> str:
    when = s.ts.astimezone(zone).isoformat(timespec="seconds")
    who = f" {s.actor}" if s.actor else ""
    role = f" ({s.role})" if s.role else ""
    what = f": {s.comment}" if s.comment else ""
    photos = (
        f" [{len(s.photos)} photo(s): {', '.join(p[:12] for p in s.photos)}]" if s.photos else ""
    )
    return f"{when} {s.action} → {s.state}{who}{role}{what}{photos}"


def haccp_csv(
    alerts_engine: Engine, site: str, year: int, month: int, tz: str, lang: str = "zh-CN"
) -> str:
    """The alert store's HACCP record of one kitchen and month with, on each row, its
    rectification steps (who, role, when, what, photos) and the latest review (who,
    role, when, accept/reject). UTF-8 with a byte-order mark (Excel)."""
    t = catalog(lang)
    store = AlertStore.on(alerts_engine)
    base = store.haccp_csv(site, year, month, tz)
    zone = ZoneInfo(tz)
    rows = list(csv.reader(io.StringIO(base)))
    out = io.StringIO()
    w = csv.writer(out)
    header = [*rows[0], *HACCP_EXTRA]
    # Column names a person reads, from the catalog (the store's ids where none).
    w.writerow([t.get(f"report.haccp.{c}", c) for c in header])
    for row in rows[1:]:
        steps = store.steps(row[0])
        reviews = [s for s in steps if s.action in REVIEW_ACTIONS]
        last = reviews[-1] if reviews else None
        review = ["", "", "", ""]
        if last is not None:
            outcome = "accept" if last.action == "review_accept" else "reject"
            review = [
                last.actor or "",
                last.role or "",
                last.ts.astimezone(zone).isoformat(timespec="seconds"),
                t[f"report.haccp.{outcome}"],
            ]
        w.writerow([*row, "; ".join(_step_text(s, zone) for s in steps), *review])
    return BOM + out.getvalue()
