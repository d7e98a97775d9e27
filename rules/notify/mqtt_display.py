"""MQTT to on-site displays: the alert event on the kitchen's alerts topic (or one given)."""

from typing import Literal, Protocol

from pydantic import Field

from core import topics
from core.schemas import encode
from rules.alerts import Notice
from rules.notify.base import Channel, ChannelBase


class Publisher(Protocol):
    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> object: ...


class MqttDisplayConfig(ChannelBase):
    type: Literal["mqtt_display"] = "mqtt_display"
    roles: list[str] = Field(
        default_factory=lambda: ["canteen_manager", "district_supervisor"],
        description="Roles this channel reaches",
    )


class MqttDisplayChannel(Channel):
    """Publishes through the service's own MQTT connection (set `publisher` before use)."""

    type_key = "mqtt_display"
    publisher: Publisher | None = None

    def send(self, notice: Notice) -> None:
        if self.publisher is None:
            raise RuntimeError("mqtt_display channel has no MQTT connection")
        self.publisher.publish(topics.alerts_topic(notice.event.site), encode(notice.event), qos=1)
