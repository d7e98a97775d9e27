"""Detector plugins: a toy runtime and a toy decoder defined here, registered without
editing `vision/`, run through `Detector` and `VisionPipeline`; names are checked; the
onnxruntime provider choice is honoured or refused as its module says."""

import json
import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
import pytest
import yaml
from pydantic import Field

from core.errors import ConfigError
from vision.card import DEFAULT_CARD, Thresholds, load_card
from vision.decode import RawDetections, decode_grid, nms
from vision.detector import Detector
from vision.detectors import (
    DECODERS,
    RUNTIMES,
    DetectorRuntime,
    OutputDecoder,
    RawOutputs,
    RuntimeConfig,
    RuntimeSettings,
)
from vision.detectors.runtime_onnx import PROVIDERS, choose_providers
from vision.letterbox import letterbox
from vision.pipeline import VisionPipeline, declared_violations
from vision.zones import CameraRules, Zone

REPO = Path(__file__).resolve().parents[3]


# --- the toy plugins: a "model" that finds saturated red blocks ---------------------


class RedBlockConfig(RuntimeConfig):
    type: Literal["toy-red"] = "toy-red"
    min_red: int = Field(default=200, ge=0, le=255, description="Red channel at least this")
    class_id: int = Field(default=0, ge=0, description="Class index every block gets")


class RedBlockRuntime(DetectorRuntime):
    """Reads a JSON "model" (a score), answers one (N, 6) output: x1 y1 x2 y2 score class."""

    type_key = "toy-red"
    config_model = RedBlockConfig
    loaded: list["RedBlockRuntime"] = []

    def load(self, model_path: Path, card: Any, settings: RuntimeSettings) -> None:
        assert isinstance(self.config, RedBlockConfig)
        self.cfg = self.config
        self.score = float(json.loads(model_path.read_text())["score"])
        self.threads = settings.threads
        self.closed = False
        RedBlockRuntime.loaded.append(self)

    def infer(self, tensor: np.ndarray) -> RawOutputs:
        b, g, r = tensor[0]  # the card says BGR, divide_by 1
        mask = ((r >= self.cfg.min_red) & (g < 60) & (b < 60)).astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        rows = [
            [x, y, x + w, y + h, self.score, self.cfg.class_id]
            for x, y, w, h, area in stats[1:n]
            if area >= 4
        ]
        return [np.array(rows, np.float32).reshape(-1, 6)]

    def close(self) -> None:
        self.closed = True


class RowsDecoder(OutputDecoder):
    """(N, 6) rows in input pixels -> candidates above the card's per-class thresholds."""

    type_key = "toy-rows"

    def candidates(self, outputs: RawOutputs) -> RawDetections:
        rows = outputs[0]
        classes = self.card.classes
        keep = [
            i
            for i, row in enumerate(rows)
            if row[4] >= self.card.thresholds.for_class(classes[int(row[5])])
        ]
        if not keep:
            return RawDetections.empty()
        sel = rows[keep]
        return RawDetections(sel[:, :4].copy(), sel[:, 4].copy(), sel[:, 5].astype(np.int64))


def _toy_card(tmp_path: Path, **runtime: Any) -> Path:
    (tmp_path / "toy.json").write_text(json.dumps({"score": 0.9}))
    card = {
        "name": "toy",
        "version": "1",
        "onnx": "toy.json",
        "input": {"width": 160, "height": 160},
        "output": {"format": "toy-rows"},
        "runtime": {"type": "toy-red", **runtime},
        "classes": ["no_hat", "no_mask", "rodent"],
        "thresholds": {"score": 0.5},
    }
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(card))
    return path


def _frame(x1: int, y1: int, x2: int, y2: int) -> np.ndarray:
    img = np.full((240, 320, 3), 90, np.uint8)
    img[y1:y2, x1:x2] = (0, 0, 255)  # BGR red
    return img


@pytest.fixture
def toy_card(tmp_path: Path) -> Path:
    """A card naming the toy runtime and decoder, beside its toy model file."""
    RedBlockRuntime.loaded.clear()
    return _toy_card(tmp_path)


def test_toy_plugins_are_registered_by_defining_them() -> None:
    assert RUNTIMES["toy-red"] is RedBlockRuntime
    assert DECODERS["toy-rows"] is RowsDecoder
    assert {"onnxruntime"} <= set(RUNTIMES) and {"bk-grid", "yolov8", "yolo11"} <= set(DECODERS)


def test_toy_runtime_and_decoder_run_through_detector(toy_card: Path) -> None:
    det = Detector(toy_card, threads=3)
    rt = RedBlockRuntime.loaded[-1]
    assert det.runtime is rt and rt.threads == 3 and rt.cfg.min_red == 200
    found = det.detect(_frame(40, 60, 120, 180))
    assert [f.cls for f in found] == ["no_hat"]
    assert found[0].score == pytest.approx(0.9)
    # letterbox 320x240 -> 160x160 and back: the block's own pixels, within a pixel
    assert np.allclose(found[0].box, (40, 60, 120, 180), atol=1.0), found[0].box
    assert det.detect(np.full((240, 320, 3), 90, np.uint8)) == []
    assert det.times.frames == 2
    # the card's thresholds are read per call (evaluation lowers them on the live card)
    det.card.thresholds = Thresholds(score=0.95)
    assert det.detect(_frame(40, 60, 120, 180)) == []
    det.close()
    assert rt.closed


