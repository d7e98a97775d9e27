"""Time-series store: one interface, two adapters (InfluxDB 1.x HTTP; 2.x/3.x client)."""

from core.store.base import Row, TimeSeriesStore
from core.store.factory import open_store
from core.store.points import (
    alert_point,
    detection_points,
    reading_points,
    status_point,
    to_line_protocol,
)

__all__ = [
    "Row",
    "TimeSeriesStore",
    "alert_point",
    "detection_points",
    "open_store",
    "reading_points",
    "status_point",
    "to_line_protocol",
]
