"""Broker security on a real Mosquitto loaded with what `bk provision` writes.

The broker runs the deployment's two listeners: services (password file of service
accounts) and devices (password file of device accounts, `use_username_as_clientid`).
Every forged message is followed by a genuine one from the same connection: Mosquitto
delivers one connection's QoS 1 messages in order, so once the genuine message has
arrived, a forged one that got through would already be in the queue. No sleeps decide
a result.
"""

import queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from pydantic import SecretStr

from core import topics
from core.errors import BackendUnavailable
from core.mqtt import MqttClient
from core.provisioning import (
    ACL,
    PASSWD,
    PASSWD_DEVICES,
    PASSWD_SERVICES,
    enrol_device,
    provision,
    read_credentials,
    revoke,
    rotate,
)
from core.registry import DeviceInfo, DeviceKind, SiteInfo, SiteRegistry, save_registry
from core.settings import MqttSettings
from devtools.servers import LocalMosquitto

Messages = queue.Queue[mqtt.MQTTMessage]

REGISTRY = SiteRegistry(
    sites={
        # Two agents in one kitchen, each with its own camera.
        "site-a": SiteInfo(
            devices={
                "agent1": DeviceInfo(kind=DeviceKind.AGENT),
                "agent2": DeviceInfo(kind=DeviceKind.AGENT),
                "cam1": DeviceInfo(kind=DeviceKind.CAMERA, agent="agent1"),
                "cam2": DeviceInfo(kind=DeviceKind.CAMERA, agent="agent2"),
            }
        ),
        # One agent: its camera needs no `agent:`.
        "site-b": SiteInfo(
            devices={
                "agent1": DeviceInfo(kind=DeviceKind.AGENT),
                "cam1": DeviceInfo(kind=DeviceKind.CAMERA),
            }
        ),
    }
)


@dataclass
class Secured:
    """A provisioned broker: where services and devices connect, and every password."""

    broker: LocalMosquitto
    auth: Path
    creds: dict[str, str]

    def settings(
        self, user: str, password: str | None = None, device: bool = False
    ) -> MqttSettings:
        port = self.broker.device_port if device else self.broker.port
        assert port is not None
        return MqttSettings(
            host=self.broker.host,
            port=port,
            username=user,
            password=SecretStr(password if password is not None else self.creds[user]),
            reconnect_min_s=0.5,
            reconnect_max_s=2,
        )


def _start(workdir: Path, registry: SiteRegistry) -> Secured:
    auth = workdir / "auth"
    provision(registry, auth)
    broker = LocalMosquitto(
        workdir,
        password_file=auth / PASSWD_SERVICES,
        acl_file=auth / ACL,
        device_password_file=auth / PASSWD_DEVICES,
        persistence=False,
    )
    broker.start()
    return Secured(broker, auth, read_credentials(auth))


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    """A broker with provisioned services and devices listeners, shared by this module."""
    sec = _start(tmp_path_factory.mktemp("acl"), REGISTRY)
    yield sec
    sec.broker.stop()


@pytest.fixture
def private_secured(tmp_path: Path) -> Iterator[Secured]:
    """A broker of its own (for tests that rotate or revoke accounts)."""
    registry_file = tmp_path / "sites.yaml"
    save_registry(REGISTRY, registry_file)
    sec = _start(tmp_path, REGISTRY)
    yield sec
    sec.broker.stop()


@pytest.fixture
def clients() -> Iterator[Callable[..., MqttClient]]:
    """Connect MqttClients; every one is closed after the test."""
    made: list[MqttClient] = []

    def connect(settings: MqttSettings, client_id: str | None = None, **kw: object) -> MqttClient:
        kw.setdefault("persistent", False)
        client = MqttClient(settings, client_id, **kw)  # type: ignore[arg-type]
        made.append(client)
        client.connect(timeout=10)
        return client

    yield connect
    for client in made:
        client.close()


def _listen(client: MqttClient, *filters: str) -> Messages:
    got: Messages = queue.Queue()
    client.set_message_handler(got.put)
    for f in filters:
        client.subscribe(f, qos=1)
    return got


