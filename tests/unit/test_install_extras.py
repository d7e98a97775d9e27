"""Each box installs what it runs: an edge box gets no centre or inference libraries.

Two checks. The quick one reads the declared requirements and imports the edge agent
in this environment, and asks which distributions its imports came from: each must be
declared by the base requirements or the `edge` extra. The real one builds the project
into a fresh virtual environment with `pip install .[edge]` (pip's cache makes it a
copy, not a download, after `make setup`) and imports the agent there.
"""

import json
import shutil
import subprocess
import sys
import tomllib
import venv
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
# What an edge box must never pull in: the centre's web/database stack, inference, training.
CENTRE_ONLY = {
    "fastapi",
    "uvicorn",
    "starlette",
    "sqlalchemy",
    "alembic",
    "onnxruntime",
    "torch",
    "influxdb-client",
    "av",
    "grafana-client",
    "jinja2",
    "reportlab",
}
EDGE_MODULES = ["edge.agent", "edge.cli", "edge.drivers.modbus", "edge.drivers.onewire", "core.cli"]

# Run inside the environment under test: import the edge and report where imports came from.
PROBE = """
import importlib, json, sys
from importlib.metadata import packages_distributions
before = set(sys.modules)  # what the interpreter loads at start-up (site, .pth hooks)
for name in sys.argv[1:]:
    importlib.import_module(name)
dists = packages_distributions()
top = sorted({m.split(".")[0] for m in set(sys.modules) - before})
print(json.dumps(sorted({d for t in top for d in dists.get(t, [])})))
"""


def _declared(*extras: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        reqs += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return {canonicalize_name(r.name) for r in reqs}


def _closure(names: set[str]) -> set[str]:
    """`names` and everything they require, as installed here (markers honoured)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for raw in requires:
            req = Requirement(raw)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


def _probe(python: str) -> set[str]:
    out = subprocess.run(
        [python, "-c", PROBE, *EDGE_MODULES],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",  # never the source tree: the installed copy must do
        check=True,
    ).stdout
    return {canonicalize_name(d) for d in json.loads(out.strip().splitlines()[-1])}


def test_the_edge_declares_no_centre_library() -> None:
    assert _declared("edge") & CENTRE_ONLY == set()


def test_every_library_the_edge_imports_is_declared_for_it() -> None:
    used = _probe(sys.executable) - {"bright-kitchen"}
    assert used & CENTRE_ONLY == set()
    # The probe is a fresh process: test tools (pytest plugins) are not among its imports.
    assert used - _closure(_declared("edge")) == set()


def install_copy(tmp: Path, extras: str) -> Path:
    """The project installed with `extras` into a fresh venv under `tmp`, from a copy of
    the tree (a build in the source tree would leave `build/` behind); its bin folder.
    Skips when no package index is reachable."""
    src = tmp / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "var", "*.egg-info", "__pycache__", ".*_cache", "docs"
        ),
    )
    env = tmp / "venv"
    venv.create(env, with_pip=True)
    python = str(env / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", f"{src}[{extras}]"],
        capture_output=True,
        text=True,
        timeout=840,
    )
    if install.returncode != 0 and "No matching distribution" in install.stderr:
        pytest.skip(f"no package index reachable: {install.stderr[-300:]}")
    assert install.returncode == 0, install.stderr[-2000:]
    return env / "bin"


@pytest.mark.timeout(900)
def test_a_fresh_edge_install_imports_no_centre_library(tmp_path: Path) -> None:
    python = str(install_copy(tmp_path, "edge") / "python")
    used = _probe(python)
    assert used & CENTRE_ONLY == set()
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True, check=True
    ).stdout
    installed = {canonicalize_name(p["name"]) for p in json.loads(listed)}
    assert installed & CENTRE_ONLY == set(), "the edge extra installed a centre library"