def test_toy_runtime_options_come_from_the_card(tmp_path: Path) -> None:
    det = Detector(_toy_card(tmp_path, class_id=2))
    assert [f.cls for f in det.detect(_frame(200, 100, 260, 200))] == ["rodent"]


def test_toy_plugins_through_the_pipeline_make_a_violation(toy_card: Path, tmp_path: Path) -> None:
    zone = Zone(id="prep", polygon=[(0, 0), (160, 0), (160, 240), (0, 240)])
    pipe = VisionPipeline.create(
        card=toy_card, evidence_dir=tmp_path / "ev", default_rules=CameraRules(zones=[zone])
    )
    assert isinstance(pipe.detector.runtime, RedBlockRuntime)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    events = []
    for i in range(8):
        frame = _frame(40 + i, 40, 100 + i, 110)  # a slowly moving head, inside the zone
        jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
        events.append(pipe.process_jpeg("s1", "cam1", jpeg, t0 + timedelta(seconds=i), i))
    assert all(len(ev.detections) == 1 and ev.model == "toy@1" for ev in events)
    assert {ev.detections[0].zone for ev in events} == {"prep"}
    violations = [v for ev in events for v in declared_violations(ev)]
    assert [(v.cls, v.zone) for v in violations] == [("no_hat", "prep")]
    assert violations[0].evidence is not None and pipe.evidence.verify(violations[0].evidence)
    # the same block outside the zone: detections, no violation
    pipe2 = VisionPipeline.create(
        card=toy_card, evidence_dir=tmp_path / "ev2", default_rules=CameraRules(zones=[zone])
    )
    out = [
        pipe2.process("s1", "cam1", _frame(220, 40, 280, 110), t0 + timedelta(seconds=i), i)
        for i in range(8)
    ]
    assert all(len(ev.detections) == 1 for ev in out)
    assert sum(len(ev.violations) for ev in out) == 0


# --- names and configs -----------------------------------------------------------------


def _edit_card(tmp_path: Path, **changes: Any) -> Path:
    path = _toy_card(tmp_path)
    card = yaml.safe_load(path.read_text())
    for key, value in changes.items():
        card[key] = {**card[key], **value}
    path.write_text(yaml.safe_dump(card))
    return path


def test_unknown_runtime_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        Detector(_edit_card(tmp_path, runtime={"type": "tflite"}))
    msg = str(exc.value)
    assert "unknown detector runtime 'tflite'" in msg
    assert "onnxruntime" in msg and "toy-red" in msg and "toy.yaml" in msg


def test_unknown_decoder_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        Detector(_edit_card(tmp_path, output={"format": "ssd"}))
    msg = str(exc.value)
    assert "unknown output decoder 'ssd'" in msg
    assert all(name in msg for name in ("bk-grid", "yolov8", "yolo11", "toy-rows"))


def test_runtime_options_are_checked_by_the_runtime(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        Detector(_edit_card(tmp_path, runtime={"min_redd": 10}))
    assert "min_redd" in str(exc.value)
    with pytest.raises(ConfigError) as exc:
        Detector(_edit_card(tmp_path, runtime={"min_red": 300}))
    assert "min_red" in str(exc.value)


def test_a_taken_name_is_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):

        class Other(OutputDecoder):  # defining it is the registering
            type_key = "bk-grid"

            def candidates(self, outputs: RawOutputs) -> RawDetections:
                return RawDetections.empty()

    assert DECODERS["bk-grid"].__module__ == "vision.detectors.decoders"


