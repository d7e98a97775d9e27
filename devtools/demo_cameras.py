"""The demo's scripted cameras: hygiene incidents at set times of the simulated day.

The fleet simulator's cameras draw random scenes (whatever the generator picks: a
worker without a hat now, a rodent at night), which shows the pipeline but cannot be
scored. Each kitchen named in CAMERA_SCRIPT gets a second camera, `cam2`, rendered here
with `simulators.scenes` from a script: an empty kitchen, except during an incident: a
worker without a hat, a worker without a mask, a rodent on the floor, or the camera
switched off (no frames at all). Frames go to the
broker exactly as an agent's camera frames do (JPEG, `FrameMeta` as MQTT 5 user
properties), stamped with the simulated time, which is followed from the fleet's own
readings (the last reading's timestamp plus the wall time since, times the speed).

Times in the script are local times of day (the district's Asia/Shanghai): the rules
judge no-hat and no-mask in working hours (06:00–19:00, Monday to Saturday) and a
silent camera in service hours (10:30–13:00, 17:00–19:00); a rodent at any hour.

Every scene shown is one the shipped model reads without a class the script does not
put there (tests/integration/demo/test_demo_cameras.py checks it frame by frame). A
worker without a hat but WITH a mask is not: the model saw a mask missing in 3 to 8 of
240 such frames (2 December 2026), and the no-mask rule fires on one detection, so the
first default run showed a no-mask alert the script did not justify. The hat incidents
therefore show a worker without hat and mask, and both alerts are expected of them.
"""

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import paho.mqtt.client as mqtt

from core import topics
from core.mqtt import MqttClient
from core.schemas.frames import FrameMeta
from core.settings import MqttSettings
from simulators.scenes import RodentSpec, SceneSpec, WorkerSpec, render_scene

logger = logging.getLogger(__name__)

CAMERA = "cam2"
ZONE = ZoneInfo("Asia/Shanghai")


class CameraIncident(NamedTuple):
    kitchen: int
    """Index of the kitchen (modulo the district's size)."""
    kind: str
    """no_hat_no_mask, no_mask, rodent or camera_off."""
    at: timedelta
    """Local time of day."""
    lasting: timedelta


CAMERA_SCRIPT: list[CameraIncident] = [
    # A rodent stays in view long enough for a few frames at any demo speed (frames are
    # speed/fps simulated seconds apart; vision declares it after three that show it move).
    CameraIncident(1, "rodent", timedelta(hours=2), timedelta(minutes=20)),
    # Kitchen 4: kitchen 0's agent is offline from 20 min after the start in the district
    # script, and the rules let an offline agent stand for its cameras (a run started at
    # 10:00 put this rodent inside that outage).
    CameraIncident(4, "rodent", timedelta(hours=10, minutes=10), timedelta(minutes=20)),
    CameraIncident(1, "no_hat_no_mask", timedelta(hours=10, minutes=20), timedelta(minutes=30)),
    CameraIncident(2, "no_mask", timedelta(hours=10, minutes=50), timedelta(minutes=30)),
    CameraIncident(3, "camera_off", timedelta(hours=11, minutes=30), timedelta(minutes=30)),
    CameraIncident(5, "no_hat_no_mask", timedelta(hours=15), timedelta(minutes=30)),
    CameraIncident(7, "camera_off", timedelta(hours=17, minutes=30), timedelta(minutes=30)),
]

RULES = {
    "no_hat_no_mask": ("no-hat", "no-mask"),
    "no_mask": ("no-mask",),
    "rodent": ("rodent",),
    "camera_off": ("camera-off",),
}
"""The alerts each kind of incident must cause."""
WITHIN = {
    "rodent": timedelta(minutes=25),
    "no_hat_no_mask": timedelta(minutes=20),
    "no_mask": timedelta(minutes=20),
    "camera_off": timedelta(minutes=20),
}
"""By when after the incident starts its alert is due (frames, persistence, silence)."""
WORKING_DAYS = frozenset({0, 1, 2, 3, 4, 5})  # Monday..Saturday (the pack's working_hours)


