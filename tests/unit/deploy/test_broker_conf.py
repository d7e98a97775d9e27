"""The shipped broker configs say what `bk provision` generates, listener by listener.

`core.provisioning.broker_config` is the one definition of the listeners' security; the
configs in `deploy/broker/` spell it out so an operator reads the whole broker in one file.
This keeps them from drifting apart: same listeners, same security lines, same files.
"""

from pathlib import Path

import pytest

from core.provisioning import TLS_DIR, BrokerEndpoint, broker_config

REPO = Path(__file__).resolve().parents[3]
PROVISIONED = Path("/etc/mosquitto/bk")
CONFIGS = sorted((REPO / "deploy" / "broker").glob("mosquitto*.conf"))


def listeners(text: str) -> tuple[list[str], dict[str, set[str]]]:
    """Global setting lines, and each listener's lines keyed by its port."""
    top: list[str] = []
    blocks: dict[str, set[str]] = {}
    current: set[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("listener "):
            current = blocks.setdefault(line.split()[1], set())
        elif current is None:
            top.append(line)
        else:
            current.add(line)
    return top, blocks


@pytest.mark.parametrize("path", CONFIGS, ids=[c.name for c in CONFIGS])
def test_listeners_match_what_provision_generates(path: Path) -> None:
    generated = broker_config(PROVISIONED, BrokerEndpoint(), PROVISIONED / TLS_DIR)
    gen_top, gen_blocks = listeners(generated)
    top, blocks = listeners(path.read_text())
    assert blocks == gen_blocks
    assert set(gen_top) <= set(top)  # per_listener_settings true
    assert "persistence true" in top
    assert not [line for line in top if line.startswith("allow_anonymous")]
