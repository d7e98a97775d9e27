"""Render one kitchen frame and its ground truth.

Order of drawing (back to front): background, distractors on the wall/counter,
workers and rodents sorted by their feet line, steam, an optional foreground counter,
then lighting (day gradient, night, infrared grey) and sensor noise. Head labels are
kept only when no nearer worker covers them, and rodent labels only when the
foreground counter does not hide them, so every label is visible in the picture.
"""

import cv2
import numpy as np

from simulators.scenes.actors import (
    draw_distractor,
    draw_rodent,
    draw_worker,
)
from simulators.scenes.background import _col, draw_background
from simulators.scenes.compose import paint_actors, place_actors, visible_truths
from simulators.scenes.spec import GroundTruth, RodentSpec, SceneSpec, WorkerSpec

DISTRACTORS = ("plate", "cloth", "steam", "brush", "face_poster")


def random_workers(rng: np.random.Generator, night: bool, heavy: bool) -> tuple[WorkerSpec, ...]:
    n = int(rng.choice([0, 1, 1, 2, 2, 3, 4])) if not night else int(rng.choice([0, 0, 1, 2]))
    out = []
    for _ in range(n):
        out.append(
            WorkerSpec(
                x=float(rng.uniform(0.08, 0.92)),
                y=float(rng.uniform(0.62, 0.99)),
                hat=bool(rng.random() < 0.55),
                mask=bool(rng.random() < 0.55),
                scale=float(rng.uniform(0.75, 1.15)),
                turn=float(rng.uniform(-1, 1)),
                arms_up=bool(rng.random() < 0.25),
            )
        )
    return tuple(out)


def random_rodents(
    rng: np.random.Generator, night: bool, horizon_frac: float, rate: float | None = None
) -> tuple[RodentSpec, ...]:
    p = rate if rate is not None else 0.75 if night else 0.2
    n = 0
    while rng.random() < p and n < 3:
        n += 1
        p *= 0.5
    out = []
    for _ in range(n):
        along_wall = rng.random() < 0.5
        y = horizon_frac + 0.02 + (0.03 * rng.random() if along_wall else rng.uniform(0.08, 0.45))
        out.append(
            RodentSpec(
                x=float(rng.uniform(0, 1)),
                y=float(min(0.99, y)),
                size=float(rng.uniform(0.7, 1.5)),
                speed=float(rng.uniform(0.05, 0.3) * rng.choice([-1, 1])),
            )
        )
    return tuple(out)


def _steam(img: np.ndarray, rng: np.random.Generator, x: float, y: float, s: float) -> None:
    layer = np.zeros(img.shape[:2], np.uint8)
    for _ in range(int(rng.integers(3, 8))):
        cx = x + rng.normal(0, 8 * s)
        cy = y - rng.uniform(0, 50 * s)
        cv2.circle(layer, (int(cx), int(cy)), int(rng.uniform(5, 14) * s), 255, -1)
    k = max(3, int(9 * s) | 1)
    alpha = cv2.GaussianBlur(layer, (k, k), 0).astype(np.float32)[..., None] / 255.0
    alpha *= rng.uniform(0.35, 0.75)
    img[:] = (img * (1 - alpha) + 245 * alpha).astype(np.uint8)


