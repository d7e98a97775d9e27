"""Every settings example in deploy/ loads through the services' own `--validate-config`.

Each service is run as its systemd unit runs it (ExecStart with deploy/centre/<part>.yaml)
with the environment its unit gives it: its `Environment=` lines, the example secrets file
(centre.env.example) and a broker account env file written by a real `bk provision --tls`.
Only the host paths that do not exist here (/etc/bk/sites.yaml, the rule file) are pointed
at the repository's examples.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CENTRE = REPO / "deploy" / "centre"
BK = Path(sys.executable).parent / "bk"
PARTS = ["ingest", "vision", "rules", "recorder", "api"]
REGISTRY_EXAMPLE = REPO / "deploy" / "sites.example.yaml"


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= and compose's env_file read them."""
    env: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"{path.name}: not KEY=VALUE: {line!r}"
            env[key] = value
    return env


def base_env() -> dict[str, str]:
    """This process's environment without any BK_ setting of the developer's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("BK_")}


def host_paths() -> dict[str, str]:
    """The example files standing in for /etc/bk/sites.yaml and the rule file."""
    env = {
        f"BK_{part.upper()}__REGISTRY_FILE": str(REGISTRY_EXAMPLE)
        for part in ("ingest", "vision", "rules", "recorder", "api")
    }
    env["BK_RULES__RULE_FILE"] = str(REPO / "deploy" / "rules" / "demo.yaml")
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=180, check=False, cwd=REPO
    )


def unit_of(part: str) -> Path:
    name = "bk-api.service" if part == "api" else f"bk-{part}@.service"
    return REPO / "deploy" / "systemd" / name


def validate(part: str, accounts: Path, bk: Path = BK) -> subprocess.CompletedProcess[str]:
    """The unit's ExecStart plus `--validate-config`, in the environment the unit gives it.

    systemd semantics: `Environment=` first, then each `EnvironmentFile=` in order on top
    (a file's value wins); `%i` is instance 0. Host paths map to this checkout: the
    provisioned accounts/ folder, centre.env.example, deploy/centre/<part>.yaml. `bk` is
    the command of the environment under test (this one, or the image's).
    """
    env = base_env()
    files: dict[str, str] = {}
    command: list[str] = []
    for line in unit_of(part).read_text().replace("%i", "0").splitlines():
        key, _, value = line.partition("=")
        if key == "Environment":
            name, _, val = value.partition("=")
            env[name] = val
        elif key == "EnvironmentFile":
            path = Path(value)
            if value.startswith("/etc/mosquitto/bk/accounts/"):
                files.update(env_file(accounts / path.name))
            else:
                assert value == "/etc/bk/centre.env", value
                files.update(env_file(CENTRE / "centre.env.example"))
        elif key == "ExecStart":
            command = value.split()
    env.update(files)
    env.update(host_paths())
    assert command[:3] == ["/opt/bk/venv/bin/bk", part, "run"], command
    assert command[3:] == ["--config", f"/etc/bk/{part}.yaml"], command
    return run(
        [str(bk), part, "run", "--config", str(CENTRE / f"{part}.yaml"), "--validate-config"], env
    )


@pytest.mark.parametrize("part", PARTS)
def test_centre_settings_validate(part: str, accounts: Path) -> None:
    result = validate(part, accounts)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("part", PARTS)
def test_validate_config_never_echoes_secrets(part: str, accounts: Path) -> None:
    result = validate(part, accounts)
    assert result.returncode == 0, result.stderr
    assert "change-me" not in result.stdout + result.stderr


def test_influx_token_must_come_from_the_environment(accounts: Path) -> None:
    """Without centre.env the v2 store settings are refused, naming what is missing."""
    env = {**base_env(), **env_file(accounts / "ingest.env"), **host_paths()}
    result = run(
        [str(BK), "ingest", "run", "--config", str(CENTRE / "ingest.yaml"), "--validate-config"],
        env,
    )
    assert result.returncode != 0
    assert "token" in result.stdout + result.stderr


def test_edge_example_validates_with_its_account(accounts: Path) -> None:
    """The agent's env file from `bk provision` on top of the example names its kitchen."""
    env = {**base_env(), **env_file(accounts / "school-042.agent.env")}
    assert env["BK_MQTT__PORT"] == "8883" and "BK_MQTT__TLS__CA_FILE" in env
    example = REPO / "deploy" / "edge" / "agent.example.yaml"
    result = run(
        [sys.executable, "-m", "edge", "run", "--config", str(example), "--validate-config"], env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "site school-042, device agent" in result.stdout + result.stderr


def test_edge_example_is_on_the_tls_listener() -> None:
    from core.settings import read_yaml_mapping

    mqtt = read_yaml_mapping(REPO / "deploy" / "edge" / "agent.example.yaml")["mqtt"]
    assert mqtt["port"] == 8883 and mqtt["tls"]["ca_file"]
    assert "password" not in mqtt  # the account comes from its env file
