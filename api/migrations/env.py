"""Alembic environment: runs on the connection `api.migrate` hands over (online only)."""

from alembic import context
from sqlalchemy import Connection

from api.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `bk api migrate` (api.migrate)")
_run(connection)
