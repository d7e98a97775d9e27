"""Cold-chain report (冷链报告): time in range per device and month, for HACCP reviews.

Readings come at a fixed interval per device, so the share of readings inside the band
is the share of time inside it. InfluxQL 1.x has no comparison in SELECT, so each
reading is turned into 1 (inside) or 0 (outside) with arithmetic it does have:
for a distance `x` past the limit, `(1 - x / abs(x)) / 2` is 1 when x < 0 and 0 when
x > 0 (limits get a 1e-9 margin so a reading exactly on a limit counts as inside, as
the rules see it). The bands come from the rules (`dashboards.bands`): the default band
for a zone, then one query per kitchen or device whose override changes it.
"""

from collections.abc import Sequence

from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm

from dashboards.bands import Band, Scope, band_zones, scopes
from dashboards.common import (
    BAD,
    OK,
    WARN,
    Options,
    PanelBuilder,
    bars_panel,
    dashboard,
    influx,
    influx_table,
    steps,
    table_panel,
    tag_variable,
)
from dashboards.influxql import (
    InfluxQL,
    Select,
    number,
    select,
    tag_eq,
    tag_ne,
    tag_not_in,
    tag_var,
)
from dashboards.kitchen import ZONE_NAMES
from rules.config import RuleSet

UID = "bk-cold-chain"
TZ = "Asia/Shanghai"
"""Days of the daily breakdown are local days of the kitchens (China Standard Time)."""
EPS = 1e-9


def cold_chain_report(rs: RuleSet, opts: Options) -> db.Dashboard:
    """The dashboard, top to bottom: per zone, a table per device and a daily chart."""
    d = (
        dashboard(
            UID,
            "冷链报告",
            "Cold-chain report for HACCP: share of time each device's temperature stayed"
            " inside the band its rules enforce, for the chosen month (time picker: this month"
            " by default, 'Previous month' for the last one).",
            ["haccp", "cold-chain"],
        )
        .time("now/M", "now/M")
        .refresh("")
        .with_variable(tag_variable("site", "厨房 Kitchen", "reading", "Kitchens in the report"))
    )
    del opts  # no console links in a printed report
    for zone in band_zones(rs):
        d.with_row(db.Row(f"{ZONE_NAMES.get(zone, zone)} {zone}"))
        for p in zone_panels(rs, zone):
            d.with_panel(p)
    return d


def zone_panels(rs: RuleSet, zone: str) -> list[PanelBuilder]:
    return [time_in_range_table(rs, zone), daily_time_in_range(rs, zone)]


def in_range_expr(b: Band) -> str:
    """1 for a reading inside the band, 0 outside (see the module text)."""
    v = '"value"'
    if b.low is not None and b.high is not None:
        mid, half = (b.low + b.high) / 2, (b.high - b.low) / 2
        x = f"abs({v} - {number(mid)}) - {number(half + EPS)}"
    elif b.high is not None:
        x = f"{v} - {number(b.high + EPS)}"
    elif b.low is not None:
        x = f"{number(b.low - EPS)} - {v}"
    else:
        return f"{v} * 0 + 1"
    return f"(1 - ({x}) / abs({x})) / 2"


def _scope_where(scope: Scope, others: Sequence[Scope]) -> list[str]:
    """Readings this scope's band applies to: its kitchen/device minus narrower scopes."""
    where: list[str] = []
    if scope.site is not None:
        where.append(tag_eq("site", scope.site))
    if scope.device is not None:
        where.append(tag_eq("device", scope.device))
    if scope.site is None:
        sites = sorted({o.site for o in others if o.site is not None and o.device is None})
        if sites:
            where.append(tag_not_in("site", sites))
        for o in others:
            if o.site is not None and o.device is not None and o.site not in sites:
                # InfluxQL has no NOT: "not (this site and this device)", by De Morgan.
                where.append(f"({tag_ne('site', o.site)} OR {tag_ne('device', o.device)})")
    elif scope.device is None:
        devices = sorted({o.device for o in others if o.site == scope.site and o.device})
        if devices:
            where.append(tag_not_in("device", devices))
    return where


def _scoped(rs: RuleSet, zone: str) -> list[tuple[Scope, list[str]]]:
    all_scopes = scopes(rs, zone)
    return [(s, _scope_where(s, [o for o in all_scopes if o is not s])) for s in all_scopes]


def _inner(zone: str, scope: Scope, where: list[str]) -> Select:
    fields = [f'{in_range_expr(scope.band)} AS "in_range"', '"value"']
    if scope.band.low is not None:
        fields.append(f'"value" * 0 + {number(scope.band.low)} AS "low"')
    if scope.band.high is not None:
        fields.append(f'"value" * 0 + {number(scope.band.high)} AS "high"')
    return select(
        fields,
        "reading",
        where=[tag_var("site"), tag_eq("kind", "temperature"), tag_eq("zone", zone), *where],
        group_by=["site", "device", "sensor"],
    )


def time_in_range_table(rs: RuleSet, zone: str) -> PanelBuilder:
    targets: list[InfluxQL] = []
    for i, (scope, where) in enumerate(_scoped(rs, zone)):
        inner = _inner(zone, scope, where)
        fields = [
            'mean("in_range") AS "time_in_range"',
            'count("in_range") AS "readings"',
            'min("value") AS "min"',
            'max("value") AS "max"',
        ]
        if scope.band.low is not None:
            fields.append('first("low") AS "low"')
        if scope.band.high is not None:
            fields.append('first("high") AS "high"')
        q = select(fields, inner, group_by=["site", "device", "sensor"], time_filter=False)
        targets.append(influx_table(q, chr(ord("A") + i)))
    return (
        table_panel(
            f"达标率 Time in range ({zone})",
            f"Per device and sensor: share of the period inside the {zone} band, readings"
            " counted, lowest and highest value, and the band's limits as the rules apply"
            " them at that kitchen.",
            targets,
            height=9,
        )
        .with_transformation(dm.DataTransformerConfig(id_val="merge", options={}))
        .override_by_name(
            "time_in_range",
            [
                dm.DynamicConfigValue(id_val="unit", value="percentunit"),
                dm.DynamicConfigValue(id_val="decimals", value=2),
                dm.DynamicConfigValue(
                    id_val="thresholds", value=steps(BAD, (0.95, WARN), (0.99, OK)).build()
                ),
                dm.DynamicConfigValue(
                    id_val="custom.cellOptions", value={"type": "color-background"}
                ),
                dm.DynamicConfigValue(id_val="displayName", value="达标率 In range"),
            ],
        )
        .override_by_regexp(
            "^(min|max|low|high)$",
            [
                dm.DynamicConfigValue(id_val="unit", value="celsius"),
                dm.DynamicConfigValue(id_val="decimals", value=1),
            ],
        )
    )


def daily_time_in_range(rs: RuleSet, zone: str) -> PanelBuilder:
    targets: list[InfluxQL] = []
    for i, (scope, where) in enumerate(_scoped(rs, zone)):
        inner = _inner(zone, scope, where)
        q = select(
            'mean("in_range")',
            inner,
            interval="1d",
            group_by=["site", "device"],
            fill="none",
            tz=TZ,
        )
        targets.append(influx(q, chr(ord("A") + i), alias="$tag_site/$tag_device"))
    return (
        bars_panel(
            f"每日达标率 Daily time in range ({zone})",
            f"Share of each local day inside the {zone} band, per device.",
            targets,
            "percentunit",
        )
        .stacking(cb.StackingConfig().mode(cm.StackingMode.NONE))
        .decimals(2)
        .min(0)
        .max(1)
    )
