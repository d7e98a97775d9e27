"""`bk rules ack/resolve/list`: the store from the settings, unknown ids refused (exit 2)."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from devtools.traffic import T0, kitchen
from rules.cli import app
from rules.config import load_packs
from rules.engine import Engine
from rules.store import AlertStore


def _store_with_an_alert(tmp_path: Path) -> tuple[str, str]:
    """A store holding one open cold-room alert (fired by the real engine)."""
    url = f"sqlite:///{tmp_path}/alerts.db"
    store = AlertStore(url)
    eng = Engine(load_packs("gb31654"), store)
    for msg in kitchen("k1", T0, 3600, fault=("cold_room", 600, 3600, 11.0)):
        eng.process(msg)
        eng.tick(eng.watermark)
    (alert,) = list(eng.open_alerts())
    store.close()
    return url, alert.id


def test_ack_queues_a_known_alert_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    url, alert_id = _store_with_an_alert(tmp_path)
    run = CliRunner().invoke
    ok = run(app, ["ack", alert_id, "--by", "wang", "--store", url])
    assert ok.exit_code == 0, ok.output
    assert "k1 cold-holding-high" in ok.output
    unknown = run(app, ["ack", "deadbeef", "--by", "wang", "--store", url])
    assert unknown.exit_code == 2 and "no alert" in unknown.output
    store = AlertStore(url)
    try:
        taken = store.take_requests()
    finally:
        store.close()
    assert [(ref, action, actor) for ref, action, actor, _, _ in taken] == [
        (alert_id, "ack", "wang")
    ]


def test_store_comes_from_the_settings_and_a_missing_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, alert_id = _store_with_an_alert(tmp_path)
    config = tmp_path / "bk.yaml"
    config.write_text(f"rules:\n  store_url: {url}\n")
    monkeypatch.setenv("BK_CONFIG", str(config))
    run = CliRunner().invoke
    listed = run(app, ["list"])
    assert listed.exit_code == 0, listed.output
    assert alert_id in listed.output and "firing" in listed.output
    resolved = run(app, ["resolve", alert_id, "--by", "li", "--comment", "door repaired"])
    assert resolved.exit_code == 0, resolved.output
    missing = run(app, ["list", "--store", f"sqlite:///{tmp_path}/typo.db"])
    assert missing.exit_code == 2 and "no alert store" in missing.output
    assert not (tmp_path / "typo.db").exists(), "a typo must not create an empty store"
