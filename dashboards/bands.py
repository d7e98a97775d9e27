"""Temperature bands read from the rules, so no threshold is typed twice.

A band is what the rules enforce on one zone's temperature at one kitchen (and,
optionally, one device): the lowest `below` limit and the highest `above` limit that
apply there after packs, the rule file and its overrides are merged
(`rules.config.RuleSet.for_device`). The kitchen dashboard draws bands as thresholds
and the cold-chain report counts time inside them; both call this module.
"""

from dataclasses import dataclass

from core.schemas import SensorKind
from rules.config import RuleSet
from rules.model import BelowRule, ThresholdRule


@dataclass(frozen=True)
class Band:
    """Allowed range of one zone's temperature; None on a side the rules leave open."""

    low: float | None
    high: float | None
    low_rule: str | None = None
    high_rule: str | None = None

    @property
    def empty(self) -> bool:
        return self.low is None and self.high is None


@dataclass(frozen=True)
class Scope:
    """Where a band applies: a whole zone (site None), one kitchen, or one device."""

    site: str | None
    device: str | None
    band: Band


def _band_rules(rs: RuleSet) -> list[ThresholdRule | BelowRule]:
    return [
        r
        for r in rs.rules
        if isinstance(r, ThresholdRule | BelowRule) and r.match.kind is SensorKind.TEMPERATURE
    ]


def band_zones(rs: RuleSet) -> list[str]:
    """Zones that some temperature limit names, in rule order (the kitchen's panels)."""
    zones: list[str] = []
    for r in _band_rules(rs):
        for z in r.match.zone or []:
            if z not in zones:
                zones.append(z)
    return zones


def band(rs: RuleSet, zone: str, site: str = "", device: str | None = None) -> Band:
    """The band in force for `zone` at `site` (and `device`); site "" = no kitchen override."""
    low: tuple[float, str] | None = None
    high: tuple[float, str] | None = None
    for rule in _band_rules(rs):
        if rule.match.zone is not None and zone not in rule.match.zone:
            continue
        if rule.match.sensor is not None:
            continue  # a sensor-specific limit is not the zone's band
        if rule.match.device is not None and (device is None or device not in rule.match.device):
            continue
        # site "" is no valid id: only overrides that name no kitchen apply to it.
        eff = rs.for_device(rule, site, device)
        if eff is None:
            continue
        if isinstance(eff, ThresholdRule) and (high is None or eff.above > high[0]):
            high = (eff.above, eff.id)
        if isinstance(eff, BelowRule) and (low is None or eff.below < low[0]):
            low = (eff.below, eff.id)
    return Band(
        low=low[0] if low else None,
        high=high[0] if high else None,
        low_rule=low[1] if low else None,
        high_rule=high[1] if high else None,
    )


def scopes(rs: RuleSet, zone: str) -> list[Scope]:
    """The default band for `zone`, then every kitchen and device whose band differs.

    Kitchens come from the rule file (overrides, `sites:` restrictions on rules), so
    a per-kitchen override shows up here without anyone listing it again.
    """
    default = band(rs, zone)
    out = [Scope(None, None, default)]
    sites: set[str] = set()
    devices: set[tuple[str, str]] = set()
    for o in rs.file.overrides:
        if o.site is not None:
            sites.add(o.site)
            if o.device is not None:
                devices.add((o.site, o.device))
    for r in _band_rules(rs):
        sites.update(r.sites or [])
    for site in sorted(sites):
        here = band(rs, zone, site)
        if here != default:
            out.append(Scope(site, None, here))
    for site, device in sorted(devices):
        there = band(rs, zone, site, device)
        if there != band(rs, zone, site):
            out.append(Scope(site, device, there))
    return out
