"""Which frame topics a vision worker subscribes to, by settings (no broker needed)."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from core.errors import ConfigError
from core.partition import camera_key, owner, owns
from core.topics import frame_topic
from rules import partition as rules_partition
from vision.service import VisionService, frame_subscriptions, known_cameras
from vision.settings import VisionSection, VisionSettings

CAMERAS = [f"site{s}/cam{c}" for s in range(5) for c in range(4)]


def test_rules_partition_is_the_core_one() -> None:
    assert rules_partition.owner is owner and rules_partition.owns is owns


def test_owner_is_stable_crc32() -> None:
    # Fixed values: a change of hash would move every camera and site at once.
    assert owner("site-a", 4) == 411631313 % 4 == 1
    assert owner("site-a/cam1", 4) == 3685304062 % 4 == 2
    assert all(owns(k, 0, 1) for k in CAMERAS)


def test_known_cameras_split_exactly_once_over_workers() -> None:
    subs = [
        frame_subscriptions(VisionSection(worker_index=i, workers=3, known_cameras=CAMERAS))
        for i in range(3)
    ]
    flat = [t for s in subs for t in s]
    assert sorted(flat) == sorted(frame_topic(*c.split("/")) for c in CAMERAS)
    assert all(subs), "20 cameras over 3 workers: each owns some"
    for i, s in enumerate(subs):
        for topic in s:
            site, cam = topic.split("/")[2:4]
            assert owner(camera_key(site, cam), 3) == i


def test_unknown_cameras_wildcard_or_shared_group() -> None:
    assert frame_subscriptions(VisionSection(workers=2, worker_index=1)) == ["bk/v1/+/+/frame"]
    assert frame_subscriptions(VisionSection(group="g")) == ["$share/g/bk/v1/+/+/frame"]


def test_registry_cameras_are_known(tmp_path: Path) -> None:
    reg = tmp_path / "registry.yaml"
    reg.write_text(
        "sites:\n  s1:\n    devices:\n      cam1: {kind: camera}\n      t1: {kind: sensor}\n"
    )
    cfg = VisionSection(registry_file=reg, known_cameras=["s2/cam9"])
    assert known_cameras(cfg) == [("s1", "cam1"), ("s2", "cam9")]
    assert frame_subscriptions(cfg) == ["bk/v1/s1/cam1/frame", "bk/v1/s2/cam9/frame"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"worker_index": 2, "workers": 2},
        {"known_cameras": ["cam1"]},
        {"known_cameras": ["s1/+"]},
        {"known_cameras": ["s1/a/b"]},
    ],
)
def test_bad_partition_settings_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        VisionSection.model_validate(kwargs)


def test_missing_registry_is_a_config_error_before_connecting(tmp_path: Path) -> None:
    """`bk vision run` reports it (exit 2) instead of a traceback after connecting."""
    settings = VisionSettings(
        vision=VisionSection(workers=2, registry_file=tmp_path / "missing.yaml")
    )
    with pytest.raises(ConfigError, match=r"missing\.yaml"):
        VisionService(settings)
