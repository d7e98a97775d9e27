"""1-wire over a sysfs-format tree, OpenCV camera over a real video file."""

from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import ConfigError
from core.schemas import SensorKind
from edge.drivers.base import load_camera_driver, load_sensor_driver
from edge.drivers.onewire import OneWireSensor, parse_w1_slave
from edge.drivers.opencv_camera import OpenCvCamera

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _probe(root: Path, serial: str, milli: int, crc_ok: bool = True) -> None:
    d = root / serial
    d.mkdir(parents=True, exist_ok=True)
    (d / "w1_slave").write_text(
        f"72 01 4b 46 7f ff 0e 10 57 : crc=57 {'YES' if crc_ok else 'NO'}\n"
        f"72 01 4b 46 7f ff 0e 10 57 t={milli}\n"
    )


def test_edge_w1_parse_good_bad_crc_and_power_on() -> None:
    assert parse_w1_slave("aa : crc=57 YES\naa t=-1250\n") == -1.25
    with pytest.raises(ValueError, match="CRC"):
        parse_w1_slave("aa : crc=57 NO\naa t=3000\n")
    with pytest.raises(ValueError, match="85"):
        parse_w1_slave("aa : crc=57 YES\naa t=85000\n")


def test_edge_onewire_reads_sysfs_tree(tmp_path: Path) -> None:
    _probe(tmp_path, "28-0316a2797cff", 3125)
    _probe(tmp_path, "28-0416b1f2aa01", -18500)
    (tmp_path / "w1_bus_master1").mkdir()  # not a probe: ignored
    driver = load_sensor_driver(
        {"type": "onewire", "id": "cold", "root": str(tmp_path), "zone": "cold_room"}
    )
    assert isinstance(driver, OneWireSensor)
    driver.open()
    samples = driver.read(NOW)
    assert [(s.sensor, s.value, s.kind, s.unit, s.ts, s.zone) for s in samples] == [
        ("cold-0316a2797cff", 3.125, SensorKind.TEMPERATURE, "degC", NOW, "cold_room"),
        ("cold-0416b1f2aa01", -18.5, SensorKind.TEMPERATURE, "degC", NOW, "cold_room"),
    ]


def test_edge_onewire_named_probes_and_failures(tmp_path: Path) -> None:
    _probe(tmp_path, "28-aaaa", 4000)
    _probe(tmp_path, "28-bbbb", 4000, crc_ok=False)
    driver = load_sensor_driver(
        {
            "type": "onewire",
            "id": "fr",
            "root": str(tmp_path),
            "probes": {"28-aaaa": "fridge_top", "28-bbbb": "fridge_bottom"},
        }
    )
    # One probe with a bad CRC: the good one still reads, the bad one is left out.
    assert [(s.sensor, s.value) for s in driver.read(NOW)] == [("fridge_top", 4.0)]
    _probe(tmp_path, "28-aaaa", 85000)
    with pytest.raises(OSError, match="every probe failed"):
        driver.read(NOW)
    missing = load_sensor_driver({"type": "onewire", "id": "x", "root": str(tmp_path / "no")})
    with pytest.raises(ConfigError):
        missing.open()


def _video(path: Path, frames: int = 12) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (320, 240))
    assert writer.isOpened()
    for i in range(frames):
        img = np.zeros((240, 320, 3), np.uint8)
        cv2.rectangle(img, (10 + i * 20, 50), (50 + i * 20, 120), (0, 255, 0), -1)
        writer.write(img)
    writer.release()
    return path


def test_edge_opencv_camera_reads_video_file_and_loops(tmp_path: Path) -> None:
    video = _video(tmp_path / "kitchen.avi")
    cam = load_camera_driver({"type": "opencv", "id": "cam1", "source": str(video)})
    assert isinstance(cam, OpenCvCamera)
    cam.open()
    frames = [cam.grab(NOW) for _ in range(12)]
    assert all(f is not None and f.shape == (240, 320, 3) for f in frames)
    assert frames[0] is not None and frames[5] is not None
    # The green box moved: frames differ where it was drawn.
    assert frames[0][80, 30, 1] > 200 and frames[5][80, 30, 1] < 50
    assert cam.grab(NOW) is None  # end of file, no loop
    cam.close()

    looping = load_camera_driver(
        {"type": "opencv", "id": "cam1", "source": str(video), "loop": True}
    )
    looping.open()
    assert all(looping.grab(NOW) is not None for _ in range(30))
    looping.close()


def test_edge_opencv_camera_missing_file_is_config_error(tmp_path: Path) -> None:
    cam = load_camera_driver({"type": "opencv", "id": "cam1", "source": str(tmp_path / "x.mp4")})
    with pytest.raises(ConfigError, match="does not exist"):
        cam.open()
