import pytest

from core import topics
from core.errors import PayloadError
from core.ids import validate_id
from core.topics import AlertsTopic, Channel, DeviceTopic

HOSTILE_IDS = [
    "",
    "+",
    "#",
    "site/evil",
    "a+b",
    "a#",
    "$SYS",
    "Upper",
    "_hidden",
    "-leading",
    "a" * 65,
    "bad\x00id",
    "new\nline",
    "tab\tid",
    "空格",
    "a b",
    "a.b",
]


@pytest.mark.parametrize("channel", list(Channel))
def test_device_topic_round_trip(channel: Channel) -> None:
    topic = topics.device_topic("school-12", "fridge_3", channel)
    assert topic == f"bk/v1/school-12/fridge_3/{channel.value}"
    assert topics.parse(topic) == DeviceTopic("school-12", "fridge_3", channel)


def test_alerts_topic_round_trip() -> None:
    topic = topics.alerts_topic("k1")
    assert topic == "bk/v1/k1/alerts"
    assert topics.parse(topic) == AlertsTopic("k1")


def test_longest_valid_id_is_accepted() -> None:
    long_id = "a" + "b" * 63
    assert topics.parse(topics.telemetry_topic(long_id, long_id)).site == long_id


@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_hostile_ids_are_refused_when_building(bad: str) -> None:
    with pytest.raises(PayloadError) as info:
        topics.telemetry_topic(bad, "dev")
    assert info.value.reason == "bad_id"
    with pytest.raises(PayloadError):
        topics.telemetry_topic("site", bad)


@pytest.mark.parametrize("bad", [b for b in HOSTILE_IDS if "/" not in b and b])
def test_hostile_ids_are_refused_when_parsing(bad: str) -> None:
    with pytest.raises(PayloadError) as info:
        topics.parse(f"bk/v1/{bad}/dev/telemetry")
    assert info.value.reason == "bad_topic"


@pytest.mark.parametrize(
    "topic",
    [
        "bk/v1/site/dev",
        "bk/v1/site/dev/telemetry/extra",
        "bk/v2/site/dev/telemetry",
        "other/v1/site/dev/telemetry",
        "bk/v1/site/dev/unknown",
        "bk/v1/site//telemetry",
        "bk/v1/_dlq/ingest",
        "x" * 300,
        "",
    ],
)
def test_wrong_topic_shapes_are_refused(topic: str) -> None:
    with pytest.raises(PayloadError) as info:
        topics.parse(topic)
    assert info.value.reason == "bad_topic"


def test_error_message_names_the_problem() -> None:
    with pytest.raises(PayloadError, match="forbidden characters '#', '/'"):
        validate_id("a/#", "site")
    with pytest.raises(PayloadError, match="66 characters long"):
        validate_id("a" * 66, "device")


def test_parse_device_topic_checks_channel() -> None:
    with pytest.raises(PayloadError, match="not a frame topic"):
        topics.parse_device_topic("bk/v1/s/d/telemetry", expect=Channel.FRAME)
    with pytest.raises(PayloadError, match="not a device topic"):
        topics.parse_device_topic("bk/v1/s/alerts")


def test_subscriptions_and_shared_groups() -> None:
    assert topics.subscription(Channel.TELEMETRY) == "bk/v1/+/+/telemetry"
    assert topics.subscription("alerts", site="k1") == "bk/v1/k1/alerts"
    assert (
        topics.subscription(Channel.STATUS, share_group="ingest")
        == "$share/ingest/bk/v1/+/+/status"
    )
    with pytest.raises(PayloadError):
        topics.subscription(Channel.TELEMETRY, site="#")


def test_qos_and_retain_follow_the_contract() -> None:
    assert topics.QOS[Channel.FRAME] == 0
    assert topics.RETAIN[Channel.STATUS] and topics.RETAIN[Channel.CONFIG]
    assert not topics.RETAIN[Channel.TELEMETRY]


def test_internal_topics_cannot_collide_with_sites() -> None:
    assert topics.dead_letter_topic("ingest") == "bk/v1/_dlq/ingest"
    with pytest.raises(PayloadError):
        validate_id("_dlq")


def test_service_status_subscription() -> None:
    from core.topics import service_status_subscription, service_status_topic

    assert service_status_subscription() == "bk/v1/_services/+/+/status"
    assert service_status_subscription("ingest") == "bk/v1/_services/ingest/+/status"
    assert service_status_topic("ingest", "i1").startswith("bk/v1/_services/ingest/")
    with pytest.raises(PayloadError):
        service_status_subscription("in/gest")