def test_importing_the_vision_package_does_not_import_onnxruntime() -> None:
    code = (
        "import sys, vision.detector, vision.pipeline, vision.detectors; "
        "sys.exit('onnxruntime' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr or "onnxruntime was imported"


# --- the built-in runtime and decoders ---------------------------------------------------


def test_default_card_on_onnxruntime_cpu_gives_the_direct_decoding() -> None:
    """Same boxes as onnxruntime + decode_grid + NMS called by hand (the old code path)."""
    import onnxruntime as ort

    from simulators.scenes import SceneSpec, render_scene

    det = Detector(DEFAULT_CARD)
    assert det.runtime.name == "onnxruntime/cpu" and det.decoder.type_key == "bk-grid"
    assert det.runtime.session.get_providers() == ["CPUExecutionProvider"]  # type: ignore[attr-defined]
    card, onnx_path = load_card(DEFAULT_CARD)
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    seen = 0
    for i in range(4):
        img, _ = render_scene(SceneSpec(), np.random.default_rng(500 + i))
        x, lb = det.preprocess(img)
        out = sess.run(None, {sess.get_inputs()[0].name: x})[0]
        kept = nms(
            decode_grid(out, card.classes, card.thresholds, card.output.stride), card.thresholds
        )
        want = [
            (card.classes[int(c)], tuple(b))
            for b, c in zip(lb.to_original(kept.boxes), kept.class_ids, strict=True)
        ]
        raw = det.postprocess(det.infer(x), lb)
        got = [(f.cls, f.box) for f in raw]
        assert len(got) == len(want)
        for (gc, gb), (wc, wb) in zip(got, want, strict=True):
            assert gc == wc and np.allclose(gb, wb, atol=1e-3)
        # postprocess also takes a single output array, as before
        assert [f.cls for f in det.postprocess(out, lb)] == [c for c, _ in want]
        # detect() is that decoding with the card's second look at every head on top
        assert det.attributes is not None
        assert det.detect(img) == det.attributes.refine(img, raw)
        seen += len(got)
    assert seen > 0


def test_yolo11_decodes_like_yolov8(tmp_path: Path) -> None:
    card, _ = load_card(DEFAULT_CARD)
    out = np.zeros((1, 4 + len(card.classes), 3), np.float32)
    out[0, :4, 0] = [100, 50, 20, 10]
    out[0, 4 + 2, 0] = 0.9
    out[0, :4, 1] = [30, 40, 10, 12]
    out[0, 4, 1] = 0.8
    _, lb = letterbox(np.zeros((256, 256, 3), np.uint8), 256, 256)
    v8 = DECODERS["yolov8"](card).decode([out], lb)
    v11 = DECODERS["yolo11"](card).decode([out], lb)
    assert v8 == v11 and sorted(f.cls for f in v8) == ["no_hat", "rodent"]


def test_provider_lists_follow_the_choice() -> None:
    cpu = ["CPUExecutionProvider"]
    everything = list(PROVIDERS.values())
    assert choose_providers("cpu", everything, False) == ("cpu", cpu)
    assert choose_providers("tensorrt", everything, False) == (
        "tensorrt",
        ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"],
    )
    assert choose_providers("openvino", ["OpenVINOExecutionProvider", *cpu], False) == (
        "openvino",
        ["OpenVINOExecutionProvider", "CPUExecutionProvider"],
    )
    # TensorRT without the CUDA provider: TensorRT then CPU
    assert choose_providers("tensorrt", ["TensorrtExecutionProvider", *cpu], False)[1] == [
        "TensorrtExecutionProvider",
        "CPUExecutionProvider",
    ]
    assert choose_providers("auto", everything, False)[0] == "tensorrt"
    assert choose_providers("auto", ["CUDAExecutionProvider", *cpu], False)[0] == "cuda"
    assert choose_providers("auto", ["AzureExecutionProvider", *cpu], False) == ("cpu", cpu)
    with pytest.raises(
        ConfigError, match=r"'cuda'.*not available.*installed: CPUExecutionProvider"
    ):
        choose_providers("cuda", cpu, False)
    assert choose_providers("cuda", cpu, True) == ("cpu", cpu)


def _installed() -> list[str]:
    import onnxruntime as ort

    return list(ort.get_available_providers())


@pytest.mark.skipif(
    "CUDAExecutionProvider" in _installed(), reason="this onnxruntime has CUDA: nothing to refuse"
)
def test_a_missing_provider_is_refused_or_falls_back_as_the_card_says(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ConfigError) as exc:
        Detector(DEFAULT_CARD, provider="cuda")  # settings vision.provider
    assert "CUDAExecutionProvider" in str(exc.value) and "CPUExecutionProvider" in str(exc.value)
    card = yaml.safe_load(DEFAULT_CARD.read_text())
    card["onnx"] = str(DEFAULT_CARD.parent / card["onnx"])
    if card.get("attributes"):
        card["attributes"]["onnx"] = str(DEFAULT_CARD.parent / card["attributes"]["onnx"])
    card["runtime"] = {"provider": "cuda", "fallback_to_cpu": True}
    path = tmp_path / "fallback.yaml"
    path.write_text(yaml.safe_dump(card))
    with caplog.at_level(logging.WARNING, logger="vision.detectors.runtime_onnx"):
        det = Detector(path)
    assert det.runtime.name == "onnxruntime/cpu"
    assert any("not available" in r.getMessage() for r in caplog.records)
    img = np.full((240, 320, 3), 90, np.uint8)
    assert det.detect(img) == Detector(DEFAULT_CARD).detect(img)


def test_an_unknown_provider_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="provider"):
        Detector(DEFAULT_CARD, provider="tpu")
    # a runtime without a choice of provider refuses one rather than ignoring it
    with pytest.raises(ConfigError, match="provider"):
        Detector(_toy_card(tmp_path), provider="cuda")


def test_settings_provider_reaches_the_runtime(tmp_path: Path) -> None:
    """`vision.provider` (BK_VISION__PROVIDER) goes through the service to the runtime."""
    from vision.service import VisionService
    from vision.settings import VisionSection, VisionSettings

    def service(provider: str) -> VisionService:
        section = VisionSection(provider=provider, evidence_dir=tmp_path / "ev")
        return VisionService(VisionSettings(vision=section))

    assert service("cpu").pipeline.detector.runtime.name == "onnxruntime/cpu"
    with pytest.raises(ConfigError, match="provider"):
        service("tpu")
