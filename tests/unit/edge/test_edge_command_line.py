"""One edge command line: `bk edge` forwards to `python -m edge`, options defined once."""

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from core.cli import _register, app


def _bk(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from core.cli import main; sys.argv = ['bk', *sys.argv[1:]]; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
    )


def _lean(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge", *args], capture_output=True, text=True, timeout=60
    )


def test_bk_edge_run_help_is_the_lean_command_lines_help() -> None:
    bk, lean = _bk("edge", "run", "--help"), _lean("run", "--help")
    assert bk.returncode == lean.returncode == 0
    assert bk.stdout == lean.stdout
    assert "--validate-config" in lean.stdout


def test_both_ways_refuse_a_bad_config_alike(tmp_path: Path) -> None:
    bad = tmp_path / "agent.yaml"
    bad.write_text("site: [not an id\n", "utf-8")
    bk = _bk("edge", "run", "--config", str(bad), "--validate-config")
    lean = _lean("run", "--config", str(bad), "--validate-config")
    assert bk.returncode == lean.returncode == 2
    assert bk.stderr.strip() == lean.stderr.strip() != ""


def test_bk_edge_lists_run() -> None:
    _register(app)
    result = CliRunner().invoke(app, ["edge", "--help"])
    assert result.exit_code == 0 and "run" in result.output
