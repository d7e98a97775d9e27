"""District overview (区县总览): every kitchen of the selection at a glance.

Template variables district, street, grid and category select kitchens by tags that
the points do not carry yet (today: site, device, sensor, kind, zone on `reading`;
site, rule, severity, state on `alert`; site, device on `device_status`). Their `All`
value is `.*`, which InfluxQL also matches against a missing tag, so the dashboard works
now and narrows by district as soon as the points carry the tags.
"""

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import dashboard as dm

from dashboards.common import (
    BAD,
    OK,
    WARN,
    Options,
    PanelBuilder,
    dashboard,
    influx,
    influx_table,
    link,
    stat_panel,
    steps,
    table_panel,
    tag_variable,
)
from dashboards.influxql import Select, select, tag_eq, tag_var
from dashboards.kitchen import UID as KITCHEN_UID
from dashboards.kitchen import alert_table

UID = "bk-district-overview"
REGISTRY_TAGS = ("district", "street", "grid", "category")
"""Registry levels the overview filters by; none is a tag of the points yet."""
SEVERITIES = (("critical", "严重"), ("warning", "警告"), ("info", "提示"))
OPEN_WINDOW = "30d"
"""Open alerts = firing minus resolved transitions over this window (see panel text)."""


def _filters() -> list[str]:
    return [tag_var(t) for t in (*REGISTRY_TAGS, "site")]


def district_overview(opts: Options) -> db.Dashboard:
    """The dashboard, top to bottom."""
    d = dashboard(
        UID,
        "区县总览",
        "District overview: every kitchen with its status, last reading, open alerts by"
        " severity; coverage and online rate. Select by district, street, grid, category.",
        ["overview"],
    )
    for v in variables():
        d.with_variable(v)
    d.link(link("控制台 Console", opts.console("/"), blank=True))
    sections: list[tuple[str, list[PanelBuilder]]] = [
        (
            "概况 Summary",
            [
                kitchens_reporting_panel(),
                # Coverage needs the registry's count; without one there is no honest figure.
                *([coverage_panel(opts.registered_kitchens)] if opts.registered_kitchens else []),
                online_rate_panel(),
                alerts_fired_panel(),
            ],
        ),
        ("厨房 Kitchens", [kitchen_status_panel(opts)]),
        ("告警 Alerts", [recent_alerts_panel(opts)]),
    ]
    for title, panels in sections:
        d.with_row(db.Row(title))
        for p in panels:
            d.with_panel(p)
    return d


def variables() -> list[db.QueryVariable]:
    labels = {"district": "区县", "street": "街道/镇", "grid": "网格", "category": "类别"}
    out = [
        tag_variable(
            t,
            f"{labels[t]} {t.capitalize()}",
            "reading",
            f"Kitchens by {t} (a registry tag; All also matches points without the tag)",
        )
        for t in REGISTRY_TAGS
    ]
    out.append(
        tag_variable(
            "site",
            "厨房 Kitchen",
            "reading",
            "Kitchens (site ids) in the selection above",
            where=[tag_var(t) for t in REGISTRY_TAGS],
        )
    )
    return out


def _per_site_last_reading() -> Select:
    return select('last("value")', "reading", where=_filters(), group_by=["site"])


def kitchens_reporting_panel() -> PanelBuilder:
    q = select('count("last") AS "kitchens"', _per_site_last_reading(), time_filter=False)
    return stat_panel(
        "上报厨房 Kitchens reporting",
        "Kitchens that sent at least one reading in the time range.",
        [influx(q)],
        "none",
        steps(OK),
    )


def coverage_panel(registered: int) -> PanelBuilder:
    q = select(
        f'count("last") / {registered} AS "coverage"', _per_site_last_reading(), time_filter=False
    )
    return stat_panel(
        "接入率 Coverage",
        f"Kitchens reporting / the {registered} kitchens of the site registry at export"
        " (接入率). Re-export when the registry changes.",
        [influx(q)],
        "percentunit",
        steps(BAD, (0.9, WARN), (0.98, OK)),
        decimals=1,
    )


def online_rate_panel() -> PanelBuilder:
    inner = select(
        'last("online") AS "online"', "device_status", where=_filters(), group_by=["site", "device"]
    )
    q = select('mean("online") AS "online_rate"', inner, time_filter=False)
    return stat_panel(
        "在线率 Online rate",
        "Share of edge agents whose last status in the range is online (在线率).",
        [influx(q)],
        "percentunit",
        steps(BAD, (0.9, WARN), (0.98, OK)),
        decimals=1,
    )


def alerts_fired_panel() -> PanelBuilder:
    q = select(
        'count("id")',
        "alert",
        where=[*_filters(), tag_eq("state", "firing")],
        group_by=["severity"],
    )
    return stat_panel(
        "告警次数 Alerts fired",
        "Alerts that fired in the time range, by severity. The `alert` measurement has no"
        " tier tag: severity critical / warning / info stands in for it.",
        [influx(q, alias="$tag_severity")],
        "none",
        steps(OK, (1, WARN)),
    )


