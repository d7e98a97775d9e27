"""`bk demo` end to end: the whole stack on a small accelerated district, and its scorecard.

The demo runs as the newcomer runs it (`bk demo`, a subprocess): provisioned TLS
broker, InfluxDB, ingest, vision, rules, recorder, API, simulated kitchens and people.
The scorecard is then read from what the run left behind (devtools/demo_scorecard.py):
it fails on a missed scripted incident, a lost reading or a false alert. The district
is 5 kitchens over 2.5 simulated hours at 240× (about 40 s of simulation); the command's
default stays 20 kitchens over a day.

It starts at 10:00 local so that the scripted cameras' no-hat, no-mask and camera-off
incidents fall in working and service hours (no-hat and no-mask are only expected on
the pack's working days, Monday to Saturday).

The other tests check that nothing the demo starts outlives it: after `--duration`,
after the reader of its output goes away (`| head -3`), after a `kill -9`.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from devtools.demo_scorecard import format_scorecard, scorecard

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BK = str(Path(sys.executable).with_name("bk"))


def _demo(workdir: Path, *extra: str) -> list[str]:
    return [BK, "demo", "--workdir", str(workdir), "--kitchens", "4", "--hours", "1", *extra]


def _leftovers(workdir: Path) -> list[str]:
    """Processes started for this run: its folder in their command line or working dir."""
    found = []
    mark = str(workdir)
    for p in psutil.process_iter(["pid", "name", "cmdline", "cwd"]):
        try:
            cmd = " ".join(p.info["cmdline"] or [])
            cwd = p.info["cwd"] or ""
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if p.pid != os.getpid() and (mark in cmd or cwd.startswith(mark)):
            found.append(f"{p.pid} {p.info['name']} {cmd[:80]}")
    return found


def _wait_gone(workdir: Path, timeout: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout
    left = _leftovers(workdir)
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _leftovers(workdir)
    return left


def _read_until(proc: subprocess.Popen[str], marker: str, timeout: float) -> list[str]:
    """Lines of the demo's stdout up to the one containing `marker`."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    raise AssertionError(f"no {marker!r} within {timeout} s; got {lines}")


def test_demo_scorecard(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    t0 = time.monotonic()
    done = subprocess.run(
        [BK, "demo", "--workdir", str(workdir), "--kitchens", "5", "--hours", "2.5",
         "--start", "10:00", "--speed", "240", "--duration", "38",
         "--summary-json", str(tmp_path / "s.json")],
        capture_output=True, text=True, timeout=280, check=False,
    )  # fmt: skip
    print(done.stdout)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not _wait_gone(workdir, 30)
    card = scorecard(workdir)
    print(format_scorecard(card))
    print(f"demo run and scorecard took {time.monotonic() - t0:.0f} s wall")
    summary = json.loads((tmp_path / "s.json").read_text())
    scripted = card["must_alert_by_rule"]
    assert {"device-offline", "cold-holding-high", "rodent", "camera-off"} <= set(scripted)
    assert card["recall"] == 1.0, card["missed"]
    assert card["false_alerts"] == []
    assert card["readings"]["lost"] == 0, card["readings"]
    assert card["readings"]["stored"] > 0
    # The loop moved: people acknowledged, rectified, rejected once and accepted.
    for step in ("ack", "rectify", "review_reject", "review_accept"):
        assert card["loop_steps"].get(step, 0) > 0, card["loop_steps"]
    assert summary["readings_stored"] == card["readings"]["stored"]
    # Notices reached the (local) robot webhook, signed, and their alert links open.
    assert summary["notices_delivered"] > 0
    assert summary["notices_with_signed_link"] > 0
    assert summary["signed_link_answers"] == 200
    assert sum(summary["grades"].values()) == 5


def test_demo_duration_exits_0_and_leaves_nothing(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    proc = subprocess.Popen(
        _demo(workdir, "--duration", "8", "--no-frames"),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        _read_until(proc, "[6/7]", 180)
        running = _leftovers(workdir)
        names = " ".join(running)
        assert "mosquitto" in names and "influxd" in names, running  # the check sees them
        assert proc.stdout is not None
        rest = proc.stdout.read()
        assert proc.wait(120) == 0
    finally:
        proc.kill()
    assert "final summary" in rest
    assert not _wait_gone(workdir, 10)


def test_demo_with_its_reader_gone_leaves_no_server(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    cmd = " ".join(_demo(workdir, "--duration", "60", "--no-frames")) + " 2>/dev/null | head -3"
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=240)
    assert done.stdout.count("\n") == 3
    assert not _wait_gone(workdir, 10)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill9"])
def test_demo_signalled_leaves_no_server(tmp_path: Path, sig: signal.Signals) -> None:
    """SIGTERM: the demo stops everything itself (exit 0); SIGKILL: the kernel's
    PR_SET_PDEATHSIG takes its children down with it."""
    workdir = tmp_path / "demo"
    proc = subprocess.Popen(
        _demo(workdir, "--duration", "120", "--no-frames"),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        _read_until(proc, "[4/7]", 180)  # servers, API and services all running
        assert len(_leftovers(workdir)) >= 6
        proc.send_signal(sig)
        code = proc.wait(120)
    finally:
        proc.kill()
    assert code == (0 if sig == signal.SIGTERM else -signal.SIGKILL)
    assert not _wait_gone(workdir, 60)
