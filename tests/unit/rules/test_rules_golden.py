"""Golden alert events: every rules scenario the unit tests drive, byte for byte.

Why: the engine was split into rule-kind plugins, a lifecycle and a checkpoint
(issue 18); behaviour must not change. This test re-runs each existing scenario test
of `tests/unit/rules` (all but the 100-kitchen week, which raises nothing and takes
minutes) with the engine's public calls recorded: every alert event each call
returns and every notice it queues, as JSON with sorted keys. It adds scenarios no
test drove (rate of change, snapshot/restore mid-run through the store). The files
under `golden/` were written from the code before the split, and the split left them
byte for byte as they were; since then one change on purpose: escalation and
reminders run on each kitchen's clock, which moved the escalation and reminder
notices (not the alert events) of the kitchens whose clocks lag (two lagging-kitchen
tests and the demo's skewed kitchens); and alerts the tick fires (no-data, the offline
grace) are stamped on their kitchen's clock too, which moved the lagging kitchen's no-data
alert of test_a_kitchen_whose_clock_lags_is_not_silent_but_its_silent_sensor_is by its
20 min lag. A difference is a change of behaviour;
`BK_GOLDEN_WRITE=1` rewrites them (only on purpose).
"""

import dataclasses
import importlib
import importlib.util
import inspect
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.schemas import AlertEvent
from devtools.traffic import reading
from rules.alerts import Notice
from rules.config import parse_rule_file, resolve
from rules.engine import Engine
from rules.store import AlertStore

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
MODULES = (
    "test_rules_camera_off",
    "test_rules_coldchain",
    "test_rules_engine",
    "test_rules_events",
    "test_rules_scenarios",
    "test_rules_tiers",
    "test_notice",
)
RECORDED = ("process", "tick", "acknowledge", "resolve", "apply")


def _event(e: AlertEvent) -> Any:
    return e.model_dump(mode="json")


def _notice(n: Notice) -> Any:
    out = {f.name: getattr(n, f.name) for f in dataclasses.fields(n)}
    out["event"] = _event(n.event)
    out["roles"] = list(n.roles)
    return out


