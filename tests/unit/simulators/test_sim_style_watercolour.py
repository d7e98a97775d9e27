"""The `watercolour` scene style: what its washes add to the kit contracts that
test_sim_style_contract.py holds every style to (its place among the styles, paper,
washes, grain, mask colours)."""

import functools

import numpy as np

from simulators.scenes import STYLES, WorkerSpec
from simulators.scenes import style_watercolour as wc
from simulators.scenes.actors import head_box, worker_geometry
from simulators.scenes.background import Layout
from simulators.scenes.style_watercolour_paint import Roi, wash

W, H = 320, 240
K = wc.KIT


def _bg(seed: int = 3, w: int = W, h: int = H) -> tuple[np.ndarray, Layout]:
    return wc.background(w, h, np.random.default_rng(seed))


@functools.cache
def _layout() -> Layout:
    """A real background's layout (cached: the background repeats with its seed)."""
    return _bg(3)[1]


def _worker(ws: WorkerSpec, seed: int = 0) -> tuple[np.ndarray, dict[str, float]]:
    """A worker painted on a blank page with the layout of a real background."""
    layout = _layout()
    img = np.full((H, W, 3), 235, np.uint8)
    g = worker_geometry(ws, layout, W, H, 0.0)
    assert K.worker(img, ws, g, np.random.default_rng(seed)) == head_box(g)
    return img, g


# --- registration --------------------------------------------------------------------


def test_style_is_registered_after_sketch() -> None:
    assert "watercolour" in STYLES
    assert STYLES.index("watercolour") == STYLES.index("sketch") + 1


# --- background ----------------------------------------------------------------------


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


def test_mask_colours_and_kinds_vary() -> None:
    colours = set()
    for seed in range(24):
        img, g = _worker(WorkerSpec(hat=False, mask=True, turn=0.0), seed)
        x1, y1, x2, y2 = head_box(g)
        hh, hw = y2 - y1, x2 - x1
        patch = img[
            int(y1 + 0.65 * hh) : int(y1 + 0.85 * hh), int(x1 + 0.3 * hw) : int(x2 - 0.3 * hw)
        ]
        colours.add(tuple(int(v) // 40 for v in np.median(patch.reshape(-1, 3), axis=0)))
    assert len(colours) >= 4  # white, blue, black, patterned ...


# --- lighting ------------------------------------------------------------------------


def test_day_adds_paper_grain_to_a_bare_page() -> None:
    flat = wc.light(np.full((H, W, 3), 220, np.uint8), np.random.default_rng(0), False, False)
    assert flat.astype(float).std() > 1.5  # cold-press grain shows on a bare page
