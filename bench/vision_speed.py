"""Vision speed: ms per frame per stage and frames/s, 1 and 2 threads, beside YOLOv8n.

Usage: .venv/bin/python bench/vision_speed.py [--frames 60] [--card CARD ...]
The peer is YOLOv8n (bench/yolov8n.py, random weights, needs torch to export) at the
same input width x height (the first card's; rounded down to YOLOv8n's multiples of 32
where it is not one, so the peer gets fewer pixels), run through the same runtime (letterbox,
onnxruntime, OpenCV NMS), as float32 and as int8 (quantised by `bk vision quantize`'s
own code, calibrated on the bench's frames): an int8 model of ours is compared with
both, so the int8 speed-up is not counted as the architecture's. `heads` is the card's
second look at every head (`vision/attributes.py`), part of our frames/s. The machine is shared:
figures vary with the load of the moment.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulators.scenes import SceneSpec, render_scene
from vision.card import (
    DEFAULT_CARD,
    InputSpec,
    ModelCard,
    OutputSpec,
    Thresholds,
    load_card,
    write_card,
)
from vision.detector import Detector


def frames(n: int) -> list[bytes]:
    out = []
    for i in range(n):
        img, _ = render_scene(SceneSpec(), np.random.default_rng(1000 + i))
        out.append(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes())
    return out


def measure(card: Path, jpegs: list[bytes], threads: int) -> dict[str, float]:
    det = Detector(card, threads=threads)
    for j in jpegs[:5]:
        det.detect(np.asarray(cv2.imdecode(np.frombuffer(j, np.uint8), cv2.IMREAD_COLOR)))
    det.times.__init__()  # type: ignore[misc]
    dec = 0.0
    t0 = time.perf_counter()
    for j in jpegs:
        a = time.perf_counter()
        img = np.asarray(cv2.imdecode(np.frombuffer(j, np.uint8), cv2.IMREAD_COLOR))
        dec += time.perf_counter() - a
        det.detect(img)
    total = time.perf_counter() - t0
    n = len(jpegs)
    return {
        "decode": 1000 * dec / n,
        "pre": 1000 * det.times.preprocess / n,
        "infer": 1000 * det.times.inference / n,
        "post": 1000 * det.times.postprocess / n,
        "heads": 1000 * det.times.extra.get("attributes", 0.0) / n,
        "fps": n / total,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument(
        "--card",
        type=Path,
        action="append",
        default=None,
        help="Our model card(s) to measure (default: the shipped one); repeatable",
    )
    args = ap.parse_args()
    cards: list[Path] = args.card or [DEFAULT_CARD]
    ours, _ = load_card(cards[0])
    width, height = ours.input.width, ours.input.height
    # YOLOv8n's strides need multiples of 32: a size of ours between them gives the
    # peer the one below, fewer pixels than ours, so the ratio can only be understated
    peer_w, peer_h = max(32, width - width % 32), max(32, height - height % 32)
    jpegs = frames(args.frames)
    loaded = {c: load_card(c)[0] for c in cards}
    ours_rows = [("ours " + loaded[c].label, c) for c in cards]
    # a card at another input than the first is timed, but a ratio to a peer at the
    # first card's input would not be like against like
    comparable = {name for name, c in ours_rows if loaded[c].input == ours.input}
    rows = list(ours_rows)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from yolov8n import export  # type: ignore[import-not-found]

            params = export(str(Path(tmp) / "yolov8n.onnx"), peer_w, peer_h, len(ours.classes))
            card = ModelCard(
                name="yolov8n-random",
                version="0",
                onnx="yolov8n.onnx",
                input=InputSpec(width=peer_w, height=peer_h, channels="RGB", divide_by=255.0),
                output=OutputSpec(format="yolov8"),
                classes=ours.classes,
                thresholds=Thresholds(score=0.3),
            )
            write_card(card, Path(tmp) / "yolov8n.yaml")
            rows.append(
                (f"YOLOv8n ({params / 1e6:.2f} M fused params)", Path(tmp) / "yolov8n.yaml")
            )
            from vision.train.quantize import quantize_card

            calib = Path(tmp) / "frames"
            calib.mkdir()
            for i, j in enumerate(jpegs):
                (calib / f"{i:04d}.jpg").write_bytes(j)
            int8 = Path(tmp) / "yolov8n-int8.yaml"
            quantize_card(Path(tmp) / "yolov8n.yaml", calib, int8, frames=len(jpegs))
            rows.append(("YOLOv8n int8 (bk vision quantize)", int8))
        except ImportError as exc:
            print(f"peer (or its int8 copy) skipped: {exc} (install the train extra)")
        same = (peer_w, peer_h) == (width, height)
        sizes = "ours and the peer" if same else f"ours; the peer {peer_w}x{peer_h}, its 32s"
        print(f"input {width}x{height} ({sizes}), {args.frames} frames 320x240 JPEG; ms per frame")
        print(f"{'model':42s} thr  decode  pre    infer  post   heads  frames/s")
        fps: dict[tuple[str, int], float] = {}
        for name, card_path in rows:
            for threads in (1, 2):
                r = measure(card_path, jpegs, threads)
                fps[(name, threads)] = r["fps"]
                print(
                    f"{name:42s} {threads}   {r['decode']:5.2f}  {r['pre']:5.2f}  "
                    f"{r['infer']:5.2f}  "
                    f"{r['post']:5.2f}  {r['heads']:5.2f}  {r['fps']:7.1f}"
                )
        for peer, _peer_card in rows[len(ours_rows) :]:
            short = peer.split(" (")[0]
            for name, card_path in ours_rows:
                if name not in comparable:
                    size = loaded[card_path].input
                    print(f"{name}: input {size.width}x{size.height}, no ratio to {short}")
                    continue
                for threads in (1, 2):
                    ratio = fps[(name, threads)] / fps[(peer, threads)]
                    print(
                        f"{threads} thread(s): {name} / {short} frames/s = {ratio:.2f}x "
                        "(target >= 3x at one thread)"
                    )


if __name__ == "__main__":
    main()
