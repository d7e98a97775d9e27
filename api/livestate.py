"""A kitchen's live state: device availability, latest sensor readings, open alerts.

Availability comes from InfluxDB's `device_status` (ingest writes every retained status
message there, the Last Will's offline included). Cameras and sensors behind an agent
seldom publish a status of their own, so theirs is derived (`device_states`): an offline
agent takes its devices offline with it; a sensor of an online agent is online while its
readings arrive and offline once they stop; a camera's frames are not in the store, so
it stays unknown unless its agent is offline. Readings come from `reading`; alerts from
the rules service's alert store, read only (the rules worker owns alert state). Either
source may be down: the state then says so (`store_available`, `alerts_available`)
instead of failing, since a supervisor still needs the rest of the page.
"""

import logging
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.models import Device
from api.schemas import AlertPublic, DeviceState, KitchenState, SensorReading
from core.errors import BkError
from core.ids import validate_id
from core.registry import DeviceInfo, DeviceKind, SiteInfo
from core.store import TimeSeriesStore
from rules.alerts import OPEN_STATES
from rules.store import AlertRow

logger = logging.getLogger(__name__)


def _ts(ns: Any) -> datetime:
    return datetime.fromtimestamp(int(ns) / 1e9, UTC)


def _quote(value: str) -> str:
    """An id inside an InfluxQL string literal (ids cannot hold quotes; checked anyway)."""
    return "'" + validate_id(value, "site") + "'"


# Statuses read back per device to find when its current state began. An agent reports
# about once a minute, so 500 statuses reach back over 8 hours of one unbroken state;
# beyond that `since` is the oldest status read ("at least since").
STATUS_DEPTH = 500


def store_state(
    store: TimeSeriesStore, site: str, lookback_s: int
) -> tuple[dict[str, tuple[str, datetime, datetime]], list[SensorReading]]:
    """Device availability and latest readings of one kitchen in ONE InfluxDB request.

    Availability: device → (online|offline, since, last seen) from `device_status`;
    `since` is the first status of the current run (the moment the device came back or
    went away), not its latest heartbeat. Readings: the last value of each sensor.
    """
    where = f"site = {_quote(site)} AND time > now() - {int(lookback_s)}s"
    # Every value spliced into InfluxQL here is an id checked by _quote or an int.
    rows = store.query(
        f"SELECT online FROM device_status WHERE {where} "  # noqa: S608
        f"GROUP BY device ORDER BY time DESC LIMIT {STATUS_DEPTH}; "
        f"SELECT last(value) FROM reading WHERE {where} GROUP BY device, sensor, kind, zone"
    )
    runs: dict[str, list[tuple[datetime, int]]] = {}
    readings = []
    for r in rows:
        if r.get("_measurement") == "device_status" and r.get("online") is not None:
            runs.setdefault(str(r.get("device", "")), []).append((_ts(r["time"]), int(r["online"])))
        elif r.get("_measurement") == "reading" and r.get("last") is not None:
            readings.append(
                SensorReading(
                    device=str(r.get("device", "")),
                    sensor=str(r.get("sensor", "")),
                    kind=r.get("kind") or None,
                    zone=r.get("zone") or None,
                    value=float(r["last"]),
                    ts=_ts(r["time"]),
                )
            )
    states: dict[str, tuple[str, datetime, datetime]] = {}
    for device, seq in runs.items():
        seq.sort(reverse=True)  # newest first
        last_seen, online = seq[0]
        since = last_seen
        for ts, value in seq:
            if value != online:
                break
            since = ts
        states[device] = ("online" if online else "offline", since, last_seen)
    return states, sorted(readings, key=lambda x: (x.device, x.sensor))


def alert_public(row: AlertRow) -> AlertPublic:
    return AlertPublic(
        id=row.id,
        site=row.site,
        rule=row.rule,
        subject=row.subject,
        severity=row.severity,
        state=row.state,
        started_at=row.started_at,
        fired_at=row.fired_at,
        acked_at=row.acked_at,
        acked_by=row.acked_by,
        summary=row.summary,
        value=row.value,
        threshold=row.threshold,
        level=row.level,
        evidence=[str(e.get("sha256", "")) for e in (row.evidence or []) if e.get("sha256")],
    )


