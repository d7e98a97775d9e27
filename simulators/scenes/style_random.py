"""Scene style `random`: a domain-randomised kitchen for training, not one look but many.

Every other style is one artist's hand: a detector trained on it learns that hand
(dark rodents, white toques, tiled floors) as much as the objects. Here every drawing
choice is drawn per scene and per actor from wide families, so what stays constant
is only what defines the classes: a head with hair on top and no covering (no_hat), a
lower face left bare (no_mask), a small long-bodied animal with ears and a tail on the
floor (rodent). Domain randomisation of this kind (Tobin et al. 2017) is how detectors
trained on drawings are made to transfer to looks they never saw.

Randomised: wall and floor patterns (plain, tiles, checker, stripes, planks, speckle,
bricks, blotches) and palettes; each shape filled, filled and outlined, or outlined on
a pale fill, with any ink colour and thickness; body, head, hair, hat (toque, mob cap,
paper cap, baseball cap, hairnet, bandana) and mask (surgical, pointed, cloth, half
face) shapes and colours; rodents light or dark, oval, teardrop or faceted, with or
without legs; hard negatives (white bowls, cloths, pot lids, sponges, brushes, shoes,
cats, shadows, steam) and global light (tint, gradient, vignette, noise, night, IR).
Not a held-out style: it is for training only.
"""

import math

import cv2
import numpy as np

from simulators.scenes.background import Layout
from simulators.scenes.compose import Box, Image, StyleKit
from simulators.scenes.spec import WorkerSpec

Color = tuple[int, int, int]
Pt = tuple[int, int]


def _c(rng: np.random.Generator, lo: int = 0, hi: int = 256) -> Color:
    v = rng.integers(lo, hi, size=3)
    return int(v[0]), int(v[1]), int(v[2])


def _shade(c: Color, d: int) -> Color:
    return (
        int(np.clip(c[0] + d, 0, 255)),
        int(np.clip(c[1] + d, 0, 255)),
        int(np.clip(c[2] + d, 0, 255)),
    )


def _p(x: float, y: float) -> Pt:
    return round(x), round(y)


class Pen:
    """How one actor's shapes are drawn: fill only, fill and ink, or ink on a pale fill."""

    def __init__(self, rng: np.random.Generator, s: float) -> None:
        mode = rng.random()
        self.fill = mode < 0.85
        self.ink: Color | None = None
        self.pale = mode >= 0.85
        if mode >= 0.45:
            self.ink = _c(rng, 0, 90) if rng.random() < 0.8 else _c(rng, 0, 256)
        self.t = max(1, round(rng.uniform(0.6, 2.2) * s))

    def colour(self, c: Color) -> Color:
        """A pale version of `c` when the pen draws ink on pale fills."""
        return (
            (int(c[0] * 0.3 + 180), int(c[1] * 0.3 + 180), int(c[2] * 0.3 + 180))
            if self.pale
            else c
        )

    def poly(self, img: Image, pts: list[Pt], c: Color) -> None:
        arr = np.array(pts, np.int32)
        cv2.fillPoly(img, [arr], self.colour(c))
        if self.ink is not None:
            cv2.polylines(img, [arr], True, self.ink, self.t)

    def ellipse(
        self, img: Image, c: Pt, ax: tuple[float, float], col: Color, a0: int = 0, a1: int = 360
    ) -> None:
        axes = (max(1, int(ax[0])), max(1, int(ax[1])))
        cv2.ellipse(img, c, axes, 0, a0, a1, self.colour(col), -1)
        if self.ink is not None:
            cv2.ellipse(img, c, axes, 0, a0, a1, self.ink, self.t)

    def rect(self, img: Image, a: Pt, b: Pt, col: Color) -> None:
        cv2.rectangle(img, a, b, self.colour(col), -1)
        if self.ink is not None:
            cv2.rectangle(img, a, b, self.ink, self.t)

    def line(self, img: Image, a: Pt, b: Pt, col: Color, t: int) -> None:
        if self.ink is not None and t >= 3:
            cv2.line(img, a, b, self.ink, t + 2 * self.t)
        cv2.line(img, a, b, self.colour(col), t)


