"""Workers, rodents and distractors drawn with OpenCV primitives.

Each draw function returns the pixel box that its ground truth uses, so labels are
computed from exactly the geometry that was drawn.
"""

import math

import cv2
import numpy as np

from simulators.scenes.background import Color, Layout, _col, _jitter
from simulators.scenes.spec import RodentSpec, WorkerSpec

Box = tuple[float, float, float, float]

SKIN: tuple[Color, ...] = (
    (140, 170, 220),
    (110, 150, 205),
    (90, 125, 185),
    (70, 100, 150),
    (160, 190, 235),
)
HAIR: tuple[Color, ...] = ((20, 20, 25), (30, 40, 60), (40, 60, 90), (120, 120, 125), (15, 25, 35))
MASKS: tuple[Color, ...] = (
    (225, 200, 160),
    (235, 235, 235),
    (200, 215, 130),
    (40, 40, 40),
    (230, 210, 190),
)


def person_height(spec: WorkerSpec, layout: Layout, height: int) -> float:
    """Perspective: the nearer the feet (lower in the frame), the taller the person."""
    depth = (spec.y * height - layout.horizon) / max(1.0, height - layout.horizon)
    return height * (0.42 + 0.5 * max(0.0, depth)) * spec.scale


def worker_geometry(
    spec: WorkerSpec, layout: Layout, width: int, height: int, t: float
) -> dict[str, float]:
    ph = person_height(spec, layout, height)
    sway = math.sin(t * 1.3 + spec.x * 10) * ph * 0.01
    cx = spec.x * width + sway
    fy = spec.y * height
    hh = 0.15 * ph
    hw = 0.115 * ph
    top = fy - ph
    return {"ph": ph, "cx": cx, "fy": fy, "hh": hh, "hw": hw, "top": top, "hat_h": 0.1 * ph}


def head_box(g: dict[str, float]) -> Box:
    return (g["cx"] - g["hw"] / 2, g["top"], g["cx"] + g["hw"] / 2, g["top"] + g["hh"])


def full_box(g: dict[str, float]) -> Box:
    return (g["cx"] - 0.25 * g["ph"], g["top"] - g["hat_h"], g["cx"] + 0.25 * g["ph"], g["fy"])


def _p(x: float, y: float) -> tuple[int, int]:
    return round(x), round(y)


