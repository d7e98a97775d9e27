"""Kitchen detail (厨房详情): one kitchen's temperatures against its rule bands, doors,
power, detections, device health and alerts.

Thresholds come from the rule set (`dashboards.bands`): the band of the pack and the
rule file everywhere, then a field override per kitchen or device whose override
changes it, matched on the series name `site/device/sensor`. One dashboard serves every
kitchen (variable `site`) and still draws each kitchen's own limits.
"""

from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm

from dashboards.bands import Band, band_zones, scopes
from dashboards.common import (
    BAD,
    INFLUX,
    OK,
    WARN,
    Options,
    PanelBuilder,
    bars_panel,
    dashboard,
    influx,
    influx_table,
    link,
    steps,
    table_panel,
    timeline_panel,
    timeseries_panel,
    value_map,
)
from dashboards.influxql import (
    InfluxQLQuery,
    select,
    show_tag_values,
    tag_eq,
    tag_not_in,
    tag_var,
)
from rules.config import RuleSet

UID = "bk-kitchen"
SERIES = "$tag_site/$tag_device/$tag_sensor"
"""Series name of a reading; field overrides match kitchens and devices on it."""
ZONE_NAMES = {
    "cold_room": "冷藏",
    "sample_fridge": "留样柜",
    "freezer": "冷冻",
    "hot_holding": "热保温",
    "food_cooling": "冷却",
    "disinfection": "消毒柜",
}


def kitchen_detail(rs: RuleSet, opts: Options) -> db.Dashboard:
    """The dashboard, top to bottom."""
    d = (
        dashboard(
            UID,
            "厨房详情",
            "Kitchen detail: temperatures with the rule bands in force at this kitchen, doors,"
            " power, detections per hour, device health and alerts (with links to the console).",
            ["kitchen"],
        )
        .with_variable(site_variable())
        .annotation(alert_annotations())
        .link(link("区县总览 District overview", "/d/bk-district-overview"))
        .link(link("控制台 Console: this kitchen", opts.console("/kitchens/${site}"), blank=True))
    )
    zones = band_zones(rs)
    sections: list[tuple[str, list[PanelBuilder]]] = [
        (
            "温度与规则带 Temperatures and rule bands",
            [temperature_panel(rs, z) for z in zones] + [other_temperatures_panel(zones)],
        ),
        ("环境、门与电源 Air, doors and power", [humidity_panel(), door_panel(), power_panel()]),
        ("视频识别 Detections", [detections_per_hour_panel()]),
        (
            "设备健康 Device health",
            [agent_online_panel(), device_reporting_panel(), edge_buffer_panel()],
        ),
        ("告警 Alerts", [alert_log_panel(opts)]),
    ]
    for title, panels in sections:
        d.with_row(db.Row(title))
        for p in panels:
            d.with_panel(p)
    return d


# -- variables and annotations ------------------------------------------------------------


def site_variable() -> db.QueryVariable:
    return (
        db.QueryVariable("site")
        .label("厨房 Kitchen")
        .description("Kitchen (site id) shown on this dashboard")
        .datasource(INFLUX)
        .query(show_tag_values("reading", "site"))
        .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dm.VariableSort.ALPHABETICAL_ASC)
        .multi(False)
        .include_all(False)
    )


class InfluxAnnotationTarget(dm.AnnotationTarget):
    """An annotation target that is an InfluxQL query, as Grafana's InfluxDB plugin
    stores it. Grafana 11.6's schema still types `target` as the built-in Grafana
    source's (limit, matchAny, tags, type, and a TODO that it "should be a regular
    DataQuery"), so those four keys are kept and the query keys come on top: `query`,
    and `textColumn` / `tagsColumn` / `titleColumn`, the names the plugin maps result
    columns by (its `prepareAnnotation` keeps a target that has a `query`)."""

    def __init__(self, query: InfluxQLQuery, text: str, tags: str, title: str) -> None:
        super().__init__(limit=100, match_any=False, tags=[], type_val="tags")
        self.query = query
        self.text_column = text
        self.tags_column = tags
        self.title_column = title

    def to_json(self) -> dict[str, object]:
        payload = super().to_json()
        payload.update(self.query.to_json())
        payload["textColumn"] = self.text_column
        payload["tagsColumn"] = self.tags_column
        payload["titleColumn"] = self.title_column
        payload["fromAnnotations"] = True  # as the plugin's own annotation editor saves it
        return payload


