"""Training resumes from its per-epoch checkpoint exactly where it stopped."""

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from simulators.dataset import export_dataset  # noqa: E402
from vision.train.loop import TrainConfig, train  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20-frame data set (16 training frames)."""
    out = tmp_path_factory.mktemp("ds")
    export_dataset(out, 20, seed=5, styles=("classic", "flat"), heldout_style="outline")
    return out


def _cfg(data: Path, out: Path, ckpt: Path | None, budget: float | None) -> TrainConfig:
    return TrainConfig(
        data=data,
        out_dir=out,
        name="tiny",
        epochs=3,
        batch=8,
        width=4,
        threads=1,
        checkpoint=ckpt,
        time_budget_s=budget,
        scale_jitter=(0.5, 1.5),
        stylise=0.5,
        randconv=0.3,
    )


def test_stopped_and_resumed_equals_uninterrupted(tiny: Path, tmp_path: Path) -> None:
    ckpt = tmp_path / "ck" / "tiny.pt"
    # session 1: the budget is spent after the first epoch, which is checkpointed
    _onnx, stats = train(_cfg(tiny, tmp_path / "a", ckpt, budget=0.0))
    assert stats["epochs_done"] == 1 and stats["complete"] == 0.0
    first = torch.load(ckpt, weights_only=False)
    assert first["epoch"] == 1 and len(first["history"]) == 1
    # sessions 2 and 3 pick up from it; the seconds add up
    train(_cfg(tiny, tmp_path / "a", ckpt, budget=0.0))
    _onnx, stats = train(_cfg(tiny, tmp_path / "a", ckpt, budget=None))
    assert stats["epochs_done"] == 3 and stats["complete"] == 1.0
    resumed = torch.load(ckpt, weights_only=False)
    assert [h["epoch"] for h in resumed["history"]] == [1, 2, 3]
    assert stats["train_seconds"] >= first["seconds"]
    assert ckpt.stat().st_size < 20_000_000
    # the same three epochs in one go give the same weights
    _onnx, _ = train(_cfg(tiny, tmp_path / "b", tmp_path / "ck2" / "tiny.pt", budget=None))
    straight = torch.load(tmp_path / "ck2" / "tiny.pt", weights_only=False)
    for k, v in straight["model"].items():
        np.testing.assert_allclose(resumed["model"][k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6)
    # a finished checkpoint trains nothing more; a different setup refuses it
    _onnx, stats = train(_cfg(tiny, tmp_path / "a", ckpt, budget=None))
    assert stats["epochs_done"] == 3
    wider = _cfg(tiny, tmp_path / "a", ckpt, budget=None)
    wider.width = 8
    with pytest.raises(ValueError, match="checkpoint"):
        train(wider)


def test_warm_start_begins_from_the_other_models_weights(tiny: Path, tmp_path: Path) -> None:
    base_ckpt = tmp_path / "base.pt"
    train(_cfg(tiny, tmp_path / "base", base_ckpt, budget=0.0))
    base = torch.load(base_ckpt, weights_only=False)
    warm = _cfg(tiny, tmp_path / "warm", tmp_path / "warm.pt", budget=0.0)
    warm.init_from = base_ckpt
    warm.lr = 0.0  # no step moves a weight: what is saved is where the run started
    _onnx, stats = train(warm)
    started = torch.load(tmp_path / "warm.pt", weights_only=False)
    weights = [k for k in base["model"] if k.endswith("weight")]
    assert weights
    for k in weights:
        np.testing.assert_array_equal(started["model"][k].numpy(), base["model"][k].numpy())
    # the card's total time counts the run it started from
    assert stats["init_seconds"] == pytest.approx(base["seconds"], abs=0.1)
    assert started["init_seconds"] == pytest.approx(base["seconds"])
    # resuming the warm run needs the same warm start (it is part of its identity)
    cold = _cfg(tiny, tmp_path / "warm", tmp_path / "warm.pt", budget=0.0)
    with pytest.raises(ValueError, match="checkpoint"):
        train(cold)


def test_stride_4_warm_starts_from_a_stride_8_model(tiny: Path, tmp_path: Path) -> None:
    """Every stride-8 layer but the output carries over; the new fine head starts fresh;
    the exported grid is twice as fine; another width is refused."""
    import onnxruntime as ort

    base_ckpt = tmp_path / "base.pt"
    train(_cfg(tiny, tmp_path / "base", base_ckpt, budget=0.0))
    base = torch.load(base_ckpt, weights_only=False)
    fine = _cfg(tiny, tmp_path / "fine", tmp_path / "fine.pt", budget=0.0)
    fine.init_from, fine.stride, fine.lr = base_ckpt, 4, 0.0
    onnx_path, _stats = train(fine)
    started = torch.load(tmp_path / "fine.pt", weights_only=False)
    assert started["identity"]["stride"] == 4
    # weights only: BatchNorm's running statistics move in training even at lr 0
    carried = [k for k in base["model"] if k.endswith("weight") and not k.startswith("head.1")]
    assert len(carried) > 10
    for k in carried:
        np.testing.assert_array_equal(started["model"][k].numpy(), base["model"][k].numpy())
    assert "head.1.weight" not in started["model"] and "fine.1.weight" in started["model"]
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (grid,) = session.run(None, {"images": np.zeros((1, 3, 256, 256), np.float32)})
    assert grid.shape == (1, 3 + 4, 64, 64)
    # a stride-8 checkpoint resumed as stride 4 is refused (stride is in the identity)
    again = _cfg(tiny, tmp_path / "fine", base_ckpt, budget=0.0)
    again.stride = 4
    with pytest.raises(ValueError, match="checkpoint"):
        train(again)
    wider = _cfg(tiny, tmp_path / "wide", tmp_path / "wide.pt", budget=0.0)
    wider.init_from, wider.stride, wider.width = base_ckpt, 4, 8
    with pytest.raises(ValueError, match="same width"):
        train(wider)


def test_separable_fine_block_is_lighter_and_takes_the_dense_models_weights() -> None:
    from vision.train.loop import warm_start
    from vision.train.model import TinyGrid

    dense, light = TinyGrid(3, 8, stride=4), TinyGrid(3, 8, stride=4, separable=True)
    x = torch.zeros(1, 3, 64, 64)
    assert dense.raw(x).shape == light.raw(x).shape == (1, 7, 16, 16)
    n = [sum(p.numel() for p in m.fine[0].parameters()) for m in (dense, light)]
    assert n[1] < n[0] / 3
    fresh = warm_start(light, dense.state_dict())
    assert "fine.0.0.weight" in fresh and "fine.1.weight" not in fresh
    assert torch.equal(light.fine[1].weight, dense.fine[1].weight)
    with pytest.raises(ValueError, match="stride 4"):
        TinyGrid(3, 8, stride=8, separable=True)


def test_exported_model_has_the_input_scale_folded_into_its_first_convolution(
    tmp_path: Path,
) -> None:
    import onnx
    import onnxruntime as ort

    from vision.train.loop import export_onnx
    from vision.train.model import TinyGrid, fold_input_scale

    model = TinyGrid(3, 8, stride=4)
    with torch.no_grad():  # BatchNorm statistics away from the identity
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    model.eval()
    path = export_onnx(model, TrainConfig(data=tmp_path, out_dir=tmp_path), tmp_path / "m.onnx")
    assert "Div" not in {n.op_type for n in onnx.load(str(path)).graph.node}
    assert not model.input_folded  # the trained model itself is left as it was
    x = torch.rand(2, 3, 256, 256) * 255
    with torch.no_grad():
        want = model(x).numpy()
        assert torch.allclose(fold_input_scale(model).raw(x), model.raw(x / 255.0), atol=1e-4)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = np.concatenate([sess.run(None, {"images": x[i : i + 1].numpy()})[0] for i in range(2)])
    assert np.allclose(got[:, 3:], want[:, 3:], rtol=1e-3, atol=1e-4)  # offsets, sizes
    # scores: an untrained model's flat maps make the 3x3 peak test flip on rounding
    # in a few cells; everywhere else they agree
    assert np.isclose(got[:, :3], want[:, :3], atol=1e-4).mean() > 0.99


def test_a_non_square_input_trains_exports_and_warm_starts_from_a_square_one(
    tiny: Path, tmp_path: Path
) -> None:
    """320x256 keeps a 320x240 frame at full size: the network is convolutional, so a
    square model's weights carry over whole, and the ONNX grid follows the new shape."""
    import onnxruntime as ort

    square = tmp_path / "square.pt"
    train(_cfg(tiny, tmp_path / "sq", square, budget=0.0))
    wide = _cfg(tiny, tmp_path / "wide", tmp_path / "wide.pt", budget=0.0)
    wide.in_w, wide.in_h, wide.init_from, wide.lr = 320, 256, square, 0.0
    onnx_path, _stats = train(wide)
    started = torch.load(tmp_path / "wide.pt", weights_only=False)
    assert started["identity"]["in"] == [320, 256]
    base = torch.load(square, weights_only=False)["model"]
    for k, v in base.items():  # weights only: BatchNorm statistics move even at lr 0
        if k.endswith("weight"):
            np.testing.assert_array_equal(started["model"][k].numpy(), v.numpy())
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (grid,) = session.run(None, {"images": np.zeros((1, 3, 256, 320), np.float32)})
    assert grid.shape == (1, 3 + 4, 32, 40)


