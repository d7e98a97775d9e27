"""The shipped broker configs start on a real Mosquitto against a `bk provision --tls` folder.

Each file in `deploy/broker/` is read as shipped; only what differs between a production box
and this test is rewritten (the provisioned folder's path, ports, pid file, data folder, log
destination, the user to run as), and every rewrite must find its target, so a config that
changes shape fails here instead of being silently left untested. The broker must then accept
an agent's account over TLS (checked against the provisioned CA, no `insecure`), let a
service account in on the services' listener, and refuse anonymous clients on both
listeners and a device account on the services' listener.
"""

import os
import pwd
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from core.errors import BackendUnavailable
from core.mqtt import MqttClient
from core.provisioning import ACCOUNTS_DIR, TLS_DIR, provision, read_credentials
from core.registry import DeviceInfo, DeviceKind, SiteInfo, SiteRegistry
from core.settings import MqttSettings, Settings, TlsSettings, load_settings
from devtools.servers import LocalMosquitto

REPO = Path(__file__).resolve().parents[3]
CONFIGS = sorted((REPO / "deploy" / "broker").glob("mosquitto*.conf"))
PROVISIONED = "/etc/mosquitto/bk"  # where the shipped configs expect `bk provision --out`
FAIL_S = 4  # how long a connection that must fail is given

REGISTRY = SiteRegistry(
    sites={
        "school-001": SiteInfo(
            devices={
                "agent": DeviceInfo(kind=DeviceKind.AGENT),
                "cam1": DeviceInfo(kind=DeviceKind.CAMERA),
            }
        )
    }
)


def _sub(pattern: str, repl: str, text: str) -> str:
    """re.sub that must replace at least once (the shipped file still has that shape)."""
    new, n = re.subn(pattern, repl, text, flags=re.MULTILINE)
    assert n, f"the broker config no longer has a line matching {pattern!r}"
    return new


def rewrite(text: str, auth: Path, work: Path, service_port: int, device_port: int) -> str:
    """The shipped config with paths and ports moved to this test's folder and free ports."""
    text = text.replace(PROVISIONED, str(auth))
    text = _sub(r"^listener 1883\b.*$", f"listener {service_port} 127.0.0.1", text)
    text = _sub(r"^listener 8883\b.*$", f"listener {device_port} 127.0.0.1", text)
    text = _sub(r"^persistence_location .*$", f"persistence_location {work}/data/", text)
    text = _sub(r"^log_dest .*$", "log_dest stdout", text)
    text = _sub(r"^user .*$", f"user {pwd.getpwuid(os.geteuid()).pw_name}", text)
    if re.search(r"^pid_file ", text, flags=re.MULTILINE):
        text = _sub(r"^pid_file .*$", f"pid_file {work}/mosquitto.pid", text)
    settings = [line for line in text.splitlines() if line and not line.startswith("#")]
    left = [line for line in settings if "/etc/" in line or "/var/" in line or "/run/" in line]
    assert not left, f"paths left pointing at the host: {left}"
    return text


class ShippedMosquitto(LocalMosquitto):
    """LocalMosquitto's process handling, running a rewritten `deploy/broker/` config."""

    def __init__(self, workdir: Path, shipped: Path, auth: Path) -> None:
        self.shipped = shipped
        self.auth = auth
        # device_password_file only gives this broker a second free port (the TLS one is
        # declared by the shipped file itself); LocalMosquitto waits for both to open.
        super().__init__(workdir, persistence=False, device_password_file=auth / "passwd.devices")

    def _write_config(self) -> None:
        (self.workdir / "data").mkdir(exist_ok=True)
        assert self.device_port is not None
        self.config_path.write_text(
            rewrite(self.shipped.read_text(), self.auth, self.workdir, self.port, self.device_port)
        )


@pytest.fixture(params=CONFIGS, ids=[c.name for c in CONFIGS])
def broker(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[ShippedMosquitto, Path]]:
    """A shipped config running against a freshly provisioned folder (with TLS)."""
    auth = tmp_path / "bk"
    provision(REGISTRY, auth, tls_hosts=["127.0.0.1", "localhost"])
    assert (auth / ACCOUNTS_DIR / "ingest.env").exists()
    server = ShippedMosquitto(tmp_path / "broker", request.param, auth)
    server.start()
    yield server, auth
    server.stop()


