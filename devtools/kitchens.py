"""A one-device kitchen for physics tests (as `devtools.traffic` is for the rules' tests)."""

from datetime import UTC, datetime
from typing import Any

from simulators.devices import SimKitchen
from simulators.fleet import build_kitchen
from simulators.physics import PHYSICS_DT_S
from simulators.scenario import Scenario

START = datetime(2026, 1, 5, tzinfo=UTC)
STILL_ROOM = {"amplitude_c": 0.0, "cooking_gain_c": 0.0, "steam_gain_rh": 0.0}
"""Room parameters with no daily swing and no cooking heat or steam."""


def one_device_kitchen(
    model: str,
    incidents: list[dict[str, Any]] | None = None,
    *,
    seed: int,
    dt_s: float = PHYSICS_DT_S,
    device: dict[str, Any] | None = None,
    room: dict[str, float] | None = None,
) -> SimKitchen:
    """Kitchen `k1` with one device `dev1` of `model`; incidents start at `START`."""
    scn = Scenario.model_validate(
        {
            "seed": seed,
            "start": START,
            "duration": "2d",
            "sites": {
                "k1": {"room": room or {}, "devices": {"dev1": {"model": model, **(device or {})}}}
            },
            "incidents": [
                {"site": "k1", "device": "dev1", "at": START, **inc} for inc in incidents or []
            ],
        }
    )
    return build_kitchen(scn, "k1", dt_s)
