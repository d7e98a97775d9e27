"""Where the Debian tools the platform drives live (mosquitto_passwd for provisioning).

Runtime code only looks: installing packages is the development scaffolding's business
(devtools/servers.py), never something a service or `bk provision` does on its own.
"""

import shutil
from pathlib import Path

from core.errors import ConfigError

# The Debian packages that bring each binary, for the error message and for devtools.
DEBIAN_PACKAGES = {
    "mosquitto": ["mosquitto", "mosquitto-clients"],
    "mosquitto_passwd": ["mosquitto"],
    "mosquitto_sub": ["mosquitto-clients"],
    "influxd": ["influxdb", "influxdb-client"],
}


def locate(name: str) -> str | None:
    """Path of `name` on PATH or in Debian's sbin/bin, or None."""
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def find_binary(name: str) -> str:
    """Path of `name`, or a ConfigError saying which Debian packages to install."""
    found = locate(name)
    if found is None:
        packages = DEBIAN_PACKAGES.get(name, [name])
        raise ConfigError(
            f"{name} not found; install the Debian packages {' '.join(packages)} "
            "(apt-get install) or put it on PATH"
        )
    return found
