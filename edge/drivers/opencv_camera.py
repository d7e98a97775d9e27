"""Cameras through OpenCV's VideoCapture: RTSP streams, USB devices or video files.

    type: opencv
    id: cam1
    source: rtsp://user:pass@192.168.1.64:554/Streams/101   # or 0 (USB), or a file path
    loop: true          # files only: start again at the end

A live source keeps producing frames whether we want them or not, and letting them
queue inside the decoder means every frame we take is seconds old. For streams and
devices a reader thread therefore `grab()`s continuously (cheap: no decode) and
`retrieve()`s only the frame the agent asks for. A file is read on demand.
A stream that fails is reopened with a growing pause, never spun on.
"""

import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

import cv2
import numpy as np
from pydantic import Field

from core.errors import ConfigError
from edge.drivers.base import CameraDriver, DriverConfig, Image

logger = logging.getLogger(__name__)


class OpenCvConfig(DriverConfig):
    type: Literal["opencv"] = "opencv"
    source: str | int = Field(
        default="0", description="RTSP/HTTP URL, USB device index (0, 1...) or video file path"
    )
    loop: bool = Field(default=False, description="Video files: start again at the end")
    reopen_max_s: float = Field(
        default=30.0, gt=0, le=3600, description="Longest pause between reopen attempts"
    )


def _is_live(source: str | int) -> bool:
    if isinstance(source, int) or str(source).isdigit():
        return True
    return "://" in str(source)


class OpenCvCamera(CameraDriver):
    """One VideoCapture; `grab(now)` returns the newest frame or None."""

    type_key: ClassVar[str] = "opencv"
    config_model: ClassVar[type[DriverConfig]] = OpenCvConfig

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        if not isinstance(config, OpenCvConfig):
            raise ConfigError(f"opencv driver got a {type(config).__name__}")
        self.cfg = config
        self.live = _is_live(config.source)
        self._cap: Any = None
        self._lock = threading.Lock()
        self._fresh = False
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None
        self._reopen_delay = 0.5
        self.frames_read = 0

    def _source(self) -> str | int:
        src = self.cfg.source
        return int(src) if isinstance(src, str) and src.isdigit() else src

    def _open_capture(self) -> bool:
        cap = cv2.VideoCapture(self._source())
        if not cap.isOpened():
            cap.release()
            return False
        self._cap = cap
        return True

    def open(self) -> None:
        src = self._source()
        if isinstance(src, str) and not self.live and not Path(src).exists():
            raise ConfigError(f"camera {self.config.id}: video file {src} does not exist")
        if not self._open_capture():
            if not self.live:
                raise ConfigError(f"camera {self.config.id}: OpenCV cannot open {src}")
            logger.warning("camera %s: cannot open %s yet; will retry", self.config.id, src)
        if self.live:
            self._reader = threading.Thread(
                target=self._read_loop, name=f"capture-{self.config.id}", daemon=True
            )
            self._reader.start()

    def _read_loop(self) -> None:
        while not self._stop.is_set():
            if self._cap is None and not self._reopen():
                continue
            with self._lock:
                ok = self._cap is not None and self._cap.grab()
                if ok:
                    self._fresh = True
            if not ok:
                logger.warning("camera %s: stream lost; reopening", self.config.id)
                with self._lock:
                    if self._cap is not None:
                        self._cap.release()
                    self._cap = None

    def _reopen(self) -> bool:
        self._stop.wait(self._reopen_delay)
        self._reopen_delay = min(self._reopen_delay * 2, self.cfg.reopen_max_s)
        with self._lock:
            ok = self._open_capture()
        if ok:
            self._reopen_delay = 0.5
            logger.info("camera %s: stream (re)opened", self.config.id)
        return ok

    def grab(self, now: datetime) -> Image | None:
        if self.live:
            with self._lock:
                if self._cap is None or not self._fresh:
                    return None
                self._fresh = False
                ok, frame = self._cap.retrieve()
            return self._accept(ok, frame)
        if self._cap is None:
            return None
        ok, frame = self._cap.read()
        if not ok and self.cfg.loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
        return self._accept(ok, frame)

    def _accept(self, ok: bool, frame: Any) -> Image | None:
        if not ok or frame is None:
            return None
        self.frames_read += 1
        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        return np.ascontiguousarray(frame, dtype=np.uint8)

    def close(self) -> None:
        self._stop.set()
        if self._reader is not None:
            self._reader.join(timeout=5)
        with self._lock:
            if self._cap is not None:
                self._cap.release()
            self._cap = None
