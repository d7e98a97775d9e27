"""Pick the store adapter from settings (`influx.kind`)."""

from core.settings import InfluxSettings
from core.store.base import TimeSeriesStore


def open_store(settings: InfluxSettings) -> TimeSeriesStore:
    """Open the adapter the settings name; nothing is sent until the first call."""
    if settings.kind == "v2":
        from core.store.influx_v2 import InfluxV2Store

        return InfluxV2Store(settings)
    from core.store.influx_v1 import InfluxV1Store

    return InfluxV1Store(settings)