class _Built(cogbuilder.Builder[dm.AnnotationTarget]):
    def __init__(self, target: dm.AnnotationTarget) -> None:
        self._target = target

    def build(self) -> dm.AnnotationTarget:
        return self._target


def alert_annotations() -> db.AnnotationQuery:
    """Every alert transition of the kitchen on the time axis (the `alert` measurement).

    The text is the alert's summary; its id is the last tag, so the console page
    `/alerts/{id}` is one copy away (the alert log panel links it directly).
    """
    q = select(
        ['"summary"', '"rule"', '"state"', '"severity"', '"id"'],
        "alert",
        where=[tag_var("site")],
    )
    target = InfluxAnnotationTarget(
        influx_table(q, "Alerts").build(), "summary", "rule,state,severity,id", "rule"
    )
    return (
        db.AnnotationQuery()
        .name("告警 Alerts")
        .datasource(INFLUX)
        .enable(True)
        .icon_color("red")
        .target(_Built(target))
    )


# -- temperatures -------------------------------------------------------------------------


def band_thresholds(b: Band) -> db.ThresholdsConfig:
    """Red outside the band, green inside; a side without a limit stays green."""
    if b.low is not None and b.high is not None:
        return steps(BAD, (b.low, OK), (b.high, BAD))
    if b.high is not None:
        return steps(OK, (b.high, BAD))
    if b.low is not None:
        return steps(BAD, (b.low, OK))
    return steps(OK)


def _band_words(b: Band) -> str:
    parts = []
    if b.low is not None:
        parts.append(f"below {b.low:g} °C is out of range (rule {b.low_rule})")
    if b.high is not None:
        parts.append(f"above {b.high:g} °C is out of range (rule {b.high_rule})")
    return "; ".join(parts) or "no limit"


def _readings(kind: str, *where: str) -> str:
    return str(
        select(
            'mean("value")',
            "reading",
            where=[tag_var("site"), tag_eq("kind", kind), *where],
            interval="$__interval",
            group_by=["site", "device", "sensor"],
            fill="none",
        )
    )


def temperature_panel(rs: RuleSet, zone: str) -> PanelBuilder:
    """One zone's temperatures, the zone's band as thresholds, overrides per kitchen/device."""
    default, *special = scopes(rs, zone)
    p = (
        timeseries_panel(
            f"{ZONE_NAMES.get(zone, zone)}温度 ({zone})",
            f"Temperature of every {zone} sensor of the kitchen. Band from the rules: "
            + _band_words(default.band)
            + ". Kitchens and devices with their own override have their own band.",
            [influx(_readings("temperature", tag_eq("zone", zone)), alias=SERIES)],
            "celsius",
        )
        .thresholds(band_thresholds(default.band))
        .thresholds_style(
            cb.GraphThresholdsStyleConfig().mode(cm.GraphThresholdsStyleMode.LINE_AND_AREA)
        )
        .color_scheme(db.FieldColor().mode(dm.FieldColorModeId.PALETTE_CLASSIC))
    )
    for s in special:
        pattern = f"^{s.site}/{s.device}/.*$" if s.device else f"^{s.site}/.*$"
        p.override_by_regexp(
            pattern,
            [dm.DynamicConfigValue(id_val="thresholds", value=band_thresholds(s.band).build())],
        )
    return p


def other_temperatures_panel(banded: list[str]) -> PanelBuilder:
    """Temperatures of every zone no band covers (so no sensor is left off the page)."""
    where = [tag_not_in("zone", banded)] if banded else []
    return timeseries_panel(
        "其他温度 Other temperatures",
        "Temperatures of zones without a fixed band (food cooling probes, disinfection"
        " cabinets): their rules judge curves and cycles, which a static threshold cannot draw.",
        [influx(_readings("temperature", *where), alias=SERIES)],
        "celsius",
    )


def humidity_panel() -> PanelBuilder:
    return (
        timeseries_panel(
            "湿度 Humidity",
            "Relative humidity of the kitchen air sensors.",
            [influx(_readings("humidity"), alias=SERIES)],
            "humidity",
            decimals=0,
            width=8,
        )
        .min(0)
        .max(100)
    )


def _state(kind: str) -> str:
    return str(
        select(
            'max("value")',
            "reading",
            where=[tag_var("site"), tag_eq("kind", kind)],
            interval="$__interval",
            group_by=["site", "device", "sensor"],
            fill="none",
        )
    )


