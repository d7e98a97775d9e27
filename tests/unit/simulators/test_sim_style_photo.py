"""Scene style `photo`: hats and masks sit where they should, labels match the drawing
(seeding is checked with other styles in test_sim_style_contract.py)."""

import numpy as np
import pytest

from simulators.scenes import GroundTruth, RodentSpec, SceneSpec, WorkerSpec, render_scene
from simulators.scenes.background import Layout
from simulators.scenes.style_photo import KIT, background

SEEDS = range(8)


def _scene(seed: int, **kw: object) -> SceneSpec:
    base: dict[str, object] = {
        "style": "photo",
        "night": False,
        "rodents": (),
        "n_distractors": 0,
        "occlusion": False,
        "background_seed": 100 + seed,
        "label_heads": True,
    }
    return SceneSpec(**{**base, **kw})  # type: ignore[arg-type]


def _worker(seed: int, hat: bool, mask: bool) -> tuple[np.ndarray, list[GroundTruth]]:
    turn = (seed % 5 - 2) / 2.5
    ws = WorkerSpec(x=0.5, y=0.92, hat=hat, mask=mask, turn=turn, arms_up=seed % 3 == 0)
    return render_scene(_scene(seed, workers=(ws,)), np.random.default_rng(seed))


def _head(gts: list[GroundTruth]) -> GroundTruth:
    return next(g for g in gts if g.cls == "head")


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.any(a != b, axis=2))


@pytest.mark.parametrize("seed", SEEDS)
def test_hat_covers_the_hair_rises_above_and_changes_nothing_below_the_head(seed: int) -> None:
    bare, gts = _worker(seed, hat=False, mask=False)
    hatted, _ = _worker(seed, hat=True, mask=False)
    g = _head(gts)
    hh, cx = g.y2 - g.y1, (g.x1 + g.x2) / 2
    diff = _changed(bare, hatted)
    assert diff[: int(g.y1) - 1].any()  # the hat rises above the hair top
    crown = diff[int(g.y1) + 1 : int(g.y1 + 0.2 * hh), int(cx - 0.2 * hh) : int(cx + 0.2 * hh)]
    assert crown.mean() > 0.9  # the top of the head (hair) is covered
    assert not diff[int(g.y2) + 4 :].any()  # nothing below the chin changes (blur, anti-aliasing)


@pytest.mark.parametrize("seed", SEEDS)
def test_mask_covers_nose_and_mouth_and_nothing_above_the_eyes(seed: int) -> None:
    bare, gts = _worker(seed, hat=False, mask=False)
    masked, _ = _worker(seed, hat=False, mask=True)
    g = _head(gts)
    hh, hw = g.y2 - g.y1, g.x2 - g.x1
    fx = (g.x1 + g.x2) / 2 + (seed % 5 - 2) / 2.5 * 0.12 * hw
    diff = _changed(bare, masked)
    eyes = int(g.y1 + 0.5 * hh) - 2
    assert not diff[:eyes].any()  # eyes and everything above stay visible
    mouth = diff[
        int(g.y1 + 0.65 * hh) : int(g.y1 + 0.9 * hh), int(fx - 0.2 * hw) : int(fx + 0.2 * hw)
    ]
    assert mouth.mean() > 0.9
    assert not diff[int(g.y2) + 4 :].any()


@pytest.mark.parametrize("seed", SEEDS)
def test_head_box_is_the_same_whatever_the_worker_wears(seed: int) -> None:
    boxes = set()
    for hat in (False, True):
        for mask in (False, True):
            _img, gts = _worker(seed, hat, mask)
            g = _head(gts)
            boxes.add((g.x1, g.y1, g.x2, g.y2))
            want = (
                {"head"} | ({"no_hat"} if not hat else set()) | ({"no_mask"} if not mask else set())
            )
            assert {x.cls for x in gts} == want
    assert len(boxes) == 1