def draw_worker(
    img: np.ndarray, spec: WorkerSpec, g: dict[str, float], rng: np.random.Generator
) -> Box:
    """Draw one worker; return the head box (hair top to chin, ear to ear)."""
    ph, cx, fy, hh, hw, top = g["ph"], g["cx"], g["fy"], g["hh"], g["hw"], g["top"]
    coat = _col(rng, 200, 255) if rng.random() < 0.7 else _col(rng, 30, 200)
    trousers = _col(rng, 20, 110)
    neck_y = top + hh
    waist_y = fy - 0.47 * ph
    sh = 0.13 * ph
    lw = max(2, int(0.07 * ph))
    # legs
    for dx in (-0.05, 0.05):
        x = cx + dx * ph
        cv2.line(img, _p(x, waist_y), _p(x + dx * ph * 0.3, fy - 0.02 * ph), trousers, lw)
        cv2.ellipse(
            img,
            _p(x + dx * ph * 0.3, fy - 0.01 * ph),
            (max(2, lw // 2 + 1), max(1, lw // 3)),
            0,
            0,
            360,
            (25, 25, 25),
            -1,
        )
    # torso (coat) with an apron sometimes
    torso = np.array(
        [
            _p(cx - sh, neck_y + 0.02 * ph),
            _p(cx + sh, neck_y + 0.02 * ph),
            _p(cx + sh * 0.85, waist_y + 0.08 * ph),
            _p(cx - sh * 0.85, waist_y + 0.08 * ph),
        ],
        np.int32,
    )
    cv2.fillConvexPoly(img, torso, coat)
    cv2.polylines(img, [torso], True, (90, 90, 90), 1)
    if rng.random() < 0.5:
        apron = _col(rng, 20, 230)
        cv2.rectangle(
            img,
            _p(cx - sh * 0.7, neck_y + 0.15 * ph),
            _p(cx + sh * 0.7, waist_y + 0.2 * ph),
            apron,
            -1,
        )
    # arms
    for side in (-1, 1):
        shoulder = (cx + side * sh * 0.95, neck_y + 0.05 * ph)
        if spec.arms_up and side == 1:
            hand = (cx + side * 0.28 * ph, neck_y - 0.02 * ph)
        else:
            hand = (cx + side * rng.uniform(0.15, 0.3) * ph, neck_y + rng.uniform(0.2, 0.35) * ph)
        cv2.line(img, _p(*shoulder), _p(*hand), coat, max(2, int(0.06 * ph)))
        cv2.circle(img, _p(*hand), max(1, int(0.025 * ph)), SKIN[int(rng.integers(len(SKIN)))], -1)
    # neck and head
    skin = _jitter(rng, SKIN[int(rng.integers(len(SKIN)))], 12)
    cv2.rectangle(
        img, _p(cx - hw * 0.2, neck_y - 0.1 * hh), _p(cx + hw * 0.2, neck_y + 0.04 * ph), skin, -1
    )
    hc = (cx, top + hh / 2)
    cv2.ellipse(img, _p(*hc), (max(2, int(hw / 2)), max(2, int(hh / 2))), 0, 0, 360, skin, -1)
    hair = HAIR[int(rng.integers(len(HAIR)))]
    cv2.ellipse(
        img,
        _p(cx, top + hh * 0.42),
        (max(2, int(hw / 2)), max(2, int(hh * 0.42))),
        0,
        180,
        360,
        hair,
        -1,
    )
    if rng.random() < 0.5:  # side hair
        cv2.ellipse(
            img,
            _p(cx, top + hh * 0.45),
            (max(2, int(hw / 2)), max(2, int(hh * 0.3))),
            0,
            150,
            390,
            hair,
            max(1, int(hw * 0.08)),
        )
    # face
    fx = cx + spec.turn * hw * 0.18
    eye_y = top + hh * 0.52
    er = max(1, int(hw * 0.06))
    for dx in (-0.2, 0.2):
        cv2.circle(img, _p(fx + dx * hw, eye_y), er, (30, 30, 30), -1)
    cv2.line(
        img,
        _p(fx, eye_y + hh * 0.06),
        _p(fx + spec.turn * hw * 0.05, eye_y + hh * 0.18),
        (70, 90, 130),
        1,
    )
    cv2.line(
        img,
        _p(fx - hw * 0.12, top + hh * 0.82),
        _p(fx + hw * 0.12, top + hh * 0.82),
        (60, 60, 140),
        max(1, int(hw * 0.04)),
    )
    if spec.mask:
        mc = MASKS[int(rng.integers(len(MASKS)))]
        cv2.rectangle(
            img, _p(cx - hw * 0.42, top + hh * 0.62), _p(cx + hw * 0.42, top + hh * 0.97), mc, -1
        )
        for dy in (0.7, 0.85):
            cv2.line(
                img,
                _p(cx - hw * 0.42, top + hh * dy),
                _p(cx - hw * 0.5, top + hh * (dy - 0.1)),
                mc,
                1,
            )
            cv2.line(
                img,
                _p(cx + hw * 0.42, top + hh * dy),
                _p(cx + hw * 0.5, top + hh * (dy - 0.1)),
                mc,
                1,
            )
        cv2.line(
            img,
            _p(cx - hw * 0.4, top + hh * 0.75),
            _p(cx + hw * 0.4, top + hh * 0.75),
            (150, 150, 150),
            1,
        )
    if spec.hat:
        white = _col(rng, 225, 256)
        band_top = top - 0.02 * g["ph"]
        cv2.rectangle(
            img, _p(cx - hw * 0.52, band_top), _p(cx + hw * 0.52, top + hh * 0.3), white, -1
        )
        cv2.ellipse(
            img,
            _p(cx, band_top - g["hat_h"] * 0.45),
            (max(2, int(hw * rng.uniform(0.6, 0.72))), max(2, int(g["hat_h"] * 0.55))),
            0,
            0,
            360,
            white,
            -1,
        )
        cv2.line(img, _p(cx - hw * 0.5, band_top), _p(cx + hw * 0.5, band_top), (200, 200, 200), 1)
    return head_box(g)


def rodent_geometry(
    spec: RodentSpec, layout: Layout, width: int, height: int, t: float
) -> tuple[float, float, float, float]:
    """(x, y, length, facing) with x wrapping around the frame as the rodent runs."""
    depth = (spec.y * height - layout.horizon) / max(1.0, height - layout.horizon)
    length = width * 0.085 * spec.size * (0.7 + 0.6 * max(0.0, depth))
    span = width + 2 * length
    x = (spec.x * width + spec.speed * width * t + length) % span - length
    return x, spec.y * height, length, 1.0 if spec.speed >= 0 else -1.0


def draw_rodent(
    img: np.ndarray, geom: tuple[float, float, float, float], rng: np.random.Generator
) -> Box:
    """Draw a rat/mouse facing its running direction; return body+head box."""
    x, y, length, facing = geom
    color = (
        _col(rng, 35, 95)
        if rng.random() < 0.7
        else (int(rng.integers(40, 70)), int(rng.integers(60, 90)), int(rng.integers(80, 110)))
    )
    bl, bh = length * 0.36, length * 0.2
    body_c = (x, y - bh)
    head_c = (x + facing * bl * 1.05, y - bh * 0.85)
    tail_start = (x - facing * bl * 0.9, y - bh * 0.7)
    pts = [tail_start]
    for i in range(1, 7):
        u = i / 6
        pts.append(
            (
                tail_start[0] - facing * u * length * 0.6,
                tail_start[1] + math.sin(u * 3 + x * 0.1) * bh * 0.5,
            )
        )
    cv2.polylines(
        img,
        [np.array([_p(*q) for q in pts], np.int32)],
        False,
        _jitter(rng, color, 20),
        max(1, int(length * 0.025)),
    )
    cv2.ellipse(img, _p(*body_c), (max(2, int(bl)), max(2, int(bh))), 0, 0, 360, color, -1)
    cv2.ellipse(
        img, _p(*head_c), (max(2, int(bl * 0.42)), max(1, int(bh * 0.62))), 0, 0, 360, color, -1
    )
    ear = (head_c[0] - facing * bl * 0.15, head_c[1] - bh * 0.6)
    cv2.circle(img, _p(*ear), max(1, int(bh * 0.35)), _jitter(rng, color, 25), -1)
    cv2.circle(
        img,
        _p(head_c[0] + facing * bl * 0.2, head_c[1] - bh * 0.15),
        max(1, int(bh * 0.12)),
        (10, 10, 10),
        -1,
    )
    for dx in (-0.5, 0.4):
        cv2.line(img, _p(x + dx * bl, y - bh * 0.3), _p(x + dx * bl, y), color, 1)
    x1 = min(x - bl, head_c[0] - bl * 0.42)
    x2 = max(x + bl, head_c[0] + bl * 0.42)
    return (x1, min(y - 2 * bh, ear[1] - bh * 0.35), x2, y)


def draw_distractor(
    img: np.ndarray, kind: str, layout: Layout, rng: np.random.Generator, s: float
) -> None:
    """Things a careless detector mistakes for hats, masks or rodents."""
    h, w = img.shape[:2]
    if kind == "plate":  # white plates / bowls on the counter or the shelf
        y = layout.counter_top if rng.random() < 0.5 else layout.shelf_y
        x = rng.uniform(0.03, 0.97) * w
        r = rng.uniform(7, 16) * s
        white = _col(rng, 215, 256)
        if rng.random() < 0.5:  # upside-down bowl stack: a puffy white dome like a hat
            for k in range(int(rng.integers(1, 4))):
                cv2.ellipse(
                    img, _p(x, y - k * r * 0.35), (int(r), int(r * 0.7)), 0, 180, 360, white, -1
                )
        else:
            cv2.ellipse(
                img, _p(x, y - r * 0.15), (int(r), max(1, int(r * 0.3))), 0, 0, 360, white, -1
            )
            cv2.ellipse(
                img,
                _p(x, y - r * 0.15),
                (int(r * 0.6), max(1, int(r * 0.15))),
                0,
                0,
                360,
                (200, 200, 200),
                1,
            )
    elif kind == "cloth":  # white or blue cloth hanging from the shelf or a hook
        x = rng.uniform(0.02, 0.95) * w
        y = layout.shelf_y + rng.uniform(0, 0.25) * h
        cw, ch = rng.uniform(8, 22) * s, rng.uniform(8, 30) * s
        col = _col(rng, 215, 256) if rng.random() < 0.5 else MASKS[int(rng.integers(len(MASKS)))]
        cv2.rectangle(img, _p(x, y), _p(x + cw, y + ch), col, -1)
        cv2.line(img, _p(x, y + ch * 0.3), _p(x + cw, y + ch * 0.3), (170, 170, 170), 1)
    elif kind == "steam":  # drawn by the renderer as a blurred layer; here: a white blob
        pass
    elif kind == "brush":  # dark brush, sponge or shoe on the floor (rodent-like)
        x = rng.uniform(0.02, 0.95) * w
        y = rng.uniform(layout.horizon + 5 * s, h - 3)
        bw, bh = rng.uniform(10, 24) * s, rng.uniform(4, 9) * s
        col = _col(rng, 30, 90)
        if rng.random() < 0.5:
            cv2.rectangle(img, _p(x, y - bh), _p(x + bw, y), col, -1)
            cv2.line(
                img,
                _p(x + bw, y - bh / 2),
                _p(x + bw * 1.8, y - bh * 1.5),
                _jitter(rng, col, 30),
                max(1, int(2 * s)),
            )
        else:
            cv2.ellipse(img, _p(x, y - bh / 2), (int(bw / 2), int(bh / 2)), 0, 0, 360, col, -1)
    elif kind == "face_poster":  # a round skin-coloured thing at head height (lamp, clock)
        x = rng.uniform(0.05, 0.95) * w
        y = rng.uniform(0.05, 0.35) * h
        r = rng.uniform(6, 12) * s
        cv2.circle(img, _p(x, y), int(r), _col(rng, 120, 240), -1)
        cv2.circle(img, _p(x, y), int(r), (40, 40, 40), 1)
