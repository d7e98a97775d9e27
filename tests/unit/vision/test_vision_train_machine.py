"""The machine figures `bk vision render-rate` prints: a container's CPU quota and the
time it throttled, read from cgroup v2 and v1 files (fake trees here, the real one last)."""

from pathlib import Path

import pytest

pytest.importorskip("torch")

from vision.train.machine import (
    cpu_quota,
    machine_line,
    throttled_seconds,
    usable_cpus,
)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_cgroup_v2_quota_and_throttling(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "cpu.max": "800000 100000\n",
            "cpu.stat": "usage_usec 99\nnr_throttled 4\nthrottled_usec 2500000\n",
        },
    )
    assert cpu_quota(root) == pytest.approx(8.0)
    assert throttled_seconds(root) == pytest.approx(2.5)
    (root / "cpu.max").write_text("max 100000\n")
    assert cpu_quota(root) is None


def test_cgroup_v1_quota_and_throttling(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "cpu/cpu.cfs_quota_us": "150000\n",
            "cpu/cpu.cfs_period_us": "100000\n",
            "cpu/cpu.stat": "nr_periods 10\nnr_throttled 2\nthrottled_time 750000000\n",
        },
    )
    assert cpu_quota(root) == pytest.approx(1.5)
    assert throttled_seconds(root) == pytest.approx(0.75)
    (root / "cpu/cpu.cfs_quota_us").write_text("-1\n")
    assert cpu_quota(root) is None


def test_no_cgroup_files_mean_unknown_not_zero(tmp_path: Path) -> None:
    assert cpu_quota(tmp_path) is None
    assert throttled_seconds(tmp_path) is None


def test_this_machine_line_names_cpus_and_builds() -> None:
    line = machine_line()
    assert f"{usable_cpus()} CPUs usable" in line and "OpenCV" in line and "torch" in line
    assert usable_cpus() >= 1
