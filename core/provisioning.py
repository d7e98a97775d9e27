"""Broker accounts, ACL and listener config from the site registry (`bk provision`).

Accounts
- An agent (the kitchen's gateway) gets the account `{site}.{agent}` (a dot never
  occurs in an id, so the split is unambiguous). It may publish telemetry and status
  for its own id, frame/detections/status for exactly the cameras registered to it
  (`core.registry`: `agent:` or the site's only agent), and read its own config and its
  own receipt topic. Nothing else: not another device of its site, not another site.
  A device of a site without any agent is stand-alone and gets the same rights for
  itself only.
- Each service account publishes exactly where its channels do (`SERVICE_ACL`);
  `admin` reads and writes everything under `bk/v1/` (operators, tests).
- Anonymous clients are refused; so is every user not in the password files.

Binding a client id to its account
Mosquitto disconnects the older of two connections with the same client id, whatever
their usernames, so without a binding any agent could kick another off by borrowing its
client id; an ACL cannot stop that (the take-over happens at CONNECT, before any ACL).
Options on Mosquitto 2.0.11 (Debian):
- ACL `pattern` lines with `%c`/`%u` restrict topics, not connections: rejected.
- The dynamic-security plugin (`mosquitto_dynamic_security.so`, present on Debian) binds
  a client id per client, but keeps its accounts in its own JSON store changed over
  `$CONTROL` messages: it would replace the password file and ACL that `bk provision`,
  its tests and operators already use, and rotation would need a live admin connection.
- `use_username_as_clientid true` on a listener: the broker replaces whatever client id
  the client sent with its username. Chosen. An agent's client id is then always its
  username, so its persistent session (clean_start false) is found again on every
  reconnect, and nobody else can present that id. Services cannot use it (several copies
  of ingest or vision share one account and need distinct client ids), so they connect
  on their own listener. With `per_listener_settings true` each listener has its own
  password file: `passwd.devices` holds only device accounts (device listener, TLS in a
  deployment), `passwd.services` only service accounts (centre listener, on the
  centre's private network). A device account is therefore refused on the services
  listener, where it could choose a client id. `passwd` holds every account for a
  single-listener broker (tests, small set-ups) that does not need the binding.

Changes (`site`, `device`, `rotate`, `revoke`) rewrite the files atomically (a new
file renamed over the old one, so a broker reloading mid-write reads the old or the new
file, never half of one) and, given a pid or pid file, send the broker SIGHUP: Mosquitto
then re-reads password and ACL files; connected clients stay connected, new connections
and new publishes are checked against the new files. Passwords are hashed by Mosquitto's
own `mosquitto_passwd` so the broker reads them natively; the plain passwords stay in
`credentials.txt` (0600) and in one env file per account under `accounts/` (0600), which
is what an agent is given.

These functions are the API's way in too (issue 12): they take a registry file path and
an output folder and return what they created.
"""

import contextlib
import fcntl
import logging
import os
import secrets
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from core.binaries import find_binary
from core.errors import ConfigError, PayloadError
from core.ids import validate_id
from core.registry import (
    DeviceInfo,
    DeviceKind,
    SiteCategory,
    SiteInfo,
    SiteRegistry,
    load_registry,
    save_registry,
)
from core.settings import format_validation_error
from core.tls import DEFAULT_SERVER_HOSTS, create_ca, issue_client_cert, issue_server_cert, load_ca
from core.topics import PREFIX, Channel

logger = logging.getLogger(__name__)


def _service_rules(name: str, writes: Sequence[str], reads: Sequence[str]) -> list[str]:
    """ACL lines of a service: its reads, its writes, its dead letters and its status."""
    lines = [f"topic read {r}" for r in reads]
    lines += [f"topic write {w}" for w in writes]
    lines += [
        f"topic write {PREFIX}/_dlq/{name}",
        f"topic write {PREFIX}/_services/{name}/+/status",
    ]
    return lines


