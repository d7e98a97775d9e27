"""Message catalogs shared by everything people read: notices, the console, reports.

A catalog is a folder of `{lang}/*.json` files (one per domain: `common.json` for terms
every part uses — alert states, severities, tiers, kitchen categories — and e.g.
`notice.json` or `console.json` for one part's sentences). A part loads the core folder
plus its own, so a term is translated once and a new language is a new folder. zh-CN is
the default; a key missing in another language falls back to zh-CN, then to the key.
Two files defining the same key is an error at load time, not a silent override.
"""

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

CORE_LOCALES = Path(__file__).parent / "locales"
DEFAULT = "zh-CN"
LANGUAGES = ("zh-CN", "en")


def _read(folders: Iterable[Path], lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for folder in folders:
        for path in sorted((folder / lang).glob("*.json")):
            data: dict[str, str] = json.loads(path.read_text("utf-8"))
            for key, text in data.items():
                if key in merged:
                    raise ValueError(f"message {key!r} defined twice: {origin[key]} and {path}")
                merged[key] = text
                origin[key] = path
    return merged


@cache
def load(folders: tuple[Path, ...], lang: str) -> dict[str, str]:
    """The messages of `lang` from `folders` (zh-CN fills what `lang` lacks)."""
    base = _read(folders, DEFAULT)
    if lang == DEFAULT or lang not in LANGUAGES:
        return base
    return {**base, **_read(folders, lang)}


def messages(lang: str) -> dict[str, str]:
    """The core catalog alone (what services without their own folder use)."""
    return load((CORE_LOCALES,), normalise(lang))


def normalise(lang: str | None) -> str:
    """A supported language for `lang` ("en-US" → "en", "zh" → "zh-CN"); zh-CN otherwise."""
    if not lang:
        return DEFAULT
    if lang in LANGUAGES:
        return lang
    head = lang.split("-")[0].lower()
    for candidate in LANGUAGES:
        if candidate.split("-")[0].lower() == head:
            return candidate
    return DEFAULT


def pick_language(*candidates: str | None) -> str:
    """The first candidate that is a supported language, else zh-CN."""
    for candidate in candidates:
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT
