"""Style `cctv`: a hat, a mask, a head turn and a raised arm change what they should and
nothing else; the rodent's box holds body and head, not the tail; frames scale to any
size; infrared frames are grey and night frames carry their OSD. (Seeding is checked with
other styles in test_sim_style_contract.py.)"""

from dataclasses import replace

import numpy as np
import pytest

from simulators.scenes import RodentSpec, SceneSpec, WorkerSpec, render_scene
from simulators.scenes import style_cctv as cctv
from simulators.scenes.actors import rodent_geometry, worker_geometry
from simulators.scenes.background import Layout

W, H = 320, 240
NEAR = WorkerSpec(x=0.5, y=0.97, hat=False, mask=False)
"""A worker close to the camera: a head of about 25 x 32 pixels."""


def _draw(
    spec: WorkerSpec, seed: int
) -> tuple[np.ndarray, np.ndarray, tuple[float, float, float, float], dict[str, float]]:
    """The kitchen alone, the kitchen with the worker, the head box and the geometry."""
    kitchen, layout = cctv.background(W, H, np.random.default_rng(seed))
    img = kitchen.copy()
    g = worker_geometry(spec, layout, W, H, 0.0)
    box = cctv.worker(img, spec, g, np.random.default_rng(seed))
    return kitchen, img, box, g


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.any(a != b, axis=2)
    return out


@pytest.mark.parametrize("seed", range(8))
def test_a_hat_covers_the_hair_rises_above_the_head_and_changes_nothing_else(seed: int) -> None:
    kitchen, bare, box, g = _draw(NEAR, seed)
    _k, hatted, box2, _g = _draw(replace(NEAR, hat=True), seed)
    assert box2 == box  # the label is the head either way
    x1, y1, x2, _y2 = (round(v) for v in box)
    hh = g["hh"]
    changed = _changed(bare, hatted)
    band = slice(y1, y1 + int(0.25 * hh)), slice(x1, x2)
    hair = _changed(kitchen, bare)[band]  # hair or scalp at the top of the bare head
    assert hair.sum() > 20
    assert changed[band][hair].mean() > 0.9  # ...is covered by the hat
    assert changed[: y1 - 1, x1:x2].any()  # which stands above the head
    assert not changed[int(y1 + 1.45 * hh) :].any()  # same person, same body


@pytest.mark.parametrize("seed", range(8))
def test_a_mask_covers_nose_and_mouth_and_nothing_above_the_eyes(seed: int) -> None:
    _k, bare, box, g = _draw(NEAR, seed)
    _k2, masked, box2, _g = _draw(replace(NEAR, mask=True), seed)
    assert box2 == box
    _x1, y1, _x2, y2 = (round(v) for v in box)
    cx, hh, hw = g["cx"], g["hh"], g["hw"]
    changed = _changed(bare, masked)
    assert not changed[: int(y1 + 0.45 * hh)].any()  # eyes, hair, hat untouched
    assert not changed[y2 + 2 :].any()  # below the chin untouched
    nose_mouth = changed[
        int(y1 + 0.65 * hh) : int(y1 + 0.9 * hh), int(cx - 0.25 * hw) : int(cx + 0.25 * hw)
    ]
    assert nose_mouth.mean() > 0.9


@pytest.mark.parametrize("turn", [-0.8, 0.8])
def test_turning_the_head_moves_the_face_features_that_way(turn: float) -> None:
    for seed in range(4):
        _k, front, _box0, g = _draw(NEAR, seed)
        _k2, turned, _box, _g = _draw(replace(NEAR, turn=turn), seed)
        cx, hh, hw, top = g["cx"], g["hh"], g["hw"], g["top"]
        assert not _changed(front, turned)[int(top + 1.45 * hh) :].any()  # the body stays
        # nose and mouth; the eye rows also show more hair on the far side of a turn
        rows = slice(int(top + 0.62 * hh), int(top + 0.9 * hh))
        cols = slice(int(cx - 0.22 * hw), int(cx + 0.22 * hw))
        a = front[rows, cols].astype(int).sum(axis=2)
        b = turned[rows, cols].astype(int).sum(axis=2)
        xs = np.arange(a.shape[1])[None, :].repeat(a.shape[0], axis=0)
        darker, lighter = xs[b < a - 30], xs[b > a + 30]
        assert darker.size and lighter.size
        # eyes, nose and mouth arrive on the side the head turns to
        assert np.sign(darker.mean() - lighter.mean()) == np.sign(turn), seed


