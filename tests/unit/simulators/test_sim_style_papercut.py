"""The `papercut` scene style: cut-paper workers fill their head boxes, hats and masks
show where they should, rodents stay in their boxes, lighting holds up (on keyed paper
canvases; the kit contracts shared with other styles are in test_sim_style_contract.py)."""

from typing import Any

import numpy as np
import pytest

from simulators.scenes import STYLES, GroundTruth, RodentSpec, SceneSpec, WorkerSpec, render_scene
from simulators.scenes.actors import head_box, rodent_geometry, worker_geometry
from simulators.scenes.background import Layout
from simulators.scenes.style_papercut import KIT
from simulators.scenes.style_papercut_paper import PALETTES, key, set_key

LAYOUT = Layout(horizon=110, counter_top=85, shelf_y=45, pots=((60, 70, 12),))


def _canvas(w: int = 320, h: int = 240, grey: int = 128) -> np.ndarray:
    img = np.full((h, w, 3), grey, np.uint8)
    set_key(img, 2, 1)
    return img


def _worker(ws: WorkerSpec, seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """(blank canvas, canvas with the worker, geometry)."""
    g = worker_geometry(ws, LAYOUT, 320, 240, 0.0)
    blank = _canvas()
    img = blank.copy()
    box = KIT.worker(img, ws, g, np.random.default_rng(seed))
    assert box == head_box(g)
    return blank, img, g


def _changed(a: np.ndarray, b: np.ndarray, thr: int = 0) -> np.ndarray:
    out: np.ndarray = np.any(np.abs(a.astype(int) - b.astype(int)) > thr, axis=2)
    return out


def _scene(seed: int, **kw: Any) -> tuple[np.ndarray, list[GroundTruth]]:
    spec = SceneSpec(style="papercut", label_heads=True, **kw)
    return render_scene(spec, np.random.default_rng(seed))


# ------------------------------------------------------------------ registration


def test_registered_after_ink() -> None:
    i = STYLES.index("papercut")
    assert STYLES[i - 1] == "ink"


def test_frame_key_round_trips_palette_and_shadow_side() -> None:
    img = np.full((4, 4, 3), 255, np.uint8)
    set_key(img, 5, -1)
    assert key(img) == (PALETTES[5], -1)
    set_key(img, 3, 1)
    assert key(img) == (PALETTES[3], 1)


# ------------------------------------------------------------------ background


def test_floor_card_is_textured() -> None:
    a, la = KIT.background(320, 240, np.random.default_rng(3))
    # paper fibre and grain: the floor card is not a flat fill
    floor = a[la.horizon + 5 :, :].astype(float)
    assert floor.std(axis=(0, 1)).max() > 3


# ------------------------------------------------------------------ workers


@pytest.mark.parametrize("seed", range(8))
def test_head_box_is_filled_by_the_head(seed: int) -> None:
    ws = WorkerSpec(x=0.5, y=0.92, hat=False, mask=seed % 2 == 0, turn=(seed - 4) / 4)
    blank, img, g = _worker(ws, seed)
    x1, y1, x2, y2 = (round(v) for v in head_box(g))
    inner = _changed(blank, img)[y1 + 1 : y2 - 1, x1 + 1 : x2 - 1]
    assert inner.mean() > 0.85


@pytest.mark.parametrize("arms_up", [False, True])
def test_nothing_above_a_bare_head(arms_up: bool) -> None:
    for seed in range(10):
        ws = WorkerSpec(
            x=0.5, y=0.8 + 0.02 * seed, hat=False, arms_up=arms_up, scale=0.5 + seed / 8
        )
        blank, img, g = _worker(ws, seed)
        rows = np.nonzero(_changed(blank, img).any(axis=1))[0]
        assert rows.min() >= g["top"] - 2


def test_every_hat_is_painted_above_the_head() -> None:
    for seed in range(20):
        ws = WorkerSpec(x=0.5, y=0.92, hat=True, mask=False)
        blank, img, g = _worker(ws, seed)
        x1, y1, x2, _ = head_box(g)
        band = _changed(blank, img, 20)[
            max(0, round(y1 - g["hat_h"])) : round(y1) - 1,
            round(x1 - g["hw"] / 2) : round(x2 + g["hw"] / 2),
        ]
        assert band.sum() > 0.12 * g["hw"] * g["hat_h"], seed


def test_hats_vary_in_height() -> None:
    tops = set()
    for seed in range(20):
        blank, img, g = _worker(WorkerSpec(x=0.5, y=0.92, hat=True), seed)
        tops.add(int(np.nonzero(_changed(blank, img, 20).any(axis=1))[0].min() - g["top"]) // 4)
    assert len(tops) >= 3


@pytest.mark.parametrize("seed", range(2))
def test_mask_covers_mouth_and_nose(seed: int) -> None:
    _, bare, g = _worker(WorkerSpec(x=0.5, y=0.92, hat=False, mask=False), seed)
    _, masked, _ = _worker(WorkerSpec(x=0.5, y=0.92, hat=False, mask=True), seed)
    cx, top, hw, hh = g["cx"], g["top"], g["hw"], g["hh"]
    region = (
        slice(round(top + 0.62 * hh), round(top + 0.9 * hh)),
        slice(round(cx - 0.25 * hw), round(cx + 0.25 * hw)),
    )
    assert _changed(bare[region], masked[region]).mean() > 0.9
    # the upper face (eyes) stays as it was
    eyes = (slice(round(top + 0.4 * hh), round(top + 0.5 * hh)), region[1])
    assert _changed(bare[eyes], masked[eyes]).mean() < 0.2


def test_masks_come_in_several_colours() -> None:
    colours = set()
    for seed in range(16):
        _, img, g = _worker(WorkerSpec(x=0.5, y=0.92, hat=False, mask=True), seed)
        cy, cx = round(g["top"] + 0.85 * g["hh"]), round(g["cx"] - 0.25 * g["hw"])
        colours.add(tuple(int(v) // 40 for v in img[cy - 1 : cy + 2, cx - 1 : cx + 2].mean((0, 1))))
    assert len(colours) >= 4


def test_turn_moves_the_face_features() -> None:
    centres = []
    for turn in (-1.0, 1.0):
        _, img, g = _worker(WorkerSpec(x=0.5, y=0.92, hat=False, mask=False, turn=turn), 5)
        x1, y1, x2, y2 = (round(v) for v in head_box(g))
        face = img[y1 + round(0.42 * g["hh"]) : y2, x1:x2].astype(int).sum(axis=2)
        _ys, xs = np.nonzero(face < 200)  # pen ink, pupils, mouth
        assert len(xs) > 0
        centres.append(xs.mean())
    assert centres[1] > centres[0] + 1


def test_raised_arms_paint_beside_the_head() -> None:
    down_b, down, g = _worker(WorkerSpec(x=0.5, y=0.92, hat=False, arms_up=False), 2)
    up_b, up, _ = _worker(WorkerSpec(x=0.5, y=0.92, hat=False, arms_up=True), 2)
    x1, y1, x2, y2 = (round(v) for v in head_box(g))
    rows = slice(y1, y2)
    side = np.hstack([_changed(up_b, up)[rows, : x1 - 2], _changed(up_b, up)[rows, x2 + 2 :]])
    side_down = np.hstack(
        [_changed(down_b, down)[rows, : x1 - 2], _changed(down_b, down)[rows, x2 + 2 :]]
    )
    assert side.sum() > 3 * max(1, side_down.sum())


def test_body_reaches_the_feet_line() -> None:
    blank, img, g = _worker(WorkerSpec(x=0.5, y=0.9, hat=True, mask=True), 1)
    fy, cx, ph = round(g["fy"]), round(g["cx"]), g["ph"]
    feet = _changed(blank, img, 30)[fy - 4 : fy, round(cx - 0.15 * ph) : round(cx + 0.15 * ph)]
    assert feet.any()


def test_tiny_and_off_frame_workers_do_not_raise() -> None:
    for ws in (
        WorkerSpec(x=0.0, y=0.61, scale=0.3),
        WorkerSpec(x=1.0, y=0.99, scale=1.5),
        WorkerSpec(x=0.5, y=0.2, scale=0.3, arms_up=True),
    ):
        img = _canvas(97, 61)
        g = worker_geometry(ws, Layout(30, 22, 10, ()), 97, 61, 0.0)
        assert KIT.worker(img, ws, g, np.random.default_rng(0)) == head_box(g)


# ------------------------------------------------------------------ rodents


def _opaque(
    draw_seed: int, geom: tuple[float, float, float, float]
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Pixels the rodent paints opaquely: equal on a dark and a light canvas (a drop
    shadow or an untouched pixel follows the canvas)."""
    out = []
    box = (0.0, 0.0, 0.0, 0.0)
    for grey in (60, 200):
        img = _canvas(grey=grey)
        box = KIT.rodent(img, geom, np.random.default_rng(draw_seed))
        out.append(img)
    same = ~_changed(out[0], out[1], 6)
    return same & _changed(out[0], _canvas(grey=60), 6), box


@pytest.mark.parametrize("speed", [0.1, -0.1])
def test_rodent_paint_sits_in_its_box_and_tail_trails(speed: float) -> None:
    for seed in range(8):
        rs = RodentSpec(x=0.5, y=0.8, size=0.6 + seed / 6, speed=speed)
        geom = rodent_geometry(rs, LAYOUT, 320, 240, 0.0)
        paint, (x1, y1, x2, y2) = _opaque(seed, geom)
        inside = paint[max(0, round(y1)) : round(y2), round(x1) : round(x2)]
        assert inside.sum() > 0.7 * paint.sum()
        assert inside.mean() > 0.5
        _ys, xs = np.nonzero(paint)
        out_x = xs[(xs < x1 - 1) | (xs >= x2 + 1)]
        if len(out_x) > 10:  # the tail trails behind the direction of travel
            behind = out_x < x1 if speed > 0 else out_x >= x2
            assert behind.mean() > 0.7


def test_rodent_box_matches_size_and_label() -> None:
    _img, gts = _scene(
        3,
        night=False,
        workers=(),
        n_distractors=0,
        occlusion=False,
        rodents=(RodentSpec(x=0.4, y=0.9, size=1.2),),
    )
    assert [g.cls for g in gts] == ["rodent"]
    g = gts[0]
    assert 1.6 < (g.x2 - g.x1) / (g.y2 - g.y1) < 2.8


# ------------------------------------------------------------------ light


def _lit(night: bool, ir: bool, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    base, _ = KIT.background(320, 240, np.random.default_rng(seed))
    return base, KIT.light(base.copy(), np.random.default_rng(seed), night, ir)


def test_night_is_darker_than_day() -> None:
    for seed in range(5):
        _, day = _lit(False, False, seed)
        _, night = _lit(True, False, seed)
        assert night.mean() < 0.75 * day.mean()


def test_infrared_is_near_grey_with_a_brighter_centre() -> None:
    for seed in range(5):
        _, ir = _lit(True, True, seed)
        spread = ir.astype(int).max(axis=2) - ir.astype(int).min(axis=2)
        assert spread.mean() < 12
    flat = np.full((240, 320, 3), 150, np.uint8)
    for seed in range(5):
        ir = KIT.light(flat.copy(), np.random.default_rng(seed), True, True).mean(axis=2)
        assert ir[100:140, 140:180].mean() > ir[:40, :60].mean() + 10


def test_day_keeps_the_paper_colours() -> None:
    _, day = _lit(False, False, 1)
    spread = day.astype(int).max(axis=2) - day.astype(int).min(axis=2)
    assert spread.mean() > 20


@pytest.mark.parametrize(("night", "ir"), [(False, False), (True, False), (True, True)])
def test_light_is_seeded_and_keeps_shape(night: bool, ir: bool) -> None:
    base = np.full((37, 53, 3), 100, np.uint8)
    a = KIT.light(base.copy(), np.random.default_rng(1), night, ir)
    b = KIT.light(base.copy(), np.random.default_rng(1), night, ir)
    assert a.shape == base.shape and a.dtype == np.uint8 and np.array_equal(a, b)


# ------------------------------------------------------------------ distractors and labels


def test_each_distractor_draws_something_at_any_size() -> None:
    for kind in KIT.distractors:
        drew = 0
        for w, h in ((320, 240), (160, 120), (333, 197)):
            for seed in range(3):
                img, lay = KIT.background(w, h, np.random.default_rng(seed))
                before = img.copy()
                KIT.distractor(img, kind, lay, np.random.default_rng(seed), h / 240)
                assert img.shape == before.shape and img.dtype == np.uint8
                drew += int(not np.array_equal(img, before))
        assert drew >= 6, kind


def test_unknown_distractor_draws_nothing() -> None:
    img = _canvas()
    before = img.copy()
    KIT.distractor(img, "unicorn", LAYOUT, np.random.default_rng(0), 1.0)
    assert np.array_equal(img, before)


def test_hat_and_mask_take_the_labels_away() -> None:
    base = {"night": False, "rodents": (), "n_distractors": 0, "occlusion": False}
    _, bare = _scene(2, workers=(WorkerSpec(hat=False, mask=False),), **base)
    _, dressed = _scene(2, workers=(WorkerSpec(hat=True, mask=True),), **base)
    assert sorted(g.cls for g in bare) == ["head", "no_hat", "no_mask"]
    assert [g.cls for g in dressed] == ["head"]
