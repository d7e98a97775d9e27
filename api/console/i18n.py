"""Message catalogs of the console: core's shared terms plus `locales/{lang}/*.json`.

Every string a person reads comes from a catalog (templates through `t()`, scripts
through the same catalog embedded in the page), so a new language is a new folder.
zh-CN is the default; English is the switch. See core/i18n.py for the layout.
"""

from pathlib import Path

from core.i18n import CORE_LOCALES, DEFAULT, LANGUAGES, load, normalise

__all__ = ["DEFAULT", "LANGUAGES", "catalog", "pick_language"]

LOCALES_DIR = Path(__file__).parent / "locales"


def catalog(lang: str) -> dict[str, str]:
    """The messages of `lang` (unknown keys fall back to zh-CN, then to the key)."""
    return load((CORE_LOCALES, LOCALES_DIR), normalise(lang))


def pick_language(query: str | None, cookie: str | None) -> str:
    """The page's language: `?lang=` first, then the remembered cookie, else zh-CN."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT
