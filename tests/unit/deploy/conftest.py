"""Deploy fixtures: broker accounts as `bk provision --tls` writes them."""

from pathlib import Path

import pytest

from core.provisioning import ACCOUNTS_DIR, BrokerEndpoint, provision
from core.registry import DeviceInfo, DeviceKind, SiteInfo, SiteRegistry


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `bk provision --tls` folder's accounts/ for a one-agent kitchen."""
    out = tmp_path_factory.mktemp("bk")
    registry = SiteRegistry(
        sites={"school-042": SiteInfo(devices={"agent": DeviceInfo(kind=DeviceKind.AGENT)})}
    )
    provision(
        registry,
        out,
        endpoint=BrokerEndpoint(host="mqtt.example.org"),
        tls_hosts=["mqtt.example.org"],
    )
    return out / ACCOUNTS_DIR
