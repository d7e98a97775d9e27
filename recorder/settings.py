"""Settings of the recorder: the shared tree plus a `recorder:` section (`BK_RECORDER__...`)."""

from pathlib import Path

from pydantic import Field, model_validator

from core.ids import Id
from core.registry import SiteCategory
from core.settings import CameraWorkerSection, Settings, host_instance

MIN_RETENTION_DAYS = 7.0
"""SAMR's 明厨亮灶 guidance keeps kitchen video at least 7 days: no setting goes below."""


class RecorderSection(CameraWorkerSection):
    """What `bk recorder run` needs besides the broker."""

    instance: Id = Field(
        default_factory=lambda: host_instance("recorder"), description="Unique per worker copy"
    )
    group: Id = Field(
        default="recorder",
        description="Shared-subscription group of a lone worker with unnamed cameras",
    )
    registry_file: Path | None = Field(
        default=None,
        description="Site registry (YAML): its cameras are known cameras and its kitchens' "
        "categories choose their retention",
    )
    video_dir: Path = Field(
        default=Path("var/recorder/video"),
        description="Segment files, as <site>/<camera>/<YYYYMMDD>/<start>-<kind>.mkv",
    )
    clips_dir: Path = Field(
        default=Path("var/recorder/clips"),
        description="Evidence clips (<sha256>.mkv) and their hash chain; never touched by "
        "retention",
    )
    database_url: str = Field(
        default="sqlite:///var/recorder/index.sqlite",
        description="SQLAlchemy URL of the index (segments, clips); every worker shares it",
    )
    segment_s: float = Field(
        default=60.0, ge=1, le=3600, description="Length of a segment in source time"
    )
    max_gap_s: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="A camera silent longer than this (source time between two frames, or "
        "wall time with no frame) ends its segment: the silence is a gap in the index",
    )
    late_idle_s: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="A segment of late frames (after an edge outage) is closed after this "
        "long without another late frame",
    )
    cluster_ms: int = Field(
        default=1000,
        ge=100,
        le=10_000,
        description="Matroska cluster length: bounds what a crash of the recorder can lose",
    )
    retention_days: float = Field(
        default=8.0,
        ge=MIN_RETENTION_DAYS,
        description="Days of video kept (by age) for kitchens without a category override",
    )
    retention_by_category: dict[SiteCategory, float] = Field(
        default_factory=dict,
        description="Days of video kept per kitchen category (school_canteen, ...)",
    )
    site_categories: dict[Id, SiteCategory] = Field(
        default_factory=dict,
        description="Kitchen category per site (the registry file's categories are used too)",
    )
    retention_interval_s: float = Field(default=600.0, gt=0, description="How often retention runs")
    disk_quota_bytes: int | None = Field(
        default=None,
        gt=0,
        description="Space the video may take; absent: what the file system holds",
    )
    disk_check_interval_s: float = Field(
        default=60.0, gt=0, description="How often the disk watch compares need and space"
    )
    disk_rate_window_s: float = Field(
        default=3600.0,
        gt=0,
        description="The recording rate is measured over this much of the recent past",
    )
    disk_alert_command: list[str] | None = Field(
        default=None,
        description="Run (argv, no shell) when the disk state changes; the environment holds "
        "BK_DISK_STATE (short/ok), BK_DISK_NEEDED_BYTES, BK_DISK_AVAILABLE_BYTES, BK_DISK_DAYS",
    )
    clip_before_s: float = Field(default=30.0, ge=0, le=600, description="Clip: before the alert")
    clip_after_s: float = Field(default=60.0, ge=0, le=600, description="Clip: after the alert")
    clip_wait_s: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="Wall time waited past the clip's end for its frames before it is cut "
        "with what there is",
    )

    @model_validator(mode="after")
    def _checks(self) -> "RecorderSection":
        for category, days in self.retention_by_category.items():
            if days < MIN_RETENTION_DAYS:
                raise ValueError(
                    f"retention of {category.value} is {days} days: at least "
                    f"{MIN_RETENTION_DAYS:g} (明厨亮灶 video is kept 7 days)"
                )
        if self.max_gap_s > self.segment_s:
            raise ValueError("max_gap_s must not exceed segment_s")
        return self


class RecorderSettings(Settings):
    recorder: RecorderSection = Field(default_factory=RecorderSection)
