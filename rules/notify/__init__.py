"""Notification channels: one module per channel, a pydantic config + a class (Frigate-style).

`ChannelConfig` is the discriminated union of every channel's config (on `type`);
`build_channel(config)` finds the class registered for that type.
"""

from typing import Annotated

from pydantic import Field

from rules.notify.base import REGISTRY, Channel, ChannelBase, render
from rules.notify.email import EmailChannel, EmailConfig
from rules.notify.mqtt_display import MqttDisplayChannel, MqttDisplayConfig
from rules.notify.robots import (
    DingTalkChannel,
    DingTalkConfig,
    FeishuChannel,
    FeishuConfig,
    WeComChannel,
    WeComConfig,
)
from rules.notify.webhook import WebhookChannel, WebhookConfig, sign

ChannelConfig = Annotated[
    WebhookConfig | WeComConfig | DingTalkConfig | FeishuConfig | EmailConfig | MqttDisplayConfig,
    Field(discriminator="type"),
]


def build_channel(config: ChannelBase) -> Channel:
    return REGISTRY[config.type](config)


__all__ = [
    "REGISTRY",
    "Channel",
    "ChannelConfig",
    "DingTalkChannel",
    "EmailChannel",
    "FeishuChannel",
    "MqttDisplayChannel",
    "WeComChannel",
    "WebhookChannel",
    "build_channel",
    "render",
    "sign",
]
