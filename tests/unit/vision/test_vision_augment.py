"""Training augmentations keep the picture's shape and labels' meaning and repeat with
the seed; the random convolution changes texture, not where things are."""

import numpy as np

from vision.train.augment import random_convolution, scale_jitter, stylise


def _picture() -> np.ndarray:
    """A CHW picture: noisy grey background with a bright square at a known place."""
    rng = np.random.default_rng(0)
    img = rng.integers(60, 100, (3, 64, 80), dtype=np.uint8)
    img[:, 20:40, 30:50] = 230
    return img


def test_stylise_keeps_the_picture_shape() -> None:
    img = _picture()
    outs = [stylise(img, np.random.default_rng(s)) for s in range(8)]
    assert all(o.shape == img.shape and o.dtype == np.uint8 for o in outs)
    assert any(not np.array_equal(o, img) for o in outs)
    assert np.array_equal(stylise(img, np.random.default_rng(3)), outs[3])


def test_random_convolution_is_seeded_and_keeps_the_shape() -> None:
    img = _picture()
    outs = [random_convolution(img, np.random.default_rng(s)) for s in range(12)]
    assert all(o.shape == img.shape and o.dtype == np.uint8 for o in outs)
    assert np.array_equal(random_convolution(img, np.random.default_rng(5)), outs[5])
    assert len({o.tobytes() for o in outs}) == len(outs)  # each seed its own filter


def test_random_convolution_changes_texture_but_keeps_the_object_in_place() -> None:
    """The square stays where it was: its outline is the strongest contrast in most
    outputs (the filter may invert it, so compare contrast, not brightness)."""
    img = _picture()
    inside = np.zeros((64, 80), bool)
    inside[22:38, 32:48] = True
    around = np.zeros((64, 80), bool)
    around[10:50, 20:60] = True
    around[18:42, 28:52] = False
    kept = 0
    changed = 0
    for s in range(20):
        out = random_convolution(img, np.random.default_rng(s)).astype(float).mean(axis=0)
        if abs(out[inside].mean() - out[around].mean()) > 3 * out[around].std():
            kept += 1
        if np.abs(out - img.astype(float).mean(axis=0)).mean() > 2:
            changed += 1
    assert kept >= 15
    assert changed >= 15


def test_random_convolution_keeps_brightness_and_contrast_in_range() -> None:
    img = _picture()
    for s in range(20):
        out = random_convolution(img, np.random.default_rng(s)).astype(float)
        assert abs(out.mean() - img.mean()) < 25
        assert out.std() > 0.3 * img.std()


def test_scale_jitter_moves_boxes_with_the_picture() -> None:
    img = _picture()
    box = np.array([[0, 30.0, 20.0, 50.0, 40.0]])
    for s in range(10):
        out, boxes = scale_jitter(img, box, np.random.default_rng(s), 0.5, 1.5)
        assert out.shape == img.shape
        for _c, x1, y1, x2, y2 in boxes:
            patch = out[:, int(y1) + 1 : int(y2) - 1, int(x1) + 1 : int(x2) - 1]
            assert patch.size == 0 or patch.mean() > 180  # the square is under its box


def test_card_command_restates_the_augmentations() -> None:
    from pathlib import Path

    from vision.train.loop import TrainConfig
    from vision.train.run import training_command

    cfg = TrainConfig(data=Path("d"), out_dir=Path("o"))
    ds = {"seed": 5}
    plain = training_command(cfg, Path("d"), ds, 100, "1")
    assert "--randconv" not in plain and "--stylise" not in plain
    cfg.stylise, cfg.randconv = 0.5, 0.25
    cmd = training_command(cfg, Path("d"), ds, 100, "1")
    assert " --stylise 0.5" in cmd and " --randconv 0.25" in cmd


def test_card_command_restates_a_zoom_range_other_than_the_default() -> None:
    from pathlib import Path

    from vision.train.augment import SCALE_JITTER
    from vision.train.loop import TrainConfig
    from vision.train.run import training_command

    cfg = TrainConfig(data=Path("d"), out_dir=Path("o"), scale_jitter=SCALE_JITTER)
    plain = training_command(cfg, Path("d"), {"seed": 5}, 100, "1")
    assert " --scale-jitter" in plain and "--scale-min" not in plain
    assert "--scale-max" not in plain
    cfg.scale_jitter = (0.3, 2.2)
    cmd = training_command(cfg, Path("d"), {"seed": 5}, 100, "1")
    assert " --scale-min 0.3" in cmd and " --scale-max 2.2" in cmd


def test_zoom_range_defaults_each_end_and_refuses_an_empty_range() -> None:
    import pytest
    import typer

    from vision.cli import zoom_range

    assert zoom_range(None, None) == (0.5, 1.5)
    assert zoom_range(0.3, None) == (0.3, 1.5)
    assert zoom_range(None, 2.2) == (0.5, 2.2)
    for lo, hi in ((2.0, None), (0.0, 1.0), (-1.0, 1.0), (0.5, 0.5), (0.5, 20.0)):
        with pytest.raises(typer.BadParameter, match="--scale-min < --scale-max"):
            zoom_range(lo, hi)


def test_a_zoom_past_one_and_a_half_enlarges_the_boxes_it_keeps() -> None:
    img = _picture()
    box = np.array([[0, 30.0, 20.0, 50.0, 40.0]])
    areas = []
    for s in range(30):
        _out, boxes = scale_jitter(img, box, np.random.default_rng(s), 1.6, 2.2)
        areas += [float((b[3] - b[1]) * (b[4] - b[2])) for b in boxes]
    assert areas, "some zooms keep the square in the picture"
    # a kept box shows at least 60 % of the square zoomed at least 1.6 times
    assert min(areas) >= 0.6 * (20 * 1.6) ** 2 > 20 * 20
