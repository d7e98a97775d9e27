"""Data set export: YOLO labels re-rendered and checked, balance reported, no shared frames."""

import json
from pathlib import Path

import numpy as np

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


def test_styles_heldout_and_randomised_dataset(tmp_path: Path) -> None:
    from simulators.dataset import DatasetPlan, frame_spec
    from simulators.scenes.perturb import PERTURBATIONS

    report = export_dataset(
        tmp_path,
        40,
        seed=4,
        styles=("classic", "flat", "shaded"),
        heldout_style="outline",
        label_heads=True,
        randomise=True,
    )
    assert report["frames"] == {"train": 32, "val": 8, "heavy": 4, "tune": 8, "heldout": 8}
    assert report["classes"] == ["no_hat", "no_mask", "rodent", "head"]
    assert set(report["identical_frames_across_splits"].values()) == {0}
    plan = DatasetPlan(40, 4, styles=("classic", "flat", "shaded"), heldout_style="outline")
    train_styles = {frame_spec(plan, s, i)[0].style for s in ("train", "tune") for i in range(8)}
    assert train_styles == {"classic", "flat", "shaded"}  # the held-out style never
    assert {frame_spec(plan, "heldout", i)[0].style for i in range(8)} == {"outline"}
    assert report["objects"]["heldout"].get("head", 0) > 0
    assert verify_sample(tmp_path, 4, 40, k=6, split="train") == []
    # the named perturbations keep boxes on what they box: half scale halves them
    boxes = np.array([[100.0, 40.0, 140.0, 90.0]])
    img = np.zeros((240, 320, 3), np.uint8)
    small, moved = PERTURBATIONS["half_scale"](img, boxes)
    assert small.shape == img.shape
    np.testing.assert_allclose(moved, [[130.0, 80.0, 150.0, 105.0]])
