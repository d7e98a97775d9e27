"""The MQTT topic scheme: the only module that formats or parses a topic string.

bk/v1/{site}/{device}/{channel}     channel in telemetry, frame, detections, status, config,
                                    receipt (the centre's proof of storage, to the device)
bk/v1/{site}/alerts
bk/v1/{site}/display                notices for on-site displays (one per notification)
bk/v1/_dlq/{service}                dead letters (ids cannot start with "_", so no clash)
bk/v1/_services/{service}/{instance}/status
"""

from dataclasses import dataclass
from enum import StrEnum

from core.errors import PayloadError
from core.ids import validate_id

PREFIX = "bk/v1"


class Channel(StrEnum):
    """Per-device channels, each with its payload contract in `core.schemas`."""

    TELEMETRY = "telemetry"
    FRAME = "frame"
    DETECTIONS = "detections"
    STATUS = "status"
    CONFIG = "config"
    RECEIPT = "receipt"
    """Written by ingest once a device's readings are stored; the edge deletes its copy only
    then. A broker's PUBACK is not proof of storage (a broker restart can drop a shared
    subscription's queue), so the end-to-end promise rests on this channel."""


ALERTS = "alerts"
DISPLAY = "display"
"""Notices for on-site displays. Not the alerts topic: that one carries every alert
transition once (the rules service's record); a display wants the notifications (with
reminders and escalations), and sharing the topic made subscribers see copies."""

# QoS and retain flag of each channel, as DESIGN.md's contract table says.
QOS: dict[str, int] = {
    Channel.TELEMETRY: 1,
    Channel.FRAME: 0,
    Channel.DETECTIONS: 1,
    Channel.STATUS: 1,
    Channel.CONFIG: 1,
    Channel.RECEIPT: 1,
    ALERTS: 1,
    DISPLAY: 1,
}
RETAIN: dict[str, bool] = {
    Channel.TELEMETRY: False,
    Channel.FRAME: False,
    Channel.DETECTIONS: False,
    Channel.STATUS: True,
    Channel.CONFIG: True,
    Channel.RECEIPT: False,
    ALERTS: False,
    DISPLAY: False,
}


@dataclass(frozen=True, slots=True)
class DeviceTopic:
    """A parsed per-device topic."""

    site: str
    device: str
    channel: Channel

    def __str__(self) -> str:
        return device_topic(self.site, self.device, self.channel)


@dataclass(frozen=True, slots=True)
class AlertsTopic:
    """A parsed per-site alerts topic."""

    site: str

    def __str__(self) -> str:
        return alerts_topic(self.site)


def device_topic(site: str, device: str, channel: Channel | str) -> str:
    """Build `bk/v1/{site}/{device}/{channel}` after validating both ids."""
    ch = Channel(channel)
    return f"{PREFIX}/{validate_id(site, 'site')}/{validate_id(device, 'device')}/{ch.value}"


def telemetry_topic(site: str, device: str) -> str:
    return device_topic(site, device, Channel.TELEMETRY)


def frame_topic(site: str, camera: str) -> str:
    return device_topic(site, camera, Channel.FRAME)


def detections_topic(site: str, camera: str) -> str:
    return device_topic(site, camera, Channel.DETECTIONS)


def status_topic(site: str, device: str) -> str:
    return device_topic(site, device, Channel.STATUS)


def config_topic(site: str, device: str) -> str:
    return device_topic(site, device, Channel.CONFIG)


def receipt_topic(site: str, device: str) -> str:
    return device_topic(site, device, Channel.RECEIPT)


def alerts_topic(site: str) -> str:
    return f"{PREFIX}/{validate_id(site, 'site')}/{ALERTS}"


def display_topic(site: str) -> str:
    return f"{PREFIX}/{validate_id(site, 'site')}/{DISPLAY}"


def dead_letter_topic(service: str) -> str:
    return f"{PREFIX}/_dlq/{validate_id(service, 'service')}"


def service_status_topic(service: str, instance: str) -> str:
    svc, inst = validate_id(service, "service"), validate_id(instance, "instance")
    return f"{PREFIX}/_services/{svc}/{inst}/status"


def service_status_subscription(service: str = "+", instance: str = "+") -> str:
    """Filter for services' retained status: one service's instances, or every service."""
    svc = service if service == "+" else validate_id(service, "service")
    inst = instance if instance == "+" else validate_id(instance, "instance")
    return f"{PREFIX}/_services/{svc}/{inst}/status"


def parse(topic: str) -> DeviceTopic | AlertsTopic:
    """Parse a topic of the scheme; raise PayloadError('bad_topic', ...) for anything else."""
    if not isinstance(topic, str) or len(topic) > 256:
        raise PayloadError("bad_topic", "topic missing or longer than 256 characters")
    parts = topic.split("/")
    if len(parts) < 3 or f"{parts[0]}/{parts[1]}" != PREFIX:
        raise PayloadError("bad_topic", f"topic {topic[:80]!r} is not under {PREFIX}/")
    try:
        if len(parts) == 4 and parts[3] == ALERTS:
            return AlertsTopic(validate_id(parts[2], "site"))
        if len(parts) == 5:
            try:
                channel = Channel(parts[4])
            except ValueError:
                raise PayloadError("bad_topic", f"unknown channel {parts[4][:40]!r}") from None
            return DeviceTopic(
                validate_id(parts[2], "site"), validate_id(parts[3], "device"), channel
            )
    except PayloadError as exc:
        raise PayloadError("bad_topic", f"in topic {topic[:80]!r}: {exc.detail}") from exc
    raise PayloadError("bad_topic", f"topic {topic[:80]!r} has the wrong shape")


def parse_device_topic(topic: str, expect: Channel | None = None) -> DeviceTopic:
    """Parse a per-device topic, optionally insisting on its channel."""
    parsed = parse(topic)
    if not isinstance(parsed, DeviceTopic):
        raise PayloadError("bad_topic", f"{topic[:80]!r} is not a device topic")
    if expect is not None and parsed.channel is not expect:
        raise PayloadError("bad_topic", f"{topic[:80]!r} is not a {expect.value} topic")
    return parsed


def subscription(
    channel: Channel | str, site: str = "+", device: str = "+", share_group: str | None = None
) -> str:
    """A subscription filter for one channel, optionally as an MQTT 5 shared subscription.

    `site`/`device` are either a valid id or the single-level wildcard `+`.
    """
    if site != "+":
        validate_id(site, "site")
    if device != "+":
        validate_id(device, "device")
    if channel in (ALERTS, DISPLAY):
        filt = f"{PREFIX}/{site}/{channel}"
    else:
        filt = f"{PREFIX}/{site}/{device}/{Channel(channel).value}"
    if share_group:
        return f"$share/{validate_id(share_group, 'share group')}/{filt}"
    return filt
