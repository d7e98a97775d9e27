"""Build every dashboard and the Grafana provisioning files, deterministically.

`render()` returns {relative path: text}; the CLI writes it, tests compare it with
`deploy/grafana/`, and `push` sends the same dashboards. JSON is written with sorted
keys, two-space indent and real UTF-8 (Chinese titles stay readable in diffs); panel ids
are numbered in layout order, so the same inputs give the same bytes every time.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.cog.encoder import JSONEncoder

from dashboards import influxql
from dashboards.coldchain import cold_chain_report
from dashboards.common import FOLDER_TITLE, FOLDER_UID, INFLUX_UID, PROMETHEUS_UID, Options
from dashboards.kitchen import kitchen_detail
from dashboards.overview import district_overview
from dashboards.platform import platform_health
from rules.config import RuleSet

DEPLOY_DIR = Path(__file__).resolve().parent.parent / "deploy" / "grafana"
DASHBOARDS_SUBDIR = "dashboards"


@dataclass(frozen=True)
class Sources:
    """Where Grafana finds the data (written into the datasource provisioning files)."""

    influx_url: str = "http://127.0.0.1:8086"
    influx_database: str = "bright_kitchen"
    prometheus_url: str = "http://127.0.0.1:9090"
    dashboards_path: str = "/var/lib/grafana/dashboards/bright-kitchen"
    """Where the dashboard JSON files lie on the Grafana host (provider `path`)."""


@dataclass(frozen=True)
class Inputs:
    rules: RuleSet
    options: Options = field(default_factory=Options)
    sources: Sources = field(default_factory=Sources)


def build_all(inputs: Inputs) -> list[db.Dashboard]:
    """The four dashboards, in the order a supervisor meets them."""
    opts = inputs.options
    return [
        district_overview(opts),
        kitchen_detail(inputs.rules, opts),
        cold_chain_report(inputs.rules, opts),
        platform_health(opts),
    ]


def to_dict(dashboard: db.Dashboard) -> dict[str, Any]:
    """The dashboard as Grafana's JSON model, with panel ids numbered in layout order."""
    model: dict[str, Any] = json.loads(JSONEncoder().encode(dashboard.build()))
    next_id = 1
    for panel in model.get("panels", []):
        panel["id"] = next_id
        next_id += 1
        for inner in panel.get("panels", []):
            inner["id"] = next_id
            next_id += 1
    model["schemaVersion"] = model.get("schemaVersion", 41)
    return model


def dumps(model: dict[str, Any]) -> str:
    return json.dumps(model, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _yaml(header: str, data: dict[str, Any]) -> str:
    body = yaml.safe_dump(data, sort_keys=True, allow_unicode=True, default_flow_style=False)
    return header.strip() + "\n" + body


def datasources_v1(src: Sources) -> dict[str, Any]:
    """InfluxDB 1.x with InfluxQL, and Prometheus for the services' metrics."""
    return {
        "apiVersion": 1,
        "datasources": [
            {
                "name": "Bright Kitchen InfluxDB",
                "uid": INFLUX_UID,
                "type": "influxdb",
                "access": "proxy",
                "url": src.influx_url,
                "isDefault": True,
                "editable": False,
                "jsonData": {
                    "version": "InfluxQL",
                    "dbName": src.influx_database,
                    "httpMode": "POST",
                    "timeInterval": "10s",
                },
            },
            _prometheus(src),
        ],
    }


def _prometheus(src: Sources) -> dict[str, Any]:
    return {
        "name": "Bright Kitchen Prometheus",
        "uid": PROMETHEUS_UID,
        "type": "prometheus",
        "access": "proxy",
        "url": src.prometheus_url,
        "isDefault": False,
        "editable": False,
        "jsonData": {"httpMethod": "POST", "timeInterval": "15s"},
    }


def datasources_v2(src: Sources) -> dict[str, Any]:
    """InfluxDB 2.x / 3.x / Cloud answered in InfluxQL (same dashboards, same uid)."""
    return {
        "apiVersion": 1,
        "datasources": [
            {
                "name": "Bright Kitchen InfluxDB",
                "uid": INFLUX_UID,
                "type": "influxdb",
                "access": "proxy",
                "url": "$BK_INFLUX__URL",
                "isDefault": True,
                "editable": False,
                "jsonData": {
                    "version": "InfluxQL",
                    "dbName": src.influx_database,
                    "httpMode": "POST",
                    "timeInterval": "10s",
                    "httpHeaderName1": "Authorization",
                },
                "secureJsonData": {"httpHeaderValue1": "Token $BK_INFLUX__TOKEN"},
            },
            _prometheus(src),
        ],
    }


def dashboard_provider(src: Sources) -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "bright-kitchen",
                "orgId": 1,
                "folder": FOLDER_TITLE,
                "folderUid": FOLDER_UID,
                "type": "file",
                "disableDeletion": False,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 60,
                "options": {"path": src.dashboards_path, "foldersFromFilesStructure": False},
            }
        ],
    }


_V1_HEADER = """
# Grafana datasource provisioning: InfluxDB 1.x (InfluxQL) and Prometheus.
# Generated by `bk dashboards export`; do not edit (a test fails when it is stale).
# Copy to /etc/grafana/provisioning/datasources/.
"""
_V2_HEADER = """
# Alternative to influxdb-v1.yaml for InfluxDB 2.x / 3.x / Cloud, queried in InfluxQL
# (the dashboards are the same). Use one of the two files, not both (same uid).
# Grafana expands $BK_INFLUX__URL and $BK_INFLUX__TOKEN from its environment.
# InfluxQL on 2.x needs a DBRP mapping from the database name to the bucket, e.g.
#   influx v1 dbrp create --db bright_kitchen --rp autogen --bucket-id <id> --default
# (3.x answers InfluxQL for a database directly; Cloud Serverless needs the mapping too).
# Generated by `bk dashboards export`; do not edit.
"""
_PROVIDER_HEADER = """
# Grafana dashboard provider: loads the JSON files of dashboards/ into one folder.
# Copy to /etc/grafana/provisioning/dashboards/ and the JSON files to `options.path`.
# Generated by `bk dashboards export`; do not edit.
"""


def render(inputs: Inputs) -> dict[str, str]:
    """Every exported file: relative path -> text."""
    files = {
        f"{DASHBOARDS_SUBDIR}/{model['uid']}.json": dumps(model)
        for model in (to_dict(d) for d in build_all(inputs))
    }
    files["provisioning/datasources/influxdb-v1.yaml"] = _yaml(
        _V1_HEADER, datasources_v1(inputs.sources)
    )
    files["provisioning/datasources-influxdb2/influxdb-v2-influxql.yaml"] = _yaml(
        _V2_HEADER, datasources_v2(inputs.sources)
    )
    files["provisioning/dashboards/bright-kitchen.yaml"] = _yaml(
        _PROVIDER_HEADER, dashboard_provider(inputs.sources)
    )
    return dict(sorted(files.items()))


def write(files: dict[str, str], out: Path, log: Callable[[str], None] | None = None) -> None:
    """Write the files under `out` (only those; nothing else there is touched)."""
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if log is not None:
            log(str(path))


def load_model(text: str) -> Any:
    """A dashboard JSON back into the SDK's model (InfluxQL targets registered)."""
    from grafana_foundation_sdk.cog.plugins import register_default_plugins
    from grafana_foundation_sdk.models.dashboard import Dashboard

    register_default_plugins()
    influxql.register()
    return Dashboard.from_json(json.loads(text))
