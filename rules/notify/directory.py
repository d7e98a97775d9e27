"""Who and where a notice is about: kitchen and device names, time zone, language, grid.

Notices name things the way a canteen manager does (第一实验小学食堂, 冷库1), not by id,
so the rules service reads the site registry. It accepts both shapes that exist:

- the core site registry (`core.registry`: `sites:` only), which ingest and
  `bk provision` read, and
- the centre registry the API imports and exports (`bk api registry export`): the same
  `sites:` section plus `districts:` (districts → streets → grids, with names) and
  `kitchens:` (per site, its `grid`). Only those documented fields are read here, so
  the rules service needs neither the API nor its database.

A kitchen missing from the registry (or no registry at all) is still notified: by its
id, in the default language and time zone.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.registry import SiteRegistry
from core.settings import format_validation_error, read_yaml_mapping

DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class KitchenInfo:
    """What a notice says about one kitchen."""

    site: str
    name: str = ""
    timezone: str = DEFAULT_TIMEZONE
    language: str | None = None
    grid: str | None = None
    grid_name: str = ""
    devices: dict[str, str] = field(default_factory=dict)
    """Device id → human name (only devices that have one)."""

    @property
    def label(self) -> str:
        """The kitchen's name, else its id."""
        return self.name or self.site

    def device_label(self, device: str) -> str:
        return self.devices.get(device) or device


@dataclass
class Directory:
    """Kitchens by site id, and their grids."""

    kitchens: dict[str, KitchenInfo] = field(default_factory=dict)

    def kitchen(self, site: str) -> KitchenInfo:
        return self.kitchens.get(site) or KitchenInfo(site)

    def grids(self) -> dict[str, str]:
        """Site → grid id, for the kitchens that belong to a grid (tier-3 grid digests)."""
        return {s: k.grid for s, k in self.kitchens.items() if k.grid}

    def grid_name(self, grid: str) -> str:
        for k in self.kitchens.values():
            if k.grid == grid and k.grid_name:
                return k.grid_name
        return grid


def _grid_names(districts: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    if not isinstance(districts, dict):
        return names
    for district in districts.values():
        streets = district.get("streets", {}) if isinstance(district, dict) else {}
        for street in streets.values() if isinstance(streets, dict) else []:
            grids = street.get("grids", {}) if isinstance(street, dict) else {}
            for gid, grid in grids.items() if isinstance(grids, dict) else []:
                names[str(gid)] = str(grid.get("name", "")) if isinstance(grid, dict) else ""
    return names


def directory_from_mapping(data: dict[str, Any], source: str = "<memory>") -> Directory:
    """A directory from a parsed registry (core or centre shape)."""
    from pydantic import ValidationError

    try:
        registry = SiteRegistry.model_validate({"sites": data.get("sites") or {}})
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, f"site registry {source}")) from exc
    grid_names = _grid_names(data.get("districts"))
    extras = data.get("kitchens") or {}
    out = Directory()
    for site, info in registry.sites.items():
        extra = extras.get(site) if isinstance(extras, dict) else None
        grid = extra.get("grid") if isinstance(extra, dict) else None
        out.kitchens[site] = KitchenInfo(
            site=site,
            name=info.name,
            timezone=info.timezone,
            language=info.language,
            grid=str(grid) if grid else None,
            grid_name=grid_names.get(str(grid), "") if grid else "",
            devices={d: dev.name for d, dev in info.devices.items() if dev.name},
        )
    return out


def load_directory(path: Path | str | None) -> Directory:
    """Read a registry file; an empty directory when `path` is None."""
    if path is None:
        return Directory()
    return directory_from_mapping(read_yaml_mapping(Path(path), "site registry"), str(path))
