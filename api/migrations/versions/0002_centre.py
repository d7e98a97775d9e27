"""centre: registry (districts, streets, grids, kitchens, devices), people, tokens, lockouts.

Revision ID: 0002_centre
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_centre"
down_revision = None
branch_labels = ("centre",)
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "districts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "streets",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "district_id",
            sa.String(64),
            sa.ForeignKey("districts.id", ondelete="RESTRICT"),
            nullable=False,
            index=True,
        ),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "grids",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "street_id",
            sa.String(64),
            sa.ForeignKey("streets.id", ondelete="RESTRICT"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "district_id",
            sa.String(64),
            sa.ForeignKey("districts.id", ondelete="RESTRICT"),
            nullable=False,
            index=True,
        ),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "kitchens",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column(
            "district_id",
            sa.String(64),
            sa.ForeignKey("districts.id", ondelete="RESTRICT"),
            index=True,
        ),
        sa.Column(
            "grid_id", sa.String(64), sa.ForeignKey("grids.id", ondelete="RESTRICT"), index=True
        ),
        sa.Column("licence_no", sa.String(64), nullable=False),
        sa.Column("licence_expiry", sa.Date),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("contacts", sa.JSON, nullable=False),
        sa.Column("working_hours", sa.JSON, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column(
            "site",
            sa.String(64),
            sa.ForeignKey("kitchens.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("zone", sa.String(64)),
        sa.Column("spec", sa.JSON, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column(
            "kitchen_id",
            sa.String(64),
            sa.ForeignKey("kitchens.id", ondelete="CASCADE"),
            index=True,
        ),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "user_districts",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "district_id",
            sa.String(64),
            sa.ForeignKey("districts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_table(
        "user_grids",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "grid_id",
            sa.String(64),
            sa.ForeignKey("grids.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False, index=True),
        sa.Column("revoked_at", _TS),
    )
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", _TS, nullable=False),
        sa.Column("locked_until", _TS),
    )


def downgrade() -> None:
    for table in (
        "login_failures",
        "access_tokens",
        "user_grids",
        "user_districts",
        "users",
        "devices",
        "kitchens",
        "grids",
        "streets",
        "districts",
    ):
        op.drop_table(table)
