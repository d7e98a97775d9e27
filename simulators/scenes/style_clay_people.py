"""Workers and rodents of scene style `clay`, sculpted with `style_clay_sculpt`.

Part of the held-out style `clay` (see `style_clay`): drawn without sight of the detector
or of the other styles' drawings, never used for training or threshold tuning.

Workers have big round heads (a third larger than the shared geometry's), stubby limbs,
bead or googly eyes, clay skin tones and natural hair colours; hats are tall pleated
toques, round caps (sometimes peaked) or bandanas and hairnets, masks are pleated or
seamed with ear loops. Rodents are rats and mice running, sitting up or sniffing, with a
thin tail that the label box leaves out.
"""

import math

import cv2
import numpy as np

from simulators.scenes.compose import Box, Image
from simulators.scenes.spec import WorkerSpec
from simulators.scenes.style_clay_sculpt import (
    Clay,
    Color,
    Mat,
    contact_shadow,
    darker,
    pick,
    studio_of,
)

SKIN: tuple[Color, ...] = (
    (190, 208, 242),
    (160, 188, 235),
    (128, 165, 220),
    (100, 140, 200),
    (78, 112, 170),
    (58, 84, 132),
    (44, 62, 100),
)
HAIR: tuple[Color, ...] = (
    (28, 26, 30),
    (34, 48, 72),
    (48, 78, 118),
    (40, 66, 150),
    (105, 165, 212),
    (150, 152, 158),
    (212, 212, 218),
    (48, 96, 185),
)
HATS: tuple[Color, ...] = (
    (246, 246, 246),
    (246, 246, 246),
    (225, 238, 246),
    (40, 38, 40),
    (100, 55, 30),
    (60, 60, 200),
    (225, 185, 120),
    (95, 165, 90),
    (170, 170, 172),
)
MASKS: tuple[Color, ...] = (
    (236, 206, 150),
    (244, 244, 244),
    (42, 42, 46),
    (205, 185, 242),
    (200, 230, 170),
    (110, 70, 40),
    (150, 200, 235),
)
JACKETS: tuple[Color, ...] = (
    (244, 244, 244),
    (244, 244, 244),
    (232, 238, 240),
    (45, 45, 48),
    (120, 115, 110),
    (140, 90, 50),
    (60, 50, 130),
)
APRONS: tuple[Color, ...] = (
    (150, 100, 60),
    (60, 90, 130),
    (40, 40, 42),
    (244, 244, 244),
    (70, 130, 80),
    (80, 80, 170),
)


