"""Tables of the centre: the registry, people with their scopes, access tokens, lockouts.

The registry runs districts → streets/towns → grids (网格) → kitchens → devices. A
kitchen keeps its district even without a grid (a kitchen imported from a plain site
registry knows only its district), and a grid keeps its district beside its street, so
that scoping is one indexed comparison, never a walk up the tree.

The schema is created and changed only by the Alembic revisions in api/migrations; these
classes must match the newest revision (a test compares them).
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from api.db import UtcDateTime


class Base(DeclarativeBase):
    pass


class KitchenCategory(StrEnum):
    SCHOOL_CANTEEN = "school_canteen"
    CENTRAL_KITCHEN = "central_kitchen"
    MEAL_DELIVERY = "meal_delivery"
    ELDER_CARE_CANTEEN = "elder_care_canteen"
    RESTAURANT = "restaurant"


class Role(StrEnum):
    ADMIN = "admin"
    DISTRICT_SUPERVISOR = "district_supervisor"
    GRID_INSPECTOR = "grid_inspector"
    CANTEEN_MANAGER = "canteen_manager"
    CANTEEN_STAFF = "canteen_staff"
    VIEWER = "viewer"


class District(Base):
    __tablename__ = "districts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class Street(Base):
    __tablename__ = "streets"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    district_id: Mapped[str] = mapped_column(
        ForeignKey("districts.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200), default="")


class Grid(Base):
    __tablename__ = "grids"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    street_id: Mapped[str] = mapped_column(
        ForeignKey("streets.id", ondelete="RESTRICT"), index=True
    )
    district_id: Mapped[str] = mapped_column(
        ForeignKey("districts.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200), default="")


class Kitchen(Base):
    __tablename__ = "kitchens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(32), default=KitchenCategory.SCHOOL_CANTEEN)
    district_id: Mapped[str | None] = mapped_column(
        ForeignKey("districts.id", ondelete="RESTRICT"), index=True
    )
    grid_id: Mapped[str | None] = mapped_column(
        ForeignKey("grids.id", ondelete="RESTRICT"), index=True
    )
    licence_no: Mapped[str] = mapped_column(String(64), default="")
    licence_expiry: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(300), default="")
    contacts: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    working_hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    # The core registry's site entry beyond the columns above (fields other parts add).
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    devices: Mapped[list["Device"]] = relationship(
        back_populates="kitchen", cascade="all, delete-orphan", order_by="Device.id"
    )


class Device(Base):
    __tablename__ = "devices"

    site: Mapped[str] = mapped_column(
        ForeignKey("kitchens.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="sensor")
    name: Mapped[str] = mapped_column(String(200), default="")
    zone: Mapped[str | None] = mapped_column(String(64))
    # The core registry's device entry as given (agent ownership, zones, sensor kind...).
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    kitchen: Mapped[Kitchen] = relationship(back_populates="devices")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(32))
    kitchen_id: Mapped[str | None] = mapped_column(
        ForeignKey("kitchens.id", ondelete="CASCADE"), index=True
    )
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UserDistrict(Base):
    __tablename__ = "user_districts"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    district_id: Mapped[str] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True
    )


class UserGrid(Base):
    __tablename__ = "user_grids"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    grid_id: Mapped[str] = mapped_column(
        ForeignKey("grids.id", ondelete="CASCADE"), primary_key=True
    )


class AccessToken(Base):
    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # SHA-256 of the bearer token: a stolen database does not yield usable tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LoginFailure(Base):
    __tablename__ = "login_failures"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