SERVICE_ACL: dict[str, list[str]] = {
    # Stores readings, detections and status; tells each device what is stored.
    "ingest": _service_rules("ingest", [f"{PREFIX}/+/+/{Channel.RECEIPT}"], [f"{PREFIX}/#"]),
    "vision": _service_rules(
        "vision", [f"{PREFIX}/+/+/{Channel.DETECTIONS}"], [f"{PREFIX}/+/+/{Channel.FRAME}"]
    ),
    # Owns alert state; notices for on-site displays go to bk/v1/{site}/display.
    "rules": _service_rules(
        "rules", [f"{PREFIX}/+/alerts", f"{PREFIX}/+/display"], [f"{PREFIX}/#"]
    ),
    # Pushes device configuration (retained). Alert changes go to the rules worker as
    # requests, never as alert events: the rules worker is their one author.
    "api": _service_rules("api", [f"{PREFIX}/+/+/{Channel.CONFIG}"], [f"{PREFIX}/#"]),
    # Records frames; reads alerts (to freeze each camera alert's clip). Writes nothing else.
    "recorder": _service_rules(
        "recorder", [], [f"{PREFIX}/+/+/{Channel.FRAME}", f"{PREFIX}/+/alerts"]
    ),
    "admin": [f"topic readwrite {PREFIX}/#", "topic read $SYS/#"],
}

PASSWD = "passwd"  # noqa: S105 - a file name
PASSWD_DEVICES = "passwd.devices"  # noqa: S105 - a file name
PASSWD_SERVICES = "passwd.services"  # noqa: S105 - a file name
ACL = "acl"
CREDENTIALS = "credentials.txt"
ACCOUNTS_DIR = "accounts"
TLS_DIR = "tls"
BROKER_CONF = "mosquitto-bk.conf"


@dataclass(frozen=True)
class Credential:
    username: str
    password: str


def device_username(site: str, device: str) -> str:
    return f"{validate_id(site, 'site')}.{validate_id(device, 'device')}"


def is_device_account(username: str) -> bool:
    """Device accounts are `{site}.{device}`; service accounts have no dot."""
    return "." in username


def _device_topic(site: str, device: str, channel: Channel) -> str:
    return f"{PREFIX}/{site}/{device}/{channel.value}"


def device_acl(site: str, device: str, kind: DeviceKind, cameras: Iterable[str] = ()) -> list[str]:
    """ACL of the account of `device` (an agent or a stand-alone device) of `site`.

    Its own id: telemetry and status (a stand-alone camera: frame, detections, status);
    read its own config and receipt. Each camera it publishes for: frame, detections,
    status. Sensors behind an agent need nothing: their readings travel in the agent's
    telemetry.
    """
    s, d = validate_id(site, "site"), validate_id(device, "device")
    own = (
        [Channel.FRAME, Channel.DETECTIONS, Channel.STATUS]
        if kind is DeviceKind.CAMERA
        else [Channel.TELEMETRY, Channel.STATUS]
    )
    lines = [f"topic write {_device_topic(s, d, ch)}" for ch in own]
    lines += [
        f"topic read {_device_topic(s, d, Channel.CONFIG)}",
        f"topic read {_device_topic(s, d, Channel.RECEIPT)}",
    ]
    for cam in cameras:
        c = validate_id(cam, "camera")
        lines += [
            f"topic write {_device_topic(s, c, ch)}"
            for ch in (Channel.FRAME, Channel.DETECTIONS, Channel.STATUS)
        ]
    return lines


def registry_acls(registry: SiteRegistry) -> dict[str, list[str]]:
    """Username → ACL lines of every device account the registry implies."""
    out: dict[str, list[str]] = {}
    for site_id, site in registry.sites.items():
        for device_id, owned in site.publishers().items():
            cameras = [d for d in owned if site.devices[d].kind is DeviceKind.CAMERA]
            kind = site.devices[device_id].kind
            out[device_username(site_id, device_id)] = device_acl(site_id, device_id, kind, cameras)
    return out


def acl_text(device_acls: dict[str, list[str]], services: Iterable[str]) -> str:
    """Mosquitto ACL file: one `user` block per account (services first)."""
    blocks = ["# Generated by `bk provision`; do not edit by hand."]
    for name in services:
        blocks.append(f"\nuser {name}\n" + "\n".join(SERVICE_ACL[name]))
    for user in sorted(device_acls):
        blocks.append(f"\nuser {user}\n" + "\n".join(device_acls[user]))
    return "\n".join(blocks) + "\n"


