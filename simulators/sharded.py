"""Run a large fleet in several publisher processes, one MQTT connection per kitchen each.

paho-mqtt waits on its sockets with `select()`, which cannot watch file descriptors
above 1023, and every client holds three (its socket and a wake-up pair): past ~300
clients in one process, new connections fail. So a fleet of 1,000 kitchens is split
into processes of at most `MAX_AGENTS_PER_PROCESS` agents each. Every process
connects its agents, then all start publishing at the same wall-clock instant; each
kitchen's stream is identical to a single-process run (per-device generators).
"""

import logging
import math
import multiprocessing as mp
import signal
import threading
import time
from multiprocessing.connection import Connection

from core.errors import BkError
from core.settings import MqttSettings
from simulators.runner import FleetRunner, RunStats
from simulators.scenario import Scenario

logger = logging.getLogger(__name__)

MAX_AGENTS_PER_PROCESS = 250


def split(scenario: Scenario, parts: int) -> list[Scenario]:
    """The scenario cut into `parts` scenarios of consecutive sites (incidents follow)."""
    sites = sorted(scenario.sites)
    size = math.ceil(len(sites) / parts)
    out = []
    for i in range(0, len(sites), size):
        chunk = set(sites[i : i + size])
        data = scenario.model_dump()
        data["sites"] = {k: v for k, v in data["sites"].items() if k in chunk}
        data["incidents"] = [inc for inc in data["incidents"] if inc["site"] in chunk]
        out.append(Scenario.model_validate(data))
    return out


def _worker(
    scenario: Scenario,
    settings: MqttSettings,
    speed: float,
    step_s: float,
    frames: bool,
    wall_s: float,
    conn: Connection,
) -> None:
    logging.getLogger("core.mqtt").setLevel(logging.ERROR)  # hundreds of clean disconnects
    runner = FleetRunner(scenario, settings, speed=speed, step_s=step_s, frames=frames)
    # the parent forwards its SIGTERM; Ctrl-C reaches the whole process group: either
    # ends the run between ticks, and the figures still go back to the parent
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: runner.stop())
    try:
        runner.connect(timeout=120)
        conn.send("connected")
        start_at = conn.recv()  # a time.time() instant shared by every worker
        time.sleep(max(0.0, start_at - time.time()))
        stats = runner.run(wall_s)
        conn.send(stats)
    except (BkError, OSError, ValueError) as exc:  # reported to the parent, which raises
        conn.send(exc)
    finally:
        runner.close()


def _merge(parts: list[RunStats]) -> RunStats:
    total = RunStats(processes=len(parts))
    for s in parts:
        total.sites += s.sites
        total.messages += s.messages
        total.readings += s.readings
        total.frames += s.frames
        total.statuses += s.statuses
        total.acked += s.acked
        total.publish_errors += s.publish_errors
        total.cpu_s += s.cpu_s
        total.ticks = max(total.ticks, s.ticks)
        total.max_lag_s = max(total.max_lag_s, s.max_lag_s)
        total.sim_span_s = max(total.sim_span_s, s.sim_span_s)
        total.wall_s = max(total.wall_s, s.wall_s)
        total.connect_s = max(total.connect_s, s.connect_s)
        firsts = [t for t in (total.first_ts, s.first_ts) if t is not None]
        lasts = [t for t in (total.last_ts, s.last_ts) if t is not None]
        total.first_ts = min(firsts) if firsts else None
        total.last_ts = max(lasts) if lasts else None
    return total


def run_fleet(
    scenario: Scenario,
    settings: MqttSettings,
    *,
    wall_s: float,
    speed: float = 1.0,
    step_s: float = 1.0,
    frames: bool = False,
    processes: int | None = None,
) -> RunStats:
    """Publish the fleet for `wall_s` from enough processes; merged statistics."""
    n = processes or max(1, math.ceil(len(scenario.sites) / MAX_AGENTS_PER_PROCESS))
    parts = split(scenario, n)
    ctx = mp.get_context("spawn")
    pipes, procs = [], []
    for part in parts:
        here, there = ctx.Pipe()
        proc = ctx.Process(
            target=_worker, args=(part, settings, speed, step_s, frames, wall_s, there)
        )
        proc.start()
        pipes.append(here)
        procs.append(proc)

    def forward(signum: int, _frame: object) -> None:
        """Stop every publisher cleanly; their figures are still collected below. A
        Ctrl-C already reached them (same process group): only SIGTERM is passed on."""
        if signum != signal.SIGTERM:
            return
        for proc in procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: the worker's handler stops its run

    previous = (
        {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
        if threading.current_thread() is threading.main_thread()
        else {}
    )
    try:
        for pipe in pipes:
            answer = pipe.recv()
            if isinstance(answer, BaseException):
                raise answer
        start_at = time.time() + 0.5
        for pipe in pipes:
            pipe.send(start_at)
        results = []
        for pipe in pipes:
            if not pipe.poll(wall_s + 60):
                raise TimeoutError("a publisher process did not report")
            answer = pipe.recv()
            if isinstance(answer, BaseException):
                raise answer
            results.append(answer)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
    logger.info("fleet of %d kitchens ran in %d processes", len(scenario.sites), len(parts))
    return _merge(results)
