"""The import rules of DESIGN.md, checked on the source: scaffolding stays out of runtime."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = [
    "core",
    "edge",
    "ingest",
    "vision",
    "rules",
    "recorder",
    "api",
    "dashboards",
    "simulators",
]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", RUNTIME)
def test_no_runtime_package_imports_the_scaffolding(package: str) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / package).rglob("*.py"))
        if "devtools" in _imports(path)
    ]
    assert offenders == []


def test_core_imports_no_part() -> None:
    parts = set(RUNTIME) - {"core"} | {"devtools"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & parts)
        for path in sorted((ROOT / "core").rglob("*.py"))
        if _imports(path) & parts
    }
    assert offenders == {}


def test_no_test_scaffolding_module_left_in_a_runtime_package() -> None:
    names = {"testing.py", "loadgen.py", "receivers.py", "servers.py", "demo.py"}
    left = [
        str(p.relative_to(ROOT))
        for pkg in RUNTIME
        for p in (ROOT / pkg).rglob("*.py")
        if p.name in names
    ]
    assert left == []
