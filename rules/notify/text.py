"""What a notice says, in the reader's language: one composition, several renderings.

A canteen manager reads a notice on a phone in a group chat: it must say which kitchen
and which device by name, when in local time, what was measured against which limit
and which rule (with the standard behind it), how urgent it is (tier) and by when it
must be rectified, what to do next, and give a link that opens the alert page and
its evidence picture without an account. So a notice is composed once (`compose`),
from the shared catalogs (`core/locales/*/common.json` for states, severities and
tiers, `notice.json` for the sentences), and each channel renders that composition
in its vendor's format (`plain`, `markdown`, `html`, `Composed.short`).

Links are signed (`core.signing`): a robot cannot sign in, so the link is the
permission, bound to one alert page or one picture and expiring. Without the API's
public base URL and signing key in the rules settings, notices carry no link (said
once in the log): never a `file://` path, which nobody outside the centre can open.
"""

import html
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.i18n import messages, normalise
from core.schemas import AlertState, Severity
from core.signing import alert_link, evidence_link
from rules.alerts import Notice
from rules.model import TIER_OF_SEVERITY
from rules.notify.directory import DEFAULT_TIMEZONE, Directory, KitchenInfo

logger = logging.getLogger(__name__)

Tone = Literal["alarm", "warning", "info", "ok"]
UNIT_OF_KIND = {"temperature": "temperature", "humidity": "humidity"}
"""Sensor kind → the catalog key of its unit (`notice.unit.*`)."""
LINK_TTL_S = 3 * 24 * 3600


@dataclass(frozen=True)
class RuleFacts:
    """What a notice needs of a rule: its standard, unit and which side of the limit is bad."""

    ref: str = ""
    unit: str | None = None
    """Catalog key suffix of the unit (temperature, humidity), None if unitless."""
    direction: Literal["above", "below"] | None = None

    @property
    def standard(self) -> str:
        """The standard and clauses (the part of `ref` before its first " / ")."""
        return self.ref.split(" / ", 1)[0].strip()


def rule_facts(rule: Any) -> RuleFacts:
    """Facts of a rule model (`rules.model`), read by attribute so any kind works."""
    kind = getattr(rule, "kind", "")
    match = getattr(rule, "match", None)
    sensor_kind = getattr(getattr(match, "kind", None), "value", None)
    unit = UNIT_OF_KIND.get(sensor_kind or "")
    if kind in ("cooling_curve", "disinfection_cycle"):
        unit = "temperature"
    direction: Literal["above", "below"] | None = None
    if kind in ("threshold", "cooling_curve"):
        direction = "above"
    elif kind in ("below", "disinfection_cycle"):
        direction = "below"
    return RuleFacts(ref=str(getattr(rule, "ref", "") or ""), unit=unit, direction=direction)


@dataclass
class Composed:
    """A notice in one language, ready to be rendered by a channel."""

    lang: str
    kind: str
    tier: int | None
    tone: Tone
    title: str
    facts: list[tuple[str, str]]
    action: str
    link: str | None = None
    images: list[str] = field(default_factory=list)
    short: str = ""
    """One line for on-site displays."""
    labels: dict[str, str] = field(default_factory=dict)
    """Link texts in this language (alert, evidence)."""
    brief: list[tuple[str, str]] = field(default_factory=list)
    """The few facts a small card has room for (device, time, measured, deadline)."""


