"""`bk ingest run --validate-config`: readable report on bad settings, exit codes."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.cli import app
from ingest.settings import IngestSettings


def test_validate_config_accepts_a_good_file(tmp_path: Path) -> None:
    cfg = tmp_path / "ingest.yaml"
    cfg.write_text("ingest:\n  instance: ingest-a\n  batch_max_points: 1000\n  metrics_port: 0\n")
    result = CliRunner().invoke(app, ["run", "--config", str(cfg), "--validate-config"])
    assert result.exit_code == 0, result.output
    assert "configuration OK" in result.output
    assert '"instance": "ingest-a"' in result.output


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("ingest:\n  batch_max_points: 0\n", "ingest.batch_max_points"),
        ("ingest:\n  instance: 'Bad Id'\n", "ingest.instance"),
        ("ingest:\n  channels: [frames]\n", "channels must be among"),
        ("ingest:\n  batch_max_messages: 5000\n  max_pending_messages: 100\n", "below"),
        ("ingest:\n  surprise: 1\n", "ingest.surprise"),
        ("mqtt:\n  port: 70000\n", "mqtt.port"),
    ],
)
def test_validate_config_reports_each_wrong_field(
    tmp_path: Path, yaml_text: str, expected: str
) -> None:
    cfg = tmp_path / "ingest.yaml"
    cfg.write_text(yaml_text)
    result = CliRunner().invoke(app, ["run", "--config", str(cfg), "--validate-config"])
    assert result.exit_code == 2
    assert expected in result.output


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.settings import load_settings

    cfg = tmp_path / "ingest.yaml"
    cfg.write_text("ingest:\n  group: from-file\n  batch_max_wait_s: 2\n")
    monkeypatch.setenv("BK_INGEST__GROUP", "from-env")
    s = load_settings(cfg, cls=IngestSettings)
    assert s.ingest.group == "from-env"
    assert s.ingest.batch_max_wait_s == 2
