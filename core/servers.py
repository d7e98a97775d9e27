"""Start real Mosquitto and InfluxDB 1.x servers on free loopback ports.

Used by the test fixtures, the benchmarks and `bk demo`: the project runs its own
instances with their own configs and data directories and never relies on system
services. Missing Debian packages are installed when we are root (CI, fresh machines).
"""

import contextlib
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import httpx

from core.errors import BackendUnavailable, ConfigError

logger = logging.getLogger(__name__)

DEBIAN_PACKAGES = {
    "mosquitto": ["mosquitto", "mosquitto-clients"],
    "influxd": ["influxdb", "influxdb-client"],
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_binary(name: str, install: bool = True) -> str:
    """Path of a server binary; apt-get installs its package when missing and allowed."""
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and Path(candidate).exists():
            return candidate
    packages = DEBIAN_PACKAGES.get(name)
    if install and packages and shutil.which("apt-get") and os.geteuid() == 0:
        logger.warning("%s missing: installing Debian packages %s", name, " ".join(packages))
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)
        return find_binary(name, install=False)
    raise ConfigError(
        f"{name} not found; install the Debian packages {' '.join(packages or [name])} "
        "(apt-get install) or put it on PATH"
    )


def _wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BackendUnavailable(f"{what} exited with code {proc.returncode} while starting")
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise BackendUnavailable(f"{what} did not open port {port} within {timeout} s")


class _Server:
    """Common process handling: start, stop (SIGTERM then SIGKILL), restart, context manager."""

    name = "server"

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.workdir / f"{self.name}.log"

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _wait_ready(self, timeout: float) -> None:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        if self.running:
            return
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self._command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        try:
            self._wait_ready(timeout)
        except BackendUnavailable as exc:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            self.stop()
            raise BackendUnavailable(f"{exc}\n--- {self.log_path} ---\n{tail}") from exc
        logger.info("%s started (pid %s)", self.name, self.proc.pid)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop gracefully (SIGTERM lets Mosquitto save sessions); SIGKILL if it hangs."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def kill(self) -> None:
        """Crash the server (SIGKILL): nothing gets saved."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> "_Server":
        self.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class LocalMosquitto(_Server):
    """A Mosquitto 2.x broker on 127.0.0.1 with its own config (optionally password + ACL)."""

    name = "mosquitto"

    def __init__(
        self,
        workdir: Path,
        port: int | None = None,
        password_file: Path | None = None,
        acl_file: Path | None = None,
        persistence: bool = True,
    ) -> None:
        super().__init__(workdir)
        self.binary = find_binary("mosquitto")
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.password_file = password_file
        self.acl_file = acl_file
        self.persistence = persistence
        self.config_path = self.workdir / "mosquitto.conf"
        self._write_config()

    def _write_config(self) -> None:
        lines = [
            f"listener {self.port} 127.0.0.1",
            "protocol mqtt",
            # Defaults drop QoS 1 messages past 1000 queued per offline client: far too
            # few for a persistent ingest session during a restart.
            "max_queued_messages 2000000",
            "max_queued_bytes 0",
            "max_inflight_messages 0",
            # Run as whoever started us: as root Mosquitto would otherwise switch to the
            # `mosquitto` user and fail to read our 0600 password file and data dir.
            f"user {pwd.getpwuid(os.geteuid()).pw_name}",
            "log_dest stdout",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_timestamp_format %Y-%m-%dT%H:%M:%S",
            "per_listener_settings false",
        ]
        if self.password_file is not None:
            lines += ["allow_anonymous false", f"password_file {self.password_file}"]
            if self.acl_file is not None:
                lines.append(f"acl_file {self.acl_file}")
        else:
            lines.append("allow_anonymous true")
        if self.persistence:
            data = self.workdir / "data"
            data.mkdir(exist_ok=True)
            lines += ["persistence true", f"persistence_location {data}/", "autosave_interval 30"]
        else:
            lines.append("persistence false")
        self.config_path.write_text("\n".join(lines) + "\n")

    def _command(self) -> list[str]:
        return [self.binary, "-c", str(self.config_path)]

    def _wait_ready(self, timeout: float) -> None:
        assert self.proc is not None
        _wait_port(self.port, timeout, self.proc, "mosquitto")


class LocalInfluxDB(_Server):
    """An InfluxDB 1.x server on 127.0.0.1 (HTTP and RPC ports both chosen, data in workdir)."""

    name = "influxd"

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        super().__init__(workdir)
        self.binary = find_binary("influxd")
        self.port = port or free_port()
        self.rpc_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config_path = self.workdir / "influxdb.conf"
        d = self.workdir
        self.config_path.write_text(
            "reporting-disabled = true\n"
            f'bind-address = "127.0.0.1:{self.rpc_port}"\n'
            f'[meta]\n  dir = "{d}/meta"\n'
            f'[data]\n  dir = "{d}/data"\n  wal-dir = "{d}/wal"\n  query-log-enabled = false\n'
            "  max-series-per-database = 0\n  max-values-per-tag = 0\n"
            f'[http]\n  bind-address = "127.0.0.1:{self.port}"\n  log-enabled = false\n'
            "  max-body-size = 0\n"
            "[monitor]\n  store-enabled = false\n"
            "[continuous_queries]\n  enabled = false\n"
        )

    def _command(self) -> list[str]:
        return [self.binary, "-config", str(self.config_path)]

    def _wait_ready(self, timeout: float) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BackendUnavailable(f"influxd exited with code {self.proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/ping", timeout=1).status_code == 204:
                    return
            time.sleep(0.1)
        raise BackendUnavailable(f"influxd did not answer /ping within {timeout} s")

    def create_database(self, name: str) -> None:
        r = httpx.post(f"{self.url}/query", params={"q": f'CREATE DATABASE "{name}"'}, timeout=10)
        r.raise_for_status()
