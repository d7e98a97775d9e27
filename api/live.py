"""The live view's frame hub: one MQTT connection per API process, frames fanned out to viewers.

Camera frames are the heaviest traffic on the broker (a district has thousands of
cameras), and nobody watches most of them, so the hub subscribes on demand: to a
camera's frame topic when its first viewer arrives and away again when the last one
leaves. It keeps only the newest frame of each watched camera, as the JPEG bytes that
were published (never decoded or re-encoded: the centre adds no CPU per pixel and no
quality loss), and hands it to each viewer's slot.

A viewer (one WebSocket page, one MJPEG stream) has one slot per camera holding only
the latest frame: a consumer slower than the camera skips the frames it had no time for
instead of building a backlog, so what it shows is always recent. Viewers may also ask
for a slower rate per camera (hidden tiles: one frame every few seconds).

Threads: paho's network thread only parses the message and posts it to the event loop
with `loop.call_soon_threadsafe`; every structure below is touched on the loop only, so
a slow viewer can never hold up the MQTT thread. Bad payloads are counted and dropped.
"""

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import paho.mqtt.client as paho

from core.errors import PayloadError
from core.mqtt import MqttClient, content_type, user_properties
from core.schemas import FrameMeta
from core.settings import MqttSettings
from core.topics import Channel, frame_topic, parse_device_topic

logger = logging.getLogger(__name__)

CameraKey = tuple[str, str]
"""(site, camera): camera ids are unique only within their kitchen."""


@dataclass(frozen=True, slots=True)
class LiveFrame:
    """One camera frame as published: its bytes untouched, with the source's ts and seq."""

    site: str
    camera: str
    seq: int
    ts_ms: int
    """Capture time at the source, epoch milliseconds (UTC)."""
    jpeg: bytes

    @property
    def key(self) -> CameraKey:
        return (self.site, self.camera)


class Viewer:
    """One consumer's slots: the newest unsent frame of each camera it watches.

    Only the event loop touches a viewer. `next()` returns the frame that has waited
    longest among those due (a camera asked to go slow is due `interval` seconds after
    its last frame was handed out), so many cameras share one consumer fairly.
    """

    def __init__(self) -> None:
        self._slots: dict[CameraKey, LiveFrame] = {}
        self._interval: dict[CameraKey, float] = {}
        self._last_out: dict[CameraKey, float] = {}
        self._wake = asyncio.Event()
        self.closed = False
        self.delivered = 0
        self.dropped = 0
        """Frames replaced in a slot before this viewer took them (stale, never sent)."""

    def set_interval(self, key: CameraKey, seconds: float) -> None:
        """At most one frame of `key` every `seconds` (0: every frame)."""
        self._interval[key] = max(0.0, seconds)
        self._wake.set()

    def offer(self, frame: LiveFrame) -> None:
        """Put `frame` in its camera's slot, replacing an unsent older one."""
        if self.closed:
            return
        if self._slots.pop(frame.key, None) is not None:
            self.dropped += 1
        self._slots[frame.key] = frame  # re-inserted last: the oldest waiting goes first
        self._wake.set()

    def forget(self, key: CameraKey) -> None:
        self._slots.pop(key, None)
        self._interval.pop(key, None)
        self._last_out.pop(key, None)

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    async def next(self) -> LiveFrame | None:
        """The next frame to send, waiting for one; None once the viewer or hub is closed."""
        while not self.closed:
            now = time.monotonic()
            wait = math.inf
            for key, frame in self._slots.items():
                due = self._last_out.get(key, -math.inf) + self._interval.get(key, 0.0)
                if due <= now:
                    del self._slots[key]
                    self._last_out[key] = now
                    self.delivered += 1
                    return frame
                wait = min(wait, due - now)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), None if wait == math.inf else wait)
        return None


