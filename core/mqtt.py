"""MQTT 5 connection helper used by every service and the edge agent.

Wraps paho-mqtt 2.x so that each part gets the same behaviour: MQTT 5, credentials
and TLS from settings, a persistent session (clean_start false plus a session expiry)
so QoS 1 messages wait for us while we are away, Last Will, automatic reconnect with
exponential backoff (paho's own), subscriptions restored on every reconnect, and a
CONNACK that is *checked* (a refused connection is an error, not "connected").
"""

import logging
import ssl
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from core.errors import BackendUnavailable
from core.settings import MqttSettings

logger = logging.getLogger(__name__)

MessageHandler = Callable[[mqtt.MQTTMessage], None]


@dataclass(frozen=True, slots=True)
class Will:
    """Last Will: published by the broker if we vanish without a clean disconnect."""

    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True
    delay_s: int = 0
    """MQTT 5 Will Delay Interval: the broker waits this long (and forgets the will if we
    reconnect meanwhile), so a short network blip never tells the world we are gone."""


class MqttClient:
    """One MQTT 5 connection with the project's defaults. Thread-safe publish."""

    def __init__(
        self,
        settings: MqttSettings,
        client_id: str | None = None,
        *,
        will: Will | None = None,
        persistent: bool = True,
        manual_ack: bool = False,
        max_inflight: int = 20,
        max_queued: int = 0,
        on_message: MessageHandler | None = None,
        receive_maximum: int | None = None,
    ) -> None:
        self.settings = settings
        self.client_id = client_id or settings.client_id or f"bk-{uuid.uuid4().hex[:12]}"
        self.persistent = persistent
        # MQTT 5 Receive Maximum: how many un-acked QoS 1/2 messages the broker may send
        # us at once (None: the protocol default, 65535). Manual-ack consumers size it.
        self.receive_maximum = receive_maximum
        self._subscriptions: dict[str, int] = {}
        self._connected = threading.Event()
        self._first_result: threading.Event = threading.Event()
        self._refused: str | None = None
        # What the network thread saw while no CONNACK came: says why a connect timed out.
        self._sockets_opened = 0
        self._connect_failures = 0
        self._on_message = on_message
        self.on_connect_hooks: list[Callable[[], None]] = []
        self.on_disconnect_hooks: list[Callable[[], None]] = []
        self.connects = 0
        self._closing = False
        self.disconnects = 0

        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=manual_ack,
        )
        if settings.username is not None:
            password = settings.password.get_secret_value() if settings.password else None
            client.username_pw_set(settings.username, password)
        if settings.tls is not None:
            tls = settings.tls
            client.tls_set(
                ca_certs=str(tls.ca_file) if tls.ca_file else None,
                certfile=str(tls.cert_file) if tls.cert_file else None,
                keyfile=str(tls.key_file) if tls.key_file else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
            client.tls_insecure_set(tls.insecure)
        if will is not None:
            will_props = None
            if will.delay_s > 0:
                will_props = Properties(PacketTypes.WILLMESSAGE)
                will_props.WillDelayInterval = will.delay_s
            client.will_set(
                will.topic, will.payload, qos=will.qos, retain=will.retain, properties=will_props
            )
        client.reconnect_delay_set(
            min_delay=max(1, int(settings.reconnect_min_s)), max_delay=int(settings.reconnect_max_s)
        )
        client.max_inflight_messages_set(max_inflight)
        client.max_queued_messages_set(max_queued)
        client.on_connect = self._handle_connect
        client.on_disconnect = self._handle_disconnect
        client.on_message = self._handle_message
        client.on_connect_fail = self._handle_connect_fail
        client.on_socket_open = self._handle_socket_open
        self._client = client

    # -- connection ---------------------------------------------------------------

    @property
    def paho(self) -> mqtt.Client:
        """The underlying paho client, for the rare feature this wrapper does not cover."""
        return self._client

    @property
    def is_connected(self) -> bool:
        return self._connected.is_set()

    def connect(self, timeout: float = 10.0, wait: bool = True) -> None:
        """Start the network thread and connect; raise BackendUnavailable if refused or late.

        With `wait=False` the first connection may come later (paho keeps retrying),
        which is what an edge agent that boots while the network is down wants.
        """
        props = Properties(PacketTypes.CONNECT)
        if self.persistent and self.settings.session_expiry_s > 0:
            props.SessionExpiryInterval = self.settings.session_expiry_s
        if self.receive_maximum is not None:
            props.ReceiveMaximum = self.receive_maximum
        self._client.connect_async(
            self.settings.host,
            self.settings.port,
            keepalive=self.settings.keepalive_s,
            clean_start=not self.persistent,
            properties=props,
        )
        self._client.loop_start()
        if not wait:
            return
        if not self._first_result.wait(timeout):
            self._client.loop_stop()
            raise BackendUnavailable(
                f"no answer from MQTT broker {self.settings.host}:{self.settings.port} "
                f"within {timeout:.0f} s ({self._why_no_answer()})"
            )
        if self._refused is not None:
            self._client.loop_stop()
            raise BackendUnavailable(
                f"MQTT broker {self.settings.host}:{self.settings.port} refused "
                f"{self.client_id}: {self._refused}"
            )

    def _why_no_answer(self) -> str:
        if self._sockets_opened:
            return (
                f"{self._sockets_opened} connection(s) opened, "
                f"{self._connect_failures} failed, no CONNACK came"
            )
        if self._connect_failures:
            return f"{self._connect_failures} attempt(s), none could open a connection"
        return "no attempt finished"

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def close(self) -> None:
        """Disconnect cleanly (no Last Will) and stop the network thread."""
        self._closing = True
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    # -- traffic ------------------------------------------------------------------

    def subscribe(self, topic_filter: str, qos: int = 1) -> None:
        """Subscribe now (if connected) and again after every reconnect."""
        self._subscriptions[topic_filter] = qos
        if self.is_connected:
            self._client.subscribe(topic_filter, qos)

    def unsubscribe(self, topic_filter: str) -> None:
        self._subscriptions.pop(topic_filter, None)
        if self.is_connected:
            self._client.unsubscribe(topic_filter)

    def publish(
        self,
        topic: str,
        payload: bytes | str,
        qos: int = 1,
        retain: bool = False,
        user_properties: Sequence[tuple[str, str]] | None = None,
        content_type: str | None = None,
    ) -> mqtt.MQTTMessageInfo:
        """Publish; MQTT 5 user properties and content type go in the PUBLISH properties."""
        props: Properties | None = None
        if user_properties or content_type:
            props = Properties(PacketTypes.PUBLISH)
            if user_properties:
                props.UserProperty = list(user_properties)
            if content_type:
                props.ContentType = content_type
        return self._client.publish(topic, payload, qos=qos, retain=retain, properties=props)

    def ack(self, mid: int, qos: int) -> None:
        """Acknowledge a message received with manual_ack=True, once it is safely handled."""
        self._client.ack(mid, qos)

    def set_message_handler(self, handler: MessageHandler) -> None:
        self._on_message = handler

    # -- paho callbacks (network thread) -------------------------------------------

    def _handle_socket_open(self, client: mqtt.Client, userdata: object, sock: object) -> None:
        self._sockets_opened += 1

    def _handle_connect_fail(self, client: mqtt.Client, userdata: object) -> None:
        self._connect_failures += 1

    def _handle_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            self._refused = str(reason_code)
            logger.error("MQTT connection refused for %s: %s", self.client_id, reason_code)
            self._first_result.set()
            return
        self._refused = None
        self.connects += 1
        logger.info(
            "MQTT connected to %s:%s as %s (session present: %s)",
            self.settings.host,
            self.settings.port,
            self.client_id,
            flags.session_present,
        )
        if self._subscriptions:
            client.subscribe([(f, q) for f, q in self._subscriptions.items()])
        self._connected.set()
        self._first_result.set()
        for hook in list(self.on_connect_hooks):
            try:
                hook()
            except Exception:
                logger.exception("on-connect hook failed")

    def _handle_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        was = self._connected.is_set()
        self._connected.clear()
        if was:
            self.disconnects += 1
            if self._closing:
                logger.info(
                    "MQTT connection to %s:%s closed", self.settings.host, self.settings.port
                )
            else:
                logger.warning(
                    "MQTT disconnected from %s:%s (%s); paho will reconnect",
                    self.settings.host,
                    self.settings.port,
                    reason_code,
                )
            for hook in list(self.on_disconnect_hooks):
                try:
                    hook()
                except Exception:
                    logger.exception("on-disconnect hook failed")

    def _handle_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        handler = self._on_message
        if handler is None:
            return
        try:
            handler(msg)
        except Exception:
            # A handler bug must never kill paho's network thread.
            logger.exception("message handler failed on %s", msg.topic)


def user_properties(msg: mqtt.MQTTMessage) -> list[tuple[str, str]]:
    """The MQTT 5 user properties of a received message (empty when none)."""
    props = getattr(msg, "properties", None)
    if props is None:
        return []
    return list(getattr(props, "UserProperty", []) or [])


def content_type(msg: mqtt.MQTTMessage) -> str | None:
    props = getattr(msg, "properties", None)
    if props is None:
        return None
    value = getattr(props, "ContentType", None)
    return str(value) if value is not None else None
