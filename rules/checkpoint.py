"""The engine's checkpoint: one typed, versioned model (alerts themselves live in the store).

Version 2 keeps each rule kind's state under its kind's name, as the kind's own model
gives it (`Evaluator.snapshot`), beside what the engine and the lifecycle keep. A
version-1 checkpoint (before rule kinds were plugins) is read and converted, so a
worker upgraded mid-incident carries on where it was; rate-of-change windows, which
version 1 did not keep, start empty. Any other version is refused with a log line and
the engine starts fresh (its open alerts still come from the store).
"""

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rules.kinds import Cond

logger = logging.getLogger(__name__)

VERSION = 2

SeenRow = tuple[str, str, str, float, str, str, str | None, float]
"""site, device, sensor, last ts, source, kind, zone, learned interval."""


class Checkpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    v: int = VERSION
    watermark: float = 0.0
    conds: dict[str, Cond] = Field(default_factory=dict)
    seen: list[SeenRow] = Field(default_factory=list)
    offline: list[tuple[str, str, float, bool]] = Field(default_factory=list)
    """site, device, offline since, is the kitchen's gateway."""
    telemetry_devices: list[tuple[str, str]] = Field(default_factory=list)
    power: list[tuple[str, str, float]] = Field(default_factory=list)
    door_since: list[tuple[str, str, float]] = Field(default_factory=list)
    site_clock: dict[str, tuple[float, float]] = Field(default_factory=dict)
    """site -> (newest source time, lag behind the watermark)."""
    digest: dict[str, dict[str, Any]] = Field(default_factory=dict)
    live: dict[str, tuple[float | None, float | None, float | None]] = Field(default_factory=dict)
    """What changes without a transition (so the store's row lags behind): per open
    alert, last seen (the quiet period of an event alert), last notified (reminders),
    value."""
    kinds: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Each rule kind's own state, by kind name."""


def read(state: dict[str, Any]) -> Checkpoint | None:
    """The checkpoint in `state`, converted from version 1; None (logged) if unreadable."""
    version = state.get("v", 1)
    if version == 1:
        state = _from_v1(state)
    elif version != VERSION:
        logger.warning("checkpoint version %s is not %s: starting fresh", version, VERSION)
        return None
    return Checkpoint.model_validate(state)


def _from_v1(old: dict[str, Any]) -> dict[str, Any]:
    probes: dict[str, Any] = {}
    failures: dict[str, Any] = {}
    for key, row in old.get("cold", {}).items():
        if len(row) == 2:
            failures[key] = {"start": row[0], "why": row[1]}
        else:
            if len(row) == 5:  # from before the estimate-at-start column
                row = [*row, row[0]]
            est, ts, v, start, defrost, est0 = row
            probes[key] = {
                "est": est,
                "ts": ts,
                "v": v,
                "start": start,
                "defrost": defrost,
                "est0": est0,
            }
    batches = {
        key: {
            "hot_ts": c["hot_ts"],
            "hot_v": c["hot_v"],
            "start": c.get("start"),
            "mid": c.get("mid"),
            "done": bool(c.get("done")),
            "last": c.get("last"),
        }
        for key, c in old.get("cool", {}).items()
    }
    cycles = {
        key: {
            "start": d[0],
            "hold_start": d[1],
            "best": d[2],
            "peak": d[3],
            "judged": bool(d[4]),
            "trough": d[5],
        }
        for key, d in old.get("disinfect", {}).items()
    }
    return {
        "v": VERSION,
        "watermark": old.get("watermark", 0.0),
        "conds": {k: {"since": c[0], "clear_since": c[1]} for k, c in old.get("conds", {}).items()},
        "seen": [row if len(row) > 7 else [*row, 0.0] for row in old.get("seen", [])],
        "offline": [[s, d, since, bool(gw)] for s, d, since, gw in old.get("offline", [])],
        "telemetry_devices": old.get("telemetry_devices", []),
        "power": old.get("power", []),
        "door_since": old.get("door_since", []),
        "site_clock": old.get("site_clock", {}),
        "digest": old.get("digest", {}),
        "live": old.get("live", {}),
        "kinds": {
            "threshold": {"probes": probes, "failures": failures},
            "cooling_curve": {"batches": batches},
            "disinfection_cycle": {"cycles": cycles},
            "device_offline": {"pending": old.get("pending", [])},
        },
    }
