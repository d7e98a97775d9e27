"""What every dashboard shares: data sources, options, and small panel helpers.

Titles are Chinese (what supervisors read); descriptions are English, consistently,
so integrators can still tell what a panel computes. Each helper returns a builder with
the defaults a panel kind needs here (units, decimals, legend), and the dashboards add
only what is particular to them.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import prometheus, stat, statetimeline, table, text
from grafana_foundation_sdk.builders import timeseries as ts
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm
from grafana_foundation_sdk.models import text as tm

from dashboards.influxql import PLUGIN_ID, InfluxQL, Select, show_tag_values

INFLUX_UID = "bk-influxdb"
"""Uid of the InfluxDB (InfluxQL) data source the provisioning files create."""
PROMETHEUS_UID = "bk-prometheus"
"""Uid of the Prometheus data source (service metrics, e.g. ingest's /metrics)."""
FOLDER_UID = "bright-kitchen"
FOLDER_TITLE = "明厨亮灶 Bright Kitchen"

INFLUX = dm.DataSourceRef(type_val=PLUGIN_ID, uid=INFLUX_UID)
PROMETHEUS = dm.DataSourceRef(type_val="prometheus", uid=PROMETHEUS_UID)

OK, WARN, BAD = "green", "orange", "red"

PanelBuilder = cogbuilder.Builder[dm.Panel]
"""What a panel function returns: any panel kind's builder."""


@dataclass(frozen=True)
class Options:
    """Export-time choices that end up inside the dashboards."""

    console_url: str = "http://localhost:8000"
    """Base URL of the Bright Kitchen console (alert and kitchen pages link there)."""
    registered_kitchens: int | None = None
    """Kitchens in the site registry (coverage = reporting / registered); None hides it."""

    def console(self, path: str) -> str:
        return self.console_url.rstrip("/") + path


def influx(query: str | Select, ref: str = "A", alias: str | None = None) -> InfluxQL:
    """An InfluxQL target on the project's InfluxDB data source."""
    q = InfluxQL(query).ref_id(ref).datasource(INFLUX)
    if alias is not None:
        q.alias(alias)
    return q


def influx_table(query: str | Select, ref: str = "A") -> InfluxQL:
    return influx(query, ref).table()


def prom(expr: str, legend: str, ref: str = "A") -> prometheus.Dataquery:
    """A PromQL target on the Prometheus data source (the SDK's own builder)."""
    return (
        prometheus.Dataquery()
        .expr(expr)
        .legend_format(legend)
        .ref_id(ref)
        .range()
        .datasource(PROMETHEUS)
    )


def steps(base: str, *marks: tuple[float, str]) -> db.ThresholdsConfig:
    """Absolute thresholds: `base` colour below the first mark, then each mark's colour."""
    return (
        db.ThresholdsConfig()
        .mode(dm.ThresholdsMode.ABSOLUTE)
        .steps(
            [dm.Threshold(value=None, color=base)]
            + [dm.Threshold(value=v, color=c) for v, c in marks]
        )
    )


def value_map(*pairs: tuple[str, str, str]) -> dm.ValueMap:
    """Value → (text, colour) mapping, e.g. ("0", "离线 offline", "red")."""
    return dm.ValueMap(
        options={
            value: dm.ValueMappingResult(text=label, color=colour, index=i)
            for i, (value, label, colour) in enumerate(pairs)
        }
    )


def link(title: str, url: str, blank: bool = False) -> db.DashboardLink:
    return db.DashboardLink(title).type(dm.DashboardLinkType.LINK).url(url).target_blank(blank)


def _legend() -> cb.VizLegendOptions:
    return (
        cb.VizLegendOptions()
        .display_mode(cm.LegendDisplayMode.LIST)
        .placement(cm.LegendPlacement.BOTTOM)
        .show_legend(True)
    )


def _tooltip() -> cb.VizTooltipOptions:
    return cb.VizTooltipOptions().mode(cm.TooltipDisplayMode.MULTI).sort(cm.SortOrder.DESCENDING)


def timeseries_panel(
    title: str,
    description: str,
    targets: Sequence[cogbuilder.Builder[cogvariants.Dataquery]],
    unit: str,
    *,
    decimals: int | None = 1,
    width: int = 12,
    height: int = 8,
) -> ts.Panel:
    p = (
        ts.Panel()
        .title(title)
        .description(description)
        .targets(list(targets))
        .unit(unit)
        .span(width)
        .height(height)
        .legend(_legend())
        .tooltip(_tooltip())
        .line_width(1)
        .fill_opacity(10)
        .span_nulls(False)
    )
    if decimals is not None:
        p.decimals(decimals)
    return p


def bars_panel(
    title: str,
    description: str,
    targets: Sequence[cogbuilder.Builder[cogvariants.Dataquery]],
    unit: str,
    *,
    width: int = 12,
    height: int = 8,
) -> ts.Panel:
    """Counts per interval as stacked bars (detections per hour, alerts per day)."""
    return (
        timeseries_panel(title, description, targets, unit, decimals=0, width=width, height=height)
        .draw_style(cm.GraphDrawStyle.BARS)
        .fill_opacity(80)
        .stacking(cb.StackingConfig().mode(cm.StackingMode.NORMAL))
    )


def stat_panel(
    title: str,
    description: str,
    targets: Sequence[cogbuilder.Builder[cogvariants.Dataquery]],
    unit: str,
    thresholds: db.ThresholdsConfig,
    *,
    decimals: int = 0,
    width: int = 6,
    height: int = 4,
) -> stat.Panel:
    return (
        stat.Panel()
        .title(title)
        .description(description)
        .targets(list(targets))
        .unit(unit)
        .decimals(decimals)
        .span(width)
        .height(height)
        .thresholds(thresholds)
        .color_mode(cm.BigValueColorMode.VALUE)
        .graph_mode(cm.BigValueGraphMode.NONE)
        .text_mode(cm.BigValueTextMode.AUTO)
        .justify_mode(cm.BigValueJustifyMode.AUTO)
        .orientation(cm.VizOrientation.AUTO)
        .reduce_options(cb.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )


def table_panel(
    title: str,
    description: str,
    targets: Sequence[cogbuilder.Builder[cogvariants.Dataquery]],
    *,
    width: int = 24,
    height: int = 10,
) -> table.Panel:
    return (
        table.Panel()
        .title(title)
        .description(description)
        .targets(list(targets))
        .span(width)
        .height(height)
        .show_header(True)
        .cell_height(cm.TableCellHeight.SM)
        .align(cm.FieldTextAlignment.AUTO)
        .inspect(False)
        .footer(cb.TableFooterOptions().show(False).reducer(["sum"]).count_rows(False))
    )


def timeline_panel(
    title: str,
    description: str,
    targets: Sequence[cogbuilder.Builder[cogvariants.Dataquery]],
    mappings: Sequence[dm.ValueMapping],
    thresholds: db.ThresholdsConfig,
    *,
    width: int = 12,
    height: int = 8,
) -> statetimeline.Panel:
    """A state timeline (online/offline, open/closed): one lane per series."""
    return (
        statetimeline.Panel()
        .title(title)
        .description(description)
        .targets(list(targets))
        .span(width)
        .height(height)
        .mappings(list(mappings))
        .thresholds(thresholds)
        .color_scheme(db.FieldColor().mode(dm.FieldColorModeId.THRESHOLDS))
        .show_value(cm.VisibilityMode.NEVER)
        .merge_values(True)
        .row_height(0.9)
        .line_width(0)
        .fill_opacity(70)
        .legend(_legend())
        .tooltip(_tooltip())
    )


def text_panel(title: str, markdown: str, *, width: int = 24, height: int = 6) -> text.Panel:
    return (
        text.Panel()
        .title(title)
        .mode(tm.TextMode.MARKDOWN)
        .content(markdown)
        .span(width)
        .height(height)
    )


def tag_variable(
    name: str, label: str, measurement: str, description: str, where: Sequence[str] = ()
) -> db.QueryVariable:
    """A multi-value variable over one tag's values, with an All option that also
    matches series lacking the tag (All is `.*`)."""
    return (
        db.QueryVariable(name)
        .label(label)
        .description(description)
        .datasource(INFLUX)
        .query(show_tag_values(measurement, name, where))
        .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dm.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(dm.VariableOption(selected=True, text=["All"], value=["$__all"]))
    )


def dashboard(uid: str, title: str, description: str, tags: Sequence[str]) -> db.Dashboard:
    """A dashboard with the project's defaults (viewer's time zone, last 24 h, 1 min
    refresh, read-only: the code is the source, edits in the UI would be lost)."""
    return (
        db.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["bright-kitchen", *tags])
        .timezone("browser")
        .time("now-24h", "now")
        .refresh("1m")
        .tooltip(dm.DashboardCursorSync.CROSSHAIR)
        .readonly()
    )