@pytest.fixture
def clients() -> Iterator[Callable[[MqttSettings], MqttClient]]:
    """Make MqttClients (not yet connected); every one is closed after the test."""
    made: list[MqttClient] = []

    def make(settings: MqttSettings) -> MqttClient:
        client = MqttClient(settings, persistent=False)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_configs_are_shipped() -> None:
    assert [c.name for c in CONFIGS] == ["mosquitto.compose.conf", "mosquitto.conf"]


def test_agent_over_tls_accepted_anonymous_refused(
    broker: tuple[ShippedMosquitto, Path], clients: Callable[[MqttSettings], MqttClient]
) -> None:
    server, auth = broker
    creds = read_credentials(auth)
    ca = TlsSettings(ca_file=auth / TLS_DIR / "ca.pem")
    assert server.device_port is not None
    agent = MqttSettings(
        host="localhost",
        port=server.device_port,
        username="school-001.agent",
        password=SecretStr(creds["school-001.agent"]),
        tls=ca,
    )
    connected = clients(agent)
    connected.connect(timeout=10)
    assert connected.is_connected
    connected.publish("bk/v1/school-001/agent/telemetry", b"[]", qos=1).wait_for_publish(10)

    service = MqttSettings(
        host=server.host,
        port=server.port,
        username="ingest",
        password=SecretStr(creds["ingest"]),
    )
    ingest = clients(service)
    ingest.connect(timeout=10)
    assert ingest.is_connected

    refused = [
        # Anonymous on the TLS listener (the TLS handshake succeeds, the login does not).
        MqttSettings(host="localhost", port=server.device_port, tls=ca),
        # Anonymous on the services' listener.
        MqttSettings(host=server.host, port=server.port),
        # A device account where it could choose its client id.
        MqttSettings(
            host=server.host,
            port=server.port,
            username="school-001.agent",
            password=SecretStr(creds["school-001.agent"]),
        ),
        # Plain MQTT to the TLS listener.
        MqttSettings(
            host=server.host,
            port=server.device_port,
            username="school-001.agent",
            password=SecretStr(creds["school-001.agent"]),
        ),
    ]
    for settings in refused:
        client = clients(settings)
        with pytest.raises(BackendUnavailable):
            client.connect(timeout=FAIL_S)
        assert client.connects == 0, settings

    # persistence: a clean stop writes the sessions and retained messages to disk.
    for client in (connected, ingest):
        client.close()
    server.stop()
    assert (server.workdir / "data" / "mosquitto.db").stat().st_size > 0


def service_settings(
    auth: Path, server: ShippedMosquitto, monkeypatch: pytest.MonkeyPatch, unit_env: dict[str, str]
) -> MqttSettings:
    """A service's broker settings from its provisioned env file, as its unit loads them.

    Only the address is moved to this test's broker; `unit_env` are the unit's own
    `Environment=` lines (systemd reads them first; the env file's values win).
    """
    monkeypatch.delenv("BK_CONFIG", raising=False)
    for key, value in unit_env.items():
        monkeypatch.setenv(key, value)
    for line in (auth / ACCOUNTS_DIR / "ingest.env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("BK_MQTT__HOST", server.host)
    monkeypatch.setenv("BK_MQTT__PORT", str(server.port))
    return load_settings(cls=Settings).mqtt


def test_service_account_env_file_alone_connects(
    broker: tuple[ShippedMosquitto, Path],
    clients: Callable[[MqttSettings], MqttClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A service account's env file alone reaches the services' (plain) listener; only
    device accounts carry the TLS CA."""
    server, auth = broker
    settings = service_settings(auth, server, monkeypatch, {})
    assert settings.tls is None
    envs = {f.stem: f.read_text() for f in (auth / "accounts").glob("*.env")}
    with_ca = {user for user, text in envs.items() if "BK_MQTT__TLS__CA_FILE" in text}
    assert with_ca and with_ca == {user for user in envs if "." in user}  # site.device
    client = clients(settings)
    client.connect(timeout=FAIL_S)
    assert client.is_connected
