"""Style `clay` (held out): labels fit the sculpted heads and rodents, parts change only
their own pixels, nights are dark, props never make labels, frames repeat with the seed.

Most tests draw one actor with the kit's own function on a flat image, so every changed
pixel is that actor's; a few go through `render_scene` as the dataset does. The kit
contracts clay shares with other styles (registration, seeding) are in
test_sim_style_contract.py.
"""

import gc

import numpy as np
import pytest

from simulators.scenes import STYLES, RodentSpec, SceneSpec, WorkerSpec, render_scene
from simulators.scenes import style_clay as sc
from simulators.scenes import style_clay_people as people
from simulators.scenes import style_clay_sculpt as sculpt
from simulators.scenes.actors import rodent_geometry, worker_geometry
from simulators.scenes.background import Layout
from simulators.scenes.compose import Box

W, H = 320, 240
LAYOUT = Layout(horizon=110, counter_top=90, shelf_y=50, pots=())
Image = np.ndarray


def _worker(
    spec: WorkerSpec, seed: int = 3, studio: sculpt.Studio | None = None
) -> tuple[Image, Box]:
    img = np.zeros((H, W, 3), np.uint8)
    img[..., 1] = 255  # a pure green no clay is made of, so every drawn pixel shows
    if studio is not None:
        sculpt.set_studio(img, studio)
    box = people.worker(
        img, spec, worker_geometry(spec, LAYOUT, W, H, 0.0), np.random.default_rng(seed)
    )
    return img, box


def _drawn(img: Image, bg: tuple[int, int, int] = (0, 255, 0)) -> np.ndarray:
    """Pixels visibly changed (big figures are sculpted at half size: faint soft rims)."""
    mask: np.ndarray = np.abs(img.astype(int) - np.array(bg)).max(axis=2) > 12
    return mask


def _strong(a: Image, b: Image) -> np.ndarray:
    mask: np.ndarray = np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 25
    return mask


def _render(spec: SceneSpec, seed: int) -> tuple[Image, list[Box]]:
    img, gts = render_scene(spec, np.random.default_rng(seed))
    return img, [(g.x1, g.y1, g.x2, g.y2) for g in gts]


def test_clay_is_a_registered_held_out_style() -> None:
    assert STYLES[STYLES.index("photo") + 1] == "clay"
    assert "held-out" in (sc.__doc__ or "")


@pytest.mark.parametrize(
    ("x", "y", "scale"),
    [(0.5, 0.95, 1.0), (0.5, 0.62, 0.35), (0.02, 0.85, 0.9), (0.98, 0.8, 0.7), (0.3, 0.95, 1.15)],
)
def test_bare_head_box_fits_the_drawn_head(x: float, y: float, scale: float) -> None:
    for seed in range(5):  # bald, cropped, long, curly and fringed tops
        img, (x1, y1, x2, y2) = _worker(
            WorkerSpec(x=x, y=y, hat=False, mask=False, scale=scale), seed
        )
        drawn = _drawn(img)
        hh = y2 - y1
        if y1 >= 0:  # the top of the hair (or the bald crown) is the box's top
            assert abs(np.nonzero(drawn)[0].min() - y1) <= 2, seed
        rows = drawn[max(0, int(y1)) : max(1, int(y1 + 0.6 * hh))]
        cols = np.nonzero(rows.any(axis=0))[0]
        tol = 1.5 + 0.04 * (x2 - x1)
        assert abs(cols.min() - max(0.0, x1)) <= tol, seed  # ear to ear
        assert abs(cols.max() + 1 - min(float(W), x2)) <= tol, seed
        inside = drawn[max(0, int(y1)) : int(y2), max(0, int(x1)) : int(x2)]
        assert inside.mean() > 0.65, seed


def test_hat_sits_above_the_box_and_not_far_beside_it() -> None:
    for seed in range(9):
        img, (x1, y1, x2, y2) = _worker(WorkerSpec(hat=True, mask=False, scale=0.6), seed)
        ys, xs = np.nonzero(_drawn(img)[: int(y1)])
        assert ys.min() < y1 - 0.06 * (y2 - y1), seed
        assert xs.min() >= x1 - 0.2 * (x2 - x1) and xs.max() <= x2 + 0.2 * (x2 - x1), seed


def test_hats_come_tall_and_flat() -> None:
    heights = []
    for seed in range(12):
        img, (_x1, y1, _x2, y2) = _worker(WorkerSpec(hat=True, scale=0.6), seed)
        heights.append((y1 - np.nonzero(_drawn(img))[0].min()) / (y2 - y1))
    assert max(heights) > 0.5 and min(heights) < 0.25


