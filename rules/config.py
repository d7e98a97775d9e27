"""Load rule files and packs into one resolved `RuleSet`, with readable errors.

A rule file may `include` shipped packs (`rules/packs/<name>.yaml`); its own rules
replace a pack's rule of the same id. Overrides are checked here by building the
overridden rule once, so a bad override is an error at load time, not at 3 a.m.
"""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.errors import ConfigError
from core.settings import read_yaml_mapping
from rules.kinds import KINDS, rule_adapter
from rules.model import Override, Rule, RuleFile, Schedule

PACKS_DIR = Path(__file__).parent / "packs"


def pack_names() -> list[str]:
    return sorted(p.stem for p in PACKS_DIR.glob("*.yaml"))


def _format(exc: ValidationError, source: str) -> str:
    lines = [f"invalid rule file {source}:"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  - {loc}: {err['msg']}")
    return "\n".join(lines)


def _read(path: Path) -> dict[str, Any]:
    return read_yaml_mapping(path, "rule file")


def parse_rule_file(data: dict[str, Any], source: str = "<memory>") -> RuleFile:
    try:
        return RuleFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format(exc, source)) from exc


def load_pack(name: str) -> RuleFile:
    path = PACKS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown rule pack {name!r}; shipped packs: {', '.join(pack_names())}")
    return parse_rule_file(_read(path), f"pack {name}")


@dataclass
class RuleSet:
    """Rules after packs and file are merged; what the engine evaluates."""

    file: RuleFile
    rules: list[Rule] = field(default_factory=list)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    packs: list[str] = field(default_factory=list)
    _cache: dict[tuple[str, str, str], Rule | None] = field(default_factory=dict, repr=False)

    def for_device(self, rule: Rule, site: str, device: str | None) -> Rule | None:
        """The rule as it applies at this kitchen and device (None if turned off there)."""
        key = (rule.id, site, device or "")
        if key in self._cache:
            return self._cache[key]
        effective: Rule | None = rule
        if rule.sites is not None and site not in rule.sites:
            effective = None
        # Kitchen-wide overrides first, then device ones, so the device wins.
        matching = [
            o
            for o in self.file.overrides
            if o.rule == rule.id and o.site in (None, site) and o.device in (None, device)
        ]
        matching.sort(key=lambda o: (o.site is not None, o.device is not None))
        for o in matching:
            if effective is None:
                break
            if o.disabled:
                effective = None
                break
            effective = rule_adapter().validate_python({**effective.model_dump(), **o.set})
        self._cache[key] = effective
        return effective

    def timezone(self, site: str) -> str:
        info = self.file.sites.get(site)
        return info.timezone if info else self.file.default_timezone

    def schedule(self, name: str, site: str) -> Schedule:
        info = self.file.sites.get(site)
        if info is not None and name in info.schedules:
            return self.schedules[info.schedules[name]]
        return self.schedules[name]

    def in_schedule(self, rule: Rule, site: str, when: datetime) -> bool:
        if rule.schedule is None:
            return True
        return self.schedule(rule.schedule, site).contains(when, self.timezone(site))


def resolve(file: RuleFile, source: str = "<memory>") -> RuleSet:
    """Merge packs and file, and check every override against the rule it changes."""
    rules: dict[str, Rule] = {}
    schedules: dict[str, Schedule] = {}
    for name in file.include:
        pack = load_pack(name)
        schedules.update(pack.schedules)
        for rule in pack.rules:
            rules[rule.id] = rule
    schedules.update(file.schedules)
    for rule in file.rules:
        rules[rule.id] = rule
    problems: list[str] = []
    for rule in rules.values():
        if rule.schedule is not None and rule.schedule not in schedules:
            problems.append(f"rule {rule.id}: unknown schedule {rule.schedule!r}")
    for i, o in enumerate(file.overrides):
        base = rules.get(o.rule)
        if base is None:
            problems.append(f"overrides.{i}: unknown rule {o.rule!r}")
            continue
        try:
            rule_adapter().validate_python({**base.model_dump(), **o.set})
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"][1:]) or "(rule)"
                problems.append(f"overrides.{i} ({o.rule}): {loc}: {err['msg']}")
    for i, w in enumerate(file.maintenance):
        if w.rules:
            problems += [f"maintenance.{i}: unknown rule {r!r}" for r in w.rules if r not in rules]
    if problems:
        raise ConfigError(
            f"invalid rule file {source}:\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return RuleSet(file=file, rules=list(rules.values()), schedules=schedules, packs=file.include)


def load_rules(path: Path | str) -> RuleSet:
    """Read, validate and resolve a rule file; ConfigError with one line per problem."""
    path = Path(path)
    return resolve(parse_rule_file(_read(path), str(path)), str(path))


def load_packs(*names: str) -> RuleSet:
    """A rule set made only of shipped packs (the default when no file is given)."""
    return resolve(RuleFile(include=list(names)), "packs " + ",".join(names))


def explain(rs: RuleSet) -> list[str]:
    """One line per rule, in words, for `bk rules check`: the values that will apply.

    Overrides for everywhere are folded into the rule's line (with the pack's value
    beside it), and each kitchen or device override is shown as the rule in force
    there, so a supervisor reads what the engine will do, not a diff to apply in
    their head.
    """
    lines: list[str] = []
    for r in rs.rules:
        everywhere = [o for o in rs.file.overrides if o.rule == r.id and not (o.site or o.device)]
        eff = _apply(r, everywhere)
        if eff is None:
            lines.append(f"{r.id}: disabled everywhere")
            continue
        line = _describe(eff)
        changed = _changes(r, eff)
        if changed:
            line += f" [overridden everywhere: {changed}]"
        lines.append(line)
        scoped = [o for o in rs.file.overrides if o.rule == r.id and (o.site or o.device)]
        for o in sorted(scoped, key=lambda o: (o.site is not None, o.device is not None)):
            scope = "/".join(x for x in (o.site or "any kitchen", o.device) if x)
            # What for_device() would apply at this kitchen/device (most specific wins).
            applying = [
                x
                for x in rs.file.overrides
                if x.rule == r.id and x.site in (None, o.site) and x.device in (None, o.device)
            ]
            here = _apply(r, applying)
            if here is None:
                lines.append(f"  at {scope}: disabled")
            else:
                lines.append(f"  at {scope}: {_describe(here, source=False)} [{_changes(r, here)}]")
    for w in rs.file.defrost_windows:
        times = ", ".join(t.strftime("%H:%M") for t in w.at)
        lines.append(
            f"defrost window {w.site}/{w.device}: daily at {times} (local) for"
            f" {w.duration_s / 60:g} min: an air excursion then is a defrost"
        )
    return lines


def _apply(rule: Rule, overrides: list[Override]) -> Rule | None:
    effective: Rule | None = rule
    for o in sorted(overrides, key=lambda o: (o.site is not None, o.device is not None)):
        if effective is None or o.disabled:
            return None
        effective = rule_adapter().validate_python({**effective.model_dump(), **o.set})
    return effective


def _changes(base: Rule, eff: Rule) -> str:
    old, new = base.model_dump(mode="json"), eff.model_dump(mode="json")
    return ", ".join(f"{k} {old[k]} → {new[k]}" for k in new if new[k] != old.get(k))


def _describe(r: Rule, source: bool = True) -> str:
    when = f" during {r.schedule}" if r.schedule else ""
    held = f" for {r.for_s:g} s" if r.for_s else ""
    what = KINDS[r.kind].describe(r, held)
    line = f"{r.id} [{r.kind}, {r.severity.value}]: alert when {what}{when}"
    if r.ref and source:
        line += f" — source: {r.ref}"
    return line
