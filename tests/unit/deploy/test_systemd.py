"""Every systemd unit in deploy/ passes `systemd-analyze verify` with no warning.

verify needs each ExecStart binary to exist, so the units are copied to a temporary
folder with the install paths (/opt/bk/venv, /opt/bk-edge/venv) pointed at this checkout's
virtual environment; templates are verified as instances (`bk-ingest@0.service`) so `%i`
is expanded. verify exits 0 on an unknown key or an unparsable value (it only warns), so
any line it prints about our files fails the test too.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
UNITS = sorted(
    p
    for p in DEPLOY.rglob("*")
    if p.suffix in {".service", ".target", ".path", ".timer", ".socket"}
)
VENV_BIN = Path(sys.executable).parent
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def test_units_are_shipped() -> None:
    names = {p.name for p in UNITS}
    for part in ("ingest", "vision", "rules", "recorder"):
        assert f"bk-{part}@.service" in names
    assert {"bk-api.service", "bk-edge.service", "bk.target"} <= names


@pytest.mark.parametrize("unit", UNITS, ids=[p.name for p in UNITS])
def test_service_essentials(unit: Path) -> None:
    """What the deployment promises of every long-running service."""
    text = unit.read_text()
    if unit.suffix != ".service" or "Type=oneshot" in text:
        return
    for line in (
        "KillSignal=SIGTERM",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "EnvironmentFile=",
        "TimeoutStopSec=",
    ):
        assert line in text, f"{unit.name} lacks {line}"
    assert re.search(r"^Restart=(on-failure|always)$", text, re.MULTILINE)
    assert re.search(r"^User=bk(-edge)?$", text, re.MULTILINE)


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    names: list[str] = []
    for unit in UNITS:
        text = unit.read_text()
        text = text.replace("/opt/bk/venv/bin/", f"{VENV_BIN}/")
        text = text.replace("/opt/bk-edge/venv/bin/", f"{VENV_BIN}/")
        # The checked name: an instance for a template, so %i is expanded.
        name = unit.name.replace("@.", "@0.")
        (tmp_path / name).write_text(text)
        names.append(name)
    assert SYSTEMD_ANALYZE is not None
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    ours = [line for line in output.splitlines() if any(n in line for n in names)]
    assert result.returncode == 0 and not ours, output
