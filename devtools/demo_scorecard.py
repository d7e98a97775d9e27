"""The scorecard of a finished `bk demo` run, read from what the run left in its folder.

Independent of the demo's own counters: the scripted incidents come from the scenario
the simulator ran (moved to the start it printed), the alerts from the rules' alert
store (SQLite, read with plain SQL), the readings from the run's InfluxDB data (a new
server on the same data folder), the clips from the recorder's folder.

- recall: scripted incidents that must alert, matched by an alert of the expected rule
  at the kitchen that fired in the incident's window [at, by] (fired, not started: a
  no-data alert starts at the last reading before the silence), `by` extended by
  GRACE_WALL_S wall seconds of simulated time: the rules judge time-based rules once a
  wall second, which at 240× is 4 simulated minutes;
- false alerts: alerts of the sensor and device rules that answer no scripted incident
  (an alert for a fault that must not alert counts here), camera alerts of the scripted
  cameras (`cam2`, devtools/demo_cameras.py) that answer no scripted incident, and
  violation alerts (rodent, no hat, no mask) of a fleet camera whose scene is the empty
  kitchen (devtools.demo_district.EMPTY_SCENE: nothing there to see). Fleet cameras with
  random scenes have no script to compare with: their alerts are counted apart, with
  their evidence, as are their camera-off alerts (a network outage silences them).
  Alerts firing after the scenario's end are not judged: the simulated agents sign off
  then (offline), as real ones would;
- latency: alert firing minus fault start, simulated minutes (and wall seconds);
- readings lost: the simulator's count of published readings less the distinct
  (device, seq) stored. Sequence gaps (per device, seqs missing between the lowest and
  the highest stored) say where; they are part of that difference, not added to it (the
  first default run counted 96 lost readings, 90 of them in gaps, as 186). A seq stored
  twice (a duplicate point) is counted apart and not as a stored reading.
"""

import json
import re
import sqlite3
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.settings import InfluxSettings
from core.store import open_store
from devtools.demo_cameras import CAMERA
from devtools.demo_cameras import expected_alerts as camera_alerts
from devtools.servers import LocalInfluxDB
from simulators.scenario import load_scenario

CAMERA_RULES = frozenset({"rodent", "no-hat", "no-mask", "camera-off"})
GRACE_WALL_S = 2.0
"""Wall seconds of slack on each deadline (rules tick plus delivery, in simulated time)."""
_START = re.compile(r"simulated start (\S+), ([\d.]+)× the wall clock")
_PUBLISHED = re.compile(r"(\d+) kitchens: (\d+) readings in (\d+) messages")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def _registry_text(workdir: Path) -> str:
    path = workdir / "sites.yaml"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def readings_check(influx_dir: Path, published: int) -> dict[str, Any]:
    """Stored readings against the simulator's: per-device seq gaps and the total."""
    server = LocalInfluxDB(influx_dir)
    server.start()
    try:
        with open_store(InfluxSettings(url=server.url, database="bright_kitchen")) as store:
            rows = store.query(
                "SELECT count(seq) AS n, min(seq) AS lo, max(seq) AS hi FROM reading "
                "GROUP BY site, device"
            )
            distinct = store.query(
                "SELECT count(distinct(seq)) AS d FROM reading GROUP BY site, device"
            )
    finally:
        server.stop()
    stored = sum(int(r.get("n", 0)) for r in rows)
    unique = sum(int(r.get("d", 0)) for r in distinct)
    gaps = 0
    for r in distinct:
        match = next(
            (x for x in rows if (x.get("site"), x.get("device")) == (r["site"], r["device"])),
            None,
        )
        if match is not None:
            gaps += int(match["hi"]) - int(match["lo"]) + 1 - int(r.get("d", 0))
    return {
        "published": published,
        "stored": stored,
        "devices": len(rows),
        "seq_gaps": gaps,
        "duplicates": stored - unique,
        "lost": max(0, published - unique),
    }


def read_alerts(path: Path) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """(id, site, rule, subject, first fired, evidence) of every alert, and step counts.

    When it FIRST fired: an alert closed by its review while its condition still held
    fires again under the same id, and `fired_at` then keeps only the last firing (a
    no-data alert due by 03:30 fired at 03:16, was closed, fired again at 03:56 and was
    scored late and false). Its steps keep every firing, on the source clock.
    """
    db = sqlite3.connect(path)
    try:
        alerts = db.execute(
            "SELECT a.id, a.site, a.rule, a.subject, "
            "coalesce(min(s.ts), a.fired_at, a.started_at), a.evidence FROM alerts a "
            "LEFT JOIN alert_steps s ON s.alert_id = a.id AND s.action = 'fired' "
            "GROUP BY a.id"
        ).fetchall()
        steps = dict(db.execute("SELECT action, count(*) FROM alert_steps GROUP BY action"))
    finally:
        db.close()
    return alerts, steps


