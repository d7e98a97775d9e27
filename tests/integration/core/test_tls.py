"""TLS on a real Mosquitto with certificates from `core.tls` / `bk provision --tls`.

Clients are the services' own `core.mqtt.MqttClient`, configured the way a deployment
configures them: `BK_MQTT__TLS__*` environment variables read by `core.settings`.
"""

import queue
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
import yaml
from pydantic import SecretStr

from core.errors import BackendUnavailable
from core.mqtt import MqttClient
from core.provisioning import (
    ACL,
    PASSWD_DEVICES,
    PASSWD_SERVICES,
    TLS_DIR,
    BrokerEndpoint,
    provision,
    read_credentials,
)
from core.registry import DeviceInfo, DeviceKind, SiteInfo, SiteRegistry
from core.settings import InfluxSettings, MqttSettings, Settings, TlsSettings, load_settings
from core.store import open_store
from core.tls import ServerTlsFiles, create_ca, generate_broker_tls, issue_client_cert
from devtools.servers import LocalMosquitto, free_port
from edge.agent import EdgeAgent
from edge.config import EdgeSettings
from ingest.service import IngestService
from ingest.settings import IngestSection, IngestSettings

FAIL_S = 4  # how long a connection that must fail is given


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalMosquitto, Path]]:
    """An anonymous broker with a TLS listener; the folder of its CA and certificates."""
    work = tmp_path_factory.mktemp("tls")
    server, _ = generate_broker_tls(work / "pki")
    broker = LocalMosquitto(work, tls=server, persistence=False)
    broker.start()
    yield broker, work / "pki"
    broker.stop()


@pytest.fixture
def clients() -> Iterator[Callable[..., MqttClient]]:
    """Make MqttClients (not yet connected); every one is closed after the test."""
    made: list[MqttClient] = []

    def make(settings: MqttSettings) -> MqttClient:
        client = MqttClient(settings, persistent=False)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def _round_trip(client: MqttClient) -> None:
    """Subscribe and publish over the same connection; the message must come back."""
    got: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
    client.set_message_handler(got.put)
    topic = f"bk/v1/tls-{uuid.uuid4().hex[:8]}/agent/telemetry"
    client.subscribe(topic, qos=1)
    client.connect(timeout=10)
    for _ in range(30):  # until the subscription is in place
        client.publish(topic, b"over tls", qos=1).wait_for_publish(5)
        try:
            msg = got.get(timeout=0.5)
        except queue.Empty:
            continue
        assert msg.payload == b"over tls"
        return
    raise AssertionError("nothing came back over TLS")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_tls_with_the_generated_ca_through_settings(
    tls_broker: tuple[LocalMosquitto, Path],
    clients: Callable[..., MqttClient],
    monkeypatch: pytest.MonkeyPatch,
    host: str,
) -> None:
    """BK_MQTT__TLS__CA_FILE is all a service needs; the name is checked (no `insecure`)."""
    broker, pki = tls_broker
    monkeypatch.setenv("BK_MQTT__HOST", host)
    monkeypatch.setenv("BK_MQTT__PORT", str(broker.tls_port))
    monkeypatch.setenv("BK_MQTT__TLS__CA_FILE", str(pki / "ca.pem"))
    monkeypatch.delenv("BK_CONFIG", raising=False)
    settings = load_settings(cls=Settings).mqtt
    assert settings.tls is not None and not settings.tls.insecure
    _round_trip(clients(settings))


def test_a_plain_connection_to_the_tls_listener_fails(
    tls_broker: tuple[LocalMosquitto, Path], clients: Callable[..., MqttClient]
) -> None:
    broker, _ = tls_broker
    assert broker.tls_port is not None
    client = clients(MqttSettings(host=broker.host, port=broker.tls_port))
    with pytest.raises(BackendUnavailable):
        client.connect(timeout=FAIL_S)
    assert client.connects == 0


def test_a_client_trusting_another_ca_fails(
    tls_broker: tuple[LocalMosquitto, Path], clients: Callable[..., MqttClient], tmp_path: Path
) -> None:
    broker, _ = tls_broker
    assert broker.tls_port is not None
    other = create_ca(tmp_path / "other", common_name="Somebody else's CA")
    client = clients(
        MqttSettings(
            host=broker.host, port=broker.tls_port, tls=TlsSettings(ca_file=other.cert_file)
        )
    )
    with pytest.raises(BackendUnavailable):
        client.connect(timeout=FAIL_S)
    assert client.connects == 0


