"""Registry YAML import/export, the public page and QR code, the live state without InfluxDB,
and the Alembic revisions agreeing with the models."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.cli import registry_app
from api.db import make_engine
from api.migrate import ALERTS, CENTRE, current, upgrade
from api.models import Base
from api.registry import export_registry, import_registry, load_file
from core.errors import ConfigError
from core.registry import load_registry
from rules.store import Base as AlertsBase

REPO = Path(__file__).resolve().parents[3]

CENTRE_YAML = """
districts:
  haidian:
    name: 海淀区
    streets:
      zgc:
        name: 中关村街道
        grids:
          zgc-01: {name: 第一网格}
sites:
  home-001:
    name: 幸福养老院食堂
    district: haidian
    devices:
      agent: {kind: agent, name: 网关}
      fridge1: {kind: sensor, name: 冷库, zone: cold_room, agent: agent}
kitchens:
  home-001:
    grid: zgc-01
    category: elder_care_canteen
    licence_no: JY11108000000001
    licence_expiry: 2027-06-30
    address: 中关村大街1号
    contacts: [{name: 李四, role: 食品安全管理员, phone: "13900000000"}]
    working_hours: [{days: [1, 2, 3, 4, 5], start: "06:00", end: "19:00"}]
"""


def _engine(tmp_path: Path) -> Any:
    engine = make_engine(f"sqlite:///{tmp_path}/c.db")
    upgrade(engine, CENTRE)
    return engine


def test_example_site_registry_imports_and_exports_in_core_format(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    reg = load_file(REPO / "deploy/sites.example.yaml")
    with Session(engine) as s:
        counts = import_registry(s, reg)
        assert counts["kitchens"] == len(reg.sites.sites) and counts["devices"] > 0
        out = export_registry(s)
    path = tmp_path / "out.yaml"
    path.write_text(yaml.safe_dump(out, allow_unicode=True))
    again = load_registry(REPO / "deploy/sites.example.yaml")
    # The exported `sites:` section is a core registry equal to the one imported.
    exported = load_registry(_only_sites(path, tmp_path))
    assert exported.model_dump() == again.model_dump()


def _only_sites(path: Path, tmp_path: Path) -> Path:
    data = yaml.safe_load(path.read_text())
    p = tmp_path / "sites.yaml"
    p.write_text(yaml.safe_dump({"sites": data["sites"]}, allow_unicode=True))
    return p


def test_centre_format_round_trips(tmp_path: Path) -> None:
    src = tmp_path / "reg.yaml"
    src.write_text(CENTRE_YAML)
    engine = _engine(tmp_path)
    with Session(engine) as s:
        import_registry(s, load_file(src))
        first = export_registry(s)
    k = first["kitchens"]["home-001"]
    assert k["category"] == "elder_care_canteen" and k["grid"] == "zgc-01"
    assert first["districts"]["haidian"]["streets"]["zgc"]["grids"] == {
        "zgc-01": {"name": "第一网格"}
    }
    assert first["sites"]["home-001"]["devices"]["fridge1"]["agent"] == "agent"
    # Export → import into a fresh database → export again: identical (public id kept).
    again = tmp_path / "again.yaml"
    again.write_text(yaml.safe_dump(first, allow_unicode=True))
    engine2 = make_engine(f"sqlite:///{tmp_path}/c2.db")
    upgrade(engine2, CENTRE)
    with Session(engine2) as s:
        import_registry(s, load_file(again))
        assert export_registry(s) == first


def test_bad_registry_is_refused_with_the_reason(tmp_path: Path) -> None:
    src = tmp_path / "bad.yaml"
    src.write_text(CENTRE_YAML.replace("grid: zgc-01", "grid: nowhere"))
    engine = _engine(tmp_path)
    with Session(engine) as s, pytest.raises(ConfigError, match="no grid nowhere"):
        import_registry(s, load_file(src))
    src.write_text(
        CENTRE_YAML.replace("district: haidian", "district: haidian\n    timezone: Mars/Base")
    )
    with Session(engine) as s, pytest.raises(ConfigError, match="unknown time zone 'Mars/Base'"):
        import_registry(s, load_file(src))
    src.write_text(CENTRE_YAML.replace("home-001:\n    grid", "ghost:\n    grid"))
    with pytest.raises(ConfigError, match="kitchens without a site entry: ghost"):
        load_file(src)


def test_registry_cli(tmp_path: Path) -> None:
    src = tmp_path / "reg.yaml"
    src.write_text(CENTRE_YAML)
    env = {"BK_API__DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}
    runner = CliRunner()
    res = runner.invoke(registry_app, ["import", str(src)], env=env)
    assert res.exit_code == 0, res.output
    assert "1 kitchens" in res.output
    res = runner.invoke(registry_app, ["export", "--out", str(tmp_path / "o.yaml")], env=env)
    assert res.exit_code == 0, res.output
    assert "幸福养老院食堂" in (tmp_path / "o.yaml").read_text()


def test_public_page_has_no_personal_data(shared_client: TestClient, seeded: Any) -> None:
    pid = seeded.world.public_ids["a"]
    resp = shared_client.get(f"/public/kitchens/{pid}")
    assert resp.status_code == 200
    body = resp.json()
    assert body["name"] == "厨房 A" and body["licence_valid"] is True and body["grade"] is None
    text = resp.text
    for private in ("张三", "13800000000", "某路", "JYa0001", '"a"'):
        assert private not in text
    assert shared_client.get("/public/kitchens/a").status_code == 404  # site ids do not work
    svg = shared_client.get(body["qr_svg_url"])
    assert svg.status_code == 200 and svg.text.startswith("<svg")
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg.text  # an image a browser shows
    png = shared_client.get(body["qr_png_url"])
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    # The code opens the console's public page (for people), not the JSON.
    import cv2
    import numpy as np

    img = cv2.imdecode(np.frombuffer(png.content, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert img is not None
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(img)
    assert text == f"https://centre.example/console/public/{pid}"


def test_kitchen_list_rows_are_the_kitchen_answers(shared_client: TestClient, seeded: Any) -> None:
    """The list selects columns, not objects: each row must still be the whole answer."""
    headers = {"Authorization": f"Bearer {seeded.world.tokens['admin']}"}
    rows = shared_client.get("/kitchens", headers=headers).json()
    assert [r["id"] for r in rows] == ["a", "b"]
    for row in rows:
        assert row == shared_client.get(f"/kitchens/{row['id']}", headers=headers).json()
    assert rows[0]["public_id"] == seeded.world.public_ids["a"]


def test_live_state_degrades_without_influxdb(shared_client: TestClient, seeded: Any) -> None:
    resp = shared_client.get(
        "/kitchens/a/state", headers={"Authorization": f"Bearer {seeded.world.tokens['mgr_a']}"}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["store_available"] is False and body["alerts_available"] is True
    assert {d["id"]: d["state"] for d in body["devices"]} == {
        "agent": "unknown",
        "cam1": "unknown",
        "fridge1": "unknown",
    }


def test_migrations_match_the_models(tmp_path: Path) -> None:
    """What Alembic creates is what the ORM classes (api.models, rules.store) describe."""
    engine = make_engine(f"sqlite:///{tmp_path}/m.db")
    upgrade(engine, CENTRE)
    upgrade(engine, ALERTS)
    assert current(engine) == ["0002_centre", "0003_workflow"]
    insp = inspect(engine)
    for meta in (Base.metadata, AlertsBase.metadata):
        for table in meta.sorted_tables:
            cols = {c["name"]: c for c in insp.get_columns(table.name)}
            assert set(cols) == {c.name for c in table.columns}, table.name
            for c in table.columns:
                assert cols[c.name]["nullable"] == c.nullable, f"{table.name}.{c.name}"


def test_alerts_revision_adopts_a_store_made_by_the_rules_service(tmp_path: Path) -> None:
    from rules.store import AlertStore

    url = f"sqlite:///{tmp_path}/alerts.db"
    AlertStore(url).close()  # created the tables the old way (create_all)
    engine = make_engine(url)
    upgrade(engine, ALERTS)
    assert current(engine) == ["0003_workflow"]


def test_migrate_and_add_user_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import app

    env = {
        "BK_API__DATABASE_URL": f"sqlite:///{tmp_path}/centre.db",
        "BK_API__ALERTS_URL": f"sqlite:///{tmp_path}/alerts.db",
    }
    runner = CliRunner()
    res = runner.invoke(app, ["migrate"], env=env)
    assert res.exit_code == 0, res.output
    assert (
        "centre database: 0002_centre" in res.output and "alert store: 0003_workflow" in res.output
    )
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a long enough password")
    res = runner.invoke(app, ["add-user", "root", "--role", "admin"], env=env)
    assert res.exit_code == 0, res.output
    assert "created root (admin)" in res.output
    res = runner.invoke(app, ["add-user", "m1", "--role", "canteen_manager"], env=env)
    assert res.exit_code == 2  # a manager without a kitchen is refused with the reason
    assert "name their kitchen" in res.output
    # Scripts give the password on stdin; it then logs in (the line end is not part of it).
    res = runner.invoke(
        app,
        ["add-user", "sup", "--role", "admin", "--password-stdin"],
        env=env,
        input="another long password\n",
    )
    assert res.exit_code == 0, res.output
    from sqlalchemy.orm import Session

    from api.db import make_engine
    from api.models import User
    from api.security import verify_password

    engine = make_engine(env["BK_API__DATABASE_URL"])
    with Session(engine) as s:
        (user,) = s.query(User).filter_by(username="sup").all()
        assert verify_password(user.password_hash, "another long password")
        assert not verify_password(user.password_hash, "another long password\n")
    engine.dispose()