@pytest.mark.parametrize("seed", range(4))
def test_arms_up_raises_a_hand_beside_the_head_and_leaves_the_head_alone(seed: int) -> None:
    _k, down, box, g = _draw(NEAR, seed)
    _k2, up, _box, _g = _draw(replace(NEAR, arms_up=True), seed)
    x1, y1, x2, y2 = (round(v) for v in box)
    changed = _changed(down, up)
    assert not changed[y1:y2, x1:x2].any()
    shoulders = int(g["top"] + g["hh"])
    beside = np.concatenate([changed[:shoulders, : x1 - 2], changed[:shoulders, x2 + 2 :]], axis=1)
    assert beside.sum() > 30  # a hand and forearm above the shoulders


@pytest.mark.parametrize("seed", range(6))
def test_the_rodent_box_holds_body_and_head_but_not_the_tail(seed: int) -> None:
    layout = Layout(horizon=110, counter_top=90, shelf_y=50, pots=())
    facing = 1 if seed % 2 else -1
    rs = RodentSpec(x=0.5, y=0.9, size=1.5, speed=0.1 * facing)
    geom = rodent_geometry(rs, layout, W, H, 0.0)
    img = np.zeros((H, W, 3), np.uint8)
    img[..., 1] = 255  # pure green: a shadow darkens it, only the animal adds blue and red
    x1, y1, x2, y2 = cctv.rodent(img, geom, np.random.default_rng(seed))
    painted = (img[..., 0] > 25) | (img[..., 2] > 25)
    ys, xs = np.nonzero(painted)
    ln = geom[2]
    assert ys.min() >= y1 - 1 and ys.max() <= y2 + 1
    inside = painted[int(y1) : int(np.ceil(y2)), int(x1) : int(np.ceil(x2))]
    assert inside.mean() > 0.4  # a tight box
    behind = xs < x1 - 2 if facing > 0 else xs > x2 + 2
    ahead = xs > x2 + 0.12 * ln + 2 if facing > 0 else xs < x1 - 0.12 * ln - 2
    assert behind.sum() > 0.2 * ln  # the tail trails outside the box
    assert not ahead.any()  # only whiskers pass the nose


def test_a_crowd_at_640x480_keeps_its_labels_in_frame_and_on_heads() -> None:
    spec = SceneSpec(style="cctv", label_heads=True)
    crowd = tuple(WorkerSpec(x=0.15 + 0.14 * i, y=0.7 + 0.05 * i, hat=i % 2 == 0) for i in range(6))
    big = replace(spec, width=640, height=480, workers=crowd, night=False, occlusion=False)
    img, gts = render_scene(big, np.random.default_rng(7))
    assert img.shape == (480, 640, 3)
    heads = [g for g in gts if g.cls == "head"]
    assert len(heads) >= 4
    for g in gts:
        assert 0 <= g.x1 < g.x2 <= 640 and 0 <= g.y1 < g.y2 <= 480
    head_boxes = {(g.x1, g.y1, g.x2, g.y2) for g in heads}
    bare = [g for g in gts if g.cls == "no_hat"]
    assert 0 < len(bare) <= sum(not w.hat for w in crowd)
    assert {(g.x1, g.y1, g.x2, g.y2) for g in bare} <= head_boxes


def test_infrared_is_grey_colour_night_is_dark_and_the_osd_is_burnt_in() -> None:
    base = SceneSpec(style="cctv", background_seed=3, workers=(NEAR,), rodents=(), occlusion=False)
    day, _ = render_scene(replace(base, night=False), np.random.default_rng(1))
    dark, _ = render_scene(replace(base, night=True, ir=False), np.random.default_rng(1))
    ir, _ = render_scene(replace(base, night=True, ir=True), np.random.default_rng(1))
    assert np.array_equal(ir[..., 0], ir[..., 1]) and np.array_equal(ir[..., 1], ir[..., 2])
    spread = day.astype(int).max(axis=2) - day.astype(int).min(axis=2)
    assert (spread > 20).mean() > 0.05  # the day frame has colour
    assert dark.mean() < 0.8 * day.mean()
    for ir_on in (False, True):  # white or yellow text on the top rows of an empty night
        empty = replace(base, workers=(), night=True, ir=ir_on)
        frame, _ = render_scene(empty, np.random.default_rng(2))
        top = frame[: int(0.08 * H)].max(axis=2) >= 200
        rest = frame[int(0.08 * H) :].max(axis=2) >= 200
        assert top.sum() > 20 and top.mean() > 3 * rest.mean()
