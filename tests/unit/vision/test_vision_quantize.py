"""`bk vision quantize`: an int8 copy of a model with its own card, that detects as the
float one does, with the input and head convolutions (and what follows) kept float."""

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

onnx = pytest.importorskip("onnx")

from onnx import NodeProto, TensorProto, helper, numpy_helper  # noqa: E402

from simulators.dataset import export_dataset  # noqa: E402
from vision.card import DEFAULT_CARD, load_card  # noqa: E402
from vision.cli import app  # noqa: E402
from vision.detector import Detector  # noqa: E402
from vision.detectors.base import Found  # noqa: E402
from vision.train.quantize import float_nodes  # noqa: E402


def _conv(name: str, x: str, y: str, cin: int, cout: int) -> tuple[NodeProto, TensorProto]:
    w = numpy_helper.from_array(np.ones((cout, cin, 3, 3), np.float32), f"{name}.w")
    return helper.make_node("Conv", [x, w.name], [y], name=name, pads=[1, 1, 1, 1]), w


def test_float_nodes_are_the_input_and_head_convolutions_and_what_follows() -> None:
    """A YOLO-like graph: input scaling, a stem, a shared body, two heads, a sigmoid on
    one of them."""
    scale = numpy_helper.from_array(np.array(255, np.float32), "k")
    div = helper.make_node("Div", ["images", "k"], ["x"], name="div")
    stem, w1 = _conv("stem", "x", "a", 3, 4)
    relu = helper.make_node("Relu", ["a"], ["b"], name="")  # unnamed: gets a name
    body, w2 = _conv("body", "b", "c", 4, 4)
    box, w3 = _conv("box", "c", "boxes", 4, 4)
    cls, w4 = _conv("cls", "c", "logits", 4, 2)
    sig = helper.make_node("Sigmoid", ["logits"], ["scores"], name="sig")
    graph = helper.make_graph(
        [div, stem, relu, body, box, cls, sig],
        "g",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 8, 8])],
        [
            helper.make_tensor_value_info("boxes", TensorProto.FLOAT, None),
            helper.make_tensor_value_info("scores", TensorProto.FLOAT, None),
        ],
        [scale, w1, w2, w3, w4],
    )
    convs, kept = float_nodes(helper.make_model(graph))
    assert convs == ["stem", "box", "cls"]
    assert kept == ["div", "stem", "box", "cls", "sig"]  # body and the relu are quantised


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Classic frames: 20 to calibrate on (tune), 20 others to compare on (val)."""
    out = tmp_path_factory.mktemp("ds")
    export_dataset(
        out, 100, seed=8, styles=("classic",), heldout_style="outline", only=("tune", "val")
    )
    return out


def _float_card() -> Path:
    """The float32 model the shipped (int8) default was quantised from."""
    default, _ = load_card(DEFAULT_CARD)
    return DEFAULT_CARD.parent / Path(default.training["quantized"]["from"]["onnx"]).with_suffix(
        ".yaml"
    )


def test_quantized_copy_detects_as_the_float_model(frames: Path, tmp_path: Path) -> None:
    float_card = _float_card()
    card, onnx_path = load_card(float_card)
    shutil.copy(onnx_path, tmp_path / onnx_path.name)
    if card.attributes is not None:  # the head-crop classifier lies beside the card
        shutil.copy(float_card.parent / card.attributes.onnx, tmp_path)
    src = tmp_path / float_card.name
    shutil.copy(float_card, src)
    out = tmp_path / "int8" / "model-int8.yaml"  # a folder not there yet is made
    args = ["quantize", "--card", str(src), "--images", str(frames / "images" / "tune")]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--frames", "20"])
    assert result.exit_code == 0, result.output
    new, new_onnx = load_card(out)  # the card's SHA-256 is the file's
    assert new_onnx == out.with_suffix(".onnx") and new.name == f"{card.name}-int8"
    again = CliRunner().invoke(
        app, ["quantize", "--card", str(out), "--images", str(frames), "--out", str(out)]
    )
    assert again.exit_code == 2 and "already quantised" in again.output
    assert new.thresholds == card.thresholds and new.roles == card.roles
    assert new.attributes == card.attributes  # the float classifier goes along
    assert new.metrics == {}  # the float model's figures are not the int8 one's
    q = new.training["quantized"]
    assert q["from"]["sha256"] == card.sha256 and q["calibration"]["frames"] == 20
    model = onnx.load(str(new_onnx))
    ops = [n.op_type for n in model.graph.node]
    assert ops.count("DequantizeLinear") > 5
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    assert q["float_convolutions"] == [convs[0].name, convs[-1].name]
    # the first convolution reads the (scaled) float picture, not a dequantised copy
    before = [n.op_type for n in model.graph.node if convs[0].input[0] in n.output]
    assert "DequantizeLinear" not in before

    fp32, int8 = Detector(src), Detector(out)
    matched = total = 0
    for f in sorted((frames / "images" / "val").glob("*.jpg")):
        img = cv2.imread(str(f))
        assert img is not None
        a, b = fp32.detect(img), int8.detect(img)
        total += len(a)
        for d in a:
            same = [e for e in b if e.cls == d.cls and _iou(_box(d), _box(e)) > 0.7]
            matched += bool(same) and abs(same[0].score - d.score) < 0.1
    assert total > 10 and matched >= 0.9 * total


def _box(d: Found) -> tuple[float, float, float, float]:
    return (d.x1, d.y1, d.x2, d.y2)


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area if area > 0 else 0.0


def test_no_pictures_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a picture")
    result = CliRunner().invoke(
        app,
        [
            *("quantize", "--card", str(_float_card()), "--images", str(tmp_path / "empty")),
            *("--out", str(tmp_path / "m.yaml")),
        ],
    )
    assert result.exit_code == 2
    assert "no JPEG or PNG pictures" in result.output
    assert not (tmp_path / "m.onnx").exists()


def test_unreadable_pictures_are_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "frame.jpg").write_text("not a JPEG")
    result = CliRunner().invoke(
        app,
        [
            *("quantize", "--card", str(_float_card()), "--images", str(tmp_path / "bad")),
            *("--out", str(tmp_path / "m.yaml")),
        ],
    )
    assert result.exit_code == 2
    assert "could be read" in result.output
    assert not (tmp_path / "m.onnx").exists() and not (tmp_path / "m.yaml").exists()
