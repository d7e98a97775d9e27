"""Every InfluxQL query of every dashboard against a real InfluxDB 1.6 holding a fleet.

The demo scenario's four kitchens are simulated for four hours ending now (readings
and agent status from `simulators.fleet.simulate`, written with `core.store`'s point
builders), plus detections, alert transitions of every severity and agent heartbeats.
Each panel's, variable's and annotation's query is run with the template variables
filled in as Grafana would, and must return series carrying the tags it groups by, the
columns it names, and rows. The cold-chain report's arithmetic is checked against the
same readings counted in Python, with a kitchen and a device override in force.
"""

import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.schemas import (
    AlertEvent,
    AlertState,
    Box,
    Detection,
    DetectionEvent,
    DeviceState,
    DeviceStatus,
    Severity,
    Telemetry,
)
from core.settings import InfluxSettings
from core.store import alert_point, detection_points, open_store, reading_points, status_point
from dashboards.bands import Band, band
from dashboards.common import Options
from dashboards.export import build_all, to_dict
from devtools.servers import LocalInfluxDB
from rules.config import RuleSet, parse_rule_file, resolve
from simulators.fleet import simulate
from simulators.scenario import load_scenario

REPO = Path(__file__).resolve().parents[3]
HOURS = 4
RULES: dict[str, Any] = {
    "include": ["gb31654"],
    "overrides": [
        {"rule": "frozen-high", "set": {"above": -18}},
        {"rule": "cold-holding-high", "site": "school-0001", "set": {"above": 10}},
        {
            "rule": "cold-holding-high",
            "site": "central-0002",
            "device": "coldroom1",
            "set": {"above": 6.5},
        },
    ],
}


@dataclass
class Fleet:
    influx: LocalInfluxDB
    database: str
    start: datetime
    end: datetime
    sites: list[str]
    readings: list[tuple[str, str, str, str, str, float]]
    """(site, device, sensor, kind, zone, value) of every reading written."""


def _extra_points(sites: list[str], start: datetime) -> list[Any]:
    """Detections, alert transitions of every severity, and agent heartbeats."""
    points: list[Any] = []
    for n, site in enumerate(sites):
        for i in range(12):
            ts = start + timedelta(minutes=20 * i + n)
            event = DetectionEvent(
                site=site,
                camera="cam1",
                ts=ts,
                seq=i,
                width=640,
                height=480,
                model="hygiene-tinygrid@3",
                detections=[
                    Detection(
                        cls=("no_hat", "rodent", "no_mask")[i % 3],
                        score=0.9,
                        box=Box(x1=10.0, y1=10.0, x2=50.0, y2=80.0),
                    )
                ],
            )
            points += detection_points(event)
        for k, sev in enumerate(Severity):
            alert_id = f"{n:02x}{k:02x}" + "a" * 28
            fired = start + timedelta(minutes=30 + 10 * k + n)
            for state, at in (
                (AlertState.FIRING, fired),
                (AlertState.RESOLVED, fired + timedelta(minutes=5)),
            ):
                if state is AlertState.RESOLVED and sev is Severity.CRITICAL and n > 0:
                    continue  # the critical one stays open, except at the first kitchen
                points.append(
                    alert_point(
                        AlertEvent(
                            id=alert_id,
                            fingerprint=f"{n:02x}{k:02x}ffff",
                            site=site,
                            rule="cold-holding-high",
                            subject="coldroom1/t1",
                            severity=sev,
                            state=state,
                            ts=at,
                            started_at=fired,
                            summary=f"冷藏温度超限 {sev.value}",
                            value=9.5,
                        )
                    )
                )
        for i in range(HOURS * 6):
            points.append(
                status_point(
                    DeviceStatus(
                        site=site,
                        device="edge1",
                        state=DeviceState.ONLINE,
                        ts=start + timedelta(minutes=10 * i),
                        uptime_s=600.0 * i,
                        buffer_depth=i % 4,
                        buffer_dropped=0,
                        dropped_frames=i % 2,
                    )
                )
            )
    return points


