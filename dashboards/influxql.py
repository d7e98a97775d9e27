"""InfluxQL targets for Grafana through the SDK's custom-query extension.

grafana-foundation-sdk has no InfluxDB query type, so this module follows the SDK's
documented pattern (`examples/python/custom-query/`): a `Dataquery` variant with its own
`to_json`/`from_json`, registered with the SDK runtime under the datasource plugin id
`influxdb`, and a builder for it. Registering the variant is what lets an exported
dashboard load back into the SDK's models with its targets intact.

`Select` is a small typed InfluxQL statement builder, so every panel writes its query
the same way (quoted identifiers, Grafana's `$timeFilter`, tag filters from template
variables) instead of hand-formatting strings in each panel.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Self

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import runtime as cogruntime
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models.dashboard import DataSourceRef

PLUGIN_ID = "influxdb"
"""Grafana's datasource plugin id for InfluxDB (InfluxQL and Flux share it)."""

ResultFormat = Literal["time_series", "table", "logs"]


class InfluxQLQuery(cogvariants.Dataquery):
    """One InfluxQL target as Grafana stores it, in raw-query mode."""

    query: str
    raw_query: bool
    result_format: ResultFormat
    alias: str | None
    ref_id: str | None
    hide: bool | None
    datasource: DataSourceRef | None

    def __init__(
        self,
        query: str = "",
        raw_query: bool = True,
        result_format: ResultFormat = "time_series",
        alias: str | None = None,
        ref_id: str | None = None,
        hide: bool | None = None,
        datasource: DataSourceRef | None = None,
    ) -> None:
        self.query = query
        self.raw_query = raw_query
        self.result_format = result_format
        self.alias = alias
        self.ref_id = ref_id
        self.hide = hide
        self.datasource = datasource

    def to_json(self) -> dict[str, object]:
        payload: dict[str, object] = {
            "query": self.query,
            "rawQuery": self.raw_query,
            "resultFormat": self.result_format,
        }
        if self.alias is not None:
            payload["alias"] = self.alias
        if self.ref_id is not None:
            payload["refId"] = self.ref_id
        if self.hide is not None:
            payload["hide"] = self.hide
        if self.datasource is not None:
            payload["datasource"] = self.datasource.to_json()
        return payload

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        args: dict[str, Any] = {}
        for key, arg in (
            ("query", "query"),
            ("rawQuery", "raw_query"),
            ("resultFormat", "result_format"),
            ("alias", "alias"),
            ("refId", "ref_id"),
            ("hide", "hide"),
        ):
            if key in data:
                args[arg] = data[key]
        if "datasource" in data:
            args["datasource"] = DataSourceRef.from_json(data["datasource"])
        return cls(**args)


def variant_config() -> cogruntime.DataqueryConfig:
    """The SDK runtime entry that maps `datasource.type == "influxdb"` to this class."""
    return cogruntime.DataqueryConfig(identifier=PLUGIN_ID, from_json_hook=InfluxQLQuery.from_json)


def register() -> None:
    """Register the InfluxQL variant (idempotent) before decoding dashboards with the SDK."""
    cogruntime.register_dataquery_variant(variant_config())


class InfluxQL(cogbuilder.Builder[InfluxQLQuery]):
    """Builder for an InfluxQL target; `query` is a string or a `Select`."""

    _internal: InfluxQLQuery

    def __init__(self, query: "str | Select") -> None:
        self._internal = InfluxQLQuery(query=str(query))

    def build(self) -> InfluxQLQuery:
        return self._internal

    def ref_id(self, ref_id: str) -> Self:
        self._internal.ref_id = ref_id
        return self

    def hide(self, hide: bool) -> Self:
        self._internal.hide = hide
        return self

    def alias(self, alias: str) -> Self:
        """Series name; Grafana fills `$tag_<name>` with the series' tag value."""
        self._internal.alias = alias
        return self

    def result_format(self, result_format: ResultFormat) -> Self:
        self._internal.result_format = result_format
        return self

    def table(self) -> Self:
        return self.result_format("table")

    def datasource(self, ref: DataSourceRef) -> Self:
        self._internal.datasource = ref
        return self


# -- statements ---------------------------------------------------------------------------


def ident(name: str) -> str:
    """A double-quoted InfluxQL identifier."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal(value: str) -> str:
    """A single-quoted InfluxQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def tag_eq(tag: str, value: str) -> str:
    return f"{ident(tag)} = {literal(value)}"


def tag_ne(tag: str, value: str) -> str:
    return f"{ident(tag)} != {literal(value)}"


def tag_var(tag: str, variable: str | None = None) -> str:
    """Filter a tag by a (multi-value, All-capable) template variable: `"t" =~ /^$t$/`."""
    return f"{ident(tag)} =~ /^${variable or tag}$/"


def tag_not_in(tag: str, values: Sequence[str]) -> str:
    return f"{ident(tag)} !~ /^({'|'.join(values)})$/"


def number(value: float) -> str:
    """A number literal InfluxQL accepts: no exponent, negatives in parentheses."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        return "0"
    return f"({text})" if text.startswith("-") else text


TIME_FILTER = "$timeFilter"
"""Grafana's macro for the dashboard time range (`time >= ... and time <= ...`)."""


@dataclass(frozen=True)
class Select:
    """`SELECT ... FROM ... WHERE ... GROUP BY ... fill() ORDER BY ... LIMIT ...`.

    `source` is a measurement name or another `Select` (a subquery). The dashboard
    time range is always part of the WHERE clause unless `time_filter=False`.
    """

    fields: tuple[str, ...]
    source: "str | Select"
    where: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    interval: str | None = None
    fill: str | None = None
    order_desc: bool = False
    limit: int | None = None
    time_filter: bool = True
    tz: str | None = None

    def __str__(self) -> str:
        src = f"({self.source})" if isinstance(self.source, Select) else ident(self.source)
        # InfluxQL built from our own typed parts for Grafana to run, not user input.
        text = f"SELECT {', '.join(self.fields)} FROM {src}"  # noqa: S608
        conditions = [*self.where, *((TIME_FILTER,) if self.time_filter else ())]
        if conditions:
            text += " WHERE " + " AND ".join(conditions)
        groups = ([f"time({self.interval})"] if self.interval else []) + [
            g if g == "*" else ident(g) for g in self.group_by
        ]
        if groups:
            text += " GROUP BY " + ", ".join(groups)
        if self.fill is not None:
            text += f" fill({self.fill})"
        if self.order_desc:
            text += " ORDER BY time DESC"
        if self.limit is not None:
            text += f" LIMIT {self.limit}"
        if self.tz is not None:
            text += f" tz({literal(self.tz)})"
        return text


def select(
    fields: str | Sequence[str],
    source: "str | Select",
    *,
    where: Sequence[str] = (),
    group_by: Sequence[str] = (),
    interval: str | None = None,
    fill: str | None = None,
    order_desc: bool = False,
    limit: int | None = None,
    time_filter: bool = True,
    tz: str | None = None,
) -> Select:
    """Build a `Select`; fields are expressions (`mean("value")`, `last("online") AS "x"`)."""
    return Select(
        fields=(fields,) if isinstance(fields, str) else tuple(fields),
        source=source,
        where=tuple(where),
        group_by=tuple(group_by),
        interval=interval,
        fill=fill,
        order_desc=order_desc,
        limit=limit,
        time_filter=time_filter,
        tz=tz,
    )


def show_tag_values(measurement: str, key: str, where: Sequence[str] = ()) -> str:
    """The query of a template variable: the values one tag takes."""
    text = f"SHOW TAG VALUES FROM {ident(measurement)} WITH KEY = {ident(key)}"
    if where:
        text += " WHERE " + " AND ".join(where)
    return text
