"""Retention deletes exactly what is older than its kitchen's retention; the disk watch alerts."""

import json
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from recorder.index import RecordingIndex
from recorder.retention import DAY_MS, DiskWatch, apply_retention
from recorder.settings import RecorderSection

NOW = 1_790_000_000_000


def _segment(index: RecordingIndex, video: Path, site: str, end_ms: int) -> int:
    rel = f"{site}/cam1/{end_ms}.mkv"
    (video / rel).parent.mkdir(parents=True, exist_ok=True)
    (video / rel).write_bytes(b"x" * 10)
    seg = index.open_segment(site, "cam1", "live", rel, end_ms - 60_000, end_ms)
    index.update_segments([(seg, end_ms, 120, 10, "closed")])
    return seg


def test_retention_deletes_exactly_what_is_older(index: RecordingIndex, tmp_path: Path) -> None:
    video = tmp_path / "video"
    days = {"school": 8.0, "central": 30.0}
    ends = {
        # (site, age of the last frame): kept?
        ("school", 8 * DAY_MS + 1): False,
        ("school", 8 * DAY_MS): True,  # exactly at the limit: not older, kept
        ("school", 8 * DAY_MS - 1): True,
        ("school", 1_000): True,
        ("central", 29 * DAY_MS): True,
        ("central", 30 * DAY_MS + 1): False,
        ("central", 9 * DAY_MS): True,
    }
    ids = {key: _segment(index, video, key[0], NOW - key[1]) for key in ends}
    open_old = index.open_segment("school", "cam1", "live", "school/cam1/open.mkv", 0, 0)

    deleted = apply_retention(index, video, NOW, lambda site: days[site], min_days=7)

    assert {s.id for s in deleted} == {ids[k] for k, kept in ends.items() if not kept}
    left = {s.id for s in index.segments()}
    assert left == {ids[k] for k, kept in ends.items() if kept} | {open_old}
    for seg in deleted:
        assert not (video / seg.path).exists()
    for seg in index.segments(state="closed"):
        assert (video / seg.path).exists()


def test_disk_watch_alerts_when_the_quota_cannot_hold_the_retention(tmp_path: Path) -> None:
    t = [0.0]
    out = tmp_path / "hook.json"
    hook = [
        sys.executable,
        "-c",
        "import json, os; print(json.dumps({k: v for k, v in os.environ.items() "
        f"if k.startswith('BK_DISK_')}}), file=open({str(out)!r}, 'a'))",
    ]
    watch = DiskWatch(
        tmp_path, 8.0, quota_bytes=10_000_000, window_s=3600, command=hook, clock=lambda: t[0]
    )
    assert watch.check(0, 0) is None  # no rate yet
    t[0] = 60.0
    state = watch.check(600, 600)  # 10 B/s → 864 kB/day → 6.9 MB for 8 days
    assert state is not None and not state.short
    t[0] = 120.0
    state = watch.check(600 + 60 * 20, 1800)  # 15 B/s over 120 s → 10.4 MB > quota
    assert state is not None and state.short
    assert state.needed_bytes == (15 * 86_400 * 8)
    assert state.days_available == pytest.approx(10_000_000 / (15 * 86_400))
    calls = [json.loads(line) for line in out.read_text().splitlines()]
    assert [c["BK_DISK_STATE"] for c in calls] == ["ok", "short"]
    assert calls[-1]["BK_DISK_NEEDED_BYTES"] == str(state.needed_bytes)


def test_settings_refuse_less_than_seven_days() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 7"):
        RecorderSection(retention_days=3)
    with pytest.raises(ValidationError, match="at least 7"):
        RecorderSection.model_validate({"retention_by_category": {"restaurant": 5}})
    with pytest.raises(ValidationError, match="worker_index"):
        RecorderSection(worker_index=2, workers=2)
    ok = RecorderSection.model_validate({"retention_by_category": {"central_kitchen": 30}})
    assert ok.retention_days == 8.0


def test_service_retention_follows_each_kitchens_category(tmp_path: Path) -> None:
    from recorder.service import RecorderService
    from recorder.settings import RecorderSettings

    settings = RecorderSettings(
        recorder=RecorderSection.model_validate(
            {
                "video_dir": tmp_path / "video",
                "clips_dir": tmp_path / "clips",
                "database_url": f"sqlite:///{tmp_path / 'index.sqlite'}",
                "site_categories": {"central": "central_kitchen"},
                "retention_by_category": {"central_kitchen": 30},
            }
        )
    )
    service = RecorderService(settings, clock_ms=lambda: NOW)  # never connected
    assert service.retention_days("central") == 30
    assert service.retention_days("school") == 8
    old = NOW - 10 * DAY_MS
    keep = _segment(service.index, tmp_path / "video", "central", old)
    gone = _segment(service.index, tmp_path / "video", "school", old)
    assert service.retention() == 1
    assert [s.id for s in service.index.segments()] == [keep]
    assert gone != keep
    service.index.close()
    service.playback.close()
