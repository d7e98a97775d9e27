"""Publish a simulated fleet over MQTT exactly as its edge agents would.

One MQTT connection per kitchen, like one edge agent per kitchen: client id
`sim-{site}-{agent}`, a Last Will that marks the agent offline (retained), a retained
online status on every connect, telemetry as QoS 1 batches per device on
`core.topics.telemetry_topic` with per-device increasing sequence numbers, and the
agent's status changes of the scenario (network outages) as retained status messages,
and, with `frames`, each camera's JPEG frames (QoS 0, `FrameMeta` in MQTT 5 user
properties) rendered by the simulated camera driver at the camera's fps.
It is a lean publisher (no disk buffer, no sampling threads) so that 1,000 kitchens fit
in one process; the real agent path is exercised with `simulators.edge_drivers`.

Readings are stamped with simulated time. A scenario is moved (`place`) so that its
simulated time never runs ahead of the wall clock (the centre refuses timestamps more
than `core.schemas.MAX_FUTURE` ahead) and, by default, so that it starts at a fixed local
time of day (00:00 in the scenario's time zone) on the latest day that keeps the whole
run in the past: two runs then tell the same story whenever they are started (scenes
are night or day, doors open in working hours, by the simulated local time). Placing the
run to end at the wall clock (`rebase`, `--start now`) made the story depend on the time
of day it was started: a night run showed 5 alerts, a late-morning one 110.
"""

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import cv2

from core import topics
from core.errors import ConfigError
from core.mqtt import MqttClient, Will
from core.schemas import MAX_FUTURE, DeviceState, DeviceStatus, FrameMeta, Telemetry, encode
from core.settings import MqttSettings
from simulators.clock import SimClock
from simulators.edge_drivers import SimCameraConfig, SimulatedCamera
from simulators.fleet import ticks
from simulators.scenario import CameraSpec, Scenario

logger = logging.getLogger(__name__)


@dataclass
class RunStats:
    """What a run did; `readings` counts readings handed to the broker connections."""

    sites: int = 0
    messages: int = 0
    readings: int = 0
    frames: int = 0
    statuses: int = 0
    acked: int = 0
    ticks: int = 0
    max_lag_s: float = 0.0
    sim_span_s: float = 0.0
    wall_s: float = 0.0
    connect_s: float = 0.0
    publish_errors: int = 0
    unconfirmed: int = 0
    """Agents whose last QoS 1 message the broker had not acknowledged at close."""
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    cpu_s: float = 0.0
    """CPU (user + system) the publishing process(es) used during `run`."""
    processes: int = 1


def rebase(scenario: Scenario, wall_s: float, speed: float, now: datetime) -> Scenario:
    """Move the scenario so its simulated time stays at or behind the wall clock.

    At speed 1 it starts now; faster, it starts far enough back that the run ends
    (after `wall_s` wall seconds) at the wall clock.
    """
    span = min(wall_s * speed, scenario.duration.total_seconds())
    start = now - timedelta(seconds=max(0.0, span - wall_s))
    return scenario.shifted(start - scenario.start)


DEFAULT_START = "00:00"
"""Local time of day a run starts at by default (`bk sim run --start`, `bk demo --start`)."""
DEFAULT_TZ = "Asia/Shanghai"


def run_span_s(scenario: Scenario, wall_s: float, speed: float) -> float:
    """Simulated seconds a run of `wall_s` wall seconds at `speed` plays."""
    return min(wall_s * speed, scenario.duration.total_seconds())


def scenario_zone(scenario: Scenario) -> ZoneInfo:
    """The scenario's local time zone: its first site's (Asia/Shanghai when it has none)."""
    name = next((s.timezone for s in scenario.sites.values()), DEFAULT_TZ)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {name!r} in the scenario") from exc


