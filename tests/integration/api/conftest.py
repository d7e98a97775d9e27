"""Centre API fixtures: the app served by uvicorn on a free port, on SQLite or PostgreSQL.

The PostgreSQL server is private to this package's tests (Debian's `postgresql`,
started by devtools.servers.LocalPostgres as an unprivileged user); tests skip with the
reason only when it cannot be installed or started.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from sqlalchemy.orm import Session

from api.app import create_app
from api.db import make_engine
from api.migrate import ALERTS, CENTRE, upgrade
from api.settings import ApiSection, ApiSettings, RecordingsSection
from core.errors import BackendUnavailable, ConfigError
from core.settings import InfluxSettings
from devtools.servers import AppServer, LocalInfluxDB, LocalPostgres
from devtools.world import World, seed_world
from vision.evidence import EvidenceStore


@pytest.fixture(scope="session")
def api_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPostgres]:
    """A private PostgreSQL server for the API tests."""
    try:
        server = LocalPostgres(tmp_path_factory.mktemp("api-postgres"))
        server.start()
    except (ConfigError, BackendUnavailable, OSError) as exc:
        pytest.skip(f"PostgreSQL could not be installed or started: {exc}")
    yield server
    server.cleanup()


@dataclass
class LiveApi:
    url: str
    world: World
    evidence: dict[str, str]
    settings: ApiSettings


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database: a SQLite file, then a fresh database on the private PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/centre.db"
        return
    server: LocalPostgres = request.getfixturevalue("api_postgres")
    name = f"api_{uuid.uuid4().hex[:12]}"
    url = server.create_database(name)
    yield url
    server.drop_database(name)


@pytest.fixture(scope="module")
def live_api(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, influxdb: LocalInfluxDB
) -> Iterator[Callable[..., LiveApi]]:
    """Start the seeded API under uvicorn (call it once per database); stopped afterwards."""
    servers: list[AppServer] = []
    tmp_path = tmp_path_factory.mktemp("live-api")

    def start(kitchens: int = 0) -> LiveApi:
        db_name = f"api_{uuid.uuid4().hex[:8]}"
        influxdb.create_database(db_name)
        settings = ApiSettings(
            api=ApiSection(
                database_url=database_url,
                alerts_url=database_url,
                evidence_dir=tmp_path / "evidence",
                signing_key="integration-key-0123456789",
                token_ttl_s=3600,
                # No recorder here: never the recorder's default index in the working
                # directory, which a demo or a recorder test run may have left behind.
                recordings=RecordingsSection(
                    database_url=f"sqlite:///{tmp_path}/no-recorder/index.sqlite",
                    video_dir=tmp_path / "no-recorder" / "video",
                    clips_dir=tmp_path / "no-recorder" / "clips",
                ),
            ),
            influx=InfluxSettings(url=influxdb.url, database=db_name),
        )
        store = EvidenceStore(settings.api.evidence_dir)
        evidence = {}
        for site, shade in (("a", 30), ("b", 220)):
            frame = np.full((40, 40, 3), shade, dtype=np.uint8)
            box = {"cls": "no_hat", "score": 0.7, "x1": 2.0, "y1": 2.0, "x2": 9.0, "y2": 9.0}
            meta = {"site": site, "camera": "cam1", "ts": "2026-11-02T00:00:00+00:00", "seq": 1}
            evidence[site] = store.put_violation(frame, [box], meta).sha256
        engine = make_engine(database_url)
        upgrade(engine, CENTRE)
        upgrade(engine, ALERTS)
        with Session(engine) as session:
            world = seed_world(session, settings.api, kitchens=kitchens)
        engine.dispose()
        server = AppServer(create_app(settings))
        base = server.start()
        servers.append(server)
        return LiveApi(base, world, evidence, settings)

    yield start
    for server in servers:
        server.stop()