def test_a_finished_run_is_exported_again_at_a_wider_input_without_training(
    tiny: Path, tmp_path: Path
) -> None:
    """`--export-input` is not part of the checkpoint: the finished run's weights are
    exported again at the new size, nothing is trained, and the command says so."""
    import onnxruntime as ort
    import typer

    from vision.cli import parse_input_size
    from vision.train.run import training_command

    ckpt = tmp_path / "ck.pt"
    train(_cfg(tiny, tmp_path / "a", ckpt, budget=None))
    before = torch.load(ckpt, weights_only=False)
    wider = _cfg(tiny, tmp_path / "b", ckpt, budget=None)
    wider.export_input = (320, 256)
    onnx_path, stats = train(wider)
    after = torch.load(ckpt, weights_only=False)
    assert stats["epochs_done"] == 3 and after["seconds"] == before["seconds"]
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape == [1, 3, 256, 320]
    (grid,) = session.run(None, {"images": np.zeros((1, 3, 256, 320), np.float32)})
    assert grid.shape == (1, 3 + 4, 32, 40)  # the grid follows the input at stride 8
    ds = {"seed": 5, "styles": ["classic"]}
    assert "--export-input 320x256" in training_command(wider, tiny, ds, 20, "1")
    assert "--export-input" not in training_command(
        _cfg(tiny, tmp_path, ckpt, None), tiny, ds, 20, "1"
    )
    assert parse_input_size("400x320", "--export-input") == (400, 320)
    with pytest.raises(typer.BadParameter, match="multiple of 8") as refused:
        parse_input_size("401x320", "--export-input")
    assert refused.value.param_hint == "--export-input"


