"""The shared message catalogs: complete in every language, no key defined twice."""

import json
from pathlib import Path

import pytest

from api.console.i18n import LOCALES_DIR, catalog
from core.i18n import CORE_LOCALES, DEFAULT, LANGUAGES, load, normalise


@pytest.mark.parametrize("folder", [CORE_LOCALES, LOCALES_DIR])
@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != DEFAULT])
def test_every_language_has_every_key(folder: Path, lang: str) -> None:
    base = load((folder,), DEFAULT)
    own: dict[str, str] = {}
    for path in (folder / lang).glob("*.json"):
        own.update(json.loads(path.read_text("utf-8")))
    assert sorted(set(base) - set(own)) == []
    assert sorted(set(own) - set(base)) == []


def test_console_sees_core_terms_and_its_own() -> None:
    zh, en = catalog("zh-CN"), catalog("en")
    assert zh["severity.critical"] == "严重" and en["severity.critical"] != "严重"
    assert zh["centre.title"] == "指挥中心"


def test_a_key_defined_twice_is_an_error(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / DEFAULT).mkdir(exist_ok=True)
        (tmp_path / DEFAULT / f"{name}.json").write_text('{"x": "1"}', "utf-8")
    with pytest.raises(ValueError, match="defined twice"):
        load((tmp_path,), DEFAULT)


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, "zh-CN"), ("en", "en"), ("en-US", "en"), ("zh", "zh-CN"), ("fr", "zh-CN")],
)
def test_normalise(given: str | None, expected: str) -> None:
    assert normalise(given) == expected
