"""One command from seed to committed model: data set, training, ONNX, evaluation, card.

`bk vision train --out vision/models --data var/vision/ds --n 5000 --seed 7 --train-seed 0`
renders the data set if it is not there yet, trains TinyGrid (checkpointing every epoch
to `vision/train/checkpoints/<name>.pt` and resuming from it), exports ONNX, and
writes the card beside the ONNX file with honest figures:

- thresholds: best F1 per class on the `tune` split when the data set has one (a
  split used for nothing else), else on `val` (the older single-style data sets);
- per class AP@0.5, precision and recall at those thresholds on `val` (the training
  styles), `heavy` (distractors), `heldout` (a scene style never trained or tuned on)
  and `val` under each named perturbation (half scale, haze, low light, blur, JPEG 30).

A run stopped by its time budget still exports and writes a card, marked experimental
with the epochs done; the next run resumes from the checkpoint. All figures are on
synthetic scenes.
"""

import hashlib
import json
import logging
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch

from simulators.dataset import DatasetPlan
from vision.card import KNOWN_ROLES, InputSpec, ModelCard, OutputSpec, Thresholds, write_card
from vision.detector import Detector
from vision.evaluate import collect, report, summarise, tune_thresholds
from vision.train.augment import SCALE_JITTER
from vision.train.loop import TrainConfig, train
from vision.train.model import STRIDE
from vision.train.online import OnlineSource

log = logging.getLogger(__name__)
CLASSES = ["no_hat", "no_mask", "rodent"]
CHECKPOINTS = Path(__file__).parent / "checkpoints"
PERTURBATIONS = ("half_scale", "haze", "low_light", "blur", "jpeg30")
EVALUATION_SPLITS = ("val", "heavy", "tune", "heldout")
"""What an online run's data set folder holds: everything but the training split."""


def ensure_dataset(data: Path, n: int, seed: int, **options: Any) -> dict[str, Any]:
    """The data set's report; rendered first when the folder has none. `options` go to
    `export_dataset` (styles, heldout_style, label_heads, randomise, rodent_rate)."""
    report_path = data / "report.json"
    if not report_path.exists():
        from simulators.dataset import export_dataset  # offline tooling only

        return export_dataset(data, n, seed, **options)
    loaded: dict[str, Any] = json.loads(report_path.read_text())
    return loaded


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def training_command(
    cfg: TrainConfig, data: Path, ds: dict[str, Any], n_frames: int, version: str
) -> str:
    """The `bk vision train` line that reproduces this model (and resumes it)."""
    cmd = (
        f"bk vision train --data {data} --n {n_frames} --seed {ds['seed']} "
        f"--train-seed {cfg.seed} --epochs {cfg.epochs} --threads {cfg.threads} "
        f"--version {version}"
    )
    if cfg.name != "hygiene-tinygrid" or cfg.width != 16:
        cmd += f" --name {cfg.name} --width {cfg.width}"
    if ds.get("styles", ["classic"]) != ["classic"]:
        cmd += f" --styles {','.join(ds['styles'])}"
    if ds.get("heldout_style"):
        cmd += f" --heldout-style {ds['heldout_style']}"
    if ds.get("label_heads"):
        cmd += " --heads"
    if ds.get("randomise"):
        cmd += " --randomise"
    if ds.get("rodent_rate") is not None:
        cmd += f" --rodent-rate {ds['rodent_rate']:g}"
    if cfg.lr != TrainConfig.lr:
        cmd += f" --lr {cfg.lr:g}"
    if cfg.stride != STRIDE:
        cmd += f" --stride {cfg.stride}"
    if cfg.separable:
        cmd += " --separable"
    if cfg.context:
        cmd += " --context"
    if cfg.scale_jitter is not None:
        cmd += " --scale-jitter"
        if cfg.scale_jitter[0] != SCALE_JITTER[0]:
            cmd += f" --scale-min {cfg.scale_jitter[0]:g}"
        if cfg.scale_jitter[1] != SCALE_JITTER[1]:
            cmd += f" --scale-max {cfg.scale_jitter[1]:g}"
    if cfg.stylise > 0:
        cmd += f" --stylise {cfg.stylise:g}"
    if cfg.randconv > 0:
        cmd += f" --randconv {cfg.randconv:g}"
    if (cfg.in_w, cfg.in_h) != (TrainConfig.in_w, TrainConfig.in_h):
        cmd += f" --input {cfg.in_w}x{cfg.in_h}"
    if cfg.export_input is not None:
        cmd += f" --export-input {cfg.export_input[0]}x{cfg.export_input[1]}"
    if cfg.class_weights is not None:
        names = ds.get("classes", [])
        for name, w in zip(names, cfg.class_weights, strict=False):
            if w != 1.0:
                cmd += f" --class-weight {name}={w:g}"
    if cfg.init_from is not None:
        cmd += f" --init-from {_relative(cfg.init_from)}"
    if cfg.online is not None:
        cmd += f" --online {cfg.online.frames_per_epoch} --workers {cfg.online.workers}"
        if cfg.online.echo > 1:
            cmd += f" --echo {cfg.online.echo}"
    return cmd


