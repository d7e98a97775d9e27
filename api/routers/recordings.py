"""Recorded video of a kitchen's cameras: coverage with gaps, playback, download, alert clips.

Every route is about one kitchen (`{site}`, rule KITCHEN_READ: whoever may see the
kitchen). A camera must be one of the kitchen's cameras in the registry: any other name
answers 404, exactly as an unknown one, so another kitchen's cameras cannot be probed
through this one. The recorder's files are read through `recorder.playback.Playback`
(api/recordings.py opens it read only); while no recorder index exists, coverage is empty
and playback answers 404, never 500.

Times are ISO 8601 with a zone (or Unix seconds); the source (edge) clock, UTC.
"""

import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import chain
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from api.deps import SessionDep
from api.models import Device, Kitchen
from api.recordings import (
    RecordingReader,
    camera_online_seconds,
    check_clip,
    get_reader,
    intersect_spans,
    span_ms,
    working_intervals,
)
from api.scoping import NOT_FOUND, Access, rule
from core.ids import ID_PATTERN
from recorder.playback import MJPEG_CONTENT_TYPE, MP4_CONTENT_TYPE, encode_mp4
from recorder.segments import read_segment

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/kitchens/{site}", tags=["recordings"])

ReaderDep = Annotated[RecordingReader, Depends(get_reader)]
Camera = Annotated[str, Path(pattern=rf"^{ID_PATTERN}$", description="Camera id")]
AlertId = Annotated[str, Path(min_length=1, max_length=64, description="Alert id")]
Start = Annotated[datetime | None, Query(description="Window start (ISO 8601 with zone)")]
End = Annotated[datetime | None, Query(description="Window end (ISO 8601 with zone)")]

PLAYBACK_MAX = timedelta(minutes=15)
"""Longest playback window: an on-demand H.264 transcode costs CPU for every second asked."""
DOWNLOAD_MAX = timedelta(hours=1)
"""Longest download (JPEGs copied unchanged into one Matroska file, written then sent)."""
COVERAGE_MAX = timedelta(days=31)
DEFAULT_PLAY = timedelta(minutes=1)
MKV_CONTENT_TYPE = "video/x-matroska"

NOTHING = "这段时间没有录像 (nothing was recorded in this window)"
NO_CLIP = "这条告警没有录像片段 (this alert has no video clip)"


class RecordedSpan(BaseModel):
    start: datetime
    end: datetime


class RecordingGap(RecordedSpan):
    working_s: float = Field(description="Seconds of the gap inside the kitchen's working hours")
    in_working_hours: bool = Field(description="The camera was silent during working hours")


class CameraCoverage(BaseModel):
    """What one camera recorded in a window, and what it missed."""

    site: str
    camera: str
    start: datetime
    end: datetime
    recorder: bool = Field(description="False: no recorder index to read (nothing recorded)")
    spans: list[RecordedSpan]
    gaps: list[RecordingGap]
    working_hours: list[RecordedSpan] = Field(
        description="The kitchen's working hours inside the window (registry, its time zone)"
    )
    recorded_s: float
    working_s: float = Field(description="Working hours inside the window (registry), seconds")
    online_s: float = Field(description="Recorded seconds inside working hours")
    online_rate: float | None = Field(description="online_s / working_s (null: no working time)")


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _ms(value: datetime) -> int:
    return round(value.timestamp() * 1000)


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _aware(value: datetime | None, name: str) -> datetime | None:
    """The time as given, if it has a zone and lies in 2000–2100 (a sentence otherwise)."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{name} 需要时区，如 2026-12-02T08:00:00+08:00 ({name} needs a time zone)",
        )
    if not EARLIEST <= value <= LATEST:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{name} 须在 2000 年至 2100 年之间 ({name} must lie between 2000 and 2100)",
        )
    return value


def _window(start: datetime, end: datetime, limit: timedelta, what: str) -> None:
    if end <= start:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "结束时间须晚于开始时间 (end must be after start)",
        )
    if end - start > limit:
        minutes = round(limit.total_seconds() / 60)
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{what}时长最多 {minutes} 分钟，请缩短时间范围 "
            f"(a {'playback' if what == '回放' else 'download'} window is at most "
            f"{minutes} minutes: ask for a shorter one)",
        )


def _kitchen_camera(session: Session, site: str, camera: str) -> Kitchen:
    """The kitchen, if `camera` is one of its registered cameras; else 404."""
    device = session.scalar(
        select(Device).where(Device.site == site, Device.id == camera, Device.kind == "camera")
    )
    kitchen = session.get(Kitchen, site) if device is not None else None
    if kitchen is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return kitchen


def _play_window(
    reader: RecordingReader, site: str, camera: str, start: datetime | None, end: datetime | None
) -> tuple[datetime, datetime]:
    """The window asked for; a missing side is one minute from the other, and with
    neither, the camera's last recorded minute (what a "latest" button wants)."""
    if start is not None and end is not None:
        return start, end
    if start is not None:
        return start, start + DEFAULT_PLAY
    if end is not None:
        return end - DEFAULT_PLAY, end
    pb = reader.playback()
    last = pb.index.last_live_end(site, camera) if pb is not None else None
    if last is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOTHING)
    return _dt(last + 1) - DEFAULT_PLAY, _dt(last + 1)


