"""The `watercolour` scene style: transparent washes that still label exactly what they paint."""

from typing import Any

import numpy as np
import pytest

from simulators.scenes import (
    STYLES,
    GroundTruth,
    RodentSpec,
    SceneSpec,
    WorkerSpec,
    render_scene,
)
from simulators.scenes import style_watercolour as wc
from simulators.scenes.actors import head_box, rodent_geometry, worker_geometry
from simulators.scenes.background import Layout
from simulators.scenes.style_watercolour_paint import Roi, wash
from simulators.scenes.styles import kit

W, H = 320, 240
K = wc.KIT


def _bg(seed: int = 3, w: int = W, h: int = H) -> tuple[np.ndarray, Layout]:
    return wc.background(w, h, np.random.default_rng(seed))


def _plain(w: int = W, h: int = H, value: int = 235) -> tuple[np.ndarray, Layout]:
    """A blank page with the layout of a real background (for clean paint masks)."""
    _img, layout = _bg(3, w, h)
    return np.full((h, w, 3), value, np.uint8), layout


def _worker(
    ws: WorkerSpec, seed: int = 0, value: int = 235
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    img, layout = _plain(value=value)
    before = img.copy()
    g = worker_geometry(ws, layout, W, H, 0.0)
    box = K.worker(img, ws, g, np.random.default_rng(seed))
    assert box == head_box(g)
    return before, img, g


def _painted(a: np.ndarray, b: np.ndarray, thr: int = 30) -> np.ndarray:
    out: np.ndarray = np.any(np.abs(a.astype(int) - b.astype(int)) > thr, axis=2)
    return out


# --- registration and module -------------------------------------------------------


def test_style_is_registered_after_sketch_and_kit_is_complete() -> None:
    assert "watercolour" in STYLES
    assert STYLES.index("watercolour") == STYLES.index("sketch") + 1
    k = kit("watercolour")
    assert k is wc.KIT and k.name == "watercolour"
    assert len(k.distractors) >= 10 and len(set(k.distractors)) == len(k.distractors)


def test_module_doc_names_it_a_training_style_once() -> None:
    doc = wc.__doc__ or ""
    first = doc.splitlines()[0]
    assert first.count("a training style") == 1 and doc.count("a training style") == 1


# --- background ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [(320, 240), (640, 480), (160, 120), (333, 197)])
def test_background_any_size_has_a_sane_layout(size: tuple[int, int]) -> None:
    w, h = size
    for seed in range(5):
        img, lay = _bg(seed, w, h)
        assert img.shape == (h, w, 3) and img.dtype == np.uint8
        assert 0 < lay.shelf_y < lay.counter_top < lay.horizon < h
        for cx, top, r in lay.pots:
            assert r > 0 and top < lay.counter_top and 0 <= cx < w


@pytest.mark.parametrize("size", [(1, 1), (7, 5), (31, 17)])
def test_tiny_frames_never_raise(size: tuple[int, int]) -> None:
    w, h = size
    for seed in range(10):
        img, lay = _bg(seed, w, h)
        assert img.shape == (h, w, 3)
        for kind in K.distractors:
            K.distractor(img, kind, lay, np.random.default_rng(seed), h / 240)
        out = wc.light(img, np.random.default_rng(seed), seed % 2 == 0, seed % 3 == 0)
        assert out.shape == (h, w, 3) and out.dtype == np.uint8


def test_background_is_reproducible_and_varies() -> None:
    a, la = _bg(11)
    b, lb = _bg(11)
    c, _ = _bg(12)
    assert np.array_equal(a, b) and la == lb
    assert not np.array_equal(a, c)


def test_paper_tone_varies_between_pages() -> None:
    tones = {
        tuple(int(v) // 12 for v in np.median(_bg(s)[0][:6, :6].reshape(-1, 3), axis=0))
        for s in range(40)
    }
    assert len(tones) >= 4


def test_page_is_painted_washes_with_paper_grain() -> None:
    img, lay = _bg(5)
    grey = img.mean(axis=2)
    # the wall and floor are washed (not bare paper) and uneven (variegated, granulated)
    wall, floor = grey[: lay.shelf_y], grey[lay.horizon :]
    assert wall.std() > 2 and floor.std() > 2
    assert floor.mean() < grey[:3].mean() + 5  # the floor wash is at least as dark


def test_a_wash_pools_darker_at_its_edge_and_is_transparent() -> None:
    img = np.full((60, 60, 3), 240, np.uint8)
    img[:, 30:] = 120  # half the page already painted darker
    roi = Roi(img, 10, 10, 50, 50)
    roi.poly([(10, 10), (50, 10), (50, 50), (10, 50)])
    wash(img, roi, (80, 160, 220), 0.5, edge=0.8)
    lum = img.astype(float).mean(axis=2)
    assert lum[10:12, 15:25].mean() < lum[25:30, 15:25].mean() - 12  # the wet edge
    assert lum[20:40, 35:45].mean() < lum[20:40, 15:25].mean() - 30  # glaze, not cover
    assert lum[0:5, 0:5].mean() == 240  # nothing painted outside its bleed


# --- workers -------------------------------------------------------------------------

BARE = WorkerSpec(x=0.5, y=0.9, hat=False, mask=False)


@pytest.mark.parametrize(
    "ws",
    [
        BARE,
        WorkerSpec(x=0.3, y=0.75, hat=False, mask=False, scale=0.6, turn=-0.8),
        WorkerSpec(x=0.7, y=0.95, hat=False, mask=False, scale=1.0, turn=0.9),
        WorkerSpec(x=0.5, y=0.8, hat=False, mask=True, scale=0.9, arms_up=True),
    ],
)
def test_head_box_is_filled_by_the_head(ws: WorkerSpec) -> None:
    for seed in range(8):
        before, img, g = _worker(ws, seed)
        x1, y1, x2, y2 = head_box(g)
        inner = _painted(img, before)[
            int(np.ceil(y1)) + 1 : int(y2) - 1, int(np.ceil(x1)) + 1 : int(x2) - 1
        ]
        assert inner.mean() > 0.85, (seed, inner.mean())


def test_head_is_a_tone_not_bare_paper_on_any_paper() -> None:
    for value in (250, 215, 180):
        _before, img, g = _worker(BARE, 1, value)
        x1, y1, x2, y2 = (int(v) for v in head_box(g))
        mid = img[(y1 + y2) // 2 - 1 : (y1 + y2) // 2 + 2, (x1 + x2) // 2 - 2 : (x1 + x2) // 2 + 2]
        assert np.abs(mid.astype(int) - value).max() > 30


@pytest.mark.parametrize("arms_up", [False, True])
def test_without_a_hat_nothing_is_above_the_head(arms_up: bool) -> None:
    for seed in range(10):
        ws = WorkerSpec(
            x=0.5, y=0.85, hat=False, mask=seed % 2 == 0, turn=seed / 5 - 1, arms_up=arms_up
        )
        before, img, g = _worker(ws, seed)
        ys = np.nonzero(np.any(img != before, axis=2))[0]
        assert ys.min() >= g["top"] - 2


def test_a_hat_is_painted_above_the_head_and_kinds_vary() -> None:
    heights = []
    for seed in range(30):
        ws = WorkerSpec(x=0.5, y=0.9, hat=True, mask=False)
        before, img, g = _worker(ws, seed)
        rows = np.nonzero(_painted(img, before).any(axis=1))[0]
        assert rows.min() < g["top"] - 2, seed
        heights.append(g["top"] - rows.min())
    # a tall toque and a low skull cap / hairnet both turn up
    assert max(heights) > 2 * min(heights)


def test_mask_covers_mouth_and_nose() -> None:
    for seed in range(10):
        _a0, bare, g = _worker(WorkerSpec(hat=False, mask=False, turn=0.0), seed)
        _b0, masked, _ = _worker(WorkerSpec(hat=False, mask=True, turn=0.0), seed)
        x1, y1, x2, y2 = head_box(g)
        hh, hw = y2 - y1, x2 - x1
        rows = slice(int(y1 + 0.62 * hh), int(y1 + 0.9 * hh))
        cols = slice(int(x1 + 0.25 * hw), int(x2 - 0.25 * hw))
        changed = _painted(masked[rows, cols], bare[rows, cols], 20)
        assert changed.mean() > 0.5, seed


def test_mask_colours_and_kinds_vary() -> None:
    colours = set()
    for seed in range(24):
        _b, img, g = _worker(WorkerSpec(hat=False, mask=True, turn=0.0), seed)
        x1, y1, x2, y2 = head_box(g)
        hh, hw = y2 - y1, x2 - x1
        patch = img[
            int(y1 + 0.65 * hh) : int(y1 + 0.85 * hh), int(x1 + 0.3 * hw) : int(x2 - 0.3 * hw)
        ]
        colours.add(tuple(int(v) // 40 for v in np.median(patch.reshape(-1, 3), axis=0)))
    assert len(colours) >= 4  # white, blue, black, patterned ...


def test_without_mask_the_mouth_is_drawn() -> None:
    for seed in range(6):
        _b, img, g = _worker(WorkerSpec(hat=False, mask=False, turn=0.0), seed)
        x1, y1, x2, y2 = head_box(g)
        hh, hw = y2 - y1, x2 - x1
        face = np.median(
            img[int(y1 + 0.55 * hh) : int(y1 + 0.75 * hh), int(x1 + 0.3 * hw) : int(x2 - 0.3 * hw)],
            axis=(0, 1),
        )
        mouth = img[
            int(y1 + 0.76 * hh) : int(y1 + 0.9 * hh), int(x1 + 0.3 * hw) : int(x2 - 0.3 * hw)
        ]
        assert (face.mean() - mouth.mean(axis=2)).max() > 30


def test_turn_moves_the_face_features() -> None:
    shifts = []
    for seed in range(8):
        xs = []
        for turn in (-1.0, 1.0):
            _b, img, g = _worker(WorkerSpec(hat=False, mask=False, turn=turn), seed)
            x1, y1, x2, y2 = head_box(g)
            hh, hw = y2 - y1, x2 - x1
            r0, r1 = int(y1 + 0.6 * hh), int(y1 + 0.9 * hh)  # nose and mouth, below the hair
            c0, c1 = int(x1 + 0.2 * hw), int(x2 - 0.2 * hw)
            crop = img[r0:r1, c0:c1].mean(axis=2)
            weight = np.clip(np.median(crop) - crop - 10, 0, None)  # the dabs of paint
            cols = np.arange(crop.shape[1])
            xs.append(float((weight.sum(axis=0) * cols).sum() / weight.sum()))
        shifts.append(xs[1] - xs[0])
    assert np.median(shifts) > 1.0


def test_raised_arms_reach_head_height() -> None:
    def beside(arms_up: bool) -> int:
        before, img, g = _worker(WorkerSpec(hat=False, mask=False, arms_up=arms_up), 2)
        x1, y1, x2, y2 = head_box(g)
        band = _painted(img, before)[int(y1 + 0.3 * (y2 - y1)) : int(y2)]
        band[:, int(x1) - 2 : int(x2) + 3] = False
        return int(band.sum())

    assert beside(True) > beside(False) + 20


def test_worker_drawn_at_the_frame_edge_stays_in_frame() -> None:
    for x, y, scale in ((0.0, 0.99, 1.5), (1.0, 0.6, 0.3), (0.5, 0.99, 1.5)):
        before, img, _g = _worker(WorkerSpec(x=x, y=y, scale=scale, hat=True, mask=True), 4)
        assert img.shape == before.shape and img.dtype == np.uint8


# --- rodents -------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "speed"), [(0.5, 0.1), (1.0, -0.1), (1.6, 0.2), (0.7, -0.3)])
def test_rodent_paint_is_mostly_inside_its_box(size: float, speed: float) -> None:
    img, layout = _plain()
    before = img.copy()
    geom = rodent_geometry(RodentSpec(x=0.5, y=0.9, size=size, speed=speed), layout, W, H, 0.0)
    x1, y1, x2, y2 = K.rodent(img, geom, np.random.default_rng(7))
    paint = np.any(img != before, axis=2)
    inside = paint[max(0, int(y1)) : int(np.ceil(y2)), max(0, int(x1)) : int(np.ceil(x2))]
    assert inside.sum() >= 0.6 * paint.sum()
    assert inside.mean() > 0.5  # the body fills its box
    assert y2 <= geom[1] + 2 and x2 - x1 > y2 - y1  # feet on the line, longer than tall


def test_rodent_runs_the_way_it_faces() -> None:
    for facing in (1.0, -1.0):
        img, _layout = _plain()
        before = img.copy()
        x1, _y1, x2, _y2 = K.rodent(img, (160.0, 200.0, 40.0, facing), np.random.default_rng(1))
        paint = np.any(img != before, axis=2)
        cols = np.nonzero(paint.any(axis=0))[0]
        tail = cols[(cols < x1) | (cols > x2)]
        assert len(tail) > 10
        # the tail trails behind: opposite the way it runs
        assert (tail.mean() - (x1 + x2) / 2) * facing < 0


# --- lighting --------------------------------------------------------------------------


def test_night_is_darker_than_day_in_both_night_looks() -> None:
    img, _ = _bg(2)
    day = wc.light(img, np.random.default_rng(0), False, False)
    for seed in range(8):
        night = wc.light(img, np.random.default_rng(seed), True, False)
        assert night.mean() < 0.6 * day.mean()


def test_day_keeps_the_painting_and_adds_paper_grain() -> None:
    img, _ = _bg(2)
    day = wc.light(img, np.random.default_rng(0), False, False)
    assert day.dtype == np.uint8 and day.shape == img.shape
    assert np.abs(day.astype(int) - img).mean() < 12
    flat = wc.light(np.full((H, W, 3), 220, np.uint8), np.random.default_rng(0), False, False)
    assert flat.astype(float).std() > 1.5  # cold-press grain shows on a bare page


def test_infrared_is_near_grey_with_a_brighter_centre() -> None:
    img = np.full((H, W, 3), 200, np.uint8)
    img[..., 2] = 240  # even a tinted page comes out grey
    for seed in range(4):
        ir = wc.light(img, np.random.default_rng(seed), True, True).astype(int)
        assert (
            np.abs(ir[..., 0] - ir[..., 2]).mean() < 5
            and np.abs(ir[..., 1] - ir[..., 2]).mean() < 5
        )
        centre = ir[100:140, 140:180].mean()
        corner = ir[:30, :30].mean()
        assert centre > corner + 15


# --- whole scenes ----------------------------------------------------------------------


def _scene(seed: int, **kw: Any) -> tuple[np.ndarray, list[GroundTruth]]:
    spec = SceneSpec(style="watercolour", label_heads=True, **kw)
    return render_scene(spec, np.random.default_rng(seed))


def test_seeded_scenes_are_identical_and_vary() -> None:
    a, ga = _scene(9)
    b, gb = _scene(9)
    c, _ = _scene(10)
    assert np.array_equal(a, b) and ga == gb
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("size", [(640, 480), (160, 120), (333, 197), (320, 240)])
def test_scenes_of_any_size_keep_boxes_in_frame(size: tuple[int, int]) -> None:
    w, h = size
    for seed in range(6):
        img, gts = _scene(seed, width=w, height=h, rodent_rate=1.0)
        assert img.shape == (h, w, 3) and img.dtype == np.uint8
        for g in gts:
            assert 0 <= g.x1 < g.x2 <= w and 0 <= g.y1 < g.y2 <= h


def test_bare_worker_is_labelled_with_its_head_box() -> None:
    base: dict[str, Any] = {
        "night": False,
        "rodents": (),
        "n_distractors": 0,
        "occlusion": False,
        "background_seed": 4,
    }
    _img, gts = _scene(1, workers=(BARE,), **base)
    assert sorted(g.cls for g in gts) == ["head", "no_hat", "no_mask"]
    _bg_img, layout = _bg(4)
    box = head_box(worker_geometry(BARE, layout, W, H, 0.0))
    assert all(np.allclose((g.x1, g.y1, g.x2, g.y2), box, atol=0.01) for g in gts)


def test_distractors_are_never_labelled_and_every_kind_draws() -> None:
    for seed in range(4):
        _img, gts = _scene(seed, workers=(), rodents=(), n_distractors=14, distractor_heavy=True)
        assert gts == []
    img, layout = _bg(6)
    for i, kind in enumerate(K.distractors):
        before = img.copy()
        K.distractor(img, kind, layout, np.random.default_rng(i), 1.0)
        assert np.any(img != before), kind


def test_night_scene_is_dark_and_ir_scene_grey() -> None:
    base: dict[str, Any] = {
        "workers": (BARE,),
        "rodents": (RodentSpec(),),
        "occlusion": False,
        "background_seed": 5,
    }
    day, _ = _scene(3, night=False, **base)
    night, gn = _scene(3, night=True, ir=False, **base)
    ir, gi = _scene(3, night=True, ir=True, **base)
    assert night.mean() < day.mean() - 40
    assert np.abs(ir[..., 0].astype(int) - ir[..., 2]).mean() < 5
    assert {g.cls for g in gn} == {g.cls for g in gi} == {"head", "no_hat", "no_mask", "rodent"}


def test_frames_do_not_depend_on_what_was_drawn_before() -> None:
    from simulators.scenes import style_watercolour_paint

    first, g1 = _scene(21)
    for seed in range(3):
        _scene(seed, width=160, height=120)
    style_watercolour_paint._GRAIN.clear()  # the paper grain is rebuilt the same
    wc._VIGNETTE.clear()
    again, g2 = _scene(21)
    assert np.array_equal(first, again) and g1 == g2
