"""Decoders, letterbox and the card, without the trained model."""

import cv2
import numpy as np
import pytest

from core.errors import PayloadError
from vision.card import Thresholds
from vision.decode import decode_grid, decode_yolov8, nms
from vision.letterbox import letterbox, letterbox_tensor
from vision.pipeline import decode_jpeg

CLASSES = ["no_hat", "no_mask", "rodent"]


def test_yolov8_tensor_built_by_hand_decodes_to_expected_boxes() -> None:
    out = np.zeros((1, 4 + 3, 6), np.float32)
    # anchor 0: rodent at (100, 50) 20x10, score 0.9; anchor 1: overlapping weaker rodent
    out[0, :4, 0] = [100, 50, 20, 10]
    out[0, 4 + 2, 0] = 0.9
    out[0, :4, 1] = [101, 50, 20, 10]
    out[0, 4 + 2, 1] = 0.6
    # anchor 2: no_hat at (30, 40) 10x12, score 0.8; anchor 3 below threshold
    out[0, :4, 2] = [30, 40, 10, 12]
    out[0, 4 + 0, 2] = 0.8
    out[0, :4, 3] = [200, 200, 10, 10]
    out[0, 4 + 1, 3] = 0.1
    th = Thresholds(score=0.3, nms_iou=0.45)
    kept = nms(decode_yolov8(out, CLASSES, th), th)
    got = sorted(zip(kept.class_ids.tolist(), kept.boxes.round(3).tolist(), strict=True))
    assert got == [(0, [25.0, 34.0, 35.0, 46.0]), (2, [90.0, 45.0, 110.0, 55.0])]
    # the transposed layout (1, anchors, 4+C) decodes the same
    kept_t = nms(decode_yolov8(out.transpose(0, 2, 1), CLASSES, th), th)
    assert np.allclose(np.sort(kept_t.boxes, 0), np.sort(kept.boxes, 0))


def test_per_class_thresholds_apply() -> None:
    out = np.zeros((1, 7, 2), np.float32)
    out[0, :4, 0] = [10, 10, 4, 4]
    out[0, 4, 0] = 0.5
    out[0, :4, 1] = [50, 50, 4, 4]
    out[0, 6, 1] = 0.5
    th = Thresholds(score=0.3, per_class={"no_hat": 0.6})
    raw = decode_yolov8(out, CLASSES, th)
    assert raw.class_ids.tolist() == [2]


def test_extend_track_lowers_a_class_floor_only() -> None:
    out = np.zeros((1, 7, 2), np.float32)
    out[0, :4, 0] = [10, 10, 4, 4]
    out[0, 4, 0] = 0.35  # no_hat, below every threshold
    out[0, :4, 1] = [50, 50, 4, 4]
    out[0, 6, 1] = 0.35  # rodent, below its threshold, above its extend_track score
    th = Thresholds(score=0.3, per_class={"no_hat": 0.5, "rodent": 0.5})
    assert decode_yolov8(out, CLASSES, th).class_ids.tolist() == []
    low = Thresholds(
        score=0.3, per_class={"no_hat": 0.5, "rodent": 0.5}, extend_track={"rodent": 0.3}
    )
    assert decode_yolov8(out, CLASSES, low).class_ids.tolist() == [2]
    assert (low.for_class("rodent"), low.floor_for("rodent"), low.floor_for("no_hat")) == (
        0.5,
        0.3,
        0.5,
    )
    with pytest.raises(ValueError, match="between 0 and 1"):
        Thresholds(extend_track={"rodent": 1.2})


def test_grid_decoding() -> None:
    out = np.zeros((1, 7, 4, 4), np.float32)
    out[0, 1, 2, 3] = 0.7  # no_mask at cell (x=3, y=2)
    out[0, 3:5, 2, 3] = [0.5, 0.25]
    out[0, 5:7, 2, 3] = [16, 8]
    raw = decode_grid(out, CLASSES, Thresholds(score=0.3), stride=8)
    assert raw.class_ids.tolist() == [1]
    assert raw.boxes[0].tolist() == [20.0, 14.0, 36.0, 22.0]


def test_letterbox_maps_back_exactly() -> None:
    for w, h, iw, ih in [
        (320, 240, 256, 256),
        (640, 480, 320, 320),
        (1920, 1080, 256, 256),
        (100, 300, 256, 256),
    ]:
        img = np.zeros((h, w, 3), np.uint8)
        canvas, lb = letterbox(img, iw, ih)
        assert canvas.shape == (ih, iw, 3)
        boxes = np.array([[0, 0, w, h], [10.5, 20.25, 70.75, 90.0]], np.float64)
        back = lb.to_original(lb.to_input(boxes))
        assert np.allclose(back, boxes, atol=1e-9)


def test_letterbox_tensor_is_the_letterbox_as_model_input() -> None:
    rng = np.random.default_rng(3)
    for w, h, iw, ih in [(320, 240, 256, 256), (1920, 1080, 256, 256), (100, 300, 256, 256)]:
        img = cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), (5, 5), 2)
        canvas, lb = letterbox(img, iw, ih)
        x, lb2 = letterbox_tensor(img, iw, ih)
        assert lb2 == lb and x.shape == (1, 3, ih, iw) and x.dtype == np.float32
        # the same picture but for uint8 rounding
        assert np.abs(x[0] - canvas.transpose(2, 0, 1)).max() <= 0.5 + 1e-3
        rgb, _ = letterbox_tensor(img, iw, ih, pad_value=0, rgb=True)
        nw, nh = round(w * lb.scale), round(h * lb.scale)
        inside = (slice(None), slice(lb.pad_y, lb.pad_y + nh), slice(lb.pad_x, lb.pad_x + nw))
        assert np.array_equal(rgb[0, ::-1][inside], x[0][inside])
        # the card's pad value fills the border (the uint8 path always pads 114)
        border = np.ones((ih, iw), bool)
        border[inside[1:]] = False
        assert border.any()
        assert float(np.abs(rgb[0][:, border]).max()) == 0.0
        assert np.all(x[0][:, border] == 114.0)


def test_decode_jpeg_refuses_a_frame_claiming_a_huge_picture_before_decoding() -> None:
    """A few kilobytes whose header claims 60000 x 60000 would decode into 10 GB."""
    ok, buf = cv2.imencode(".jpg", np.full((48, 64, 3), 200, np.uint8))
    assert ok
    small = buf.tobytes()
    at = small.index(b"\xff\xc0") + 5
    bomb = small[:at] + (60000).to_bytes(2, "big") * 2 + small[at + 4 :]
    with pytest.raises(PayloadError) as info:
        decode_jpeg(bomb)
    assert info.value.reason == "too_large"
    with pytest.raises(PayloadError) as info:
        decode_jpeg(b"\xff\xd8\xff\xe0 no picture here")
    assert info.value.reason == "not_jpeg"
    assert decode_jpeg(small).shape == (48, 64, 3)