class Renderer:
    """Composes notices; one per rules service, shared (read-only) by its channels."""

    def __init__(
        self,
        directory: Directory | None = None,
        rules: Iterable[Any] = (),
        base_url: str | None = None,
        key: bytes | None = None,
        ttl_s: int = LINK_TTL_S,
        language: str | None = None,
        timezone_of: Callable[[str], str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = directory or Directory()
        self.rules = {r.id: rule_facts(r) for r in rules}
        self.base_url = base_url.rstrip("/") if base_url else None
        self.key = key or None
        self.ttl_s = ttl_s
        self.language = normalise(language)
        self.timezone_of = timezone_of
        self.clock = clock
        self._warned = False

    # -- choices ------------------------------------------------------------------

    def language_for(self, site: str, override: str | None = None) -> str:
        """The channel's language if set, else the kitchen's, else the service default."""
        return normalise(override or self.directory.kitchen(site).language or self.language)

    def _zone(self, kitchen: KitchenInfo) -> ZoneInfo:
        name = kitchen.timezone
        if kitchen.site not in self.directory.kitchens and self.timezone_of is not None:
            name = self.timezone_of(kitchen.site)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(DEFAULT_TIMEZONE)

    def links(self, notice: Notice) -> tuple[str | None, list[str]]:
        """Signed links to the alert page and its pictures, or none when not configured."""
        if not self.base_url or not self.key:
            if not self._warned:
                self._warned = True
                logger.warning(
                    "notices carry no link to the alert page: set rules.public_base_url and "
                    "rules.signing_key (the API's BK_API__SIGNING_KEY) in the rules settings"
                )
            return None, []
        e = notice.event
        now = self.clock()
        page = alert_link(self.base_url, self.key, e.site, e.id, self.ttl_s, now)
        pics = [
            evidence_link(self.base_url, self.key, ev.sha256, self.ttl_s, now) for ev in e.evidence
        ]
        return (None if notice.kind == "digest" else page), pics

    # -- composition --------------------------------------------------------------

    def compose(self, notice: Notice, lang: str | None = None) -> Composed:
        e = notice.event
        lang = normalise(lang) if lang else self.language_for(e.site)
        m = messages(lang)
        kitchen = self.directory.kitchen(e.site)
        tz = self._zone(kitchen)

        def local(t: datetime) -> str:
            return t.astimezone(tz).strftime("%Y-%m-%d %H:%M")

        def fact(label: str, value: str) -> tuple[str, str]:
            return m[f"notice.label.{label}"], value

        if notice.kind == "digest":
            return self._digest(notice, lang, m, kitchen, fact)
        facts_of_rule = self.rules.get(e.rule, RuleFacts())
        rule_name = m.get(f"notice.rule.{e.rule}", e.rule)
        tier_word = m.get(f"notice.tier_word.{e.tier}", "") if e.tier else ""
        headline = m[f"notice.headline.{notice.kind}"].format(tier=tier_word).strip()
        title = m["notice.title"].format(headline=headline, kitchen=kitchen.label, rule=rule_name)
        device, _, _rest = e.subject.partition("/")
        device_name = kitchen.device_label(device)
        device_text = (
            m["notice.device"].format(name=device_name, id=e.subject)
            if device_name != device
            else e.subject
        )
        unit = m.get(f"notice.unit.{facts_of_rule.unit}", "") if facts_of_rule.unit else ""
        measured = ""
        if e.value is not None:
            way = "plain" if e.threshold is None else facts_of_rule.direction or "limit"
            measured = (
                m[f"notice.measured.{way}"]
                .format(value=f"{e.value:g}", unit=unit, limit=f"{e.threshold or 0:g}")
                .replace(" ，", "，")
                .replace(" （", "（")
                .replace(" ）", "）")
                .replace(" )", ")")
                .replace(" ,", ",")
                .replace("  ", " ")
                .strip()
            )
        facts = [fact("kitchen", kitchen.label)]
        if kitchen.grid:
            facts.append(fact("grid", kitchen.grid_name or kitchen.grid))
        facts.append(fact("device", device_text))
        facts.append(fact("started", local(e.started_at)))
        if notice.kind != "firing":
            facts.append(fact("time", local(e.ts)))
        if measured:
            facts.append(fact("measured", measured))
        facts.append(fact("rule", rule_name))
        if facts_of_rule.standard:
            facts.append(fact("standard", facts_of_rule.standard))
        if e.tier:
            tier_text = m.get(f"tier.{e.tier}", str(e.tier))
            facts.append(fact("tier", f"{tier_text} · {m[f'severity.{e.severity.value}']}"))
        facts.append(fact("state", m.get(f"alert.state.{e.state.value}", e.state.value)))
        overdue = notice.kind == "escalation" and e.deadline is not None and e.ts >= e.deadline
        if e.deadline is not None and e.tier == 2:
            when = local(e.deadline)
            if overdue:
                when = m["notice.deadline.overdue"].format(time=when)
            facts.append(fact("deadline", when))
        if e.actor:
            facts.append(fact("by", e.actor))
        if e.comment and not overdue:
            facts.append(fact("comment", e.comment))
        if rule_name == e.rule and e.summary:
            facts.append(fact("detail", e.summary))
        if e.state is AlertState.RESOLVED:
            action = m["notice.action.resolved"]
        elif overdue:
            action = m["notice.action.overdue"]
        elif e.state is AlertState.ACKNOWLEDGED:
            action = m["notice.action.acknowledged"]
        else:
            action = m[f"notice.action.{e.tier or TIER_OF_SEVERITY[e.severity]}"]
        link, images = self.links(notice)
        short = m["notice.display.line"].format(
            headline=headline,
            rule=rule_name,
            measured=f"{e.value:g}{unit}" if e.value is not None else "",
            device=device_name,
            time=e.ts.astimezone(tz).strftime("%H:%M"),
        )
        brief_labels = {
            m[f"notice.label.{k}"] for k in ("device", "started", "measured", "deadline")
        }
        return Composed(
            brief=[(k, v) for k, v in facts if k in brief_labels],
            lang=lang,
            kind=notice.kind,
            tier=e.tier,
            tone=_tone(notice),
            title=title,
            facts=facts,
            action=action,
            link=link,
            images=images,
            short=" ".join(short.split()),
            labels={"alert": m["notice.link.alert"], "evidence": m["notice.link.evidence"]},
        )

    def _digest(
        self,
        notice: Notice,
        lang: str,
        m: dict[str, str],
        kitchen: KitchenInfo,
        fact: Callable[[str, str], tuple[str, str]],
    ) -> Composed:
        e = notice.event
        d = notice.digest or {}
        grid = d.get("grid") if d.get("scope") == "grid" else None
        day = str(d.get("day") or e.ts.date().isoformat())
        n = int(d.get("n") or 0)
        sites: dict[str, dict[str, int]] = d.get("sites") or {}
        key = "digest_grid" if grid else "digest"
        headline = m[f"notice.headline.{key}"]
        where = self.directory.grid_name(grid) if grid else kitchen.label
        sep = m["notice.list_sep"]

        def counts(rules: dict[str, int]) -> str:
            return sep.join(
                m["notice.rule_count"].format(rule=m.get(f"notice.rule.{r}", r), n=c)
                for r, c in sorted(rules.items())
            )

        facts = [fact("grid", where)] if grid else [fact("kitchen", where)]
        facts += [fact("day", day), fact("count", m["notice.digest.count"].format(n=n))]
        if grid:
            for site, rules in sorted(sites.items()):
                label = self.directory.kitchen(site).label
                line = m["notice.digest.kitchen_line"].format(
                    kitchen=label, n=sum(rules.values()), rules=counts(rules)
                )
                facts.append(fact("kitchens", line))
        elif sites:
            facts.append(fact("rules", counts(sites.get(e.site, {}))))
        else:
            facts.append(fact("detail", e.summary))
        title = m["notice.title_digest"].format(headline=headline, where=where, day=day)
        return Composed(
            lang=lang,
            kind="digest",
            tier=3,
            tone="info",
            title=title,
            facts=facts,
            action=m[f"notice.action.{key}"],
            short=" ".join(f"【{headline}】{where} {day} {n}".split()),
            labels={"alert": m["notice.link.alert"], "evidence": m["notice.link.evidence"]},
        )


def public_event(notice: Notice, c: Composed) -> dict[str, Any]:
    """The alert event as JSON for receivers outside the centre: each evidence picture's
    `uri` is its signed link (or the picture is left out when links are off), never the
    evidence store's own path, which nobody outside can open."""
    data = notice.event.model_dump(mode="json", exclude_none=True)
    evidence = data.get("evidence") or []
    data["evidence"] = (
        [{**ev, "uri": url} for ev, url in zip(evidence, c.images, strict=False)]
        if c.images
        else []
    )
    return data


def _tone(notice: Notice) -> Tone:
    e = notice.event
    if e.state is AlertState.RESOLVED:
        return "ok"
    if e.tier == 1 or (e.tier is None and e.severity is Severity.CRITICAL):
        return "alarm"
    if e.severity is Severity.INFO or e.tier == 3:
        return "info"
    return "warning"


# -- renderings -------------------------------------------------------------------------


def _fact_line(c: Composed, label: str, value: str) -> str:
    return messages(c.lang)["notice.fact"].format(label=label, value=value)


def plain(c: Composed) -> str:
    """Plain text (email, text robots): title, one fact a line, next step, links."""
    lines = [c.title, ""]
    lines += [_fact_line(c, k, v) for k, v in c.facts]
    lines.append(_fact_line(c, messages(c.lang)["notice.label.next"], c.action))
    if c.link:
        lines.append(_fact_line(c, c.labels["alert"], c.link))
    lines += [_fact_line(c, c.labels["evidence"], url) for url in c.images]
    return "\n".join(lines)


def markdown(c: Composed, images_inline: bool = True, heading: str | None = "### ") -> str:
    """Markdown for robots: bold labels, the link as a link, pictures inline or as links."""
    lines = [f"{heading}{c.title}"] if heading is not None else []
    lines += [_fact_line(c, f"**{k}**", v) for k, v in c.facts]
    next_label = messages(c.lang)["notice.label.next"]
    lines.append(_fact_line(c, f"**{next_label}**", c.action))
    for url in c.images[:1]:
        label = c.labels["evidence"]
        lines.append(f"![{label}]({url})" if images_inline else f"[{label}]({url})")
    if c.link:
        lines.append(f"[{c.labels['alert']}]({c.link})")
    return "\n".join(lines)


def html_body(c: Composed) -> str:
    """HTML alternative for email: a small table, the picture, a link button."""
    esc = html.escape
    colour = {"alarm": "#c0392b", "warning": "#d35400", "info": "#2c3e50", "ok": "#27ae60"}
    rows = "".join(
        f'<tr><th align="left" style="padding:2px 12px 2px 0">{esc(k)}</th><td>{esc(v)}</td></tr>'
        for k, v in c.facts
    )
    next_label = messages(c.lang)["notice.label.next"]
    parts = [
        f'<!doctype html><html lang="{esc(c.lang)}"><body style="font-family:sans-serif">',
        f'<h2 style="color:{colour[c.tone]}">{esc(c.title)}</h2>',
        f"<table>{rows}</table>",
        f"<p><strong>{esc(next_label)}</strong>: {esc(c.action)}</p>",
    ]
    for url in c.images[:3]:
        parts.append(
            f'<p><a href="{esc(url)}"><img src="{esc(url)}" alt="{esc(c.labels["evidence"])}" '
            'width="480"></a></p>'
        )
    if c.link:
        parts.append(f'<p><a href="{esc(c.link)}">{esc(c.labels["alert"])}</a></p>')
    parts.append("</body></html>")
    return "\n".join(parts)
