"""What the machine lends a training run: CPUs, a container's CPU quota, the library
builds. A borrowed machine rendered training frames at less than half this one's rate
per process, and the figures here are what tell the causes apart (fewer real cores than
CPUs shown, a quota that throttles, a slower build), so `bk vision render-rate` prints
them beside its measurement."""

from pathlib import Path

import cv2
import numpy as np
import psutil
import torch

CGROUP = Path("/sys/fs/cgroup")


def usable_cpus() -> int:
    """CPUs this process may run on (an affinity mask may allow fewer than the machine
    has; a quota, see `cpu_quota`, may allow less time on them)."""
    return len(psutil.Process().cpu_affinity() or [])


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def cpu_quota(root: Path = CGROUP) -> float | None:
    """The container's CPU quota in CPUs (cgroup v2 `cpu.max`, v1 `cpu.cfs_quota_us`),
    None when there is none: a container may show 16 CPUs and grant the time of 8."""
    v2 = _read(root / "cpu.max")
    if v2 is not None:
        quota, _, period = v2.partition(" ")
        if quota == "max" or not period:
            return None
        return int(quota) / int(period)
    quota_us = _read(root / "cpu/cpu.cfs_quota_us")
    period_us = _read(root / "cpu/cpu.cfs_period_us")
    if quota_us is None or period_us is None or int(quota_us) < 0:
        return None
    return int(quota_us) / int(period_us)


def throttled_seconds(root: Path = CGROUP) -> float | None:
    """Seconds the container's processes have been held back by its CPU quota so far
    (cgroup v2 `throttled_usec`, v1 `throttled_time` in ns), None where not told."""
    for path, key, unit in (
        (root / "cpu.stat", "throttled_usec", 1e6),
        (root / "cpu/cpu.stat", "throttled_time", 1e9),
    ):
        text = _read(path)
        if text is None:
            continue
        for line in text.splitlines():
            name, _, value = line.partition(" ")
            if name == key and value.strip().isdigit():
                return int(value) / unit
    return None


def machine_line() -> str:
    """The CPUs this process may use, any quota, and the library builds that draw and
    train: the first things to compare when one machine renders slower than another."""
    quota = cpu_quota()
    limit = "no CPU quota" if quota is None else f"a CPU quota of {quota:g}"
    return (
        f"{usable_cpus()} CPUs usable ({psutil.cpu_count(logical=False)} physical cores "
        f"on the machine, {limit}); numpy {np.__version__}, OpenCV {cv2.__version__} "
        f"({cv2.getCPUFeaturesLine()}), torch {torch.__version__}"
    )