def _streamed(chunks: Iterator[bytes], media_type: str, headers: dict[str, str]) -> Any:
    """Stream `chunks`, or 404 when there are none (the first is made before answering)."""
    first = next(chunks, None)
    if first is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOTHING)
    return StreamingResponse(chain([first], chunks), media_type=media_type, headers=headers)


_VIDEO: dict[int | str, dict[str, Any]] = {
    200: {"content": {MP4_CONTENT_TYPE: {}, MJPEG_CONTENT_TYPE: {}}, "description": "Video"},
    422: {"description": "Window too long, reversed or without a time zone"},
}


@router.get(
    "/cameras/{camera}/coverage",
    response_model=CameraCoverage,
    **rule(Access.KITCHEN_READ, {422: {"description": "Window reversed, too long or zoneless"}}),
)
def get_coverage(
    site: str,
    camera: Camera,
    session: SessionDep,
    reader: ReaderDep,
    start: Start = None,
    end: End = None,
) -> CameraCoverage:
    """Recorded spans and gaps of a camera (default: the last 24 h); gaps inside the
    kitchen's working hours are flagged and count against its online time."""
    end = _aware(end, "end") or datetime.now(UTC)
    start = _aware(start, "start") or end - timedelta(hours=24)
    if end <= start or end - start > COVERAGE_MAX:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "时间范围须为正且最多 31 天 (the window must be positive and at most 31 days)",
        )
    kitchen = _kitchen_camera(session, site, camera)
    pb = reader.playback()
    t0, t1 = _ms(start), _ms(end)
    covered: list[tuple[int, int]] = []
    missing: list[tuple[int, int]] = [(t0, t1)]
    if pb is not None:
        cov = pb.coverage(site, camera, t0, t1)
        covered, missing = cov.covered, cov.missing
    work = working_intervals(kitchen.working_hours, kitchen.timezone, start, end)
    online = camera_online_seconds(covered, kitchen.working_hours, kitchen.timezone, start, end)
    gaps = []
    for a, b in missing:
        in_work = span_ms(intersect_spans(work, [(a, b)])) / 1000
        gaps.append(
            RecordingGap(start=_dt(a), end=_dt(b), working_s=in_work, in_working_hours=in_work > 0)
        )
    return CameraCoverage(
        site=site,
        camera=camera,
        start=start,
        end=end,
        recorder=pb is not None,
        spans=[RecordedSpan(start=_dt(a), end=_dt(b)) for a, b in covered],
        gaps=gaps,
        working_hours=[RecordedSpan(start=_dt(a), end=_dt(b)) for a, b in work],
        recorded_s=span_ms(covered) / 1000,
        working_s=online.working_s,
        online_s=online.online_s,
        online_rate=online.online_s / online.working_s if online.working_s > 0 else None,
    )


