"""The second look at every head: crops, fusion, the card's stage, training and export."""

import shutil
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
import yaml

from core.errors import ConfigError
from simulators.dataset import export_dataset
from simulators.scenes import SceneSpec, WorkerSpec, render_scene
from vision.attributes import AttributeClassifier, fuse_attributes, head_crops
from vision.card import DEFAULT_CARD, AttributeStage, card_files, load_card, write_card
from vision.detector import Detector
from vision.detectors.base import Found
from vision.train import attributes as ta

STAGE = AttributeStage(onnx="x.onnx", classes=["no_hat", "no_mask"])


def test_head_crops_centre_the_box_and_repeat_the_edge() -> None:
    frame = np.zeros((100, 120, 3), np.uint8)
    frame[:, :] = (255, 0, 0)  # blue
    frame[40:60, 50:70] = (0, 0, 255)  # a red 20x20 head
    tight = head_crops(frame, [(50, 40, 70, 60)], 16, 1.0)
    assert tight.shape == (1, 3, 16, 16) and tight.dtype == np.float32
    assert tight[0, 2, 2:14, 2:14].min() > 0.9 and tight[0, 0, 2:14, 2:14].max() < 0.1
    wide = head_crops(frame, [(50, 40, 70, 60)], 16, 2.0)
    assert wide[0, 2, 8, 8] > 0.9 and wide[0, 0, 0, 0] > 0.9  # red centre, blue rim
    corner = head_crops(frame, [(0, 0, 10, 10)], 16, 3.0)  # mostly outside the frame
    assert corner[0, 0].min() > 0.9  # the edge repeated, not black


def test_fusion_needs_both_and_replaces_the_detectors_attribute_boxes() -> None:
    found = [
        Found("head", 0.9, 10, 10, 30, 30),
        Found("head", 0.8, 100, 10, 120, 30),
        Found("no_hat", 0.8, 11, 11, 31, 31),  # on the first head
        Found("no_hat", 0.9, 200, 200, 220, 220),  # on no head: dropped
        Found("rodent", 0.7, 50, 80, 70, 90),
    ]
    probs = np.array([[0.9, 0.99], [0.95, 0.2]], np.float32)
    out = fuse_attributes(found, probs, STAGE)
    hats = [f for f in out if f.cls == "no_hat"]
    assert len(hats) == 1 and hats[0].box == (10.0, 10.0, 30.0, 30.0)
    assert abs(hats[0].score - float(np.sqrt(0.9 * 0.8))) < 1e-6
    assert not [f for f in out if f.cls == "no_mask"]  # the detector saw no mask off
    assert [f.cls for f in out if f.cls not in ("no_hat",)] == ["head", "head", "rodent"]
    alone = fuse_attributes(found, probs, STAGE.model_copy(update={"fuse": "replace"}))
    assert sorted(round(f.score, 2) for f in alone if f.cls == "no_hat") == [0.9, 0.95]
    assert [round(f.score, 2) for f in alone if f.cls == "no_mask"] == [0.99]
    with pytest.raises(ValueError, match="2 heads but 1 rows"):
        fuse_attributes(found, probs[:1], STAGE)


def test_card_refuses_a_stage_it_cannot_run(tmp_path: Path) -> None:
    card, onnx = load_card(DEFAULT_CARD)
    assert card.attributes is not None, "the shipped card has a head stage"
    for f in (onnx, DEFAULT_CARD.parent / card.attributes.onnx):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "card.yaml"
    bad_class = card.attributes.model_copy(update={"classes": ["no_gloves"]})
    raw = card.model_dump(mode="json")
    raw["attributes"] = bad_class.model_dump(mode="json")
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match="no_gloves"):
        load_card(path)
    write_card(card, path)
    load_card(path)  # the copy is sound
    (tmp_path / card.attributes.onnx).write_bytes(b"not the model")
    with pytest.raises(ConfigError, match="SHA-256"):
        load_card(path)
    (tmp_path / card.attributes.onnx).unlink()
    with pytest.raises(ConfigError, match="does not exist"):
        load_card(path)


def test_training_resumes_refuses_another_config_and_exports_what_it_trained(
    tmp_path: Path,
) -> None:
    data = tmp_path / "ds"
    export_dataset(data, 60, seed=3, label_heads=True, styles=("classic", "flat"), only=("val",))
    cfg = ta.AttributeTrainConfig(sources=(f"{data}:val",), epochs=1, batch=8)
    crops, labels = ta.collect_crops(data, "val", cfg)
    assert crops.dtype == np.uint8 and crops.shape[1:] == (3, 32, 32)
    assert len(crops) == len(labels) > 0 and set(np.unique(labels)) <= {0.0, 1.0}
    assert 0 < labels[:, 0].sum() < len(labels)  # heads with and without hats
    ckpt = tmp_path / "heads.pt"
    _, first = ta.train_attributes(cfg, crops, labels, ckpt, threads=1)
    assert first["epochs_done"] == 1 and first["complete"] and ckpt.exists()
    more = ta.AttributeTrainConfig(sources=cfg.sources, epochs=2, batch=8)
    with pytest.raises(ConfigError, match="another configuration"):
        ta.train_attributes(more, crops, labels, ckpt, threads=1)
    ckpt2 = tmp_path / "heads2.pt"
    ta.train_attributes(more, crops, labels, ckpt2, threads=1, budget_s=0.0)
    net, resumed = ta.train_attributes(more, crops, labels, ckpt2, threads=1)
    assert resumed["epochs_done"] == 2 and len(resumed["losses"]) == 2
    model = ta.export_attributes(net, more, tmp_path / "heads.onnx")
    x = crops[:5].astype(np.float32) / 255
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"crops": x})
    assert np.allclose(got, expected, atol=1e-4)


