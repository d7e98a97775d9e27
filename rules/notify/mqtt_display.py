"""MQTT to on-site displays: one message per notification on the kitchen's display topic.

What a display receives: the `AlertEvent` JSON (`core.schemas`; evidence as signed
links, `rules.notify.text.public_event`) on
`bk/v1/{site}/display` (built by `core.topics.display_topic`), QoS 1 and not retained
(`core.topics.QOS` / `RETAIN`: a display that starts later must not show a stale
alarm), content type `application/json`, and two MQTT 5 user properties a display
needs to choose its banner: `notice` (firing, reminder, escalation, acknowledged,
resolved, digest), `level` (escalation level) and `text`: one short line to show as
it is, in the kitchen's language (Chinese by default), e.g.
"【一级预警】冷藏温度过高 11.5°C 冷库1 18:03". The event itself carries site, rule,
subject, severity, state, summary, value/threshold and times.

Not the alerts topic: the rules service already publishes every transition there
once, and a second copy from this channel made every subscriber (ingest included)
see notified transitions twice.
"""

import json
from collections.abc import Sequence
from typing import Literal, Protocol

from paho.mqtt.client import MQTTMessageInfo
from paho.mqtt.enums import MQTTErrorCode
from pydantic import Field

from core import topics
from rules.alerts import Notice
from rules.notify.base import Channel, ChannelBase
from rules.notify.text import public_event

NOTICE_PROPERTY = "notice"
LEVEL_PROPERTY = "level"
TEXT_PROPERTY = "text"


class Publisher(Protocol):
    """What the channel needs of an MQTT connection (`core.mqtt.MqttClient` is one)."""

    def publish(
        self,
        topic: str,
        payload: bytes | str,
        qos: int = 1,
        retain: bool = False,
        user_properties: Sequence[tuple[str, str]] | None = None,
        content_type: str | None = None,
    ) -> MQTTMessageInfo: ...


class MqttDisplayConfig(ChannelBase):
    type: Literal["mqtt_display"] = "mqtt_display"
    roles: list[str] = Field(
        default_factory=lambda: ["canteen_manager", "district_supervisor"],
        description="Roles this channel reaches",
    )


class MqttDisplayChannel(Channel):
    """Publishes through the service's own MQTT connection (set `publisher` before use).

    Raises (so the dispatcher counts and retries) when there is no connection object
    or paho refuses the message outright. A QoS 1 message published while the
    connection is down is queued by paho and sent on reconnect, so that is not a
    failure (retrying it would send it twice).
    """

    type_key = "mqtt_display"
    publisher: Publisher | None = None

    def send(self, notice: Notice) -> None:
        if self.publisher is None:
            raise RuntimeError("mqtt_display channel has no MQTT connection")
        c = self.compose(notice)
        info = self.publisher.publish(
            topics.display_topic(notice.event.site),
            json.dumps(public_event(notice, c), ensure_ascii=False).encode(),
            qos=topics.QOS[topics.DISPLAY],
            retain=topics.RETAIN[topics.DISPLAY],
            user_properties=[
                (NOTICE_PROPERTY, notice.kind),
                (LEVEL_PROPERTY, str(notice.level)),
                (TEXT_PROPERTY, c.short),
            ],
            content_type="application/json",
        )
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            raise RuntimeError(f"MQTT publish of alert {notice.event.id} refused: rc={info.rc}")
