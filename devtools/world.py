"""A small two-district world for tests and the benchmark (never imported at runtime).

District X holds street sx, grid G and kitchen A; district Y holds street sy, grid H and
kitchen B. One account per role, scoped to the X side: so every "may see A" has a "may
not see B" twin, which is what the authorization matrix needs.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from api.models import AccessToken, Device, District, Grid, Kitchen, Role, Street
from api.routers.users import create_user
from api.schemas import UserCreate
from api.security import login
from api.settings import ApiSection

PASSWORD = "correct horse battery"  # noqa: S105 - test accounts only

# account name → (role, scope)
ACCOUNTS: dict[str, tuple[Role, dict[str, object]]] = {
    "admin": (Role.ADMIN, {}),
    "sup_x": (Role.DISTRICT_SUPERVISOR, {"districts": ["x"]}),
    "insp_g": (Role.GRID_INSPECTOR, {"grids": ["g"]}),
    "mgr_a": (Role.CANTEEN_MANAGER, {"kitchen_id": "a"}),
    "staff_a": (Role.CANTEEN_STAFF, {"kitchen_id": "a"}),
    "viewer": (Role.VIEWER, {}),
}


@dataclass
class World:
    public_ids: dict[str, str] = field(default_factory=dict)  # kitchen → public id
    tokens: dict[str, str] = field(default_factory=dict)  # account → bearer token
    user_ids: dict[str, int] = field(default_factory=dict)


def add_kitchen(session: Session, site: str, district: str, grid: str, public_id: str) -> None:
    session.add(
        Kitchen(
            id=site,
            name=f"厨房 {site.upper()}",
            category="school_canteen",
            district_id=district,
            grid_id=grid,
            licence_no=f"JY{site}0001",
            licence_expiry=date(2099, 12, 31),
            address="某路1号",
            contacts=[{"name": "张三", "role": "食品安全管理员", "phone": "13800000000"}],
            working_hours=[{"days": [1, 2, 3, 4, 5], "start": "06:00", "end": "14:00"}],
            timezone="Asia/Shanghai",
            public_id=public_id,
            spec={},
            created_at=datetime.now(UTC),
        )
    )
    session.add_all(
        [
            Device(site=site, id="agent", kind="agent", name="Edge agent", spec={"kind": "agent"}),
            Device(
                site=site,
                id="fridge1",
                kind="sensor",
                name="冷库1",
                zone="cold_room",
                spec={"kind": "sensor", "zone": "cold_room"},
            ),
            Device(
                site=site,
                id="cam1",
                kind="camera",
                name="后厨",
                zone="prep",
                spec={"kind": "camera", "zone": "prep"},
            ),
        ]
    )


def seed_world(session: Session, settings: ApiSection, kitchens: int = 0) -> World:
    """Districts x/y, streets sx/sy, grids g/h, kitchens a/b (+ `kitchens` more in x/g),
    one account per role, and a live token for each (plus `revoked`, logged out)."""
    world = World(public_ids={"a": "pubAAAAAAAAAAAAAAAAAAA", "b": "pubBBBBBBBBBBBBBBBBBBB"})
    for d in ("x", "y"):
        session.add(District(id=d, name=f"District {d.upper()}"))
        session.add(Street(id=f"s{d}", district_id=d, name=f"Street {d}"))
    session.flush()
    session.add(Grid(id="g", street_id="sx", district_id="x", name="Grid G"))
    session.add(Grid(id="h", street_id="sy", district_id="y", name="Grid H"))
    session.flush()
    add_kitchen(session, "a", "x", "g", world.public_ids["a"])
    add_kitchen(session, "b", "y", "h", world.public_ids["b"])
    for i in range(kitchens):
        add_kitchen(
            session, f"k{i:05d}", "x" if i % 2 else "y", "g" if i % 2 else "h", f"pub{i:019d}"
        )
    session.commit()
    now = datetime.now(UTC)
    for name, (role, scope) in {**ACCOUNTS, "revoked": (Role.ADMIN, {})}.items():
        user = create_user(
            session,
            UserCreate.model_validate(
                {"username": name, "password": PASSWORD, "role": role, **scope}
            ),
        )
        world.user_ids[name] = user.id
        world.tokens[name] = login(session, settings, name, PASSWORD, now).token
    session.execute(
        update(AccessToken)
        .where(AccessToken.user_id == world.user_ids["revoked"])
        .values(revoked_at=now)
    )
    session.commit()
    return world
