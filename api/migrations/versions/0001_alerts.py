"""alerts: the rules service's alert store (alerts, alert_audit, engine_state, alert_actions).

The rules service has always created these tables itself (rules/store.py, create_all),
so databases made before this revision already hold them: each table is created only
when missing, which lets this revision adopt such a database as it is.

Revision ID: 0001_alerts
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_alerts"
down_revision = None
branch_labels = ("alerts",)
depends_on = None

_TS = sa.DateTime(timezone=True)


def _tables() -> sa.MetaData:
    meta = sa.MetaData()
    sa.Table(
        "alerts",
        meta,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, index=True),
        sa.Column("site", sa.String(64), nullable=False, index=True),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(129), nullable=False),
        sa.Column("device", sa.String(64)),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("started_at", _TS, nullable=False, index=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("fired_at", _TS),
        sa.Column("acked_at", _TS),
        sa.Column("acked_by", sa.String(128)),
        sa.Column("resolved_at", _TS),
        sa.Column("resolved_by", sa.String(128)),
        sa.Column("comment", sa.Text),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("threshold", sa.Float),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("last_notified_at", _TS),
        sa.Column("last_seen_at", _TS),
        sa.Column("silenced", sa.Integer, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
    )
    sa.Table(
        "alert_audit",
        meta,
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(64), nullable=False, index=True),
        sa.Column("ts", _TS, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128)),
        sa.Column("comment", sa.Text),
        sa.Column("note", sa.String(200)),
        sa.Column("value", sa.Float),
    )
    sa.Table(
        "engine_state",
        meta,
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
    )
    sa.Table(
        "alert_actions",
        meta,
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("at", _TS, nullable=False),
        sa.Column("done", sa.Integer, nullable=False, index=True),
    )
    return meta


def upgrade() -> None:
    _tables().create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    _tables().drop_all(op.get_bind(), checkfirst=True)
