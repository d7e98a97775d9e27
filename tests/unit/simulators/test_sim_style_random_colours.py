"""Style `random`: hair and mob caps keep the colours that tell one from the other.

A mob cap is drawn as a dome over the head, as hair is; only colour separates a pale
cap from hair. These tests script the style's coin tosses (a fake generator: pure
drawing logic) and record the colours it paints with.
"""

from typing import Any

import numpy as np

from simulators.scenes import style_random as sr


class Scripted:
    """A generator whose first `random()` draws are given; everything else is real."""

    def __init__(self, first: list[float], seed: int) -> None:
        self.first = list(first)
        self.real = np.random.default_rng(seed)

    def random(self, *args: Any) -> Any:
        return self.first.pop(0) if self.first and not args else self.real.random(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class RecordingPen(sr.Pen):
    """A fill-only pen that notes every fill and line colour it is given."""

    def __init__(self) -> None:
        self.fill, self.ink, self.pale, self.t = True, None, False, 1
        self.colours: list[tuple[int, int, int]] = []
        self.lines: list[tuple[int, int, int]] = []

    def ellipse(self, img: Any, c: Any, ax: Any, col: Any, a0: int = 0, a1: int = 360) -> None:
        self.colours.append(col)
        super().ellipse(img, c, ax, col, a0, a1)

    def line(self, img: Any, a: Any, b: Any, col: Any, t: int) -> None:
        self.lines.append(col)
        super().line(img, a, b, col, t)

    def poly(self, img: Any, pts: Any, c: Any) -> None:
        self.colours.append(c)
        super().poly(img, pts, c)


def _canvas() -> np.ndarray:
    return np.zeros((80, 80, 3), np.uint8)


def test_dyed_hair_is_never_pale_nor_vivid() -> None:
    for seed in range(300):
        pen = RecordingPen()
        # 0.9: a dyed colour (not the natural list); 0.1: the dome-shaped hair
        sr._hair(_canvas(), pen, 40, 30, 20, 22, Scripted([0.9, 0.1], seed))  # type: ignore[arg-type]
        assert pen.colours and max(pen.colours[0]) <= sr.DYED_MAX
        # a natural colour, tinted: never a vivid hue a coloured cap would have
        dyed = pen.colours[0]
        assert any(
            all(abs(a - b) <= sr.DYED_SHIFT for a, b in zip(dyed, base, strict=True))
            for base in sr.HAIR
        ), dyed
    # the natural colours are what they were: dark to blond and grey
    assert all(max(c) <= 170 for c in sr.HAIR)


def test_dark_mob_caps_show_a_light_rim_and_white_ones_stay_white() -> None:
    dark = 0
    for seed in range(300):
        pen = RecordingPen()
        # 0.9: not white; 0.4: the mob cap
        sr._hat(_canvas(), pen, 40, 30, 20, 22, 10, Scripted([0.9, 0.4], seed))  # type: ignore[arg-type]
        cap = pen.colours[0]
        if max(cap) < sr.MOB_CAP_RIM_BELOW:
            dark += 1
            assert len(pen.lines) == 1, "a dark mob cap without its rim looks like hair"
            assert sum(pen.lines[0]) >= sum(cap) + 3 * 60
        else:
            assert pen.lines == []
    assert dark > 10  # dark caps are still drawn, with their rim
    pen = RecordingPen()
    sr._hat(_canvas(), pen, 40, 30, 20, 22, 10, Scripted([0.1, 0.4], 0))  # type: ignore[arg-type]
    assert pen.colours[0] == (245, 245, 245)


def test_other_hats_still_take_any_colour() -> None:
    """Toques, paper caps, baseball caps and bandanas do not look like hair: dark ones stay."""
    darkest = 255
    for seed in range(300):
        pen = RecordingPen()
        sr._hat(_canvas(), pen, 40, 30, 20, 22, 10, Scripted([0.9, 0.1], seed))  # type: ignore[arg-type]
        darkest = min(darkest, max(pen.colours[0]))
    assert darkest < sr.MOB_CAP_RIM_BELOW
