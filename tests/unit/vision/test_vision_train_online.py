"""Online training: fresh frames rendered per epoch, the same whatever renders them."""

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from simulators.dataset import DatasetPlan, export_dataset  # noqa: E402
from vision.card import load_card  # noqa: E402
from vision.train import loop  # noqa: E402
from vision.train.data import load_split  # noqa: E402
from vision.train.loop import TrainConfig, train  # noqa: E402
from vision.train.online import (  # noqa: E402
    OnlinePrep,
    OnlineSource,
    RenderedFrames,
    RenderRate,
    epoch_batches,
    explain_render_rate,
    frames_per_epoch_for,
    training_frame,
)
from vision.train.run import run  # noqa: E402

STYLES = ("classic", "flat")
PLAN = DatasetPlan(20, 5, styles=STYLES, heldout_style="outline", label_heads=True)


def _cfg(
    out: Path, ckpt: Path, source: OnlineSource, budget: float | None = None, device: str = "cpu"
) -> TrainConfig:
    return TrainConfig(
        data=out / "unused",
        out_dir=out,
        name="tiny-online",
        epochs=2,
        batch=8,
        width=4,
        threads=1,
        num_classes=4,
        checkpoint=ckpt,
        time_budget_s=budget,
        scale_jitter=(0.5, 1.5),
        stylise=0.5,
        online=source,
        device=device,
        in_w=160,
        in_h=128,
    )


def test_an_online_frame_is_the_exported_data_sets_frame(tmp_path: Path) -> None:
    export_dataset(tmp_path, 20, seed=5, styles=STYLES, heldout_style="outline", label_heads=True)
    imgs, targets, _orig, _sizes = load_split(tmp_path, "train", 320, 256, limit=3)
    for i in range(3):
        chw, rows = training_frame(PLAN, i, 320, 256)
        np.testing.assert_array_equal(chw, imgs[i])
        assert rows.shape == targets[i].shape and len(rows) > 0
        np.testing.assert_array_equal(rows[:, 0], targets[i][:, 0])
        # the label file keeps six decimals of the normalised box
        np.testing.assert_allclose(rows[:, 1:], targets[i][:, 1:], atol=0.01)


def test_each_epoch_draws_new_frames() -> None:
    source = OnlineSource(PLAN, frames_per_epoch=6)
    prep = OnlinePrep(160, 128, 4, 8, None, 0.0, 0.0)
    frames = RenderedFrames(source, prep)
    assert frames.epoch(0) == [0, 1, 2, 3, 4, 5] and frames.epoch(1)[0] == 6
    a, b = frames[0], frames[6]
    assert a[0].shape == (3, 128, 160) and a[0].dtype == np.uint8
    assert not np.array_equal(a[0], b[0])
    # a frame is the plan's frame of that index, augmented by its own seeded draws
    again = RenderedFrames(source, prep)[6]
    for x, y in zip(b, again, strict=True):
        np.testing.assert_array_equal(x, y)
    chw, rows = training_frame(PLAN, 6, 160, 128)
    assert np.array_equal(b[0], chw[:, :, ::-1]) or np.array_equal(b[0], chw)
    # a peak per labelled object on the heat maps (two may share a cell)
    assert len(rows) > 0 and 0 < int((b[2] == 1.0).sum()) <= len(rows)


def test_no_batch_spans_two_epochs() -> None:
    batches = epoch_batches(10, 4, 1, 3)
    assert batches == [
        [10, 11, 12, 13],
        [14, 15, 16, 17],
        [18, 19],
        [20, 21, 22, 23],
        [24, 25, 26, 27],
        [28, 29],
    ]


