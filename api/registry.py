"""The registry in the database, and its YAML form for people who keep it in git.

The YAML file extends the site registry of core/registry.py (which ingest and
`bk provision` read) without changing it: its `sites:` section *is* a core site
registry, validated by core's own model, so `deploy/sites.example.yaml` imports as it
is and an exported file still loads with `core.registry.load_registry`. Two sections
are added: `districts:` (districts → streets → grids, nested) and `kitchens:` (per
site: grid, licence, address, contacts, working hours, public id, and the category
when core's list lacks it, e.g. elder-care canteens)::

    districts:
      haidian:
        name: 海淀区
        streets:
          zgc: {name: 中关村街道, grids: {zgc-01: {name: 第一网格}}}
    sites:            # core.registry format
      school-001: {name: 第一实验小学食堂, district: haidian, devices: {agent: {kind: agent}}}
    kitchens:
      school-001: {grid: zgc-01, licence_no: JY11108000000001, licence_expiry: 2027-06-30}

Import adds and updates; it never deletes a kitchen missing from the file (a deleted
line must not silently drop a kitchen's history), but a kitchen's device list is the
file's.
"""

import secrets
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Device, District, Grid, Kitchen, KitchenCategory, Street
from api.schemas import Contact, WorkingHours
from core.errors import ConfigError, PayloadError
from core.ids import Id, validate_id
from core.registry import SiteCategory, SiteInfo, SiteRegistry
from core.settings import format_validation_error, read_yaml_mapping


class GridSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=200, description="网格 name")


class StreetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=200, description="街道/镇 name")
    grids: dict[Id, GridSpec] = Field(default_factory=dict, description="Grids of the street")


class DistrictSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=200, description="区 name")
    streets: dict[Id, StreetSpec] = Field(default_factory=dict, description="Streets/towns")


class KitchenExtra(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grid: Id | None = Field(default=None, description="Grid id (its district must match)")
    category: KitchenCategory | None = Field(default=None, description="Overrides sites' one")
    licence_no: str = Field(default="", max_length=64, description="食品经营许可证编号")
    licence_expiry: date | None = Field(default=None, description="Licence valid until")
    address: str = Field(default="", max_length=300, description="Street address")
    contacts: list[Contact] = Field(default_factory=list, max_length=20)
    working_hours: list[WorkingHours] = Field(default_factory=list, max_length=14)
    public_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_-]{16,32}$", description="Public page id (kept)"
    )


class CentreRegistry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    districts: dict[Id, DistrictSpec] = Field(default_factory=dict)
    sites: SiteRegistry = Field(default_factory=SiteRegistry)
    kitchens: dict[Id, KitchenExtra] = Field(default_factory=dict)


def new_public_id() -> str:
    """A public page id: 128 random bits, so nobody can list kitchens by guessing."""
    return secrets.token_urlsafe(16)


def load_file(path: Path) -> CentreRegistry:
    data = read_yaml_mapping(path, "registry")
    if "sites" in data:
        data = {**data, "sites": {"sites": data["sites"] or {}}}
    try:
        reg = CentreRegistry.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, f"registry {path}")) from exc
    unknown = sorted(set(reg.kitchens) - set(reg.sites.sites))
    if unknown:
        raise ConfigError(f"registry {path}: kitchens without a site entry: {', '.join(unknown)}")
    return reg


def import_registry(session: Session, reg: CentreRegistry) -> dict[str, int]:
    """Add or update everything in `reg`; one transaction (all or nothing). Returns counts."""
    counts = {"districts": 0, "streets": 0, "grids": 0, "kitchens": 0, "devices": 0}
    for did, dspec in reg.districts.items():
        _upsert(session, District, did, name=dspec.name)
        counts["districts"] += 1
        for sid, sspec in dspec.streets.items():
            _upsert(session, Street, sid, district_id=did, name=sspec.name)
            counts["streets"] += 1
            for gid, gspec in sspec.grids.items():
                _upsert(session, Grid, gid, street_id=sid, district_id=did, name=gspec.name)
                counts["grids"] += 1
    session.flush()
    now = datetime.now(UTC)
    for site, info in reg.sites.sites.items():
        extra = reg.kitchens.get(site, KitchenExtra())
        spec = info.model_dump(mode="json", exclude={"devices"})
        district_id: str | None = info.district or None
        grid_id = extra.grid
        if grid_id is not None:
            grid = session.get(Grid, grid_id)
            if grid is None:
                raise ConfigError(f"kitchen {site}: no grid {grid_id}")
            if district_id is not None and district_id != grid.district_id:
                raise ConfigError(
                    f"kitchen {site}: grid {grid_id} is in district {grid.district_id}, "
                    f"not {district_id}"
                )
            district_id = grid.district_id
        if district_id is not None:
            try:
                validate_id(district_id, "district")
            except PayloadError as exc:
                raise ConfigError(f"kitchen {site}: district {district_id!r}: {exc}") from exc
            if session.get(District, district_id) is None:
                session.add(District(id=district_id, name=district_id))
                session.flush()
        try:
            ZoneInfo(info.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"kitchen {site}: unknown time zone {info.timezone!r}") from exc
        kitchen = session.get(Kitchen, site)
        if kitchen is None:
            kitchen = Kitchen(id=site, created_at=now, public_id=extra.public_id or new_public_id())
            session.add(kitchen)
        elif extra.public_id:
            kitchen.public_id = extra.public_id
        kitchen.name = info.name
        kitchen.category = (extra.category or KitchenCategory(info.category.value)).value
        kitchen.district_id = district_id
        kitchen.grid_id = grid_id
        kitchen.licence_no = extra.licence_no
        kitchen.licence_expiry = extra.licence_expiry
        kitchen.address = extra.address
        kitchen.contacts = [c.model_dump() for c in extra.contacts]
        kitchen.working_hours = [w.model_dump() for w in extra.working_hours]
        kitchen.timezone = info.timezone
        kitchen.spec = {k: v for k, v in spec.items() if k not in _SITE_COLUMNS}
        session.flush()
        counts["devices"] += sync_devices(session, site, info)
        counts["kitchens"] += 1
    session.commit()
    return counts