# -- files --------------------------------------------------------------------------------


def _write_atomic(path: Path, text: str, private: bool = False) -> None:
    """Write to a temporary file in the same folder, then rename it over `path`."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        tmp.chmod(0o600 if private else 0o644)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_password_file(path: Path, creds: dict[str, str]) -> None:
    """Hash with `mosquitto_passwd -U` (one process for all accounts), then rename into place."""
    tool = find_binary("mosquitto_passwd")
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.writelines(f"{user}:{pw}\n" for user, pw in sorted(creds.items()))
        if creds:
            subprocess.run([tool, "-U", str(tmp)], check=True, capture_output=True)
        tmp.chmod(0o600)
        tmp.replace(path)
    except subprocess.CalledProcessError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(
            f"mosquitto_passwd failed: {exc.stderr.decode(errors='replace')}"
        ) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_password_file(path: Path, credentials: list[Credential]) -> None:
    """A Mosquitto password file holding exactly `credentials` (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_password_file(path, {c.username: c.password for c in credentials})


def read_credentials(out_dir: Path) -> dict[str, str]:
    """Username → password from `credentials.txt` (empty when there is none yet)."""
    path = out_dir / CREDENTIALS
    if not path.exists():
        return {}
    creds: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            user, _, password = line.partition(" ")
            creds[user] = password
    return creds


@dataclass(frozen=True)
class BrokerEndpoint:
    """How accounts reach the broker, written into each account's env file."""

    host: str = "127.0.0.1"
    device_port: int = 8883
    service_port: int = 1883
    ca_file: Path | None = None


def _env_file(user: str, password: str, endpoint: BrokerEndpoint) -> str:
    device = is_device_account(user)
    lines = [
        "# Broker account from `bk provision`; keep this file private (0600).",
        f"BK_MQTT__HOST={endpoint.host}",
        f"BK_MQTT__PORT={endpoint.device_port if device else endpoint.service_port}",
        f"BK_MQTT__USERNAME={user}",
        f"BK_MQTT__PASSWORD={password}",
    ]
    if device:
        site, _, dev = user.partition(".")
        lines += [f"BK_AGENT__SITE={site}", f"BK_AGENT__DEVICE={dev}"]
    # Only devices come over TLS: the services' listener is plain MQTT on the centre's
    # private network, so a CA there would make a service's connection fail.
    if device and endpoint.ca_file is not None:
        lines.append(f"BK_MQTT__TLS__CA_FILE={endpoint.ca_file}")
    return "\n".join(lines) + "\n"


def _write_all(
    out_dir: Path,
    creds: dict[str, str],
    device_acls: dict[str, list[str]],
    endpoint: BrokerEndpoint,
) -> None:
    """Every file of the folder from the accounts: password files, ACL, credentials, envs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    services = [u for u in SERVICE_ACL if u in creds]
    devices = {u: p for u, p in creds.items() if is_device_account(u)}
    _write_password_file(out_dir / PASSWD, creds)
    _write_password_file(out_dir / PASSWD_DEVICES, devices)
    _write_password_file(out_dir / PASSWD_SERVICES, {u: creds[u] for u in services})
    _write_atomic(out_dir / ACL, acl_text({u: device_acls[u] for u in devices}, services))
    _write_atomic(
        out_dir / CREDENTIALS,
        "".join(f"{u} {p}\n" for u, p in sorted(creds.items())),
        private=True,
    )
    accounts = out_dir / ACCOUNTS_DIR
    accounts.mkdir(exist_ok=True)
    accounts.chmod(0o700)
    for user, password in creds.items():
        _write_atomic(accounts / f"{user}.env", _env_file(user, password, endpoint), private=True)
    for stale in accounts.glob("*.env"):
        if stale.stem not in creds:
            stale.unlink()


def _endpoint(out_dir: Path) -> BrokerEndpoint:
    """The endpoint recorded by the last full `provision` (defaults when none)."""
    path = out_dir / ".endpoint"
    if not path.exists():
        return BrokerEndpoint()
    fields = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    ca = fields.get("ca_file") or None
    return BrokerEndpoint(
        host=fields.get("host", "127.0.0.1"),
        device_port=int(fields.get("device_port", "8883")),
        service_port=int(fields.get("service_port", "1883")),
        ca_file=Path(ca) if ca else None,
    )


def _save_endpoint(out_dir: Path, ep: BrokerEndpoint) -> None:
    _write_atomic(
        out_dir / ".endpoint",
        f"host={ep.host}\ndevice_port={ep.device_port}\nservice_port={ep.service_port}\n"
        f"ca_file={ep.ca_file or ''}\n",
    )


def broker_config(
    out_dir: Path,
    endpoint: BrokerEndpoint,
    tls_dir: Path | None,
    require_certificate: bool = False,
    service_bind: str = "127.0.0.1",
) -> str:
    """Mosquitto listener settings for these files (include it from mosquitto.conf)."""
    d = out_dir.resolve()
    lines = [
        "# Generated by `bk provision`. Listeners and security only: add persistence and",
        "# logging in mosquitto.conf, and `include_dir` the folder holding this file.",
        "per_listener_settings true",
        "",
        "# Centre services (ingest, vision, rules, api) and admin: several copies may share",
        "# one account with their own client ids. Bind it to the centre's private network.",
        f"listener {endpoint.service_port} {service_bind}",
        "allow_anonymous false",
        f"password_file {d / PASSWD_SERVICES}",
        f"acl_file {d / ACL}",
        "",
        "# Kitchens' agents: the client id is replaced by the username, so no agent can",
        "# take over another's session; only device accounts can log in here.",
        f"listener {endpoint.device_port}",
        "use_username_as_clientid true",
    ]
    if tls_dir is not None:
        t = tls_dir.resolve()
        lines += [
            f"cafile {t / 'ca.pem'}",
            f"certfile {t / 'server.pem'}",
            f"keyfile {t / 'server.key'}",
            f"require_certificate {'true' if require_certificate else 'false'}",
        ]
    else:
        lines.append(
            "# WARNING: no TLS (`bk provision --tls`): passwords cross the network in clear."
        )
    lines += [
        "allow_anonymous false",
        f"password_file {d / PASSWD_DEVICES}",
        f"acl_file {d / ACL}",
    ]
    return "\n".join(lines) + "\n"


# -- operations ---------------------------------------------------------------------------


def reload_broker(pid: int | None = None, pid_file: Path | None = None) -> int | None:
    """Send SIGHUP to the broker (re-reads password and ACL files); returns the pid told.

    Without a pid or pid file nothing is sent and None comes back: the operator reloads
    the broker (`systemctl reload mosquitto`) or runs it with a pid file next time.
    """
    if pid is None and pid_file is not None:
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read a broker pid from {pid_file}: {exc}") from exc
    if pid is None:
        logger.info("no broker pid given: reload Mosquitto yourself (SIGHUP) to apply")
        return None
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError as exc:
        raise ConfigError(f"no broker process {pid} to reload") from exc
    logger.info("sent SIGHUP to broker pid %d", pid)
    return pid


@contextlib.contextmanager
def _exclusive(out_dir: Path) -> Iterator[None]:
    """One change at a time per folder (CLI and API may run side by side): flock on a file.

    Each change reads the credentials, the registry and the files, then writes them all;
    two at once would lose one of them.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _new_password() -> str:
    return secrets.token_urlsafe(18)


def provision(
    registry: SiteRegistry,
    out_dir: Path,
    services: list[str] | None = None,
    *,
    new_passwords: bool = False,
    endpoint: BrokerEndpoint | None = None,
    tls_hosts: Sequence[str] | None = None,
    client_certs: bool = False,
    require_certificate: bool = False,
) -> list[Credential]:
    """Write every file of a broker's security into out_dir; return all credentials.

    Accounts already in `out_dir/credentials.txt` keep their passwords (so re-running
    after a registry edit does not lock every agent out) unless `new_passwords`;
    accounts no longer implied by the registry are dropped. With `tls_hosts` a CA
    (kept from an earlier run when there is one: agents trust it) and a server
    certificate for those hosts go to `out_dir/tls/`, with `client_certs` also one
    client certificate per device account under `tls/clients/`.
    """
    with _exclusive(out_dir):
        services = services if services is not None else list(SERVICE_ACL)
        unknown = sorted(set(services) - set(SERVICE_ACL))
        if unknown:
            raise ConfigError(f"unknown service accounts {unknown}; known: {sorted(SERVICE_ACL)}")
        out_dir.mkdir(parents=True, exist_ok=True)
        old = {} if new_passwords else read_credentials(out_dir)
        device_acls = registry_acls(registry)
        creds = {u: old.get(u) or _new_password() for u in [*services, *device_acls]}
        endpoint = endpoint or BrokerEndpoint()
        tls_dir: Path | None = None
        if tls_hosts is not None:
            tls_dir = out_dir / TLS_DIR
            ca = load_ca(tls_dir) if (tls_dir / "ca.key").exists() else create_ca(tls_dir)
            issue_server_cert(ca, tls_dir, list(tls_hosts) or list(DEFAULT_SERVER_HOSTS))
            if client_certs:
                for user in device_acls:
                    issue_client_cert(ca, tls_dir / "clients", user)
            endpoint = BrokerEndpoint(
                endpoint.host, endpoint.device_port, endpoint.service_port, ca.cert_file.resolve()
            )
        _write_all(out_dir, creds, device_acls, endpoint)
        _save_endpoint(out_dir, endpoint)
        _write_atomic(
            out_dir / BROKER_CONF, broker_config(out_dir, endpoint, tls_dir, require_certificate)
        )
        return [Credential(u, p) for u, p in creds.items()]


def _sync(registry: SiteRegistry, out_dir: Path, creds: dict[str, str]) -> dict[str, str]:
    """Rewrite the folder for the registry: new device accounts get passwords, gone ones go.

    A folder never provisioned before also gets every service account and the listener
    config, so `bk provision site` can be the first command of a deployment.
    """
    device_acls = registry_acls(registry)
    services = {u: p for u, p in creds.items() if not is_device_account(u)}
    if not creds:
        services = {name: _new_password() for name in SERVICE_ACL}
    devices = {u: creds.get(u) or _new_password() for u in device_acls}
    merged = services | devices
    endpoint = _endpoint(out_dir)
    _write_all(out_dir, merged, device_acls, endpoint)
    if not (out_dir / BROKER_CONF).exists():
        _write_atomic(out_dir / BROKER_CONF, broker_config(out_dir, endpoint, None))
    return merged


def enrol_site(
    registry_path: Path,
    out_dir: Path,
    site: str,
    info: SiteInfo,
    *,
    pid: int | None = None,
    pid_file: Path | None = None,
) -> list[Credential]:
    """Add a kitchen (with its devices) to the registry; return its new accounts."""
    with _exclusive(out_dir):
        validate_id(site, "site")
        registry = load_registry(registry_path) if registry_path.exists() else SiteRegistry()
        if site in registry.sites:
            raise ConfigError(f"site {site} is already in {registry_path}")
        registry = SiteRegistry.model_validate(
            {"sites": {**registry.model_dump()["sites"], site: info.model_dump()}}
        )
        before = read_credentials(out_dir)
        creds = _sync(registry, out_dir, before)
        save_registry(registry, registry_path)
        reload_broker(pid, pid_file)
        return [Credential(u, p) for u, p in creds.items() if u not in before]


def enrol_device(
    registry_path: Path,
    out_dir: Path,
    site: str,
    device: str,
    info: DeviceInfo,
    *,
    pid: int | None = None,
    pid_file: Path | None = None,
) -> Credential | None:
    """Add a device to a kitchen; return its new account (None for a camera or sensor
    behind an agent: that agent's ACL grows instead).

    A second agent makes `agent:` compulsory for the site's cameras and sensors; those
    that relied on the default are pinned to the agent that served them until now, so
    nothing changes hands silently.
    """
    with _exclusive(out_dir):
        validate_id(device, "device")
        registry = load_registry(registry_path)
        if site not in registry.sites:
            raise ConfigError(f"site {site} is not in {registry_path}; enrol it first")
        current = registry.sites[site]
        if device in current.devices and not current.devices[device].revoked:
            raise ConfigError(f"device {device} of site {site} is already enrolled")
        devices = current.model_dump()["devices"]
        if info.kind is DeviceKind.AGENT and len(current.agents()) == 1:
            only = current.agents()[0]
            for dev in devices.values():
                if dev["kind"] != DeviceKind.AGENT and dev["agent"] is None:
                    dev["agent"] = only
        devices[device] = info.model_dump()
        try:
            new_site = SiteInfo.model_validate({**current.model_dump(), "devices": devices})
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, f"enrolling {site}/{device}")) from exc
        registry = SiteRegistry.model_validate(
            {"sites": {**registry.model_dump()["sites"], site: new_site.model_dump()}}
        )
        before = read_credentials(out_dir)
        creds = _sync(registry, out_dir, before)
        save_registry(registry, registry_path)
        reload_broker(pid, pid_file)
        user = device_username(site, device)
        return Credential(user, creds[user]) if user in creds and user not in before else None