def trained_on(checkpoint: Path | None, threads: int) -> str:
    """The machines that trained the checkpoint's epochs (recorded per epoch), else this
    one: a run trained on a borrowed accelerator and carded here says so."""
    here = f"{platform.machine()} CPU, torch {torch.__version__}, {threads} threads (shared)"
    if checkpoint is None or not checkpoint.exists():
        return here
    history = torch.load(checkpoint, weights_only=False, map_location="cpu").get("history", [])
    devices = list(dict.fromkeys(str(h["device"]) for h in history if "device" in h))
    if not devices:
        return here
    return "; ".join(devices) + f"; evaluated on {here}"


def write_model_card(
    onnx_path: Path,
    cfg: TrainConfig,
    data: Path,
    ds_report: dict[str, Any],
    stats: dict[str, Any],
    version: str,
    classes: list[str] | None = None,
    limit: int | None = None,
    n: int | None = None,
) -> ModelCard:
    """Evaluate the exported model through the real runtime and write its card. `n` is
    the data set's planned size (`--n`), for the reproducing command."""
    classes = classes or CLASSES
    card = ModelCard(
        name=cfg.name,
        version=version,
        onnx=onnx_path.name,
        input=InputSpec(
            width=cfg.exported_size[0], height=cfg.exported_size[1], channels="BGR", divide_by=1.0
        ),
        output=OutputSpec(format="bk-grid", stride=cfg.stride),
        classes=classes,
        roles={c: KNOWN_ROLES[c] for c in classes},
        thresholds=Thresholds(score=0.3, nms_iou=0.45),
    )
    card_path = onnx_path.with_suffix(".yaml")
    write_card(card, card_path)
    det = Detector(card_path, threads=cfg.threads)
    splits = ds_report["frames"]
    tune_split = "tune" if "tune" in splits else "val"
    preds, truths = collect(det, data, tune_split, limit)
    per_class = tune_thresholds(preds, truths, classes)
    val = summarise(*collect(det, data, "val", limit), classes)
    heavy = summarise(*collect(det, data, "heavy", limit), classes)
    det.card.thresholds = Thresholds(score=0.3, per_class=per_class, nms_iou=0.45)
    sets: dict[str, Any] = {"val": report(det, data, "val", limit)}
    if "heldout" in splits:
        sets["heldout"] = report(det, data, "heldout", limit)
    for name in PERTURBATIONS:
        sets[f"val+{name}"] = report(det, data, "val", limit, name)
    if "heldout" in splits:
        sets["heldout+half_scale"] = report(det, data, "heldout", limit, "half_scale")
    model = onnx.load(str(onnx_path))
    params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    # the `--n` the data set was planned with; an online run's folder has no train split
    n_frames = n if n is not None else splits.get("train", 0) + splits["val"]
    machine = trained_on(cfg.checkpoint, cfg.threads)
    complete = bool(stats.get("complete"))
    styles = ds_report.get("styles", ["classic"])
    card = card.model_copy(
        update={
            "sha256": hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
            "thresholds": Thresholds(score=0.3, per_class=per_class, nms_iou=0.45),
            "experimental": not complete or card.name != "hygiene-tinygrid",
            "training": {
                "command": training_command(cfg, data, ds_report, n_frames, version),
                "data": f"synthetic kitchen scenes (bk sim dataset), YOLO format, "
                f"{ds_report['size'][0]}x{ds_report['size'][1]}, styles {styles}"
                + (", domain randomised" if ds_report.get("randomise") else "")
                + (
                    f", rodent rate {ds_report['rodent_rate']:g} in training frames"
                    if ds_report.get("rodent_rate") is not None
                    else ""
                ),
                "heldout_style": ds_report.get("heldout_style"),
                "dataset_seed": ds_report["seed"],
                "frames": splits,
                "online_frames_per_epoch": (
                    cfg.online.frames_per_epoch if cfg.online is not None else None
                ),
                "objects": ds_report["objects"],
                "train_seed": cfg.seed,
                "epochs": cfg.epochs,
                "epochs_done": int(stats.get("epochs_done", cfg.epochs)),
                "batch": cfg.batch,
                "seconds": stats.get("train_seconds"),
                "seconds_note": "total training time over every session (resumed from "
                "the checkpoint), not counting data rendering or evaluation",
                "init_from": _relative(cfg.init_from) if cfg.init_from else None,
                "seconds_with_init": round(
                    float(stats.get("train_seconds") or 0) + float(stats.get("init_seconds") or 0),
                    1,
                ),
                "checkpoint": _relative(cfg.checkpoint) if cfg.checkpoint else None,
                "trained_input": f"{cfg.in_w}x{cfg.in_h}",
                "machine": machine,
                "parameters_onnx": params,
            },
            "metrics": {
                "map50_val": val,
                "map50_heavy_distractors": heavy,
                "thresholds_tuned_on": tune_split,
                "sets": sets,
                "iou": 0.5,
                "definition": "all-point interpolated AP at IoU 0.5 per class, and "
                "precision/recall at the card's thresholds, through the ONNX runtime path; "
                "every set is synthetic (drawn scenes)",
            },
            "notes": "no_hat and no_mask both box the worker's head (hair top to chin) "
            "when the chef hat / the mask is missing; `head` (when present) boxes every "
            "worker's head; rodent boxes the body and head (not the tail). Trained and "
            "measured on synthetic scenes only: validate on real footage before trusting it.",
        }
    )
    write_card(card, card_path)
    return card