def _pattern(img: Image, y0: int, y1: int, rng: np.random.Generator, s: float) -> None:
    """Fill rows y0..y1 with a random surface: plain, tiles, checker, stripes, planks,
    speckle, bricks or blotches, in two random colours."""
    w = img.shape[1]
    a = _c(rng)
    b = _shade(a, int(rng.choice([-1, 1]) * rng.integers(20, 110)))
    if rng.random() < 0.3:
        b = _c(rng)
    img[y0:y1] = a
    kind = str(
        rng.choice(
            ["plain", "tiles", "checker", "stripes", "planks", "speckle", "bricks", "blotch"]
        )
    )
    cell = max(4, int(rng.uniform(6, 30) * s))
    if kind == "tiles":
        for x in range(0, w, cell):
            cv2.line(img, (x, y0), (x, y1), b, 1)
        for y in range(y0, y1, cell):
            cv2.line(img, (0, y), (w, y), b, 1)
    elif kind == "checker":
        for y in range(y0, y1, cell):
            for x in range(0, w, cell):
                if ((x // cell) + (y - y0) // cell) % 2:
                    img[y : min(y1, y + cell), x : x + cell] = b
    elif kind == "stripes":
        angle = rng.uniform(0, math.pi)
        ys, xs = np.mgrid[y0:y1, 0:w]
        band = ((xs * math.cos(angle) + ys * math.sin(angle)) // cell).astype(int) % 2 == 1
        img[y0:y1][band] = b
    elif kind == "planks":
        for x in range(0, w, cell * 2):
            cv2.line(img, (x, y0), (x, y1), b, max(1, int(s)))
            off = int(rng.integers(y0, max(y0 + 1, y1)))
            cv2.line(img, (x, off), (x + cell * 2, off), b, 1)
    elif kind == "speckle":
        n = int((y1 - y0) * w / max(4, cell))
        xs_ = rng.integers(0, w, n)
        ys_ = rng.integers(y0, max(y0 + 1, y1), n)
        for x, y in zip(xs_, ys_, strict=True):
            cv2.circle(img, (int(x), int(y)), int(rng.integers(1, 3)), b, -1)
    elif kind == "bricks":
        for row, y in enumerate(range(y0, y1, cell)):
            cv2.line(img, (0, y), (w, y), b, 1)
            shift = (cell if row % 2 else 0) + 0
            for x in range(-shift, w, cell * 2):
                cv2.line(img, (x, y), (x, min(y1, y + cell)), b, 1)
    elif kind == "blotch":
        for _ in range(int(rng.integers(4, 14))):
            pts = [
                _p(rng.uniform(0, w), rng.uniform(y0, y1)) for _ in range(int(rng.integers(3, 7)))
            ]
            cv2.fillPoly(img, [cv2.convexHull(np.array(pts, np.int32))], b)


def background(width: int, height: int, rng: np.random.Generator) -> tuple[Image, Layout]:
    s = height / 240.0
    img = np.zeros((height, width, 3), np.uint8)
    horizon = int(height * rng.uniform(0.38, 0.6))
    _pattern(img, 0, horizon, rng, s)
    _pattern(img, horizon, height, rng, s)
    if rng.random() < 0.5:  # perspective lines on the floor
        vx = width * rng.uniform(0.2, 0.8)
        col = _c(rng, 0, 256)
        for k in range(-5, 6):
            cv2.line(
                img, _p(vx + k * width * 0.05, horizon), _p(vx + k * width * 0.35, height), col, 1
            )
    pen = Pen(rng, s)
    shelf_y = int(height * rng.uniform(0.1, 0.3))
    cv2.line(img, (0, shelf_y), (width - 1, shelf_y), _c(rng), max(1, int(rng.uniform(1, 5) * s)))
    counter_top = horizon - int(height * rng.uniform(0.06, 0.16))
    pen.rect(img, (-5, counter_top), (width + 5, horizon), _c(rng))
    if rng.random() < 0.5:
        win = _p(rng.uniform(0, 0.7) * width, rng.uniform(0.02, 0.1) * height)
        pen.rect(img, win, _p(win[0] + rng.uniform(0.1, 0.3) * width, shelf_y - 2), _c(rng, 150))
    pots: list[tuple[int, int, int]] = []
    for _ in range(int(rng.integers(0, 4))):
        r = int(rng.uniform(6, 20) * s)
        cx = int(rng.uniform(0.05, 0.95) * width)
        top = counter_top - int(r * rng.uniform(0.5, 1.3))
        col = _c(rng)
        if rng.random() < 0.5:
            pen.rect(img, (cx - r, top), (cx + r, counter_top), col)
        else:
            pen.ellipse(
                img, (cx, counter_top - (counter_top - top) // 2), (r, (counter_top - top) / 2), col
            )
        pots.append((cx, top, r))
    layout = Layout(horizon=horizon, counter_top=counter_top, shelf_y=shelf_y, pots=tuple(pots))
    return img, layout


SKIN: tuple[Color, ...] = (
    (150, 180, 230),
    (120, 160, 215),
    (95, 130, 185),
    (70, 100, 150),
    (50, 75, 115),
    (170, 200, 240),
)
DYED_MAX = 160
"""Brightest channel of a dyed hair colour (see `_dyed`)."""
DYED_SHIFT = 30
"""Most a dyed hair colour moves from a natural one, per channel (see `_dyed`)."""
MOB_CAP_RIM_BELOW = 120
"""A mob cap whose brightest channel is below this gets a light elastic rim. The cap
is the one hat drawn as a dome like hair: a dark one without an edge is a "hat" label
no eye could see (as `shaded`'s dark skull caps once were), a dark one with its rim
is what black skull caps look like."""
HAIR: tuple[Color, ...] = (
    (15, 15, 20),
    (30, 40, 60),
    (40, 70, 110),
    (80, 130, 170),
    (130, 130, 135),
    (30, 50, 130),
)


def _dyed(rng: np.random.Generator) -> Color:
    """A hair colour off the natural list: a natural one shifted by up to `DYED_SHIFT`
    in each channel (tinted, bleached, henna), never pale (brightest channel at most
    `DYED_MAX`) and never a vivid hue.

    Why: in a picture a mob cap or a skull cap and a dome of hair differ only by colour
    and edge. A pale dome of "hair" labelled `no_hat` is what a white or light-blue mob
    cap looks like (the `flat` style's light-blue caps were its commonest false
    `no_hat`), and vivid domes of hair (any hue, as this once drew) are what red, green,
    pink or black kitchen caps look like: the held-out `cctv` style's coloured mob caps
    were its commonest false `no_hat`. Hair in kitchens is rarely vivid; caps often are.
    """
    base = HAIR[int(rng.integers(len(HAIR)))]
    shift = rng.integers(-DYED_SHIFT, DYED_SHIFT + 1, size=3)
    b, g, r = (int(np.clip(c + d, 0, DYED_MAX)) for c, d in zip(base, shift, strict=True))
    return b, g, r


def _hair(
    img: Image, pen: Pen, cx: float, top: float, hw: float, hh: float, rng: np.random.Generator
) -> None:
    """Hair on top of the head (what `no_hat` is about): a cap, bob, crop, spikes or bun."""
    hair = HAIR[int(rng.integers(len(HAIR)))] if rng.random() < 0.85 else _dyed(rng)
    kind = rng.random()
    if kind < 0.35:
        pen.ellipse(img, _p(cx, top + hh * 0.42), (hw / 2, hh * 0.42), hair, 180, 360)
    elif kind < 0.6:  # bob: down the sides
        pen.ellipse(img, _p(cx, top + hh * 0.45), (hw / 2, hh * 0.45), hair, 150, 390)
    elif kind < 0.75:  # short crop: a band
        pen.ellipse(img, _p(cx, top + hh * 0.3), (hw * 0.48, hh * 0.3), hair, 180, 360)
    elif kind < 0.9:  # spiky
        pts = [_p(cx - hw / 2, top + hh * 0.4)]
        for k in range(5):
            pts.append(_p(cx - hw / 2 + hw * (k + 0.5) / 5, top - hh * rng.uniform(0.0, 0.06)))
            pts.append(_p(cx - hw / 2 + hw * (k + 1) / 5, top + hh * 0.18))
        pts.append(_p(cx + hw / 2, top + hh * 0.4))
        pen.poly(img, pts, hair)
    else:  # bun on top
        pen.ellipse(img, _p(cx, top + hh * 0.4), (hw / 2, hh * 0.4), hair, 180, 360)
        pen.ellipse(img, _p(cx, top + hh * 0.05), (hw * 0.2, hh * 0.12), hair)


def _mask(
    img: Image, pen: Pen, cx: float, top: float, hw: float, hh: float, rng: np.random.Generator
) -> None:
    col = (
        [(220, 190, 120), (240, 240, 240), (30, 30, 30), (200, 220, 170), (190, 170, 230)][
            int(rng.integers(5))
        ]
        if rng.random() < 0.7
        else _c(rng)
    )
    y0 = top + hh * rng.uniform(0.55, 0.66)
    kind = rng.random()
    if kind < 0.4:  # surgical: a trapezoid with pleats
        pts = [
            _p(cx - hw * 0.46, y0),
            _p(cx + hw * 0.46, y0),
            _p(cx + hw * 0.36, top + hh * 0.98),
            _p(cx - hw * 0.36, top + hh * 0.98),
        ]
        pen.poly(img, pts, col)
        if rng.random() < 0.6:
            for dy in (0.3, 0.55, 0.8):
                yy = y0 + (top + hh - y0) * dy
                cv2.line(img, _p(cx - hw * 0.38, yy), _p(cx + hw * 0.38, yy), _shade(col, -45), 1)
    elif kind < 0.65:  # pointed respirator
        pts = [
            _p(cx - hw * 0.45, y0 + hh * 0.05),
            _p(cx, y0 - hh * 0.04),
            _p(cx + hw * 0.45, y0 + hh * 0.05),
            _p(cx + hw * 0.3, top + hh * 0.96),
            _p(cx, top + hh),
            _p(cx - hw * 0.3, top + hh * 0.96),
        ]
        pen.poly(img, pts, col)
        cv2.line(img, _p(cx, y0 - hh * 0.04), _p(cx, top + hh), _shade(col, -50), 1)
    else:  # cloth mask: a half ellipse
        pen.ellipse(img, _p(cx, y0), (hw * 0.47, (top + hh - y0) * 0.98), col, 0, 180)
    if rng.random() < 0.5:  # ear loops
        for side in (-1, 1):
            cv2.line(
                img,
                _p(cx + side * hw * 0.45, y0 + hh * 0.04),
                _p(cx + side * hw * 0.5, top + hh * 0.45),
                _shade(col, -30),
                1,
            )


def _hat(
    img: Image,
    pen: Pen,
    cx: float,
    top: float,
    hw: float,
    hh: float,
    hat_h: float,
    rng: np.random.Generator,
) -> None:
    """A head covering that hides the hair and rises above the head's top."""
    col = (245, 245, 245) if rng.random() < 0.55 else _c(rng)
    kind = rng.random()
    if kind < 0.3:  # toque: a band and a puffed crown
        band_h = hh * rng.uniform(0.2, 0.35)
        pen.rect(img, _p(cx - hw * 0.52, top - band_h * 0.3), _p(cx + hw * 0.52, top + band_h), col)
        crown = hat_h * rng.uniform(0.6, 1.2)
        pen.ellipse(
            img, _p(cx, top - crown * 0.4), (hw * rng.uniform(0.55, 0.75), crown * 0.7), col
        )
    elif kind < 0.5:  # mob cap / hairnet: a disc over the hair, maybe dotted
        pen.ellipse(img, _p(cx, top + hh * 0.25), (hw * 0.6, hh * 0.42), col, 180, 360)
        if max(col) < MOB_CAP_RIM_BELOW:  # a dark dome is hair unless its rim shows
            y = top + hh * 0.25
            rim = _shade(col, 90)
            pen.line(img, _p(cx - hw * 0.6, y), _p(cx + hw * 0.6, y), rim, max(1, round(hh * 0.1)))
        if rng.random() < 0.5:
            for _ in range(8):
                cv2.circle(
                    img,
                    _p(cx + rng.uniform(-0.4, 0.4) * hw, top + hh * rng.uniform(-0.1, 0.2)),
                    1,
                    _shade(col, -60),
                    -1,
                )
    elif kind < 0.7:  # paper cap: a tall band, maybe striped
        cap_h = hat_h * rng.uniform(0.5, 0.9)
        pen.rect(img, _p(cx - hw * 0.52, top - cap_h), _p(cx + hw * 0.52, top + hh * 0.22), col)
        if rng.random() < 0.6:
            cv2.line(
                img,
                _p(cx - hw * 0.5, top - cap_h * 0.4),
                _p(cx + hw * 0.5, top - cap_h * 0.4),
                _c(rng),
                max(1, int(cap_h * 0.15)),
            )
    elif kind < 0.85:  # baseball cap with a brim
        pen.ellipse(img, _p(cx, top + hh * 0.3), (hw * 0.55, hh * 0.4), col, 180, 360)
        side = 1 if rng.random() < 0.5 else -1
        pen.poly(
            img,
            [
                _p(cx, top + hh * 0.22),
                _p(cx + side * hw * 0.95, top + hh * 0.28),
                _p(cx + side * hw * 0.9, top + hh * 0.36),
                _p(cx, top + hh * 0.34),
            ],
            _shade(col, -20),
        )
    else:  # bandana: a triangle knotted at the back
        pen.poly(
            img,
            [
                _p(cx - hw * 0.56, top + hh * 0.33),
                _p(cx, top - hh * 0.12),
                _p(cx + hw * 0.56, top + hh * 0.33),
            ],
            col,
        )


def worker(img: Image, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator) -> Box:
    ph, cx, fy, hh, hw, top = g["ph"], g["cx"], g["fy"], g["hh"], g["hw"], g["top"]
    pen = Pen(rng, ph / 120.0)
    neck_y = top + hh
    waist_y = fy - rng.uniform(0.4, 0.5) * ph
    sh = rng.uniform(0.1, 0.15) * ph
    coat = _c(rng, 190, 256) if rng.random() < 0.5 else _c(rng)
    legs = _c(rng, 0, 120) if rng.random() < 0.7 else _c(rng)
    lw = max(2, int(rng.uniform(0.05, 0.09) * ph))
    for dx in (-0.05, 0.05):
        pen.line(img, _p(cx + dx * ph, waist_y), _p(cx + dx * ph * 1.2, fy - 0.02 * ph), legs, lw)
        if rng.random() < 0.7:  # shoes
            cv2.ellipse(
                img,
                _p(cx + dx * ph * 1.3, fy - 0.01 * ph),
                (lw // 2 + 2, max(1, lw // 3)),
                0,
                0,
                360,
                _c(rng, 0, 256),
                -1,
            )
    kind = rng.random()
    if kind < 0.35:
        pen.poly(
            img,
            [
                _p(cx - sh, neck_y + 0.02 * ph),
                _p(cx + sh, neck_y + 0.02 * ph),
                _p(cx + sh * rng.uniform(0.7, 1.2), waist_y + 0.08 * ph),
                _p(cx - sh * rng.uniform(0.7, 1.2), waist_y + 0.08 * ph),
            ],
            coat,
        )
    elif kind < 0.7:
        pen.ellipse(
            img,
            _p(cx, (neck_y + waist_y) / 2 + 0.03 * ph),
            (sh, (waist_y - neck_y) / 2 + 0.05 * ph),
            coat,
        )
    else:
        pen.rect(img, _p(cx - sh, neck_y + 0.01 * ph), _p(cx + sh, waist_y + 0.08 * ph), coat)
    if rng.random() < 0.5:  # apron
        apron = _c(rng)
        pen.rect(
            img,
            _p(cx - sh * 0.65, neck_y + rng.uniform(0.08, 0.2) * ph),
            _p(cx + sh * 0.65, waist_y + 0.2 * ph),
            apron,
        )
    if rng.random() < 0.4:  # buttons
        for k in range(3):
            cv2.circle(
                img,
                _p(cx + sh * 0.3, neck_y + (0.08 + 0.08 * k) * ph),
                max(1, int(ph * 0.01)),
                _c(rng, 0, 120),
                -1,
            )
    skin = SKIN[int(rng.integers(len(SKIN)))]
    arm_w = max(2, int(rng.uniform(0.04, 0.07) * ph))
    for side in (-1, 1):
        shoulder = (cx + side * sh * 0.9, neck_y + 0.05 * ph)
        if spec.arms_up and side == (1 if rng.random() < 0.5 else -1):
            hand = (cx + side * 0.25 * ph, neck_y - rng.uniform(0.0, 0.1) * ph)
        else:
            hand = (cx + side * rng.uniform(0.12, 0.3) * ph, neck_y + rng.uniform(0.2, 0.35) * ph)
        pen.line(img, _p(*shoulder), _p(*hand), coat, arm_w)
        cv2.circle(img, _p(*hand), max(1, arm_w // 2 + 1), skin, -1)
    cv2.rectangle(
        img, _p(cx - hw * 0.18, neck_y - 0.1 * hh), _p(cx + hw * 0.18, neck_y + 0.03 * ph), skin, -1
    )
    shape = rng.random()
    if shape < 0.7:
        pen.ellipse(img, _p(cx, top + hh / 2), (hw / 2, hh / 2), skin)
    else:  # squarer head with a rounded jaw
        pen.poly(
            img,
            [
                _p(cx - hw / 2, top + hh * 0.15),
                _p(cx - hw * 0.35, top),
                _p(cx + hw * 0.35, top),
                _p(cx + hw / 2, top + hh * 0.15),
                _p(cx + hw / 2, top + hh * 0.7),
                _p(cx + hw * 0.2, top + hh),
                _p(cx - hw * 0.2, top + hh),
                _p(cx - hw / 2, top + hh * 0.7),
            ],
            skin,
        )
    if rng.random() < 0.93 or spec.hat:
        _hair(img, pen, cx, top, hw, hh, rng)
    fx = cx + spec.turn * hw * 0.15
    eye = _c(rng, 0, 60)
    if rng.random() < 0.8:
        for dx in (-0.17, 0.17):
            cv2.circle(img, _p(fx + dx * hw, top + hh * 0.52), max(1, int(hw * 0.05)), eye, -1)
    if spec.mask:
        _mask(img, pen, cx, top, hw, hh, rng)
    elif rng.random() < 0.7:  # mouth
        cv2.line(
            img,
            _p(fx - hw * 0.1, top + hh * 0.8),
            _p(fx + hw * 0.1, top + hh * 0.8),
            _c(rng, 30, 140),
            1,
        )
    if spec.hat:
        _hat(img, pen, cx, top, hw, hh, g["hat_h"], rng)
    return (cx - hw / 2, top, cx + hw / 2, top + hh)


def rodent(img: Image, geom: tuple[float, float, float, float], rng: np.random.Generator) -> Box:
    """A rat or mouse in a random hand: light or dark, oval, teardrop or faceted body,
    a head toward its running direction, ears, a tail; returns body+head+ears."""
    x, y, length, facing = geom
    pen = Pen(rng, length / 30.0)
    col = _c(rng, 20, 120) if rng.random() < 0.55 else _c(rng)
    bl = length * rng.uniform(0.42, 0.6)  # body+head length
    bh = length * rng.uniform(0.09, 0.15)  # half height
    back = x - facing * bl * 0.35
    nose = x + facing * bl * 0.65
    cy = y - bh
    tail_col = _shade(col, int(rng.integers(-40, 60))) if rng.random() < 0.6 else _c(rng)
    t0 = (back - facing * bh * 0.5, y - bh * 0.6)
    wave = rng.uniform(0.3, 1.5)
    tl = length * rng.uniform(0.35, 0.8)
    pts = [
        _p(
            t0[0] - facing * tl * u,
            t0[1] - math.sin(u * math.pi * wave) * bh * rng.uniform(0.3, 1.0),
        )
        for u in np.linspace(0, 1, 9)
    ]
    cv2.polylines(
        img,
        [np.array(pts, np.int32)],
        False,
        tail_col,
        max(1, int(length * rng.uniform(0.015, 0.04))),
    )
    if rng.random() < 0.4:  # legs
        for dx in (0.1, 0.55):
            lx = back + facing * bl * dx
            cv2.line(
                img, _p(lx, y - bh * 0.5), _p(lx, y), _shade(col, -30), max(1, int(length * 0.02))
            )
    kind = rng.random()
    front = x + facing * bl * 0.2
    xs = [back - bh, back + bh, nose]
    if kind < 0.45:  # oval body and a smaller head
        half = abs(front - back) / 2 + bh * 0.3
        mid = (back + front) / 2
        pen.ellipse(img, _p(mid, cy), (half, bh), col)
        head = x + facing * bl * 0.42
        pen.ellipse(img, _p(head, cy - bh * 0.1), (bl * 0.2, bh * 0.7), col)
        pen.poly(img, [_p(head, cy - bh * 0.6), _p(nose, cy), _p(head, cy + bh * 0.5)], col)
        xs += [mid - half, mid + half, head - bl * 0.2, head + bl * 0.2]
    elif kind < 0.75:  # teardrop
        pen.poly(img, [_p(back, cy - bh), _p(back, cy + bh), _p(nose, cy + bh * 0.1)], col)
        pen.ellipse(img, _p(back, cy), (bh, bh), col)
    else:  # faceted
        pen.poly(
            img,
            [
                _p(back - facing * bh * 0.3, cy),
                _p(back + facing * bl * 0.15, cy - bh),
                _p(back + facing * bl * 0.6, cy - bh * 0.8),
                _p(nose, cy + bh * 0.1),
                _p(back + facing * bl * 0.55, y),
                _p(back + facing * bl * 0.1, y),
            ],
            col,
        )
    ear_x = x + facing * bl * 0.3
    ear_r = bh * rng.uniform(0.35, 0.6)
    ear_col = _shade(col, 40) if rng.random() < 0.5 else (150, 150, 220)
    pen.ellipse(img, _p(ear_x, cy - bh * 0.85), (ear_r, ear_r), ear_col)
    eye = _p(x + facing * bl * 0.5, cy - bh * 0.25)
    cv2.circle(img, eye, max(1, int(bh * 0.15)), _c(rng, 0, 50), -1)
    top = min(cy - bh, cy - bh * 0.85 - ear_r)
    return (min(xs), top, max(xs), y)


def distractor(img: Image, kind: str, layout: Layout, rng: np.random.Generator, s: float) -> None:
    h, w = img.shape[:2]
    pen = Pen(rng, s)
    if kind == "bowls":  # white or coloured bowls and lids at head height
        x, y = rng.uniform(0.03, 0.97) * w, float(rng.choice([layout.counter_top, layout.shelf_y]))
        r = rng.uniform(5, 14) * s
        col = (240, 240, 240) if rng.random() < 0.6 else _c(rng)
        for k in range(int(rng.integers(1, 4))):
            pen.ellipse(
                img,
                _p(x, y - k * r * 0.4),
                (r, r * 0.5),
                col,
                180 if rng.random() < 0.5 else 0,
                360,
            )
    elif kind == "cloth":  # a mask-like cloth hanging or lying
        x, y = rng.uniform(0.02, 0.95) * w, layout.shelf_y + rng.uniform(0, 0.35) * h
        cw, ch = rng.uniform(6, 20) * s, rng.uniform(5, 16) * s
        col = (240, 240, 240) if rng.random() < 0.4 else _c(rng)
        pen.rect(img, _p(x, y), _p(x + cw, y + ch), col)
    elif kind == "floor_thing":  # sponge, brush, shoe, sack: rodent-sized, not a rodent
        x = rng.uniform(0.02, 0.95) * w
        y = rng.uniform(layout.horizon + 4 * s, h - 2)
        r = rng.uniform(4, 13) * s
        col = _c(rng)
        if rng.random() < 0.5:
            pen.rect(img, _p(x - r, y - r * 0.6), _p(x + r, y), col)
        else:
            pen.ellipse(img, _p(x, y - r * 0.4), (r, r * 0.45), col)
        if rng.random() < 0.5:  # a handle
            pen.line(
                img,
                _p(x + r, y - r * 0.4),
                _p(x + r * 2.5, y - r * rng.uniform(0.4, 2)),
                _c(rng),
                max(1, int(2 * s)),
            )
    elif kind == "shadow":
        x, y = rng.uniform(0, w), rng.uniform(layout.horizon, h)
        layer = np.zeros(img.shape[:2], np.uint8)
        cv2.ellipse(
            layer,
            _p(x, y),
            (int(rng.uniform(8, 40) * s), int(rng.uniform(3, 10) * s)),
            0,
            0,
            360,
            255,
            -1,
        )
        a = cv2.GaussianBlur(layer, (0, 0), 3 * s).astype(np.float32)[..., None] / 255.0 * 0.5
        img[:] = (img * (1 - a)).astype(np.uint8)
    elif kind == "cat":  # ears up, body taller than a rodent's
        x = rng.uniform(0.05, 0.9) * w
        y = rng.uniform(layout.horizon + 10 * s, h - 2)
        sz = rng.uniform(10, 22) * s
        col = _c(rng)
        pen.ellipse(img, _p(x, y - sz * 0.5), (sz * 0.7, sz * 0.5), col)
        hx, hy = x + sz * 0.7, y - sz * 1.0
        pen.ellipse(img, _p(hx, hy), (sz * 0.33, sz * 0.33), col)
        for dx in (-0.2, 0.2):
            pen.poly(
                img,
                [
                    _p(hx + dx * sz - 3 * s, hy - sz * 0.2),
                    _p(hx + dx * sz + 3 * s, hy - sz * 0.2),
                    _p(hx + dx * sz, hy - sz * 0.6),
                ],
                col,
            )
        pen.line(
            img,
            _p(x - sz * 0.6, y - sz * 0.5),
            _p(x - sz * 0.9, y - sz * 1.4),
            col,
            max(1, int(sz * 0.1)),
        )
    elif kind == "ladle":  # hanging utensils at head height
        x, y = rng.uniform(0.03, 0.97) * w, layout.shelf_y + 2
        ln = rng.uniform(8, 25) * s
        cv2.line(img, _p(x, y), _p(x, y + ln), _c(rng, 100), 1)
        pen.ellipse(img, _p(x, y + ln), (ln * 0.25, ln * 0.25), _c(rng, 100))
    elif kind == "steam":
        x, y = rng.uniform(0, w), rng.uniform(0, layout.horizon)
        layer = np.zeros(img.shape[:2], np.uint8)
        cv2.circle(layer, _p(x, y), int(rng.uniform(6, 25) * s), 255, -1)
        a = cv2.GaussianBlur(layer, (0, 0), 5 * s).astype(np.float32)[..., None] / 255.0 * 0.6
        img[:] = (img * (1 - a) + 235 * a).astype(np.uint8)


def light(img: Image, rng: np.random.Generator, night: bool, ir: bool) -> Image:
    h, w = img.shape[:2]
    f = img.astype(np.float32)
    f *= rng.uniform(0.8, 1.2, size=3).astype(np.float32)  # white balance
    kind = rng.random()
    if kind < 0.3:  # vignette
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        d = ((xs - w / 2) / w) ** 2 + ((ys - h / 2) / h) ** 2
        f *= (1 - rng.uniform(0.3, 1.2) * d)[..., None]
    elif kind < 0.6:  # light from one side
        ramp = np.linspace(rng.uniform(0.6, 1.0), rng.uniform(1.0, 1.3), w, dtype=np.float32)
        f *= (ramp[::-1] if rng.random() < 0.5 else ramp)[None, :, None]
    if night and ir:
        grey = cv2.cvtColor(np.clip(f, 0, 255).astype(np.uint8), cv2.COLOR_BGR2GRAY).astype(
            np.float32
        )
        grey = grey * rng.uniform(0.5, 1.0) + rng.uniform(0, 40)
        f = np.repeat(grey[..., None], 3, axis=2) + rng.normal(0, 6, (h, w, 1)).astype(np.float32)
    elif night:
        f = f * rng.uniform(0.2, 0.5) + rng.normal(0, 5, f.shape).astype(np.float32)
    else:
        f += rng.normal(0, rng.uniform(0, 5), f.shape).astype(np.float32)
    return np.clip(f, 0, 255).astype(np.uint8)


KIT = StyleKit(
    name="random",
    background=background,
    worker=worker,
    rodent=rodent,
    distractor=distractor,
    light=light,
    distractors=("bowls", "cloth", "floor_thing", "shadow", "cat", "ladle", "steam"),
)