def test_require_certificate_refuses_a_client_without_one(
    tmp_path: Path, clients: Callable[..., MqttClient]
) -> None:
    server, certs = generate_broker_tls(tmp_path / "pki", clients=["edge-1"])
    mutual = ServerTlsFiles(server.ca_file, server.cert_file, server.key_file, True)
    broker = LocalMosquitto(tmp_path, tls=mutual, persistence=False)
    broker.start()
    try:
        assert broker.tls_port is not None
        without = clients(
            MqttSettings(
                host=broker.host, port=broker.tls_port, tls=TlsSettings(ca_file=server.ca_file)
            )
        )
        with pytest.raises(BackendUnavailable):
            without.connect(timeout=FAIL_S)
        assert without.connects == 0
        # A certificate from another CA is no better than none.
        stranger_ca = create_ca(tmp_path / "stranger")
        stranger = issue_client_cert(stranger_ca, tmp_path / "stranger", "edge-1")
        forged = clients(
            MqttSettings(
                host=broker.host,
                port=broker.tls_port,
                tls=TlsSettings(
                    ca_file=server.ca_file,
                    cert_file=stranger.cert_file,
                    key_file=stranger.key_file,
                ),
            )
        )
        with pytest.raises(BackendUnavailable):
            forged.connect(timeout=FAIL_S)
        mine = certs["edge-1"]
        _round_trip(
            clients(
                MqttSettings(
                    host=broker.host,
                    port=broker.tls_port,
                    tls=TlsSettings(
                        ca_file=server.ca_file, cert_file=mine.cert_file, key_file=mine.key_file
                    ),
                )
            )
        )
    finally:
        broker.stop()


def test_provisioned_agent_over_tls_with_its_password(
    tmp_path: Path, clients: Callable[..., MqttClient]
) -> None:
    """`bk provision --tls` output loaded as is: the agent's TLS listener binds its client id."""
    registry = SiteRegistry(
        sites={"site-t": SiteInfo(devices={"agent": DeviceInfo(kind=DeviceKind.AGENT)})}
    )
    auth = tmp_path / "auth"
    # The ports are chosen first and written into the account files, then the broker
    # listens on exactly those: an agent given its env file reaches it as written.
    service_port, tls_port = free_port(), free_port()
    endpoint = BrokerEndpoint(device_port=tls_port, service_port=service_port)
    provision(registry, auth, tls_hosts=["127.0.0.1", "localhost"], endpoint=endpoint)
    tls_dir = auth / TLS_DIR
    broker = LocalMosquitto(
        tmp_path,
        port=service_port,
        password_file=auth / PASSWD_SERVICES,
        acl_file=auth / ACL,
        device_password_file=auth / PASSWD_DEVICES,
        tls=ServerTlsFiles(tls_dir / "ca.pem", tls_dir / "server.pem", tls_dir / "server.key"),
        tls_port=tls_port,
        persistence=False,
    )
    broker.start()
    try:
        assert broker.tls_port == tls_port and broker.port == service_port
        creds = read_credentials(auth)
        env_port = (auth / "accounts" / "site-t.agent.env").read_text().split("BK_MQTT__PORT=")[1]
        assert int(env_port.split()[0]) == broker.tls_port

        def settings(password: str) -> MqttSettings:
            return MqttSettings(
                host="localhost",
                port=broker.tls_port or 0,
                username="site-t.agent",
                password=SecretStr(password),
                tls=TlsSettings(ca_file=tls_dir / "ca.pem"),
            )

        agent = clients(settings(creds["site-t.agent"]))
        agent.connect(timeout=10)
        assert agent.is_connected
        with pytest.raises(BackendUnavailable, match="refused"):
            clients(settings("wrong")).connect(timeout=10)
        # The env file handed to the agent names the CA it must trust.
        env = (auth / "accounts" / "site-t.agent.env").read_text()
        assert f"BK_MQTT__TLS__CA_FILE={(tls_dir / 'ca.pem').resolve()}" in env
    finally:
        broker.stop()


EDGE_EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "edge" / "agent.example.yaml"


