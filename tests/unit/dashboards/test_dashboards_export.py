"""`bk dashboards export`: deterministic files, and deploy/grafana is never stale."""

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from dashboards.cli import DEFAULT_REGISTRY, DEFAULT_RULES, app
from dashboards.common import INFLUX_UID, PROMETHEUS_UID, Options
from dashboards.export import DEPLOY_DIR, Inputs, render
from dashboards.influxql import InfluxQL, InfluxQLQuery, number, select, tag_var
from dashboards.platform import INGEST_METRICS, RULES_METRICS, VISION_METRICS
from rules.config import load_rules

EXPECTED = {
    "dashboards/bk-cold-chain.json",
    "dashboards/bk-district-overview.json",
    "dashboards/bk-kitchen.json",
    "dashboards/bk-platform-health.json",
    "provisioning/dashboards/bright-kitchen.yaml",
    "provisioning/datasources-influxdb2/influxdb-v2-influxql.yaml",
    "provisioning/datasources/influxdb-v1.yaml",
}


def _export(out: Path) -> dict[str, bytes]:
    result = CliRunner().invoke(app, ["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_export_is_byte_stable_across_runs(tmp_path: Path) -> None:
    first = _export(tmp_path / "one")
    second = _export(tmp_path / "two")
    assert set(first) == EXPECTED
    assert first == second


def test_json_is_sorted_and_readable(tmp_path: Path) -> None:
    files = _export(tmp_path)
    for name, data in files.items():
        if name.endswith(".json"):
            text = data.decode()
            assert (
                text
                == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
            )
            assert (
                "区县总览" in text or "厨房详情" in text or "冷链报告" in text or "平台健康" in text
            )


def test_deploy_grafana_is_not_stale() -> None:
    """deploy/grafana holds exactly what `bk dashboards export` writes by default.

    If this fails, run `bk dashboards export` and commit deploy/grafana.
    """
    from core.registry import load_registry

    inputs = Inputs(
        load_rules(DEFAULT_RULES),
        Options(registered_kitchens=len(load_registry(DEFAULT_REGISTRY).sites)),
    )
    for name, text in render(inputs).items():
        path = DEPLOY_DIR / name
        assert path.is_file(), f"{path} missing: run `bk dashboards export`"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} is stale: run `bk dashboards export`"
        )


def test_coverage_only_with_a_registry(exported: dict[str, str]) -> None:
    """Coverage divides by the registry's kitchens; without a registry it is left out."""
    with_registry = json.loads(exported["dashboards/bk-district-overview.json"])
    coverage = [p for p in with_registry["panels"] if p["title"].startswith("接入率")]
    assert len(coverage) == 1
    assert '/ 4 AS "coverage"' in coverage[0]["targets"][0]["query"]
    bare = json.loads(
        render(Inputs(load_rules(DEFAULT_RULES)))["dashboards/bk-district-overview.json"]
    )
    assert not [p for p in bare["panels"] if p["title"].startswith("接入率")]


def test_panel_ids_are_unique(exported: dict[str, str]) -> None:
    for name, text in exported.items():
        if name.endswith(".json"):
            ids = [p["id"] for p in json.loads(text)["panels"]]
            assert len(ids) == len(set(ids)), name


def test_provisioning_datasources() -> None:
    files = render(Inputs(load_rules(DEFAULT_RULES)))
    v1 = yaml.safe_load(files["provisioning/datasources/influxdb-v1.yaml"])
    influx = next(d for d in v1["datasources"] if d["uid"] == INFLUX_UID)
    assert influx["type"] == "influxdb"
    assert influx["jsonData"] == {
        "dbName": "bright_kitchen",
        "httpMode": "POST",
        "timeInterval": "10s",
        "version": "InfluxQL",
    }
    assert any(d["uid"] == PROMETHEUS_UID for d in v1["datasources"])
    v2_text = files["provisioning/datasources-influxdb2/influxdb-v2-influxql.yaml"]
    assert "dbrp create" in v2_text
    v2 = yaml.safe_load(v2_text)
    influx2 = next(d for d in v2["datasources"] if d["uid"] == INFLUX_UID)
    assert influx2["jsonData"]["version"] == "InfluxQL"
    assert influx2["jsonData"]["httpHeaderName1"] == "Authorization"
    assert influx2["secureJsonData"]["httpHeaderValue1"].startswith("Token ")
    provider = yaml.safe_load(files["provisioning/dashboards/bright-kitchen.yaml"])
    assert provider["providers"][0]["type"] == "file"
    assert provider["providers"][0]["folderUid"] == "bright-kitchen"