def _open_alerts(severity: str, state: str, name: str) -> str:
    where = [
        *_filters(),
        tag_eq("severity", severity),
        tag_eq("state", state),
        f"time > now() - {OPEN_WINDOW}",
    ]
    return str(
        select(
            f'count("id") AS "{name}"', "alert", where=where, group_by=["site"], time_filter=False
        )
    )


def kitchen_status_panel(opts: Options) -> PanelBuilder:
    """One row per kitchen: last reading, agent online, open alerts per severity."""
    targets = [
        influx_table(
            select(
                ['last("value") AS "last_value"'], "reading", where=_filters(), group_by=["site"]
            ),
            "A",
        ),
        influx_table(
            select(
                'last("online") AS "online"', "device_status", where=_filters(), group_by=["site"]
            ),
            "B",
        ),
    ]
    calcs: list[dm.DataTransformerConfig] = []
    ref = ord("C")
    for sev, _zh in SEVERITIES:
        for state in ("firing", "resolved"):
            targets.append(influx_table(_open_alerts(sev, state, f"{sev}_{state}"), chr(ref)))
            ref += 1
        calcs.append(
            dm.DataTransformerConfig(
                id_val="calculateField",
                options={
                    "mode": "binary",
                    "binary": {
                        "left": f"{sev}_firing",
                        "operator": "-",
                        "right": f"{sev}_resolved",
                    },
                    "alias": f"open_{sev}",
                    "replaceFields": False,
                },
            )
        )
    # Every query but A returns its own Time column; drop those before the join so
    # the joined table has one Time (the last reading's) and no renamed duplicates.
    drop_time = [
        dm.DataTransformerConfig(
            id_val="organize",
            filter_val=dm.MatcherConfig(id_val="byRefId", options=t.build().ref_id),
            options={"excludeByName": {"Time": True}},
        )
        for t in targets[1:]
    ]
    # Fields that overrides match keep their names here (a rename changes the display
    # name the byName matcher sees); their overrides set the display name instead.
    rename: dict[str, str] = {}
    rename.update({f"open_{s}": f"未关闭·{zh} open {s}" for s, zh in SEVERITIES})
    exclude = {"last_value": True}
    exclude |= {f"{s}_{st}": True for s, _ in SEVERITIES for st in ("firing", "resolved")}
    p = (
        table_panel(
            "厨房状态 Kitchens",
            "Each kitchen: time of its last reading (age), its edge agent's last status, and"
            f" alerts still open by severity (firing minus resolved transitions over the last"
            f" {OPEN_WINDOW}; blank when a kitchen had no resolution in that window: the"
            " `alert` measurement cannot say which alerts are open, the alert store can)."
            " The kitchen id opens the kitchen dashboard and the console.",
            targets,
            height=12,
        )
        .transformations(
            [
                *drop_time,
                dm.DataTransformerConfig(
                    id_val="joinByField", options={"byField": "site", "mode": "outer"}
                ),
                *calcs,
                dm.DataTransformerConfig(
                    id_val="organize",
                    options={"excludeByName": exclude, "renameByName": rename},
                ),
            ]
        )
        .override_by_name(
            "site",
            [
                dm.DynamicConfigValue(
                    id_val="links",
                    value=[
                        link(
                            "厨房详情 Kitchen detail",
                            f"/d/{KITCHEN_UID}?var-site=${{__value.raw}}&${{__url_time_range}}",
                        ).build(),
                        link(
                            "控制台 Console", opts.console("/kitchens/${__value.raw}"), True
                        ).build(),
                    ],
                ),
                dm.DynamicConfigValue(id_val="displayName", value="厨房 Kitchen"),
            ],
        )
        .override_by_name(
            "Time",
            [
                dm.DynamicConfigValue(id_val="unit", value="dateTimeFromNow"),
                dm.DynamicConfigValue(id_val="displayName", value="最后读数 Last reading"),
            ],
        )
        .override_by_name(
            "online",
            [
                dm.DynamicConfigValue(
                    id_val="mappings",
                    value=[
                        dm.ValueMap(
                            options={
                                "0": dm.ValueMappingResult(text="离线 offline", color=BAD),
                                "1": dm.ValueMappingResult(text="在线 online", color=OK),
                            }
                        )
                    ],
                ),
                dm.DynamicConfigValue(id_val="displayName", value="状态 Status"),
            ],
        )
    )
    return p


def recent_alerts_panel(opts: Options) -> PanelBuilder:
    q = select(
        ['"site"', '"rule"', '"severity"', '"state"', '"subject"', '"summary"', '"id"'],
        "alert",
        where=_filters(),
        order_desc=True,
        limit=500,
    )
    return alert_table(
        "最近告警 Recent alerts",
        "Alert transitions of the selected kitchens, newest first; the id opens the alert in"
        " the console.",
        str(q),
        opts,
    )