@router.get(
    "/cameras/{camera}/playback",
    response_class=StreamingResponse,
    **rule(Access.KITCHEN_READ, _VIDEO),
)
def get_playback(
    site: str,
    camera: Camera,
    session: SessionDep,
    reader: ReaderDep,
    start: Start = None,
    end: End = None,
    format: Annotated[Literal["mp4", "mjpeg"], Query(description="mp4 (H.264) or mjpeg")] = "mp4",
) -> Any:
    """The window as a streamed MP4 (H.264, transcoded on demand) or MJPEG (the JPEGs as
    sent); at most 15 minutes. Without start and end: the camera's last recorded minute."""
    start, end = _aware(start, "start"), _aware(end, "end")
    _kitchen_camera(session, site, camera)
    start, end = _play_window(reader, site, camera, start, end)
    _window(start, end, PLAYBACK_MAX, "回放")
    pb = reader.playback()
    if pb is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOTHING)
    headers = {"Cache-Control": "private, no-store", "X-Accel-Buffering": "no"}
    if format == "mjpeg":
        return _streamed(pb.mjpeg(site, camera, start, end), MJPEG_CONTENT_TYPE, headers)
    return _streamed(pb.mp4(site, camera, start, end), MP4_CONTENT_TYPE, headers)


@router.get(
    "/cameras/{camera}/download",
    response_class=FileResponse,
    **rule(
        Access.KITCHEN_READ,
        {
            200: {"content": {MKV_CONTENT_TYPE: {}}, "description": "Matroska (MJPEG)"},
            422: {"description": "Window too long, reversed or without a time zone"},
        },
    ),
)
def get_download(
    site: str,
    camera: Camera,
    session: SessionDep,
    reader: ReaderDep,
    start: Start = None,
    end: End = None,
) -> FileResponse:
    """The window's frames, unchanged, in a Matroska file (attachment); at most an hour.
    Without start and end: the camera's last recorded minute."""
    start, end = _aware(start, "start"), _aware(end, "end")
    _kitchen_camera(session, site, camera)
    start, end = _play_window(reader, site, camera, start, end)
    _window(start, end, DOWNLOAD_MAX, "下载")
    pb = reader.playback()
    if pb is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOTHING)
    fd, name = tempfile.mkstemp(prefix="bk-download-", suffix=".mkv")
    os.close(fd)
    path = FsPath(name)
    try:
        frames = pb.mkv(site, camera, start, end, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if frames == 0:
        path.unlink(missing_ok=True)
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOTHING)
    stamp = start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return FileResponse(
        path,
        media_type=MKV_CONTENT_TYPE,
        filename=f"{site}-{camera}-{stamp}.mkv",
        headers={"Cache-Control": "private, no-store", "X-Frame-Count": str(frames)},
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


@router.get(
    "/alerts/{alert_id}/clip",
    response_class=FileResponse,
    **rule(
        Access.KITCHEN_READ,
        {
            200: {"content": {MKV_CONTENT_TYPE: {}, MP4_CONTENT_TYPE: {}}, "description": "Clip"},
            409: {"description": "The clip does not match its evidence-chain record"},
        },
    ),
)
def get_alert_clip(
    site: str,
    alert_id: AlertId,
    reader: ReaderDep,
    format: Annotated[
        Literal["mp4", "mkv"], Query(description="mkv (frozen evidence as is) or mp4 (H.264)")
    ] = "mkv",
) -> Any:
    """The alert's frozen evidence clip (30 s before to 60 s after it), checked against
    its evidence-chain record before it is served: 409 when it was altered."""
    pb = reader.playback()
    clip = pb.clip(alert_id) if pb is not None else None
    if pb is None or clip is None or clip.site != site or clip.sha256 is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_CLIP)
    path = pb.clip_path(alert_id)
    if path is None or pb.clips is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_CLIP)
    check = check_clip(pb.clips.root, clip.sha256, clip.site, clip.camera, path)
    if not check.ok:
        logger.warning("clip of alert %s refused: %s", alert_id, check.problem)
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"录像片段与证据链记录不符，可能已被篡改 (the clip does not match its "
            f"evidence-chain record: {check.problem})",
        )
    headers = {"X-Content-SHA256": clip.sha256, "Cache-Control": "private, max-age=3600"}
    if format == "mp4":
        frames = read_segment(path)  # its own BK_START_MS tag
        return _streamed(encode_mp4(frames), MP4_CONTENT_TYPE, headers)
    return FileResponse(
        path, media_type=MKV_CONTENT_TYPE, filename=f"clip-{alert_id}.mkv", headers=headers
    )
