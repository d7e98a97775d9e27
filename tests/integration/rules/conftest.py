"""Alert-store fixtures: a real PostgreSQL server beside the default SQLite file.

The server starts once per session (installing the Debian `postgresql` package when
missing and we are root) and each test gets its own fresh database, dropped after.
Tests skip, with the reason, only when PostgreSQL cannot be installed or started.
"""

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.errors import BackendUnavailable, ConfigError
from devtools.servers import LocalPostgres

# The kitchens are in China: a server whose own time zone is not UTC proves that the
# store hands back UTC whatever the session's TimeZone is.
SERVER_TIMEZONE = "Asia/Shanghai"


def _start(workdir: Path) -> LocalPostgres:
    try:
        server = LocalPostgres(workdir, timezone=SERVER_TIMEZONE)
        server.start()
    except (ConfigError, BackendUnavailable, OSError) as exc:
        pytest.skip(f"PostgreSQL could not be installed or started: {exc}")
    return server


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPostgres]:
    """A private PostgreSQL server for the whole session (own port, own data dir)."""
    server = _start(tmp_path_factory.mktemp("postgres"))
    yield server
    server.cleanup()


@pytest.fixture
def postgres_factory(tmp_path: Path) -> Iterator[Callable[[], LocalPostgres]]:
    """Make private PostgreSQL servers (for tests that restart or kill them)."""
    made: list[LocalPostgres] = []

    def make() -> LocalPostgres:
        server = _start(tmp_path / f"postgres{len(made)}")
        made.append(server)
        return server

    yield make
    for server in made:
        server.cleanup()


@pytest.fixture
def postgres_url(postgres: LocalPostgres) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty database on the shared server (dropped after)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = postgres.create_database(name)
    yield url
    postgres.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty alert store: the default SQLite file, then a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/alerts.db"
    url: str = request.getfixturevalue("postgres_url")
    return url