def test_putting_on_a_hat_changes_only_the_top_of_the_head() -> None:
    for seed in range(4):
        bare, (x1, y1, x2, y2) = _worker(WorkerSpec(hat=False, mask=True), seed)
        hat, _ = _worker(WorkerSpec(hat=True, mask=True), seed)
        ys, xs = np.nonzero(_strong(bare, hat))
        assert ys.min() < y1 and ys.max() < y2 + 0.3 * (y2 - y1)
        mid = (xs > x1 + 0.3 * (x2 - x1)) & (xs < x2 - 0.3 * (x2 - x1))  # not long hair
        assert ys[mid].max() < y1 + 0.62 * (y2 - y1), seed  # nose and mouth untouched


def test_putting_on_a_mask_changes_only_the_lower_face() -> None:
    for seed in range(4):
        bare, (x1, y1, x2, y2) = _worker(WorkerSpec(hat=True, mask=False), seed)
        masked, _ = _worker(WorkerSpec(hat=True, mask=True), seed)
        ys, xs = np.nonzero(_strong(bare, masked))
        assert len(ys) > 0.1 * (x2 - x1) * (y2 - y1)
        assert ys.min() >= y1 + 0.4 * (y2 - y1) and ys.max() <= y2 + 0.2 * (y2 - y1), seed
        assert xs.min() >= x1 - 1 and xs.max() <= x2 + 1, seed


def test_turning_the_head_moves_the_eyes() -> None:
    def eyes_x(turn: float) -> float:
        img, (x1, y1, x2, y2) = _worker(WorkerSpec(hat=True, mask=True, turn=turn), seed=2)
        band = img[int(y1 + 0.45 * (y2 - y1)) : int(y1 + 0.56 * (y2 - y1)), int(x1) : int(x2)]
        xs = np.nonzero(band.max(axis=2) < 50)[1]
        return float(xs.mean())

    assert eyes_x(1.0) > eyes_x(-1.0) + 1


def test_a_raised_hand_stays_below_the_top_of_a_bare_head() -> None:
    img, (_x1, y1, x2, _y2) = _worker(WorkerSpec(hat=False, mask=False, arms_up=True))
    ys, xs = np.nonzero(_drawn(img))
    assert abs(ys.min() - y1) <= 2
    assert xs.max() > x2 + 5  # the hand is out beside the head


def test_key_light_side_of_a_worker_is_brighter() -> None:
    def left_minus_right(kx: float) -> float:
        studio = sculpt.Studio(
            key=(kx, -0.3, 0.5),
            key_col=(0.9, 0.9, 0.9),
            ambient=(0.3, 0.3, 0.3),
            rim=(0.0, 0.0, 0.0),
            rim_dir=(1.0, 0.0),
            spec=0.3,
            wrap=0.3,
            lump=0.0,
        )
        img, (x1, _y1, x2, y2) = _worker(WorkerSpec(hat=True, mask=True), 5, studio)
        cx, w = (x1 + x2) / 2, x2 - x1
        torso = img[int(y2 + 0.5 * w) : int(y2 + 1.5 * w)].astype(float).mean(axis=2)
        return float(
            torso[:, int(cx - w) : int(cx)].mean() - torso[:, int(cx) : int(cx + w)].mean()
        )

    assert left_minus_right(-0.8) > 10 and left_minus_right(0.8) < -10


def _rodent(facing: float, seed: int) -> tuple[Image, Box, tuple[float, float, float, float]]:
    img = np.full((H, W, 3), 200, np.uint8)
    rs = RodentSpec(x=0.5, y=0.9, size=1.5, speed=0.1 * facing)
    geom = rodent_geometry(rs, LAYOUT, W, H, 0.0)
    return img, people.rodent(img, geom, np.random.default_rng(seed)), geom


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_the_tail_leaves_the_rodent_box_behind_it(facing: float) -> None:
    for seed in range(6):
        img, (x1, y1, x2, y2), _geom = _rodent(facing, seed)
        pink = (img[..., 2].astype(int) - img[..., 0].astype(int)) > 20
        outside = pink.copy()
        outside[max(0, int(y1)) : int(y2) + 1, max(0, int(x1)) : int(x2) + 1] = False
        xs = np.nonzero(outside)[1]
        assert len(xs) > 10, seed
        behind = xs < x1 if facing > 0 else xs > x2
        assert behind.mean() > 0.9, seed


def test_rodent_box_stands_on_the_floor_line_and_is_filled() -> None:
    ratios = []
    for seed in range(16):  # running, sitting up and sniffing
        img, (x1, y1, x2, y2), geom = _rodent(1.0, seed)
        assert abs(y2 - geom[1]) <= 1.5
        assert _drawn(img, (200, 200, 200))[int(y1) : int(y2), int(x1) : int(x2)].mean() > 0.5
        ratios.append((y2 - y1) / (x2 - x1))
    assert max(ratios) > 1.5 * min(ratios)


def test_night_frames_are_darker_and_infrared_is_grey() -> None:
    base = SceneSpec(style="clay", background_seed=4, workers=(WorkerSpec(),), rodents=())
    day, _ = _render(SceneSpec(**{**base.__dict__, "night": False}), 1)
    dark, _ = _render(SceneSpec(**{**base.__dict__, "night": True, "ir": False}), 1)
    ir, _ = _render(SceneSpec(**{**base.__dict__, "night": True, "ir": True}), 1)
    assert dark.mean() < 0.7 * day.mean()
    spread = np.abs(ir[..., 0].astype(int) - ir[..., 2].astype(int)).mean()
    assert spread < 8 < np.abs(day[..., 0].astype(int) - day[..., 2].astype(int)).mean()


