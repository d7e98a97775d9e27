"""The `sketch` scene style: what its pencil look adds to the kit contracts that
test_sim_style_contract.py holds every style to (its place among the styles, its pages)."""

import numpy as np

from simulators.scenes import STYLES
from simulators.scenes import style_sketch as sketch
from simulators.scenes.background import Layout

W, H = 320, 240


def _bg(seed: int = 3, w: int = W, h: int = H) -> tuple[np.ndarray, Layout]:
    return sketch.background(w, h, np.random.default_rng(seed))


def test_style_is_registered_after_lowpoly() -> None:
    assert "sketch" in STYLES
    assert STYLES.index("sketch") == STYLES.index("lowpoly") + 1


def test_paper_tone_varies_between_pages() -> None:
    tones = {
        tuple(int(v) // 12 for v in np.median(_bg(s)[0][:6, :6].reshape(-1, 3), axis=0))
        for s in range(40)
    }
    assert len(tones) >= 4


def test_page_is_line_work_not_solid_fill() -> None:
    img, _ = _bg(5)
    grey = img.mean(axis=2)
    paper = np.median(grey)
    # mostly paper, with a fair amount of pencil line in it
    assert np.mean(np.abs(grey - paper) < 25) > 0.55
    assert np.mean(grey < paper - 60) > 0.01