def door_panel() -> PanelBuilder:
    return timeline_panel(
        "门状态 Doors",
        "Door contacts: open at any time within an interval shows the interval as open.",
        [influx(_state("door"), alias=SERIES)],
        [value_map(("0", "关 closed", OK), ("1", "开 open", WARN))],
        steps(OK, (1, WARN)),
        width=8,
    )


def power_panel() -> PanelBuilder:
    return timeline_panel(
        "电源 Power",
        "Mains power of refrigeration (1 = on). A cut shows red.",
        [
            influx(
                str(
                    select(
                        'min("value")',
                        "reading",
                        where=[tag_var("site"), tag_eq("kind", "power")],
                        interval="$__interval",
                        group_by=["site", "device", "sensor"],
                        fill="none",
                    )
                ),
                alias=SERIES,
            )
        ],
        [value_map(("0", "断电 off", BAD), ("1", "通电 on", OK))],
        steps(BAD, (1, OK)),
        width=8,
    )


# -- detections, health, alerts -----------------------------------------------------------


def detections_per_hour_panel() -> PanelBuilder:
    q = select(
        'count("score")',
        "detection",
        where=[tag_var("site")],
        interval="1h",
        group_by=["cls"],
        fill="0",
    )
    return bars_panel(
        "每小时识别 Detections per hour",
        "Objects the detector reported per hour, by class (no_hat, no_mask, rodent, ...).",
        [influx(q, alias="$tag_cls")],
        "short",
        width=24,
    )


def agent_online_panel() -> PanelBuilder:
    q = select(
        'last("online")',
        "device_status",
        where=[tag_var("site")],
        interval="$__interval",
        group_by=["device"],
        fill="previous",
    )
    return timeline_panel(
        "边缘设备在线 Edge agents online",
        "Online/offline from the agents' retained status and Last Will (device_status).",
        [influx(q, alias="$tag_device")],
        [value_map(("0", "离线 offline", BAD), ("1", "在线 online", OK))],
        steps(BAD, (1, OK)),
        width=8,
    )


def device_reporting_panel() -> PanelBuilder:
    q = select(
        'count("value")',
        "reading",
        where=[tag_var("site")],
        interval="5m",
        group_by=["device"],
        fill="0",
    )
    nodata = dm.ValueMap(options={"0": dm.ValueMappingResult(text="无数据 no data", color=BAD)})
    reporting = dm.RangeMap(
        options=db.DashboardRangeMapOptions()
        .from_val(1)
        .to(1e9)
        .result(dm.ValueMappingResult(text="上报 reporting", color=OK))
        .build()
    )
    return timeline_panel(
        "设备上报 Devices reporting",
        "Readings per device in 5-minute windows: red where a device sent nothing.",
        [influx(q, alias="$tag_device")],
        [nodata, reporting],
        steps(BAD, (1, OK)),
        width=8,
    )


def edge_buffer_panel() -> PanelBuilder:
    q = select(
        ['last("buffer_depth") AS "buffer"', 'last("dropped_frames") AS "dropped_frames"'],
        "device_status",
        where=[tag_var("site")],
        interval="$__interval",
        group_by=["device"],
        fill="none",
    )
    return timeseries_panel(
        "边缘缓冲 Edge buffer",
        "Readings waiting in the agent's disk buffer and camera frames dropped (heartbeat).",
        [influx(q, alias="$tag_device $col")],
        "short",
        decimals=0,
        width=8,
    )


def alert_log_panel(opts: Options) -> PanelBuilder:
    q = select(
        ['"rule"', '"severity"', '"state"', '"subject"', '"summary"', '"id"'],
        "alert",
        where=[tag_var("site")],
        order_desc=True,
        limit=500,
    )
    return alert_table(
        "告警记录 Alert log",
        "Every alert transition at this kitchen, newest first; the id opens the alert in"
        " the console.",
        str(q),
        opts,
    )


def alert_table(title: str, description: str, query: str, opts: Options) -> PanelBuilder:
    """A table of alert transitions whose `id` links to the console's alert page."""
    return table_panel(title, description, [influx_table(query)]).override_by_name(
        "id",
        [
            dm.DynamicConfigValue(
                id_val="links",
                value=[
                    link(
                        "打开告警 Open alert", opts.console("/alerts/${__value.raw}"), True
                    ).build()
                ],
            )
        ],
    )