@pytest.mark.parametrize("seed", SEEDS)
def test_rodent_box_holds_the_body_and_head_but_not_the_tail(seed: int) -> None:
    rs = RodentSpec(x=0.5, y=0.9, size=1.6, speed=0.1 if seed % 2 else -0.1)
    spec = _scene(seed, width=640, height=480, workers=())
    empty, none = render_scene(spec, np.random.default_rng(seed))
    img, gts = render_scene(
        _scene(seed, width=640, height=480, workers=(), rodents=(rs,)), np.random.default_rng(seed)
    )
    assert none == [] and [g.cls for g in gts] == ["rodent"]
    g = gts[0]
    diff = np.any(np.abs(img.astype(int) - empty.astype(int)) > 12, axis=2)
    inside = np.zeros_like(diff)
    inside[int(g.y1) : int(np.ceil(g.y2)) + 1, int(g.x1) : int(np.ceil(g.x2)) + 1] = True
    assert diff[inside].mean() > 0.6  # the body and head fill the box
    near = np.zeros_like(diff)
    near[max(0, int(g.y1) - 3) : int(g.y2) + 4, max(0, int(g.x1) - 3) : int(g.x2) + 4] = True
    tail = diff & ~near
    assert tail.sum() > 0.03 * diff[inside].sum()  # the tail is drawn, outside the box


@pytest.mark.parametrize("seed", range(3))
def test_larger_frames_scale_the_labels(seed: int) -> None:
    ws = (WorkerSpec(x=0.4, y=0.9, hat=False, mask=True),)
    small, gs = render_scene(_scene(seed, workers=ws), np.random.default_rng(seed))
    big, gb = render_scene(
        _scene(seed, workers=ws, width=640, height=480), np.random.default_rng(seed)
    )
    assert small.shape == (240, 320, 3) and big.shape == (480, 640, 3) and big.dtype == np.uint8
    hs, hb = _head(gs), _head(gb)
    for a, b in zip((hs.x1, hs.y1, hs.x2, hs.y2), (hb.x1, hb.y1, hb.x2, hb.y2), strict=True):
        assert abs(2 * a - b) < 1.5


@pytest.mark.parametrize("seed", range(4))
def test_infrared_night_is_grey_and_plain_night_is_dark_colour(seed: int) -> None:
    ws = (WorkerSpec(hat=False, mask=False),)
    ir, _ = render_scene(_scene(seed, night=True, ir=True, workers=ws), np.random.default_rng(seed))
    assert np.array_equal(ir[..., 0], ir[..., 1]) and np.array_equal(ir[..., 1], ir[..., 2])
    dark, _ = render_scene(
        _scene(seed, night=True, ir=False, workers=ws), np.random.default_rng(seed)
    )
    day, _ = render_scene(_scene(seed, workers=ws), np.random.default_rng(seed))
    assert not np.array_equal(dark[..., 0], dark[..., 2])
    assert dark.mean() < 0.8 * day.mean()


def test_hat_and_mask_colours_vary_across_workers() -> None:
    hats, masks = set(), set()
    for seed in range(12):
        _bare, gts = _worker(seed, hat=False, mask=False)
        dressed, _ = _worker(seed, hat=True, mask=True)
        g = _head(gts)
        hh, cx = g.y2 - g.y1, (g.x1 + g.x2) / 2
        crown = dressed[int(g.y1) : int(g.y1 + 0.15 * hh), int(cx - 2) : int(cx + 3)]
        mouth = dressed[int(g.y1 + 0.75 * hh) : int(g.y1 + 0.85 * hh), int(cx - 2) : int(cx + 3)]
        hats.add(tuple(int(v) // 48 for v in crown.reshape(-1, 3).mean(axis=0)))
        masks.add(tuple(int(v) // 48 for v in mouth.reshape(-1, 3).mean(axis=0)))
    assert len(hats) >= 4 and len(masks) >= 3


@pytest.mark.parametrize("kind", KIT.distractors)
def test_every_distractor_draws_something(kind: str) -> None:
    img, layout = background(320, 240, np.random.default_rng(5))
    assert isinstance(layout, Layout)
    before = img.copy()
    for k in range(3):
        KIT.distractor(img, kind, layout, np.random.default_rng(k), 1.0)
    assert _changed(before, img).sum() > 20
