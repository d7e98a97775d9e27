"""Registry ownership, generated ACL, provisioning files and certificates (no broker).

The broker-side behaviour of these files is in tests/integration/core/test_acl.py and
test_tls.py; here: what is written, with which rights and permissions.
"""

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from pydantic import ValidationError
from typer.testing import CliRunner

from core.provisioning import (
    ACL,
    BROKER_CONF,
    CREDENTIALS,
    PASSWD,
    PASSWD_DEVICES,
    PASSWD_SERVICES,
    SERVICE_ACL,
    TLS_DIR,
    app,
    device_acl,
    enrol_device,
    provision,
    read_credentials,
    registry_acls,
    revoke,
    rotate,
)
from core.registry import (
    DeviceInfo,
    DeviceKind,
    SiteInfo,
    SiteRegistry,
    load_registry,
    save_registry,
)
from core.tls import create_ca, generate_broker_tls, issue_server_cert, load_ca

EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "sites.example.yaml"


def _site(**devices: DeviceInfo) -> SiteInfo:
    return SiteInfo(devices=devices)


AGENT = DeviceInfo(kind=DeviceKind.AGENT)
CAMERA = DeviceInfo(kind=DeviceKind.CAMERA)


# -- registry ownership -------------------------------------------------------------------


def test_the_only_agent_owns_everything_by_default() -> None:
    site = _site(agent=AGENT, cam1=CAMERA, fridge=DeviceInfo())
    assert site.owner("cam1") == "agent" and site.owner("fridge") == "agent"
    assert site.publishers() == {"agent": ["cam1", "fridge"]}


def test_two_agents_require_each_camera_to_name_its_agent() -> None:
    with pytest.raises(ValidationError, match="2 agents"):
        _site(a1=AGENT, a2=AGENT, cam1=CAMERA)
    site = _site(
        a1=AGENT,
        a2=AGENT,
        cam1=DeviceInfo(kind=DeviceKind.CAMERA, agent="a1"),
        cam2=DeviceInfo(kind=DeviceKind.CAMERA, agent="a2"),
    )
    assert site.publishers() == {"a1": ["cam1"], "a2": ["cam2"]}


