"""Start real Mosquitto, InfluxDB 1.x and PostgreSQL servers on free loopback ports.

Used by the test fixtures, the benchmarks and `bk demo`: the project runs its own
instances with their own configs and data directories and never relies on system
services. Missing Debian packages are installed when we are root (CI, fresh machines).
"""

import contextlib
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx
import psutil

from core.binaries import DEBIAN_PACKAGES, locate
from core.binaries import find_binary as core_find_binary
from core.errors import BackendUnavailable, ConfigError

if TYPE_CHECKING:  # only an annotation: the fixtures load without `cryptography`
    from core.tls import ServerTlsFiles

logger = logging.getLogger(__name__)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AppServer:
    """An ASGI app served by uvicorn in a thread on a free loopback port (tests).

    The test runner owns the process's signals, so uvicorn installs no handlers;
    `start()` returns once the server accepts connections, `stop()` asks it to exit.
    """

    def __init__(self, app: Any, timeout_s: float = 30.0) -> None:
        import uvicorn  # centre extra: only tests of the API import this

        class _Quiet(uvicorn.Server):
            def install_signal_handlers(self) -> None:
                pass

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._timeout_s = timeout_s
        self._server = _Quiet(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + self._timeout_s
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self.url

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def find_binary(name: str, install: bool = True) -> str:
    """Path of a server binary; apt-get installs its package when missing and allowed.

    Development scaffolding only: tests and the demo may install what they start, a
    runtime service never does (core.binaries only looks).
    """
    found = locate(name)
    if found is not None:
        return found
    packages = DEBIAN_PACKAGES.get(name)
    if install and packages and shutil.which("apt-get") and os.geteuid() == 0:
        logger.warning("%s missing: installing Debian packages %s", name, " ".join(packages))
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)
        return find_binary(name, install=False)
    return core_find_binary(name)