def test_workers_and_resumption_do_not_change_the_run(tmp_path: Path) -> None:
    """Two render processes, a run stopped by its budget within an epoch and at an
    epoch's end and resumed each time, and one process in one go: the same weights."""
    in_process = OnlineSource(PLAN, frames_per_epoch=16, workers=0)
    two = OnlineSource(PLAN, frames_per_epoch=16, workers=2)
    ck_a, ck_b = tmp_path / "a.pt", tmp_path / "b.pt"
    # a spent budget stops at the first batch: epoch 1 of 2 batches, its first done
    _onnx, stats = train(_cfg(tmp_path / "a", ck_a, two, budget=0.0))
    assert stats["epochs_done"] == 0 and stats["complete"] == 0.0
    mid = torch.load(ck_a, weights_only=False)
    assert (mid["epoch"], mid["step"], mid["history"]) == (0, 1, [])
    assert mid["partial_loss"] > 0 and mid["sched"]["last_epoch"] == 1
    # the next session trains the epoch's second batch, which ends the epoch
    _onnx, stats = train(_cfg(tmp_path / "a", ck_a, two, budget=0.0))
    assert stats["epochs_done"] == 1 and stats["complete"] == 0.0
    assert torch.load(ck_a, weights_only=False)["step"] == 0
    _onnx, stats = train(_cfg(tmp_path / "a", ck_a, two))
    assert stats["epochs_done"] == 2 and stats["complete"] == 1.0
    train(_cfg(tmp_path / "b", ck_b, in_process))
    a = torch.load(ck_a, weights_only=False)
    b = torch.load(ck_b, weights_only=False)
    assert [h["epoch"] for h in a["history"]] == [1, 2]
    assert "2 render processes" in a["history"][0]["device"]
    for k, v in b["model"].items():
        np.testing.assert_allclose(a["model"][k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6)
    # the epoch split over two sessions has the loss of the epoch trained in one
    assert a["history"][0]["loss"] == pytest.approx(b["history"][0]["loss"], abs=1e-4)
    # other frames per epoch are another run: its checkpoint is refused
    other = OnlineSource(PLAN, frames_per_epoch=24, workers=0)
    with pytest.raises(ValueError, match="checkpoint"):
        train(_cfg(tmp_path / "b", ck_b, other))


@pytest.mark.parametrize(
    ("every_s", "saves"), [(0.0, [(0, 1), (1, 0), (1, 1), (2, 0)]), (300.0, [(1, 0), (2, 0)])]
)
def test_an_online_run_checkpoints_within_epochs_as_often_as_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, every_s: float, saves: list[tuple[int, int]]
) -> None:
    """(whole epochs, batches of the next) at every save: every batch when asked for
    every 0 s, else at the epochs' ends only (2 epochs of 2 batches, done in seconds)."""
    seen: list[tuple[int, int]] = []
    real = loop.save_checkpoint

    def spy(path: Path, state: dict[str, Any]) -> None:
        seen.append((state["epoch"], state["step"]))
        real(path, state)

    monkeypatch.setattr(loop, "save_checkpoint", spy)
    cfg = _cfg(tmp_path, tmp_path / "ck.pt", OnlineSource(PLAN, frames_per_epoch=16))
    cfg.checkpoint_every_s = every_s
    train(cfg)
    assert seen == saves


def test_a_long_epoch_logs_how_far_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(loop, "PROGRESS_EVERY_S", 0.0)
    caplog.set_level("INFO", logger="vision.train.loop")
    train(_cfg(tmp_path, tmp_path / "ck.pt", OnlineSource(PLAN, frames_per_epoch=16)))
    progress = [r.getMessage() for r in caplog.records if "samples/s" in r.getMessage()]
    assert [m.split(",")[0] for m in progress] == [
        "epoch 1/2: batch 1 of 2",
        "epoch 1/2: batch 2 of 2",
        "epoch 2/2: batch 1 of 2",
        "epoch 2/2: batch 2 of 2",
    ]
    assert re.search(r"[0-9.]+ samples/s, about [0-9]+ min to its end", progress[0])