def _face(
    c: Clay,
    spec: WorkerSpec,
    cx: float,
    top: float,
    hh: float,
    hw: float,
    hz: float,
    skin: int,
    hair: int,
    rng: np.random.Generator,
) -> None:
    """Bead or googly eyes and a blob nose; without a mask the mouth and chin must show,
    as that is what `no_mask` means. Far heads skip brows and noses under a pixel."""
    fx = cx + spec.turn * hw * 0.14
    eye_y = top + hh * 0.5
    white = c.material(Mat((236, 240, 242), spec=0.6, gloss=1.0))
    black = c.material(Mat((22, 20, 24), spec=0.6, gloss=1.0))
    tiny = hw < 9  # a far head: brows and nose would be sub-pixel, leave them out
    big = rng.random() < 0.5 and not tiny
    for side in (-1.0, 1.0):
        ex = fx + side * hw * 0.17
        if big:  # googly white eyes with a pupil looking where the head turns
            c.blob(ex, eye_y, hw * 0.1, hh * 0.085, white, z=hz + hw * 0.3, rz=hw * 0.1)
            c.blob(
                ex + spec.turn * hw * 0.03,
                eye_y + hh * 0.01,
                hw * 0.05,
                hh * 0.045,
                black,
                z=hz + hw * 0.38,
                rz=hw * 0.05,
            )
        else:
            c.blob(ex, eye_y, hw * 0.055, hh * 0.05, black, z=hz + hw * 0.36, rz=hw * 0.05)
        if tiny:
            continue
        brow_y = eye_y - hh * 0.13
        tilt = side * hh * 0.02
        c.limb(
            (ex - hw * 0.08, brow_y + tilt),
            (ex + hw * 0.08, brow_y - tilt),
            hh * 0.025,
            hh * 0.025,
            hair,
            z0=hz + hw * 0.3,
            z1=hz + hw * 0.3,
        )
    nose = c.material(Mat(c.mats[skin].color, spec=0.7))
    if tiny:
        nose = skin
    c.blob(
        fx + spec.turn * hw * 0.06,
        top + hh * 0.63,
        hw * 0.085,
        hh * 0.07,
        nose,
        z=hz + hw * 0.36,
        rz=hw * 0.12,
    )
    if spec.mask:
        return
    lips = c.material(Mat((70, 70, 150), spec=0.6))
    my = top + hh * 0.8
    if rng.random() < 0.6:  # a sculpted smile
        zl = hz + hw * 0.34
        c.strip(
            [(fx + u * hw * 0.14, my + (1 - u * u) * hh * 0.035, zl) for u in (-1, 0, 1)],
            hh * 0.022,
            lips,
        )
    else:  # an open "o" mouth
        c.blob(fx, my, hw * 0.07, hh * 0.05, lips, z=hz + hw * 0.3, rz=hw * 0.05)
        c.blob(fx, my + hh * 0.005, hw * 0.045, hh * 0.03, black, z=hz + hw * 0.33, rz=hw * 0.02)


def _mask(
    c: Clay, cx: float, top: float, hh: float, hw: float, hz: float, rng: np.random.Generator
) -> None:
    """A mask covers the nose to the chin and stays inside the head box; pleats or a seam
    and the ear loops tell a surgical mask from a cloth one."""
    col = pick(rng, MASKS, 8)
    pleated = rng.random() < 0.55
    period = max(2.0, hh * 0.09)
    m = c.material(
        Mat(col, 0.3, groove=0.5 * pleated, groove_angle=math.pi / 2, groove_period=period)
    )
    my = top + hh * 0.765
    c.blob(cx, my, hw * 0.39, hh * 0.235, m, z=hz + hw * 0.3, rz=hw * 0.25)
    if hw < 9:
        return
    loop = c.material(Mat(col if rng.random() < 0.6 else (240, 240, 240), spec=0.3))
    for side in (-1.0, 1.0):
        ear = (cx + side * hw * 0.42, top + hh * 0.5, hz + hw * 0.1)
        for dx, dy in ((0.36, -0.1), (0.34, 0.12)) if hw > 20 else ((0.36, 0.0),):
            c.strip([(cx + side * hw * dx, my + hh * dy, hz + hw * 0.3), ear], hh * 0.018, loop)
    if not pleated:
        seam = c.material(Mat(darker(col), spec=0.2))
        c.strip(
            [(cx, my - hh * 0.21, hz + hw * 0.47), (cx, my + hh * 0.22, hz + hw * 0.4)],
            hh * 0.02,
            seam,
        )