def listening_ports(pid: int) -> set[int]:
    """TCP ports on which process `pid` (or one of its children) holds a listening socket."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return set()
    ports: set[int] = set()
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            for conn in proc.net_connections(kind="tcp"):
                if conn.status == psutil.CONN_LISTEN and conn.laddr:
                    ports.add(int(conn.laddr.port))
    return ports


def _wait_ports(ports: list[int], timeout: float, proc: subprocess.Popen[bytes], what: str) -> None:
    """Wait until `proc` itself listens on every port in `ports`.

    Asking the process's own sockets instead of trying a connection matters: a connection
    to 127.0.0.1:P tried while nothing listens there can be given P itself as its local port
    and connect to itself (TCP simultaneous open), which looked like "ready" although the
    server was not; and a port taken by somebody else is answered by somebody else.
    """
    deadline = time.monotonic() + timeout
    missing = set(ports)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BackendUnavailable(f"{what} exited with code {proc.returncode} while starting")
        missing = set(ports) - listening_ports(proc.pid)
        if not missing:
            return
        time.sleep(0.05)
    raise BackendUnavailable(
        f"{what} did not listen on port(s) {', '.join(map(str, sorted(missing)))} "
        f"within {timeout} s"
    )


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

    def _prepare(self) -> None:
        """Before each start: what the server needs on disk (nothing by default)."""

    def _popen_kwargs(self) -> dict[str, Any]:
        """Extra `subprocess.Popen` arguments (working directory, user, environment)."""
        return {}

    def _abandon(self) -> None:
        """Get rid of a server that did not come up."""
        self.stop()

    def start(self, timeout: float = 30.0) -> None:
        if self.running:
            return
        self._prepare()
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self._command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            **self._popen_kwargs(),
        )
        log.close()
        try:
            self._wait_ready(timeout)
        except BackendUnavailable as exc:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            self._abandon()
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
    """A Mosquitto 2.x broker on 127.0.0.1 with its own config (optionally password + ACL).

    Listeners (each with its own security settings: `per_listener_settings true`):
    - `port`: `password_file` (or anonymous when none) and `acl_file`; services use it.
    - `device_port`, when `device_password_file` is given: the devices' listener, where
      `use_username_as_clientid` binds every client id to its account, so one agent cannot
      take over (and kick off) another's session; only the accounts in that file connect.
    - `tls_port`, when `tls` is given: TLS (optionally client certificates required), with
      the devices' settings when there is a device listener, else the first listener's.
    `reload()` sends SIGHUP: Mosquitto re-reads password and ACL files without a restart.
    `device_port` / `tls_port` may be given (e.g. the ports `bk provision` wrote into the
    accounts' env files); otherwise free ports are picked.
    """

    name = "mosquitto"

    def __init__(
        self,
        workdir: Path,
        port: int | None = None,
        password_file: Path | None = None,
        acl_file: Path | None = None,
        persistence: bool = True,
        *,
        device_password_file: Path | None = None,
        tls: "ServerTlsFiles | None" = None,
        device_port: int | None = None,
        tls_port: int | None = None,
    ) -> None:
        super().__init__(workdir)
        self.binary = find_binary("mosquitto")
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.password_file = password_file
        self.acl_file = acl_file
        self.device_password_file = device_password_file
        # Ports may be chosen by the caller (who wrote them into provisioned account files
        # before the broker existed); otherwise free ones are picked.
        self.device_port: int | None = (
            (device_port or free_port()) if device_password_file is not None else None
        )
        self.tls = tls
        self.tls_port: int | None = (tls_port or free_port()) if tls is not None else None
        # Ports we picked may be taken by somebody else before the broker binds them; until
        # the first successful start they may be picked again (see `start`).
        self._picked = {
            "port": port is None,
            "device_port": device_port is None and self.device_port is not None,
            "tls_port": tls_port is None and self.tls_port is not None,
        }
        self._started_once = False
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
            "per_listener_settings true",
            *self._auth_lines(self.password_file),
        ]
        if self.persistence:
            data = self.workdir / "data"
            data.mkdir(exist_ok=True)
            lines += ["persistence true", f"persistence_location {data}/", "autosave_interval 30"]
        else:
            lines.append("persistence false")
        lines += self._extra_listeners()
        self.config_path.write_text("\n".join(lines) + "\n")

    def _auth_lines(self, password_file: Path | None) -> list[str]:
        """Security settings of the listener just declared (anonymous without passwords)."""
        if password_file is None:
            return ["allow_anonymous true"]
        lines = ["allow_anonymous false", f"password_file {password_file}"]
        if self.acl_file is not None:
            lines.append(f"acl_file {self.acl_file}")
        return lines

    def _extra_listeners(self) -> list[str]:
        """The device listener and the TLS listener, when configured."""
        device_auth = [
            "use_username_as_clientid true",
            *self._auth_lines(self.device_password_file),
        ]
        lines: list[str] = []
        if self.device_port is not None:
            lines += [f"listener {self.device_port} 127.0.0.1", *device_auth]
        if self.tls is not None:
            t = self.tls
            lines += [
                f"listener {self.tls_port} 127.0.0.1",
                f"cafile {t.ca_file}",
                f"certfile {t.cert_file}",
                f"keyfile {t.key_file}",
                f"require_certificate {'true' if t.require_certificate else 'false'}",
            ]
            lines += (
                device_auth
                if self.device_port is not None
                else self._auth_lines(self.password_file)
            )
        return lines

    def _command(self) -> list[str]:
        return [self.binary, "-c", str(self.config_path)]

    def start(self, timeout: float = 30.0, attempts: int = 3) -> None:
        """Start; on the first start, ports we picked that turn out taken are picked anew.

        A port that was free when picked can be taken (e.g. as some connection's local
        port) before Mosquitto binds it; Mosquitto then says "Address already in use" and
        exits. Ports the caller chose, and ports of a broker that already ran (clients know
        them), are never changed.
        """
        for attempt in range(1, attempts + 1):
            try:
                super().start(timeout)
            except BackendUnavailable as exc:
                retry = (
                    not self._started_once
                    and any(self._picked.values())
                    and "Address already in use" in str(exc)
                    and attempt < attempts
                )
                if not retry:
                    raise
                logger.warning("mosquitto: a picked port was taken meanwhile; picking again")
                for name, picked in self._picked.items():
                    if picked:
                        setattr(self, name, free_port())
                self._write_config()
            else:
                self._started_once = True
                return

    def _wait_ready(self, timeout: float) -> None:
        assert self.proc is not None
        ports = [p for p in (self.port, self.device_port, self.tls_port) if p is not None]
        _wait_ports(ports, timeout, self.proc, "mosquitto")

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs (for `bk provision rotate --pid`)."""
        return self.proc.pid if self.running and self.proc is not None else None

    def reload(self) -> None:
        """SIGHUP: re-read password and ACL files; connected clients stay connected."""
        if self.proc is None or self.proc.poll() is not None:
            raise BackendUnavailable("mosquitto is not running: nothing to reload")
        self.proc.send_signal(signal.SIGHUP)


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


# -- PostgreSQL (alert store) -------------------------------------------------------------

POSTGRES_PACKAGE = "postgresql"
_PG_DB_NAME = re.compile(r"\A[a-z_][a-z0-9_]{0,62}\Z")


def find_postgres_binary(name: str, install: bool = True) -> str:
    """Path of a PostgreSQL server-side binary (initdb, postgres, pg_isready, psql).

    Debian keeps them off PATH under /usr/lib/postgresql/<major>/bin (so several
    majors can sit side by side); the newest major wins, then PATH (other systems).
    When none is found and we are root with apt-get, the `postgresql` package is
    installed, like the other servers here.
    """
    found = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else -1,
    )
    if found:
        return str(found[-1])
    on_path = shutil.which(name)
    if on_path:
        return on_path
    if install and shutil.which("apt-get") and os.geteuid() == 0:
        logger.warning("%s missing: installing Debian package %s", name, POSTGRES_PACKAGE)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", POSTGRES_PACKAGE], check=True, env=env)
        return find_postgres_binary(name, install=False)
    raise ConfigError(
        f"PostgreSQL's {name} not found under /usr/lib/postgresql/*/bin or on PATH; install "
        f"the Debian package {POSTGRES_PACKAGE} (apt-get install) or put it on PATH"
    )


