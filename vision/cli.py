"""`bk vision` sub-commands."""

import json
import logging
import math
import tempfile
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from vision.card import DEFAULT_CARD

app = typer.Typer(
    help="Vision: hygiene-violation detector, training and worker.", no_args_is_help=True
)


def _null_nan(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _null_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_null_nan(v) for v in value]
    return value


def _strict_json(figures: Any, indent: int | None = None) -> str:
    """Figures as standard JSON: an undefined one (precision with no box above the
    threshold) is null, as in the card, not `NaN`, which strict JSON parsers (jq,
    browsers, most other languages) refuse."""
    return json.dumps(_null_nan(figures), indent=indent, allow_nan=False)


@app.command()
def run(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Settings YAML")] = None,
    validate_config: Annotated[
        bool, typer.Option("--validate-config", help="Check the settings, print them and exit")
    ] = False,
) -> None:
    """Consume camera frames from the broker, publish detections, write evidence."""
    from core.service import run_service
    from vision.service import VisionService, frame_subscriptions
    from vision.settings import VisionSettings

    run_service(
        config,
        VisionSettings,
        VisionService,
        validate_config=validate_config,
        check=lambda s: frame_subscriptions(s.vision),  # a bad registry fails now
    )


def parse_input_size(text: str, option: str = "--input") -> tuple[int, int]:
    """`320x256` as (320, 256); both sides multiples of 8 (the network's coarse grid)."""
    w, sep, h = text.lower().partition("x")
    if sep and w.isdigit() and h.isdigit():
        size = int(w), int(h)
        if all(32 <= v <= 2048 and v % 8 == 0 for v in size):
            return size
    raise typer.BadParameter(
        f"{text!r}: write WIDTHxHEIGHT, each a multiple of 8 from 32 to 2048, e.g. 320x256",
        param_hint=option,
    )


def zoom_range(lo: float | None, hi: float | None) -> tuple[float, float]:
    """`--scale-min` and `--scale-max` as a zoom range, each defaulting to
    `SCALE_JITTER`'s; a clear error for a range that is empty or not positive."""
    from vision.train.augment import SCALE_JITTER

    zoom = (SCALE_JITTER[0] if lo is None else lo, SCALE_JITTER[1] if hi is None else hi)
    if not 0 < zoom[0] < zoom[1] <= 8:
        raise typer.BadParameter(
            f"zoom {zoom[0]:g} to {zoom[1]:g}: need 0 < --scale-min < --scale-max <= 8",
            param_hint="--scale-min/--scale-max",
        )
    return zoom


