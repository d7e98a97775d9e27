"""Data set export: YOLO labels re-rendered and checked, balance reported, no shared frames."""

import json
from pathlib import Path

from simulators.dataset import export_dataset, verify_sample


def test_export_small_dataset(tmp_path: Path) -> None:
    report = export_dataset(tmp_path, 60, seed=3)
    assert report["frames"] == {"train": 48, "val": 12, "heavy": 6}
    assert set(report["identical_frames_across_splits"].values()) == {0}
    assert sum(report["objects"]["train"].get(c, 0) for c in ("no_hat", "no_mask", "rodent")) > 20
    assert json.loads((tmp_path / "report.json").read_text()) == report
    assert len(list((tmp_path / "labels" / "val").glob("*.txt"))) == 12
    assert verify_sample(tmp_path, 3, 60, k=6) == []
    # a tampered label is caught by the re-rendering check
    label = tmp_path / "labels" / "val" / "000000.txt"
    label.write_text("2 0.5 0.5 0.1 0.1\n" + label.read_text())
    assert verify_sample(tmp_path, 3, 60, k=6) != []