@pytest.mark.parametrize(
    ("devices", "message"),
    [
        ({"a1": AGENT, "cam1": DeviceInfo(kind=DeviceKind.CAMERA, agent="a9")}, "not a device"),
        (
            {
                "a1": AGENT,
                "s1": DeviceInfo(),
                "cam1": DeviceInfo(kind=DeviceKind.CAMERA, agent="s1"),
            },
            "is a sensor, not an agent",
        ),
    ],
)
def test_a_named_agent_must_be_an_agent_of_the_site(
    devices: dict[str, DeviceInfo], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        SiteInfo(devices=devices)


def test_an_agent_cannot_name_an_agent() -> None:
    with pytest.raises(ValidationError, match="publishes for itself"):
        DeviceInfo(kind=DeviceKind.AGENT, agent="other")


def test_devices_of_a_site_without_agent_stand_alone() -> None:
    site = _site(cam1=CAMERA, fridge=DeviceInfo())
    assert site.publishers() == {"cam1": [], "fridge": []}


def test_revoked_devices_hold_no_account_and_their_cameras_go_dark() -> None:
    site = _site(
        a1=DeviceInfo(kind=DeviceKind.AGENT, revoked=True),
        a2=AGENT,
        cam1=DeviceInfo(kind=DeviceKind.CAMERA, agent="a1"),
        cam2=DeviceInfo(kind=DeviceKind.CAMERA, agent="a2", revoked=True),
    )
    assert site.publishers() == {"a2": []}


def test_the_example_registry_has_a_kitchen_with_two_agents() -> None:
    reg = load_registry(EXAMPLE)
    ck = reg.sites["ck-001"]
    assert ck.agents() == ["agent", "agent-cold"]
    assert ck.publishers()["agent-cold"] == ["cam-cold1", "freezer1"]
    assert reg.sites["school-001"].owner("cam1") == "agent"


def test_save_registry_round_trips(tmp_path: Path) -> None:
    reg = load_registry(EXAMPLE)
    save_registry(reg, tmp_path / "sites.yaml")
    assert load_registry(tmp_path / "sites.yaml") == reg


# -- ACL --------------------------------------------------------------------------------------


def test_agent_acl_names_exactly_its_own_topics() -> None:
    assert device_acl("s1", "agent", DeviceKind.AGENT, ["cam1"]) == [
        "topic write bk/v1/s1/agent/telemetry",
        "topic write bk/v1/s1/agent/status",
        "topic read bk/v1/s1/agent/config",
        "topic read bk/v1/s1/agent/receipt",
        "topic write bk/v1/s1/cam1/frame",
        "topic write bk/v1/s1/cam1/detections",
        "topic write bk/v1/s1/cam1/status",
    ]


def test_no_device_acl_line_has_a_wildcard() -> None:
    for user, lines in registry_acls(load_registry(EXAMPLE)).items():
        for line in lines:
            assert "+" not in line and "#" not in line, (user, line)


def test_service_channels() -> None:
    assert "topic write bk/v1/+/display" in SERVICE_ACL["rules"]
    assert "topic write bk/v1/+/+/receipt" in SERVICE_ACL["ingest"]
    assert not any("alerts" in line for line in SERVICE_ACL["api"])
    assert not any(line.startswith("topic write") and "#" in line for line in SERVICE_ACL["vision"])
    # The recorder reads frames and alerts and writes nothing but its status and dead letters.
    assert "topic read bk/v1/+/+/frame" in SERVICE_ACL["recorder"]
    assert {line for line in SERVICE_ACL["recorder"] if line.startswith("topic write")} == {
        "topic write bk/v1/_dlq/recorder",
        "topic write bk/v1/_services/recorder/+/status",
    }


# -- files ------------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_provision_writes_private_hashed_files(tmp_path: Path) -> None:
    creds = {c.username: c.password for c in provision(load_registry(EXAMPLE), tmp_path)}
    assert set(creds) == {
        *SERVICE_ACL,
        "school-001.agent",
        "ck-001.agent",
        "ck-001.agent-cold",
    }
    for name in (PASSWD, PASSWD_DEVICES, PASSWD_SERVICES, CREDENTIALS):
        assert _mode(tmp_path / name) == 0o600, name
    for env in (tmp_path / "accounts").glob("*.env"):
        assert _mode(env) == 0o600, env
    passwd = (tmp_path / PASSWD).read_text()
    assert all(pw not in passwd for pw in creds.values())
    assert all(line.split(":")[1].startswith("$7$") for line in passwd.splitlines())
    devices = [line.split(":")[0] for line in (tmp_path / PASSWD_DEVICES).read_text().splitlines()]
    services = [
        line.split(":")[0] for line in (tmp_path / PASSWD_SERVICES).read_text().splitlines()
    ]
    assert sorted(devices) == ["ck-001.agent", "ck-001.agent-cold", "school-001.agent"]
    assert sorted(services) == sorted(SERVICE_ACL)
    assert read_credentials(tmp_path) == creds


def test_broker_config_binds_client_ids_on_the_device_listener_only(tmp_path: Path) -> None:
    provision(load_registry(EXAMPLE), tmp_path)
    conf = (tmp_path / BROKER_CONF).read_text()
    settings = [ln for ln in conf.splitlines() if ln and not ln.startswith("#")]
    assert settings[0] == "per_listener_settings true"
    services, devices = conf.split("\nlistener 8883")
    assert "use_username_as_clientid" not in services
    assert f"password_file {(tmp_path / PASSWD_SERVICES).resolve()}" in services
    assert "use_username_as_clientid true" in devices
    assert f"password_file {(tmp_path / PASSWD_DEVICES).resolve()}" in devices


def test_reprovisioning_keeps_passwords_unless_asked(tmp_path: Path) -> None:
    reg = load_registry(EXAMPLE)
    first = {c.username: c.password for c in provision(reg, tmp_path)}
    again = {c.username: c.password for c in provision(reg, tmp_path)}
    assert again == first
    fresh = {c.username: c.password for c in provision(reg, tmp_path, new_passwords=True)}
    assert all(fresh[u] != first[u] for u in first)


def test_enrolling_a_second_agent_pins_the_first_agents_devices(tmp_path: Path) -> None:
    registry_file = tmp_path / "sites.yaml"
    save_registry(SiteRegistry(sites={"s1": _site(agent=AGENT, cam1=CAMERA)}), registry_file)
    provision(load_registry(registry_file), tmp_path / "auth")
    cred = enrol_device(registry_file, tmp_path / "auth", "s1", "agent2", AGENT)
    assert cred is not None and cred.username == "s1.agent2"
    site = load_registry(registry_file).sites["s1"]
    assert site.devices["cam1"].agent == "agent"  # unchanged owner, now written down
    acl = (tmp_path / "auth" / ACL).read_text()
    assert "user s1.agent2\n" in acl
    assert "topic write bk/v1/s1/cam1/frame" in acl.split("user s1.agent\n")[1]
    assert "cam1" not in acl.split("user s1.agent2\n")[1]


def test_revoke_marks_the_registry_and_drops_the_account(tmp_path: Path) -> None:
    registry_file = tmp_path / "sites.yaml"
    save_registry(load_registry(EXAMPLE), registry_file)
    auth = tmp_path / "auth"
    provision(load_registry(registry_file), auth)
    assert revoke(registry_file, auth, "ck-001", "agent-cold") == ["ck-001.agent-cold"]
    assert load_registry(registry_file).sites["ck-001"].devices["agent-cold"].revoked
    assert "agent-cold" not in (auth / ACL).read_text()
    assert "ck-001.agent-cold" not in read_credentials(auth)
    assert not (auth / "accounts" / "ck-001.agent-cold.env").exists()
    # A later full run does not bring it back.
    provision(load_registry(registry_file), auth)
    assert "ck-001.agent-cold" not in read_credentials(auth)


def test_rotate_changes_one_password_and_keeps_the_acl(tmp_path: Path) -> None:
    before = {c.username: c.password for c in provision(load_registry(EXAMPLE), tmp_path)}
    acl = (tmp_path / ACL).read_text()
    hashes = (tmp_path / PASSWD_DEVICES).read_text()
    cred = rotate(tmp_path, "ck-001.agent")
    after = read_credentials(tmp_path)
    assert after["ck-001.agent"] == cred.password != before["ck-001.agent"]
    assert {u: p for u, p in after.items() if u != "ck-001.agent"} == {
        u: p for u, p in before.items() if u != "ck-001.agent"
    }
    assert (tmp_path / ACL).read_text() == acl
    assert (tmp_path / PASSWD_DEVICES).read_text() != hashes
    assert (
        f"BK_MQTT__PASSWORD={cred.password}"
        in (tmp_path / "accounts" / "ck-001.agent.env").read_text()
    )


def test_cli_keeps_the_plain_form_and_reports_errors_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["--registry", str(EXAMPLE), "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert (tmp_path / PASSWD).exists() and (tmp_path / ACL).exists()
    bad = runner.invoke(app, ["rotate", "nobody", "--out", str(tmp_path)])
    assert bad.exit_code == 1
    assert "no account 'nobody'" in bad.output


def test_cli_site_enrols_a_kitchen_with_two_agents(tmp_path: Path) -> None:
    registry_file = tmp_path / "sites.yaml"
    registry_file.write_text(yaml.safe_dump({"sites": {}}))
    done = CliRunner().invoke(
        app,
        [
            *("site", "new-01", "-r", str(registry_file), "-o", str(tmp_path / "auth")),
            *("--name", "新食堂", "--agent", "a1", "--agent", "a2"),
        ],
    )
    assert done.exit_code == 0, done.output
    assert load_registry(registry_file).sites["new-01"].agents() == ["a1", "a2"]
    # A folder's first command also makes the service accounts and the listener config.
    assert {"new-01.a1", "new-01.a2", *SERVICE_ACL} == set(read_credentials(tmp_path / "auth"))
    assert (tmp_path / "auth" / BROKER_CONF).exists()


# -- certificates -----------------------------------------------------------------------------


def test_server_certificate_is_signed_by_the_ca_for_its_hosts(tmp_path: Path) -> None:
    server, clients = generate_broker_tls(tmp_path, clients=["s1.agent"])
    ca = x509.load_pem_x509_certificate(server.ca_file.read_bytes())
    cert = x509.load_pem_x509_certificate(server.cert_file.read_bytes())
    cert.verify_directly_issued_by(ca)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    client = x509.load_pem_x509_certificate(clients["s1.agent"].cert_file.read_bytes())
    client.verify_directly_issued_by(ca)
    for key in (tmp_path / "ca.key", server.key_file, clients["s1.agent"].key_file):
        assert _mode(key) == 0o600


def test_a_foreign_ca_did_not_sign_it(tmp_path: Path) -> None:
    server, _ = generate_broker_tls(tmp_path / "a")
    other = create_ca(tmp_path / "b")
    cert = x509.load_pem_x509_certificate(server.cert_file.read_bytes())
    with pytest.raises(InvalidSignature):  # same subject name, another key
        cert.verify_directly_issued_by(other.cert)


def test_provision_tls_keeps_its_ca_across_runs(tmp_path: Path) -> None:
    reg = load_registry(EXAMPLE)
    provision(reg, tmp_path, tls_hosts=["mqtt.example.org"])
    ca_pem = (tmp_path / TLS_DIR / "ca.pem").read_bytes()
    provision(reg, tmp_path, tls_hosts=["mqtt.example.org", "10.0.0.5"])
    assert (tmp_path / TLS_DIR / "ca.pem").read_bytes() == ca_pem
    ca = load_ca(tmp_path / TLS_DIR)
    cert = x509.load_pem_x509_certificate((tmp_path / TLS_DIR / "server.pem").read_bytes())
    cert.verify_directly_issued_by(ca.cert)
    assert "certfile" in (tmp_path / BROKER_CONF).read_text()
    assert issue_server_cert(ca, tmp_path / "again", ["x.example"]).ca_file == ca.cert_file


def test_changes_side_by_side_all_land(tmp_path: Path) -> None:
    """The API and the CLI may enrol at the same moment: the folder lock keeps both."""
    registry_file = tmp_path / "sites.yaml"
    save_registry(SiteRegistry(sites={"s1": _site(agent=AGENT)}), registry_file)
    auth = tmp_path / "auth"
    provision(load_registry(registry_file), auth)
    cams = [f"cam{i}" for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda c: enrol_device(registry_file, auth, "s1", c, CAMERA), cams))
    assert sorted(load_registry(registry_file).sites["s1"].publishers()["agent"]) == cams
    acl = (auth / ACL).read_text()
    assert all(f"topic write bk/v1/s1/{c}/frame" in acl for c in cams)
