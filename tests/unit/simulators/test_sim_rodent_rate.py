"""`rodent_rate`: more rodents in training frames only, every style, restated in the card."""

from pathlib import Path

import numpy as np
import pytest

from simulators.dataset import DatasetPlan, frame_spec
from simulators.scenes import SceneSpec, render_scene
from simulators.scenes.spec import STYLES  # every style, classic first


def _rodents_per_frame(style: str, rate: float | None, frames: int = 24) -> float:
    seen = 0
    for i in range(frames):
        spec = SceneSpec(style=style, occlusion=False, rodent_rate=rate)
        _img, truths = render_scene(spec, np.random.default_rng([41, i]))
        seen += sum(gt.cls == "rodent" for gt in truths)
    return seen / frames


@pytest.mark.parametrize("style", STYLES)
def test_rate_sets_how_many_rodents_each_style_draws(style: str) -> None:
    assert _rodents_per_frame(style, 0.0) == 0
    # a sure first rodent, a second at half the chance, a third at a quarter of that:
    # 1.6 a frame drawn; fewer labelled (one behind a worker or off the edge is not)
    sure = _rodents_per_frame(style, 1.0)
    assert sure >= 1.0
    assert sure > 2 * _rodents_per_frame(style, None)


def test_only_training_frames_get_the_rate() -> None:
    plan = DatasetPlan(100, 5, styles=("classic", "flat"), heldout_style="outline", rodent_rate=0.7)
    for split in ("train", "val", "heavy", "tune", "heldout"):
        spec, _rng = frame_spec(plan, split, 3)
        assert spec.rodent_rate == (0.7 if split == "train" else None), split


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_a_rate_that_is_no_chance_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="rodent_rate is a chance"):
        DatasetPlan(10, 1, rodent_rate=bad)


def test_report_and_card_command_restate_the_rate(tmp_path: Path) -> None:
    from simulators.dataset import export_dataset
    from vision.train.loop import TrainConfig
    from vision.train.run import training_command

    report = export_dataset(
        tmp_path, 10, 2, styles=("classic", "flat"), label_heads=True, rodent_rate=1.0
    )
    assert report["rodent_rate"] == 1.0
    # every training frame that keeps its rodent in view labels one; val keeps the
    # natural rate (fewer than one a frame)
    assert report["objects"]["train"].get("rodent", 0) >= report["frames"]["train"]
    cfg = TrainConfig(data=tmp_path, out_dir=tmp_path, num_classes=4)
    assert "--rodent-rate 1" in training_command(cfg, tmp_path, report, 10, "1")
    plain = dict(report)
    del plain["rodent_rate"]
    assert "--rodent-rate" not in training_command(cfg, tmp_path, plain, 10, "1")