def rotate(
    out_dir: Path,
    username: str,
    *,
    password: str | None = None,
    pid: int | None = None,
    pid_file: Path | None = None,
) -> Credential:
    """A new password for one account: password files, credentials and its env file.

    The broker re-reads the password files on SIGHUP: from then on the old password is
    refused. A client already connected stays connected until it reconnects.
    """
    with _exclusive(out_dir):
        creds = read_credentials(out_dir)
        if username not in creds:
            raise ConfigError(f"no account {username!r} in {out_dir / CREDENTIALS}")
        creds[username] = password or _new_password()
        listener_file = PASSWD_DEVICES if is_device_account(username) else PASSWD_SERVICES
        for name in (PASSWD, listener_file):
            _update_password(out_dir / name, username, creds[username])
        _write_atomic(
            out_dir / CREDENTIALS,
            "".join(f"{u} {p}\n" for u, p in sorted(creds.items())),
            private=True,
        )
        _write_atomic(
            out_dir / ACCOUNTS_DIR / f"{username}.env",
            _env_file(username, creds[username], _endpoint(out_dir)),
            private=True,
        )
        reload_broker(pid, pid_file)
        return Credential(username, creds[username])


def _update_password(path: Path, username: str, password: str) -> None:
    """`mosquitto_passwd -b` on a copy of one password file, renamed into place.

    Only that entry is re-hashed (a district's file holds thousands), and the broker
    never sees a file that mosquitto_passwd is half-way through.
    """
    tool = find_binary("mosquitto_passwd")
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(path.read_bytes())
        subprocess.run([tool, "-b", str(tmp), username, password], check=True, capture_output=True)
        tmp.chmod(0o600)
        tmp.replace(path)
    except subprocess.CalledProcessError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(
            f"mosquitto_passwd failed: {exc.stderr.decode(errors='replace')}"
        ) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _acl_blocks(acl: str) -> dict[str, list[str]]:
    """Device users' blocks of an ACL file written by `acl_text` (rotation keeps them)."""
    blocks: dict[str, list[str]] = {}
    user: str | None = None
    for line in acl.splitlines():
        if line.startswith("user "):
            user = line[5:].strip()
            if is_device_account(user):
                blocks[user] = []
        elif line.strip() and user is not None and user in blocks:
            blocks[user].append(line)
    return blocks