def _await_subscription(got: Messages, publisher: MqttClient, topic: str) -> None:
    """Publish probes on `topic` until one arrives: the subscription is then in place."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        publisher.publish(topic, b"probe", qos=1).wait_for_publish(5)
        try:
            while True:
                msg = got.get(timeout=0.5)
                if msg.topic == topic and msg.payload == b"probe":
                    # Drain any other probe still on its way.
                    time.sleep(0.2)
                    while not got.empty():
                        got.get_nowait()
                    return
        except queue.Empty:
            continue
    raise AssertionError(f"subscription never received {topic}")


def _until(got: Messages, topic: str, payload: bytes, timeout: float = 15) -> list[str]:
    """Topics received before the message (topic, payload) arrives; fails if it never does."""
    before: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = got.get(timeout=0.5)
        except queue.Empty:
            continue
        if msg.topic == topic and msg.payload == payload:
            return before
        before.append(f"{msg.topic} {msg.payload!r}")
    raise AssertionError(f"{topic} {payload!r} never arrived (got {before})")


@pytest.fixture
def admin_watch(
    secured: Secured, clients: Callable[..., MqttClient]
) -> tuple[MqttClient, Messages]:
    """An admin subscribed to everything under bk/v1/, subscription confirmed."""
    admin = clients(secured.settings("admin"))
    got = _listen(admin, "bk/v1/#")
    _await_subscription(got, admin, "bk/v1/_probe/admin")
    return admin, got


def test_agent_publishes_for_itself_and_its_cameras(
    secured: Secured,
    clients: Callable[..., MqttClient],
    admin_watch: tuple[MqttClient, Messages],
) -> None:
    _, got = admin_watch
    agent = clients(secured.settings("site-a.agent1", device=True))
    sent = [
        (topics.telemetry_topic("site-a", "agent1"), False),
        (topics.status_topic("site-a", "agent1"), False),
        (topics.frame_topic("site-a", "cam1"), False),
        (topics.detections_topic("site-a", "cam1"), False),
        (topics.status_topic("site-a", "cam1"), False),
    ]
    for topic, retain in sent:
        agent.publish(topic, b"genuine", qos=1, retain=retain).wait_for_publish(5)
    received = []
    for _ in sent:
        msg = got.get(timeout=10)
        received.append(msg.topic)
    assert received == [t for t, _ in sent]


# Everything an agent of site-a with camera cam1 must not publish.
FORGERIES = [
    ("detections of the other agent's camera", topics.detections_topic("site-a", "cam2"), False),
    ("frame of the other agent's camera", topics.frame_topic("site-a", "cam2"), False),
    ("retained status of the other agent", topics.status_topic("site-a", "agent2"), True),
    ("retained status of the other agent's camera", topics.status_topic("site-a", "cam2"), True),
    ("telemetry of the other agent", topics.telemetry_topic("site-a", "agent2"), False),
    ("telemetry under another site", topics.telemetry_topic("site-b", "agent1"), False),
    ("detections under another site", topics.detections_topic("site-b", "cam1"), False),
    ("retained status under another site", topics.status_topic("site-b", "agent1"), True),
    ("a sensor id of its own site", topics.telemetry_topic("site-a", "fridge9"), False),
    ("its own config", topics.config_topic("site-a", "agent1"), True),
    ("its own receipt", topics.receipt_topic("site-a", "agent1"), False),
    ("an alert", topics.alerts_topic("site-a"), False),
    ("a display notice", topics.display_topic("site-a"), False),
    ("a dead letter", topics.dead_letter_topic("ingest"), False),
    ("a service status", topics.service_status_topic("ingest", "i1"), True),
]


def test_agent_cannot_publish_as_anyone_else(
    secured: Secured,
    clients: Callable[..., MqttClient],
    admin_watch: tuple[MqttClient, Messages],
) -> None:
    _, got = admin_watch
    agent = clients(secured.settings("site-a.agent1", device=True))
    answers: dict[int, int] = {}  # mid -> PUBACK reason code

    def on_publish(client: object, userdata: object, mid: int, rc: object, props: object) -> None:
        answers[mid] = int(getattr(rc, "value", 0))

    agent.paho.on_publish = on_publish
    mids = {}
    for what, topic, retain in FORGERIES:
        info = agent.publish(topic, b"forged", qos=1, retain=retain)
        info.wait_for_publish(5)
        mids[info.mid] = what
    genuine = topics.telemetry_topic("site-a", "agent1")
    agent.publish(genuine, b"genuine", qos=1).wait_for_publish(5)
    leaked = _until(got, genuine, b"genuine")
    assert leaked == [], f"forged messages reached the admin subscriber: {leaked}"
    # The broker said so too: MQTT 5 PUBACK reason code 135, "Not authorized".
    deadline = time.monotonic() + 10
    while len(answers) < len(mids) + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert {what: answers.get(mid) for mid, what in mids.items()} == dict.fromkeys(
        mids.values(), 135
    )
    # Nothing forged was kept as a retained message either.
    late = clients(secured.settings("admin"))
    retained = _listen(late, "bk/v1/#")
    _await_subscription(retained, late, "bk/v1/_probe/late")
    assert retained.empty(), [m.topic for m in list(retained.queue)]


def test_agent_reads_only_its_own_config_and_receipt(
    secured: Secured, clients: Callable[..., MqttClient]
) -> None:
    agent = clients(secured.settings("site-a.agent1", device=True))
    got = _listen(
        agent,
        topics.config_topic("site-a", "agent1"),
        topics.receipt_topic("site-a", "agent1"),
        topics.config_topic("site-a", "agent2"),
        topics.receipt_topic("site-a", "agent2"),
        topics.receipt_topic("site-b", "agent1"),
        "bk/v1/site-a/+/telemetry",
    )
    api = clients(secured.settings("api"))
    ingest = clients(secured.settings("ingest"))
    own_receipt = topics.receipt_topic("site-a", "agent1")
    _await_subscription(got, ingest, own_receipt)
    api.publish(topics.config_topic("site-a", "agent2"), b"other", qos=1).wait_for_publish(5)
    ingest.publish(topics.receipt_topic("site-a", "agent2"), b"other", qos=1).wait_for_publish(5)
    ingest.publish(topics.receipt_topic("site-b", "agent1"), b"other", qos=1).wait_for_publish(5)
    other = clients(secured.settings("site-a.agent2", device=True))
    other.publish(topics.telemetry_topic("site-a", "agent2"), b"other", qos=1).wait_for_publish(5)
    api.publish(topics.config_topic("site-a", "agent1"), b"mine", qos=1).wait_for_publish(5)
    assert _until(got, topics.config_topic("site-a", "agent1"), b"mine") == []
    ingest.publish(own_receipt, b"mine", qos=1).wait_for_publish(5)
    assert _until(got, own_receipt, b"mine") == []
    time.sleep(0.5)  # the other agent's telemetry came from another connection
    assert got.empty(), [m.topic for m in list(got.queue)]


SERVICE_RIGHTS = {
    # account: (may publish, must not publish)
    "ingest": (
        [topics.receipt_topic("site-a", "agent1"), topics.dead_letter_topic("ingest")],
        [
            topics.alerts_topic("site-a"),
            topics.telemetry_topic("site-a", "agent1"),
            topics.config_topic("site-a", "agent1"),
            topics.dead_letter_topic("rules"),
        ],
    ),
    "vision": (
        [topics.detections_topic("site-a", "cam1"), topics.dead_letter_topic("vision")],
        [
            topics.alerts_topic("site-a"),
            topics.frame_topic("site-a", "cam1"),
            topics.receipt_topic("site-a", "agent1"),
        ],
    ),
    "rules": (
        [
            topics.alerts_topic("site-a"),
            topics.display_topic("site-a"),
            topics.dead_letter_topic("rules"),
            topics.service_status_topic("rules", "w0"),
        ],
        [
            topics.detections_topic("site-a", "cam1"),
            topics.config_topic("site-a", "agent1"),
            topics.service_status_topic("ingest", "w0"),
        ],
    ),
    "api": (
        [topics.config_topic("site-a", "agent1")],
        [topics.alerts_topic("site-a"), topics.telemetry_topic("site-a", "agent1")],
    ),
}


@pytest.mark.parametrize("service", sorted(SERVICE_RIGHTS))
def test_service_publishes_exactly_on_its_channels(
    service: str,
    secured: Secured,
    clients: Callable[..., MqttClient],
    admin_watch: tuple[MqttClient, Messages],
) -> None:
    _, got = admin_watch
    allowed, denied = SERVICE_RIGHTS[service]
    client = clients(secured.settings(service))
    for topic in denied:
        client.publish(topic, b"denied", qos=1).wait_for_publish(5)
    for topic in allowed:
        client.publish(topic, b"allowed", qos=1).wait_for_publish(5)
    arrived = [m.split(" ")[0] for m in _until(got, allowed[-1], b"allowed")]
    assert arrived == allowed[:-1]


def test_rules_display_notice_reaches_a_display_subscriber(
    secured: Secured, clients: Callable[..., MqttClient]
) -> None:
    """The notice Mosquitto used to drop silently (the rules account had no display right)."""
    display = clients(secured.settings("admin"))
    got = _listen(display, topics.display_topic("site-b"))
    rules = clients(secured.settings("rules"))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        rules.publish(topics.display_topic("site-b"), b'{"notice":"firing"}', qos=1)
        try:
            msg = got.get(timeout=0.5)
        except queue.Empty:
            continue
        assert msg.payload == b'{"notice":"firing"}'
        return
    raise AssertionError("the rules account's display notice never arrived")


def test_vision_reads_frames_through_its_shared_subscription(
    secured: Secured, clients: Callable[..., MqttClient]
) -> None:
    vision = clients(secured.settings("vision"))
    got = _listen(vision, "$share/vision/bk/v1/+/+/frame")
    agent = clients(secured.settings("site-b.agent1", device=True))
    _await_subscription(got, agent, topics.frame_topic("site-b", "cam1"))


def test_agent_cannot_take_over_another_agents_client_id(
    secured: Secured,
    clients: Callable[..., MqttClient],
    admin_watch: tuple[MqttClient, Messages],
) -> None:
    """site-a's agent presents site-b's agent's client id: site-b's agent stays connected."""
    _, got = admin_watch
    victim = clients(secured.settings("site-b.agent1", device=True), "site-b.agent1")
    attacker = clients(secured.settings("site-a.agent1", device=True), "site-b.agent1")
    assert attacker.is_connected  # it does get in, as itself
    own = topics.telemetry_topic("site-a", "agent1")
    attacker.publish(own, b"attacker", qos=1).wait_for_publish(5)
    _until(got, own, b"attacker")
    victims = topics.telemetry_topic("site-b", "agent1")
    for i in range(3):
        victim.publish(victims, f"still here {i}".encode(), qos=1).wait_for_publish(5)
        _until(got, victims, f"still here {i}".encode())
        time.sleep(0.5)
    assert victim.disconnects == 0 and victim.connects == 1
    assert attacker.disconnects == 0


def test_device_accounts_are_refused_on_the_services_listener(
    secured: Secured, clients: Callable[..., MqttClient]
) -> None:
    """There a client chooses its own id, so a device must not log in there at all."""
    with pytest.raises(BackendUnavailable, match="refused"):
        clients(secured.settings("site-a.agent1"), "site-b.agent1")


def test_without_the_binding_one_agent_kicks_another_off(
    tmp_path: Path, clients: Callable[..., MqttClient]
) -> None:
    """Control: one listener, all accounts (what `passwd` is for) — the take-over happens.

    Shows that the device listener's binding is what protects the agent above.
    """
    auth = tmp_path / "auth"
    provision(REGISTRY, auth)
    creds = read_credentials(auth)
    broker = LocalMosquitto(
        tmp_path, password_file=auth / PASSWD, acl_file=auth / ACL, persistence=False
    )
    broker.start()
    try:

        def settings(user: str) -> MqttSettings:
            return MqttSettings(
                host=broker.host,
                port=broker.port,
                username=user,
                password=SecretStr(creds[user]),
                reconnect_min_s=30,
                reconnect_max_s=30,
            )

        victim = clients(settings("site-b.agent1"), "site-b.agent1")
        clients(settings("site-a.agent1"), "site-b.agent1")
        deadline = time.monotonic() + 10
        while victim.disconnects == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert victim.disconnects == 1
    finally:
        broker.stop()


def test_persistent_session_survives_with_the_binding(
    secured: Secured, clients: Callable[..., MqttClient]
) -> None:
    """The edge's clean_start=false session is found again under its bound client id."""
    config = topics.config_topic("site-b", "agent1")
    settings = secured.settings("site-b.agent1", device=True)
    agent = MqttClient(settings, "edge-any-id", persistent=True)
    got = _listen(agent, config)
    agent.connect(timeout=10)
    api = clients(secured.settings("api"))
    try:
        _await_subscription(got, api, config)
    finally:
        agent.close()
    api.publish(config, b"while away", qos=1).wait_for_publish(5)
    again = MqttClient(settings, "edge-other-id", persistent=True)
    queued = _listen(again)  # no subscribe: the session still holds the subscription
    again.connect(timeout=10)
    try:
        msg = queued.get(timeout=10)
        assert (msg.topic, msg.payload) == (config, b"while away")
    finally:
        again.close()


