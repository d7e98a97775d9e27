"""`./demo.sh`, the README's first command: installs only what is missing, passes options on."""

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _link_tools(bin_dir: Path, *names: str) -> None:
    for name in names:
        for d in ("/usr/bin", "/bin", "/usr/sbin"):
            if Path(d, name).exists():
                (bin_dir / name).symlink_to(Path(d, name))
                break


def test_installs_what_is_missing_with_apt_get(tmp_path: Path) -> None:
    """No make, mosquitto or influxd on the PATH: apt-get is asked for exactly those."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _link_tools(bin_dir, "dirname", "id")
    (bin_dir / "python3").symlink_to(Path(os.__file__).parents[2] / "bin" / "python3")
    log = tmp_path / "apt.log"
    apt = bin_dir / "apt-get"
    apt.write_text(f'#!/bin/bash\necho "$@" >> {log}\n')
    apt.chmod(0o755)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    # Outside the repository copy: run a copy of the script from an empty folder, so the
    # `make setup` that follows fails at once (make is not there) instead of installing.
    script = tmp_path / "demo.sh"
    script.write_text((REPO / "demo.sh").read_text())
    res = subprocess.run(
        ["/bin/bash", str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    lines = log.read_text().splitlines()
    assert lines[0] == "update -qq"
    installed = lines[1].split()
    assert installed[:4] == ["install", "-y", "-qq", "--no-install-recommends"]
    wanted = set(installed[4:])
    assert {"make", "influxdb"} <= wanted
    if not Path("/usr/sbin/mosquitto").exists():
        assert "mosquitto" in wanted
    assert "python3" not in wanted  # it was on the PATH
    assert res.returncode != 0  # make itself is a stub-less PATH away


def test_nothing_missing_runs_bk_demo_with_the_options(tmp_path: Path) -> None:
    res = subprocess.run(
        ["bash", str(REPO / "demo.sh"), "--help"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert res.returncode == 0, res.stderr
    assert "installing" not in res.stdout
    assert "bk demo" in res.stdout and "--duration" in res.stdout
