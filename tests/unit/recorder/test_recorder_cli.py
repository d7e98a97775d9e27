"""`bk recorder run --validate-config`: a readable report and exit 2 on bad settings."""

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from recorder.cli import app


def test_validate_config_accepts_good_and_reports_bad(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BK_CONFIG", raising=False)
    good = tmp_path / "good.yaml"
    good.write_text(
        yaml.safe_dump({"recorder": {"retention_by_category": {"central_kitchen": 30}}})
    )
    result = CliRunner().invoke(app, ["run", "--validate-config", "-c", str(good)])
    assert result.exit_code == 0, result.output
    assert "configuration OK" in result.output and '"central_kitchen": 30.0' in result.output

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"recorder": {"retention_days": 3, "workers": 0}}))
    result = CliRunner().invoke(app, ["run", "--validate-config", "-c", str(bad)])
    assert result.exit_code == 2
    assert "recorder.retention_days" in result.output
    assert "recorder.workers" in result.output
