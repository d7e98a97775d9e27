"""Compose a frame from a scene style's drawing kit, with labels only for what is visible.

Each style brings its own background, worker, rodent, distractor and lighting drawings
(a `StyleKit`). The compositor places the actors by their feet line (back to front),
keeps a per-pixel owner map so a label is kept only when most of what was drawn inside
its box is still visible, and draws the style's random scene when a spec field is None,
with wider ranges than the classic one (worker scale 0.3-1.5x, crowds that overlap, hard
negatives such as cats and shadows). The classic renderer (`render.py`) keeps its own
scene drawing (its steam, counter and random ranges) so its frames stay byte-identical,
and shares the actor placement, painting and visibility steps (`place_actors`,
`paint_actors`, `visible_truths`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from simulators.scenes.actors import rodent_geometry, worker_geometry
from simulators.scenes.background import Layout
from simulators.scenes.spec import GroundTruth, RodentSpec, SceneSpec, WorkerSpec

Box = tuple[float, float, float, float]
Image = np.ndarray


@dataclass(frozen=True)
class StyleKit:
    """One scene style's drawing functions."""

    name: str
    background: Callable[[int, int, np.random.Generator], tuple[Image, Layout]]
    worker: Callable[[Image, WorkerSpec, dict[str, float], np.random.Generator], Box]
    """Draws a worker from `worker_geometry`; returns the head box (hair top to chin)."""
    rodent: Callable[[Image, tuple[float, float, float, float], np.random.Generator], Box]
    distractor: Callable[[Image, str, Layout, np.random.Generator, float], None]
    light: Callable[[Image, np.random.Generator, bool, bool], Image]
    distractors: tuple[str, ...]


def random_workers(rng: np.random.Generator, night: bool, heavy: bool) -> tuple[WorkerSpec, ...]:
    """0-6 workers, scale 0.3-1.5x, sometimes a crowd standing close together."""
    n = int(rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5, 6])) if not night else int(rng.choice([0, 0, 1]))
    crowd = n >= 2 and rng.random() < 0.35
    cx = float(rng.uniform(0.25, 0.75))
    out = []
    for _ in range(n):
        x = cx + rng.normal(0, 0.08) if crowd else rng.uniform(0.05, 0.95)
        out.append(
            WorkerSpec(
                x=float(np.clip(x, 0.03, 0.97)),
                y=float(rng.uniform(0.6, 0.99)),
                hat=bool(rng.random() < 0.55),
                mask=bool(rng.random() < 0.55),
                scale=float(np.exp(rng.uniform(np.log(0.3), np.log(1.5)))),
                turn=float(rng.uniform(-1, 1)),
                arms_up=bool(rng.random() < 0.25),
            )
        )
    return tuple(out)


def random_rodents(
    rng: np.random.Generator, night: bool, horizon_frac: float, rate: float | None = None
) -> tuple[RodentSpec, ...]:
    p = rate if rate is not None else 0.7 if night else 0.25
    n = 0
    while rng.random() < p and n < 3:
        n += 1
        p *= 0.5
    out = []
    for _ in range(n):
        y = horizon_frac + 0.02 + rng.uniform(0.0, 0.5)
        out.append(
            RodentSpec(
                x=float(rng.uniform(0, 1)),
                y=float(min(0.99, y)),
                size=float(rng.uniform(0.5, 1.6)),
                speed=float(rng.uniform(0.05, 0.3) * rng.choice([-1, 1])),
            )
        )
    return tuple(out)


def _crop(owner: np.ndarray, box: Box) -> np.ndarray:
    h, w = owner.shape
    x1, y1 = max(0, int(box[0])), max(0, int(box[1]))
    x2, y2 = min(w, int(np.ceil(box[2]))), min(h, int(np.ceil(box[3])))
    return owner[y1:y2, x1:x2]


def changed_pixels(img: Image, before: Image) -> np.ndarray:
    """Where an actor's drawing changed the frame: any channel differs. Three plain
    comparisons ORed together; `np.any(..., axis=2)` gives the same mask some ten times
    slower (a strided reduction over a length-3 axis), and this runs once per actor of
    every frame, which makes it a noticeable share of a frame's rendering."""
    diff = img != before
    mask: np.ndarray = diff[:, :, 0] | diff[:, :, 1] | diff[:, :, 2]
    return mask


Actor = tuple[float, str, Any]
"""(feet line y, "worker" or "rodent", what its drawing function needs)."""
Truth = tuple[str, Box, int, int]
"""(class, box, actor index, pixels the actor painted inside its box)."""


def place_actors(
    workers: tuple[WorkerSpec, ...],
    rodents: tuple[RodentSpec, ...],
    layout: Layout,
    size: tuple[int, int],
    t: float,
    seed: int,
) -> list[Actor]:
    """Workers and rodents in drawing order, back to front by their feet line, each with
    its own generator: removing one actor leaves the others' drawings unchanged."""
    w, h = size
    items: list[Actor] = []
    for j, ws in enumerate(workers):
        g = worker_geometry(ws, layout, w, h, t)
        items.append((g["fy"], "worker", (ws, g, np.random.default_rng([seed, 0, j]))))
    for j, rs in enumerate(rodents):
        rg = rodent_geometry(rs, layout, w, h, t)
        items.append((rg[1], "rodent", (rg, np.random.default_rng([seed, 1, j]))))
    items.sort(key=lambda it: it[0])
    return items


