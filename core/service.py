"""One skeleton for every long-running service (ingest, vision, rules, recorder, ...).

A service is a process that talks MQTT and reports its health. What each one used to
write for itself lives here once:

- the MQTT connection (`core.mqtt`) with a Last Will that says offline, and a retained
  status refreshed every `status_interval_s` (`core.service_health`);
- its counters, read at scrape time, as Prometheus metrics and inside the status;
- dead letters: rejected input published as `DeadLetter` on `dead_letter_topic(service)`,
  counted by reason, logged without flooding the log (`DeadLetters`);
- a clean stop on SIGTERM/SIGINT: the service drains, the final offline status waits
  for the broker's PUBACK, the process exits 0 (`Service.run_forever`);
- `bk <service> run [--validate-config]`: settings loaded with a readable report and
  exit 2 when they are wrong, printed and exit 0 when asked to validate only, exit 1
  when the service cannot start (`run_service`).

A service subclasses `Service` and keeps only what is its own: its `figures()`, its
message handler, and what it does before connecting (`_prepare`), once connected
(`_started`), to drain (`_drain`) and to close (`_close`)::

    class EchoService(Service):
        name = "echo"

        def __init__(self, settings: EchoSettings) -> None:
            super().__init__(settings, settings.echo, settings.echo.instance)

        def figures(self) -> Figures:
            return {"echoed": self.echoed, "rejected": dict(self.dead_letters.rejected)}

        def _prepare(self) -> None:
            self.mqtt.subscribe("bk/v1/+/echo", qos=1)
"""

import logging
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import FrameType
from typing import Any, ClassVar, Literal, TypeVar

import paho.mqtt.client as paho
import typer

from core.errors import BkError, ConfigError
from core.heap import freeze_startup_heap
from core.logging_setup import setup_logging
from core.mqtt import MqttClient
from core.schemas import DeadLetter, encode
from core.service_health import Figures, ServiceHealth
from core.settings import ServiceSection, Settings, load_settings
from core.topics import dead_letter_topic

logger = logging.getLogger(__name__)

_LOG_WINDOW_S = 10.0
_LOG_PER_WINDOW = 20
FINAL_STATUS_TIMEOUT_S = 5.0
"""How long the final offline status waits for its PUBACK (queued publishes go first)."""


class DeadLetters:
    """Rejected input of one service: counted by reason, logged, published as DeadLetter.

    One place for what ingest, vision and rules each did slightly differently: the
    counter is bumped even when the broker is away (the figure must not lie), a flood of
    bad input writes a few log lines per window and then a tally, and a failed publish
    is logged, never raised (hostile input must not stop a service).
    """

    def __init__(
        self,
        service: str,
        mqtt: MqttClient,
        rejected: Counter[str] | None = None,
        *,
        publish: bool = True,
    ) -> None:
        self.service = service
        self.topic = dead_letter_topic(service)
        self.mqtt = mqtt
        self.rejected: Counter[str] = rejected if rejected is not None else Counter()
        """Rejections by reason (bad_json, invalid, not_jpeg, internal, ...)."""
        self.sent = 0
        """Dead letters handed to the broker."""
        self.publish = publish
        self._log_window = (0.0, 0)

    def reject(self, topic: str, payload: bytes, reason: str, detail: str) -> None:
        """Count, log (rate-limited) and dead-letter one rejected message."""
        self.rejected[reason] += 1
        self._log(topic, reason, detail)
        if not self.publish:
            return
        letter = DeadLetter.of(self.service, topic, reason, detail, payload)
        try:
            self.mqtt.publish(self.topic, encode(letter), qos=1)
            self.sent += 1
        except Exception:
            logger.exception("%s: could not publish a dead letter", self.service)

    def _log(self, topic: str, reason: str, detail: str) -> None:
        start, count = self._log_window
        now = time.monotonic()
        if now - start > _LOG_WINDOW_S:
            if count > _LOG_PER_WINDOW:
                logger.warning(
                    "%s: %d more messages rejected in the last %.0f s (see counters / "
                    "dead letters)",
                    self.service,
                    count - _LOG_PER_WINDOW,
                    _LOG_WINDOW_S,
                )
            start, count = now, 0
        count += 1
        self._log_window = (start, count)
        if count <= _LOG_PER_WINDOW:
            logger.warning(
                "%s rejected a message on %r: %s: %s",
                self.service,
                topic[:120],
                reason,
                detail[:300],
            )


def payload_of(msg: paho.MQTTMessage) -> tuple[str, bytes]:
    """(topic, payload bytes) of a received message, never raising on odd input."""
    payload = msg.payload if isinstance(msg.payload, bytes) else bytes(msg.payload)
    try:
        topic = str(msg.topic)
    except (UnicodeDecodeError, AttributeError):
        topic = "?"
    return topic, payload


