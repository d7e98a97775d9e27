"""Fixtures for the dashboard tests: the exported set and Grafana 11.6's JSON Schemas.

The schemas are a copy of `grafana-11.6-jsonschema/` (grafana-foundation-sdk branch
v11.6.x, Apache-2.0, see its README and LICENSE) kept beside the tests so they run
without anything outside the repository.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dashboards.common import Options
from dashboards.export import Inputs, render
from rules.config import RuleSet, load_rules

SCHEMA_DIR = Path(__file__).parent / "grafana-11.6-jsonschema"
REPO = Path(__file__).resolve().parents[3]


def _load_schema(name: str) -> dict[str, Any]:
    path = SCHEMA_DIR / f"{name}.jsonschema.json"
    if not path.is_file():
        raise FileNotFoundError(f"no Grafana 11.6 schema for {name!r} in {SCHEMA_DIR}")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.fixture(scope="session")
def load_schema() -> Callable[[str], dict[str, Any]]:
    """Read one of Grafana's schemas by name (dashboard, timeseries, stat, ...)."""
    return _load_schema


@pytest.fixture(scope="session")
def demo_rules() -> RuleSet:
    """The demo's rule file (GB 31654 pack, −18 °C freezers everywhere)."""
    return load_rules(REPO / "deploy" / "rules" / "demo.yaml")


@pytest.fixture(scope="session")
def exported(demo_rules: RuleSet) -> dict[str, str]:
    """Every exported file (path -> text) for the demo rules and a 4-kitchen registry."""
    return render(Inputs(demo_rules, Options(registered_kitchens=4)))


@pytest.fixture(scope="session")
def dashboards_json(exported: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The exported dashboards by uid, parsed."""
    out: dict[str, dict[str, Any]] = {}
    for path, text in exported.items():
        if path.startswith("dashboards/"):
            model = json.loads(text)
            out[model["uid"]] = model
    return out