def test_a_context_branch_starts_as_its_parent_and_exports_at_any_grid(tmp_path: Path) -> None:
    """The stride-16 branch's last convolution starts at zero, so a model warm-started
    from one without it computes the same; trained, it changes the output; exported,
    it runs at an input whose stride-8 grid has odd sides (upsampled back by size)."""
    import onnxruntime as ort

    from vision.train.loop import export_onnx, warm_start
    from vision.train.model import TinyGrid

    torch.manual_seed(0)
    parent, child = TinyGrid(3, 8, stride=4), TinyGrid(3, 8, stride=4, context=True)
    fresh = warm_start(child, parent.state_dict())
    assert fresh and all(k.startswith("context.") for k in fresh)
    parent.eval()
    child.eval()
    x = torch.rand(1, 3, 72, 88) * 255  # stride-8 grid 9 x 11: odd sides
    with torch.no_grad():
        assert torch.equal(child(x), parent(x))
        assert child.context is not None
        back = child.context[-1]
        assert isinstance(back, torch.nn.Conv2d)
        back.weight.normal_(0, 0.5)
        assert not torch.allclose(child.raw(x), parent.raw(x))
    cfg = TrainConfig(data=tmp_path, out_dir=tmp_path, in_w=88, in_h=72)
    path = export_onnx(child, cfg, tmp_path / "c.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (grid,) = session.run(None, {"images": x.numpy()})
    assert grid.shape == (1, 3 + 4, 18, 22)
    with torch.no_grad():
        np.testing.assert_allclose(grid[:, 3:], child(x).numpy()[:, 3:], rtol=1e-3, atol=1e-4)


def test_the_context_branch_is_part_of_the_checkpoint_and_the_command(tiny: Path) -> None:
    from vision.train.loop import _identity
    from vision.train.run import training_command

    plain = TrainConfig(data=tiny, out_dir=tiny)
    wide = TrainConfig(data=tiny, out_dir=tiny, context=True)
    assert _identity(plain, 10) != _identity(wide, 10)
    assert _identity(wide, 10)["context"] is True
    assert "--context" not in training_command(plain, tiny, {"seed": 5}, 20, "1")
    assert " --context" in training_command(wide, tiny, {"seed": 5}, 20, "1")