def scorecard(workdir: Path) -> dict[str, Any]:
    """Every figure of the scorecard for the run kept in `workdir`."""
    sim_log = (workdir / "logs" / "sim.log").read_text(encoding="utf-8", errors="replace")
    start = _START.search(sim_log)
    done = _PUBLISHED.search(sim_log)
    if start is None or done is None:
        raise RuntimeError(f"{workdir}/logs/sim.log: no start or final line")
    scn = load_scenario(workdir / "scenario.yaml")
    speed = float(start[2])
    placed = scn.shifted(datetime.fromisoformat(start[1]).astimezone(UTC) - scn.start)
    sites = list(scn.sites)
    expected = [(e.site, e.rule, e.subject, e.not_before, e.by) for e in placed.expected_alerts()]
    if f"{CAMERA}:" in _registry_text(workdir):  # the run had scripted cameras
        expected += [
            (c.site, c.rule, CAMERA, c.at, c.by)
            for c in camera_alerts(sites, placed.start, placed.end)
        ]
    grace = timedelta(seconds=GRACE_WALL_S * speed)

    alerts, steps = read_alerts(workdir / "alerts.db")

    matched: set[str] = set()
    latencies: list[float] = []
    missed: list[str] = []
    for site, rule, subject, at, by in expected:
        hit = sorted(
            (_utc(a[4]), a[0])
            for a in alerts
            if a[1] == site
            and a[2] == rule
            and a[3].split("/")[0] == subject.split("/")[0]
            and a[0] not in matched
            and at <= _utc(a[4]) <= by + grace
        )
        if not hit:
            missed.append(f"{site} {rule} {subject} by {by:%H:%M}")
            continue
        matched.add(hit[0][1])
        latencies.append((hit[0][0] - at).total_seconds() / 60)
    empty = {
        (site, cam)
        for site, spec in scn.sites.items()
        for cam, c in spec.cameras.items()
        if c.scene.get("workers") == [] and c.scene.get("rodents") == []
    }

    def judged(a: tuple[Any, ...]) -> bool:
        """Whether the alert has a ground truth to answer to (see the module's note)."""
        camera = a[3].split("/")[0]
        if a[2] not in CAMERA_RULES or camera == CAMERA:
            return True
        return a[2] != "camera-off" and (a[1], camera) in empty

    false = [
        f"{a[1]} {a[2]} {a[3]} at {a[4]}"
        for a in alerts
        if judged(a) and a[0] not in matched and _utc(a[4]) <= placed.end
    ]
    after_end = sum(1 for a in alerts if _utc(a[4]) > placed.end)
    camera = [a for a in alerts if a[2] in CAMERA_RULES and a[0] not in matched and not judged(a)]
    evidence = Counter(
        str(e.get("kind", "picture")) for a in alerts for e in json.loads(a[5] or "[]")
    )
    clips = list((workdir / "var" / "recorder" / "clips").glob("*.mkv"))
    p50, p99 = _quantile(latencies, 0.5), _quantile(latencies, 0.99)
    return {
        "kitchens": len(scn.sites),
        "simulated_hours": scn.duration.total_seconds() / 3600,
        "speed": speed,
        "incidents": len(scn.incidents),
        "must_alert": len(expected),
        "detected": len(expected) - len(missed),
        "recall": (len(expected) - len(missed)) / len(expected) if expected else 1.0,
        "missed": missed,
        "false_alerts": false,
        "alerts_after_end": after_end,
        "latency_min_p50": p50,
        "latency_min_p99": p99,
        "latency_wall_s_p50": None if p50 is None else p50 * 60 / speed,
        "camera_alerts": dict(Counter(a[2] for a in camera)),
        "must_alert_by_rule": dict(Counter(e[1] for e in expected)),
        "camera_alerts_with_evidence": sum(1 for a in camera if json.loads(a[5] or "[]")),
        "evidence_attached": dict(evidence),
        "clips_recorded": len(clips),
        "loop_steps": {k: v for k, v in sorted(steps.items()) if k != "fired"},
        "readings": readings_check(workdir / "influxdb", int(done[2])),
    }


def format_scorecard(card: dict[str, Any]) -> str:
    """The scorecard as the lines the test prints and the README quotes."""
    r = card["readings"]

    def num(v: float | None, unit: str) -> str:
        return "n/a" if v is None else f"{v:.1f} {unit}"

    lines = [
        f"scorecard: {card['kitchens']} kitchens, {card['simulated_hours']:g} simulated h at "
        f"{card['speed']:g}×, {card['incidents']} scripted incidents",
        f"  incidents detected (recall)  {card['detected']}/{card['must_alert']} "
        f"({card['recall']:.0%})" + (f"  missed: {card['missed']}" if card["missed"] else ""),
        f"  false alerts                 {len(card['false_alerts'])}"
        + (f"  {card['false_alerts']}" if card["false_alerts"] else ""),
        f"  alerts after the end         {card['alerts_after_end']} (the fleet signing off; "
        "not judged)",
        f"  alert latency p50 / p99      {num(card['latency_min_p50'], 'min')} / "
        f"{num(card['latency_min_p99'], 'min')} simulated "
        f"({num(card['latency_wall_s_p50'], 's')} wall at p50)",
        f"  readings lost                {r['lost']} (published {r['published']}, stored "
        f"{r['stored']}; of the lost, {r['seq_gaps']} in seq gaps over {r['devices']} "
        f"devices; duplicates {r['duplicates']})",
        f"  scripted, by rule            {card['must_alert_by_rule']}",
        f"  camera alerts (unscripted)   {card['camera_alerts']}, "
        f"{card['camera_alerts_with_evidence']} with evidence",
        f"  evidence attached            {card['evidence_attached']}; clips recorded "
        f"{card['clips_recorded']}",
        f"  loop steps applied           {card['loop_steps']}",
    ]
    return "\n".join(lines)