def _light(img: np.ndarray, rng: np.random.Generator, night: bool, ir: bool) -> np.ndarray:
    h, w = img.shape[:2]
    f = img.astype(np.float32)
    gx = np.linspace(rng.uniform(0.7, 1.1), rng.uniform(0.7, 1.1), w, dtype=np.float32)
    gy = np.linspace(rng.uniform(0.85, 1.1), rng.uniform(0.75, 1.05), h, dtype=np.float32)
    f *= (gy[:, None] * gx[None, :])[..., None]
    if night and ir:
        grey = cv2.cvtColor(np.clip(f, 0, 255).astype(np.uint8), cv2.COLOR_BGR2GRAY).astype(
            np.float32
        )
        grey = grey * rng.uniform(0.6, 0.95) + rng.uniform(0, 25)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        vig = 1.0 - 0.5 * (((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2) * 2
        grey = grey * vig + rng.normal(0, rng.uniform(3, 8), grey.shape)
        f = np.repeat(grey[..., None], 3, axis=2)
    elif night:
        f = f * rng.uniform(0.25, 0.5) * np.array([1.15, 0.95, 0.85], np.float32)
        f += rng.normal(0, rng.uniform(3, 7), f.shape)
    else:
        f *= rng.uniform(0.8, 1.2)
        f *= np.array(rng.uniform(0.9, 1.1, size=3), np.float32)
        f += rng.normal(0, rng.uniform(1, 4), f.shape)
    return np.clip(f, 0, 255).astype(np.uint8)


def render_scene(spec: SceneSpec, rng: np.random.Generator) -> tuple[np.ndarray, list[GroundTruth]]:
    """Draw one frame (BGR uint8, spec.height x spec.width) and its ground truth."""
    if spec.style != "classic":
        from simulators.scenes.styles import render_styled

        return render_styled(spec, rng)
    w, h = spec.width, spec.height
    s = h / 240.0
    # Independent streams per part of the picture: removing a worker from a spec leaves the
    # kitchen, the lighting and the noise pixel-identical (the label tests rely on that).
    seeds = [int(v) for v in rng.integers(0, 2**62, size=5)]
    bg_seed = spec.background_seed if spec.background_seed is not None else seeds[0]
    img, layout = draw_background(w, h, np.random.default_rng(bg_seed))
    light_rng = np.random.default_rng(seeds[1])
    dis_rng = np.random.default_rng(seeds[2])
    rng = np.random.default_rng(seeds[3])
    night = bool(rng.random() < 0.35) if spec.night is None else spec.night
    ir = night and (bool(rng.random() < 0.5) if spec.ir is None else spec.ir)
    heavy = spec.distractor_heavy
    n_dis = spec.n_distractors
    if n_dis is None:
        n_dis = int(rng.integers(6, 14)) if heavy else int(rng.integers(0, 6))
    steam_points: list[tuple[float, float]] = []
    for _ in range(n_dis):
        kind = str(dis_rng.choice(DISTRACTORS))
        if kind == "steam":
            if layout.pots and dis_rng.random() < 0.7:
                px, top, _r = layout.pots[int(dis_rng.integers(len(layout.pots)))]
                steam_points.append((px, top))
            else:
                steam_points.append(
                    (dis_rng.uniform(0, w), dis_rng.uniform(layout.shelf_y, layout.horizon))
                )
        else:
            draw_distractor(img, kind, layout, dis_rng, s)
    workers = spec.workers if spec.workers is not None else random_workers(rng, night, heavy)
    rodents = (
        spec.rodents
        if spec.rodents is not None
        else random_rodents(rng, night, layout.horizon / h, spec.rodent_rate)
    )
    occlusion = bool(rng.random() < 0.25) if spec.occlusion is None else spec.occlusion
    island_top = h * rng.uniform(0.8, 0.9) if occlusion else float(h + 1)
    actors = place_actors(workers, rodents, layout, (w, h), spec.t, seeds[4])
    owner, truths = paint_actors(img, actors, draw_worker, draw_rodent, spec.label_heads)
    for sx, sy in steam_points:
        _steam(img, dis_rng, sx, sy, s)
    if occlusion:
        color = _col(dis_rng, 120, 210)
        ox0 = int(dis_rng.uniform(-0.2, 0.4) * w)
        ox1 = int(ox0 + dis_rng.uniform(0.4, 0.9) * w)
        cv2.rectangle(img, (ox0, int(island_top)), (ox1, h - 1), color, -1)
        cv2.rectangle(img, (ox0, int(island_top)), (ox1, int(island_top + 4 * s)), (90, 90, 90), -1)
        owner[int(island_top) :, max(0, ox0) : max(0, ox1 + 1)] = -2
    img = _light(img, light_rng, night, ir)
    return img, visible_truths(truths, owner)