class FrameHub:
    """Subscribe-on-demand fan-out of camera frames (see the module docstring)."""

    def __init__(self, settings: MqttSettings, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._viewers: dict[CameraKey, set[Viewer]] = {}
        self._latest: dict[CameraKey, LiveFrame] = {}
        self.counters: Counter[str] = Counter()
        self._closed = False
        # Our own client id whatever the settings say: several API workers may run, and a
        # shared id would make the broker drop one connection for the other.
        self._client = MqttClient(
            settings,
            client_id=f"bk-api-live-{uuid.uuid4().hex[:12]}",
            persistent=False,
            on_message=self._on_message,
        )

    def start(self) -> None:
        """Connect in the background: the API serves without a broker, the view waits for it."""
        self._client.connect(wait=False)

    @property
    def connected(self) -> bool:
        return self._client.is_connected

    def close(self) -> None:
        """Disconnect and end every viewer (their streams and sockets then finish)."""
        self._closed = True
        for viewers in self._viewers.values():
            for viewer in viewers:
                viewer.close()
        self._viewers.clear()
        self._latest.clear()
        self._client.close()

    # -- viewers (event loop only) -------------------------------------------------

    def watch(self, viewer: Viewer, key: CameraKey, interval_s: float = 0.0) -> None:
        """Start sending `key`'s frames to `viewer`; the first viewer subscribes."""
        if self._closed:
            viewer.close()
            return
        viewer.set_interval(key, interval_s)
        viewers = self._viewers.get(key)
        if viewers is None:
            viewers = self._viewers[key] = set()
            self._client.subscribe(frame_topic(*key), qos=0)
            self.counters["subscribes"] += 1
            logger.debug("live view: subscribed to %s/%s", *key)
        if viewer in viewers:
            return
        viewers.add(viewer)
        latest = self._latest.get(key)
        if latest is not None:  # a newcomer sees the picture at once, not at the next frame
            viewer.offer(latest)

    def unwatch(self, viewer: Viewer, key: CameraKey) -> None:
        """Stop sending `key` to `viewer`; the last viewer leaving unsubscribes."""
        viewer.forget(key)
        viewers = self._viewers.get(key)
        if viewers is None:
            return
        viewers.discard(viewer)
        if not viewers:
            del self._viewers[key]
            self._latest.pop(key, None)
            if not self._closed:
                self._client.unsubscribe(frame_topic(*key))
            self.counters["unsubscribes"] += 1
            logger.debug("live view: unsubscribed from %s/%s", *key)

    def unwatch_all(self, viewer: Viewer, keys: Iterable[CameraKey]) -> None:
        for key in list(keys):
            self.unwatch(viewer, key)

    def watched(self) -> list[CameraKey]:
        """Cameras with at least one viewer (what the hub is subscribed to)."""
        return sorted(self._viewers)

    def stats(self) -> dict[str, int]:
        out = dict(self.counters)
        out["cameras"] = len(self._viewers)
        out["viewers"] = len({v for vs in self._viewers.values() for v in vs})
        out["connected"] = int(self.connected)
        return out

    # -- MQTT (paho's network thread) ------------------------------------------------

    def _on_message(self, msg: paho.MQTTMessage) -> None:
        """Check the frame and post it to the loop; nothing here waits for a viewer."""
        try:
            topic = parse_device_topic(msg.topic, Channel.FRAME)
            payload = bytes(msg.payload)
            meta = FrameMeta.from_properties(user_properties(msg), content_type(msg), payload)
        except PayloadError as exc:
            self.counters["bad_frames"] += 1
            logger.warning("live view: frame on %s refused (%s)", msg.topic[:120], exc)
            return
        frame = LiveFrame(
            site=topic.site,
            camera=topic.device,
            seq=meta.seq,
            ts_ms=round(meta.ts.timestamp() * 1000),
            jpeg=payload,
        )
        self.counters["frames"] += 1
        try:
            self._loop.call_soon_threadsafe(self._deliver, frame)
        except RuntimeError:  # the loop is closed: the app is shutting down
            return

    def _deliver(self, frame: LiveFrame) -> None:
        viewers = self._viewers.get(frame.key)
        if not viewers:  # arrived after the last viewer left
            self.counters["unwatched_frames"] += 1
            return
        self._latest[frame.key] = frame
        for viewer in viewers:
            viewer.offer(frame)