@pytest.fixture(scope="module")
def fleet(influxdb: LocalInfluxDB) -> Iterator[Fleet]:
    """Four kitchens, four hours ending now, in a database of their own."""
    database = f"dash_{uuid.uuid4().hex[:10]}"
    influxdb.create_database(database)
    scenario = load_scenario(REPO / "simulators" / "scenarios" / "demo.yaml")
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    start = end - timedelta(hours=HOURS)
    scenario = scenario.shifted(start - scenario.start)
    readings: list[tuple[str, str, str, str, str, float]] = []
    batch: list[Any] = []
    store = open_store(InfluxSettings(kind="v1", url=influxdb.url, database=database))
    with store:
        for msg in simulate(scenario, until=end, step_s=60.0):
            if isinstance(msg, Telemetry):
                batch += reading_points(msg)
                readings += [
                    (msg.site, msg.device, r.sensor, r.kind.value, r.zone or "", r.value)
                    for r in msg.readings
                ]
            elif isinstance(msg, DeviceStatus):
                batch.append(status_point(msg))
            if len(batch) >= 5000:
                store.write(batch)
                batch = []
        sites = sorted(scenario.sites)
        store.write(batch + _extra_points(sites, start))
    yield Fleet(influxdb, database, start, end + timedelta(minutes=1), sites, readings)
    httpx.post(f"{influxdb.url}/query", data={"q": f'DROP DATABASE "{database}"'}, timeout=30)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    """GB 31654 with the −18 °C freezer option, a kitchen and a device override."""
    return resolve(parse_rule_file(RULES))


@pytest.fixture(scope="module")
def models(rules: RuleSet) -> dict[str, dict[str, Any]]:
    """The four dashboards, built with those rules."""
    out = {}
    for d in build_all_with(rules):
        model = to_dict(d)
        out[model["uid"]] = model
    return out


def build_all_with(rules: RuleSet) -> list[Any]:
    from dashboards.export import Inputs

    return build_all(Inputs(rules, Options(registered_kitchens=4)))


# -- running queries as Grafana would -----------------------------------------------------


def _ms(ts: datetime) -> str:
    return f"{int(ts.timestamp() * 1000)}ms"


def fill(query: str, fleet: Fleet, variables: dict[str, str]) -> str:
    """Substitute Grafana's macros and template variables (All = `.*`)."""
    text = query.replace("$timeFilter", f"time >= {_ms(fleet.start)} and time <= {_ms(fleet.end)}")
    text = text.replace("$__interval", "1m")
    for name in sorted(variables, key=len, reverse=True):
        text = text.replace(f"${name}", variables[name])
    assert not re.search(r"\$(?!tag_)\w", text), f"unfilled variable in {text}"
    return text


def run(fleet: Fleet, query: str) -> list[dict[str, Any]]:
    r = httpx.post(f"{fleet.influx.url}/query", data={"db": fleet.database, "q": query}, timeout=60)
    assert r.status_code == 200, f"{r.status_code} {r.text}: {query}"
    results = r.json()["results"]
    assert len(results) == 1
    assert "error" not in results[0], f"{results[0].get('error')}: {query}"
    series: list[dict[str, Any]] = results[0].get("series", [])
    return series


def _top_level(query: str) -> str:
    """The query with everything inside parentheses removed (the outer statement)."""
    out, depth = [], 0
    for ch in query:
        if ch == "(":
            depth += 1
            if depth == 1:
                out.append(ch)
            continue
        if ch == ")":
            depth -= 1
        if depth == 0:
            out.append(ch)
    return "".join(out)


def expected_shape(query: str) -> tuple[set[str], set[str]]:
    """Tags the outer statement groups by and columns it names (`AS "x"`)."""
    top = _top_level(query)
    m = re.search(r"GROUP BY (.+?)(?: fill\(\)| ORDER BY| LIMIT| tz\(\)|$)", top)
    tags = set(re.findall(r'"([^"]+)"', m.group(1))) if m else set()
    select_part = top.split(" FROM ")[0]
    columns = set(re.findall(r'AS "([^"]+)"', select_part))
    return tags, columns


