"""One command from seed to committed model: data set, training, ONNX, evaluation, card.

`bk vision train --out vision/models --data var/vision/ds --n 5000 --seed 7 --train-seed 0`
renders the data set if it is not there yet, trains TinyGrid, exports ONNX, measures
mAP@0.5 per class on the held-out `val` split and the distractor-heavy `heavy` split,
picks per-class thresholds (best F1 on val) and writes the card beside the ONNX file.
"""

import hashlib
import json
import logging
import platform
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch

from vision.card import KNOWN_ROLES, InputSpec, ModelCard, OutputSpec, Thresholds, write_card
from vision.detector import Detector
from vision.evaluate import collect, summarise, tune_thresholds
from vision.train.loop import TrainConfig, train
from vision.train.model import STRIDE

log = logging.getLogger(__name__)
CLASSES = ["no_hat", "no_mask", "rodent"]


def ensure_dataset(data: Path, n: int, seed: int) -> dict[str, Any]:
    report = data / "report.json"
    if not report.exists():
        from simulators.dataset import export_dataset  # offline tooling only

        return export_dataset(data, n, seed)
    loaded: dict[str, Any] = json.loads(report.read_text())
    return loaded


def write_model_card(
    onnx_path: Path,
    cfg: TrainConfig,
    data: Path,
    ds_report: dict[str, Any],
    stats: dict[str, Any],
    version: str,
) -> ModelCard:
    """Evaluate the exported model through the real runtime and write its card."""
    card = ModelCard(
        name=cfg.name,
        version=version,
        onnx=onnx_path.name,
        input=InputSpec(width=cfg.in_w, height=cfg.in_h, channels="BGR", divide_by=1.0),
        output=OutputSpec(format="bk-grid", stride=STRIDE),
        classes=CLASSES,
        roles={c: KNOWN_ROLES[c] for c in CLASSES},
        thresholds=Thresholds(score=0.3, nms_iou=0.45),
    )
    card_path = onnx_path.with_suffix(".yaml")
    write_card(card, card_path)
    det = Detector(card_path, threads=cfg.threads)
    preds, truths = collect(det, data, "val")
    val = summarise(preds, truths, CLASSES)
    per_class = tune_thresholds(preds, truths, CLASSES)
    heavy = summarise(*collect(det, data, "heavy"), CLASSES)
    model = onnx.load(str(onnx_path))
    params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    n_frames = ds_report["frames"]["train"] + ds_report["frames"]["val"]
    machine = f"{platform.machine()} CPU, torch {torch.__version__}, {cfg.threads} threads (shared)"
    card = card.model_copy(
        update={
            "sha256": hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
            "thresholds": Thresholds(score=0.3, per_class=per_class, nms_iou=0.45),
            "training": {
                "command": f"bk vision train --data {data} --n {n_frames} "
                f"--seed {ds_report['seed']} --train-seed {cfg.seed} --epochs {cfg.epochs}",
                "data": "synthetic kitchen scenes (bk sim dataset), YOLO format, 320x240",
                "dataset_seed": ds_report["seed"],
                "frames": ds_report["frames"],
                "objects": ds_report["objects"],
                "train_seed": cfg.seed,
                "epochs": cfg.epochs,
                "batch": cfg.batch,
                "seconds": stats.get("train_seconds"),
                "machine": machine,
                "parameters_onnx": params,
            },
            "metrics": {
                "map50_val": val,
                "map50_heavy_distractors": heavy,
                "iou": 0.5,
                "definition": "all-point interpolated AP at IoU 0.5 per class, "
                "through the ONNX runtime path",
            },
            "notes": "no_hat and no_mask both box the worker's head (hair top to chin) "
            "when the chef "
            "hat / the mask is missing; rodent boxes the body and head (not the tail). "
            "Trained on synthetic scenes only: validate on real footage before trusting it.",
        }
    )
    write_card(card, card_path)
    return card


def run(cfg: TrainConfig, n: int, data_seed: int, version: str = "1") -> ModelCard:
    t0 = time.monotonic()
    report = ensure_dataset(cfg.data, n, data_seed)
    onnx_path, stats = train(cfg)
    pt = cfg.out_dir / f"{cfg.name}.pt"
    if pt.exists():  # keep the checkpoint out of the committed models folder
        shutil.move(str(pt), str(cfg.data / pt.name))
    card = write_model_card(onnx_path, cfg, cfg.data, report, stats, version)
    log.info("model %s written in %.0f s: %s", card.label, time.monotonic() - t0, card.metrics)
    return card
