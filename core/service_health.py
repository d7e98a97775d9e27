"""One health helper for every service: its counters as a retained status and as Prometheus.

Each service keeps its own plain counters (integers bumped by the thread that owns them:
far cheaper per message than a locked metrics object) and hands this helper a function
that reads them. The helper turns the same figures into

- the retained status payload on `core.topics.service_status_topic(service, instance)`
  (`ServiceStatus`, refreshed every `interval_s`, with a Last Will that says offline), and
- a Prometheus exposition on an optional port (`/metrics`, read at scrape time: no
  per-message metric calls on the hot path), named `bk_<service>_<figure>`.

So an operator sees the same numbers on the bus and in Prometheus, whichever service.

Use::

    health = ServiceHealth("rules", "w0", lambda: counters, gauges={"queue_depth"})
    mqtt = MqttClient(settings.mqtt, will=health.will(), ...)
    health.start(mqtt, interval_s=15, metrics_port=9102)   # after mqtt.connect()
    ...
    health.stop()   # final offline status with the last figures; /metrics closed

A figure is a number (a counter unless named in `gauges`) or a mapping of label value to
number (one labelled family; the label name from `labels`, default `kind`), e.g.
`{"rejected": {"bad_jpeg": 2}}` → `bk_vision_rejected_total{reason="bad_jpeg"} 2.0`.
"""

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Literal
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import BaseModel, ConfigDict, Field

from core.ids import Id
from core.mqtt import MqttClient, Will
from core.topics import service_status_topic

logger = logging.getLogger(__name__)

Number = int | float
FigureValue = Number | Mapping[str, Number]
Figures = Mapping[str, FigureValue]


class ServiceStatus(BaseModel):
    """The retained status of one service process (the Last Will carries only `state`)."""

    model_config = ConfigDict(extra="forbid")

    v: Literal[1] = 1
    service: Id
    instance: Id
    state: Literal["online", "offline"]
    ts: datetime = Field(description="When the figures were read (UTC)")
    uptime_s: float = Field(ge=0)
    mqtt_connected: bool | None = Field(default=None, description="None: not tracked")
    counters: dict[str, int | float | dict[str, int | float]] = Field(default_factory=dict)
    gauges: dict[str, int | float | dict[str, int | float]] = Field(default_factory=dict)
    notes: dict[str, str] = Field(
        default_factory=dict, description="Short texts beside the figures (e.g. last_error)"
    )


def _metric_name(text: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in text.lower())


class _FiguresCollector(Collector):
    def __init__(self, health: "ServiceHealth") -> None:
        self.health = health

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        h = self.health
        prefix = f"bk_{_metric_name(h.service)}_"
        for name, value in sorted(h.read().items()):
            family_cls = GaugeMetricFamily if name in h.gauges else CounterMetricFamily
            doc = h.descriptions.get(name, name.replace("_", " "))
            if isinstance(value, Mapping):
                family = family_cls(prefix + _metric_name(name), doc, labels=[h.label_of(name)])
                for key, n in sorted(value.items()):
                    family.add_metric([str(key)], float(n))
                yield family
            else:
                yield family_cls(prefix + _metric_name(name), doc, value=float(value))
        yield GaugeMetricFamily(
            prefix + "uptime_seconds", "Seconds since the process started", value=h.uptime_s()
        )
        if h.connected is not None:
            yield GaugeMetricFamily(
                prefix + "mqtt_connected",
                "1 when connected to the broker",
                value=int(h.connected()),
            )