class Recorder:
    """Wraps the engine's public calls; keeps what each outermost call gave out."""

    def __init__(self) -> None:
        self.engines: list[dict[str, Any]] = []
        self._depth: dict[int, int] = {}
        self._told: dict[int, dict[int, Notice]] = {}
        """Notices already recorded per engine, by id (kept alive so no id is reused)."""
        self._ids: dict[int, int] = {}

    def install(self, mp: pytest.MonkeyPatch) -> None:
        rec = self
        init = Engine.__init__

        def __init__(self: Engine, *a: Any, **kw: Any) -> None:  # noqa: N807
            init(self, *a, **kw)
            rec._ids[id(self)] = len(rec.engines)
            rec.engines.append({"calls": []})
            rec._told[id(self)] = {id(n): n for n in self.outbox}
            rec._keep.append(self)

        mp.setattr(Engine, "__init__", __init__)
        for name in RECORDED:
            mp.setattr(Engine, name, self._wrap(getattr(Engine, name), name))

    _keep: list[Engine] = []

    def _wrap(self, fn: Callable[..., list[AlertEvent]], name: str) -> Callable[..., Any]:
        rec = self

        def call(eng: Engine, *a: Any, **kw: Any) -> list[AlertEvent]:
            k = id(eng)
            rec._depth[k] = rec._depth.get(k, 0) + 1
            try:
                out = fn(eng, *a, **kw)
            finally:
                rec._depth[k] -= 1
            if rec._depth[k] == 0 and k in rec._ids:
                calls = rec.engines[rec._ids[k]]["calls"]
                told = rec._told[k]
                new = [n for n in eng.outbox if id(n) not in told]
                told.update((id(n), n) for n in new)
                index = len(calls)
                calls.append(None)
                if out or new:
                    calls[index] = {
                        "op": name,
                        "events": [_event(e) for e in out],
                        "notices": [_notice(n) for n in new],
                    }
            return out

        return call

    def dump(self) -> str:
        engines = []
        for e in self.engines:
            calls = [dict(c, i=i) for i, c in enumerate(e["calls"]) if c is not None]
            engines.append({"n_calls": len(e["calls"]), "calls": calls})
        return json.dumps(engines, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def _load(mod_name: str) -> Any:
    """The scenario module, loaded under its own name (test folders are no packages)."""
    name = f"_golden_{mod_name}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / f"{mod_name}.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def _cases() -> Iterator[Any]:
    for mod_name in MODULES:
        mod = _load(mod_name)
        for name, fn in sorted(vars(mod).items()):
            if not name.startswith("test_") or not inspect.isfunction(fn):
                continue
            params = set(inspect.signature(fn).parameters)
            marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
            grids: list[list[dict[str, Any]]] = []
            for m in marks:
                names = m.args[0]
                names = [names] if isinstance(names, str) else list(names)
                if len(names) == 1:
                    grids.append([{names[0]: v} for v in m.args[1]])
                else:
                    grids.append([dict(zip(names, v, strict=True)) for v in m.args[1]])
            if not params <= {"tmp_path"} | {k for g in grids for k in g[0]}:
                continue
            for pos, combo in zip(
                itertools.product(*(range(len(g)) for g in grids)),
                itertools.product(*grids),
                strict=True,
            ):
                kwargs = {k: v for d in combo for k, v in d.items()}
                tag = "-".join(str(i) for i in pos)
                yield pytest.param(
                    fn, kwargs, id=f"{mod_name}.{name}" + (f"[{tag}]" if tag else "")
                )


def _own_rate_of_change(tmp_path: Path) -> None:
    """Rate of change, through the store (no test drove it; a restart mid-window is
    tested apart: the window was not in the checkpoint before the split)."""
    file = {
        "rules": [
            {
                "id": "fast-rise",
                "kind": "rate_of_change",
                "max_per_min": 1.0,
                "window_s": 300,
                "for_s": 60,
                "match": {"zone": ["cold_room"]},
            }
        ]
    }
    rs = resolve(parse_rule_file(file))
    url = f"sqlite:///{tmp_path}/roc.db"
    t0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
    values = [4.0] * 10 + [4.0 + 2.0 * i for i in range(1, 8)] + [18.0] * 20
    eng = Engine(rs, AlertStore(url))
    for i, v in enumerate(values):
        eng.process(reading("k1", "cr1", "t1", "cold_room", v, t0 + timedelta(seconds=30 * i), i))
        eng.tick(t0 + timedelta(seconds=30 * i))


def _own_restart_everywhere(tmp_path: Path) -> None:
    """The demo fleet with a checkpoint and a fresh engine every simulated hour."""
    from simulators.fleet import simulate
    from simulators.scenario import load_scenario

    scn = _load("test_rules_scenarios")
    rs = resolve(parse_rule_file(scn.FILE))
    url = f"sqlite:///{tmp_path}/hours.db"
    eng = Engine(rs, AlertStore(url))
    hour, last = -1, 0.0
    until = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for m in simulate(load_scenario(scn.DEMO), until=until, step_s=20.0):
        eng.process(m)
        if eng.watermark - last >= 60:
            eng.tick(eng.watermark)
            last = eng.watermark
        h = int(eng.watermark // 3600)
        if hour >= 0 and h != hour:
            eng.checkpoint()
            eng = Engine(rs, AlertStore(url))
        hour = h


OWN = [
    pytest.param(_own_rate_of_change, {"tmp_path": None}, id="own.rate_of_change"),
    pytest.param(_own_restart_everywhere, {"tmp_path": None}, id="own.demo_restart_hourly"),
]


@pytest.mark.parametrize(("fn", "kwargs"), [*_cases(), *OWN])
def test_alert_events_and_notices_match_the_golden_files(
    fn: Callable[..., None], kwargs: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    rec = Recorder()
    with pytest.MonkeyPatch.context() as mp:
        rec.install(mp)
        args = dict(kwargs)
        if "tmp_path" in inspect.signature(fn).parameters:
            args["tmp_path"] = tmp_path
        fn(**args)
    Recorder._keep.clear()
    got = rec.dump()
    name = request.node.callspec.id
    path = GOLDEN / (name.replace("/", "_").replace("[", "@").replace("]", "") + ".json")
    if os.environ.get("BK_GOLDEN_WRITE") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}"
    assert got == path.read_text(encoding="utf-8"), f"{path.name} differs"
