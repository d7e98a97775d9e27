"""alerts: the supervision loop's tables (alert_workflow, alert_steps, alert_requests).

The rules service creates them too (rules/store.py, create_all), so each is created
only when missing, as 0001_alerts does.

Revision ID: 0003_workflow
Revises: 0001_alerts
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_workflow"
down_revision = "0001_alerts"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _tables() -> sa.MetaData:
    meta = sa.MetaData()
    sa.Table(
        "alert_workflow",
        meta,
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("site", sa.String(64), nullable=False, index=True),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("opened_at", _TS, nullable=False, index=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("deadline", _TS),
        sa.Column("assignee", sa.String(128)),
        sa.Column("acked_at", _TS),
        sa.Column("submitted_at", _TS),
        sa.Column("rectified_at", _TS),
        sa.Column("closed_at", _TS),
        sa.Column("closed_by", sa.String(128)),
        sa.Column("overdue_at", _TS),
        sa.Column("rejections", sa.Integer, nullable=False),
    )
    sa.Table(
        "alert_steps",
        meta,
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(64), nullable=False, index=True),
        sa.Column("ts", _TS, nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128)),
        sa.Column("role", sa.String(32)),
        sa.Column("comment", sa.Text),
        sa.Column("photos", sa.JSON, nullable=False),
        sa.Column("request_id", sa.String(64)),
    )
    sa.Table(
        "alert_requests",
        meta,
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(64), nullable=False, unique=True),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("photos", sa.JSON, nullable=False),
        sa.Column("assignee", sa.String(128)),
        sa.Column("at", _TS, nullable=False),
        sa.Column("done", sa.Integer, nullable=False, index=True),
    )
    return meta


def upgrade() -> None:
    _tables().create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    _tables().drop_all(op.get_bind(), checkfirst=True)