def targets(model: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for panel in model["panels"]:
        for t in panel.get("targets", []):
            if "query" in t:
                yield panel["title"], t
    for anno in model.get("annotations", {}).get("list", []):
        target = anno.get("target", {})
        if "query" in target:
            yield f"annotation {anno['name']}", target


ALL = {"district": ".*", "street": ".*", "grid": ".*", "category": ".*", "site": ".*"}


def has_readings(fleet: Fleet, query: str) -> bool:
    """Whether any written reading matches the query's fixed zone/site/device equalities
    (a kitchen or device override names a device that may not serve this zone)."""
    if '"reading"' not in query:
        return True
    want = dict(re.findall(r'"(zone|site|device)" = \'([^\']+)\'', query))
    return any(
        want.get("site", site) == site
        and want.get("device", device) == device
        and want.get("zone", zone) == zone
        for site, device, _sensor, _kind, zone, _v in fleet.readings
    )


def check_target(
    fleet: Fleet, title: str, target: dict[str, Any], variables: dict[str, str]
) -> list[dict[str, Any]]:
    query = fill(target["query"], fleet, variables)
    series = run(fleet, query)
    if not has_readings(fleet, query):
        assert series == [], f"{title}: rows where no reading matches: {query}"
        return series
    assert series, f"{title}: no rows for {query}"
    tags, columns = expected_shape(target["query"])
    for alias_tag in re.findall(r"\$tag_(\w+)", target.get("alias", "")):
        assert alias_tag in tags, (
            f"{title}: alias names ${alias_tag} but the query does not group by it"
        )
    for s in series:
        assert set(s.get("tags", {})) == tags, f"{title}: tags {s.get('tags')} != {tags}"
        assert columns <= set(s["columns"]), f"{title}: columns {s['columns']} lack {columns}"
        assert s["values"], f"{title}: empty series"
    return series


# -- tests ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_overview_queries_return_every_kitchen(
    fleet: Fleet, models: dict[str, dict[str, Any]]
) -> None:
    model = models["bk-district-overview"]
    seen_sites: set[str] = set()
    n = 0
    for title, target in targets(model):
        series = check_target(fleet, title, target, ALL)
        for s in series:
            if "site" in s.get("tags", {}):
                seen_sites.add(s["tags"]["site"])
        n += 1
    assert n >= 10
    assert seen_sites == set(fleet.sites)
    # Kitchens reporting = all four; online rate 1 (every agent's last status is online).
    reporting = next(t for title, t in targets(model) if title.startswith("上报厨房"))
    assert run(fleet, fill(reporting["query"], fleet, ALL))[0]["values"][0][1] == 4
    coverage = next(t for title, t in targets(model) if title.startswith("接入率"))
    assert run(fleet, fill(coverage["query"], fleet, ALL))[0]["values"][0][1] == 1.0


@pytest.mark.slow
def test_overview_variables(fleet: Fleet, models: dict[str, dict[str, Any]]) -> None:
    """`site` lists the fleet; district, street, grid and category are registry tags
    the points do not carry yet, so their variables are empty and All still matches."""
    variables = {v["name"]: v for v in models["bk-district-overview"]["templating"]["list"]}
    assert list(variables) == ["district", "street", "grid", "category", "site"]
    for name, var in variables.items():
        series = run(fleet, fill(var["query"], fleet, ALL))
        values = {v[1] for s in series for v in s["values"]}
        if name == "site":
            assert values == set(fleet.sites)
        else:
            assert values == set(), f"{name} is a tag now: turn this into a real check"
    # Selecting one kitchen narrows every per-kitchen panel to it.
    one = {**ALL, "site": "delivery-0003"}
    status = next(
        t for title, t in targets(models["bk-district-overview"]) if title.startswith("厨房状态")
    )
    series = run(fleet, fill(status["query"], fleet, one))
    assert {s["tags"]["site"] for s in series} == {"delivery-0003"}


@pytest.mark.slow
def test_open_alerts_by_severity(fleet: Fleet, models: dict[str, dict[str, Any]]) -> None:
    """firing − resolved per severity: the critical alert stays open but at one kitchen."""
    model = models["bk-district-overview"]
    status = next(p for p in model["panels"] if p["title"] == "厨房状态 Kitchens")
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for t in status["targets"][2:]:
        for s in run(fleet, fill(t["query"], fleet, ALL)):
            name = s["columns"][1]
            counts[s["tags"]["site"]][name] = s["values"][0][1]
    for site in fleet.sites:
        c = counts[site]
        assert c["critical_firing"] - c.get("critical_resolved", 0) == (
            0 if site == fleet.sites[0] else 1
        )
        assert c["warning_firing"] - c["warning_resolved"] == 0
        assert c["info_firing"] - c["info_resolved"] == 0


