"""`bk edge run --validate-config`: the shipped example passes, mistakes are named."""

from pathlib import Path

import yaml
from typer.testing import CliRunner

from edge.cli import app

EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "edge" / "agent.example.yaml"
runner = CliRunner()


def test_edge_example_config_validates() -> None:
    result = runner.invoke(app, ["run", "--config", str(EXAMPLE), "--validate-config"])
    assert result.exit_code == 0, result.output
    assert "config OK: site school-001" in result.output


def test_edge_bad_config_is_reported_per_field(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["agent"]["buffer"]["max_readings"] = 1
    data["mqtt"]["port"] = 70000
    bad = tmp_path / "agent.yaml"
    bad.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["run", "--config", str(bad), "--validate-config"])
    assert result.exit_code == 2
    assert "mqtt.port" in result.output
    assert "agent.buffer.max_readings" in result.output


def test_edge_bad_driver_entry_is_reported(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["agent"]["sensors"] = [
        {"type": "modbus", "id": "f1", "transport": "tcp", "registers": []},
    ]
    bad = tmp_path / "agent.yaml"
    bad.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["run", "--config", str(bad), "--validate-config"])
    assert result.exit_code == 2
    assert "driver 'f1'" in result.output and "registers" in result.output
    data["agent"]["sensors"] = [{"type": "nosuch", "id": "f1"}]
    bad.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["run", "--config", str(bad), "--validate-config"])
    assert result.exit_code == 2
    assert "unknown driver type 'nosuch'" in result.output