def test_bad_sources_are_refused() -> None:
    with pytest.raises(ValueError, match="frames per epoch"):
        OnlineSource(PLAN, frames_per_epoch=0)
    with pytest.raises(ValueError, match="workers"):
        OnlineSource(PLAN, frames_per_epoch=4, workers=-1)
    with pytest.raises(ValueError, match="echo"):
        OnlineSource(PLAN, frames_per_epoch=9, echo=2)  # an echo would span two epochs
    with pytest.raises(ValueError, match="echo"):
        OnlineSource(PLAN, frames_per_epoch=8, echo=0)


def test_echoes_share_one_rendering_and_differ_in_augmentation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import vision.train.online as online

    rendered: list[int] = []
    real = online.training_frame

    def counting(plan: DatasetPlan, index: int, in_w: int, in_h: int) -> tuple[Any, Any]:
        rendered.append(index)
        return real(plan, index, in_w, in_h)

    monkeypatch.setattr(online, "training_frame", counting)
    prep = OnlinePrep(160, 128, 4, 8, (0.5, 1.5), 0.5, 0.0)
    echoed = RenderedFrames(OnlineSource(PLAN, frames_per_epoch=8, echo=4), prep)
    samples = [echoed[k] for k in range(8)]
    assert rendered == [0, 1]  # frames 0 and 1, four samples each
    assert not all(np.array_equal(samples[0][0], s[0]) for s in samples[1:4])
    # a sample is the same from a warm cache as from a cold one: echoes never alter
    # the frame they share
    cold = RenderedFrames(OnlineSource(PLAN, frames_per_epoch=8, echo=4), prep)[3]
    for x, y in zip(samples[3], cold, strict=True):
        np.testing.assert_array_equal(x, y)
    # echo 1 is the run as it was (existing checkpoints' identity has no echo)
    assert "echo" not in OnlineSource(PLAN, 8).identity()
    assert OnlineSource(PLAN, 8, echo=4).identity()["echo"] == 4