class Service:
    """Base of a service process: MQTT, status and Last Will, metrics, dead letters, stop.

    Subclasses set `name`, call `super().__init__` (after what `figures()` reads
    exists), implement `figures()` and `_on_message`, and override the hooks they need.
    """

    name: ClassVar[str]
    gauges: ClassVar[Iterable[str]] = ()
    """Figures that are gauges (the others are counters)."""
    labels: ClassVar[Mapping[str, str]] = {}
    """Label name of each labelled figure (default `kind`)."""
    descriptions: ClassVar[Mapping[str, str]] = {}
    """Help text of each figure, for /metrics."""

    def __init__(
        self,
        settings: Settings,
        section: ServiceSection,
        instance: str,
        *,
        client_id: str | None = None,
        rejected: Counter[str] | None = None,
        dead_letter: bool = True,
        **mqtt_options: Any,
    ) -> None:
        self.settings_tree = settings
        self.section = section
        self.instance = instance
        self.health = ServiceHealth(
            self.name,
            instance,
            self.figures,
            gauges=self.gauges,
            labels=self.labels,
            descriptions=self.descriptions,
        )
        self.status_topic = self.health.topic
        self.mqtt = MqttClient(
            settings.mqtt,
            client_id=settings.mqtt.client_id or client_id or f"bk-{self.name}-{instance}",
            will=self.health.will(),
            on_message=self._on_message,
            **mqtt_options,
        )
        self.dead_letters = DeadLetters(self.name, self.mqtt, rejected, publish=dead_letter)
        self.dlq_topic = self.dead_letters.topic
        self._running = False

    # -- what a service provides ----------------------------------------------------------

    def figures(self) -> Figures:
        """The counters and gauges now (read by the status heartbeat and /metrics)."""
        raise NotImplementedError

    def _on_message(self, msg: paho.MQTTMessage) -> None:
        """Handle one message (MQTT network thread)."""

    def _prepare(self) -> None:
        """Before connecting: open stores, start worker threads, subscribe."""

    def _started(self) -> None:
        """Connected and reporting: start what needs the broker, say how it runs."""

    def _drain(self) -> None:
        """First step of stop: take nothing new, finish what is queued."""

    def _close(self) -> None:
        """Last step of stop, after the broker is left: close stores and files."""

    # -- life cycle -----------------------------------------------------------------------

    @property
    def metrics_port(self) -> int | None:
        """The bound /metrics port (None when off)."""
        return self.health.metrics_port

    def reject(self, topic: str, payload: bytes, reason: str, detail: str) -> None:
        """Count, log and dead-letter one rejected message."""
        self.dead_letters.reject(topic, payload, reason, detail)

    def publish_status(self, state: Literal["online", "offline"] = "online") -> None:
        """Publish the retained status now (the heartbeat does it every interval)."""
        self.health.publish(state)

    def start(self, timeout: float = 10.0) -> None:
        """Prepare, connect (BackendUnavailable when the broker refuses), report online."""
        self._prepare()
        self.mqtt.connect(timeout)
        cfg = self.section
        self.health.start(self.mqtt, cfg.status_interval_s, cfg.metrics_port, cfg.metrics_host)
        self._running = True
        self._started()

    def stop(self) -> None:
        """Drain, publish the final offline status (PUBACK awaited), leave, close."""
        try:
            self._drain()
            self.health.stop(FINAL_STATUS_TIMEOUT_S)
        finally:
            self._running = False
            self.mqtt.close()
            self._close()

    def run_until(self, stop: threading.Event) -> None:
        """Start, run until `stop` is set, stop cleanly."""
        self.start()
        try:
            while not stop.wait(0.5):
                pass
        finally:
            self.stop()

    def run_forever(self) -> None:
        """Run until SIGTERM or SIGINT, then stop cleanly (the process then exits 0)."""
        stop = threading.Event()

        def _on_signal(signum: int, frame: FrameType | None) -> None:
            logger.info("%s %s: signal %d, stopping", self.name, self.instance, signum)
            stop.set()

        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)
        self.run_until(stop)


S = TypeVar("S", bound=Settings)


def load_or_exit(
    config: Path | None,
    cls: type[S],
    *,
    check: Callable[[S], object] | None = None,
    adjust: Callable[[S], S] | None = None,
) -> S:
    """Settings for a command, or its report on stderr and exit status 2."""
    try:
        settings = load_settings(config, cls=cls)
        if adjust is not None:
            settings = adjust(settings)
        if check is not None:
            check(settings)
    except (ConfigError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    return settings


# `scheme://user:password@host`: database and store URLs carry their password inline.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s\"]*:)[^@\s\"]+@")


def redact_urls(text: str) -> str:
    """`text` with every URL's inline password replaced by `***` (for printed settings)."""
    return _URL_PASSWORD.sub(r"\g<head>***@", text)


def run_service(
    config: Path | None,
    cls: type[S],
    build: Callable[[S], Service],
    *,
    validate_config: bool = False,
    check: Callable[[S], object] | None = None,
    adjust: Callable[[S], S] | None = None,
    report: Callable[[S], str] | None = None,
) -> None:
    """The body of `bk <service> run`.

    Bad settings: the report on stderr, exit 2. `--validate-config`: "configuration OK"
    and the settings (no password), exit 0. Otherwise: logging set up, the service built
    and run until SIGTERM/SIGINT, exit 0; a service that cannot start (broker refusing,
    a bad file it reads at start) logs one line and exits 1 (2 for a ConfigError).
    """
    settings = load_or_exit(config, cls, check=check, adjust=adjust)
    if validate_config:
        typer.echo("configuration OK")
        if report is not None:
            typer.echo(report(settings))
        # Secrets never reach a terminal or a log: SecretStr fields print as stars, the
        # broker password is left out, URLs lose their inline passwords.
        dump = settings.model_dump_json(indent=2, exclude={"mqtt": {"password"}})
        typer.echo(redact_urls(dump))
        return
    setup_logging(settings.log_level, settings.log_json)
    try:
        service = build(settings)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    freeze_startup_heap()  # keep full GC passes out of message handling (core/heap.py)
    try:
        service.run_forever()
    except BkError as exc:
        logger.error("%s cannot run: %s", service.name, exc)
        raise typer.Exit(1) from exc
