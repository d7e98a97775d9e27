"""Thresholds in the dashboards are the rule set's values, per kitchen and device too."""

import json
from typing import Any

import pytest

from dashboards.bands import Band, band, band_zones
from dashboards.coldchain import cold_chain_report
from dashboards.common import Options
from dashboards.export import to_dict
from dashboards.kitchen import kitchen_detail
from rules.config import RuleSet, load_pack, parse_rule_file, resolve
from rules.model import BelowRule, ThresholdRule

OVERRIDES: dict[str, Any] = {
    "include": ["gb31654"],
    "overrides": [
        {"rule": "frozen-high", "set": {"above": -18}},
        {"rule": "cold-holding-high", "site": "school-0001", "set": {"above": 10}},
        {"rule": "cold-holding-low", "site": "school-0001", "disabled": True},
        {
            "rule": "cold-holding-high",
            "site": "central-0002",
            "device": "coldroom1",
            "set": {"above": 6.5},
        },
    ],
}


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    """GB 31654 with an everywhere, a kitchen and a device override."""
    return resolve(parse_rule_file(OVERRIDES))


def _pack_value(rule_id: str) -> float:
    rule = next(r for r in load_pack("gb31654").rules if r.id == rule_id)
    assert isinstance(rule, ThresholdRule | BelowRule)
    return rule.above if isinstance(rule, ThresholdRule) else rule.below


def _panel(model: dict[str, Any], zone: str) -> dict[str, Any]:
    return next(p for p in model["panels"] if p.get("title", "").endswith(f"({zone})"))


def _steps(thresholds: dict[str, Any]) -> list[tuple[float | None, str]]:
    return [(s["value"], s["color"]) for s in thresholds["steps"]]


def test_zones_come_from_the_rules(rules: RuleSet) -> None:
    assert band_zones(rules) == ["cold_room", "sample_fridge", "freezer", "hot_holding"]


def test_default_bands_are_the_pack_values(rules: RuleSet) -> None:
    model = to_dict(kitchen_detail(rules, Options()))
    cold = _steps(_panel(model, "cold_room")["fieldConfig"]["defaults"]["thresholds"])
    assert cold == [
        (None, "red"),
        (_pack_value("cold-holding-low"), "green"),
        (_pack_value("cold-holding-high"), "red"),
    ]
    hot = _steps(_panel(model, "hot_holding")["fieldConfig"]["defaults"]["thresholds"])
    assert hot == [(None, "red"), (_pack_value("hot-holding-low"), "green")]
    # The everywhere override (−18 °C option) replaces the pack's −12 °C.
    freezer = _steps(_panel(model, "freezer")["fieldConfig"]["defaults"]["thresholds"])
    assert _pack_value("frozen-high") == -12.0
    assert freezer == [(None, "green"), (-18.0, "red")]


def test_kitchen_and_device_overrides_become_field_overrides(rules: RuleSet) -> None:
    model = to_dict(kitchen_detail(rules, Options()))
    overrides = _panel(model, "cold_room")["fieldConfig"]["overrides"]
    by_pattern = {
        o["matcher"]["options"]: _steps(o["properties"][0]["value"])
        for o in overrides
        if o["matcher"]["id"] == "byRegexp"
    }
    school = rules.for_device(_rule(rules, "cold-holding-high"), "school-0001", None)
    assert isinstance(school, ThresholdRule) and school.above == 10
    assert by_pattern == {
        # low limit disabled at this kitchen: green up to its own high limit
        "^school-0001/.*$": [(None, "green"), (10.0, "red")],
        "^central-0002/coldroom1/.*$": [(None, "red"), (0.0, "green"), (6.5, "red")],
    }
    # The series name the regexps match is the panel's alias: site/device/sensor.
    assert _panel(model, "cold_room")["targets"][0]["alias"] == "$tag_site/$tag_device/$tag_sensor"
    # Other zones have no override at these kitchens.
    assert _panel(model, "freezer")["fieldConfig"]["overrides"] == []


def _rule(rules: RuleSet, rule_id: str) -> ThresholdRule:
    r = next(r for r in rules.rules if r.id == rule_id)
    assert isinstance(r, ThresholdRule)
    return r


def test_band_function_follows_the_rules(rules: RuleSet) -> None:
    assert band(rules, "cold_room") == Band(0.0, 8.0, "cold-holding-low", "cold-holding-high")
    assert band(rules, "cold_room", "school-0001") == Band(None, 10.0, None, "cold-holding-high")
    assert band(rules, "cold_room", "central-0002", "coldroom1").high == 6.5
    assert band(rules, "cold_room", "central-0002", "freezer1").high == 8.0
    assert band(rules, "sample_fridge", "school-0001") == Band(
        None, 10.0, None, "cold-holding-high"
    )


def test_cold_chain_queries_split_by_the_same_scopes(rules: RuleSet) -> None:
    model = to_dict(cold_chain_report(rules, Options()))
    table = next(p for p in model["panels"] if p.get("title") == "达标率 Time in range (cold_room)")
    queries = [t["query"] for t in table["targets"]]
    assert len(queries) == 3
    default, school, device = queries
    assert '"site" !~ /^(school-0001)$/' in default
    assert "(\"site\" != 'central-0002' OR \"device\" != 'coldroom1')" in default
    assert '"value" * 0 + 0 AS "low"' in default and '"value" * 0 + 8 AS "high"' in default
    assert "\"site\" = 'school-0001'" in school and '"value" * 0 + 10 AS "high"' in school
    assert 'AS "low"' not in school
    assert "\"device\" = 'coldroom1'" in device and '"value" * 0 + 6.5 AS "high"' in device


def test_exported_demo_freezer_band(exported: dict[str, str]) -> None:
    """The committed demo export carries the demo rule file's −18 °C freezer limit."""
    model = json.loads(exported["dashboards/bk-kitchen.json"])
    steps = _steps(_panel(model, "freezer")["fieldConfig"]["defaults"]["thresholds"])
    assert steps == [(None, "green"), (-18.0, "red")]