def test_the_card_is_written_from_evaluation_splits_alone(tmp_path: Path) -> None:
    """No training split is rendered to disk; the card says how the run was fed; a run
    without its card is finished later by the same command, training nothing more."""
    data = tmp_path / "ds"
    cfg = _cfg(tmp_path / "out", tmp_path / "ck.pt", OnlineSource(PLAN, 8))
    cfg.data, cfg.online, cfg.epochs, cfg.in_w, cfg.in_h = data, None, 1, 320, 256
    options = {"styles": STYLES, "heldout_style": "outline", "label_heads": True}
    assert run(cfg, 20, 5, "1", options, online=(8, 0), card=False) is None
    assert not data.exists()
    first = torch.load(tmp_path / "ck.pt", weights_only=False)
    card = run(cfg, 20, 5, "1", options, online=(8, 0))
    assert card is not None
    assert not (data / "images" / "train").exists()
    assert sorted(p.name for p in (data / "images").iterdir()) == [
        "heavy",
        "heldout",
        "tune",
        "val",
    ]
    loaded, onnx_path = load_card(tmp_path / "out" / "tiny-online.yaml")
    assert onnx_path.exists()
    assert "--online 8 --workers 0" in loaded.training["command"]
    assert "--n 20 --seed 5 " in loaded.training["command"]  # as planned, not as stored
    assert loaded.training["online_frames_per_epoch"] == 8
    assert "train" not in loaded.training["frames"]
    assert "render processes" in loaded.training["machine"]
    assert "heldout" in loaded.metrics["sets"]
    again = torch.load(tmp_path / "ck.pt", weights_only=False)
    assert again["history"] == first["history"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_a_run_on_the_accelerator_resumes_on_the_cpu(tmp_path: Path) -> None:
    source = OnlineSource(PLAN, frames_per_epoch=16, workers=2)
    ckpt = tmp_path / "gpu.pt"
    train(_cfg(tmp_path, ckpt, source, budget=0.0, device="cuda"))  # stops at batch 1
    train(_cfg(tmp_path, ckpt, source, budget=0.0, device="cuda"))  # ends epoch 1
    state = torch.load(ckpt, weights_only=False)
    assert all(v.device.type == "cpu" for v in state["model"].values())
    assert "(cuda)" in state["history"][0]["device"]
    onnx_path, stats = train(_cfg(tmp_path, ckpt, source, device="cpu"))
    assert stats["epochs_done"] == 2
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (grid,) = session.run(None, {"images": np.zeros((1, 3, 128, 160), np.float32)})
    assert grid.shape == (1, 4 + 4, 16, 20) and np.isfinite(grid).all()


def test_frames_per_epoch_fill_the_training_time_in_whole_batches() -> None:
    assert frames_per_epoch_for(600.0, 400.0, 5, 32) == 40800  # 600 x 0.85 x 400 / 5
    assert frames_per_epoch_for(601.0, 400.0, 5, 32) % 32 == 0
    assert frames_per_epoch_for(1.0, 1.0, 5, 32) == 32  # never an empty epoch
    with pytest.raises(ValueError, match="positive"):
        frames_per_epoch_for(0.0, 400.0, 5, 32)


def test_render_rate_measures_and_suggests_an_online_size() -> None:
    from typer.testing import CliRunner

    from vision.cli import app

    args = ["render-rate", "--styles", "classic,flat", "--heads", "--workers", "0"]
    result = CliRunner().invoke(app, [*args, "--seconds", "1", "--train-seconds", "60"])
    assert result.exit_code == 0, result.output
    match = re.search(r"(\d+) frames in [\d.]+ s: (\d+) frames/s .* --online (\d+)", result.output)
    assert match is not None, result.output
    frames, rate, n = (int(g) for g in match.groups())
    assert frames >= 32 and rate > 0 and n % 32 == 0
    # the printed rate is rounded: the suggestion is within a batch of the one it gives
    assert abs(n - frames_per_epoch_for(float(rate), 60.0, 5, 32)) <= 32


def test_render_rate_counts_the_render_processes_cpu_and_explains_the_limit() -> None:
    from typer.testing import CliRunner

    from vision.cli import app

    args = ["render-rate", "--styles", "classic", "--workers", "1", "--seconds", "2"]
    result = CliRunner().invoke(app, [*args, "--alone-seconds", "1"])
    assert result.exit_code == 0, result.output
    assert "CPUs usable" in result.output and "OpenCV" in result.output
    assert re.search(r"one process alone: \d+ frames/s", result.output), result.output
    busy = re.search(r"render processes on a CPU (\d+)% of the time", result.output)
    assert busy is not None, result.output
    # the render process lives under the fork server: its CPU time is found and counted
    assert int(busy.group(1)) > 10, result.output
    assert any(word in result.output for word in ("waited", "share", "scales")), result.output


def _rate(frames: int, workers: int, render_cpu_s: float) -> RenderRate:
    return RenderRate(frames, 10.0, workers, render_cpu_s, 1.0)


def test_render_rate_explanations_tell_the_limits_apart() -> None:
    alone = _rate(1000, 0, 10.0)  # 100 frames/s, 10 ms of CPU a frame
    # 14 processes busy all the time at 40 frames/s each: 25 ms of CPU a frame
    assert "2.5x the CPU time" in explain_render_rate(alone, _rate(5600, 14, 140.0), 16)
    # 4 processes on 2 CPUs, half the time each, each frame as cheap as alone
    assert "take turns on 2 CPUs" in explain_render_rate(alone, _rate(2000, 4, 20.0), 2)
    # 14 processes idle two thirds of the time on 16 CPUs
    assert "waited" in explain_render_rate(alone, _rate(4600, 14, 46.0), 16)
    assert "scales" in explain_render_rate(alone, _rate(13000, 14, 138.0), 16)
    # a quota that held the processes back 3 s of the 10 s window
    throttled = RenderRate(4600, 10.0, 14, 46.0, 1.0, throttled_s=3.0)
    assert "CPU quota held the processes back for 3.0 s" in explain_render_rate(
        alone, throttled, 16
    )
    assert _rate(4000, 14, 70.0).busy == pytest.approx(0.5)
    assert _rate(500, 0, 10.0).busy == pytest.approx(1.0)