class ScriptedAlert(NamedTuple):
    site: str
    rule: str
    at: datetime
    by: datetime


def camera_sites(sites: list[str]) -> list[str]:
    """The kitchens that get a scripted `cam2`."""
    return sorted({sites[i.kitchen % len(sites)] for i in CAMERA_SCRIPT})


def incidents_between(
    sites: list[str], start: datetime, end: datetime
) -> list[tuple[str, str, datetime, datetime]]:
    """(site, kind, from, to) of every scripted camera incident inside [start, end)."""
    out = []
    day = start.astimezone(ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        for inc in CAMERA_SCRIPT:
            at = (day + inc.at).astimezone(UTC)
            if start <= at and at + inc.lasting <= end:
                out.append((sites[inc.kitchen % len(sites)], inc.kind, at, at + inc.lasting))
        day += timedelta(days=1)
    return sorted(out, key=lambda x: x[2])


def expected_alerts(sites: list[str], start: datetime, end: datetime) -> list[ScriptedAlert]:
    """The camera alerts the script must cause in [start, end): schedules respected
    (no-hat and no-mask only in working hours on working days, camera-off in service)."""
    out = []
    for site, kind, at, _to in incidents_between(sites, start, end):
        local = at.astimezone(ZONE)
        if kind in ("no_hat_no_mask", "no_mask") and (
            local.weekday() not in WORKING_DAYS or not 6 <= local.hour < 19
        ):
            continue
        tod = local.hour * 60 + local.minute
        if kind == "camera_off" and not (630 <= tod < 780 or 1020 <= tod < 1140):
            continue
        if at + WITHIN[kind] <= end:
            out += [ScriptedAlert(site, rule, at, at + WITHIN[kind]) for rule in RULES[kind]]
    return out


SCRIPTED_FPS = 2.0
"""Frames per wall second of each scripted camera."""
SCENE_STEP_S = 0.5
"""Scene seconds between two frames of a scripted camera: a rodent runs as a 2 fps camera
sees it, whatever the demo's speed (its frames are a simulated minute apart at 120x)."""
RODENT_SPEED = 0.08
"""Frame widths per scene second: 4 % of the picture between frames, so the tracker follows
it and sees it move (vision declares a rodent only once it has moved its own length)."""


def scene(kind: str | None, background: int, night: bool, t: float = 0.0) -> SceneSpec:
    """What a scripted camera shows: an empty, lit kitchen, or the incident `kind`, `t`
    scene seconds after it began.

    Between incidents the kitchen is empty: compliant workers drew the odd low-score
    no-mask from the detector, which is not what is scored.
    """
    workers: tuple[WorkerSpec, ...] = ()
    if kind == "no_hat_no_mask":
        workers = (WorkerSpec(x=0.5, hat=False, mask=False),)
    elif kind == "no_mask":
        workers = (WorkerSpec(x=0.5, mask=False),)
    rodents = (RodentSpec(x=0.2, speed=RODENT_SPEED),) if kind == "rodent" else ()
    return SceneSpec(
        width=640,
        height=480,
        t=t,
        night=night,
        ir=False,
        background_seed=background,
        workers=workers,
        rodents=rodents,
        n_distractors=0,
        occlusion=False,
    )


def background_of(n: int) -> int:
    """The background of the `n`-th scripted camera (each kitchen has its own)."""
    return 100 + n


@dataclass
class ScriptedCameras:
    """Publish every scripted camera's frames, `fps` per wall second, on the sim clock."""

    settings: MqttSettings
    sites: list[str]
    speed: float
    clock_site: str
    """A kitchen whose readings give the simulated clock."""
    fps: float = SCRIPTED_FPS
    frames: int = 0
    _last: tuple[datetime, float] | None = None
    _given: datetime | None = None
    _seq: dict[str, int] = field(default_factory=dict)
    _shown: dict[str, tuple[datetime, int]] = field(default_factory=dict)
    """Per site: when its current incident began and the frames shown of it since."""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sim_now(self) -> datetime | None:
        """The simulated time now, never earlier than a time it gave before.

        It runs on from the newest reading's timestamp at `speed`; a reading that arrives
        behind that estimate resets it to an earlier time. Frames stamped with it would
        then go back in time, and the rules ignore a camera's frames older than its last
        one (the rodent's declaring frame was among those dropped).
        """
        with self._lock:
            last = self._last
            if last is None:
                return None
            now = last[0] + timedelta(seconds=(time.monotonic() - last[1]) * self.speed)
            if self._given is not None and now <= self._given:
                now = self._given + timedelta(milliseconds=1)
            self._given = now
            return now

    def _on_message(self, msg: mqtt.MQTTMessage) -> None:
        try:
            body = json.loads(bytes(msg.payload))
            ts = datetime.fromisoformat(str(body["readings"][0]["ts"]).replace("Z", "+00:00"))
        except (ValueError, KeyError, IndexError, TypeError):
            return
        with self._lock:
            if self._last is None or ts > self._last[0]:
                self._last = (ts, time.monotonic())

    def start(self) -> None:
        self.client = MqttClient(
            self.settings, client_id="demo-cameras", persistent=False, on_message=self._on_message
        )
        self.client.subscribe(
            f"{topics.PREFIX}/{self.clock_site}/+/{topics.Channel.TELEMETRY.value}", qos=0
        )
        self.client.connect(timeout=10)
        self._thread = threading.Thread(target=self._run, name="demo-cameras", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self.client.close()

    def _run(self) -> None:
        rng = np.random.default_rng(7)
        cams = camera_sites(self.sites)
        while not self._stop.wait(1.0 / self.fps):
            now = self.sim_now()
            if now is None:
                continue
            active = {
                (site, kind): a
                for site, kind, a, b in incidents_between(
                    self.sites, now - timedelta(days=1), now + timedelta(days=1)
                )
                if a <= now < b
            }
            night = not 6 <= now.astimezone(ZONE).hour < 21
            for n, site in enumerate(cams):
                if (site, "camera_off") in active:
                    continue
                kind, began = next(
                    ((k, a) for (s, k), a in sorted(active.items()) if s == site), (None, now)
                )
                # The scene moves on by one step per frame shown, however late the frame:
                # a loop slowed by a busy machine must not make the rodent jump.
                since, shown = self._shown.get(site, (began, 0))
                shown = shown if since == began else 0
                self._shown[site] = (began, shown + 1)
                spec = scene(kind, background_of(n), night, shown * SCENE_STEP_S)
                self._publish(site, render_scene(spec, rng)[0], now)

    def _publish(self, site: str, image: np.ndarray, when: datetime) -> None:
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        if not ok:
            return
        seq = self._seq.get(site, 0)
        self._seq[site] = seq + 1
        payload = buf.tobytes()
        height, width = image.shape[:2]
        meta = FrameMeta(ts=when, seq=seq, size=len(payload), width=width, height=height)
        self.client.publish(
            topics.frame_topic(site, CAMERA),
            payload,
            qos=topics.QOS[topics.Channel.FRAME],
            user_properties=meta.user_properties(),
            content_type=meta.content_type,
        )
        self.frames += 1


def vision_rules_env(speed: float, fps: float = SCRIPTED_FPS) -> dict[str, str]:
    """Vision settings (environment) for the tracker under the demo's accelerated clock.

    The tracker judges time on the frames' own (simulated) clock. A scripted camera's
    frames are `speed / fps` simulated seconds apart (a minute at 120x), so the default
    hold of 4 s (eight frames of a 2 fps camera) would never see two frames: the hold is
    set to four frame gaps (three frames showing a violation still declare it when a busy
    machine makes the camera late) and a lost track may come back within three gaps.
    """
    gap = speed / fps
    return {
        "BK_VISION__DEFAULT_RULES__HOLD_S": f"{min(3600.0, 4 * gap):g}",
        "BK_VISION__DEFAULT_RULES__RELINK_S": f"{min(3600.0, 3 * gap):g}",
    }
