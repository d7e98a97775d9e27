"""The `comic` scene style: inked comic panels that still label exactly what they draw."""

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
from simulators.scenes import style_comic as comic
from simulators.scenes import style_comic_ink as ink
from simulators.scenes.actors import head_box, rodent_geometry, worker_geometry
from simulators.scenes.background import Layout
from simulators.scenes.styles import kit

W, H = 320, 240
K = comic.KIT
PAGES: tuple[tuple[int, int, int], ...] = ((235, 235, 235), (60, 210, 250), (40, 40, 40))


def _bg(seed: int = 3, w: int = W, h: int = H) -> tuple[np.ndarray, Layout]:
    return comic.background(w, h, np.random.default_rng(seed))


def _plain(page: tuple[int, int, int] = PAGES[0]) -> tuple[np.ndarray, Layout]:
    """A blank page (grey: manga, or a coloured flat) with a real background's layout."""
    _img, layout = _bg(3)
    img = np.empty((H, W, 3), np.uint8)
    img[:] = page
    return img, layout


def _worker(
    ws: WorkerSpec, seed: int = 0, page: tuple[int, int, int] = PAGES[0]
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    img, layout = _plain(page)
    before = img.copy()
    g = worker_geometry(ws, layout, W, H, 0.0)
    box = K.worker(img, ws, g, np.random.default_rng(seed))
    assert box == head_box(g)
    return before, img, g


def _painted(a: np.ndarray, b: np.ndarray, thr: int = 30) -> np.ndarray:
    out: np.ndarray = np.any(np.abs(a.astype(int) - b.astype(int)) > thr, axis=2)
    return out


# --- registration and module -------------------------------------------------------


def test_style_is_registered_last_and_kit_is_complete() -> None:
    assert STYLES[-1] == "comic"
    k = kit("comic")
    assert k is comic.KIT and k.name == "comic"
    assert len(k.distractors) >= 10 and len(set(k.distractors)) == len(k.distractors)


def test_module_doc_names_it_a_training_style_once() -> None:
    doc = comic.__doc__ or ""
    first = doc.splitlines()[0]
    assert first.startswith("`comic`, a training style: ")
    assert first.count("a training style") == 1 and doc.count("a training style") == 1


# --- background ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [(320, 240), (640, 480), (160, 120), (333, 197)])
def test_background_any_size_has_a_sane_layout(size: tuple[int, int]) -> None:
    w, h = size
    for seed in range(6):
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
        out = comic.light(img, np.random.default_rng(seed), seed % 2 == 0, seed % 3 == 0)
        assert out.shape == (h, w, 3) and out.dtype == np.uint8


def test_background_is_reproducible_and_varies() -> None:
    a, la = _bg(11)
    b, lb = _bg(11)
    c, _ = _bg(12)
    assert np.array_equal(a, b) and la == lb
    assert not np.array_equal(a, c)


def test_pages_are_colour_or_black_and_white_manga() -> None:
    manga = [ink.is_manga(_bg(s)[0]) for s in range(40)]
    assert 4 <= sum(manga) <= 30  # both looks turn up
    walls = {tuple(int(v) // 16 for v in _bg(s)[0][H // 5, W // 2]) for s in range(40)}
    assert len(walls) >= 8


def test_panel_is_flat_fills_and_black_ink() -> None:
    img, _ = _bg(5)
    flat = img.reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    # a handful of flat inks cover most of the page: no gradients or noise
    assert np.sort(counts)[::-1][:12].sum() > 0.9 * len(flat)
    assert len(colours) < 200
    # and there is black ink line work
    assert np.mean(flat.max(axis=1) < 40) > 0.01


def test_halftone_dots_are_a_regular_screen() -> None:
    img = np.full((60, 80, 3), 200, np.uint8)
    ink.screen(img, (0, 0, 80, 60), (0, 0, 0), 6, 0, 0.3)
    dots = img[..., 0] == 0
    assert 0.15 < dots.mean() < 0.45  # pi * 0.3^2 ~ 0.28 of the area
    # a regular grid: the pattern repeats every period along both axes
    assert np.array_equal(dots[:, :-6], dots[:, 6:]) and np.array_equal(dots[:-6], dots[6:])
    bigger = np.full((60, 80, 3), 200, np.uint8)
    ink.screen(bigger, (0, 0, 80, 60), (0, 0, 0), 6, 45, 0.45)
    assert (bigger[..., 0] == 0).mean() > dots.mean() + 0.15


def test_backgrounds_carry_halftone_screens() -> None:
    def dotted(img: np.ndarray) -> bool:
        # a screen is many small isolated blobs: rows flip colour often
        g = img.astype(int).sum(axis=2)
        flips = np.count_nonzero(np.diff(g, axis=1) != 0)
        return bool(flips > 0.1 * g.size)

    assert sum(dotted(_bg(s)[0]) for s in range(20)) >= 8


# --- workers -------------------------------------------------------------------------

BARE = WorkerSpec(x=0.5, y=0.9, hat=False, mask=False)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "ws",
    [
        BARE,
        WorkerSpec(x=0.3, y=0.75, hat=False, mask=False, scale=0.6, turn=-1.0),
        WorkerSpec(x=0.7, y=0.95, hat=False, mask=False, scale=1.0, turn=1.0),
        WorkerSpec(x=0.5, y=0.8, hat=False, mask=True, scale=0.9, arms_up=True),
    ],
)
def test_head_box_is_filled_by_the_head(ws: WorkerSpec, page: tuple[int, int, int]) -> None:
    for seed in range(8):
        before, img, g = _worker(ws, seed, page)
        x1, y1, x2, y2 = head_box(g)
        inner = _painted(img, before)[
            int(np.ceil(y1)) + 1 : int(y2) - 1, int(np.ceil(x1)) + 1 : int(x2) - 1
        ]
        assert inner.mean() > 0.85, (seed, inner.mean())


@pytest.mark.parametrize(
    "page", [(250, 250, 250), (215, 215, 215), (180, 180, 180), (70, 70, 70), (150, 200, 240)]
)
def test_head_is_a_tone_not_the_page_colour(page: tuple[int, int, int]) -> None:
    for seed in range(6):
        _before, img, g = _worker(BARE, seed, page)
        x1, y1, x2, y2 = (int(v) for v in head_box(g))
        cy, cx = (y1 + y2) // 2, (x1 + x2) // 2
        cheek = img[cy - 1 : cy + 2, cx - 2 : cx + 3].astype(int)
        assert np.abs(cheek - np.array(page)).max() > 30


@pytest.mark.parametrize("arms_up", [False, True])
def test_without_a_hat_nothing_is_above_the_head(arms_up: bool) -> None:
    for seed in range(12):
        for scale in (0.3, 0.6, 1.0, 1.5):
            ws = WorkerSpec(
                x=0.5,
                y=0.85,
                hat=False,
                mask=seed % 2 == 0,
                turn=seed / 6 - 1,
                arms_up=arms_up,
                scale=scale,
            )
            before, img, g = _worker(ws, seed)
            ys = np.nonzero(np.any(img != before, axis=2))[0]
            assert ys.min() >= g["top"] - 2, (seed, scale)


def test_a_hat_is_painted_above_the_head_and_kinds_vary() -> None:
    heights = []
    for seed in range(30):
        ws = WorkerSpec(x=0.5, y=0.9, hat=True, mask=False, scale=0.7)
        before, img, g = _worker(ws, seed, PAGES[seed % 3])
        rows = np.nonzero(_painted(img, before).any(axis=1))[0]
        assert rows.min() < g["top"] - 2, seed
        heights.append(g["top"] - rows.min())
    # a tall toque and a low skull cap / paper cap both turn up
    assert max(heights) > 2 * min(heights)


def test_mask_covers_mouth_and_nose() -> None:
    for seed in range(12):
        page = PAGES[seed % 3]
        _a0, bare, g = _worker(WorkerSpec(hat=False, mask=False, turn=0.0), seed, page)
        _b0, masked, _ = _worker(WorkerSpec(hat=False, mask=True, turn=0.0), seed, page)
        x1, y1, x2, y2 = head_box(g)
        hh, hw = y2 - y1, x2 - x1
        rows = slice(int(y1 + 0.62 * hh), int(y1 + 0.9 * hh))
        cols = slice(int(x1 + 0.25 * hw), int(x2 - 0.25 * hw))
        changed = _painted(masked[rows, cols], bare[rows, cols], 20)
        assert changed.mean() > 0.5, seed
        # the eyes above the mask are untouched
        eyes = slice(int(y1 + 0.4 * hh), int(y1 + 0.5 * hh))
        assert _painted(masked[eyes, cols], bare[eyes, cols], 20).mean() < 0.3


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
            r0, r1 = int(y1 + 0.45 * hh), int(y1 + 0.9 * hh)  # eyes to mouth
            c0, c1 = int(x1 + 0.15 * hw), int(x2 - 0.15 * hw)
            crop = img[r0:r1, c0:c1].max(axis=2)
            xs.append(np.nonzero(crop < 50)[1].mean())
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


def test_builds_and_skin_tones_vary() -> None:
    widths, skins = set(), set()
    for seed in range(20):
        before, img, g = _worker(BARE, seed, PAGES[1])
        paint = _painted(img, before)
        y = int(g["top"] + g["hh"] + 0.1 * g["ph"])
        widths.add(int(np.count_nonzero(paint[y])) // 6)
        x1, y1, x2, y2 = (int(v) for v in head_box(g))
        hh, hw = y2 - y1, x2 - x1
        cheeks = img[
            int(y1 + 0.55 * hh) : int(y1 + 0.75 * hh), int(x1 + 0.3 * hw) : int(x2 - 0.3 * hw)
        ]
        skins.add(tuple(int(v) for v in np.median(cheeks.reshape(-1, 3), axis=0)))
    assert len(widths) >= 3 and len(skins) >= 4


def test_on_a_manga_page_workers_stay_grey() -> None:
    for seed in range(6):
        _b, img, _g = _worker(WorkerSpec(hat=True, mask=True), seed, PAGES[0])
        assert np.array_equal(img[..., 0], img[..., 1]) and np.array_equal(img[..., 1], img[..., 2])


def test_worker_drawn_at_the_frame_edge_stays_in_frame() -> None:
    for x, y, scale in ((0.0, 0.99, 1.5), (1.0, 0.6, 0.3), (0.5, 0.99, 1.5)):
        before, img, _g = _worker(WorkerSpec(x=x, y=y, scale=scale, hat=True, mask=True), 4)
        assert img.shape == before.shape and img.dtype == np.uint8
        assert np.any(img != before)


# --- rodents -------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "speed"), [(0.5, 0.1), (1.0, -0.1), (1.6, 0.2), (0.7, -0.3)])
def test_rodent_paint_is_mostly_inside_its_box(size: float, speed: float) -> None:
    for seed in range(6):
        img, layout = _plain(PAGES[seed % 2])
        before = img.copy()
        spec = RodentSpec(x=0.5, y=0.9, size=size, speed=speed)
        geom = rodent_geometry(spec, layout, W, H, 0.0)
        x1, y1, x2, y2 = K.rodent(img, geom, np.random.default_rng(seed))
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


def test_day_keeps_the_drawing() -> None:
    img, _ = _bg(2)
    for seed in range(6):
        day = comic.light(img, np.random.default_rng(seed), False, False)
        assert day.dtype == np.uint8 and day.shape == img.shape
        assert np.abs(day.astype(int) - img).mean() < 25


def test_day_sometimes_misregisters_a_colour_plate() -> None:
    img, _ = _bg(8)
    grey = img.astype(int).sum(axis=2)
    edges = np.abs(np.diff(grey, axis=1)) > 150  # ink against a light flat
    shifted = 0
    for seed in range(20):
        day = comic.light(img, np.random.default_rng(seed), False, False)
        # a plate off register changes one channel right at the ink edges
        diff = np.abs(day[:, 1:].astype(int) - img[:, 1:]).max(axis=2) > 40
        shifted += bool(np.mean(diff[edges]) > 0.05)
    assert 2 <= shifted <= 18


def test_night_is_dark_blue_under_screentone() -> None:
    img, _ = _bg(2)
    day = comic.light(img, np.random.default_rng(0), False, False)
    for seed in range(8):
        night = comic.light(img, np.random.default_rng(seed), True, False).astype(int)
        assert night.mean() < 0.5 * day.mean()
        assert night[..., 0].mean() > night[..., 2].mean()  # blue over red
        # screentone: a regular dot pattern darkens part of every flat
        wall = night[5:40, 5:80, 0]
        assert len(np.unique(wall)) >= 2


def test_infrared_is_grey_manga_with_a_brighter_centre() -> None:
    img = np.full((H, W, 3), 160, np.uint8)
    img[..., 2] = 220  # even a tinted page comes out grey
    for seed in range(4):
        ir = comic.light(img, np.random.default_rng(seed), True, True).astype(int)
        assert np.array_equal(ir[..., 0], ir[..., 2]) and np.array_equal(ir[..., 1], ir[..., 2])
        # mid-tones become screentone dots: two levels interleaved, not one flat grey
        assert len(np.unique(ir[100:140, 140:180])) >= 2
        centre = ir[100:140, 140:180].mean()
        corner = ir[:30, :30].mean()
        assert centre > corner + 10


# --- whole scenes ----------------------------------------------------------------------


def _scene(seed: int, **kw: Any) -> tuple[np.ndarray, list[GroundTruth]]:
    spec = SceneSpec(style="comic", label_heads=True, **kw)
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
    for bg_seed in (6, 7):
        img, layout = _bg(bg_seed)
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
    assert np.array_equal(ir[..., 0], ir[..., 2])
    assert {g.cls for g in gn} == {g.cls for g in gi} == {"head", "no_hat", "no_mask", "rodent"}


def test_frames_do_not_depend_on_what_was_drawn_before() -> None:
    first, g1 = _scene(21)
    for seed in range(3):
        _scene(seed, width=160, height=120)
    ink._FIELDS.clear()  # dot screens are rebuilt the same
    again, g2 = _scene(21)
    assert np.array_equal(first, again) and g1 == g2