def run(
    cfg: TrainConfig,
    n: int,
    data_seed: int,
    version: str = "1",
    dataset_options: dict[str, Any] | None = None,
    class_weights: dict[str, float] | None = None,
    online: tuple[int, int] | None = None,
    card: bool = True,
    echo: int = 1,
) -> ModelCard | None:
    """Render the data set if needed, train, export and write the card. `class_weights`
    name a class's factor on the heat-map loss (the others 1). `online` (frames per
    epoch, render processes) trains on fresh frames rendered as it goes, each serving
    `echo` samples; the data set
    folder then holds only the evaluation splits, rendered when the card is written.
    Without `card` the run stops at the ONNX file: on a borrowed accelerator, whose
    time is better spent training; the same command with the card resumes the finished
    checkpoint, trains nothing more and writes it."""
    t0 = time.monotonic()
    options = dict(dataset_options or {})
    if online is not None:
        plan = DatasetPlan(
            n,
            data_seed,
            styles=tuple(options.get("styles", ("classic",))),
            heldout_style=options.get("heldout_style"),
            label_heads=bool(options.get("label_heads")),
            randomise=bool(options.get("randomise")),
            rodent_rate=options.get("rodent_rate"),
        )
        cfg.online = OnlineSource(plan, online[0], online[1], echo)
        classes = list(plan.classes)
        ds: dict[str, Any] = {}
        if card:
            ds = ensure_dataset(cfg.data, n, data_seed, only=EVALUATION_SPLITS, **options)
    else:
        ds = ensure_dataset(cfg.data, n, data_seed, **options)
        classes = list(ds["classes"])
    cfg.num_classes = len(classes)
    if class_weights:
        unknown = sorted(set(class_weights) - set(classes))
        if unknown:
            raise ValueError(f"class weights for {unknown}: the data set's classes are {classes}")
        cfg.class_weights = tuple(float(class_weights.get(c, 1.0)) for c in classes)
    if cfg.checkpoint is None:
        cfg.checkpoint = CHECKPOINTS / f"{cfg.name}.pt"
    onnx_path, stats = train(cfg)
    took = time.monotonic() - t0
    if not card:
        log.info("model exported to %s in %.0f s; no card written", onnx_path, took)
        return None
    written = write_model_card(onnx_path, cfg, cfg.data, ds, stats, version, classes, n=n)
    took = time.monotonic() - t0
    log.info("model %s written in %.0f s: %s", written.label, took, written.metrics)
    return written
