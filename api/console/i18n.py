"""Message catalogs of the console: one JSON file per language under `locales/`.

Every string a person reads comes from a catalog (templates through `t()`, scripts
through the same catalog embedded in the page), so a new language is a new file.
zh-CN is the default; English is the switch.
"""

import json
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT = "zh-CN"
LANGUAGES = ("zh-CN", "en")


@cache
def catalog(lang: str) -> dict[str, str]:
    """The messages of `lang` (unknown keys fall back to zh-CN, then to the key)."""
    base: dict[str, str] = json.loads((LOCALES_DIR / f"{DEFAULT}.json").read_text("utf-8"))
    if lang == DEFAULT:
        return base
    own: dict[str, str] = json.loads((LOCALES_DIR / f"{lang}.json").read_text("utf-8"))
    return {**base, **own}


def pick_language(query: str | None, cookie: str | None) -> str:
    """The page's language: `?lang=` first, then the remembered cookie, else zh-CN."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT
