"""The store interface every adapter implements (Telegraf's `Write(batch)` shape)."""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from influxdb_client import Point

from core.store.points import to_line_protocol

Row = dict[str, Any]


class TimeSeriesStore(ABC):
    """Writes line protocol and answers InfluxQL; raises BackendUnavailable / WriteRejected.

    Writing the same series at the same timestamp twice stores one point: that is
    what makes redelivered messages harmless.
    """

    kind: str = "abstract"

    def write(self, points: Sequence[Point]) -> None:
        """Write points in one request (callers batch)."""
        if points:
            self.write_lines(to_line_protocol(points))

    @abstractmethod
    def write_lines(self, body: bytes) -> None:
        """Write newline-separated line protocol with nanosecond timestamps."""

    @abstractmethod
    def query(self, influxql: str) -> list[Row]:
        """Run InfluxQL; one dict per row, with `time` (ns since epoch), columns and group tags."""

    @abstractmethod
    def ping(self) -> bool:
        """True when the server answers."""

    def ensure_database(self) -> None:  # noqa: B027 - optional hook
        """Create the database/bucket if the backend needs it and may do so."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def __enter__(self) -> "TimeSeriesStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def rows_from_influxql(result: dict[str, Any]) -> list[Row]:
    """Flatten an InfluxQL JSON answer (results → series → values) into rows."""
    rows: list[Row] = []
    for statement in result.get("results", []):
        if "error" in statement:
            from core.errors import WriteRejected

            raise WriteRejected(f"InfluxQL error: {statement['error']}")
        for series in statement.get("series", []) or []:
            columns = series.get("columns", [])
            tags = series.get("tags", {}) or {}
            name = series.get("name")
            for values in series.get("values", []) or []:
                row: Row = dict(zip(columns, values, strict=False))
                row.update(tags)
                if name is not None:
                    row.setdefault("_measurement", name)
                rows.append(row)
    return rows
