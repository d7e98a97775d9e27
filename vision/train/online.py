"""Training frames rendered while the network trains, on every core the machine has.

A data set on disk is the same N frames every epoch: a run of 10 epochs sees each
drawing ten times. `bk vision train --online N` instead draws N new training frames
per epoch, frame `epoch * N + i` of the data set plan's `train` split. That is the very
function `bk sim dataset` writes to disk (`render_frame`), so an online frame is one
an exported data set of that seed would hold, only never seen twice. The renderers
run in DataLoader worker processes; each frame and its augmentation come from
generators seeded by the frame's index, so a run is the same whatever the number of
workers, and resuming at an epoch renders exactly the frames an unbroken run would.

Why it is worth having: the detector's weak point is drawing styles it never saw, and
variety is what a fixed set runs out of. On two shared cores rendering costs as much
as training, so it stays off by default; on a machine with many cores (and an
accelerator doing the arithmetic) the renderers keep the network fed.
"""

import time
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import psutil
import torch
from torch.utils.data import DataLoader, Dataset

from simulators.dataset import JPEG_QUALITY, DatasetPlan, render_frame
from vision.letterbox import letterbox
from vision.train.augment import augment_picture
from vision.train.machine import throttled_seconds
from vision.train.targets import build_targets


@dataclass(frozen=True)
class OnlineSource:
    """Where an online run's frames come from."""

    plan: DatasetPlan
    frames_per_epoch: int
    workers: int = 0
    """Render processes (0: render in the training process, for tests and tiny runs)."""
    echo: int = 1
    """Training samples drawn from each rendered frame, each with its own augmentation
    (data echoing, Choi et al. 2019; batch augmentation, Hoffer et al. 2019): where the
    renderers, not the arithmetic, limit the rate, an accelerator otherwise waits. The
    echoes of a frame are consecutive samples, so they fall in one batch and one
    process renders the frame once."""

    def __post_init__(self) -> None:
        if self.frames_per_epoch < 1:
            raise ValueError(f"frames per epoch must be at least 1, not {self.frames_per_epoch}")
        if self.workers < 0:
            raise ValueError(f"workers must be 0 or more, not {self.workers}")
        if self.echo < 1 or self.frames_per_epoch % self.echo:
            raise ValueError(
                f"echo must be 1 or more and divide the frames per epoch "
                f"({self.frames_per_epoch}), not {self.echo}"
            )

    def identity(self) -> dict[str, Any]:
        """What a resumed run must share: the same frames in the same epochs."""
        p = self.plan
        return {
            "frames_per_epoch": self.frames_per_epoch,
            "seed": p.seed,
            "size": [p.width, p.height],
            "styles": list(p.styles),
            "heads": p.label_heads,
            "randomise": p.randomise,
            "rodent_rate": p.rodent_rate,
        } | ({"echo": self.echo} if self.echo > 1 else {})  # runs before echo: unchanged


def training_frame(
    plan: DatasetPlan, index: int, in_w: int, in_h: int
) -> tuple[np.ndarray, np.ndarray]:
    """Training frame `index` as the exported data set would give it to the training
    loop: JPEG round trip at the export quality, letterboxed to the network input,
    CHW uint8, and its (M, 5) class + box rows in input pixels."""
    img, truths = render_frame(plan, "train", index)
    ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    if decoded is None:
        raise RuntimeError("JPEG decoding failed")
    canvas, lb = letterbox(decoded, in_w, in_h)
    rows = np.array([(g.yolo(plan.width, plan.height)[0], g.x1, g.y1, g.x2, g.y2) for g in truths])
    rows = rows.reshape(-1, 5).astype(np.float64)
    rows[:, 1:] = lb.to_input(rows[:, 1:])
    return np.ascontiguousarray(canvas.transpose(2, 0, 1)), rows