def test_classifier_checks_its_outputs_against_the_card(tmp_path: Path) -> None:
    card, _ = load_card(DEFAULT_CARD)
    assert card.attributes is not None
    model = DEFAULT_CARD.parent / card.attributes.onnx
    with pytest.raises(ValueError, match="the card names 3 classes"):
        AttributeClassifier(
            card.attributes.model_copy(update={"classes": ["no_hat", "no_mask", "rodent"]}),
            model,
        )


def test_the_shipped_detector_fuses_on_the_heads_it_boxed() -> None:
    det = Detector()
    assert det.attributes is not None
    spec = SceneSpec(
        night=False,
        workers=(
            WorkerSpec(x=0.3, y=0.85, hat=False, mask=True),
            WorkerSpec(x=0.7, y=0.85, hat=True, mask=True),
        ),
        rodents=(),
        n_distractors=0,
        occlusion=False,
        background_seed=4,
    )
    img, _ = render_scene(spec, np.random.default_rng(0))
    found = det.detect(img)
    heads = [f for f in found if f.cls == "head"]
    assert len(heads) == 2
    for f in found:
        if f.cls in ("no_hat", "no_mask"):
            assert any(f.box == h.box for h in heads)  # on a head box, as fused
    bare = [f for f in found if f.cls == "no_hat"]
    assert len(bare) == 1 and (bare[0].x1 + bare[0].x2) / 2 < img.shape[1] / 2
    assert "attributes" in det.times.extra


def _dominant_channel(colour: str, bgr: tuple[float, float, float]) -> np.ndarray:
    """Which channel is brightest in each augmented copy of one flat-coloured crop
    (-1 where the copy was turned grey, as infrared frames are)."""
    x = torch.tensor(bgr, dtype=torch.float32)[None, :, None, None].expand(512, 3, 32, 32)
    out = ta.augment(x.clone(), torch.Generator().manual_seed(5), colour).mean((2, 3))
    grey = (out.max(1).values - out.min(1).values) < 0.02
    return np.where(grey.numpy(), -1, out.argmax(1).numpy())


def test_natural_colour_keeps_a_caps_hue_and_shuffle_does_not() -> None:
    # a red cap and brown hair (BGR): hue is what tells a vivid cap from hair
    for bgr in ((0.15, 0.1, 0.85), (0.12, 0.22, 0.42)):
        natural = _dominant_channel("natural", bgr)
        assert (natural == -1).mean() < 0.4  # grey copies stay a minority
        assert set(np.unique(natural)) <= {-1, 2}  # red stays the brightest
        shuffled = _dominant_channel("shuffle", bgr)
        assert len(set(np.unique(shuffled)) - {-1}) == 3  # brown hair turns blue and green too
    with pytest.raises(ValueError, match="colour"):
        ta.augment(torch.zeros(2, 3, 32, 32), torch.Generator(), "rainbow")
    with pytest.raises(ConfigError, match="colour 'rainbow'"):
        ta.AttributeTrainConfig(sources=(), colour="rainbow")


def test_retraining_replaces_the_stage_of_every_card_sharing_the_classifier(
    tmp_path: Path,
) -> None:
    """The shipped int8 and float32 cards share one classifier file: retraining under the
    same name must attach the new file to both (it once stopped at the second card,
    whose recorded SHA-256 no longer held), and refuse an unknown colour scheme."""
    from typer.testing import CliRunner

    from vision.cli import app

    data = tmp_path / "ds"
    export_dataset(data, 60, seed=3, label_heads=True, styles=("classic",), only=("val",))
    models = tmp_path / "models"
    models.mkdir()
    cards = []
    for name in ("hygiene-tinygrid.yaml", "hygiene-tinygrid-fp32.yaml"):
        for file in (DEFAULT_CARD.parent / name, *card_files(DEFAULT_CARD.parent / name)):
            shutil.copy(file, models / file.name)
        cards.append(models / name)
    old = load_card(cards[0])[0].attributes
    assert old is not None
    args = ["train-attributes", "--set", f"{data}:val", "--epochs", "1", "--threads", "1"]
    args += [x for card in cards for x in ("--card", str(card))]
    refused = CliRunner().invoke(app, [*args, "--colour", "rainbow"])
    assert refused.exit_code == 2 and "rainbow" in refused.output
    for run in (1, 2):  # the second run replaces a stage the first attached
        result = CliRunner().invoke(app, [*args, "--checkpoint", str(tmp_path / f"h{run}.pt")])
        assert result.exit_code == 0, result.output
        stages = [load_card(card)[0].attributes for card in cards]  # SHA-256 checked
        digests = {s.sha256 for s in stages if s is not None}
        assert len(digests) == 1 and old.sha256 not in digests and None not in stages
        assert all(s.training["command"].endswith("--colour natural") for s in stages if s)
