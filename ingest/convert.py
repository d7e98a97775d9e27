"""Validate one MQTT message and turn it into line protocol.

Everything a hostile sender can get wrong is refused here with a `PayloadError` whose
reason feeds the counters and the dead letter: a topic outside the scheme, a payload
that is not valid JSON for its channel (core schemas), a payload whose site/device does
not match the topic, or a site the registry does not know.

Telemetry is the hot path (most traffic), so its line protocol is written by
`reading_lines`, which produces byte for byte what `core.store.reading_points` +
`to_line_protocol` produce (a unit test holds the two equal) at a fraction of the cost
of building `Point` objects. The rarer channels use the core point builders directly.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from core.errors import PayloadError
from core.registry import SiteRegistry
from core.schemas import AlertEvent, DetectionEvent, DeviceStatus, Telemetry, decode
from core.store import alert_point, detection_points, status_point, to_line_protocol
from core.store.points import SEQ_SLOTS
from core.topics import AlertsTopic, Channel, DeviceTopic, parse

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TOPIC_CACHE = 100_000


@dataclass(slots=True)
class Converted:
    """The points of one accepted message, as line-protocol text (one line per point)."""

    lines: str
    points: int
    source_ns: int
    """Source timestamp of the message's first point (for the lag figure)."""
    receipt: "Span | None" = None
    """For telemetry: (site, device, first seq, last seq) to confirm once stored."""


Span = tuple[str, str, int, int]


def _ns(ts: datetime) -> int:
    delta = ts - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def reading_lines(msg: Telemetry) -> tuple[str, int]:
    """Line protocol of measurement `reading` (same bytes as core's `reading_points`).

    Tags sorted by key (device, kind, sensor, site, zone), fields sorted (seq, value),
    ids need no escaping (their alphabet is [a-z0-9_-]). Returns (text, first ts ns).
    This is the per-reading hot path: few calls, one f-string per line, the timestamp
    conversion reused when readings of a message share their time (the usual case).
    The point time is core's `reading_ns`: the source time plus the seq modulo
    SEQ_SLOTS in the nanoseconds, so readings of one sensor that share a source
    timestamp (a clock stepped back) are kept as two points, not overwritten.
    """
    head = f"reading,device={msg.device},kind="
    site = f",site={msg.site}"
    out = []
    last_ts = None
    t = first = -1
    for r in msg.readings:
        ts = r.ts
        if ts != last_ts:
            last_ts = ts
            t = _ns(ts)
            if first < 0:
                first = t
        s = repr(float(r.value))
        if s[-2:] == ".0":
            s = s[:-2]
        zone = r.zone
        seq = r.seq
        out.append(
            f"{head}{r.kind},sensor={r.sensor}{site}{',zone=' + zone if zone else ''} "
            f"seq={seq}i,value={s} {t + seq % SEQ_SLOTS}"
        )
    return "\n".join(out), first


class Converter:
    """Topic + payload → `Converted`, or PayloadError(reason, detail)."""

    def __init__(self, registry: SiteRegistry | None = None) -> None:
        self.registry = registry
        # Topics repeat (one per device): parsing each once saves a fifth of the hot path.
        self._topics: dict[str, DeviceTopic | AlertsTopic] = {}
        self._by_channel: dict[str, Callable[[DeviceTopic, bytes], Converted]] = {
            Channel.TELEMETRY: self._telemetry,
            Channel.DETECTIONS: self._detections,
            Channel.STATUS: self._status,
        }

    def convert(self, topic: str, payload: bytes) -> Converted:
        parsed = self._topics.get(topic)
        if parsed is None:
            parsed = parse(topic)  # raises on a bad topic: only good ones are cached
            if len(self._topics) >= _TOPIC_CACHE:
                self._topics.clear()
            self._topics[topic] = parsed
        if self.registry is not None and not self.registry.knows(parsed.site):
            raise PayloadError("unknown_site", f"site {parsed.site!r} is not in the registry")
        if isinstance(parsed, AlertsTopic):
            return self._alert(parsed, payload)
        handler = self._by_channel.get(parsed.channel)
        if handler is None:
            raise PayloadError("bad_topic", f"channel {parsed.channel.value} is not ingested")
        return handler(parsed, payload)

    @staticmethod
    def _match(topic: DeviceTopic | AlertsTopic, site: str, device: str | None) -> None:
        if site != topic.site or (isinstance(topic, DeviceTopic) and device != topic.device):
            where = f"{site}/{device}" if device is not None else site
            raise PayloadError("topic_mismatch", f"payload names {where} but arrived on {topic!s}")

    def _telemetry(self, topic: DeviceTopic, payload: bytes) -> Converted:
        msg = decode(Telemetry, payload)
        if msg.site != topic.site or msg.device != topic.device:
            self._match(topic, msg.site, msg.device)
        lines, first = reading_lines(msg)
        seqs = [r.seq for r in msg.readings]
        span = (msg.site, msg.device, min(seqs), max(seqs))
        return Converted(lines, len(msg.readings), first, span)

    def _detections(self, topic: DeviceTopic, payload: bytes) -> Converted:
        msg = decode(DetectionEvent, payload)
        self._match(topic, msg.site, msg.camera)
        points = detection_points(msg)
        # A frame with nothing detected has no points; it is accepted and acknowledged.
        return Converted(to_line_protocol(points).decode(), len(points), _ns(msg.ts))

    def _status(self, topic: DeviceTopic, payload: bytes) -> Converted:
        msg = decode(DeviceStatus, payload)
        self._match(topic, msg.site, msg.device)
        return Converted(to_line_protocol([status_point(msg)]).decode(), 1, _ns(msg.ts))

    def _alert(self, topic: AlertsTopic, payload: bytes) -> Converted:
        msg = decode(AlertEvent, payload)
        self._match(topic, msg.site, None)
        return Converted(to_line_protocol([alert_point(msg)]).decode(), 1, _ns(msg.ts))