@dataclass(frozen=True)
class OnlinePrep:
    """Turns a rendered frame into a training sample: the run's augmentations, a
    mirror flip half the time, a brightness factor (applied with the 1/255 scaling on
    the accelerator, so the workers ship uint8), and the heat-map targets."""

    in_w: int
    in_h: int
    num_classes: int
    stride: int
    zoom: tuple[float, float] | None
    stylise: float
    randconv: float

    def __call__(
        self, chw: np.ndarray, rows: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, ...]:
        chw, rows = augment_picture(chw, rows, rng, self.zoom, self.stylise, self.randconv)
        if rng.random() < 0.5:
            chw = np.ascontiguousarray(chw[:, :, ::-1])
            rows = rows.copy()
            rows[:, [1, 3]] = self.in_w - rows[:, [3, 1]]
        brightness = np.float32(rng.uniform(0.75, 1.25))
        gh, gw = self.in_h // self.stride, self.in_w // self.stride
        heat, mask, reg = build_targets([rows], self.num_classes, gh, gw, self.stride)
        return chw, np.array(brightness), heat[0], mask[0], reg[0]


class RenderedFrames(Dataset[tuple[np.ndarray, ...]]):
    """Online samples by their index in the run: sample k comes from frame k // echo of
    the plan's train split (epoch e holds samples e*N .. e*N+N-1), augmented by a
    generator seeded by k, with its targets built. Each process keeps the frame it
    rendered last, which its next echoes reuse."""

    def __init__(self, source: OnlineSource, prep: OnlinePrep) -> None:
        self.source = source
        self.prep = prep
        self._last: tuple[int, np.ndarray, np.ndarray] | None = None

    def __getitem__(self, index: int) -> tuple[np.ndarray, ...]:
        frame = index // self.source.echo
        if self._last is None or self._last[0] != frame:
            chw, rows = training_frame(self.source.plan, frame, self.prep.in_w, self.prep.in_h)
            self._last = (frame, chw, rows)
        _frame, chw, rows = self._last
        rng = np.random.default_rng([self.source.plan.seed, 11, index])
        return self.prep(chw, rows, rng)

    def epoch(self, epoch: int) -> list[int]:
        """The indices of an epoch's samples."""
        n = self.source.frames_per_epoch
        return list(range(epoch * n, (epoch + 1) * n))


def epoch_batches(frames_per_epoch: int, batch: int, first: int, last: int) -> list[list[int]]:
    """Frame indices batch by batch for epochs first..last-1; no batch spans two epochs,
    so a run stopped at an epoch's end has trained on exactly that epoch's frames."""
    out = []
    for epoch in range(first, last):
        start = epoch * frames_per_epoch
        for k in range(0, frames_per_epoch, batch):
            out.append(list(range(start + k, start + min(k + batch, frames_per_epoch))))
    return out


def _quiet_worker(_worker_id: int) -> None:
    """One thread per render process: the processes are the parallelism."""
    cv2.setNumThreads(1)
    torch.set_num_threads(1)


def run_loader(
    source: OnlineSource,
    prep: OnlinePrep,
    batch: int,
    epochs: tuple[int, int],
    pin: bool,
    skip: int = 0,
) -> DataLoader[tuple[np.ndarray, ...]]:
    """The batches of epochs `epochs[0]` to `epochs[1] - 1` but the first `skip` (a run
    resumed within an epoch), in order (fresh draws need no shuffle), rendered a few
    batches ahead by `source.workers` processes that live for the whole run. The
    processes come from a fork server, not a fork of this one: a process forked after
    OpenCV or an OpenMP runtime started threads can hang in them."""
    workers = source.workers
    return DataLoader(
        RenderedFrames(source, prep),
        batch_sampler=epoch_batches(source.frames_per_epoch, batch, *epochs)[skip:],
        num_workers=workers,
        worker_init_fn=_quiet_worker if workers else None,
        prefetch_factor=4 if workers else None,
        persistent_workers=False,
        multiprocessing_context="forkserver" if workers else None,
        pin_memory=pin,
    )


@dataclass(frozen=True)
class RenderRate:
    """What the render processes delivered in a measured window, and what they and
    this process spent on a CPU meanwhile: enough to tell a machine whose frames are
    slow to draw from one whose processes wait or share cores."""

    frames: int
    seconds: float
    workers: int
    render_cpu_s: float
    """CPU seconds of the render processes (of this process when there are none)."""
    main_cpu_s: float
    """CPU seconds of this process, which receives the batches."""
    throttled_s: float | None = None
    """Seconds a container's CPU quota held its processes back (None: not told)."""

    @property
    def rate(self) -> float:
        return self.frames / self.seconds

    @property
    def busy(self) -> float:
        """Share of the window each render process was on a CPU, on average."""
        return self.render_cpu_s / (self.seconds * max(self.workers, 1))