def parse_start(text: str, zone: ZoneInfo) -> day_time | datetime:
    """`HH:MM[:SS]` (a local time of day) or an ISO date / date-time (naive: local)."""
    text = text.strip()
    try:
        if len(text) <= 8 and ":" in text:
            return day_time.fromisoformat(text)
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), day_time(0), tzinfo=zone)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(
            f"开始时间 {text[:40]!r} 无法识别 (start must be HH:MM, YYYY-MM-DD, an ISO "
            "date-time or now)"
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def latest_start(span_s: float, now: datetime, at: day_time, zone: ZoneInfo) -> datetime:
    """The latest day's local `at` from which a run of `span_s` ends by `now` (UTC)."""
    day = now.astimezone(zone).date()
    while True:
        start = datetime.combine(day, at, tzinfo=zone)
        if start + timedelta(seconds=span_s) <= now:
            return start.astimezone(UTC)
        day -= timedelta(days=1)


def place(
    scenario: Scenario, wall_s: float, speed: float, now: datetime, start: str = DEFAULT_START
) -> Scenario:
    """Move the scenario to begin at `start`, keeping its simulated time behind the wall clock.

    `start`: a local time of day (`00:00`, the default: the latest day at that time whose
    whole run is already past, so the same story plays whenever it runs); a date or a
    date-time (exactly there; ConfigError when the run would get more than MAX_FUTURE
    ahead of the wall clock, which the centre would refuse); or `now` (the run ends at the
    wall clock, as `rebase`).
    """
    if start.strip().lower() == "now":
        return rebase(scenario, wall_s, speed, now)
    zone = scenario_zone(scenario)
    span = run_span_s(scenario, wall_s, speed)
    parsed = parse_start(start, zone)
    if isinstance(parsed, datetime):
        begin = parsed.astimezone(UTC)
        # Simulated minus wall time grows linearly over the run: check both ends.
        wall_run = 0.0 if math.isinf(speed) else span / speed
        ahead = max(begin - now, begin + timedelta(seconds=span - wall_run) - now)
        if ahead > MAX_FUTURE:
            raise ConfigError(
                f"从 {begin.isoformat()} 开始, 模拟时间会超前于当前时间 {ahead} "
                f"(start {begin.isoformat()} would run {ahead} ahead of the wall clock; "
                f"the centre refuses timestamps more than {MAX_FUTURE} ahead)"
            )
    else:
        begin = latest_start(span, now, parsed, zone)
    return scenario.shifted(begin - scenario.start)


class _Agent:
    """The MQTT side of one kitchen's agent.

    Its status messages carry simulated time like everything else the fleet sends.
    They used to carry the wall clock, which is ahead of simulated time whenever the
    fleet starts in the past or falls behind: one status then pushed the rules
    engine's clock (the newest source time) hours ahead of the readings, so every
    sensor looked silent and every rodent alert's quiet period was over at the next
    tick (the flapping `bk demo` showed).
    """

    def __init__(
        self,
        settings: MqttSettings,
        site: str,
        agent: str,
        on_ack: Callable[[], None],
        sim_now: Callable[[], datetime],
    ):
        self.site, self.agent = site, agent
        self.sim_now = sim_now
        offline = DeviceStatus(site=site, device=agent, state=DeviceState.OFFLINE, ts=sim_now())
        self.status_topic = topics.status_topic(site, agent)
        self.client = MqttClient(
            settings,
            client_id=f"sim-{site}-{agent}",
            will=Will(self.status_topic, encode(offline)),
            persistent=False,
        )
        self.client.paho.on_publish = lambda *_args: on_ack()
        self.client.on_connect_hooks.append(self._online)

    def _online(self) -> None:
        status = DeviceStatus(
            site=self.site, device=self.agent, state=DeviceState.ONLINE, ts=self.sim_now()
        )
        self.client.publish(self.status_topic, encode(status), qos=1, retain=True)


class _Camera:
    """A scenario camera rendered by the simulated camera driver."""

    def __init__(self, seed: int, site: str, camera: str, spec: CameraSpec) -> None:
        self.site, self.camera = site, camera
        self.interval_s = 1.0 / spec.fps
        self.next_due = 0.0
        self.seq = 0
        config = SimCameraConfig(
            id=camera,
            site=site,
            seed=seed,
            width=spec.width,
            height=spec.height,
            interval_s=self.interval_s,
            scene=spec.scene,
        )
        self.driver = SimulatedCamera(config)


class FleetRunner:
    """Connect one agent per kitchen, then publish the scenario paced by a SimClock."""

    def __init__(
        self,
        scenario: Scenario,
        settings: MqttSettings,
        *,
        speed: float = 1.0,
        step_s: float = 1.0,
        stagger: bool = True,
        frames: bool = False,
        frame_wall_fps: float = 1.0,
    ) -> None:
        """`frame_wall_fps` caps each camera's frames per *wall* second.

        At speed 60 a 1 fps camera would otherwise send 60 frames a wall second, and a
        handful of cameras (rendered, JPEG-encoded, then run through the detector by
        `bk vision run`) is more than a small machine can do: the whole fleet, readings
        included, fell minutes behind its clock. Above the cap, frames are spaced out
        in simulated time instead (1 per 60 simulated seconds at speed 60).
        """
        if not frame_wall_fps > 0:
            raise ValueError("frame_wall_fps must be positive")
        self.scenario = scenario
        self.settings = settings
        self.speed = speed
        self.step_s = step_s
        self.stagger = stagger
        self.cameras: list[_Camera] = []
        if frames:
            self.cameras = [
                _Camera(scenario.seed, site_id, cam_id, cam)
                for site_id, spec in scenario.sites.items()
                for cam_id, cam in spec.cameras.items()
            ]
            if not math.isinf(speed):
                for c in self.cameras:
                    c.interval_s = max(c.interval_s, speed / frame_wall_fps)
        self.stats = RunStats(sites=len(scenario.sites))
        self._ack_lock = threading.Lock()
        self._agents: dict[str, _Agent] = {}
        self._stop = threading.Event()
        self._sim_now = scenario.start
        """Simulated time of the latest tick sent (status messages are stamped with it)."""

    def _acked(self) -> None:
        with self._ack_lock:
            self.stats.acked += 1

    def connect(self, timeout: float = 30.0) -> None:
        t0 = time.monotonic()
        for site_id, spec in self.scenario.sites.items():
            agent = _Agent(self.settings, site_id, spec.agent, self._acked, lambda: self._sim_now)
            agent.client.connect(timeout=timeout, wait=False)
            self._agents[site_id] = agent
        deadline = time.monotonic() + timeout
        for agent in self._agents.values():
            if not agent.client.wait_connected(max(0.1, deadline - time.monotonic())):
                raise TimeoutError(f"agent of {agent.site} not connected within {timeout:.0f} s")
        self.stats.connect_s = time.monotonic() - t0
        logger.info(
            "%d simulated agents connected in %.1f s", len(self._agents), self.stats.connect_s
        )

    def stop(self) -> None:
        self._stop.set()

    def run(self, wall_s: float) -> RunStats:
        """Publish for `wall_s` wall seconds (or until the scenario ends)."""
        if not self._agents:
            self.connect()
        span = min(wall_s * self.speed, self.scenario.duration.total_seconds())
        until = self.scenario.start + timedelta(seconds=span)
        # stop() wakes the clock's sleep, so a SIGTERM ends a slow run at once
        clock = SimClock(self.scenario.start, self.speed, sleep=self._stop.wait)
        t0, cpu0 = time.monotonic(), time.process_time()
        stats = self.stats
        try:
            for tick in ticks(self.scenario, until=until, step_s=self.step_s, stagger=self.stagger):
                if not math.isinf(self.speed):
                    stats.max_lag_s = max(stats.max_lag_s, clock.sleep_until(tick.when))
                if self._stop.is_set():
                    break
                self._sim_now = tick.when
                for msg in tick.messages:
                    self._publish(msg)
                for cam in self.cameras:
                    self._frame(cam, tick.t_s, tick.when)
                stats.ticks += 1
            if not math.isinf(self.speed) and not self._stop.is_set():
                clock.sleep_until(until)  # the run lasts its span, even if the last tick is early
        finally:  # also when interrupted: the figures printed cover what was sent
            stats.wall_s = time.monotonic() - t0
            stats.cpu_s = time.process_time() - cpu0
            stats.sim_span_s = (
                (self._sim_now - self.scenario.start).total_seconds()
                if self._stop.is_set()
                else span
            )
        return stats

    def _publish(self, msg: Telemetry | DeviceStatus) -> None:
        agent = self._agents[msg.site]
        stats = self.stats
        if isinstance(msg, Telemetry):
            topic, qos, retain = topics.telemetry_topic(msg.site, msg.device), 1, False
            stats.readings += len(msg.readings)
            ts = msg.readings[0].ts
            if stats.first_ts is None:
                stats.first_ts = ts
            stats.last_ts = ts
        else:
            topic, qos, retain = agent.status_topic, 1, True
            stats.statuses += 1
        info = agent.client.publish(topic, encode(msg), qos=qos, retain=retain)
        if info.rc != 0:
            stats.publish_errors += 1
        stats.messages += 1

    def _frame(self, cam: "_Camera", t_s: float, when: datetime) -> None:
        if t_s + 1e-9 < cam.next_due:
            return
        cam.next_due += cam.interval_s * max(1, math.ceil((t_s - cam.next_due) / cam.interval_s))
        image = cam.driver.grab(when)
        if image is None:
            return
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        if not ok:
            return
        payload = buf.tobytes()
        height, width = image.shape[:2]
        meta = FrameMeta(ts=when, seq=cam.seq, size=len(payload), width=width, height=height)
        cam.seq += 1
        agent = self._agents[cam.site]
        agent.client.publish(
            topics.frame_topic(cam.site, cam.camera),
            payload,
            qos=topics.QOS[topics.Channel.FRAME],
            user_properties=meta.user_properties(),
            content_type=meta.content_type,
        )
        self.stats.frames += 1

    def close(self, timeout: float = 60.0) -> None:
        """Disconnect every agent cleanly, marking it offline first (as an agent does).

        Each agent's offline status is its last QoS 1 message; the disconnect waits (up to
        `timeout` for the whole fleet) until the broker has acknowledged it, and with it
        everything queued before it. paho sends at most its in-flight window (20) ahead of
        the acknowledgements and drops the rest of its queue on disconnect: closing at
        once lost the last readings of busy agents (the demo: 6 readings of the final
        second, counted as published, never sent).
        """
        pending = []
        for agent in self._agents.values():
            offline = DeviceStatus(
                site=agent.site, device=agent.agent, state=DeviceState.OFFLINE, ts=self._sim_now
            )
            info = agent.client.publish(agent.status_topic, encode(offline), qos=1, retain=True)
            pending.append((agent, info))
        deadline = time.monotonic() + timeout
        for agent, info in pending:
            while not info.is_published() and time.monotonic() < deadline:
                if info.rc != 0 or not agent.client.is_connected:
                    break
                time.sleep(0.01)
            if not info.is_published():
                self.stats.unconfirmed += 1
                logger.warning("agent of %s closed with messages not acknowledged", agent.site)
        for agent in self._agents.values():
            agent.client.close()
        self._agents.clear()
