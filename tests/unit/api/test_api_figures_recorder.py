"""Recording gaps count against a camera's online time: the figures read the recorder's
index (api.recordings reader) and take the lesser of status time and recorded time."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from api.onlinetime import KitchenDevice, StatusPoint, device_times, working_intervals
from api.recordings import RecordingReader
from api.routers.figures import recorded_seconds
from api.settings import RecordingsSection
from recorder.index import RecordingIndex

MON = datetime(2026, 11, 1, 16, tzinfo=UTC)  # Monday 2 November 00:00 in Shanghai
H = timedelta(hours=1)
HOURS = [{"days": [1, 2, 3, 4, 5], "start": "06:00", "end": "14:00"}]


def _ms(t: datetime) -> int:
    return round(t.timestamp() * 1000)


def test_recorded_time_caps_a_camera_whose_agent_is_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/index.sqlite"
    index = RecordingIndex(url)
    # cam1 recorded 06:00–08:00 and 12:00–13:00 local (3 of 8 working hours), plus the
    # night (which earns nothing); cam2 never recorded.
    for lo, hi in ((6, 8), (12, 13), (20, 23)):
        seg = index.open_segment("a", "cam1", "live", f"a/cam1/{lo}.mkv", _ms(MON + lo * H), 0)
        index.update_segments([(seg, _ms(MON + hi * H), 100, 1000, "closed")])
    index.close()
    reader = RecordingReader(
        RecordingsSection(database_url=url, video_dir=tmp_path, clips_dir=tmp_path / "clips")
    )
    try:
        recorded = recorded_seconds(reader)
        assert recorded is not None
        work = working_intervals(HOURS, "Asia/Shanghai", MON, MON + 24 * H)
        assert recorded("a", "cam1", work) == 3 * 3600
        devices = [
            KitchenDevice("cam1", "camera"),
            KitchenDevice("cam2", "camera"),
            KitchenDevice("fridge1", "sensor"),
        ]
        agent_up = {"agent": [StatusPoint(MON - H, True)]}
        times = device_times("a", devices, agent_up, work, MON, MON + 24 * H, recorded)
        assert {t.device: t.online_s for t in times} == {
            "cam1": 3 * 3600,  # the lesser of 8 h (agent up) and 3 h (recorded)
            "cam2": 0.0,  # up by status, never recorded: dark
            "fridge1": 8 * 3600,  # sensors are not recorded
        }
    finally:
        reader.close()


def test_without_a_recorder_index_cameras_count_their_status_time(tmp_path: Path) -> None:
    reader = RecordingReader(
        RecordingsSection(
            database_url=f"sqlite:///{tmp_path}/none.sqlite",
            video_dir=tmp_path,
            clips_dir=tmp_path,
        )
    )
    assert recorded_seconds(reader) is None
    assert recorded_seconds(None) is None
    assert not (tmp_path / "none.sqlite").exists()  # the API never creates the index
