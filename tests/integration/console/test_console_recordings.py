"""The kitchen page's recording slider in headless Chromium, against the real API.

Camera cam1 of kitchen A has two recorded minutes in the last 24 h (3 h and 1 h ago),
written by the recorder's own segment writer and index at the recorder's default paths,
which are the API's default too (this module runs in a folder of its own). The slider
must show both spans and the gaps around them, gaps in working hours marked as the
coverage endpoint says, and a click on a span must give the <video> a source it plays.
"""

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import cv2
import numpy as np
import pytest
from playwright.sync_api import Browser, Page

from recorder.index import RecordingIndex
from recorder.segments import SegmentWriter
from recorder.settings import RecorderSection

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

PASSWORD = "correct horse battery"
WAIT_MS = 30_000  # generous: the machine is shared
STEP = 500  # 2 fps
SPAN_FRAMES = 120  # one minute


@pytest.fixture(scope="module", autouse=True)
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[tuple[int, int]]]:
    """Two recorded minutes of a/cam1 (3 h and 1 h ago) where the API looks by default."""
    cfg = RecorderSection()
    now = time.time_ns() // 1_000_000
    spans = []
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp("recorder-cwd"))
        index = RecordingIndex(cfg.database_url)
        for n, ago_h in enumerate((3, 1)):
            t0 = now - ago_h * 3600_000
            rel = f"a/cam1/{t0}-live.mkv"
            writer = SegmentWriter(cfg.video_dir / rel, t0, 320, 240)
            for i in range(SPAN_FRAMES):
                img = np.full((240, 320, 3), (40 * n + i) % 255, np.uint8)
                cv2.putText(img, str(i), (40, 140), cv2.FONT_HERSHEY_SIMPLEX, 3, (255, 255, 255), 4)
                writer.write(t0 + i * STEP, cv2.imencode(".jpg", img)[1].tobytes())
            writer.close()
            end = t0 + (SPAN_FRAMES - 1) * STEP
            seg = index.open_segment("a", "cam1", "live", rel, t0, t0)
            index.update_segments([(seg, end, SPAN_FRAMES, writer.bytes, "closed")])
            spans.append((t0, end))
        index.close()
        yield spans


@pytest.fixture(scope="module")
def manager(browser: Browser, console_api: Any) -> Iterator[Page]:
    """A page signed in as kitchen A's manager."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{console_api.url}/console/login")
    page.fill("#username", "mgr_a")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{console_api.url}/console")  # signed in: the command centre
    yield page
    context.close()


def test_slider_shows_gaps_and_a_click_plays_the_moment(
    manager: Page,
    console_api: Any,
    recordings: list[tuple[int, int]],
    screenshot: Callable[[Page, str], None],
) -> None:
    page = manager
    # The page's clock stands still, so the window it asks for is the one asked below.
    page.clock.set_fixed_time(datetime.now(UTC))
    page.goto(f"{console_api.url}/console/kitchens/a")
    row = '#rec-cameras li.rec-row[data-camera="cam1"]'
    page.wait_for_selector(f"{row} .rec-track .rec-span", timeout=WAIT_MS)
    assert page.locator(f"{row} .rec-span").count() == 2
    gaps = page.locator(f"{row} .rec-gap:not(.rec-work)").count()
    assert gaps == 3  # before, between and after the two recorded minutes
    # The parts of gaps inside working hours are marked exactly where the API's gaps and
    # working hours overlap (which depends on the weekday and hour this runs: the page
    # must follow the data either way).
    cov = page.evaluate(
        """async () => {
          const end = Date.now();
          const q = '?start=' + encodeURIComponent(new Date(end - 86400000).toISOString()) +
            '&end=' + encodeURIComponent(new Date(end).toISOString());
          const r = await fetch('/kitchens/a/cameras/cam1/coverage' + q,
            {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('bk_token')}});
          return r.json();
        }"""
    )
    assert len(cov["gaps"]) == 3
    ts = datetime.fromisoformat
    pieces = [
        (max(ts(g["start"]), ts(w["start"])), min(ts(g["end"]), ts(w["end"])))
        for g in cov["gaps"]
        for w in cov["working_hours"]
    ]
    overlaps = sum(1 for lo, hi in pieces if hi > lo)
    assert page.locator(f"{row} .rec-gap.rec-work").count() == overlaps
    flagged = sum(1 for g in cov["gaps"] if g["in_working_hours"])
    assert page.get_attribute(row, "data-work-gaps") == str(flagged)
    assert (overlaps > 0) == (flagged > 0)

    # Click the middle of the second recorded minute: the video gets a blob of MP4 it plays.
    page.locator(f"{row} .rec-span").nth(1).click()  # scrolled into view, its centre
    page.wait_for_function(
        "() => { const v = document.getElementById('rec-video');"
        " return v.src.startsWith('blob:') && v.readyState >= 2 && !v.error; }",
        timeout=WAIT_MS,
    )
    duration = page.evaluate("document.getElementById('rec-video').duration")
    assert 0 < duration <= 60.5  # at most what is left of the recorded minute
    assert "cam1" in (page.text_content("#rec-caption") or "")
    screenshot(page, "kitchen-recordings")


def test_click_in_a_gap_plays_the_next_recorded_moment(
    manager: Page, console_api: Any, recordings: list[tuple[int, int]]
) -> None:
    page = manager
    page.goto(f"{console_api.url}/console/kitchens/a")
    row = '#rec-cameras li.rec-row[data-camera="cam1"]'
    page.wait_for_selector(f"{row} .rec-track .rec-span", timeout=WAIT_MS)
    # The first quarter of the day is a gap (the first recording is 3 h ago).
    track = page.locator(f"{row} .rec-track")
    box = track.bounding_box()
    assert box is not None
    track.click(position={"x": box["width"] * 0.1, "y": box["height"] / 2})
    page.wait_for_function(
        "() => { const v = document.getElementById('rec-video');"
        " return v.src.startsWith('blob:') && v.readyState >= 2 && !v.error; }",
        timeout=WAIT_MS,
    )
    # It played from the first recorded minute: a full minute is left of it.
    duration = page.evaluate("document.getElementById('rec-video').duration")
    assert duration == pytest.approx((SPAN_FRAMES - 1) * STEP / 1000, abs=1.0)


def test_bkclip_says_when_an_alert_has_no_clip(manager: Page, console_api: Any) -> None:
    page = manager
    page.goto(f"{console_api.url}/console/kitchens/a")
    page.wait_for_selector("#rec-cameras li", timeout=WAIT_MS)
    result = page.evaluate(
        """async () => {
          const v = document.createElement('video');
          const ok = await bkClip(v, 'a', 'no-such-alert');
          return [ok, v.dataset.message];
        }"""
    )
    assert result == [False, "这条告警没有录像片段。"]