def test_edge_agent_and_ingest_with_provisioned_accounts_over_tls(
    tmp_path: Path, influx_settings: InfluxSettings, clients: Callable[..., MqttClient]
) -> None:
    """The real agent and the real ingest service need nothing the ACL does not grant.

    The agent (the shipped example: two simulated sensors and a camera) logs in over TLS
    on the devices' listener with its account; ingest logs in on the services' listener
    with the `ingest` account. Readings reach InfluxDB, the agent's frames and status
    reach the centre, and ingest's receipts reach the agent, which then empties its buffer.
    """
    site = f"e2e-{uuid.uuid4().hex[:8]}"
    registry = SiteRegistry(
        sites={
            site: SiteInfo(
                devices={
                    "agent": DeviceInfo(kind=DeviceKind.AGENT),
                    "cam1": DeviceInfo(kind=DeviceKind.CAMERA),
                }
            )
        }
    )
    auth = tmp_path / "auth"
    provision(registry, auth, tls_hosts=["localhost"])
    creds = read_credentials(auth)
    tls_dir = auth / TLS_DIR
    broker = LocalMosquitto(
        tmp_path,
        password_file=auth / PASSWD_SERVICES,
        acl_file=auth / ACL,
        device_password_file=auth / PASSWD_DEVICES,
        tls=ServerTlsFiles(tls_dir / "ca.pem", tls_dir / "server.pem", tls_dir / "server.key"),
    )
    broker.start()
    ingest: IngestService | None = None
    agent: EdgeAgent | None = None
    try:
        centre = MqttSettings(host=broker.host, port=broker.port, username="ingest")
        ingest = IngestService(
            IngestSettings(
                mqtt=centre.model_copy(update={"password": SecretStr(creds["ingest"])}),
                influx=influx_settings,
                ingest=IngestSection(instance="tls1", batch_max_wait_s=0.2),
            )
        )
        ingest.start()
        admin = clients(
            centre.model_copy(update={"username": "admin", "password": SecretStr(creds["admin"])})
        )
        seen: queue.Queue[str] = queue.Queue()
        admin.set_message_handler(lambda msg: seen.put(msg.topic))
        admin.subscribe(f"bk/v1/{site}/+/frame", qos=0)
        admin.subscribe(f"bk/v1/{site}/+/status", qos=1)
        admin.connect(timeout=10)

        data = yaml.safe_load(EDGE_EXAMPLE.read_text())
        data["mqtt"] = {
            "host": "localhost",
            "port": broker.tls_port,
            "username": f"{site}.agent",
            "password": creds[f"{site}.agent"],
            "tls": {"ca_file": str(tls_dir / "ca.pem")},
            "reconnect_min_s": 0.5,
            "reconnect_max_s": 2,
        }
        data["agent"].update(site=site, state_dir=str(tmp_path / "state"))
        for sensor in data["agent"]["sensors"]:
            sensor["interval_s"] = 1
        data["agent"]["cameras"][0]["publish"]["motion_threshold"] = 0
        agent = EdgeAgent(EdgeSettings.model_validate(data))
        agent.start()

        deadline = time.monotonic() + 60
        topics_seen: set[str] = set()
        stored = 0
        while time.monotonic() < deadline:
            while not seen.empty():
                topics_seen.add(seen.get_nowait())
            stored = _count_readings(influx_settings)
            if (
                stored >= 4
                and agent.counters.receipts > 0
                and agent.counters.readings_acked >= 4
                and {f"bk/v1/{site}/cam1/frame", f"bk/v1/{site}/agent/status"} <= topics_seen
            ):
                break
            time.sleep(0.2)
        assert stored >= 4, "no readings reached InfluxDB"
        assert agent.counters.receipts > 0, "ingest's receipts never reached the agent"
        assert agent.counters.readings_acked >= 4
        assert f"bk/v1/{site}/cam1/frame" in topics_seen
        assert f"bk/v1/{site}/agent/status" in topics_seen
        assert agent.mqtt.disconnects == 0
    finally:
        if agent is not None:
            agent.stop()
        if ingest is not None:
            ingest.stop()
        broker.stop()


def _count_readings(influx: InfluxSettings) -> int:
    store = open_store(influx)
    try:
        rows = store.query('SELECT count("value") FROM "reading"')
    finally:
        store.close()
    return int(rows[0]["count"]) if rows else 0
