"""The `ink` training style: its drawings keep the label contracts the compositor relies on
(its registration and module doc are checked in test_sim_style_contract.py)."""

import numpy as np
import pytest

from simulators.scenes import CLASSES, RodentSpec, SceneSpec, WorkerSpec, render_scene, style_ink
from simulators.scenes.actors import head_box, rodent_geometry, worker_geometry
from simulators.scenes.background import Layout

LAYOUT = Layout(horizon=110, counter_top=85, shelf_y=50, pots=((60, 70, 12),))
ODD = (255, 0, 255)  # pure magenta: a colour the style never paints


def _flat(h: int = 240, w: int = 320) -> np.ndarray:
    img = np.empty((h, w, 3), np.uint8)
    img[:] = ODD
    return img


def _worker(ws: WorkerSpec, seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """(changed-pixel mask, painted image, geometry) of one worker on a flat canvas."""
    g = worker_geometry(ws, LAYOUT, 320, 240, 0.0)
    img = _flat()
    box = style_ink.worker(img, ws, g, np.random.default_rng(seed))
    assert box == head_box(g)
    return np.any(img != ODD, axis=2), img, g


@pytest.mark.parametrize("seed", range(6))
def test_head_box_is_filled_and_hair_is_the_top_without_a_hat(seed: int) -> None:
    ws = WorkerSpec(x=0.5, y=0.9, hat=False, mask=bool(seed % 2), turn=(seed - 3) / 3)
    drawn, _img, g = _worker(ws, seed)
    x1, y1, x2, y2 = head_box(g)
    ys, _xs = np.nonzero(drawn)
    assert ys.min() >= y1 - 2  # nothing of the worker above the hair
    inside = drawn[int(y1) + 1 : int(y2) - 1, int(x1) + 1 : int(x2) - 1]
    assert inside.mean() > 0.85  # the head fills its box
    # the ears reach the box sides: paint near both edges in the head rows
    rows = drawn[int(y1) : int(y2)]
    cols = np.nonzero(rows.any(axis=0))[0]
    assert abs(cols.min() - x1) <= 3 and abs(cols.max() - x2) <= 3


@pytest.mark.parametrize("seed", range(8))
def test_a_hat_is_painted_above_the_head(seed: int) -> None:
    ws = WorkerSpec(x=0.5, y=0.9, hat=True, mask=True, turn=0.3)
    drawn, _img, g = _worker(ws, seed)
    _x1, y1, _x2, _y2 = head_box(g)
    above = drawn[: int(y1) - 1, int(g["cx"] - g["hw"]) : int(g["cx"] + g["hw"])]
    assert above.sum() >= 3


def test_mask_covers_the_lower_face_and_turn_moves_the_face() -> None:
    ws = WorkerSpec(x=0.5, y=0.9, hat=False, mask=False)
    _d, bare, g = _worker(ws, 3)
    _d, masked, _g = _worker(WorkerSpec(x=0.5, y=0.9, hat=False, mask=True), 3)
    x1, y1, x2, y2 = (int(v) for v in head_box(g))
    hh = y2 - y1
    low = slice(y1 + int(0.62 * hh), y1 + int(0.92 * hh))
    upper = slice(y1 + int(0.1 * hh), y1 + int(0.4 * hh))
    diff = np.abs(bare.astype(int) - masked.astype(int)).max(axis=2)
    assert (diff[low, x1:x2] > 30).mean() > 0.3
    assert (diff[upper, x1:x2] > 30).mean() < 0.05  # the same worker above the mask
    _d, left, _g = _worker(WorkerSpec(x=0.5, y=0.9, hat=False, mask=False, turn=-1.0), 3)
    _d, right, _g = _worker(WorkerSpec(x=0.5, y=0.9, hat=False, mask=False, turn=1.0), 3)
    assert not np.array_equal(left[y1:y2, x1:x2], right[y1:y2, x1:x2])


@pytest.mark.parametrize("arms_up", [False, True])
@pytest.mark.parametrize("scale", [0.3, 1.0, 1.4])
def test_worker_changes_only_its_own_neighbourhood(arms_up: bool, scale: float) -> None:
    ws = WorkerSpec(x=0.45, y=0.95, hat=True, mask=False, scale=scale, arms_up=arms_up)
    drawn, _img, g = _worker(ws, 7)
    ys, xs = np.nonzero(drawn)
    ph = g["ph"]
    assert xs.min() >= g["cx"] - 0.32 * ph and xs.max() <= g["cx"] + 0.32 * ph
    assert ys.min() >= g["top"] - 2.6 * g["hat_h"] - 2 and ys.max() <= g["fy"] + 0.05 * ph + 2
    if not arms_up:
        return
    # raised hands stay below the head box top
    bare = WorkerSpec(x=0.45, y=0.95, hat=False, mask=False, scale=scale, arms_up=True)
    d2, _i, g2 = _worker(bare, 7)
    assert np.nonzero(d2)[0].min() >= head_box(g2)[1] - 2


@pytest.mark.parametrize("seed", range(6))
def test_rodent_box_holds_its_body(seed: int) -> None:
    rs = RodentSpec(x=0.2 + 0.1 * seed, y=0.85, size=0.5 + 0.2 * seed, speed=(-1) ** seed * 0.1)
    rg = rodent_geometry(rs, LAYOUT, 320, 240, 0.0)
    img = _flat()
    x1, y1, x2, y2 = style_ink.rodent(img, rg, np.random.default_rng(seed))
    drawn = np.any(img != ODD, axis=2)
    inside = drawn[max(0, int(y1)) : int(y2) + 1, max(0, int(x1)) : int(x2) + 1].sum()
    assert inside > 0.5 * drawn.sum()  # most paint is body and head (the rest is tail)
    box = drawn[int(y1) + 1 : int(y2) - 1, int(x1) + 1 : int(x2) - 1]
    assert box.mean() > 0.45  # and the box is not mostly empty floor
    assert y2 - y1 < x2 - x1  # a rodent is long and low


def _scene(seed: int, **kw: object) -> tuple[np.ndarray, list[object]]:
    img, gts = render_scene(SceneSpec(style="ink", **kw), np.random.default_rng(seed))  # type: ignore[arg-type]
    return img, list(gts)


def test_night_is_darker_than_day_and_ir_is_grey() -> None:
    for seed in range(4):
        base = {"workers": (WorkerSpec(),), "rodents": (), "background_seed": seed}
        day, _ = _scene(seed, night=False, **base)
        night, _ = _scene(seed, night=True, ir=False, **base)
        ir, _ = _scene(seed, night=True, ir=True, **base)
        assert night.mean() < 0.6 * day.mean()
        assert ir.mean() < 0.8 * day.mean()
        spread = ir.astype(int).max(axis=2) - ir.astype(int).min(axis=2)
        assert spread.mean() < 6  # near-monochrome
    # infrared is brightest in the middle of the frame (on a flat grey scene)
    for seed in range(4):
        flat = np.full((240, 320, 3), 150, np.uint8)
        ir = style_ink.light(flat, np.random.default_rng(seed), True, True).astype(float)
        corners = np.mean([ir[:30, :40].mean(), ir[:30, -40:].mean(), ir[-30:, -40:].mean()])
        assert ir[100:140, 140:180].mean() > corners + 10


def test_distractors_are_never_labelled() -> None:
    for seed in range(10):
        img, gts = _scene(seed, workers=(), rodents=(), distractor_heavy=True, label_heads=True)
        assert gts == []
        assert img.std() > 10


@pytest.mark.parametrize("kind", style_ink.KIT.distractors)
def test_each_distractor_paints_something_local(kind: str) -> None:
    img = _flat()
    style_ink.KIT.distractor(img, kind, LAYOUT, np.random.default_rng(1), 1.0)
    ys, xs = np.nonzero(np.any(img != ODD, axis=2))
    assert len(ys) > 10
    assert xs.max() - xs.min() < 200 and ys.max() - ys.min() < 200


def test_background_layout_is_a_kitchen() -> None:
    for seed in range(8):
        img, lay = style_ink.background(320, 240, np.random.default_rng(seed))
        assert img.shape == (240, 320, 3) and img.dtype == np.uint8
        assert 0 < lay.shelf_y < lay.counter_top < lay.horizon < 240 * 0.6
        assert lay.pots and all(top < lay.counter_top for _x, top, _r in lay.pots)
        # the counter top is a dark brush line across the wall
        line = img[lay.counter_top - 1 : lay.counter_top + 2].mean()
        assert line < img[lay.counter_top - 8 : lay.counter_top - 4].mean() - 10


def test_deterministic_and_varied() -> None:
    a, ga = _scene(11)
    b, gb = _scene(11)
    assert np.array_equal(a, b) and ga == gb
    frames = [_scene(s)[0] for s in range(5)]
    means = [f.reshape(-1, 3).mean(axis=0) for f in frames]
    assert np.std(means, axis=0).max() > 3  # paper, palettes and lighting vary


def test_label_sweep_boxes_in_frame_and_all_classes_seen() -> None:
    seen: set[str] = set()
    for seed in range(100):
        img, gts = render_scene(
            SceneSpec(style="ink", label_heads=True), np.random.default_rng(seed)
        )
        assert img.shape == (240, 320, 3)
        for g in gts:
            assert 0 <= g.x1 < g.x2 <= 320 and 0 <= g.y1 < g.y2 <= 240, g
            assert g.cls in (*CLASSES, "head")
            seen.add(g.cls)
    assert seen == {"head", "no_hat", "no_mask", "rodent"}