def parse_class_weights(items: list[str]) -> dict[str, float]:
    """`--class-weight rodent=3` options as {class: factor}; a clear error otherwise."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            factor = float(value)
        except ValueError:
            factor = math.nan
        if not sep or not name or not (math.isfinite(factor) and factor > 0):
            raise typer.BadParameter(
                f"{item!r}: write CLASS=FACTOR with a positive factor, e.g. rodent=3",
                param_hint="--class-weight",
            )
        out[name] = factor
    return out


@app.command()
def train(
    data: Annotated[Path, typer.Option(help="Data set folder (rendered if missing)")] = Path(
        "var/vision/ds"
    ),
    out: Annotated[
        Path, typer.Option(help="Where the ONNX file and its card go")
    ] = DEFAULT_CARD.parent,
    n: Annotated[int, typer.Option(help="Frames to render when the data set is missing")] = 5000,
    seed: Annotated[int, typer.Option(help="Data set seed")] = 7,
    train_seed: Annotated[int, typer.Option(help="Training seed")] = 0,
    epochs: Annotated[int, typer.Option()] = 6,
    lr: Annotated[
        float, typer.Option(help="Peak learning rate (one-cycle); lower to fine-tune")
    ] = 5e-3,
    threads: Annotated[int, typer.Option()] = 2,
    version: Annotated[str, typer.Option()] = "1",
    name: Annotated[str, typer.Option(help="Model name (ONNX, card, checkpoint)")] = (
        "hygiene-tinygrid"
    ),
    width: Annotated[int, typer.Option(help="TinyGrid width (channels)")] = 16,
    stride: Annotated[int, typer.Option(help="Output grid stride: 8, or 4 for small objects")] = 8,
    context: Annotated[
        bool,
        typer.Option(help="A stride-16 context branch (sees close workers' whole heads)"),
    ] = False,
    separable: Annotated[
        bool, typer.Option(help="Stride 4: a depthwise-separable fine block (faster)")
    ] = False,
    styles: Annotated[str, typer.Option(help="Training scene styles, comma-separated")] = (
        "classic"
    ),
    heldout_style: Annotated[
        str | None, typer.Option(help="Scene style kept out of training and tuning")
    ] = None,
    heads: Annotated[bool, typer.Option(help="Label every worker's head too")] = False,
    randomise: Annotated[bool, typer.Option(help="Domain-randomise training frames")] = False,
    rodent_rate: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Chance of a rodent in a training frame (default: the styles' day/night "
            "rates, about 0.2 / 0.7); evaluation splits keep those",
        ),
    ] = None,
    scale_jitter: Annotated[bool, typer.Option(help="Zoom 0.5-1.5x while training")] = False,
    scale_min: Annotated[
        float | None,
        typer.Option(help="With --scale-jitter: the smallest zoom [default: 0.5] (e.g. 0.3)"),
    ] = None,
    scale_max: Annotated[
        float | None,
        typer.Option(
            help="With --scale-jitter: the largest zoom [default: 1.5] (e.g. 2.2, so a wide "
            "input keeps close-up workers)"
        ),
    ] = None,
    stylise: Annotated[
        float, typer.Option(help="Share of training pictures redrawn in a random look")
    ] = 0.0,
    randconv: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of training pictures passed through a random convolution (new "
            "textures and colours, same shapes)",
        ),
    ] = 0.0,
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="Resume from / save to (default vision/train/checkpoints)"),
    ] = None,
    budget_minutes: Annotated[
        float | None,
        typer.Option(
            help="Stop once this is spent, checkpointed: an online run at the next batch, "
            "a run from memory at the next epoch end"
        ),
    ] = None,
    checkpoint_minutes: Annotated[
        float,
        typer.Option(min=0.0, help="An online run also checkpoints within an epoch this often"),
    ] = 5.0,
    init_from: Annotated[
        Path | None,
        typer.Option(help="Warm start from this checkpoint's weights (same width and classes)"),
    ] = None,
    input_size: Annotated[
        str,
        typer.Option(
            "--input",
            help="Network input WIDTHxHEIGHT, multiples of 8 (320x256 keeps a 320x240 "
            "camera frame at full size)",
        ),
    ] = "256x256",
    export_input: Annotated[
        str | None,
        typer.Option(
            help="Export, evaluate and card the network at this WIDTHxHEIGHT instead of "
            "--input (not part of the checkpoint: the finished run is exported again, "
            "untrained); wider finds smaller workers, at more arithmetic per frame"
        ),
    ] = None,
    class_weight: Annotated[
        list[str] | None,
        typer.Option(help="CLASS=FACTOR on that class's heat-map loss (repeat; others 1)"),
    ] = None,
    online: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Render this many fresh training frames per epoch while training, "
            "instead of reading a training split (--data then holds only the "
            "evaluation splits)",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=0, help="With --online: render processes (0: in this one)")
    ] = 0,
    echo: Annotated[
        int,
        typer.Option(
            min=1,
            help="With --online: training samples from each rendered frame, each augmented "
            "anew (where rendering limits the rate; must divide --online)",
        ),
    ] = 1,
    device: Annotated[
        str, typer.Option(help='Where the arithmetic runs: "cpu", or "cuda" with an accelerator')
    ] = "cpu",
    card: Annotated[
        bool,
        typer.Option(
            help="Evaluate and write the card after training; --no-card stops at the ONNX "
            "file (the same command with the card later resumes and writes it)"
        ),
    ] = True,
) -> None:
    """Render the data set (if needed), train (resuming), export ONNX, evaluate, write
    the card."""
    from vision.train.loop import TrainConfig
    from vision.train.run import run as run_training

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    in_w, in_h = parse_input_size(input_size)
    cfg = TrainConfig(
        data=data,
        out_dir=out,
        in_w=in_w,
        in_h=in_h,
        name=name,
        seed=train_seed,
        epochs=epochs,
        lr=lr,
        threads=threads,
        width=width,
        stride=stride,
        separable=separable,
        context=context,
        checkpoint=checkpoint,
        time_budget_s=None if budget_minutes is None else budget_minutes * 60,
        checkpoint_every_s=checkpoint_minutes * 60,
        scale_jitter=zoom_range(scale_min, scale_max) if scale_jitter else None,
        stylise=stylise,
        randconv=randconv,
        init_from=init_from,
        device=device,
        export_input=(
            None if export_input is None else parse_input_size(export_input, "--export-input")
        ),
    )
    options = {
        "styles": tuple(styles.split(",")),
        "heldout_style": heldout_style,
        "label_heads": heads,
        "randomise": randomise,
        "rodent_rate": rodent_rate,
    }
    written = run_training(
        cfg,
        n,
        seed,
        version,
        options,
        parse_class_weights(class_weight or []),
        online=None if online is None else (online, workers),
        card=card,
        echo=echo,
    )
    if written is None:
        typer.echo(f"trained; ONNX in {out}, checkpoint {cfg.checkpoint}; no card written")
    else:
        typer.echo(_strict_json(written.metrics, indent=2))


@app.command("render-rate")
def render_rate(
    styles: Annotated[str, typer.Option(help="Training scene styles, comma-separated")] = (
        "classic"
    ),
    heads: Annotated[bool, typer.Option(help="Label every worker's head too")] = False,
    randomise: Annotated[bool, typer.Option(help="Domain-randomise training frames")] = False,
    input_size: Annotated[str, typer.Option("--input", help="Network input WIDTHxHEIGHT")] = (
        "320x256"
    ),
    stylise: Annotated[float, typer.Option(help="As for train")] = 0.0,
    scale_min: Annotated[float | None, typer.Option(help="As for train's --scale-min")] = None,
    scale_max: Annotated[float | None, typer.Option(help="As for train's --scale-max")] = None,
    workers: Annotated[int, typer.Option(min=0, help="Render processes")] = 2,
    echo: Annotated[int, typer.Option(min=1, help="As for train --echo")] = 1,
    seconds: Annotated[float, typer.Option(min=1.0, help="How long to measure")] = 20.0,
    alone_seconds: Annotated[
        float,
        typer.Option(min=0.0, help="First measure one process alone this long (0: skip)"),
    ] = 5.0,
    train_seconds: Annotated[
        float, typer.Option(min=1.0, help="Training time to fill with --online frames")
    ] = 400.0,
    epochs: Annotated[int, typer.Option(min=1, help="Epochs the training time is split in")] = 5,
    batch: Annotated[int, typer.Option(min=1)] = 32,
) -> None:
    """How many online training frames per second this machine renders (processes,
    augmentation and targets as `train --online` has them), and the `--online N` that
    fills a training time: measure before a run on a borrowed machine, whose time is
    short. One process is measured alone first, and the CPU time spent is counted, so
    the output says what limits the rate. 测量渲染速度"""
    from simulators.dataset import DatasetPlan
    from vision.train.machine import machine_line, usable_cpus
    from vision.train.online import (
        OnlinePrep,
        OnlineSource,
        explain_render_rate,
        frames_per_epoch_for,
        measure_render_rate,
    )

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    in_w, in_h = parse_input_size(input_size)
    plan = DatasetPlan(
        1, 0, styles=tuple(styles.split(",")), label_heads=heads, randomise=randomise
    )
    zoom = None if scale_min is None and scale_max is None else zoom_range(scale_min, scale_max)
    prep = OnlinePrep(in_w, in_h, len(plan.classes), 4, zoom, stylise, 0.0)
    typer.echo(machine_line())
    alone = None
    if alone_seconds > 0 and workers > 0:
        alone = measure_render_rate(OnlineSource(plan, echo, 0, echo), prep, batch, alone_seconds)
        typer.echo(f"one process alone: {alone.rate:.0f} frames/s")
    source = OnlineSource(plan, echo, workers, echo)
    measured = measure_render_rate(source, prep, batch, seconds)
    n = frames_per_epoch_for(measured.rate, train_seconds, epochs, batch * echo)
    typer.echo(
        f"{measured.frames} frames in {measured.seconds:.1f} s: {measured.rate:.0f} frames/s "
        f"with {workers} render processes; for {epochs} epochs in {train_seconds:.0f} s of "
        f"training: --online {n}" + (f" --echo {echo}" if echo > 1 else "")
    )
    if echo > 1:
        typer.echo(f"(frames here are training samples: each rendered frame serves {echo})")
    typer.echo(
        f"render processes on a CPU {measured.busy:.0%} of the time each, this process "
        f"{measured.main_cpu_s / measured.seconds:.0%}"
    )
    if alone is not None:
        typer.echo(explain_render_rate(alone, measured, usable_cpus()))


@app.command()
def evaluate(
    data: Annotated[Path, typer.Option(help="Data set folder (YOLO format)")],
    split: Annotated[str, typer.Option()] = "val",
    card: Annotated[Path, typer.Option()] = DEFAULT_CARD,
    limit: Annotated[int | None, typer.Option()] = None,
    perturb: Annotated[
        list[str] | None,
        typer.Option(help="Also under these: half_scale, haze, low_light, blur, jpeg30"),
    ] = None,
    record: Annotated[
        str | None,
        typer.Option(
            help="Also write the figures into the card's metrics.sets as NAME, NAME+perturbation"
        ),
    ] = None,
    describe: Annotated[
        str | None, typer.Option(help="With --record: what the set is (metrics.sets_data)")
    ] = None,
) -> None:
    """Per class AP@0.5, precision and recall at the card's thresholds, for each set
    (comma-separated splits, each clean and under each --perturb). Synthetic scenes.
    One JSON row per set on stdout; on stderr, a line per set against the bars (AP@0.5
    >= 0.90 on a held-out style, recall >= 0.85 at half scale and under haze).

    `--record heldout_blocky` puts the figures into the card itself, so a set measured
    after training (a second held-out style) is stated where the model's other figures
    are, by the command that measured it rather than by hand."""
    from vision.card import load_card, write_card
    from vision.detector import Detector
    from vision.evaluate import against_bars, report

    det = Detector(card)
    measured: dict[str, Any] = {}
    splits = split.split(",")
    for sp in splits:
        stem = record if len(splits) == 1 else f"{record}_{sp}"
        for pert in [None, *(perturb or [])]:
            result = report(det, data, sp, limit, pert)
            suffix = "" if pert is None else f"+{pert}"
            typer.echo(_strict_json({"set": sp + suffix, **result}))
            typer.echo(against_bars(sp + suffix, result, pert), err=True)
            measured[f"{stem}{suffix}"] = result
    if record is not None:
        loaded, _onnx = load_card(card)
        metrics = dict(loaded.metrics)
        metrics["sets"] = {**metrics.get("sets", {}), **measured}
        if describe is not None:
            metrics["sets_data"] = {**metrics.get("sets_data", {}), record: describe}
        write_card(loaded.model_copy(update={"metrics": metrics}), card)
        typer.echo(f"recorded {', '.join(measured)} in {card}")


@app.command()
def quantize(
    images: Annotated[
        Path,
        typer.Option(
            help="Folder of JPEG/PNG frames to calibrate with (a data set's tune split, or "
            "frames saved from your cameras); never the frames you evaluate on"
        ),
    ],
    out: Annotated[Path, typer.Option(help="The new card (.yaml); its .onnx is written beside")],
    card: Annotated[Path, typer.Option()] = DEFAULT_CARD,
    frames: Annotated[int, typer.Option(min=1, help="Most calibration frames")] = 400,
    name: Annotated[
        str | None, typer.Option(help="The new card's name (default: NAME-int8)")
    ] = None,
) -> None:
    """INT8 copy of a model (onnxruntime static QDQ; first and head convolutions stay
    float) with its own card; measure it with `bk vision evaluate --record`. 量化模型"""
    from core.errors import ConfigError
    from core.logging_setup import setup_logging
    from vision.train.quantize import quantize_card

    setup_logging()
    if out.suffix not in (".yaml", ".yml"):
        typer.echo(f"--out must name a card (.yaml), not {out}", err=True)
        raise typer.Exit(2)
    command = f"bk vision quantize --images {images} --out {out} --card {card} --frames {frames}"
    if name:
        command += f" --name {name}"
    try:
        new = quantize_card(card, images, out, frames=frames, name=name, command=command)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    kept = new.training["quantized"]["float_convolutions"]
    typer.echo(
        f"wrote {out} and {new.onnx} ({new.label}): int8 but {len(kept)} float "
        f"convolution(s) and what follows the heads; now measure it: "
        f"bk vision evaluate --card {out} --data ... --record val"
    )


@app.command("train-attributes")
def train_attributes_cmd(
    sources: Annotated[
        list[str],
        typer.Option(
            "--set",
            help="DIR:SPLIT of a data set with head labels (repeat); training styles only, "
            "never a held-out style",
        ),
    ],
    card: Annotated[
        list[Path] | None,
        typer.Option(help="Card(s) to add the stage to (repeat) [default: the shipped card]"),
    ] = None,
    name: Annotated[str, typer.Option(help="Classifier file name (NAME.onnx)")] = (
        "hygiene-tinygrid-heads"
    ),
    epochs: Annotated[int, typer.Option(min=1)] = 12,
    lr: Annotated[float, typer.Option(min=0.0)] = 3e-3,
    seed: Annotated[int, typer.Option()] = 0,
    colour: Annotated[
        str,
        typer.Option(
            help="Colour augmentation: natural (hue kept: a vivid dome is a cap, hair is "
            "never vivid) or shuffle (channels in random order, @11's)"
        ),
    ] = "natural",
    threads: Annotated[int, typer.Option(min=1)] = 2,
    checkpoint: Annotated[
        Path | None, typer.Option(help="Resume from / save to (default under checkpoints)")
    ] = None,
    budget_minutes: Annotated[
        float | None, typer.Option(min=0.0, help="Stop at an epoch end once spent")
    ] = None,
) -> None:
    """Train the head-crop classifier (second look at every head) and add it to the
    card(s). 训练头部属性分类器"""
    from core.errors import ConfigError
    from core.logging_setup import setup_logging
    from vision.train import attributes as ta

    setup_logging()
    cards = card or [DEFAULT_CARD]
    parsed: list[tuple[Path, str]] = []
    for item in sources:
        root, sep, split = item.rpartition(":")
        if not sep or not root or not split:
            raise typer.BadParameter(f"{item!r} is not DIR:SPLIT", param_hint="--set")
        parsed.append((Path(root), split))
    try:  # the configuration checks its own values (an unknown --colour)
        cfg = ta.AttributeTrainConfig(
            sources=tuple(f"{r}:{s}" for r, s in parsed),
            epochs=epochs,
            lr=lr,
            seed=seed,
            colour=colour,
        )
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="--colour") from exc
    ckpt = checkpoint or Path(__file__).parent / "train" / "checkpoints" / f"{name}.pt"
    command = "bk vision train-attributes " + " ".join(f"--set {s}" for s in cfg.sources)
    command += f" --name {name} --epochs {epochs} --lr {lr:g} --seed {seed} --colour {colour}"
    try:
        parts = []
        for folder, part in parsed:
            parts.append(ta.collect_crops(folder, part, cfg))
            typer.echo(f"{folder}:{part}: {len(parts[-1][0])} heads")
        crops = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        budget = None if budget_minutes is None else budget_minutes * 60
        net, summary = ta.train_attributes(cfg, crops, labels, ckpt, threads, budget)
        if not summary["complete"]:
            typer.echo(
                f"stopped after {summary['epochs_done']} of {epochs} epochs (budget); "
                "run the same command again to resume"
            )
            raise typer.Exit(0)
        with tempfile.TemporaryDirectory() as staging:
            # exported aside first: the cards' folder holds the classifier it replaces
            fresh = ta.export_attributes(net, cfg, Path(staging) / f"{name}.onnx")
            training = {"command": command, **summary}
            for path in cards:
                ta.attach_stage(path, fresh, cfg, training)
        model = cards[0].parent / fresh.name
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"wrote {model} ({summary['crops']} heads, {summary['train_seconds']:.0f} s) and "
        f"added it to {', '.join(map(str, cards))}; choose its track thresholds on the "
        "tune cameras (bench/vision_alerts.py --scores)"
    )


@app.command("false-positive")
def false_positive(
    evidence: Annotated[str, typer.Argument(help="SHA-256 of the evidence picture")],
    store: Annotated[Path, typer.Option(help="Evidence store directory")] = Path("var/evidence"),
    retrain: Annotated[Path, typer.Option(help="Retraining set directory")] = Path("var/retrain"),
    track: Annotated[
        list[int] | None, typer.Option(help="Only these track ids (default: every box)")
    ] = None,
    actor: Annotated[str, typer.Option(help="Who marks it")] = "",
    comment: Annotated[str, typer.Option()] = "",
    card: Annotated[Path, typer.Option()] = DEFAULT_CARD,
) -> None:
    """Mark the detections of an evidence picture false; file the frame for retraining."""
    from vision.card import load_card
    from vision.evidence import EvidenceStore
    from vision.feedback import mark_false_positive

    classes = load_card(card)[0].classes
    try:
        path = mark_false_positive(
            EvidenceStore(store), evidence, retrain, classes, track or None, actor, comment
        )
    except (FileNotFoundError, KeyError) as exc:
        typer.echo(f"cannot mark {evidence}: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(str(path))


if __name__ == "__main__":  # `python -m vision.cli` where the `bk` script is not installed
    app()