def test_several_copies_of_a_service_share_one_account(
    secured: Secured, clients: Callable[..., MqttClient]
) -> None:
    first = clients(secured.settings("ingest"), "ingest-1")
    second = clients(secured.settings("ingest"), "ingest-2")
    time.sleep(1.0)
    assert first.is_connected and second.is_connected
    assert first.disconnects == 0 and second.disconnects == 0


@pytest.mark.parametrize(
    ("user", "password", "device"),
    [
        ("site-a.agent1", "wrong", True),
        ("ingest", "wrong", False),
        ("nobody", "whatever", True),
        ("nobody", "whatever", False),
    ],
)
def test_wrong_password_and_unknown_user_are_refused(
    secured: Secured,
    clients: Callable[..., MqttClient],
    user: str,
    password: str,
    device: bool,
) -> None:
    with pytest.raises(BackendUnavailable, match="refused"):
        clients(secured.settings(user, password, device=device))


@pytest.mark.parametrize("device", [True, False])
def test_anonymous_is_refused(
    secured: Secured, clients: Callable[..., MqttClient], device: bool
) -> None:
    port = secured.broker.device_port if device else secured.broker.port
    assert port is not None
    with pytest.raises(BackendUnavailable, match="refused"):
        clients(MqttSettings(host=secured.broker.host, port=port))