def _hair(
    c: Clay,
    cx: float,
    top: float,
    hh: float,
    hw: float,
    hz: float,
    hair: int,
    skin: int,
    rng: np.random.Generator,
) -> None:
    """A cap of hair whose top is the head box's top; bald crowns reach it too."""
    kind = int(rng.integers(0, 5))
    if kind == 0:  # bald: the crown itself is the top
        c.blob(cx, top + hh * 0.44, hw * 0.41, hh * 0.44, skin, z=hz, rz=hw * 0.4)
        return
    cut = {1: (-0.3, 0.6), 2: (0.05, 0.9), 3: (-0.45, 0.4), 4: (-0.2, 1.2)}[kind]
    c.blob(cx, top + hh * 0.45, hw * 0.44, hh * 0.45, hair, z=hz + hw * 0.04, rz=hw * 0.42, cut=cut)
    if kind == 3:  # curls: little balls along the crown, none above the top
        for a in np.linspace(-2.4, -0.7, 6):
            r = hw * 0.1
            c.blob(
                cx + math.cos(a) * hw * 0.35,
                top + hh * 0.45 + math.sin(a) * (hh * 0.45 - r) * 0.98,
                r,
                r,
                hair,
                z=hz + hw * 0.2,
                rz=r,
            )
    if kind == 2 and rng.random() < 0.6:  # long: falls beside the face to the shoulders
        for side in (-1.0, 1.0):
            c.limb(
                (cx + side * hw * 0.36, top + hh * 0.4),
                (cx + side * hw * 0.38, top + hh * 1.25),
                hw * 0.1,
                hw * 0.08,
                hair,
                z0=hz - hw * 0.1,
                z1=hz - hw * 0.25,
            )


def _hat(
    c: Clay,
    cx: float,
    top: float,
    hh: float,
    hw: float,
    hz: float,
    fx: float,
    rng: np.random.Generator,
) -> None:
    """Tall toque, round cap (sometimes peaked) or bandana/hairnet, always rising above
    the box top: the head box never includes the hat."""
    col = pick(rng, HATS, 6)
    kind = int(rng.integers(0, 3))
    if kind == 0:  # a pleated column under a puffed crown
        m = c.material(Mat(col, spec=0.35, groove=0.35, groove_period=max(2.5, hw * 0.14)))
        band = c.material(Mat(col, spec=0.35))
        tall = float(rng.uniform(0.5, 0.95)) * hh
        wide = float(rng.uniform(0.5, 0.62)) * hw
        c.limb((cx, top - tall * 0.1), (cx, top - tall * 0.5), hw * 0.44, hw * 0.46, m, hz, hz)
        c.blob(cx, top - tall * 0.7, wide, tall * 0.35, m, z=hz + hw * 0.1, rz=hw * 0.4)
        c.strip(
            [
                (cx - hw * 0.36, top + hh * 0.1, hz + hw * 0.32),
                (cx + hw * 0.36, top + hh * 0.1, hz + hw * 0.32),
            ],
            hh * 0.13,
            band,
        )
    elif kind == 1:
        m = c.material(Mat(col, spec=0.5))
        c.blob(
            cx,
            top + hh * 0.2,
            hw * 0.49,
            hh * 0.36,
            m,
            z=hz + hw * 0.06,
            rz=hw * 0.45,
            cut=(-0.05, 0.3),
        )
        c.blob(cx, top - hh * 0.14, hw * 0.07, hh * 0.05, m, z=hz + hw * 0.3)
        if rng.random() < 0.5:  # a peak towards the camera
            c.blob(fx, top + hh * 0.2, hw * 0.36, hh * 0.07, m, z=hz + hw * 0.45, rz=hw * 0.05)
    else:
        net = rng.random() < 0.5
        m = c.material(
            Mat(
                col,
                spec=0.25,
                groove=0.45 if net else 0.2,
                groove_angle=0.7,
                groove_period=max(2.0, hw * 0.08),
            )
        )
        c.blob(
            cx,
            top + hh * 0.36,
            hw * 0.48,
            hh * 0.48,
            m,
            z=hz + hw * 0.06,
            rz=hw * 0.44,
            cut=(-0.3, 0.7),
        )
        if not net:  # the bandana's knot on one side
            side = float(rng.choice([-1.0, 1.0]))
            c.blob(cx + side * hw * 0.45, top + hh * 0.22, hw * 0.09, hh * 0.08, m, z=hz)
            c.limb(
                (cx + side * hw * 0.48, top + hh * 0.25),
                (cx + side * hw * 0.58, top + hh * 0.45),
                hw * 0.06,
                hw * 0.03,
                m,
                z0=hz - 2,
                z1=hz - 2,
            )