@pytest.mark.slow
def test_kitchen_queries_for_one_kitchen(fleet: Fleet, models: dict[str, dict[str, Any]]) -> None:
    model = models["bk-kitchen"]
    variables = {"site": "school-0001"}
    titles = []
    for title, target in targets(model):
        for s in check_target(fleet, title, target, variables):
            if "site" in s.get("tags", {}):
                assert s["tags"]["site"] == "school-0001"
        titles.append(title)
    assert len(titles) >= 12
    assert any(t.startswith("annotation") for t in titles)
    var = model["templating"]["list"][0]
    values = {v[1] for s in run(fleet, fill(var["query"], fleet, variables)) for v in s["values"]}
    assert values == set(fleet.sites)


@pytest.mark.slow
def test_kitchen_temperature_series_by_zone(
    fleet: Fleet, models: dict[str, dict[str, Any]]
) -> None:
    """Each zone panel shows exactly that zone's sensors of the kitchen."""
    expected: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for site, device, sensor, kind, zone, _v in fleet.readings:
        if site == "central-0002" and kind == "temperature":
            expected[zone].add((device, sensor))
    for panel in models["bk-kitchen"]["panels"]:
        m = re.search(r"\((\w+)\)$", panel.get("title", ""))
        if not m or panel["type"] != "timeseries":
            continue
        zone = m.group(1)
        series = run(fleet, fill(panel["targets"][0]["query"], fleet, {"site": "central-0002"}))
        got = {(s["tags"]["device"], s["tags"]["sensor"]) for s in series}
        assert got == expected[zone], zone


def _in_band(b: Band, v: float) -> bool:
    return (b.low is None or v >= b.low) and (b.high is None or v <= b.high)


@pytest.mark.slow
def test_cold_chain_time_in_range_matches_the_readings(
    fleet: Fleet, models: dict[str, dict[str, Any]], rules: RuleSet
) -> None:
    """The SQL-free arithmetic equals counting readings inside each scope's band."""
    model = models["bk-cold-chain"]
    for panel in model["panels"]:
        m = re.match(r"达标率 Time in range \((\w+)\)", panel.get("title", ""))
        if not m:
            continue
        zone = m.group(1)
        expected: dict[tuple[str, str, str], list[bool]] = defaultdict(list)
        for site, device, sensor, kind, z, v in fleet.readings:
            if kind == "temperature" and z == zone:
                expected[(site, device, sensor)].append(
                    _in_band(band(rules, zone, site, device), v)
                )
        got: dict[tuple[str, str, str], float] = {}
        for target in panel["targets"]:
            for s in check_target(fleet, panel["title"], target, {"site": ".*"}):
                key = (s["tags"]["site"], s["tags"]["device"], s["tags"]["sensor"])
                assert key not in got, f"{key} counted by two scopes"
                row = dict(zip(s["columns"], s["values"][0], strict=True))
                got[key] = row["time_in_range"]
                assert row["readings"] == len(expected[key])
        assert set(got) == set(expected), zone
        for key, flags in expected.items():
            assert got[key] == pytest.approx(sum(flags) / len(flags), abs=1e-12), (zone, key)
    # The incidents make the check bite: the school's cold room (door open from 02:00)
    # left its band for part of the period; the others stayed inside.
    cold = _fractions(fleet, rules, "cold_room")
    assert cold[("school-0001", "coldroom1", "t1")] < 1.0
    assert cold[("restaurant-0004", "coldroom1", "t1")] == 1.0


def _fractions(fleet: Fleet, rules: RuleSet, zone: str) -> dict[tuple[str, str, str], float]:
    flags: dict[tuple[str, str, str], list[bool]] = defaultdict(list)
    for site, device, sensor, kind, z, v in fleet.readings:
        if kind == "temperature" and z == zone:
            flags[(site, device, sensor)].append(_in_band(band(rules, zone, site, device), v))
    return {k: sum(f) / len(f) for k, f in flags.items()}


@pytest.mark.slow
def test_cold_chain_daily_and_platform_queries(
    fleet: Fleet, models: dict[str, dict[str, Any]]
) -> None:
    n = 0
    for uid in ("bk-cold-chain", "bk-platform-health"):
        for title, target in targets(models[uid]):
            check_target(fleet, title, target, {"site": ".*"})
            n += 1
    assert n >= 10
