"""Frame numbers keep increasing across agent restarts (consumers spot gaps by seq)."""

import time
from pathlib import Path

import yaml

from edge.agent import EdgeAgent
from edge.config import load_edge_settings


def test_a_restarted_agent_numbers_frames_after_the_previous_run(tmp_path: Path) -> None:
    video = tmp_path / "kitchen.avi"
    video.write_bytes(b"")  # building the agent does not open the camera
    path = tmp_path / "agent.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "mqtt": {"host": "127.0.0.1", "port": 1},
                "agent": {
                    "site": "k1",
                    "device": "edge1",
                    "state_dir": str(tmp_path / "state"),
                    "cameras": [{"type": "opencv", "id": "cam1", "source": str(video)}],
                },
            }
        )
    )
    first = EdgeAgent(load_edge_settings(path))
    first.cameras["cam1"].seq += 5  # the first run sent 5 frames (in 5 ms or more)
    last_sent = first.cameras["cam1"].seq
    first.buffer.close()
    time.sleep(0.01)
    second = EdgeAgent(load_edge_settings(path))
    assert second.cameras["cam1"].seq > last_sent
    second.buffer.close()