class ServiceHealth:
    """Status payload, status heartbeat and Prometheus endpoint of one service process."""

    def __init__(
        self,
        service: str,
        instance: str,
        figures: Callable[[], Figures],
        *,
        gauges: Iterable[str] = (),
        labels: Mapping[str, str] | None = None,
        descriptions: Mapping[str, str] | None = None,
        connected: Callable[[], bool] | None = None,
        notes: Callable[[], Mapping[str, str]] | None = None,
    ) -> None:
        self.service = service
        self.instance = instance
        self.topic = service_status_topic(service, instance)
        self.figures = figures
        self.gauges = frozenset(gauges)
        self.labels = dict(labels or {})
        self.descriptions = dict(descriptions or {})
        self.connected = connected
        self.notes = notes
        self.registry = CollectorRegistry()
        self.registry.register(_FiguresCollector(self))
        self.metrics_port: int | None = None
        """The bound /metrics port once `serve_metrics` ran (the real one when asked for 0)."""
        self._started = time.monotonic()
        self._server: WSGIServer | None = None
        self._mqtt: MqttClient | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- figures ------------------------------------------------------------------------

    def label_of(self, figure: str) -> str:
        return self.labels.get(figure, "kind")

    def uptime_s(self) -> float:
        return round(time.monotonic() - self._started, 3)

    def read(self) -> dict[str, FigureValue]:
        """The figures now, numbers only (bools as 0/1; anything else left out)."""
        for attempt in range(3):
            try:
                raw = dict(self.figures())
                out: dict[str, FigureValue] = {}
                for name, value in raw.items():
                    if isinstance(value, Mapping):
                        out[name] = {str(k): v for k, v in value.items() if _is_number(v)}
                    elif _is_number(value):
                        out[name] = value
                return out
            except RuntimeError:  # a dict grew while another thread counted: read again
                if attempt == 2:
                    raise
        return {}

    def status(self, state: Literal["online", "offline"] = "online") -> ServiceStatus:
        figures = self.read()
        return ServiceStatus(
            service=self.service,
            instance=self.instance,
            state=state,
            ts=datetime.now(UTC),
            uptime_s=self.uptime_s(),
            mqtt_connected=self.connected() if self.connected is not None else None,
            counters={k: _plain(v) for k, v in figures.items() if k not in self.gauges},
            gauges={k: _plain(v) for k, v in figures.items() if k in self.gauges},
            notes={k: v[:500] for k, v in (self.notes() if self.notes else {}).items() if v},
        )

    def will(self) -> Will:
        """Last Will for the MQTT client: retained offline on the status topic."""
        payload = {"v": 1, "service": self.service, "instance": self.instance, "state": "offline"}
        return Will(self.topic, json.dumps(payload).encode(), qos=1, retain=True)

    # -- life cycle ---------------------------------------------------------------------

    def serve_metrics(self, port: int, host: str = "127.0.0.1") -> int | None:
        """Serve /metrics on `host:port` (port 0 and None: off); the bound port or None."""
        if not port:
            return None
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        self._server = server
        self.metrics_port = int(server.server_port)
        logger.info(
            "%s %s: metrics on http://%s:%d/metrics",
            self.service,
            self.instance,
            host,
            self.metrics_port,
        )
        return self.metrics_port

    def start(
        self,
        mqtt: MqttClient | None,
        interval_s: float = 15.0,
        metrics_port: int = 0,
        metrics_host: str = "127.0.0.1",
    ) -> None:
        """Publish the status now and every `interval_s` (if `mqtt`); serve /metrics if asked."""
        self.serve_metrics(metrics_port, metrics_host)
        if mqtt is None:
            return
        self._mqtt = mqtt
        if self.connected is None:
            self.connected = lambda: mqtt.is_connected
        self.publish("online")
        self._thread = threading.Thread(
            target=self._loop, args=(interval_s,), name=f"{self.service}-status", daemon=True
        )
        self._thread.start()

    def publish(self, state: Literal["online", "offline"] = "online") -> None:
        """Publish the status (retained, QoS 1) now; a no-op before `start` with a client."""
        if self._mqtt is None:
            return
        self._mqtt.publish(self.topic, self.status(state).model_dump_json().encode(), 1, True)

    def stop(self, confirm_timeout_s: float = 2.0) -> None:
        """Stop the heartbeat, publish a final offline status with the last figures, close.

        The final status waits up to `confirm_timeout_s` for the broker's PUBACK, so a
        process that exits right after has really said offline (with its last figures).
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._mqtt is not None and self._mqtt.is_connected:
            try:
                info = self._mqtt.publish(
                    self.topic, self.status("offline").model_dump_json().encode(), 1, True
                )
                info.wait_for_publish(timeout=confirm_timeout_s)
            except (RuntimeError, ValueError):
                logger.warning("final offline status of %s not confirmed", self.service)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _loop(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            try:
                self.publish("online")
            except Exception:
                logger.exception("%s status publish failed", self.service)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float)


def _plain(value: FigureValue) -> int | float | dict[str, int | float]:
    if isinstance(value, Mapping):
        return {k: _num(v) for k, v in value.items()}
    return _num(value)


def _num(value: Number) -> int | float:
    return int(value) if isinstance(value, bool) else value
