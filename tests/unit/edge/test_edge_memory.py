"""What keeps the agent small: no OpenCV without a camera, malloc's mmap threshold pinned."""

import json
import platform
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from edge.memory import pin_mmap_threshold

PROBE = """
import json, sys
from edge.agent import EdgeAgent
from edge.config import load_edge_settings
agent = EdgeAgent(load_edge_settings(sys.argv[1]))
print(json.dumps({m: m in sys.modules for m in ("cv2", "numpy")}))
"""


def _config(tmp_path: Path, cameras: list[dict[str, object]]) -> Path:
    (tmp_path / "w1" / "28-000000000001").mkdir(parents=True)
    path = tmp_path / "agent.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "mqtt": {"host": "127.0.0.1", "port": 1},
                "agent": {
                    "site": "k1",
                    "device": "edge1",
                    "state_dir": str(tmp_path / "state"),
                    "remote_config": False,
                    "sensors": [{"type": "onewire", "id": "probe1", "root": str(tmp_path / "w1")}],
                    "cameras": cameras,
                },
            }
        )
    )
    return path


def _imported(config: Path) -> dict[str, bool]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(config)], capture_output=True, text=True, check=True
    )
    loaded: dict[str, bool] = json.loads(out.stdout)
    return loaded


def test_a_camera_less_agent_never_loads_opencv_or_numpy(tmp_path: Path) -> None:
    assert _imported(_config(tmp_path, [])) == {"cv2": False, "numpy": False}


def test_an_agent_with_a_camera_loads_opencv(tmp_path: Path) -> None:
    video = tmp_path / "kitchen.avi"
    video.write_bytes(b"")  # opened only by start(); building the agent loads the pipeline
    cams: list[dict[str, object]] = [{"type": "opencv", "id": "cam1", "source": str(video)}]
    assert _imported(_config(tmp_path, cams)) == {"cv2": True, "numpy": True}


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt() is glibc's")
def test_the_mmap_threshold_can_be_pinned_on_glibc() -> None:
    assert pin_mmap_threshold() is True
