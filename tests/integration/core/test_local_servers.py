"""The test scaffolding's Mosquitto starts on ports it really holds, or says why not.

Every integration test stands on `LocalMosquitto`; a broker reported ready that is not
(or that lost its port to somebody else) fails some unrelated test much later, as "no
answer from MQTT broker within 10 s".
"""

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.errors import BackendUnavailable
from core.mqtt import MqttClient
from core.settings import MqttSettings
from devtools.servers import LocalMosquitto, listening_ports


@pytest.fixture
def squatter() -> Iterator[socket.socket]:
    """A socket listening on a free loopback port, as another program would."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s


def _serves(broker: LocalMosquitto) -> None:
    """The broker's own process listens on its port, and an MQTT client gets in."""
    assert broker.proc is not None
    assert broker.port in listening_ports(broker.proc.pid)
    client = MqttClient(MqttSettings(host=broker.host, port=broker.port), persistent=False)
    client.connect(10)
    client.close()


def test_ready_means_the_broker_itself_listens_on_every_port(tmp_path: Path) -> None:
    broker = LocalMosquitto(tmp_path, persistence=False)
    broker.start()
    try:
        _serves(broker)
    finally:
        broker.stop()
    assert listening_ports(2**22 + 12345) == set()  # no such process: nothing, no error


def test_a_picked_port_taken_before_the_start_is_picked_again(
    tmp_path: Path, squatter: socket.socket
) -> None:
    broker = LocalMosquitto(tmp_path, persistence=False)
    taken = int(squatter.getsockname()[1])
    broker.port = taken  # as if somebody took the picked port before the broker bound it
    broker._write_config()
    broker.start()
    try:
        assert broker.port != taken
        _serves(broker)
    finally:
        broker.stop()


def test_a_port_the_caller_chose_is_never_changed(tmp_path: Path, squatter: socket.socket) -> None:
    taken = int(squatter.getsockname()[1])
    broker = LocalMosquitto(tmp_path, port=taken, persistence=False)
    with pytest.raises(BackendUnavailable, match="Address already in use"):
        broker.start(timeout=10)
    assert broker.port == taken
    assert not broker.running


def test_a_restart_keeps_the_ports_clients_know(tmp_path: Path) -> None:
    broker = LocalMosquitto(tmp_path, persistence=False)
    broker.start()
    port = broker.port
    broker.stop()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", port))
        s.listen()
        with pytest.raises(BackendUnavailable, match="Address already in use"):
            broker.start(timeout=10)
    assert broker.port == port
    broker.start()
    try:
        assert broker.port == port
    finally:
        broker.stop()
