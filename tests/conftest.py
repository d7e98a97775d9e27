"""Session fixtures: real Mosquitto and InfluxDB 1.x servers on free loopback ports.

Each server starts once per test session (installing its Debian package if missing)
and stops at the end. Tests that stop or crash a server take their own from a factory
fixture so they never disturb the shared ones. Each test gets its own site id and
database, so tests never see each other's data.
"""

import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest

from core.settings import InfluxSettings, MqttSettings
from devtools.servers import LocalInfluxDB, LocalMosquitto


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMosquitto]:
    """A shared anonymous Mosquitto broker for the whole test session."""
    broker = LocalMosquitto(tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def mosquitto_factory(tmp_path: Path) -> Iterator[Callable[..., LocalMosquitto]]:
    """Make private brokers (for tests that stop or kill them); all stopped afterwards."""
    made: list[LocalMosquitto] = []

    def make(**kwargs: object) -> LocalMosquitto:
        broker = LocalMosquitto(tmp_path / f"mosquitto{len(made)}", **kwargs)  # type: ignore[arg-type]
        broker.start()
        made.append(broker)
        return broker

    yield make
    for broker in made:
        broker.stop()


@pytest.fixture
def mqtt_settings(mosquitto: LocalMosquitto) -> MqttSettings:
    """Connection settings for the shared broker."""
    return MqttSettings(
        host=mosquitto.host, port=mosquitto.port, reconnect_min_s=0.2, reconnect_max_s=2
    )


@pytest.fixture(scope="session")
def influxdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalInfluxDB]:
    """A shared InfluxDB 1.x server for the whole test session."""
    server = LocalInfluxDB(tmp_path_factory.mktemp("influxdb"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def influxdb_factory(tmp_path: Path) -> Iterator[Callable[[], LocalInfluxDB]]:
    """Make private InfluxDB servers (for tests that stop them); all stopped afterwards."""
    made: list[LocalInfluxDB] = []

    def make() -> LocalInfluxDB:
        server = LocalInfluxDB(tmp_path / f"influxdb{len(made)}")
        server.start()
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()


@pytest.fixture
def influx_settings(influxdb: LocalInfluxDB) -> InfluxSettings:
    """Settings for a fresh, empty database on the shared InfluxDB."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    influxdb.create_database(name)
    return InfluxSettings(kind="v1", url=influxdb.url, database=name)


@pytest.fixture
def site_id() -> str:
    """A site id no other test uses, so topics and series never overlap."""
    return f"t{uuid.uuid4().hex[:10]}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests under tests/integration are marked `integration` without repeating it."""
    for item in items:
        if "/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test's report ends with the tails of the server logs in its tmp_path.

    A broker or database that misbehaved shows up in the test as a timeout somewhere
    else; its own log says why, and on CI the log is gone once the run ends.
    """
    report = yield
    if report.failed and isinstance(item, pytest.Function):
        tmp = item.funcargs.get("tmp_path")
        if isinstance(tmp, Path) and tmp.is_dir():
            for log in sorted(tmp.rglob("*.log"))[:6]:
                tail = log.read_text(errors="replace")[-3000:]
                report.sections.append((f"server log {log.relative_to(tmp)}", tail))
    return report
