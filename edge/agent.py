"""The edge agent: sensors and cameras in, MQTT out, nothing lost while offline.

Threads, each with one job so a slow device never stalls the others:

- one sampler per sensor: read on its interval, validate, append to the disk buffer;
- one per camera: rate limit, motion gate, resize, JPEG, publish at QoS 0 (frames are
  live pictures: while offline they are counted as dropped, never buffered);
- the forwarder: takes the oldest buffered readings in seq order, publishes them as
  telemetry batches at QoS 1 and deletes them only when the centre's store receipt
  names them (`publish.confirm: receipt`, the default) or, where no ingest sends
  receipts, when their PUBACK arrives (`confirm: puback`);
- the heartbeat: retained status with uptime, buffer depth, drops, CPU and memory.

paho owns the in-flight window during one process lifetime (it resends unacknowledged
batches itself after a reconnect, in order); the disk buffer covers the rest: a
restart or power cut replays every unconfirmed reading from the start. A PUBACK is not
proof of storage: a restarted Mosquitto forgets its shared subscriptions' queues and a
killed one loses what it held since its last snapshot. So a batch the broker took but
the centre never confirmed is sent again once `receipt_timeout_s` passes (doubling up
to `receipt_timeout_max_s` while the centre stays silent); the store keys points by
series and source time, so a reading sent twice is stored once.
"""

import json
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import paho.mqtt.client as mqtt
import psutil
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from pydantic import ValidationError

from core import topics
from core.errors import BkError, ConfigError, PayloadError
from core.mqtt import MqttClient, Will
from core.schemas import (
    CameraSettings,
    DeviceConfig,
    DeviceState,
    DeviceStatus,
    FrameMeta,
    Reading,
    StoreReceipt,
    Telemetry,
    decode,
    encode,
)
from edge.buffer import DiskBuffer
from edge.config import CameraEntry, EdgeSettings
from edge.drivers.base import (
    CameraDriver,
    Sample,
    SensorDriver,
    load_camera_driver,
    load_sensor_driver,
)
from edge.inference import InferenceHook, load_hook

if TYPE_CHECKING:
    from core.service_health import ServiceHealth
    from edge.camera import FramePipeline

logger = logging.getLogger(__name__)

AGENT_VERSION = "0.1.0"
EXPIRE_EVERY_S = 60.0


@dataclass
class Counters:
    """What the agent did; the heartbeat and the benchmarks read these."""

    samples: int = 0
    read_errors: int = 0
    invalid_samples: int = 0
    batches_sent: int = 0
    batches_acked: int = 0
    readings_acked: int = 0
    """Readings deleted from the buffer: confirmed stored (or PUBACKed in puback mode)."""
    receipts: int = 0
    resends: int = 0
    """Times unconfirmed batches were sent again (the centre did not confirm in time)."""
    frames_sent: int = 0
    frames_still: int = 0
    frames_dropped: int = 0
    hook_errors: int = 0
    configs_applied: int = 0
    configs_refused: int = 0
    extra: dict[str, int] = field(default_factory=dict)


@dataclass
class _Sensor:
    driver: SensorDriver
    interval_s: float
    enabled: bool = True
    wake: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Camera:
    entry: CameraEntry
    driver: CameraDriver
    pipeline: "FramePipeline"
    seq: int = 0