def paint_actors(
    img: Image,
    actors: list[Actor],
    worker: Callable[[Image, WorkerSpec, dict[str, float], np.random.Generator], Box],
    rodent: Callable[[Image, tuple[float, float, float, float], np.random.Generator], Box],
    label_heads: bool,
) -> tuple[np.ndarray, list[Truth]]:
    """Draw the actors onto `img` in order and label them. Returns the owner map
    (owner[y, x]: index of the actor whose paint is on top there, -1 none) and each
    label with the pixels its actor painted inside its box, for `visible_truths`."""
    h, w = img.shape[:2]
    owner = np.full((h, w), -1, np.int16)
    truths: list[Truth] = []
    for idx, (_depth, kind, payload) in enumerate(actors):
        before = img.copy()
        if kind == "worker":
            ws, g, arng = payload
            box = worker(img, ws, g, arng)
            labels = [c for c, ok in (("no_hat", not ws.hat), ("no_mask", not ws.mask)) if ok]
            if label_heads:
                labels.append("head")
        else:
            rg, arng = payload
            box = rodent(img, rg, arng)
            labels = ["rodent"]
        owner[changed_pixels(img, before)] = idx
        painted = int(np.count_nonzero(_crop(owner, box) == idx))
        for cls in labels:
            truths.append((cls, box, idx, painted))
    return owner, truths


def visible_truths(truths: list[Truth], owner: np.ndarray) -> list[GroundTruth]:
    """The labels still visible in the finished frame: at least 70 % of what the actor
    painted inside its box still on top, at least 60 % of the box inside the frame,
    and at least 3 px each way; boxes clipped to the frame."""
    h, w = owner.shape
    out: list[GroundTruth] = []
    for cls, box, idx, painted in truths:
        still = int(np.count_nonzero(_crop(owner, box) == idx))
        bx1, by1 = max(0.0, box[0]), max(0.0, box[1])
        bx2, by2 = min(float(w), box[2]), min(float(h), box[3])
        visible = (bx2 - bx1) * (by2 - by1) / max(1e-6, (box[2] - box[0]) * (box[3] - box[1]))
        small = bx2 - bx1 < 3 or by2 - by1 < 3
        if painted == 0 or still < 0.7 * painted or visible < 0.6 or small:
            continue
        out.append(GroundTruth(cls, round(bx1, 2), round(by1, 2), round(bx2, 2), round(by2, 2)))
    return out


def compose(
    spec: SceneSpec, rng: np.random.Generator, kit: StyleKit
) -> tuple[Image, list[GroundTruth]]:
    """Render one frame of `kit`'s style and its ground truth (see module doc)."""
    w, h = spec.width, spec.height
    s = h / 240.0
    seeds = [int(v) for v in rng.integers(0, 2**62, size=5)]
    bg_seed = spec.background_seed if spec.background_seed is not None else seeds[0]
    img, layout = kit.background(w, h, np.random.default_rng(bg_seed))
    light_rng = np.random.default_rng(seeds[1])
    dis_rng = np.random.default_rng(seeds[2])
    rng = np.random.default_rng(seeds[3])
    night = bool(rng.random() < 0.3) if spec.night is None else spec.night
    ir = night and (bool(rng.random() < 0.5) if spec.ir is None else spec.ir)
    n_dis = spec.n_distractors
    if n_dis is None:
        n_dis = int(rng.integers(6, 14)) if spec.distractor_heavy else int(rng.integers(1, 7))
    for _ in range(n_dis):
        kind = str(dis_rng.choice(kit.distractors))
        kit.distractor(img, kind, layout, dis_rng, s)
    workers = (
        spec.workers
        if spec.workers is not None
        else random_workers(rng, night, spec.distractor_heavy)
    )
    rodents = (
        spec.rodents
        if spec.rodents is not None
        else random_rodents(rng, night, layout.horizon / h, spec.rodent_rate)
    )
    occlusion = bool(rng.random() < 0.25) if spec.occlusion is None else spec.occlusion
    actors = place_actors(workers, rodents, layout, (w, h), spec.t, seeds[4])
    owner, truths = paint_actors(img, actors, kit.worker, kit.rodent, spec.label_heads)
    if occlusion:  # a foreground counter, trolley or pillar in front of the actors
        color = tuple(int(c) for c in dis_rng.integers(60, 220, size=3))
        if dis_rng.random() < 0.6:
            top = int(h * dis_rng.uniform(0.78, 0.9))
            x0 = int(dis_rng.uniform(-0.2, 0.4) * w)
            x1 = int(x0 + dis_rng.uniform(0.4, 0.9) * w)
            cv2.rectangle(img, (x0, top), (x1, h - 1), color, -1)
            owner[top:, max(0, x0) : max(0, x1 + 1)] = -2
        else:
            x0 = int(dis_rng.uniform(0, 0.9) * w)
            x1 = x0 + int(dis_rng.uniform(0.05, 0.12) * w)
            cv2.rectangle(img, (x0, 0), (x1, h - 1), color, -1)
            owner[:, x0 : x1 + 1] = -2
    img = kit.light(img, light_rng, night, ir)
    return img, visible_truths(truths, owner)