_SITE_COLUMNS = ("name", "category", "district", "timezone")


def sync_devices(session: Session, site: str, info: SiteInfo) -> int:
    """Make the kitchen's device rows those of `info` (a core registry entry); flushes."""
    old = {d.id: d for d in session.scalars(select(Device).where(Device.site == site))}
    for dev_id, dev in info.devices.items():
        devspec = dev.model_dump(mode="json")
        row = old.pop(dev_id, None) or Device(site=site, id=dev_id)
        row.kind = str(devspec.get("kind", "sensor"))
        row.name = str(devspec.get("name", ""))
        row.zone = devspec.get("zone")
        row.spec = devspec
        session.add(row)
    for gone in old.values():
        session.delete(gone)
    session.flush()
    return len(info.devices)


def site_info(kitchen: Kitchen) -> SiteInfo:
    """The core registry entry of a kitchen as the centre database has it."""
    core_categories = {c.value for c in SiteCategory}
    data: dict[str, Any] = dict(kitchen.spec or {})
    data.update(name=kitchen.name, district=kitchen.district_id or "", timezone=kitchen.timezone)
    if kitchen.category in core_categories:
        data["category"] = kitchen.category
    data["devices"] = {d.id: dict(d.spec or {"kind": d.kind}) for d in kitchen.devices}
    return SiteInfo.model_validate(data)


def _upsert(session: Session, model: Any, key: str, **values: Any) -> None:
    row = session.get(model, key)
    if row is None:
        session.add(model(id=key, **values))
    else:
        for k, v in values.items():
            setattr(row, k, v)


def export_registry(session: Session) -> dict[str, Any]:
    """The whole registry in the YAML form above (its `sites:` loads in core.registry)."""
    districts: dict[str, Any] = {}
    for d in session.scalars(select(District).order_by(District.id)):
        districts[d.id] = {"name": d.name, "streets": {}}
    for s in session.scalars(select(Street).order_by(Street.id)):
        districts[s.district_id]["streets"][s.id] = {"name": s.name, "grids": {}}
    for g in session.scalars(select(Grid).order_by(Grid.id)):
        districts[g.district_id]["streets"][g.street_id]["grids"][g.id] = {"name": g.name}
    core_categories = {c.value for c in SiteCategory}
    sites: dict[str, Any] = {}
    kitchens: dict[str, Any] = {}
    for k in session.scalars(select(Kitchen).order_by(Kitchen.id)):
        site: dict[str, Any] = dict(k.spec or {})
        site.update(name=k.name, district=k.district_id or "", timezone=k.timezone)
        extra: dict[str, Any] = {}
        if k.category in core_categories:
            site["category"] = k.category
        else:
            extra["category"] = k.category
        site["devices"] = {d.id: dict(d.spec or {"kind": d.kind}) for d in k.devices}
        sites[k.id] = site
        extra.update(
            grid=k.grid_id,
            licence_no=k.licence_no,
            licence_expiry=k.licence_expiry.isoformat() if k.licence_expiry else None,
            address=k.address,
            contacts=k.contacts,
            working_hours=k.working_hours,
            public_id=k.public_id,
        )
        kitchens[k.id] = {key: v for key, v in extra.items() if v not in (None, "", [])}
    SiteRegistry.model_validate({"sites": sites})  # what we write, core must read
    return {"districts": districts, "sites": sites, "kitchens": kitchens}


def dump_yaml(data: dict[str, Any]) -> str:
    head = (
        "# Bright Kitchen registry (bk registry export). `sites:` is core/registry.py's format.\n"
    )
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
