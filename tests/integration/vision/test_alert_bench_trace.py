"""`bench/vision_alerts.py --trace` prints one scripted episode frame by frame."""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vision.card import DEFAULT_CARD, load_card

ROOT = Path(__file__).resolve().parents[3]


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "bench/vision_alerts.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_trace_prints_every_frame_and_the_one_alert_on_the_offender() -> None:
    run = _bench("--trace", "classic:hat_off:0")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    frames = [ln for ln in out.splitlines() if " s  declared [" in ln]
    assert len(frames) == 100  # 8 s before, 30 s of the incident, 12 s after, at 2 fps
    declared = [ln for ln in frames if re.search(r"declared \[\d+:no_hat\]", ln)]
    assert len(declared) == 1  # once, on the offender's track
    track = re.search(r"declared \[(\d+):no_hat\]", declared[0])
    assert track is not None and f"{track[1]}:no_hat@" in declared[0]
    summary = out.splitlines()[-1]
    assert summary.startswith("classic hat_off seed 3026:") and "other violations 0" in summary
    assert re.search(r"alerts on the offender at \[\d+\.\d\] s", summary)


def test_trace_refuses_an_unknown_kind() -> None:
    run = _bench("--trace", "classic:hat:0")
    assert run.returncode == 2 and "--trace wants STYLE:KIND:EPISODE" in run.stderr


def test_the_bench_refuses_unknown_kinds_styles_and_scenes_before_running() -> None:
    for args, said in [
        (("--kinds", "rodent,none"), "--kinds: no kind none"),
        (("--styles", "classic,oil"), "--styles: no style oil"),
        (("--scenes", "normal,rush"), "--scenes: no scene rush"),
    ]:
        run = _bench(*args)
        assert run.returncode == 2 and said in run.stderr, (args, run.stderr)


def _scores_run(
    tmp_path: Path, minutes: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """One classic hat-off incident with `--scores`, compliant scenes of `minutes` each:
    the run and its --json figures."""
    out = tmp_path / "bench.json"
    run = _bench(
        "--styles", "classic", "--minutes", minutes, "--episodes", "1", "--kinds", "hat_off",
        "--scores", "--json", str(out),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run, json.loads(out.read_text())


def test_scores_end_with_the_track_threshold_the_peaks_suggest(tmp_path: Path) -> None:
    run, figures = _scores_run(tmp_path, "0.5")
    peak = figures["styles"]["classic"]["scores"]["no_hat"]["offender_peaks"][0]
    got = figures["suggested_track_thresholds"]["no_hat"]
    stage = load_card(DEFAULT_CARD)[0].attributes
    assert stage is not None
    # no compliant track held no_hat: midway between the head stage's floor and the peak
    assert got["gap"] == [stage.floor, peak]
    assert got["threshold"] == pytest.approx((stage.floor + peak) / 2, abs=1e-3)
    assert (got["false_alarms"], got["missed"], got["offenders"]) == (0, 0, 1)
    assert f"suggested track threshold no_hat: {got['threshold']:.3f}" in run.stdout
    assert "no_mask" not in figures["suggested_track_thresholds"]  # no mask-off was run


def test_no_threshold_is_suggested_without_compliant_scenes(tmp_path: Path) -> None:
    run, figures = _scores_run(tmp_path, "0")
    assert "no track threshold suggested: no compliant scene was run" in run.stdout
    assert "suggested_track_thresholds" not in figures