def test_rotate_refuses_the_old_password_without_a_restart(
    private_secured: Secured, clients: Callable[..., MqttClient]
) -> None:
    sec = private_secured
    pid = sec.broker.pid
    old = sec.creds["site-a.agent1"]
    clients(sec.settings("site-a.agent1", old, device=True))  # the old one works now
    new = rotate(sec.auth, "site-a.agent1", pid=pid)
    assert new.password != old
    deadline = time.monotonic() + 15
    while True:  # SIGHUP is asynchronous: wait until the broker has re-read the file
        try:
            clients(sec.settings("site-a.agent1", old, device=True))
        except BackendUnavailable as exc:
            refusal = str(exc)
            break
        assert time.monotonic() < deadline, "the old password still works after rotate"
        time.sleep(0.2)
    assert "refused" in refusal
    clients(sec.settings("site-a.agent1", new.password, device=True))
    assert sec.broker.pid == pid and sec.broker.running
    # Everybody else still logs in with the password they had.
    clients(sec.settings("site-a.agent2", device=True))
    clients(sec.settings("ingest"))


def test_enrolled_camera_and_revoked_agent_apply_without_a_restart(
    private_secured: Secured, clients: Callable[..., MqttClient]
) -> None:
    sec = private_secured
    registry_file = sec.broker.workdir / "sites.yaml"
    pid = sec.broker.pid
    assert (
        enrol_device(
            registry_file,
            sec.auth,
            "site-a",
            "cam3",
            DeviceInfo(kind=DeviceKind.CAMERA, agent="agent1"),
            pid=pid,
        )
        is None
    )  # a camera behind an agent has no account of its own
    admin = clients(sec.settings("admin"))
    got = _listen(admin, topics.frame_topic("site-a", "cam3"))
    agent = clients(sec.settings("site-a.agent1", device=True))
    _await_subscription(got, agent, topics.frame_topic("site-a", "cam3"))

    assert revoke(registry_file, sec.auth, "site-a", "agent2", pid=pid) == ["site-a.agent2"]
    deadline = time.monotonic() + 15
    while True:
        try:
            clients(sec.settings("site-a.agent2", device=True))
        except BackendUnavailable:
            break
        assert time.monotonic() < deadline, "the revoked agent still logs in"
        time.sleep(0.2)
    assert sec.broker.pid == pid
