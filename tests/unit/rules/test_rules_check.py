"""`bk rules check FILE`: what a supervisor reads is the value that will apply."""

from pathlib import Path

import yaml
from typer.testing import CliRunner

from rules.cli import app

FILE = {
    "include": ["gb31654"],
    "overrides": [
        {"rule": "frozen-high", "set": {"above": -18}},
        {"rule": "cold-holding-high", "site": "school-0001", "set": {"for_s": 300}},
        {
            "rule": "cold-holding-high",
            "site": "school-0001",
            "device": "coldroom1",
            "set": {"above": 6},
        },
        {"rule": "hot-holding-low", "site": "school-0002", "disabled": True},
    ],
}


def _check(tmp_path: Path, data: dict[str, object]) -> tuple[int, list[str]]:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path)])
    return result.exit_code, result.output.splitlines()


def test_check_shows_the_values_in_force_with_overrides_folded_in(tmp_path: Path) -> None:
    code, lines = _check(tmp_path, FILE)
    assert code == 0
    frozen = next(ln for ln in lines if ln.strip().startswith("frozen-high"))
    assert "above -18 " in frozen and "[overridden everywhere: above -12.0 → -18.0]" in frozen
    cold = lines.index(next(ln for ln in lines if ln.strip().startswith("cold-holding-high")))
    assert "above 8 for 600 s" in lines[cold]
    # The kitchen override, then the device one on top of it (the device wins).
    assert lines[cold + 1].strip().startswith("at school-0001: cold-holding-high")
    assert "above 8 for 300 s" in lines[cold + 1]
    assert lines[cold + 2].strip().startswith("at school-0001/coldroom1:")
    assert "above 6 for 300 s (clears below 5.5)" in lines[cold + 2]
    hot = lines.index(next(ln for ln in lines if ln.strip().startswith("hot-holding-low")))
    assert lines[hot + 1].strip() == "at school-0002: disabled"


def test_check_refuses_an_override_that_changes_nothing_or_breaks_the_rule(
    tmp_path: Path,
) -> None:
    code, lines = _check(tmp_path, {"include": ["gb31654"], "overrides": [{"rule": "frozen-high"}]})
    assert code == 1
    assert any("needs `set`" in ln for ln in lines)
    bad = {"include": ["gb31654"], "overrides": [{"rule": "frozen-high", "set": {"above": "x"}}]}
    code, lines = _check(tmp_path, bad)
    assert code == 1
    assert any("overrides.0 (frozen-high): above" in ln for ln in lines)
