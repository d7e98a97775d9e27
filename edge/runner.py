"""Run or check the agent from a config file; shared by `bk edge run` and `python -m edge`.

Kept free of Typer so the lean entry point (`python -m edge`) does not pay for it.
"""

import signal
from pathlib import Path
from types import FrameType

from core.logging_setup import setup_logging


def validate(config: Path) -> str:
    """Load the settings and build every driver (without opening it); ConfigError if bad."""
    from edge.config import load_edge_settings
    from edge.drivers.base import load_camera_driver, load_sensor_driver

    cfg = load_edge_settings(config).edge
    for spec in cfg.sensors:
        load_sensor_driver(spec)
    for cam in cfg.cameras:
        load_camera_driver(cam.driver_spec())
    return (
        f"config OK: site {cfg.site}, device {cfg.device}, "
        f"{len(cfg.sensors)} sensors, {len(cfg.cameras)} cameras"
    )


def run(config: Path) -> None:
    """Run until SIGTERM/SIGINT; BkError (bad config) before anything starts."""
    from edge.agent import EdgeAgent
    from edge.config import load_edge_settings
    from edge.memory import pin_mmap_threshold

    settings = load_edge_settings(config)
    setup_logging(settings.log_level, settings.log_json)
    pin_mmap_threshold()  # before the first frame: see edge/memory.py
    agent = EdgeAgent(settings)

    def _stop(signum: int, frame: FrameType | None) -> None:
        agent.request_stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    agent.run_forever()
