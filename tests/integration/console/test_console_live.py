"""The kitchen page's live camera tiles in headless Chromium, fed by a real Mosquitto.

Frames are published as a camera publishes them; the page must paint them (the pixels
on its canvas are those of the published JPEG), open one camera as MJPEG on a click, and
never show a tile of a kitchen outside the viewer's scope, even when the page's own
socket asks for that camera by id.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import cv2
import numpy as np
import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session

from api.app import create_app
from api.db import make_engine
from api.migrate import ALERTS, CENTRE, upgrade
from api.models import Device
from api.settings import ApiSection, ApiSettings
from core.mqtt import MqttClient
from core.schemas import FrameMeta
from core.settings import InfluxSettings, MqttSettings
from core.topics import frame_topic
from devtools.servers import AppServer, LocalMosquitto
from devtools.world import World, seed_world

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

WAIT_MS = 30_000  # generous: the machine is shared


@dataclass
class LiveConsole:
    url: str
    world: World


def _jpeg(seq: int, shade: int) -> bytes:
    """A 640×480 JPEG: flat colour per camera, the seq written on it."""
    img = np.zeros((480, 640, 3), dtype=np.uint8)
    img[:, :] = (shade, 120, 255 - shade)
    cv2.putText(img, str(seq), (40, 300), cv2.FONT_HERSHEY_SIMPLEX, 5, (255, 255, 255), 8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return bytes(buf.tobytes())


class Cameras:
    """Publishes frames of some cameras at a few frames a second, as edge agents do."""

    SHADES = {("a", "cam1"): 40, ("a", "cam2"): 200, ("b", "cam1"): 120}

    def __init__(self, settings: MqttSettings) -> None:
        self.client = MqttClient(settings, persistent=False)
        self.client.connect()
        self.sent: dict[tuple[str, str, int], bytes] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        seq = 0
        while not self._stop.is_set():
            for (site, cam), shade in self.SHADES.items():
                jpeg = _jpeg(seq, shade)
                meta = FrameMeta(
                    ts=datetime.now(UTC), seq=seq, size=len(jpeg), width=640, height=480
                )
                self.sent[(site, cam, seq)] = jpeg
                self.client.publish(
                    frame_topic(site, cam),
                    jpeg,
                    qos=0,
                    user_properties=meta.user_properties(),
                    content_type="image/jpeg",
                )
            seq += 1
            self._stop.wait(0.2)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.client.close()


@pytest.fixture(scope="module")
def live_console(
    tmp_path_factory: pytest.TempPathFactory, mosquitto: LocalMosquitto
) -> Iterator[LiveConsole]:
    """The seeded API (kitchen a with cameras cam1 and cam2) on the session's broker."""
    tmp = tmp_path_factory.mktemp("console-live")
    url = f"sqlite:///{tmp}/centre.db"
    settings = ApiSettings(
        api=ApiSection(
            database_url=url,
            alerts_url=url,
            evidence_dir=tmp / "evidence",
            signing_key="console-live-key-0123456789",
            token_ttl_s=3600,
        ),
        mqtt=MqttSettings(host=mosquitto.host, port=mosquitto.port, reconnect_min_s=0.2),
        influx=InfluxSettings(url="http://127.0.0.1:9", timeout_s=0.5),
    )
    engine = make_engine(url)
    upgrade(engine, CENTRE)
    upgrade(engine, ALERTS)
    with Session(engine) as session:
        world = seed_world(session, settings.api)
        session.add(Device(site="a", id="cam2", kind="camera", name="备餐间", spec={}))
        session.commit()
    engine.dispose()
    server = AppServer(create_app(settings))
    base = server.start()
    yield LiveConsole(base, world)
    server.stop()


@pytest.fixture
def cameras(mqtt_settings: MqttSettings) -> Iterator[Cameras]:
    """a/cam1, a/cam2 and b/cam1 publishing at 5 fps during the test."""
    cams = Cameras(mqtt_settings)
    yield cams
    cams.close()


@pytest.fixture
def page_as(browser: Browser, live_console: LiveConsole) -> Iterator[Callable[[str], Page]]:
    """A page signed in as the given account (its token put where the console keeps it)."""
    contexts = []

    def make(account: str) -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 1400}, locale="zh-CN")
        contexts.append(context)
        token = live_console.world.tokens[account]
        context.add_init_script(f"sessionStorage.setItem('bk_token', {json.dumps(token)})")
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


PAINTED = """() => Array.from(document.querySelectorAll('#live-tiles li.live-tile')).map(li => {
  const c = li.querySelector('canvas');
  const px = c.getContext('2d').getImageData(600, 20, 1, 1).data;
  return {key: li.dataset.key, seq: li.dataset.seq ? Number(li.dataset.seq) : null,
          w: c.width, h: c.height, px: [px[0], px[1], px[2]]};
})"""


