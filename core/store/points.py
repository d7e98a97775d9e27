"""Conversion of bus messages into InfluxDB points (measurements from DESIGN.md).

Every point carries the *source* timestamp, so a redelivered message rewrites the same
point instead of adding one: exactly-once in effect on top of at-least-once delivery.

A reading's point key is its series and its source timestamp *plus its seq modulo 1000 in
the nanoseconds* (`reading_ns`). Source timestamps have microsecond resolution at most,
so the offset never changes the microsecond a reading is shown at; it keeps two readings
of one sensor that share a source timestamp as two points. That happens when an agent's
clock steps back (an NTP correction after a clock ran ahead): the readings after the step
repeat timestamps already used, and InfluxDB, keying points by series and time, made the
later reading overwrite the earlier one (the demo's clock-skew kitchen lost 90 readings).
A redelivery has the same seq, so it still rewrites its own point. Two readings of one
sensor stamped with the same microsecond whose seqs differ by a multiple of 1000 still
collide.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from influxdb_client import Point, WritePrecision

from core.schemas import AlertEvent, DetectionEvent, DeviceStatus, Telemetry

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ns(ts: datetime) -> int:
    """Nanoseconds since the epoch, exact (no float rounding)."""
    delta = ts - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


SEQ_SLOTS = 1000
"""Nanoseconds below a microsecond: a reading's seq modulo this is added to its time."""


def reading_ns(ts: datetime, seq: int) -> int:
    """A reading's point time: its source time in ns plus its seq modulo SEQ_SLOTS."""
    return ns(ts) + seq % SEQ_SLOTS


def reading_points(msg: Telemetry) -> list[Point]:
    """Measurement `reading`: tags site, device, sensor, kind, zone; fields value, seq.

    Time: `reading_ns` (source time, seq in the nanoseconds; see the module's note).
    """
    points = []
    for r in msg.readings:
        p = (
            Point("reading")
            .tag("site", msg.site)
            .tag("device", msg.device)
            .tag("sensor", r.sensor)
            .tag("kind", r.kind.value)
            .field("value", float(r.value))
            .field("seq", r.seq)
            .time(reading_ns(r.ts, r.seq), WritePrecision.NS)
        )
        if r.zone:
            p.tag("zone", r.zone)
        points.append(p)
    return points


def detection_points(msg: DetectionEvent) -> list[Point]:
    """Measurement `detection`: one point per detected object (class, zone, track tags)."""
    points = []
    for i, d in enumerate(msg.detections):
        p = (
            Point("detection")
            .tag("site", msg.site)
            .tag("camera", msg.camera)
            .tag("cls", d.cls)
            .tag("idx", str(i))  # keeps two objects of one class in one frame apart
            .field("score", float(d.score))
            .field("x1", d.box.x1)
            .field("y1", d.box.y1)
            .field("x2", d.box.x2)
            .field("y2", d.box.y2)
            .field("seq", msg.seq)
            .time(ns(msg.ts), WritePrecision.NS)
        )
        if d.zone:
            p.tag("zone", d.zone)
        if d.track is not None:
            p.field("track", d.track)
        points.append(p)
    return points


def alert_point(msg: AlertEvent) -> Point:
    """Measurement `alert`: one point per transition, for Grafana annotations.

    `subject` is a tag, so the series tells alerts apart: two alerts of one rule in one
    kitchen at the same instant (two cameras seeing the same rodent) were one point and
    the second overwrote the first.
    """
    p = (
        Point("alert")
        .tag("site", msg.site)
        .tag("rule", msg.rule)
        .tag("subject", msg.subject)
        .tag("severity", msg.severity.value)
        .tag("state", msg.state.value)
        .field("id", msg.id)
        .field("fingerprint", msg.fingerprint)
        .field("summary", msg.summary)
        .time(ns(msg.ts), WritePrecision.NS)
    )
    if msg.value is not None:
        p.field("value", float(msg.value))
    return p


def status_point(msg: DeviceStatus) -> Point:
    """Measurement `device_status`: online flag and heartbeat figures."""
    p = (
        Point("device_status")
        .tag("site", msg.site)
        .tag("device", msg.device)
        .field("online", 1 if msg.state.value == "online" else 0)
        .time(ns(msg.ts), WritePrecision.NS)
    )
    for name in (
        "uptime_s",
        "buffer_depth",
        "buffer_dropped",
        "dropped_frames",
        "cpu_percent",
        "rss_mb",
    ):
        value = getattr(msg, name)
        if value is not None:
            p.field(name, float(value))
    return p


def to_line_protocol(points: Iterable[Point] | Sequence[Point]) -> bytes:
    """Serialise points with influxdb-client's own line-protocol writer, one per line."""
    return "\n".join(p.to_line_protocol(WritePrecision.NS) for p in points).encode()
