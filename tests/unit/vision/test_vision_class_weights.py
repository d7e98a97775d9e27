"""Per class loss weights: what they multiply, what they refuse, how a card states them."""

from pathlib import Path
from typing import Any

import pytest
import typer

torch = pytest.importorskip("torch")

from vision.cli import parse_class_weights  # noqa: E402
from vision.train.loop import TrainConfig, _identity, class_weight_tensor, loss_fn  # noqa: E402
from vision.train.run import training_command  # noqa: E402


def _batch() -> tuple[Any, ...]:
    """Two classes on a 4x4 grid: one object of each, the rest background."""
    gen = torch.Generator().manual_seed(3)
    raw = torch.randn(1, 2 + 4, 4, 4, generator=gen)
    heat = torch.zeros(1, 2, 4, 4)
    heat[0, 0, 1, 1] = 1.0
    heat[0, 1, 2, 3] = 1.0
    mask = torch.zeros(1, 4, 4)
    mask[0, 1, 1] = mask[0, 2, 3] = 1.0
    reg = torch.zeros(1, 4, 4, 4)
    return raw, heat, mask, reg


def test_weight_multiplies_only_its_own_classes_heat_map_loss() -> None:
    raw, heat, mask, reg = _batch()
    plain = loss_fn(raw, heat, mask, reg, 2)
    ones = loss_fn(raw, heat, mask, reg, 2, torch.tensor([1.0, 1.0]))
    assert torch.allclose(plain, ones)
    # the class-1 share of the focal term, from the difference of two weights
    w2 = loss_fn(raw, heat, mask, reg, 2, torch.tensor([1.0, 2.0]))
    w3 = loss_fn(raw, heat, mask, reg, 2, torch.tensor([1.0, 3.0]))
    share = w2 - plain
    assert share > 0
    assert torch.allclose(w3 - plain, 2 * share, rtol=1e-5)
    # weighting class 0 instead adds a different amount: the weight is per channel
    other = loss_fn(raw, heat, mask, reg, 2, torch.tensor([2.0, 1.0]))
    assert not torch.allclose(other, w2)


def test_gradient_grows_only_on_the_weighted_channel() -> None:
    raw, heat, mask, reg = _batch()
    grads = []
    for w in (None, torch.tensor([1.0, 3.0])):
        r = raw.clone().requires_grad_(True)
        loss_fn(r, heat, mask, reg, 2, w).backward()  # type: ignore[no-untyped-call]
        assert r.grad is not None
        grads.append(r.grad)
    assert torch.allclose(grads[0][:, 0], grads[1][:, 0])
    assert torch.allclose(grads[1][:, 1], 3 * grads[0][:, 1], rtol=1e-5)


def test_class_weights_are_checked_and_part_of_the_checkpoint_identity() -> None:
    cfg = TrainConfig(data=Path("d"), out_dir=Path("o"), num_classes=3)
    assert class_weight_tensor(cfg) is None
    plain = _identity(cfg, 10)
    cfg.class_weights = (1.0, 1.0, 3.0)
    weights = class_weight_tensor(cfg)
    assert weights is not None and weights.tolist() == [1.0, 1.0, 3.0]
    assert _identity(cfg, 10) != plain  # a resume must name the same weights
    cfg.class_weights = (1.0, 3.0)
    with pytest.raises(ValueError, match="need 3 positive"):
        class_weight_tensor(cfg)
    cfg.class_weights = (1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="need 3 positive"):
        class_weight_tensor(cfg)


def test_command_line_weights_parse_or_say_what_is_wrong() -> None:
    assert parse_class_weights(["rodent=3", "no_mask=1.5"]) == {"rodent": 3.0, "no_mask": 1.5}
    for bad in ("rodent", "rodent=", "=3", "rodent=-1", "rodent=0", "rodent=x", "rodent=inf"):
        with pytest.raises(typer.BadParameter, match="CLASS=FACTOR"):
            parse_class_weights([bad])


def test_card_command_restates_the_weights() -> None:
    cfg = TrainConfig(data=Path("d"), out_dir=Path("o"), num_classes=4)
    ds = {"seed": 5, "classes": ["no_hat", "no_mask", "rodent", "head"]}
    assert "--class-weight" not in training_command(cfg, Path("d"), ds, 100, "1")
    cfg.class_weights = (1.0, 1.0, 3.0, 1.0)
    cmd = training_command(cfg, Path("d"), ds, 100, "1")
    assert " --class-weight rodent=3" in cmd and "no_hat=" not in cmd


def test_input_size_parses_and_the_card_command_restates_it() -> None:
    from vision.cli import parse_input_size

    assert parse_input_size("320x256") == (320, 256)
    assert parse_input_size("256X256") == (256, 256)
    for bad in ("320", "320x250", "x256", "0x0", "320x256x3", "4096x256", "-320x256"):
        with pytest.raises(typer.BadParameter, match="WIDTHxHEIGHT"):
            parse_input_size(bad)
    cfg = TrainConfig(data=Path("d"), out_dir=Path("o"), num_classes=4)
    ds = {"seed": 5, "classes": ["no_hat", "no_mask", "rodent", "head"]}
    assert "--input" not in training_command(cfg, Path("d"), ds, 100, "1")
    cfg.in_w, cfg.in_h = 320, 256
    assert " --input 320x256" in training_command(cfg, Path("d"), ds, 100, "1")
