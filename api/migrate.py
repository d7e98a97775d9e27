"""Schema migrations run from code: `bk api migrate`, and the API's start-up.

Each database is brought to the head of the branch it holds: the centre database to
`centre@head`, the alert store to `alerts@head` (both, when one URL serves both).
On PostgreSQL an advisory lock serialises concurrent starts (several API copies).
"""

import logging

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

logger = logging.getLogger(__name__)

CENTRE, ALERTS = "centre", "alerts"
# Key of the PostgreSQL advisory lock held while migrating ("bk-api-m").
_LOCK = 0x626B2D6170692D6D


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "api:migrations")
    return cfg


def upgrade(engine: Engine, branch: str) -> None:
    """Bring the database behind `engine` to the head of `branch` (centre or alerts)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, f"{branch}@head")
    logger.info("database %s at %s@head", engine.url.render_as_string(), branch)


def current(engine: Engine) -> list[str]:
    """Revisions the database is at (one per branch it holds)."""
    with engine.connect() as conn:
        try:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        except DBAPIError:  # no version table yet: nothing applied
            return []
    return sorted(str(r[0]) for r in rows)
