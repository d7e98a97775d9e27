"""API fixtures: a seeded two-district world in a SQLite file, copied per test that writes.

The template database is built once per session (argon2 hashing makes accounts slow
to create); `make_client` copies it so a test that changes data starts from the same
world. InfluxDB is deliberately unreachable here: the live state must degrade, not fail.
"""

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.app import create_app
from api.db import make_engine
from api.migrate import ALERTS, CENTRE, upgrade
from api.settings import ApiSection, ApiSettings
from core.settings import InfluxSettings, MqttSettings
from devtools.world import World, seed_world
from vision.evidence import EvidenceStore

SIGNING_KEY = "test-signing-key-0123456789"


@dataclass
class Seeded:
    db: Path
    evidence_dir: Path
    world: World
    evidence: dict[str, str]  # kitchen → SHA-256 of its evidence picture

    def settings(self, db: Path | None = None) -> ApiSettings:
        db = db or self.db
        url = f"sqlite:///{db}"
        return ApiSettings(
            api=ApiSection(
                database_url=url,
                alerts_url=url,
                evidence_dir=self.evidence_dir,
                signing_key=SIGNING_KEY,
                token_ttl_s=24 * 3600,
                public_base_url="https://centre.example",
                # Each database copy has its own site registry and broker folder.
                registry_file=db.with_suffix(".sites.yaml"),
                broker_dir=db.with_suffix(".broker"),
            ),
            influx=InfluxSettings(url="http://127.0.0.1:9", timeout_s=0.5),
            # The discard port: no broker answers, so a live stream in the matrix ends at
            # once even on a machine whose own Mosquitto listens on 1883.
            mqtt=MqttSettings(host="127.0.0.1", port=9),
        )


def _evidence(store: EvidenceStore, site: str, shade: int) -> str:
    frame = np.full((48, 64, 3), shade, dtype=np.uint8)
    box = {"cls": "rodent", "score": 0.9, "x1": 4.0, "y1": 4.0, "x2": 20.0, "y2": 20.0}
    meta = {"site": site, "camera": "cam1", "ts": "2026-11-02T00:00:00+00:00", "seq": 1}
    return store.put_violation(frame, [box | {"track": 1, "zone": "prep"}], meta).sha256


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """The template world: database file, evidence pictures of kitchens a and b, tokens."""
    root = tmp_path_factory.mktemp("api")
    db = root / "centre.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine, CENTRE)
    upgrade(engine, ALERTS)
    ev_dir = root / "evidence"
    store = EvidenceStore(ev_dir)
    evidence = {"a": _evidence(store, "a", 40), "b": _evidence(store, "b", 200)}
    seeded = Seeded(db, ev_dir, World(), evidence)
    with Session(engine) as session:
        seeded.world = seed_world(session, seeded.settings().api)
    engine.dispose()
    return seeded


@pytest.fixture
def make_client(seeded: Seeded, tmp_path: Path) -> Iterator[Callable[[], TestClient]]:
    """Clients on private copies of the template database (entered; closed afterwards)."""
    made: list[TestClient] = []

    def make() -> TestClient:
        db = tmp_path / f"centre{len(made)}.db"
        shutil.copyfile(seeded.db, db)
        client = TestClient(create_app(seeded.settings(db)))
        client.__enter__()
        made.append(client)
        return client

    yield make
    for client in made:
        client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def shared_client(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One client for read-only requests (a private copy, shared by a module)."""
    db = tmp_path_factory.mktemp("shared") / "centre.db"
    shutil.copyfile(seeded.db, db)
    with TestClient(create_app(seeded.settings(db))) as client:
        yield client