def _body(
    c: Clay,
    spec: WorkerSpec,
    cx: float,
    fy: float,
    ph: float,
    neck_y: float,
    skin: int,
    rng: np.random.Generator,
) -> None:
    """Stubby legs and a chunky jacket give the claymation proportions; an apron or
    buttons vary the front, the arms hang or wave."""
    jacket = c.material(Mat(pick(rng, JACKETS, 6), spec=0.3))
    trousers = c.material(Mat(pick(rng, ((40, 40, 42), (70, 60, 50), (110, 80, 50)), 10)))
    shoes = c.material(Mat(pick(rng, ((25, 25, 28), (240, 240, 240), (40, 60, 90)), 6), spec=0.8))
    for side in (-1.0, 1.0):
        hip, foot = (cx + side * 0.06 * ph, fy - 0.38 * ph), (cx + side * 0.07 * ph, fy - 0.06 * ph)
        c.limb(hip, foot, 0.052 * ph, 0.047 * ph, trousers, z0=-0.02 * ph)
        c.blob(
            foot[0] + side * 0.01 * ph,
            fy - 0.03 * ph,
            0.06 * ph,
            0.03 * ph,
            shoes,
            z=0.04 * ph,
            rz=0.05 * ph,
        )
    sh_y = neck_y + 0.06 * ph
    c.limb(
        (cx, neck_y - 0.04 * ph), (cx, sh_y), 0.017 * ph, 0.02 * ph, skin, -0.02 * ph, -0.02 * ph
    )
    c.blob(cx, sh_y + 0.035 * ph, 0.15 * ph, 0.07 * ph, jacket, z=-0.01 * ph, rz=0.09 * ph)
    c.limb((cx, sh_y + 0.07 * ph), (cx, fy - 0.38 * ph), 0.13 * ph, 0.125 * ph, jacket)
    if rng.random() < 0.55:  # a flat apron from the waist to the knees, sometimes a bib
        col = pick(rng, APRONS, 10)
        apron = c.material(Mat(col, spec=0.25))
        c.blob(
            cx,
            fy - 0.28 * ph,
            0.125 * ph,
            0.16 * ph,
            apron,
            z=0.115 * ph,
            rz=0.03 * ph,
            cut=(-0.75, 0.0),
            below=True,
        )
        waist = [(cx + d * ph, fy - 0.4 * ph, 0.13 * ph) for d in (-0.12, 0.12)]
        c.strip(waist, 0.012 * ph, c.material(Mat(darker(col), spec=0.3)))
        if rng.random() < 0.6:
            c.blob(
                cx,
                sh_y + 0.16 * ph,
                0.075 * ph,
                0.1 * ph,
                apron,
                z=0.115 * ph,
                rz=0.025 * ph,
                cut=(-0.55, 0.0),
                below=True,
            )
            for d in (-1.0, 1.0):
                strap = [
                    (cx + d * 0.06 * ph, sh_y + 0.12 * ph, 0.14 * ph),
                    (cx + d * 0.05 * ph, sh_y - 0.01 * ph, 0.1 * ph),
                ]
                c.strip(strap, 0.01 * ph, apron)
    elif ph > 90 and rng.random() < 0.7:  # double-breasted buttons
        button = c.material(Mat((60, 60, 62), spec=0.9, gloss=0.8))
        for k in range(6):
            bx, by = cx + (k % 2 - 0.5) * 0.1 * ph, sh_y + (0.09 + 0.07 * (k // 2)) * ph
            c.blob(bx, by, 0.012 * ph, 0.012 * ph, button, z=0.13 * ph)
    r = 0.045 * ph
    for side in (-1.0, 1.0):
        shoulder = (cx + side * 0.13 * ph, sh_y + 0.04 * ph)
        if spec.arms_up and side > 0:  # a wave: the hand beside the head, never above it
            elbow, hand = (cx + 0.24 * ph, sh_y - 0.02 * ph), (cx + 0.21 * ph, neck_y - 0.1 * ph)
            zh = 0.0
        else:
            elbow = (cx + side * rng.uniform(0.17, 0.21) * ph, sh_y + 0.18 * ph)
            hand = (cx + side * rng.uniform(0.06, 0.22) * ph, sh_y + rng.uniform(0.24, 0.32) * ph)
            zh = 0.16 * ph
        c.limb(shoulder, elbow, r, r * 0.95, jacket, z0=0.02 * ph, z1=0.04 * ph)
        c.limb(elbow, hand, r * 0.95, r * 0.85, jacket, z0=0.04 * ph, z1=zh)
        c.blob(hand[0], hand[1], 0.04 * ph, 0.04 * ph, skin, z=zh + 0.01 * ph)


def worker(img: Image, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator) -> Box:
    """A plasticine worker; returns the head box (hair top to chin, ear to ear).

    Heads are a third larger than the geometry's (claymation exaggerates them) and the hat
    sits above the box. Body, face, mask, hat or hair and shading each draw from their own
    generator, so putting a hat or a mask on changes only the pixels that show it."""
    studio = studio_of(img)
    body_rng, face_rng, mask_rng, top_rng, lit_rng = (
        np.random.default_rng(int(v)) for v in rng.integers(0, 2**63, 5)
    )
    ph, cx, fy, top = g["ph"], g["cx"], g["fy"], g["top"]
    hh, hw = 0.2 * ph, 0.165 * ph
    contact_shadow(img, cx, fy, 0.2 * ph, 0.035 * ph, studio, float(lit_rng.uniform(0.35, 0.6)))
    c = Clay(img, cx - 0.34 * ph, top - 1.1 * hh, cx + 0.34 * ph, fy + 1, half=ph > 120)
    skin = c.material(Mat(pick(face_rng, SKIN, 8), spec=0.45))
    period = max(2.0, hw * 0.07)
    hair_col = pick(face_rng, HAIR, 8)
    hair = c.material(Mat(hair_col, 0.4, groove=0.4, groove_angle=0.2, groove_period=period))
    _body(c, spec, cx, fy, ph, top + hh, skin, body_rng)
    hz = 0.1 * ph
    for side in (-1.0, 1.0):  # ears, skull, jaw
        c.blob(cx + side * hw * 0.43, top + hh * 0.53, hw * 0.075, hh * 0.11, skin, z=hz - hw * 0.1)
    c.blob(cx, top + hh * 0.46, hw * 0.41, hh * 0.44, skin, z=hz, rz=hw * 0.4)
    jaw_x = cx + spec.turn * hw * 0.04
    c.blob(jaw_x, top + hh * 0.7, hw * 0.33, hh * 0.3, skin, z=hz + hw * 0.05, rz=hw * 0.3)
    _face(c, spec, cx, top, hh, hw, hz, skin, hair, face_rng)
    if spec.mask:
        _mask(c, cx, top, hh, hw, hz, mask_rng)
    if spec.hat:
        _hat(c, cx, top, hh, hw, hz, cx + spec.turn * hw * 0.14, top_rng)
    else:
        _hair(c, cx, top, hh, hw, hz, hair, skin, top_rng)
    c.shade(img, studio, lit_rng)
    return (cx - hw / 2, top, cx + hw / 2, top + hh)


RODENT_FUR: tuple[Color, ...] = (
    (70, 72, 78),
    (45, 48, 55),
    (60, 85, 115),
    (100, 110, 120),
    (30, 32, 36),
    (215, 220, 225),
    (90, 130, 170),
)


def rodent(img: Image, geom: tuple[float, float, float, float], rng: np.random.Generator) -> Box:
    """A clay rat or mouse running, sitting up or sniffing; the box leaves out the tail.

    The box is the sculpted primitives' extent, not the pixels', so a rodent running out of
    the frame keeps its whole box and the compositor can tell how much of it is hidden."""
    studio = studio_of(img)
    x, y, n, f = geom  # n: body length, f: facing

    def lump(
        dx: float,
        dy: float,
        rx: float,
        ry: float,
        m: int,
        z: float = 0.0,
        a: float = 0.0,
        rz: float | None = None,
    ) -> None:
        """A blob in body lengths, mirrored to the way the rodent faces."""
        c.blob(
            x + f * dx * n,
            y + dy * n,
            rx * n,
            ry * n,
            m,
            z * n,
            None if rz is None else rz * n,
            f * a,
        )

    contact_shadow(img, x, y, 0.42 * n, 0.07 * n, studio, float(rng.uniform(0.35, 0.55)))
    c = Clay(img, x - 1.1 * n, y - 0.7 * n, x + 1.1 * n, y + 2)
    fur = c.material(Mat(pick(rng, RODENT_FUR, 8), spec=0.35))
    pink = c.material(Mat((150, 150, 215), spec=0.5))
    eye = c.material(Mat((18, 16, 20), spec=1.0, gloss=1.2))
    ear = 0.075 if rng.random() < 0.35 else 0.05  # mice have the bigger ears
    pose = int(rng.integers(0, 3))
    if pose == 0:  # running: long low body, head forward
        lump(-0.15, -0.14, 0.15, 0.13, fur)
        lump(0.0, -0.13, 0.26, 0.12, fur, a=0.1)
        (hx, hy), hr, snout, tail = (0.24, -0.12), 0.1, 0.1, (-0.27, -0.1)
    elif pose == 1:  # sitting up on its haunches, paws held up
        lump(-0.05, -0.12, 0.17, 0.12, fur)
        lump(0.0, -0.22, 0.12, 0.2, fur, z=0.02, a=-0.25)
        lump(0.1, -0.3, 0.03, 0.025, pink, z=0.1)
        lump(0.1, -0.24, 0.03, 0.025, pink, z=0.1)
        (hx, hy), hr, snout, tail = (0.07, -0.44), 0.1, 0.09, (-0.18, -0.04)
    else:  # sniffing: rump up, nose to the floor
        lump(-0.12, -0.17, 0.17, 0.15, fur)
        lump(0.05, -0.12, 0.18, 0.1, fur, a=0.35)
        (hx, hy), hr, snout, tail = (0.23, -0.07), 0.09, 0.08, (-0.27, -0.14)
    lump(hx, hy, hr, hr * 0.8, fur, z=0.03)
    lump(hx + 0.1, hy + 0.02, snout, snout * 0.6, fur, z=0.03)
    lump(hx + 0.1 + snout, hy + 0.02, 0.022, 0.02, pink, z=0.06)  # nose
    lump(hx + 0.06, hy - 0.02, 0.018, 0.018, eye, z=0.1)
    lump(hx - 0.07, hy - 0.1, ear, ear * 1.15, fur, z=-0.04, rz=0.02)  # far ear
    lump(hx - 0.03, hy - 0.1, ear, ear * 1.15, pink, z=0.06, rz=0.02)
    for dx in (0.12, -0.16) if pose != 1 else ():  # little pink feet
        lump(dx, -0.012, 0.04, 0.015, pink, z=0.05)
    box = c.bounds
    c.shade(img, studio, rng)
    # the thin tail, drawn after the box was taken: long, curving, tapering
    wave, sweep = float(rng.uniform(-0.12, 0.12)), float(rng.uniform(0.6, 0.85))
    x0, y0 = x + f * tail[0] * n, y + tail[1] * n
    pts = [
        (round(x0 - f * sweep * n * u), round(y0 + (0.1 * u - wave * math.sin(u * 5.0)) * n))
        for u in np.linspace(0.0, 1.0, 9)
    ]
    col = darker(c.mats[pink].color, 0.85)
    for k in range(len(pts) - 1):
        width = max(1, round(0.03 * n * (1 - k / 9)))
        cv2.line(img, pts[k], pts[k + 1], col, width, cv2.LINE_AA)
    return box