def revoke(
    registry_path: Path,
    out_dir: Path,
    site: str,
    device: str,
    *,
    pid: int | None = None,
    pid_file: Path | None = None,
) -> list[str]:
    """Mark a device revoked in the registry and drop what it may do; return dropped users.

    An agent loses its account (and its cameras go dark: they do not move to another
    agent by themselves); a camera drops out of its agent's ACL. The registry keeps the
    device (marked `revoked: true`) so its history still has a name and a later
    `bk provision` does not bring the account back; `bk provision device` re-enrols it.
    """
    with _exclusive(out_dir):
        registry = load_registry(registry_path)
        site_info = registry.sites.get(site)
        if site_info is None or device not in site_info.devices:
            raise ConfigError(f"no device {site}/{device} in {registry_path}")
        data = registry.model_dump()
        data["sites"][site]["devices"][device]["revoked"] = True
        registry = SiteRegistry.model_validate(data)
        before = read_credentials(out_dir)
        creds = _sync(registry, out_dir, before)
        save_registry(registry, registry_path)
        reload_broker(pid, pid_file)
        return sorted(u for u in before if u not in creds)


def revoke_service(
    out_dir: Path, username: str, *, pid: int | None = None, pid_file: Path | None = None
) -> None:
    """Remove a service account (`bk provision revoke --user ingest`)."""
    with _exclusive(out_dir):
        creds = read_credentials(out_dir)
        if username not in creds or is_device_account(username):
            raise ConfigError(f"no service account {username!r} in {out_dir / CREDENTIALS}")
        del creds[username]
        acl = (out_dir / ACL).read_text(encoding="utf-8")
        _write_all(out_dir, creds, _acl_blocks(acl), _endpoint(out_dir))
        reload_broker(pid, pid_file)


