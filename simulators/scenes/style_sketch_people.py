"""Workers of the `sketch` style, drawn as pencil figures of several builds.

A head is a toned superellipse that fills its box (hatched hair, a few strokes for the
face), so a figure of 8-20 px still reads as a solid head; hats and masks come from
`style_sketch_wear`. Without a hat nothing is left above the box top.
"""

import cv2
import numpy as np

from simulators.scenes.actors import head_box
from simulators.scenes.spec import WorkerSpec
from simulators.scenes.style_sketch_pencil import (
    Color,
    Mask,
    col,
    ellipse_pts,
    fill,
    hatch,
    local_colour,
    lum,
    marks,
    mix,
    poly_mask,
    region,
    shade,
    shape,
    stroke,
    tone,
)
from simulators.scenes.style_sketch_wear import (
    ACCENTS,
    SKIN_TINTS,
    draw_hat,
    draw_mask,
    ink_colour,
    pick_tone,
)

Box = tuple[float, float, float, float]


def _head(
    img: np.ndarray, box: Box, n_top: float, n_bot: float
) -> tuple[Mask | None, np.ndarray, np.ndarray]:
    """Superellipse head mask over the box's pixels (pixel i spans [i, i+1))."""
    x1, y1, x2, y2 = box
    empty = np.zeros(0)
    r = region(img, x1 - 1, y1 - 1, x2, y2)
    if r is None:
        return None, empty, empty
    x0, y0, xe, ye = r
    a, b = max(0.5, (x2 - x1) / 2), max(0.5, (y2 - y1) / 2)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    xs = np.arange(x0, xe) + 0.5
    ys = np.arange(y0, ye) + 0.5
    u = (xs - cx) / a
    v = (ys - cy) / b
    du = np.maximum(np.abs(xs - cx) - 0.5, 0) / a
    dv = np.maximum(np.abs(ys - cy) - 0.5, 0) / b
    n = np.where(ys < cy, n_top, n_bot)[:, None]
    m = du[None, :] ** n + dv[:, None] ** n <= 1.0
    if not m.any():
        return None, u, v
    return (m, x0, y0), u, v


def _outline(box: Box, n_top: float, n_bot: float) -> np.ndarray:
    x1, y1, x2, y2 = box
    a, b = (x2 - x1) / 2 - 0.5, (y2 - y1) / 2 - 0.5
    t = np.linspace(0, 2 * np.pi, 28)
    c, s = np.cos(t), np.sin(t)
    n = np.where(s < 0, n_top, n_bot)
    x = (x1 + x2) / 2 + a * np.sign(c) * np.abs(c) ** (2 / n) - 0.5
    y = (y1 + y2) / 2 + b * np.sign(s) * np.abs(s) ** (2 / n) - 0.5
    return np.stack([x, y], axis=1)


def _limb(p0: tuple[float, float], p1: tuple[float, float], w0: float, w1: float) -> np.ndarray:
    d = np.array(p1) - np.array(p0)
    n = np.array([-d[1], d[0]]) / max(1e-6, float(np.hypot(*d)))
    a, b = np.array(p0), np.array(p1)
    return np.array([a + n * w0, b + n * w1, b - n * w1, a - n * w0])