def test_distractors_never_make_labels() -> None:
    for seed in range(5):
        spec = SceneSpec(style="clay", workers=(), rodents=(), label_heads=True, occlusion=False)
        busy, gts = _render(SceneSpec(**{**spec.__dict__, "n_distractors": 12}), seed)
        bare, _ = _render(SceneSpec(**{**spec.__dict__, "n_distractors": 0}), seed)
        assert gts == [] and not np.array_equal(busy, bare)


def test_every_distractor_kind_draws_where_it_belongs() -> None:
    img, layout = sc.background(W, H, np.random.default_rng(7))
    for kind in sc.KIT.distractors:
        for seed in range(4):
            out = img.copy()
            sc.distractor(out, kind, layout, np.random.default_rng(seed), 1.0)
            ys, _xs = np.nonzero(np.any(out != img, axis=2))
            assert len(ys) > 20, (kind, seed)
            if sc.PLACES[kind] == ("floor",):
                assert np.median(ys) > layout.horizon, (kind, seed)
            elif "floor" not in sc.PLACES[kind]:
                assert np.median(ys) < layout.horizon, (kind, seed)


@pytest.mark.parametrize(("w", "h"), [(321, 241), (640, 480)])
def test_other_frame_sizes_keep_labels_in_frame(w: int, h: int) -> None:
    for seed in range(3):
        img, boxes = _render(SceneSpec(style="clay", width=w, height=h, label_heads=True), seed)
        assert img.shape == (h, w, 3)
        assert all(0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h for x1, y1, x2, y2 in boxes)


def test_layout_is_a_kitchen() -> None:
    for seed in range(20):
        img, lay = sc.background(W, H, np.random.default_rng(seed))
        assert img.shape == (H, W, 3) and img.dtype == np.uint8
        assert 0 < lay.shelf_y < lay.counter_top < lay.horizon < H
        assert 0.4 * H <= lay.horizon <= 0.58 * H
        assert all(top < lay.counter_top and 0 <= x < W for x, top, _r in lay.pots)


def test_heavy_random_scenes_keep_labels_in_frame() -> None:
    seen: set[str] = set()
    for seed in range(16):
        spec = SceneSpec(style="clay", label_heads=True, distractor_heavy=seed % 2 == 0)
        _img, gts = render_scene(spec, np.random.default_rng(100 + seed))
        for g in gts:
            assert 0 <= g.x1 < g.x2 <= W and 0 <= g.y1 < g.y2 <= H
            seen.add(g.cls)
    assert seen == {"head", "no_hat", "no_mask", "rodent"}


def test_the_studio_belongs_to_its_frame_and_is_let_go_with_it() -> None:
    bare = np.zeros((10, 10, 3), np.uint8)
    assert sculpt.studio_of(bare) is sculpt.DEFAULT_STUDIO
    img, _ = sc.background(W, H, np.random.default_rng(2))
    assert sculpt.studio_of(img) is not sculpt.DEFAULT_STUDIO and sculpt.studio_of(img).dof > 0
    before = len(sculpt._STUDIOS)
    for seed in range(10):
        sc.background(W, H, np.random.default_rng(seed))
    gc.collect()
    assert len(sculpt._STUDIOS) <= before


def test_the_nearer_primitive_wins_whatever_the_order() -> None:
    for near_first in (True, False):
        img = np.full((60, 60, 3), 128, np.uint8)
        c = sculpt.Clay(img, 0, 0, 60, 60)
        red, blue = c.material(sculpt.Mat((20, 20, 230))), c.material(sculpt.Mat((230, 20, 20)))
        jobs = [(blue, 20.0, 38.0), (red, 0.0, 22.0)]
        for mat, z, x in jobs if near_first else jobs[::-1]:
            c.blob(x, 30, 14, 14, mat, z=z)
        c.shade(img, sculpt.DEFAULT_STUDIO, np.random.default_rng(0))
        overlap = img[26:34, 28:32].astype(int)
        assert (overlap[..., 0] > overlap[..., 2]).all()  # blue, the nearer one


def test_a_cut_blob_keeps_only_its_cap() -> None:
    img = np.full((60, 60, 3), 128, np.uint8)
    c = sculpt.Clay(img, 0, 0, 60, 60)
    c.blob(30, 30, 20, 20, c.material(sculpt.Mat((200, 200, 200))), cut=(0.0, 0.0))
    c.shade(img, sculpt.DEFAULT_STUDIO, np.random.default_rng(0))
    ys, _ = np.nonzero(_drawn(img, (128, 128, 128)))
    assert ys.min() <= 11 and ys.max() <= 31