# -- command line -------------------------------------------------------------------------

app = typer.Typer(help="Broker accounts, ACL and TLS from a site registry (Mosquitto).")

RegistryOpt = Annotated[Path, typer.Option("--registry", "-r", help="Site registry YAML")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder of the broker's security files")]
PidOpt = Annotated[int | None, typer.Option("--pid", help="Broker process to send SIGHUP (reload)")]
PidFileOpt = Annotated[
    Path | None, typer.Option("--pid-file", help="Mosquitto pid_file, to send SIGHUP")
]
DEFAULT_OUT = Path("deploy/broker/generated")


@contextlib.contextmanager
def _readable_errors() -> Iterator[None]:
    """A configuration problem is one readable line on stderr and exit code 1."""
    try:
        yield
    except (ConfigError, PayloadError) as exc:
        typer.echo(f"bk provision: {exc}", err=True)
        raise typer.Exit(1) from exc
    except ValidationError as exc:
        typer.echo(f"bk provision: {format_validation_error(exc, 'registry')}", err=True)
        raise typer.Exit(1) from exc


def _report(out: Path, new: Iterable[Credential]) -> None:
    for cred in new:
        typer.echo(f"account {cred.username}: {out / ACCOUNTS_DIR / (cred.username + '.env')}")


@app.callback(invoke_without_command=True)
def provision_command(
    ctx: typer.Context,
    registry: Annotated[
        Path | None, typer.Option("--registry", "-r", help="Site registry YAML")
    ] = None,
    out: OutOpt = DEFAULT_OUT,
    tls: Annotated[
        bool, typer.Option("--tls", help="Also write a CA and a server certificate (tls/)")
    ] = False,
    tls_host: Annotated[
        list[str] | None,
        typer.Option("--tls-host", help="Broker name or address for the certificate (repeat)"),
    ] = None,
    client_certs: Annotated[
        bool, typer.Option("--client-certs", help="Also a client certificate per device")
    ] = False,
    require_certificate: Annotated[
        bool, typer.Option("--require-certificate", help="Devices must present a certificate")
    ] = False,
    host: Annotated[str, typer.Option("--host", help="Broker address given to accounts")] = (
        "127.0.0.1"
    ),
    device_port: Annotated[int, typer.Option("--device-port", help="Devices' listener")] = 8883,
    service_port: Annotated[int, typer.Option("--service-port", help="Services' listener")] = 1883,
    new_passwords: Annotated[
        bool, typer.Option("--new-passwords", help="Replace every existing password")
    ] = False,
) -> None:
    """Write passwd files, acl, credentials, account env files and the listener config.

    With a sub-command (site, device, rotate, revoke) only that change is made.
    """
    if ctx.invoked_subcommand is not None:
        return
    if registry is None:
        raise typer.BadParameter("--registry is required without a sub-command")
    hosts = tls_host or (list(DEFAULT_SERVER_HOSTS) if tls else None)
    with _readable_errors():
        reg = load_registry(registry)
        creds = provision(
            reg,
            out,
            new_passwords=new_passwords,
            endpoint=BrokerEndpoint(host, device_port, service_port),
            tls_hosts=hosts,
            client_certs=client_certs,
            require_certificate=require_certificate,
        )
    typer.echo(
        f"wrote {out}/passwd, {out}/acl and {out}/credentials.txt ({len(creds)} accounts), "
        f"{out}/{BROKER_CONF}" + (f" and {out}/{TLS_DIR}/" if hosts else "")
    )


@app.command("site")
def site_command(
    site: Annotated[str, typer.Argument(help="New site id")],
    registry: RegistryOpt,
    out: OutOpt = DEFAULT_OUT,
    name: Annotated[str, typer.Option(help="Kitchen name")] = "",
    category: Annotated[SiteCategory, typer.Option(help="Kind of kitchen")] = (
        SiteCategory.SCHOOL_CANTEEN
    ),
    district: Annotated[str, typer.Option(help="Supervising district")] = "",
    agent: Annotated[
        list[str] | None, typer.Option("--agent", help="Agent id to enrol with it (repeat)")
    ] = None,
    pid: PidOpt = None,
    pid_file: PidFileOpt = None,
) -> None:
    """Enrol a kitchen (and its agents) and give each agent an account."""
    with _readable_errors():
        devices = {a: DeviceInfo(kind=DeviceKind.AGENT) for a in agent or ["agent"]}
        info = SiteInfo(name=name, category=category, district=district, devices=devices)
        new = enrol_site(registry, out, site, info, pid=pid, pid_file=pid_file)
    typer.echo(f"enrolled site {site} in {registry}")
    _report(out, new)


@app.command("device")
def device_command(
    site: Annotated[str, typer.Argument(help="Site id")],
    device: Annotated[str, typer.Argument(help="New device id")],
    registry: RegistryOpt,
    out: OutOpt = DEFAULT_OUT,
    kind: Annotated[DeviceKind, typer.Option(help="agent, camera or sensor")] = DeviceKind.AGENT,
    agent: Annotated[
        str | None, typer.Option(help="Agent that publishes for this camera or sensor")
    ] = None,
    name: Annotated[str, typer.Option(help="Human name")] = "",
    zone: Annotated[str | None, typer.Option(help="Zone the device watches")] = None,
    pid: PidOpt = None,
    pid_file: PidFileOpt = None,
) -> None:
    """Enrol a device; an agent (or a stand-alone device) gets an account."""
    with _readable_errors():
        info = DeviceInfo(kind=kind, agent=agent, name=name, zone=zone)
        new = enrol_device(registry, out, site, device, info, pid=pid, pid_file=pid_file)
    typer.echo(f"enrolled device {site}/{device} ({kind.value}) in {registry}")
    _report(out, [new] if new else [])


@app.command("rotate")
def rotate_command(
    username: Annotated[str, typer.Argument(help="Account ({site}.{device} or a service)")],
    out: OutOpt = DEFAULT_OUT,
    pid: PidOpt = None,
    pid_file: PidFileOpt = None,
) -> None:
    """Give one account a new password; the broker reloads when told its pid."""
    with _readable_errors():
        cred = rotate(out, username, pid=pid, pid_file=pid_file)
    typer.echo(f"new password for {cred.username}")
    _report(out, [cred])


@app.command("revoke")
def revoke_command(
    account: Annotated[str, typer.Argument(help="{site}.{device}, or a service account")],
    out: OutOpt = DEFAULT_OUT,
    registry: Annotated[
        Path | None, typer.Option("--registry", "-r", help="Site registry (for devices)")
    ] = None,
    pid: PidOpt = None,
    pid_file: PidFileOpt = None,
) -> None:
    """Revoke a device (marked in the registry) or a service account."""
    if is_device_account(account):
        if registry is None:
            raise typer.BadParameter("--registry is required to revoke a device")
        site, _, device = account.partition(".")
        with _readable_errors():
            dropped = revoke(registry, out, site, device, pid=pid, pid_file=pid_file)
        typer.echo(f"revoked {account}; accounts removed: {', '.join(dropped) or 'none'}")
    else:
        with _readable_errors():
            revoke_service(out, account, pid=pid, pid_file=pid_file)
        typer.echo(f"revoked service account {account}")