def _hair(
    img: np.ndarray,
    hm: Mask,
    u: np.ndarray,
    v: np.ndarray,
    ws: WorkerSpec,
    face: Color,
    ink: Color,
    rng: np.random.Generator,
    box: Box,
    under: np.ndarray | None,
) -> None:
    mask, x0, y0 = hm
    kind = str(rng.choice(["short", "short", "long", "bun", "bald", "curly"]))
    if ws.hat and kind == "bun":
        kind = "short"
    hair = shade(face, -float(rng.uniform(55, 120)))
    if rng.random() < 0.12:
        hair = mix(hair, (40, 80, 130), 0.4)
    if rng.random() < 0.1:
        hair = shade(face, -40)  # grey / fair hair: light tone, dark hatching
    top = under[: max(1, under.shape[0] // 3)] if under is not None else None
    hair = pick_tone(
        top, [hair, shade(hair, -40), shade(face, -45), shade(face, 50), shade(face, -110)], 0.9
    )
    us = u[None, :] - 0.35 * ws.turn
    vv = v[:, None]
    h0 = float(rng.uniform(-0.6, -0.3))
    if kind == "bald":
        line = vv < -0.85 + 0 * us
    else:
        line = vv < h0 + 0.55 * np.maximum(0, np.abs(us) - 0.35) ** 2 * 4
        line |= (np.abs(u[None, :]) > 0.82) & (vv < 0.05)  # sideburns
        if kind == "long":
            line |= (np.abs(u[None, :]) > 0.62) & (vv < 1.1)
    hm2 = mask & line
    if kind != "bald" and hm2.any():
        fill(img, (hm2, x0, y0), hair, rng, 6)
        sp = max(1.7, (box[2] - box[0]) / 7)
        hatch(img, (hm2, x0, y0), shade(hair, -45), sp, float(rng.uniform(60, 120)), rng, 0.9)
    elif hm2.any():
        tone(img, (hm2, x0, y0), shade(face, -25), 0.6, rng)
    x1, y1, x2, y2 = box
    w, hh = x2 - x1, y2 - y1
    if kind == "bun":
        side = -1.0 if ws.turn >= 0 else 1.0
        bx = (x1 + x2) / 2 + side * 0.28 * w
        r = 0.2 * w
        bm = poly_mask(img, ellipse_pts(bx, y1 + r + 0.3, r, r))
        if bm is not None:
            fill(img, bm, shade(hair, -10), rng)
            stroke(
                img, ellipse_pts(bx, y1 + r + 0.3, r * 0.6, r * 0.6, 0, 5.5, 10), ink, rng, 1, 0.2
            )
    if kind == "curly" and w > 10:
        k = int(w // 3)
        cxs, cys = (
            rng.uniform(x1 + 0.15 * w, x2 - 0.15 * w, k),
            rng.uniform(y1 + 0.12 * hh, y1 + 0.3 * hh, k),
        )
        marks(
            img,
            [ellipse_pts(a, b, 1.2, 1.0, 0, 5, 6) for a, b in zip(cxs, cys, strict=True)],
            shade(hair, -50),
            rng,
            1,
            0.1,
        )


def _face(
    img: np.ndarray, box: Box, ws: WorkerSpec, face: Color, ink: Color, rng: np.random.Generator
) -> None:
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    fx = (x1 + x2) / 2 + ws.turn * 0.2 * w
    ey = y1 + float(rng.uniform(0.46, 0.54)) * h
    dark = shade(ink, -10)
    el = max(0.6, 0.07 * w)
    dm: list[list[tuple[float, float]]] = []
    im: list[list[tuple[float, float]]] = []
    for side in (-1.0, 1.0):
        ex = fx + side * 0.2 * w * (1 - 0.35 * abs(ws.turn) * (side * ws.turn < 0))
        if h < 12:
            dm.append([(ex - 0.5, ey), (ex + 0.5, ey)])
            continue
        dm.append([(ex - el, ey), (ex + el, ey + 0.3)])
        if h >= 16:
            im.append(
                [(ex - el * 1.3, ey - 0.1 * h), (ex, ey - 0.12 * h), (ex + el * 1.2, ey - 0.11 * h)]
            )
    ny = y1 + 0.68 * h
    nx = fx + ws.turn * 0.08 * w
    if h >= 12:
        nose = [
            (fx, ey + 0.04 * h),
            (nx + 0.04 * w * np.sign(ws.turn + 1e-3), ny),
            (nx - 0.05 * w, ny),
        ]
        marks(img, [nose], shade(face, -60), rng, 1, 0.2)
        my = y1 + 0.82 * h
        dm.append([(nx - 0.13 * w, my), (nx, my + 0.02 * h), (nx + 0.13 * w, my)])
        side = -1.0 if ws.turn > 0 else 1.0  # shadow side of the face
        cm = poly_mask(
            img,
            np.array(
                [
                    (fx + side * 0.15 * w, ey),
                    (fx + side * 0.48 * w, ey),
                    (fx + side * 0.42 * w, y2 - 0.12 * h),
                    (fx + side * 0.1 * w, y2 - 0.1 * h),
                ]
            ),
        )
        hatch(img, cm, shade(face, -35), max(2.0, w / 8), 65, rng, 0.7)
        ex_ = (x1 + 1.0) if ws.turn > 0 else (x2 - 1.0)
        im.append(list(map(tuple, ellipse_pts(ex_, ey + 0.1 * h, 0.08 * w, 0.12 * h, 1.3, 5.0, 6))))
    else:
        dm.append([(nx - 0.1 * w, y1 + 0.8 * h), (nx + 0.1 * w, y1 + 0.8 * h)])
    marks(img, dm, dark, rng, 1, 0.15)
    marks(img, im, ink, rng, 1, 0.2)


def draw_worker(
    img: np.ndarray, ws: WorkerSpec, g: dict[str, float], rng: np.random.Generator
) -> Box:
    """A pencil figure; returns exactly `head_box(g)`."""
    box = head_box(g)
    ph, cx, fy, top, hh = g["ph"], g["cx"], g["fy"], g["top"], g["hh"]
    guard = None
    gr = region(img, cx - 0.7 * ph, 0, cx + 0.7 * ph, np.floor(top) - 1)
    if not ws.hat and gr is not None and int(np.floor(top)) > 0:
        gy1 = min(gr[3], int(np.floor(top)))
        guard = (gr[0], gr[2], gy1, img[0:gy1, gr[0] : gr[2]].copy())
    ink = ink_colour(rng)
    paper = local_colour(img, box[0], box[1], box[2], box[3])
    bgl = lum(paper)
    d = float(rng.uniform(50, 105))
    face = shade(paper, -d) if bgl > 140 else shade(paper, 70)
    if rng.random() < 0.45:
        face = col(np.array(face, float) + np.array(SKIN_TINTS[int(rng.integers(len(SKIN_TINTS)))]))
    hr = region(img, box[0], box[1], box[2] - 1, box[3] - 1)
    under = img[hr[1] : hr[3], hr[0] : hr[2]].astype(np.int16) if hr is not None else None
    face = pick_tone(
        under,
        [
            face,
            shade(face, -35),
            shade(face, 45),
            mix(face, (128, 128, 128), 0.7),
            shade(face, 80),
            shade(face, -70),
        ],
    )
    wob = max(0.2, min(0.9, ph / 150))
    lw = 1 if ph < 140 else 2
    build = int(rng.integers(0, 4))
    shw = ph * (0.105, 0.13, 0.155, 0.15)[build]
    waist = ph * (0.085, 0.105, 0.125, 0.165)[build]
    hipw = ph * (0.09, 0.105, 0.12, 0.15)[build]
    sh_y = top + hh + 0.035 * ph
    hip_y = top + 0.52 * ph
    knee_y = top + 0.75 * ph
    # hatched cast shadow on the floor
    if rng.random() < 0.6 and ph > 25:
        sx = cx + float(rng.uniform(-0.1, 0.2)) * ph
        sm = poly_mask(img, ellipse_pts(sx, fy, 0.2 * ph, 0.035 * ph, n=16))
        hatch(img, sm, shade(ink, 40), max(1.8, ph / 60), float(rng.uniform(20, 60)), rng, 0.55)
    # legs and shoes
    trousers = shade(paper, -float(rng.uniform(20, 90)))
    fxl = cx - hipw * float(rng.uniform(0.45, 0.8))
    fxr = cx + hipw * float(rng.uniform(0.45, 0.8))
    ank, lw_ = fy - 0.03 * ph, 0.032 * ph
    legs = np.array(
        [
            (cx - hipw, hip_y - 0.02 * ph),
            (fxl - lw_, ank),
            (fxl + lw_, ank),
            (cx, top + 0.6 * ph),
            (fxr - lw_, ank),
            (fxr + lw_, ank),
            (cx + hipw, hip_y - 0.02 * ph),
        ]
    )
    shape(
        img,
        legs,
        rng,
        ink,
        trousers,
        shade(trousers, -60),
        max(1.8, ph / 55),
        float(rng.uniform(30, 150)),
        cross=rng.random() < 0.3,
        wobble=wob,
        thick=lw,
    )
    ax = (int(0.045 * ph * 16) + 8, int(0.018 * ph * 16) + 8)
    for side, fx in ((-1.0, fxl), (1.0, fxr)):  # shoes
        sc = (int((fx + side * 0.02 * ph) * 16), int((fy - 0.015 * ph) * 16))
        cv2.ellipse(img, sc, ax, 0, 0, 360, shade(ink, 10), -1, cv2.LINE_AA, 4)
    # torso (chef whites, dark jacket or coloured uniform)
    r = rng.random()
    accent = ACCENTS[int(rng.integers(len(ACCENTS)))]
    jacket = (
        mix(paper, (255, 255, 255), 0.5)
        if r < 0.6
        else shade(paper, -110)
        if r < 0.8
        else mix(paper, accent, 0.3)
    )
    bulge = 1.12 if build == 3 else 1.0
    torso = np.array(
        [
            (cx - shw * 0.55, sh_y - 0.015 * ph),
            (cx - shw, sh_y + 0.025 * ph),
            (cx - waist * bulge, top + 0.38 * ph),
            (cx - hipw, hip_y),
            (cx + hipw, hip_y),
            (cx + waist * bulge, top + 0.38 * ph),
            (cx + shw, sh_y + 0.025 * ph),
            (cx + shw * 0.55, sh_y - 0.015 * ph),
        ]
    )
    light_side = 1.0 if rng.random() < 0.5 else -1.0
    tm = shape(img, torso, rng, ink, jacket, None, wobble=wob, thick=lw, keep=True)
    if tm is not None:
        sm_, x0, y0 = tm
        xs = np.arange(x0, x0 + sm_.shape[1])[None, :]
        side_m = sm_ & ((xs - cx) * light_side < -0.3 * shw)
        hatch(img, (side_m, x0, y0), shade(jacket, -70), max(1.8, ph / 40), 70, rng, 0.7)
        if lum(jacket) < 120:
            hatch(img, tm, shade(jacket, -40), max(1.8, ph / 50), 120, rng, 0.8)
        elif r >= 0.8:
            hatch(img, tm, accent, max(1.8, ph / 55), float(rng.uniform(30, 150)), rng, 0.8)
    if ph > 40:
        for k in range(3):  # double-breasted buttons
            by = sh_y + (0.06 + 0.07 * k) * ph
            for bx in (cx - 0.04 * ph, cx + 0.04 * ph):
                c_ = (int(bx * 16), int(by * 16))
                cv2.circle(img, c_, int((0.006 * ph + 0.4) * 16), ink, 1, cv2.LINE_AA, 4)
    # apron
    if rng.random() < 0.7:
        ra = rng.random()
        acc = ACCENTS[int(rng.integers(len(ACCENTS)))]
        apron = (
            mix(paper, (255, 255, 255), 0.6)
            if ra < 0.45
            else mix(paper, acc, 0.3)
            if ra < 0.8
            else shade(paper, -90)
        )
        a_hatch = shade(apron, -55) if ra < 0.45 or ra >= 0.8 else acc
        a_top = sh_y + 0.07 * ph if rng.random() < 0.5 else top + 0.38 * ph
        aw = max(waist, hipw) * 1.02
        apts = np.array(
            [
                (cx - aw * 0.75, a_top),
                (cx + aw * 0.75, a_top),
                (cx + aw, top + 0.4 * ph),
                (cx + aw * 1.08, knee_y),
                (cx - aw * 1.08, knee_y),
                (cx - aw, top + 0.4 * ph),
            ]
        )
        shape(
            img,
            apts,
            rng,
            ink,
            apron,
            a_hatch if rng.random() < 0.7 or ra >= 0.45 else None,
            max(1.8, ph / 55),
            float(rng.uniform(0, 180)),
            cross=ra >= 0.8,
            wobble=wob,
        )
        sy = top + 0.4 * ph
        marks(
            img,
            [
                [(cx - aw, sy), (cx - aw - 0.05 * ph, sy + 0.06 * ph)],
                [(cx + aw, sy), (cx + aw + 0.04 * ph, sy + 0.07 * ph)],
            ],
            ink,
            rng,
            1,
            0.3,
        )
    # arms: sleeves and a toned hand
    aw_ = 0.026 * ph
    for side in (-1.0, 1.0):
        s0 = (cx + side * shw * 0.88, sh_y + 0.03 * ph)
        if ws.arms_up:
            el = (cx + side * (shw + 0.07 * ph), sh_y - 0.01 * ph)
            hd = (cx + side * (shw + 0.03 * ph), max(top + 0.35 * hh, sh_y - 0.14 * ph))
        elif rng.random() < 0.4:
            el = (cx + side * (shw + 0.02 * ph), sh_y + 0.17 * ph)
            hd = (cx + side * 0.06 * ph, top + 0.42 * ph)
        else:
            el = (cx + side * (shw + 0.015 * ph), sh_y + 0.17 * ph)
            hd = (cx + side * shw * 0.95, sh_y + 0.33 * ph)
        a1, a2 = _limb(s0, el, aw_ * 1.1, aw_), _limb(el, hd, aw_, aw_ * 0.8)
        arm = np.array([a1[0], (a1[1] + a2[0]) / 2, a2[1], a2[2], (a1[2] + a2[3]) / 2, a1[3]])
        shape(img, arm, rng, ink, jacket, None, wobble=wob, double=0.1)
        hc = (int(hd[0] * 16), int(hd[1] * 16))
        hrad = int((aw_ * 0.85 + 0.3) * 16)
        cv2.circle(img, hc, hrad, face, -1, cv2.LINE_AA, 4)
        cv2.circle(img, hc, hrad, ink, 1, cv2.LINE_AA, 4)
    # neck, then the head over it
    nm = poly_mask(
        img,
        np.array(
            [
                (cx - 0.19 * g["hw"], top + 0.8 * hh),
                (cx + 0.19 * g["hw"], top + 0.8 * hh),
                (cx + 0.22 * g["hw"], sh_y + 0.01 * ph),
                (cx - 0.22 * g["hw"], sh_y + 0.01 * ph),
            ]
        ),
    )
    fill(img, nm, shade(face, -12), rng)
    n_top, n_bot = float(rng.uniform(3.8, 4.6)), float(rng.uniform(3.3, 3.9))
    hmask, u, v = _head(img, box, n_top, n_bot)
    if hmask is not None:
        fill(img, hmask, face, rng, 4)
        _hair(img, hmask, u, v, ws, face, ink, rng, box, under)
    _face(img, box, ws, face, ink, rng)
    stroke(img, _outline(box, n_top, n_bot), ink, rng, lw, 0.25 * wob, over=0, double=0.35)
    if ws.mask:
        draw_mask(img, box, ws, face, ink, paper, rng, under)
    if ws.hat:
        draw_hat(img, box, ws, g, ink, paper, rng)
    if guard is not None:
        gx0, gx1, gy1, saved = guard
        img[0:gy1, gx0:gx1] = saved
    return box
