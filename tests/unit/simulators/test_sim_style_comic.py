"""The `comic` scene style: what its inked panels add to the kit contracts that
test_sim_style_contract.py holds every style to (manga and colour pages, flat fills,
halftone screens, plate misregister, screentone nights)."""

import functools

import numpy as np

from simulators.scenes import STYLES, WorkerSpec
from simulators.scenes import style_comic as comic
from simulators.scenes import style_comic_ink as ink
from simulators.scenes.actors import head_box, worker_geometry
from simulators.scenes.background import Layout

W, H = 320, 240
K = comic.KIT
PAGES: tuple[tuple[int, int, int], ...] = ((235, 235, 235), (60, 210, 250), (40, 40, 40))


def _bg(seed: int = 3, w: int = W, h: int = H) -> tuple[np.ndarray, Layout]:
    return comic.background(w, h, np.random.default_rng(seed))


@functools.cache
def _layout() -> Layout:
    """A real background's layout (cached: the background repeats with its seed)."""
    return _bg(3)[1]


def _worker(
    ws: WorkerSpec, seed: int, page: tuple[int, int, int]
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """A worker on a blank page (grey: manga, or a coloured flat) with a real layout."""
    layout = _layout()
    img = np.empty((H, W, 3), np.uint8)
    img[:] = page
    before = img.copy()
    g = worker_geometry(ws, layout, W, H, 0.0)
    assert K.worker(img, ws, g, np.random.default_rng(seed)) == head_box(g)
    return before, img, g


# --- registration and module -------------------------------------------------------


def test_style_is_registered_last() -> None:
    assert STYLES[-1] == "comic"


def test_module_doc_opens_with_its_name_as_a_training_style() -> None:
    assert (comic.__doc__ or "").startswith("`comic`, a training style: ")


# --- background ----------------------------------------------------------------------


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


def test_builds_and_skin_tones_vary() -> None:
    widths, skins = set(), set()
    for seed in range(20):
        bare = WorkerSpec(x=0.5, y=0.9, hat=False, mask=False)
        before, img, g = _worker(bare, seed, PAGES[1])
        paint = np.any(np.abs(img.astype(int) - before.astype(int)) > 30, axis=2)
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


# --- lighting --------------------------------------------------------------------------


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


def test_night_is_blue_under_screentone() -> None:
    img, _ = _bg(2)
    for seed in range(8):
        night = comic.light(img, np.random.default_rng(seed), True, False).astype(int)
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
