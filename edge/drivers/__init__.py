"""Device drivers of the edge agent: one small interface, plugins found by entry point."""

from edge.drivers.base import (
    CameraDriver,
    DriverConfig,
    Sample,
    SensorDriver,
    load_camera_driver,
    load_sensor_driver,
)

__all__ = [
    "CameraDriver",
    "DriverConfig",
    "Sample",
    "SensorDriver",
    "load_camera_driver",
    "load_sensor_driver",
]