def site_alerts(
    session: Session, alerts: Engine, site: str, open_only: bool = True, limit: int = 100
) -> list[AlertPublic]:
    """Alerts of one kitchen, newest first, from the rules service's store.

    When the alert store is the centre database, the request's own session reads it: a
    second connection per request would let the pool run dry under load (every thread
    holding one connection and waiting for another).
    """
    q = select(AlertRow).where(AlertRow.site == site)
    if open_only:
        q = q.where(AlertRow.state.in_([s.value for s in OPEN_STATES]))
    q = q.order_by(AlertRow.started_at.desc(), AlertRow.id).limit(limit)
    if session.get_bind() is alerts:
        return [alert_public(r) for r in session.scalars(q)]
    with Session(alerts) as own:
        return [alert_public(r) for r in own.scalars(q)]


def _owners(devices: list[Device]) -> dict[str, str]:
    """Each device → the device that publishes for it (core.registry's rule, one definition)."""
    infos: dict[str, DeviceInfo] = {}
    for d in devices:
        try:
            infos[d.id] = DeviceInfo.model_validate(d.spec or {"kind": d.kind})
        except ValidationError:
            kind = d.kind if d.kind in {k.value for k in DeviceKind} else DeviceKind.SENSOR
            infos[d.id] = DeviceInfo(kind=DeviceKind(kind))
    # Validated when it was imported; a registry edited since must not break the page.
    site = SiteInfo.model_construct(devices=infos)
    return {device: site.owner(device) for device in infos}


def device_states(
    devices: list[Device],
    own: dict[str, tuple[str, datetime, datetime]],
    readings: list[SensorReading],
    now: datetime,
    silent_s: int,
) -> list[DeviceState]:
    """The state of every registered device (see the module docstring for the rules)."""
    owners = _owners(devices)
    last_reading: dict[str, datetime] = {}
    for r in readings:
        last_reading[r.device] = max(r.ts, last_reading.get(r.device, r.ts))
    out = []
    for d in devices:
        state, since, seen, basis = "unknown", None, None, None
        agent = owners.get(d.id, d.id)
        agent_state = own.get(agent) if agent != d.id else None
        last = last_reading.get(d.id)
        if d.id in own:
            state, since, seen = own[d.id]
            basis = "own"
        elif agent_state is not None and agent_state[0] == "offline":
            state, since, basis = "offline", agent_state[1], "agent"
            seen = last
        elif d.kind == DeviceKind.SENSOR and (last is not None or agent_state is not None):
            seen, basis = last, "readings"
            if last is not None and (now - last).total_seconds() <= silent_s:
                state = "online"
            else:
                # Silent while its agent is online: it stopped after its last reading.
                state, since = "offline", last
        out.append(
            DeviceState(
                id=d.id,
                kind=d.kind,
                name=d.name,
                zone=d.zone,
                state=state,
                since=since,
                last_seen=seen,
                basis=basis,
            )
        )
    return out


def kitchen_state(
    session: Session,
    store: TimeSeriesStore,
    alerts: Engine,
    site: str,
    lookback_s: int,
    silent_s: int = 600,
) -> KitchenState:
    devices = list(session.scalars(select(Device).where(Device.site == site).order_by(Device.id)))
    store_ok = True
    states: dict[str, tuple[str, datetime, datetime]] = {}
    readings: list[SensorReading] = []
    try:
        states, readings = store_state(store, site, lookback_s)
    except BkError as exc:
        logger.warning("live state of %s without InfluxDB: %s", site, exc)
        store_ok = False
    alerts_ok, open_alerts = True, []
    try:
        open_alerts = site_alerts(session, alerts, site)
    except SQLAlchemyError as exc:
        logger.warning("live state of %s without the alert store: %s", site, exc)
        alerts_ok = False
    out = device_states(devices, states, readings, datetime.now(UTC), silent_s)
    return KitchenState(
        site=site,
        devices=out,
        readings=readings,
        open_alerts=open_alerts,
        store_available=store_ok,
        alerts_available=alerts_ok,
    )