def _cpu_seconds(process: psutil.Process) -> float:
    """User and system CPU seconds of a process, 0 if it is gone."""
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


def _render_cpu(me: psutil.Process) -> dict[int, float]:
    """CPU seconds of each process below this one: the fork server and, below it, the
    render processes."""
    return {child.pid: _cpu_seconds(child) for child in me.children(recursive=True)}


def measure_render_rate(
    source: OnlineSource, prep: OnlinePrep, batch: int, seconds: float
) -> RenderRate:
    """Frames the render processes delivered in about `seconds`, counted after the
    first batch (process start-up is not the steady rate), with the CPU time spent."""
    ceiling = max(batch * 64, int(seconds * 5000))  # more than any machine here renders
    ceiling -= ceiling % source.echo
    probe = OnlineSource(source.plan, ceiling, source.workers, source.echo)
    batches = iter(run_loader(probe, prep, batch, (0, 1), pin=False))
    next(batches)
    me = psutil.Process()
    children, main, throttled = _render_cpu(me), _cpu_seconds(me), throttled_seconds()
    start = time.monotonic()
    frames = 0
    for pictures, *_rest in batches:
        frames += len(pictures)
        if time.monotonic() - start >= seconds:
            break
    took = time.monotonic() - start
    children_after, main_spent = _render_cpu(me), _cpu_seconds(me) - main
    render = sum(cpu - children.get(pid, 0.0) for pid, cpu in children_after.items())
    throttled_after = throttled_seconds()
    del batches  # stops the render processes
    return RenderRate(
        frames,
        took,
        source.workers,
        render if source.workers else main_spent,
        main_spent,
        None if throttled is None or throttled_after is None else throttled_after - throttled,
    )


def explain_render_rate(alone: RenderRate, parallel: RenderRate, cpus: int) -> str:
    """What limits the render rate, from one process measured alone and all of them
    together on `cpus` usable CPUs: a frame costing more CPU time than it does alone
    (shared cores, memory bandwidth), processes taking turns on too few CPUs, processes
    waiting for this one, a container's CPU quota, or nothing but the frames themselves."""
    cost_alone = alone.render_cpu_s / max(alone.frames, 1)
    cost = parallel.render_cpu_s / max(parallel.frames, 1)
    if parallel.throttled_s is not None and parallel.throttled_s > 0.05 * parallel.seconds:
        return (
            f"the container's CPU quota held the processes back for {parallel.throttled_s:.1f}"
            f" s in {parallel.seconds:.1f} s: it grants less CPU time than the CPUs shown, "
            "so fewer processes would do as much"
        )
    if cost > cost_alone / 0.7:
        return (
            f"a frame took {cost / cost_alone:.1f}x the CPU time it takes in one process "
            "alone: the processes share cores (hyperthreads) or memory bandwidth, or the "
            "CPUs slow down under load"
        )
    if parallel.busy < 0.8:
        used = (parallel.render_cpu_s + parallel.main_cpu_s) / parallel.seconds
        if used >= 0.85 * cpus:
            return (
                f"{parallel.workers} render processes take turns on {cpus} CPUs "
                f"(on a CPU {parallel.busy:.0%} of the time each): fewer would do as much"
            )
        return (
            f"render processes were on a CPU only {parallel.busy:.0%} of the time while "
            "CPUs were free: they waited for this process to take their batches"
        )
    return (
        f"the rate scales with processes ({parallel.rate / alone.rate:.1f}x one alone "
        f"with {parallel.workers}): the frames themselves are the cost; more cores, "
        "more frames"
    )


def frames_per_epoch_for(
    rate: float, train_seconds: float, epochs: int, batch: int, margin: float = 0.85
) -> int:
    """The `--online N` that fills `train_seconds` in `epochs` at `rate` frames/s (with
    a margin for the training process's own work), in whole batches, at least one."""
    if rate <= 0 or train_seconds <= 0 or epochs < 1:
        raise ValueError("rate, training time and epochs must be positive")
    per_epoch = rate * margin * train_seconds / epochs
    return max(batch, int(per_epoch // batch) * batch)
