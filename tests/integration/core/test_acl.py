import queue
import time

import paho.mqtt.client as mqtt
import pytest
from pydantic import SecretStr

from core import topics
from core.errors import BackendUnavailable
from core.mqtt import MqttClient
from core.provisioning import Credential
from core.servers import LocalMosquitto
from core.settings import MqttSettings


def _settings(broker: LocalMosquitto, cred: Credential) -> MqttSettings:
    return MqttSettings(
        host=broker.host,
        port=broker.port,
        username=cred.username,
        password=SecretStr(cred.password),
    )


def test_device_may_publish_only_under_its_own_site(
    secured_mosquitto: tuple[LocalMosquitto, dict[str, Credential]],
) -> None:
    broker, creds = secured_mosquitto
    admin = MqttClient(_settings(broker, creds["admin"]), persistent=False)
    got: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
    admin.set_message_handler(got.put)
    admin.subscribe("bk/v1/#", qos=1)
    admin.connect()
    device = MqttClient(_settings(broker, creds["site-a.agent1"]), persistent=False)
    device.connect()
    try:
        time.sleep(0.3)
        device.publish(
            topics.telemetry_topic("site-b", "agent1"), b"forged", qos=1
        ).wait_for_publish(5)
        device.publish(
            topics.telemetry_topic("site-a", "agent1"), b"genuine", qos=1
        ).wait_for_publish(5)
        msg = got.get(timeout=5)
        assert (msg.topic, msg.payload) == ("bk/v1/site-a/agent1/telemetry", b"genuine")
        time.sleep(0.5)
        assert got.empty(), "the forged site-b message reached subscribers"
    finally:
        device.close()
        admin.close()


def test_wrong_password_is_refused(
    secured_mosquitto: tuple[LocalMosquitto, dict[str, Credential]],
) -> None:
    broker, _ = secured_mosquitto
    client = MqttClient(_settings(broker, Credential("site-a.agent1", "wrong")), persistent=False)
    with pytest.raises(BackendUnavailable, match="refused"):
        client.connect(timeout=5)
