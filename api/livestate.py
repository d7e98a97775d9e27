"""A kitchen's live state: device availability, latest sensor readings, open alerts.

Availability comes from InfluxDB's `device_status` (ingest writes every retained status
message there, the Last Will's offline included); readings from `reading`; alerts from
the rules service's alert store, read only (the rules worker owns alert state). Either
source may be down: the state then says so (`store_available`, `alerts_available`)
instead of failing, since a supervisor still needs the rest of the page.
"""

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.models import Device
from api.schemas import AlertPublic, DeviceState, KitchenState, SensorReading
from core.errors import BkError
from core.ids import validate_id
from core.store import TimeSeriesStore
from rules.alerts import OPEN_STATES
from rules.store import AlertRow

logger = logging.getLogger(__name__)


def _ts(ns: Any) -> datetime:
    return datetime.fromtimestamp(int(ns) / 1e9, UTC)


def _quote(value: str) -> str:
    """An id inside an InfluxQL string literal (ids cannot hold quotes; checked anyway)."""
    return "'" + validate_id(value, "site") + "'"


def device_states(store: TimeSeriesStore, site: str) -> dict[str, tuple[str, datetime, datetime]]:
    """device → (online|offline, since, last seen) from `device_status`.

    `since` is the first status of the current state after the last status of the other
    state: the moment the device came back (or went away), not its latest heartbeat.
    """
    where = f"site = {_quote(site)}"
    # Every value spliced into InfluxQL here is an id checked by _quote or an int.
    last = store.query(f"SELECT last(online) FROM device_status WHERE {where} GROUP BY device")  # noqa: S608
    out: dict[str, tuple[str, datetime, datetime]] = {}
    for row in last:
        device, online = str(row.get("device", "")), int(row.get("last") or 0)
        seen = _ts(row["time"])
        other = 0 if online else 1
        flip = store.query(
            f"SELECT last(online) FROM device_status WHERE {where} "  # noqa: S608
            f"AND device = {_quote(device)} AND online = {other}"
        )
        dev = _quote(device)
        since_q = f"SELECT first(online) FROM device_status WHERE {where} AND device = {dev}"  # noqa: S608
        if flip:
            since_q += f" AND time > {int(flip[0]['time'])}"
        first = store.query(since_q)
        since = _ts(first[0]["time"]) if first else seen
        out[device] = ("online" if online else "offline", since, seen)
    return out


def latest_readings(store: TimeSeriesStore, site: str, lookback_s: int) -> list[SensorReading]:
    rows = store.query(
        f"SELECT last(value) FROM reading WHERE site = {_quote(site)} "  # noqa: S608
        f"AND time > now() - {int(lookback_s)}s GROUP BY device, sensor, kind, zone"
    )
    out = [
        SensorReading(
            device=str(r.get("device", "")),
            sensor=str(r.get("sensor", "")),
            kind=r.get("kind") or None,
            zone=r.get("zone") or None,
            value=float(r["last"]),
            ts=_ts(r["time"]),
        )
        for r in rows
        if r.get("last") is not None
    ]
    return sorted(out, key=lambda x: (x.device, x.sensor))


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
    engine: Engine, site: str, open_only: bool = True, limit: int = 100
) -> list[AlertPublic]:
    """Alerts of one kitchen, newest first, from the rules service's store."""
    q = select(AlertRow).where(AlertRow.site == site)
    if open_only:
        q = q.where(AlertRow.state.in_([s.value for s in OPEN_STATES]))
    q = q.order_by(AlertRow.started_at.desc(), AlertRow.id).limit(limit)
    with Session(engine) as s:
        return [alert_public(r) for r in s.scalars(q)]


def kitchen_state(
    session: Session, store: TimeSeriesStore, alerts: Engine, site: str, lookback_s: int
) -> KitchenState:
    devices = list(session.scalars(select(Device).where(Device.site == site).order_by(Device.id)))
    store_ok, states, readings = True, {}, []
    try:
        states = device_states(store, site)
        readings = latest_readings(store, site, lookback_s)
    except BkError as exc:
        logger.warning("live state of %s without InfluxDB: %s", site, exc)
        store_ok = False
    alerts_ok, open_alerts = True, []
    try:
        open_alerts = site_alerts(alerts, site)
    except SQLAlchemyError as exc:
        logger.warning("live state of %s without the alert store: %s", site, exc)
        alerts_ok = False
    out = []
    for d in devices:
        st = states.get(d.id)
        out.append(
            DeviceState(
                id=d.id,
                kind=d.kind,
                name=d.name,
                zone=d.zone,
                state=st[0] if st else "unknown",
                since=st[1] if st else None,
                last_seen=st[2] if st else None,
            )
        )
    return KitchenState(
        site=site,
        devices=out,
        readings=readings,
        open_alerts=open_alerts,
        store_available=store_ok,
        alerts_available=alerts_ok,
    )