def test_every_influx_target_uses_the_project_datasource(exported: dict[str, str]) -> None:
    for name, text in exported.items():
        if not name.endswith(".json"):
            continue
        for panel in json.loads(text)["panels"]:
            for t in panel.get("targets", []):
                if "query" in t:
                    assert t["datasource"] == {"type": "influxdb", "uid": INFLUX_UID}
                    assert t["rawQuery"] is True
                    assert t["resultFormat"] in ("time_series", "table")
                else:
                    assert t["datasource"] == {"type": "prometheus", "uid": PROMETHEUS_UID}


# -- the query builder --------------------------------------------------------------------


def test_influxql_target_round_trip() -> None:
    q = InfluxQL('SELECT 1 FROM "x"').ref_id("B").alias("$tag_site").table().build()
    data = q.to_json()
    assert data == {
        "query": 'SELECT 1 FROM "x"',
        "rawQuery": True,
        "resultFormat": "table",
        "alias": "$tag_site",
        "refId": "B",
    }
    assert InfluxQLQuery.from_json(data).to_json() == data


def test_select_renders_influxql() -> None:
    inner = select('last("value")', "reading", where=[tag_var("site")], group_by=["site"])
    outer = select('count("last")', inner, time_filter=False)
    assert str(outer) == (
        'SELECT count("last") FROM (SELECT last("value") FROM "reading"'
        ' WHERE "site" =~ /^$site$/ AND $timeFilter GROUP BY "site")'
    )
    daily = select('mean("v")', "m", interval="1d", fill="none", tz="Asia/Shanghai")
    assert str(daily).endswith("GROUP BY time(1d) fill(none) tz('Asia/Shanghai')")


def test_number_literals() -> None:
    assert number(8.0) == "8"
    assert number(8.000000001) == "8.000000001"
    assert number(-18.000000001) == "(-18.000000001)"
    assert number(-0.0) == "0"


# -- Prometheus metric names ----------------------------------------------------------------


def _exposed(registry: Any) -> set[str]:
    from prometheus_client import generate_latest

    return {
        line.split("{")[0].split(" ")[0]
        for line in generate_latest(registry).decode().splitlines()
        if line and not line.startswith("#")
    }


def test_platform_prometheus_metrics_exist_in_the_services(tmp_path: Path) -> None:
    """Every series the platform dashboard reads is one the services' /metrics expose."""
    from ingest.service import IngestService
    from ingest.settings import IngestSettings
    from vision.service import VisionService
    from vision.settings import VisionSettings

    ingest = IngestService(IngestSettings())
    ingest.stats.rejected["bad_json"] += 1
    ingest.stats.observers[0](0.2)
    try:
        assert [m for m in INGEST_METRICS if m not in _exposed(ingest.health.registry)] == []
    finally:
        ingest.store.close()

    vision = VisionService(VisionSettings())
    vision.stats.rejected["not_jpeg"] += 1
    assert [m for m in VISION_METRICS if m not in _exposed(vision.health.registry)] == []

    from rules.service import RulesSection, RulesService, RulesSettings

    rules = RulesService(
        RulesSettings(
            rules=RulesSection(store_url=f"sqlite:///{tmp_path}/alerts.db", write_influx=False)
        )
    )
    try:
        assert [m for m in RULES_METRICS if m not in _exposed(rules.health.registry)] == []
    finally:
        rules.store.close()

    exported = render(Inputs(load_rules(DEFAULT_RULES)))["dashboards/bk-platform-health.json"]
    for metric in INGEST_METRICS + VISION_METRICS + RULES_METRICS:
        assert metric in exported
