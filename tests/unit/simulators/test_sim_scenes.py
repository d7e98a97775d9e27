"""Synthetic scenes: labels match what was drawn; seeded frames are identical."""

import numpy as np
import pytest

from simulators.scenes import (
    CLASSES,
    STYLES,
    GroundTruth,
    RodentSpec,
    SceneSpec,
    WorkerSpec,
    render_scene,
)


def _render(spec: SceneSpec, seed: int = 1) -> tuple[np.ndarray, list[GroundTruth]]:
    return render_scene(spec, np.random.default_rng(seed))


def test_labels_enclose_exactly_what_was_drawn() -> None:
    base = SceneSpec(night=False, rodents=(), n_distractors=0, occlusion=False, background_seed=9)
    empty, none = _render(SceneSpec(**{**base.__dict__, "workers": ()}))
    assert none == []
    worker = WorkerSpec(x=0.5, y=0.9, hat=False, mask=False)
    img, gts = _render(SceneSpec(**{**base.__dict__, "workers": (worker,)}))
    assert sorted(g.cls for g in gts) == ["no_hat", "no_mask"]
    g = gts[0]
    diff = np.any(np.abs(img.astype(int) - empty.astype(int)) > 30, axis=2)
    ys, _xs = np.nonzero(diff)
    # the topmost painted pixel is the top of the hair, i.e. the box's top edge
    assert abs(ys.min() - g.y1) <= 2
    head_rows = diff[int(g.y1) : int(g.y2)]
    cols = np.nonzero(head_rows.any(axis=0))[0]
    assert abs(cols.min() - g.x1) <= 3 and abs(cols.max() - g.x2) <= 3
    # nothing drawn beside the head box in the rows of the head (head is on top)
    assert not diff[int(g.y1) + 1 : int(g.y2) - 4, : int(g.x1) - 3].any()


def test_hat_and_mask_remove_labels_and_rodent_is_labelled() -> None:
    spec = SceneSpec(
        night=True,
        workers=(WorkerSpec(hat=True, mask=True),),
        rodents=(RodentSpec(x=0.2, y=0.95),),
        n_distractors=0,
        occlusion=False,
    )
    _img, gts = _render(spec)
    assert [g.cls for g in gts] == ["rodent"]
    g = gts[0]
    assert 0 <= g.x1 < g.x2 <= 320 and 0 <= g.y1 < g.y2 <= 240


def test_seeded_frames_identical_and_random_specs_vary() -> None:
    a, ga = _render(SceneSpec(), 5)
    b, gb = _render(SceneSpec(), 5)
    c, _ = _render(SceneSpec(), 6)
    assert np.array_equal(a, b) and ga == gb
    assert not np.array_equal(a, c)
    assert a.dtype == np.uint8 and a.shape == (240, 320, 3)
    big, _ = _render(SceneSpec(width=640, height=480), 5)
    assert big.shape == (480, 640, 3)
    assert {g.cls for g in ga} <= set(CLASSES)


NEW_STYLES = tuple(s for s in STYLES if s != "classic")


@pytest.mark.parametrize("style", NEW_STYLES)
def test_new_styles_label_what_they_draw(style: str) -> None:
    base = SceneSpec(
        night=False,
        rodents=(),
        n_distractors=0,
        occlusion=False,
        background_seed=9,
        style=style,
        label_heads=True,
    )
    empty, none = _render(SceneSpec(**{**base.__dict__, "workers": ()}))
    assert none == []
    bare = WorkerSpec(x=0.5, y=0.9, hat=False, mask=False)
    img, gts = _render(SceneSpec(**{**base.__dict__, "workers": (bare,)}))
    assert sorted(g.cls for g in gts) == ["head", "no_hat", "no_mask"]
    g = gts[0]
    assert all((o.x1, o.y1, o.x2, o.y2) == (g.x1, g.y1, g.x2, g.y2) for o in gts)
    diff = np.any(np.abs(img.astype(int) - empty.astype(int)) > 30, axis=2)
    ys, _xs = np.nonzero(diff)
    assert abs(ys.min() - g.y1) <= 3  # without a hat, the head is the topmost thing drawn
    head_rows = diff[int(g.y1) + 1 : int(g.y2) - 1, int(g.x1) - 1 : int(g.x2) + 2]
    assert head_rows.mean() > 0.5  # the box is filled by the head, not empty space
    # a hat and a mask take the violation labels away, the head label stays
    dressed = WorkerSpec(x=0.5, y=0.9, hat=True, mask=True)
    img2, gts2 = _render(SceneSpec(**{**base.__dict__, "workers": (dressed,)}))
    assert [g2.cls for g2 in gts2] == ["head"]
    above = np.any(np.abs(img2.astype(int) - empty.astype(int)) > 30, axis=2)
    assert np.nonzero(above)[0].min() < g.y1 + 1  # the hat is drawn on top of the head
    # a rodent is labelled; the style's frames are reproducible
    night = SceneSpec(**{**base.__dict__, "workers": (), "rodents": (RodentSpec(x=0.3),)})
    a, ga = _render(night)
    b, gb = _render(night)
    assert [x.cls for x in ga] == ["rodent"] and np.array_equal(a, b) and ga == gb


@pytest.mark.parametrize("style", NEW_STYLES)
def test_new_styles_random_scenes_vary_and_stay_in_frame(style: str) -> None:
    seen: set[str] = set()
    for seed in range(12):
        img, gts = _render(SceneSpec(style=style, label_heads=True), seed)
        assert img.shape == (240, 320, 3) and img.dtype == np.uint8
        for g in gts:
            assert 0 <= g.x1 < g.x2 <= 320 and 0 <= g.y1 < g.y2 <= 240
            seen.add(g.cls)
    assert seen == {"head", "no_hat", "no_mask", "rodent"}


def test_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scene style"):
        _render(SceneSpec(style="fresco"))
