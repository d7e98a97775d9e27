"""deploy/compose.yaml: valid Compose, and everything it names exists.

The schema is the Compose Specification's own JSON Schema, vendored under deploy/schemas/
(no download at test time). Beyond the schema: every bk container runs a real `bk`
sub-command (`bk <part> run --help` exits 0) with a settings file shipped in
deploy/centre/, reads broker accounts that `bk provision` writes, is built from the
Dockerfile with the extras the centre needs, and every file mounted from the repository,
every `${VAR}` and the Grafana dashboards' path agree with the files they point at.
"""

import copy
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from core.provisioning import SERVICE_ACL
from core.settings import read_yaml_mapping

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
SCHEMA = DEPLOY / "schemas" / "compose-spec.json"
BK = Path(sys.executable).parent / "bk"


@cache
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())  # resolves the `<<: *bk` merge keys
    assert isinstance(data, dict)
    return data


def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def bk_services() -> dict[str, dict[str, Any]]:
    return {
        name: svc
        for name, svc in compose()["services"].items()
        if str(svc.get("image", "")).startswith("bright-kitchen")
    }


def test_schema_is_vendored_with_its_licence() -> None:
    assert "Apache License" in (DEPLOY / "schemas" / "compose-spec.LICENSE").read_text()


def test_compose_matches_the_compose_specification() -> None:
    errors = sorted(validator().iter_errors(compose()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_catches_mistakes() -> None:
    """The validator is not vacuous: a misspelt key and a wrong type are refused."""
    bad = copy.deepcopy(compose())
    bad["services"]["api"]["restrat"] = "always"
    assert not validator().is_valid(bad)
    bad = copy.deepcopy(compose())
    bad["services"]["api"]["ports"] = "8080"
    assert not validator().is_valid(bad)


def test_the_centre_is_complete() -> None:
    services = compose()["services"]
    images = {name: str(svc.get("image", "")) for name, svc in services.items()}
    assert images["mosquitto"].startswith("eclipse-mosquitto:2")
    assert images["influxdb"].startswith("influxdb:2")
    assert images["postgres"].startswith("postgres:")
    assert images["grafana"].startswith("grafana/grafana:")
    parts = {svc["command"][1] for svc in bk_services().values()}
    assert parts == {"ingest", "vision", "rules", "recorder", "api"}


@cache
def help_exit_code(part: str) -> int:
    return subprocess.run(
        [str(BK), part, "run", "--help"], capture_output=True, timeout=180, check=False
    ).returncode


@pytest.mark.parametrize("name", sorted(bk_services()))
def test_each_command_is_a_real_bk_command(name: str) -> None:
    command = bk_services()[name]["command"]
    assert command[0] == "bk" and command[2] == "run", command
    assert help_exit_code(command[1]) == 0, f"`bk {command[1]} run --help` failed"
    config = command[command.index("--config") + 1]
    assert config == f"/etc/bk/{command[1]}.yaml"
    assert (DEPLOY / "centre" / f"{command[1]}.yaml").is_file()


@pytest.mark.parametrize("name", sorted(bk_services()))
def test_each_service_reads_a_provisioned_account(name: str) -> None:
    env_files = bk_services()[name]["env_file"]
    accounts = [f for f in env_files if f.startswith("/etc/mosquitto/bk/accounts/")]
    assert len(accounts) == 1, env_files
    assert Path(accounts[0]).stem in SERVICE_ACL
    assert "/etc/bk/centre.env" in env_files


def test_image_is_built_with_the_centre_extras() -> None:
    builds = {json.dumps(svc["build"], sort_keys=True) for svc in bk_services().values()}
    assert len(builds) == 1, "one image for every bk service"
    build = next(iter(bk_services().values()))["build"]
    dockerfile = (DEPLOY / build["context"] / build["dockerfile"]).resolve()
    assert dockerfile == DEPLOY / "Dockerfile"
    extras = re.search(r'pip install [^\n]*"\.\[([a-z,]+)\]"', dockerfile.read_text())
    assert extras is not None
    wanted = set(extras.group(1).split(","))
    assert {"centre", "vision"} <= wanted
    pyproject = (REPO / "pyproject.toml").read_text()
    for extra in wanted:
        assert re.search(rf"^{extra} = \[", pyproject, re.MULTILINE), extra


def test_mounted_repository_files_exist() -> None:
    for name, svc in compose()["services"].items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source}"


def test_interpolated_variables_are_in_the_env_example() -> None:
    names = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE.read_text()))
    example = (DEPLOY / "centre" / "centre.env.example").read_text()
    defined = set(re.findall(r"^([A-Z0-9_]+)=", example, re.MULTILINE))
    assert names and names <= defined, names - defined


def test_grafana_mounts_match_the_exported_provisioning() -> None:
    grafana = compose()["services"]["grafana"]
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"])
    provider = read_yaml_mapping(
        DEPLOY / "grafana" / "provisioning" / "dashboards" / "bright-kitchen.yaml"
    )
    assert mounts["./grafana/dashboards"] == provider["providers"][0]["options"]["path"]
    datasource = (DEPLOY / mounts_source(mounts, "/etc/grafana/provisioning/datasources")).glob(
        "*.yaml"
    )
    assert any("$BK_INFLUX__TOKEN" in p.read_text() for p in datasource)
    assert "BK_INFLUX__TOKEN" in grafana["environment"]


def mounts_source(mounts: dict[str, str], target: str) -> str:
    return next(source for source, dest in mounts.items() if dest == target)
