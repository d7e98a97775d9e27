"""The centre image's install, without a Docker engine: what `deploy/Dockerfile` installs
is enough for every command `deploy/compose.yaml` runs.

No Docker engine can run here, so the image itself is never built. What can go wrong
inside it is checked instead: the Dockerfile's own `pip install ".[extras]"` line, run
into a fresh virtual environment from a copy of the tree (pip's cache makes it a copy,
not a download, after `make setup`), must give an environment where every service of the
compose file imports and validates its shipped settings as its container would start it,
and where no training or test library was pulled in.
"""

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.unit.deploy.test_settings_examples import PARTS, validate
from tests.unit.test_install_extras import install_copy

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = REPO / "deploy" / "Dockerfile"
COMPOSE = REPO / "deploy" / "compose.yaml"
# Each service's runtime modules: importing them pulls in every library it runs with.
MODULES = {
    "ingest": ["ingest.service"],
    "vision": ["vision.service", "vision.detectors"],
    "rules": ["rules.service", "rules.notify"],
    "recorder": ["recorder.service", "recorder.playback"],
    "api": ["api.app", "api.reports", "api.recordings"],
}
NOT_IN_THE_IMAGE = {"torch", "pytest", "schemathesis", "mypy", "ruff"}


def dockerfile_extras() -> str:
    """The extras of the Dockerfile's `pip install ".[...]"` line."""
    found = re.findall(r'pip install[^\n]*"\.\[([a-z,]+)\]"', DOCKERFILE.read_text())
    assert len(found) == 1, "one pip install of the project in the Dockerfile"
    return str(found[0])


@pytest.fixture(scope="module")
def image_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the project installed as the Dockerfile installs it."""
    return install_copy(tmp_path_factory.mktemp("image"), dockerfile_extras()).parent


def compose_parts() -> set[str]:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    return {
        svc["command"][1]
        for svc in services.values()
        if str(svc.get("image", "")).startswith("bright-kitchen") and svc.get("command")
    }


def test_the_compose_services_are_the_parts_checked_here() -> None:
    assert compose_parts() == set(PARTS) == set(MODULES)


@pytest.mark.timeout(900)
def test_every_service_imports_in_the_image(image_env: Path) -> None:
    for part, modules in MODULES.items():
        code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)"
        res = subprocess.run(
            [str(image_env / "bin" / "python"), "-c", code, *modules],
            capture_output=True,
            text=True,
            timeout=180,
            cwd="/",  # the installed copy, never the source tree
        )
        assert res.returncode == 0, f"{part}: {res.stderr[-1500:]}"


@pytest.mark.parametrize("part", PARTS)
def test_every_service_validates_its_settings_in_the_image(
    part: str, image_env: Path, accounts: Path
) -> None:
    result = validate(part, accounts, bk=image_env / "bin" / "bk")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_no_training_or_test_library_in_the_image(image_env: Path) -> None:
    listed = subprocess.run(
        [str(image_env / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installed = {line.split("==")[0].lower() for line in listed.splitlines()}
    assert installed & NOT_IN_THE_IMAGE == set()