def test_tiles_paint_the_published_frames(
    page_as: Callable[[str], Page],
    live_console: LiveConsole,
    cameras: Cameras,
    screenshot: Callable[[Page, str], None],
) -> None:
    page = page_as("mgr_a")
    page.goto(f"{live_console.url}/console/kitchens/a")
    page.wait_for_selector("#live-tiles li.live-tile", timeout=WAIT_MS)
    page.wait_for_function(
        "document.querySelectorAll('#live-tiles li.live-tile[data-seq]').length === 2",
        timeout=WAIT_MS,
    )
    tiles = {t["key"]: t for t in page.evaluate(PAINTED)}
    assert set(tiles) == {"a/cam1", "a/cam2"}
    for key, tile in tiles.items():
        site, cam = key.split("/")
        assert (tile["w"], tile["h"]) == (640, 480)
        # The canvas shows the published picture: its pixel matches the JPEG's own.
        picture = cv2.imdecode(
            np.frombuffer(cameras.sent[(site, cam, tile["seq"])], np.uint8), cv2.IMREAD_COLOR
        )
        assert picture is not None
        b, g, r = (int(v) for v in picture[20, 600])
        assert all(abs(x - y) <= 12 for x, y in zip(tile["px"], (r, g, b), strict=True)), tile
    # Frames keep coming: the tile moves on.
    first = tiles["a/cam1"]["seq"]
    page.wait_for_function(
        "Number(document.querySelector('li.live-tile[data-key=\"a/cam1\"]').dataset.seq)"
        f" > {first}",
        timeout=WAIT_MS,
    )
    screenshot(page, "kitchen-live")


def test_click_opens_the_camera_as_mjpeg(
    page_as: Callable[[str], Page], live_console: LiveConsole, cameras: Cameras
) -> None:
    page = page_as("sup_x")
    page.goto(f"{live_console.url}/console/kitchens/a")
    page.wait_for_selector('li.live-tile[data-key="a/cam2"]', timeout=WAIT_MS)
    page.click('li.live-tile[data-key="a/cam2"] button')
    page.wait_for_selector("#live-single[open]", timeout=WAIT_MS)
    page.wait_for_function(
        "document.getElementById('live-mjpeg').naturalWidth === 640", timeout=WAIT_MS
    )
    src = page.get_attribute("#live-mjpeg", "src") or ""
    assert src.startswith("/signed/kitchens/a/cameras/cam2/mjpeg?expires=")
    page.click("#live-single-close")
    page.wait_for_function("!document.getElementById('live-single').open", timeout=WAIT_MS)
    assert page.get_attribute("#live-mjpeg", "src") is None


ASK_FOR = """async ([token, site, camera]) => {
  const ws = new WebSocket(location.origin.replace('http', 'ws') + '/ws/live');
  ws.binaryType = 'arraybuffer';
  const seen = {text: [], binary: 0};
  await new Promise(ok => { ws.onopen = ok; });
  ws.onmessage = ev => {
    if (typeof ev.data === 'string') {
      seen.text.push(JSON.parse(ev.data));
      const watch = {type: 'watch', cameras: [{site, camera}]};
      if (seen.text.length === 1) ws.send(JSON.stringify(watch));
    } else { seen.binary += 1; }
  };
  ws.send(JSON.stringify({type: 'auth', token}));
  await new Promise(ok => setTimeout(ok, 3000));
  ws.close();
  return seen;
}"""


def test_a_kitchen_outside_scope_shows_no_tile(
    page_as: Callable[[str], Page], live_console: LiveConsole, cameras: Cameras
) -> None:
    page = page_as("mgr_a")
    page.goto(f"{live_console.url}/console/kitchens/b")
    page.wait_for_selector("#main p.error", timeout=WAIT_MS)  # "not found", as if absent
    time.sleep(2.0)  # B's camera is publishing meanwhile
    assert page.query_selector_all("li.live-tile") == []
    assert page.query_selector_all("canvas") == []
    # The page's own socket asking for B's camera by id gets a refusal and no frame...
    token = live_console.world.tokens["mgr_a"]
    seen = page.evaluate(ASK_FOR, [token, "b", "cam1"])
    assert seen["text"][1] == {"type": "watching", "cameras": [], "refused": ["b/cam1"]}
    assert seen["binary"] == 0
    # ...while the same request for A's camera gets frames (the check can fail).
    seen = page.evaluate(ASK_FOR, [token, "a", "cam1"])
    assert seen["text"][1]["cameras"] == ["a/cam1"]
    assert seen["binary"] > 0


def test_live_block_has_no_serious_accessibility_violation(
    page_as: Callable[[str], Page], live_console: LiveConsole, cameras: Cameras
) -> None:
    axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")
    page = page_as("mgr_a")
    page.goto(f"{live_console.url}/console/kitchens/a")
    page.wait_for_selector("#live-tiles li.live-tile[data-seq]", timeout=WAIT_MS)
    results: Any = axe_sync.Axe().run(page, context="#live")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "\n".join(bad)
