"""A private certificate authority for the broker's TLS listener (`bk provision --tls`).

Why our own CA: the broker sits on a kitchen-to-centre network where nobody but the
platform needs to trust it, and agents pin the one CA file they are given
(`BK_MQTT__TLS__CA_FILE`) instead of trusting every public CA. The same code makes the
certificates for the tests (server certificate for 127.0.0.1/localhost) and for a
deployment (the broker's real host names and addresses).

Keys are ECDSA P-256: quick to generate (tests make several CAs), accepted by
Mosquitto/OpenSSL and by every TLS client an edge box runs. Private keys are written
0600 and never leave the folder they are written to; the CA key stays with whoever
runs `bk provision` (it signs client certificates later).
"""

import datetime as dt
import ipaddress
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.errors import ConfigError

DEFAULT_SERVER_HOSTS = ("127.0.0.1", "localhost")
CA_DAYS = 3650
LEAF_DAYS = 825  # the longest leaf lifetime public CAs allowed; short enough to rotate


@dataclass(frozen=True, slots=True)
class ServerTlsFiles:
    """What a broker's TLS listener needs (Mosquitto `cafile`, `certfile`, `keyfile`).

    `require_certificate`: clients must present a certificate signed by the CA
    (mutual TLS) in addition to their username and password.
    """

    ca_file: Path
    cert_file: Path
    key_file: Path
    require_certificate: bool = False


@dataclass(frozen=True, slots=True)
class ClientTlsFiles:
    """A client certificate and its key (for `BK_MQTT__TLS__CERT_FILE` / `KEY_FILE`)."""

    cert_file: Path
    key_file: Path


@dataclass(frozen=True, slots=True)
class CertificateAuthority:
    """A loaded CA: its certificate and key, and where its certificate lies."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    cert_file: Path


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_private(path: Path, data: bytes) -> None:
    """Create a file readable by its owner only, before any secret is in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    path.chmod(0o600)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _general_names(hosts: Iterable[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def create_ca(
    out_dir: Path, common_name: str = "Bright Kitchen broker CA", days: int = CA_DAYS
) -> CertificateAuthority:
    """Write `ca.pem` (share it) and `ca.key` (0600, keep it) into `out_dir`."""
    key = _new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = _now()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    cert_file = out_dir / "ca.pem"
    cert_file.write_bytes(_cert_pem(cert))
    _write_private(out_dir / "ca.key", _key_pem(key))
    return CertificateAuthority(cert, key, cert_file)


def load_ca(ca_dir: Path) -> CertificateAuthority:
    """Read `ca.pem` and `ca.key` from a folder `create_ca` wrote."""
    cert_file, key_file = ca_dir / "ca.pem", ca_dir / "ca.key"
    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the CA in {ca_dir}: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ConfigError(f"{key_file} is not an EC key made by `bk provision --tls`")
    return CertificateAuthority(cert, key, cert_file)


def _leaf(
    ca: CertificateAuthority,
    common_name: str,
    usage: x509.ObjectIdentifier,
    hosts: Sequence[str] = (),
    days: int = LEAF_DAYS,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _new_key()
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if hosts:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(_general_names(hosts)), critical=False
        )
    return builder.sign(ca.key, hashes.SHA256()), key


def issue_server_cert(
    ca: CertificateAuthority,
    out_dir: Path,
    hosts: Sequence[str] = DEFAULT_SERVER_HOSTS,
    require_certificate: bool = False,
) -> ServerTlsFiles:
    """Write `server.pem` / `server.key` for the broker, valid for `hosts` (names or IPs).

    Clients check the broker's name against the subject alternative names, so every
    name or address agents use to reach the broker must be listed.
    """
    if not hosts:
        raise ConfigError("a server certificate needs at least one host name or address")
    cert, key = _leaf(ca, hosts[0], ExtendedKeyUsageOID.SERVER_AUTH, hosts)
    out_dir.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = out_dir / "server.pem", out_dir / "server.key"
    cert_file.write_bytes(_cert_pem(cert))
    _write_private(key_file, _key_pem(key))
    return ServerTlsFiles(ca.cert_file, cert_file, key_file, require_certificate)


def issue_client_cert(ca: CertificateAuthority, out_dir: Path, name: str) -> ClientTlsFiles:
    """Write `{name}.pem` / `{name}.key`: a client certificate whose common name is `name`."""
    cert, key = _leaf(ca, name, ExtendedKeyUsageOID.CLIENT_AUTH)
    out_dir.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = out_dir / f"{name}.pem", out_dir / f"{name}.key"
    cert_file.write_bytes(_cert_pem(cert))
    _write_private(key_file, _key_pem(key))
    return ClientTlsFiles(cert_file, key_file)


def generate_broker_tls(
    out_dir: Path,
    hosts: Sequence[str] = DEFAULT_SERVER_HOSTS,
    clients: Sequence[str] = (),
    require_certificate: bool = False,
) -> tuple[ServerTlsFiles, dict[str, ClientTlsFiles]]:
    """A fresh CA, a server certificate for `hosts` and client certificates, in `out_dir`.

    Client certificates go under `out_dir/clients/`.
    """
    ca = create_ca(out_dir)
    server = issue_server_cert(ca, out_dir, hosts, require_certificate)
    made = {name: issue_client_cert(ca, out_dir / "clients", name) for name in clients}
    return server, made
