"""Console fixtures: the seeded API under uvicorn (SQLite + a real InfluxDB) and headless
Chromium (Debian's binary, driven by Playwright; `playwright install` is never used).

The world is devtools.world's two districts (kitchen A in district X, kitchen B in Y) plus
three more kitchens, 24 h of cold-room readings for A, device statuses, and one firing
alert of A with an evidence picture.
"""

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.orm import Session

from api.app import create_app
from api.db import make_engine
from api.migrate import ALERTS, CENTRE, upgrade
from api.settings import ApiSection, ApiSettings
from core.schemas import AlertEvent, AlertState, DeviceState, DeviceStatus, Severity, Telemetry
from core.settings import InfluxSettings
from core.store import open_store, reading_points, status_point
from devtools.servers import AppServer, LocalInfluxDB
from devtools.world import World, seed_world
from rules.alerts import Alert, alert_id, fingerprint
from rules.store import AlertStore
from vision.evidence import EvidenceStore

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@dataclass
class ConsoleApi:
    url: str
    world: World
    evidence: str
    alerts_url: str


def make_alert(
    site: str, rule: str, subject: str, started: datetime, summary: str, evidence: str | None
) -> tuple[Alert, AlertEvent]:
    """A firing alert as the rules service records it."""
    fp = fingerprint(site, rule, subject)
    alert = Alert(
        id=alert_id(fp, started),
        fingerprint=fp,
        site=site,
        rule=rule,
        subject=subject,
        device=subject.split("/")[0],
        severity=Severity.CRITICAL,
        state=AlertState.FIRING,
        started_at=started,
        updated_at=started,
        fired_at=started,
        summary=summary,
        evidence=[{"sha256": evidence}] if evidence else [],
    )
    event = AlertEvent(
        id=alert.id,
        fingerprint=fp,
        site=site,
        rule=rule,
        subject=subject,
        severity=alert.severity,
        state=alert.state,
        ts=started,
        started_at=started,
        summary=summary,
    )
    return alert, event


def _seed_store(settings: InfluxSettings, now: datetime) -> None:
    store = open_store(settings)
    statuses = []
    for site in ("a", "b", "k00000", "k00001", "k00002"):
        for device in ("agent", "fridge1", "cam1"):
            state = DeviceState.OFFLINE if (site, device) == ("a", "cam1") else DeviceState.ONLINE
            statuses.append(
                status_point(DeviceStatus(site=site, device=device, state=state, ts=now))
            )
    store.write(statuses)
    points = []
    for i in range(0, 24 * 60, 10):  # every 10 min over 24 h: a daily swing around 3.5 °C
        ts = now - timedelta(minutes=24 * 60 - i)
        value = 3.5 + 1.5 * np.sin(i / (24 * 60) * 2 * np.pi) + (6.0 if i > 23 * 60 else 0.0)
        msg = Telemetry.model_validate(
            {
                "site": "a",
                "device": "fridge1",
                "readings": [
                    {
                        "sensor": "t1",
                        "kind": "temperature",
                        "value": round(float(value), 2),
                        "unit": "degC",
                        "ts": ts,
                        "seq": i,
                        "zone": "cold_room",
                    }
                ],
            }
        )
        points.extend(reading_points(msg))
    store.write(points)
    store.close()


@pytest.fixture(scope="module")
def console_api(
    tmp_path_factory: pytest.TempPathFactory, influxdb: LocalInfluxDB
) -> Iterator[ConsoleApi]:
    """The seeded centre API, console included, under uvicorn on a free port."""
    tmp = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{tmp}/centre.db"
    db_name = f"console_{int(time.time() * 1000) % 10**9}"
    influxdb.create_database(db_name)
    settings = ApiSettings(
        api=ApiSection(
            database_url=url,
            alerts_url=url,
            evidence_dir=tmp / "evidence",
            signing_key="console-test-key-0123456789",
            token_ttl_s=3600,
        ),
        influx=InfluxSettings(url=influxdb.url, database=db_name),
    )
    frame = np.zeros((240, 320, 3), dtype=np.uint8)
    frame[:, :] = (60, 90, 120)
    frame[60:180, 100:220] = (200, 200, 200)
    box = {"cls": "no_hat", "score": 0.81, "x1": 100.0, "y1": 60.0, "x2": 220.0, "y2": 180.0}
    meta = {"site": "a", "camera": "cam1", "ts": "2026-12-02T06:00:00+00:00", "seq": 1}
    sha = EvidenceStore(settings.api.evidence_dir).put_violation(frame, [box], meta).sha256
    engine = make_engine(url)
    upgrade(engine, CENTRE)
    upgrade(engine, ALERTS)
    with Session(engine) as session:
        world = seed_world(session, settings.api, kitchens=3)
    engine.dispose()
    now = datetime.now(UTC).replace(microsecond=0)
    _seed_store(settings.influx, now)
    alerts = AlertStore(url)
    alerts.record(
        *make_alert(
            "a",
            "hygiene-no-hat",
            "cam1/no_hat",
            now - timedelta(minutes=5),
            "后厨发现未戴帽子人员",
            sha,
        )
    )
    alerts.record(
        *make_alert("b", "cold-holding-high", "fridge1/t1", now, "冷库温度 9.5 °C 高于 8 °C", None)
    )
    alerts.close()
    server = AppServer(create_app(settings))
    base = server.start()
    yield ConsoleApi(base, world, sha, url)
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless system Chromium; the tests skip with the reason when it is not installed."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium fonts-noto-cjk)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    """Save a full-page screenshot of `page` as docs/screenshots/<name>.png."""

    def save(page: Page, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return save


@pytest.fixture
def record_alert(console_api: ConsoleApi) -> Callable[[str, str], str]:
    """Record a new firing alert of `site` in the alert store the API reads; its id."""

    def record(site: str, summary: str) -> str:
        alert, event = make_alert(
            site, "cold-holding-high", "fridge1/t1", datetime.now(UTC), summary, None
        )
        store = AlertStore(console_api.alerts_url)
        store.record(alert, event)
        store.close()
        return alert.id

    return record


@pytest.fixture
def sign_in(console_api: ConsoleApi) -> Callable[[Page, str], None]:
    """Sign `page` in as `user` through the login page; returns once the centre shows tiles."""

    def go(page: Page, user: str) -> None:
        page.goto(f"{console_api.url}/console")
        page.wait_for_url("**/console/login**")
        page.fill("#username", user)
        page.fill("#password", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_url(f"{console_api.url}/console")
        page.wait_for_selector("#tiles li.tile", timeout=15_000)

    return go