class EdgeAgent:
    """One kitchen's agent. `start()` returns at once; `stop()` shuts down cleanly."""

    health: "ServiceHealth | None" = None
    """The Prometheus endpoint, when `agent.metrics_port` asks for one (see `_serve_metrics`)."""

    def __init__(
        self,
        settings: EdgeSettings,
        sensors: list[SensorDriver] | None = None,
        cameras: list[CameraDriver] | None = None,
        hook: InferenceHook | None = None,
    ) -> None:
        self.settings = settings
        cfg = settings.edge
        self.site, self.device = cfg.site, cfg.device
        self.state_dir = settings.state_path()
        self.counters = Counters()
        self.heartbeat_s = cfg.heartbeat_s
        self.config_version: int | None = None
        self.config_error: str | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acks: deque[int] = deque()
        self._inflight: dict[int, tuple[int, int]] = {}
        self._receipts: deque[list[tuple[int, int]]] = deque()
        self._awaiting: dict[tuple[int, int], float] = {}
        """Batches the broker took (PUBACK) that the centre has not confirmed: sent when."""
        self._receipt_timeout = cfg.publish.receipt_timeout_s
        self._cursor = 0
        self._started_mono = time.monotonic()
        self._process = psutil.Process(os.getpid())
        self._status_lock = threading.Lock()

        drivers = sensors if sensors is not None else [load_sensor_driver(s) for s in cfg.sensors]
        self.sensors = {d.config.id: _Sensor(d, d.config.interval_s) for d in drivers}
        cams = (
            cameras
            if cameras is not None
            else [load_camera_driver(c.driver_spec()) for c in cfg.cameras]
        )
        entries = {c.id: c for c in cfg.cameras}
        self.cameras: dict[str, _Camera] = {}
        if cams:
            # OpenCV and numpy only for agents with a camera: a cold-chain-only box saves
            # ~30 MB of RSS (bench/edge_agent.py measures both).
            from edge.camera import FramePipeline
        for cam in cams:
            entry = entries.get(cam.config.id) or CameraEntry(type=cam.type_key, id=cam.config.id)
            # Frame numbers go on from where the last run left off without writing to
            # disk at the frame rate: each run starts at its wall-clock millisecond, which
            # is past every number a previous run used (it sent fewer than 1,000 frames a
            # second), unless the clock was set back.
            first = time.time_ns() // 1_000_000
            self.cameras[cam.config.id] = _Camera(
                entry, cam, FramePipeline(entry.publish), seq=first
            )
        if hook is None and cfg.inference is not None:
            hook = load_hook(cfg.inference.hook, self.site, cfg.inference.options)
        self.hook = hook

        self.buffer = DiskBuffer(
            self.state_dir / "buffer.sqlite",
            max_readings=cfg.buffer.max_readings,
            max_age_s=cfg.buffer.max_age_s,
            synchronous=cfg.buffer.synchronous,
        )
        self.telemetry_topic = topics.telemetry_topic(self.site, self.device)
        self.status_topic = topics.status_topic(self.site, self.device)
        self.config_topic = topics.config_topic(self.site, self.device)
        self.receipt_topic = topics.receipt_topic(self.site, self.device)
        # The Last Will carries start-up time (it is fixed at connect); the centre counts
        # an agent offline from when it sees the will, and the will delay keeps a short
        # network blip from publishing it at all.
        offline = self._status(DeviceState.OFFLINE, figures=False)
        client_id = settings.mqtt.client_id or f"edge-{self.site}-{self.device}"
        self.mqtt = MqttClient(
            settings.mqtt,
            client_id,
            will=Will(
                self.status_topic,
                encode(offline),
                qos=1,
                retain=True,
                delay_s=settings.mqtt.will_delay_s,
            ),
            persistent=True,
            max_inflight=cfg.publish.max_inflight,
            on_message=self._on_message,
        )
        self.mqtt.paho.on_publish = self._on_publish
        self.mqtt.on_connect_hooks.append(self._on_connect)
        self._load_saved_config()

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        """Open the devices, connect (in the background: the network may be down) and run."""
        for s in self.sensors.values():
            s.driver.open()
        for c in self.cameras.values():
            c.driver.open()
        self._process.cpu_percent()
        if self.settings.edge.remote_config:
            self.mqtt.subscribe(self.config_topic, 1)
        if self.settings.edge.publish.confirm == "receipt":
            self.mqtt.subscribe(self.receipt_topic, topics.QOS[topics.Channel.RECEIPT])
        self.mqtt.connect(wait=False)
        self._spawn("forwarder", self._forward_loop)
        self._spawn("heartbeat", self._heartbeat_loop)
        self._serve_metrics()
        for sid, sensor in self.sensors.items():
            self._spawn(f"sensor-{sid}", self._sample_loop, sensor)
        for cid, cam in self.cameras.items():
            self._spawn(f"camera-{cid}", self._camera_loop, cam)
        logger.info(
            "edge agent %s/%s started: %d sensors, %d cameras, %d readings buffered",
            self.site,
            self.device,
            len(self.sensors),
            len(self.cameras),
            self.buffer.depth,
        )

    def _spawn(self, name: str, target: Any, *args: Any) -> None:
        t = threading.Thread(target=self._guard, args=(name, target, *args), name=name, daemon=True)
        t.start()
        self._threads.append(t)

    def _guard(self, name: str, target: Any, *args: Any) -> None:
        """Keep a thread alive through bugs: log, pause a moment, go on."""
        while not self._stop.is_set():
            try:
                target(*args)
                return
            except Exception:
                logger.exception("%s thread failed; restarting it in 1 s", name)
                self._stop.wait(1.0)

    def stop(self, drain_s: float = 2.0) -> None:
        """Stop sampling, give in-flight batches a moment to be acknowledged, go offline."""
        self._stop.set()
        self._wake.set()
        for s in self.sensors.values():
            s.wake.set()
        for t in self._threads:
            t.join(timeout=5)
        deadline = time.monotonic() + drain_s
        while (
            (self._inflight or self._awaiting)
            and self.mqtt.is_connected
            and time.monotonic() < deadline
        ):
            time.sleep(0.02)
            self._handle_acks()
        if self.mqtt.is_connected:
            info = self.mqtt.publish(
                self.status_topic, encode(self._status(DeviceState.OFFLINE)), qos=1, retain=True
            )
            try:
                info.wait_for_publish(timeout=2)
            except (RuntimeError, ValueError):
                logger.warning("offline status not confirmed before shutdown")
        self.mqtt.close()
        for s in self.sensors.values():
            s.driver.close()
        for c in self.cameras.values():
            c.driver.close()
        if self.health is not None:
            self.health.stop()
        self.buffer.close()
        logger.info("edge agent %s/%s stopped", self.site, self.device)

    def run_forever(self) -> None:
        """Run until `request_stop()` (signal handlers call it)."""
        self.start()
        try:
            while not self._stop.wait(1.0):
                pass
        finally:
            self.stop()

    def request_stop(self) -> None:
        self._stop.set()

    # -- sampling -------------------------------------------------------------------

    def _sample_loop(self, sensor: _Sensor) -> None:
        next_due = last = time.monotonic()
        while not self._stop.is_set():
            delay = next_due - time.monotonic()
            if delay > 0:
                sensor.wake.wait(delay)
                if sensor.wake.is_set():
                    sensor.wake.clear()
                    next_due = last + sensor.interval_s  # interval changed: recompute
                    continue
            if self._stop.is_set():
                return
            last = time.monotonic()
            if sensor.enabled:
                self.sample_once(sensor.driver)
            next_due += sensor.interval_s
            now = time.monotonic()
            if next_due < now:  # fell behind (slow device): skip, never burst
                next_due = now + sensor.interval_s

    def sample_once(self, driver: SensorDriver) -> int:
        """Read one sensor now and buffer what it gave; return how many readings."""
        now = datetime.now(UTC)
        try:
            samples = driver.read(now)
        except (OSError, TimeoutError, BkError) as exc:
            self.counters.read_errors += 1
            logger.warning("sensor %s: read failed: %s", driver.config.id, exc)
            return 0
        except Exception:  # a driver bug must not stop this sensor's sampling
            self.counters.read_errors += 1
            logger.exception("sensor %s: driver error", driver.config.id)
            return 0
        good = [s for s in (self._checked(driver, x) for x in samples) if s is not None]
        self.buffer.append(good)
        self.counters.samples += len(good)
        if good:
            self._wake.set()
        return len(good)

    def _checked(self, driver: SensorDriver, sample: Sample) -> Sample | None:
        zone = sample.zone or driver.config.zone
        try:
            Reading(
                sensor=sample.sensor,
                kind=sample.kind,
                value=sample.value,
                unit=sample.unit,
                ts=sample.ts,
                seq=0,
                zone=zone,
            )
        except ValidationError as exc:
            self.counters.invalid_samples += 1
            first = exc.errors()[0]
            logger.warning(
                "sensor %s: dropped implausible sample %s=%r: %s",
                driver.config.id,
                sample.sensor,
                sample.value,
                first["msg"],
            )
            return None
        if zone != sample.zone:
            return Sample(sample.sensor, sample.kind, sample.value, sample.unit, sample.ts, zone)
        return sample

    # -- forwarding -----------------------------------------------------------------

    def _on_publish(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_code: ReasonCode,
        properties: Properties,
    ) -> None:
        # paho's network thread: hand over, never touch SQLite here.
        if reason_code.is_failure:
            logger.error("broker refused message %s: %s", mid, reason_code)
        self._acks.append(mid)
        self._wake.set()

    def _handle_acks(self) -> None:
        spans = []
        while self._acks:
            span = self._inflight.pop(self._acks.popleft(), None)
            if span is not None:  # None: a frame or status message
                spans.append(span)
        if spans:
            self.counters.batches_acked += len(spans)
            if self.settings.edge.publish.confirm == "puback":
                self._delete(spans)
            else:
                now = time.monotonic()
                for span in spans:
                    self._awaiting.setdefault(span, now)
        self._handle_receipts()

    def _delete(self, spans: list[tuple[int, int]]) -> None:
        self.counters.readings_acked += self.buffer.remove_spans(spans)

    def _handle_receipts(self) -> None:
        """Delete what the centre stored; send again what it left unconfirmed too long."""
        confirmed: list[tuple[int, int]] = []
        while self._receipts:
            confirmed.extend(self._receipts.popleft())
        if confirmed:
            self._delete(confirmed)
            for span in list(self._awaiting):
                if any(f <= span[0] and span[1] <= last for f, last in confirmed):
                    del self._awaiting[span]
            self._receipt_timeout = self.settings.edge.publish.receipt_timeout_s
        if not self._awaiting:
            return
        oldest = min(self._awaiting.values())
        if time.monotonic() - oldest < self._receipt_timeout:
            return
        # The broker took these but no receipt came: lost at the broker or at ingest.
        # Start again from the oldest reading still on disk; confirmed rows are gone.
        logger.warning(
            "%d batch(es) unconfirmed for %.0f s; sending the buffer again from its oldest "
            "reading (%d readings waiting)",
            len(self._awaiting),
            self._receipt_timeout,
            self.buffer.depth,
        )
        self._awaiting.clear()
        self._cursor = 0
        self.counters.resends += 1
        limit = self.settings.edge.publish.receipt_timeout_max_s
        self._receipt_timeout = min(self._receipt_timeout * 2, limit)

    def _on_receipt(self, raw: bytes) -> None:
        """paho's thread: check the receipt and hand its spans to the forwarder."""
        try:
            receipt = decode(StoreReceipt, raw)
        except PayloadError as exc:
            logger.warning("ignoring a bad store receipt: %s", exc)
            return
        if receipt.site != self.site or receipt.device != self.device:
            logger.warning("ignoring a store receipt for %s/%s", receipt.site, receipt.device)
            return
        self.counters.receipts += 1
        self._receipts.append(list(receipt.spans))
        self._wake.set()

    def _forward_loop(self) -> None:
        pub = self.settings.edge.publish
        while not self._stop.is_set():
            self._wake.wait(0.5 if self._awaiting else 1.0)
            self._wake.clear()
            self._handle_acks()
            if not self.mqtt.is_connected:
                continue
            if pub.linger_s and len(self._inflight) < pub.max_inflight:
                self._stop.wait(pub.linger_s)  # let one sampling round gather into a batch
                self._handle_acks()
            while len(self._inflight) < pub.max_inflight and self.mqtt.is_connected:
                if not self._publish_batch(pub.batch_max):
                    break

    def _publish_batch(self, limit: int) -> bool:
        batch = self.buffer.peek(self._cursor, limit)
        if not batch:
            return False
        message = Telemetry(site=self.site, device=self.device, readings=[b.reading for b in batch])
        info = self.mqtt.publish(self.telemetry_topic, encode(message), qos=1)
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            logger.warning("telemetry publish not queued (rc %s); will retry", info.rc)
            return False
        # Even with NO_CONN paho keeps a QoS 1 message and sends it after reconnecting.
        self._inflight[info.mid] = (batch[0].seq, batch[-1].seq)
        self._cursor = batch[-1].seq
        self.counters.batches_sent += 1
        return True

    # -- cameras --------------------------------------------------------------------

    def _camera_loop(self, cam: _Camera) -> None:
        topic = topics.frame_topic(self.site, cam.driver.config.id)
        while not self._stop.is_set():
            settings = cam.pipeline.settings
            if not settings.enabled:
                self._stop.wait(1.0)
                continue
            mono = time.monotonic()
            if not cam.pipeline.due(mono):
                self._stop.wait(0.01)
                continue
            now = datetime.now(UTC)
            try:
                frame = cam.driver.grab(now)
            except (OSError, TimeoutError, BkError) as exc:
                self.counters.read_errors += 1
                logger.warning("camera %s: grab failed: %s", cam.driver.config.id, exc)
                self._stop.wait(1.0)
                continue
            if frame is None:
                continue
            encoded = cam.pipeline.process(frame, mono)
            if encoded is None:
                self.counters.frames_still += 1
                continue
            cam.seq += 1
            meta = FrameMeta(
                ts=now,
                seq=cam.seq,
                size=len(encoded.jpeg),
                width=encoded.width,
                height=encoded.height,
            )
            if not self.mqtt.is_connected:
                self.counters.frames_dropped += 1
            else:
                self.mqtt.publish(
                    topic,
                    encoded.jpeg,
                    qos=0,
                    user_properties=meta.user_properties(),
                    content_type="image/jpeg",
                )
                self.counters.frames_sent += 1
            if self.hook is not None:
                self._infer(cam, frame, meta)
            # Wait out the rest of the frame interval instead of spinning.
            rest = 1.0 / settings.fps - (time.monotonic() - mono)
            if rest > 0:
                self._stop.wait(rest)

    def _infer(self, cam: _Camera, frame: Any, meta: FrameMeta) -> None:
        assert self.hook is not None
        try:
            event = self.hook.infer(cam.driver.config.id, cam.pipeline.resize(frame), meta)
        except Exception:
            self.counters.hook_errors += 1
            logger.exception("inference hook failed on camera %s", cam.driver.config.id)
            return
        if event is not None:
            self.mqtt.publish(
                topics.detections_topic(self.site, cam.driver.config.id), encode(event), qos=1
            )

    # -- status ---------------------------------------------------------------------

    def _status(self, state: DeviceState, figures: bool = True) -> DeviceStatus:
        base: dict[str, Any] = {
            "site": self.site,
            "device": self.device,
            "state": state,
            "ts": datetime.now(UTC),
            "agent_version": AGENT_VERSION,
        }
        if figures:
            mem = self._process.memory_info().rss / 2**20
            base.update(
                uptime_s=round(time.monotonic() - self._started_mono, 3),
                buffer_depth=max(self.buffer.depth, 0),
                buffer_dropped=self.buffer.dropped,
                dropped_frames=self.counters.frames_dropped,
                cpu_percent=round(self._process.cpu_percent(), 2),
                rss_mb=round(mem, 2),
                config_version=self.config_version,
                config_error=self.config_error,
            )
        return DeviceStatus(**base)

    def publish_status(self) -> None:
        with self._status_lock:
            status = self._status(DeviceState.ONLINE)
            self.mqtt.publish(self.status_topic, encode(status), qos=1, retain=True)

    def _on_connect(self) -> None:
        self.publish_status()
        self._wake.set()

    def _heartbeat_loop(self) -> None:
        last_expire = time.monotonic()
        while not self._stop.wait(self.heartbeat_s):
            if time.monotonic() - last_expire >= EXPIRE_EVERY_S:
                self.buffer.expire(datetime.now(UTC))
                last_expire = time.monotonic()
            if self.mqtt.is_connected:
                self.publish_status()

    # -- remote configuration -------------------------------------------------------

    def _on_message(self, msg: mqtt.MQTTMessage) -> None:
        if msg.topic == self.receipt_topic:
            self._on_receipt(bytes(msg.payload))
            return
        if msg.topic != self.config_topic:
            return
        raw = bytes(msg.payload)
        if not raw:
            logger.info("config topic cleared; keeping config version %s", self.config_version)
            return
        try:
            config = decode(DeviceConfig, raw)
            if self.config_version is not None and config.version <= self.config_version:
                logger.info(
                    "ignoring config version %s (version %s in force)",
                    config.version,
                    self.config_version,
                )
                return
            self.apply_config(config)
        except (PayloadError, ConfigError) as exc:
            self.counters.configs_refused += 1
            self.config_error = str(exc)[:1000]
            logger.error("refused remote config: %s", exc)
        else:
            self._save_config(raw)
        self.publish_status()

    def check_config(self, config: DeviceConfig) -> None:
        """Refuse a config that names devices this agent does not have."""
        unknown = sorted(set(config.sensors) - set(self.sensors))
        unknown_cams = sorted(set(config.cameras) - set(self.cameras))
        problems = []
        if unknown:
            problems.append(f"unknown sensors: {', '.join(unknown)}")
        if unknown_cams:
            problems.append(f"unknown cameras: {', '.join(unknown_cams)}")
        if problems:
            raise ConfigError(f"config version {config.version}: " + "; ".join(problems))

    def apply_config(self, config: DeviceConfig) -> None:
        """Apply a whole config atomically (checked first) or raise ConfigError."""
        self.check_config(config)
        for sid, sensor_settings in config.sensors.items():
            sensor = self.sensors[sid]
            sensor.interval_s = sensor_settings.interval_s
            sensor.enabled = sensor_settings.enabled
            sensor.wake.set()
        for cid, cam_settings in config.cameras.items():
            self.cameras[cid].pipeline.update(CameraSettings.model_validate(cam_settings))
        self.heartbeat_s = config.heartbeat_s
        self.config_version = config.version
        self.config_error = None
        self.counters.configs_applied += 1
        logger.info("applied remote config version %s", config.version)

    def _config_path(self) -> Path:
        return self.state_dir / "remote-config.json"

    def _save_config(self, raw: bytes) -> None:
        path = self._config_path()
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(raw)
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        tmp.replace(path)

    def _load_saved_config(self) -> None:
        path = self._config_path()
        if not path.exists():
            return
        try:
            self.apply_config(decode(DeviceConfig, path.read_bytes()))
        except (PayloadError, ConfigError, OSError) as exc:
            logger.warning("ignoring saved config %s: %s", path, exc)

    # -- figures --------------------------------------------------------------------

    def figures(self) -> dict[str, Any]:
        """Counters and buffer figures as a plain mapping (bench, `--status`)."""
        data = dict(vars(self.counters))
        data.pop("extra")
        data.update(buffer_depth=self.buffer.depth, buffer_dropped=self.buffer.dropped)
        return data

    def _serve_metrics(self) -> None:
        """The same figures on Prometheus /metrics, when `agent.metrics_port` is set.

        The heartbeat already carries them on the device's status topic; the endpoint is
        for kitchens whose gateway a Prometheus can reach. Imported only when asked for, so
        a cold-chain-only agent does not pay for prometheus_client's memory.
        """
        cfg = self.settings.edge
        if not cfg.metrics_port:
            return
        from core.service_health import ServiceHealth

        self.health = ServiceHealth(
            "edge",
            self.device,
            self.figures,
            gauges={"buffer_depth"},
            connected=lambda: self.mqtt.is_connected,
        )
        self.health.serve_metrics(cfg.metrics_port, cfg.metrics_host)


def dumps_figures(agent: EdgeAgent) -> str:
    return json.dumps(agent.figures(), sort_keys=True)
