import queue
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime

import cv2
import numpy as np
import paho.mqtt.client as mqtt
import pytest

from core import topics
from core.errors import BackendUnavailable
from core.mqtt import MqttClient, Will, content_type, user_properties
from core.schemas import FrameMeta
from core.settings import MqttSettings
from devtools.servers import LocalMosquitto


def _collector(client: MqttClient) -> "queue.Queue[mqtt.MQTTMessage]":
    q: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
    client.set_message_handler(q.put)
    return q


def test_publish_and_receive_with_user_properties(
    mqtt_settings: MqttSettings, site_id: str
) -> None:
    sub = MqttClient(mqtt_settings, persistent=False)
    got = _collector(sub)
    sub.subscribe(topics.subscription(topics.Channel.FRAME, site=site_id), qos=0)
    sub.connect()
    pub = MqttClient(mqtt_settings, persistent=False)
    pub.connect()
    try:
        ok, buf = cv2.imencode(".jpg", np.full((480, 640, 3), 128, np.uint8))
        assert ok
        jpeg = buf.tobytes()
        meta = FrameMeta(ts=datetime.now(UTC), seq=42, size=len(jpeg), width=640, height=480)
        time.sleep(0.2)
        pub.publish(
            topics.frame_topic(site_id, "cam1"),
            jpeg,
            qos=0,
            user_properties=meta.user_properties(),
            content_type="image/jpeg",
        )
        msg = got.get(timeout=5)
        assert msg.payload == jpeg
        assert content_type(msg) == "image/jpeg"
        assert (
            FrameMeta.from_properties(user_properties(msg), content_type(msg), bytes(msg.payload))
            == meta
        )
    finally:
        pub.close()
        sub.close()


def test_reconnects_after_broker_restart(
    mosquitto_factory: Callable[..., LocalMosquitto], site_id: str
) -> None:
    broker = mosquitto_factory()
    settings = MqttSettings(
        host=broker.host, port=broker.port, reconnect_min_s=0.2, reconnect_max_s=1
    )
    sub = MqttClient(settings, client_id=f"{site_id}-sub", persistent=True)
    got = _collector(sub)
    topic = topics.telemetry_topic(site_id, "d1")
    sub.subscribe(topic, qos=1)
    sub.connect()
    pub = MqttClient(settings, persistent=False)
    pub.connect()
    try:
        time.sleep(0.2)
        pub.publish(topic, b"before", qos=1).wait_for_publish(5)
        assert got.get(timeout=5).payload == b"before"
        broker.stop()
        deadline = time.monotonic() + 10
        while sub.is_connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not sub.is_connected
        broker.start()
        assert sub.wait_connected(15), "subscriber did not reconnect"
        assert pub.wait_connected(15), "publisher did not reconnect"
        pub.publish(topic, b"after", qos=1).wait_for_publish(5)
        # QoS 1 is at least once: if the broker stopped before our PUBACK reached it,
        # the persistent session hands "before" over again first. Nothing else may come.
        seen = [got.get(timeout=5).payload]
        while seen[-1] == b"before":
            seen.append(got.get(timeout=5).payload)
        assert seen[-1] == b"after" and set(seen[:-1]) <= {b"before"}
        assert sub.connects >= 2 and sub.disconnects >= 1
    finally:
        pub.close()
        sub.close()


def test_last_will_is_published_when_client_vanishes(
    mqtt_settings: MqttSettings, site_id: str
) -> None:
    status = topics.status_topic(site_id, "agent")
    watcher = MqttClient(mqtt_settings, persistent=False)
    got = _collector(watcher)
    watcher.subscribe(status, qos=1)
    watcher.connect()
    dying = MqttClient(
        mqtt_settings.model_copy(update={"keepalive_s": 5}),
        persistent=False,
        will=Will(status, b'{"state":"offline"}'),
    )
    dying.connect()
    try:
        time.sleep(0.2)
        sock = dying.paho.socket()
        assert sock is not None
        sock.close()  # vanish without DISCONNECT: the broker must send the will
        msg = got.get(timeout=15)
        assert msg.payload == b'{"state":"offline"}'
    finally:
        dying.paho.loop_stop()
        watcher.close()


def test_connect_to_nothing_fails_clearly() -> None:
    from devtools.servers import free_port

    client = MqttClient(MqttSettings(port=free_port()), persistent=False)
    with pytest.raises(BackendUnavailable, match="no answer from MQTT broker") as refused:
        client.connect(timeout=1.5)
    assert "none could open a connection" in str(refused.value)


def test_connect_to_a_mute_listener_says_no_connack_came() -> None:
    """Something accepts the connection but never speaks MQTT: the error says so."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as mute:
        mute.bind(("127.0.0.1", 0))
        mute.listen()
        client = MqttClient(MqttSettings(port=mute.getsockname()[1]), persistent=False)
        with pytest.raises(BackendUnavailable, match="no CONNACK came"):
            client.connect(timeout=1.5)