def _reachable_by(path: Path, uid: int, gid: int) -> bool:
    """Whether a user could traverse every directory above `path` (search permission)."""
    for parent in path.resolve().parents:
        st = parent.stat()
        if st.st_uid == uid:
            bit = 0o100
        elif st.st_gid == gid:
            bit = 0o010
        else:
            bit = 0o001
        if not st.st_mode & bit:
            return False
    return True


def _pg_env() -> dict[str, str]:
    """Environment for PostgreSQL tools: C locale, no PG* variables leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


class LocalPostgres(_Server):
    """A private PostgreSQL server on 127.0.0.1 with its own data directory.

    Why its own server: the tests and `bk demo` must not depend on (or disturb) a
    system cluster, such as the one Debian's package creates on port 5432. This one
    is initialised with `initdb` on first start (superuser `bk`, trust authentication:
    it only listens on 127.0.0.1 and its Unix socket lives inside its data directory),
    runs in the foreground on a free port, and answers when `pg_isready` says so.

    `postgres` runs in the foreground (not daemonised by `pg_ctl start`) so that this
    object holds the postmaster's process like the other servers here: `running`,
    `stop()` (SIGINT, PostgreSQL's "fast" shutdown: SIGTERM would wait for every
    client to disconnect) and `kill()` (SIGKILL to the whole process group, backends
    included, so a crash leaves nothing attached to the old shared memory).

    initdb and postgres refuse to run as root. When we are root they run as the
    `postgres` user (created by the Debian package) or else `nobody`, with the data
    directory chown'd to that user. If that user cannot reach `workdir` (pytest's
    temporary directories are 0700 root), the data directory is a private directory
    under the system temp dir instead; `cleanup()` removes it.
    """

    name = "postgres"
    superuser = "bk"

    def __init__(
        self,
        workdir: Path,
        port: int | None = None,
        timezone: str = "UTC",
        fsync: bool = False,
    ) -> None:
        super().__init__(workdir)
        self.initdb = find_postgres_binary("initdb")
        self.binary = find_postgres_binary("postgres")
        self.pg_isready = find_postgres_binary("pg_isready")
        self.psql = find_postgres_binary("psql")
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.timezone = timezone
        # Tests never need to survive a power cut; fsync off makes each commit cheap.
        self.fsync = fsync
        self._run_as: tuple[int, int] | None = None
        self._private_dir: Path | None = None
        self.datadir = self.workdir / "pgdata"
        if os.geteuid() == 0:
            self._run_as = self._unprivileged_user()
            uid, gid = self._run_as
            if not _reachable_by(self.workdir, uid, gid):
                self._private_dir = Path(tempfile.mkdtemp(prefix="bk-postgres-"))
                os.chown(self._private_dir, uid, gid)
                self.datadir = self._private_dir / "pgdata"

    @staticmethod
    def _unprivileged_user() -> tuple[int, int]:
        for user in ("postgres", "nobody"):
            try:
                pw = pwd.getpwnam(user)
            except KeyError:
                continue
            return pw.pw_uid, pw.pw_gid
        raise ConfigError("running as root and neither user postgres nor nobody exists")

    def _as_user(self) -> tuple[int | None, int | None, list[int] | None]:
        """(user, group, extra_groups) for subprocess: the unprivileged user when root."""
        if self._run_as is None:
            return None, None, None
        return self._run_as[0], self._run_as[1], []

    def url(self, database: str = "postgres", driver: str = "psycopg") -> str:
        """SQLAlchemy URL of one database on this server."""
        return f"postgresql+{driver}://{self.superuser}@{self.host}:{self.port}/{database}"

    def _init_datadir(self) -> None:
        """Run initdb once; an existing data directory is reused (restart keeps data)."""
        if (self.datadir / "PG_VERSION").exists():
            return
        self.datadir.mkdir(parents=True, exist_ok=True)
        if self._run_as is not None:
            os.chown(self.datadir, *self._run_as)
        self.datadir.chmod(0o700)
        cmd = [
            self.initdb,
            "-D",
            str(self.datadir),
            "-U",
            self.superuser,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ]
        user, group, extra_groups = self._as_user()
        with self.log_path.open("ab") as log:
            done = subprocess.run(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.datadir,
                env=_pg_env(),
                check=False,
                user=user,
                group=group,
                extra_groups=extra_groups,
            )
        if done.returncode != 0:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise BackendUnavailable(f"initdb failed with code {done.returncode}\n{tail}")

    def _command(self) -> list[str]:
        settings = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.datadir),
            "timezone": self.timezone,
            "log_timezone": "UTC",
            "fsync": "on" if self.fsync else "off",
            "synchronous_commit": "on" if self.fsync else "off",
            "full_page_writes": "on" if self.fsync else "off",
            "max_connections": "200",
            "logging_collector": "off",
        }
        cmd = [self.binary, "-D", str(self.datadir)]
        for key, value in settings.items():
            cmd += ["-c", f"{key}={value}"]
        return cmd

    def start(self, timeout: float = 60.0) -> None:
        super().start(timeout)

    def _prepare(self) -> None:
        self._init_datadir()

    def _popen_kwargs(self) -> dict[str, Any]:
        user, group, extra_groups = self._as_user()
        return {
            "cwd": self.datadir,
            "env": _pg_env(),
            "user": user,
            "group": group,
            "extra_groups": extra_groups,
        }

    def _abandon(self) -> None:
        self.kill()  # the postmaster and whatever backends it forked

    def _wait_ready(self, timeout: float) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        cmd = [self.pg_isready, "-q", "-h", self.host, "-p", str(self.port), "-t", "1"]
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BackendUnavailable(f"postgres exited with code {self.proc.returncode}")
            # 0 = accepting connections; 1 = still starting up (or recovering).
            if subprocess.run(cmd, env=_pg_env(), check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise BackendUnavailable(f"postgres did not accept connections within {timeout} s")

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (SIGINT): open sessions are ended, data is checkpointed."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def kill(self) -> None:
        """Crash the server: SIGKILL to the postmaster and all its backends."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        self.proc = None

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one SQL statement with psql (as the superuser); returns its unaligned output."""
        cmd = [
            self.psql,
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-U",
            self.superuser,
            "-d",
            database,
            "-c",
            statement,
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, env=_pg_env(), check=False)
        if done.returncode != 0:
            raise BackendUnavailable(f"psql failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def create_database(self, name: str) -> str:
        """Create an empty database; returns its SQLAlchemy URL."""
        if not _PG_DB_NAME.match(name):
            raise ConfigError(f"invalid database name {name!r}")
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, ending any session still connected to it."""
        if not _PG_DB_NAME.match(name):
            raise ConfigError(f"invalid database name {name!r}")
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def version(self) -> str:
        """The server's version string (`SHOW server_version`)."""
        return self.sql("SHOW server_version").strip()

    def cleanup(self) -> None:
        """Stop, and remove the private data directory if one was made (see the class doc)."""
        self.stop()
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None
