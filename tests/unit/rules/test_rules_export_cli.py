"""`bk rules export SITE YYYY-MM`: clear refusals of a bad month or zone, CSV otherwise."""

from pathlib import Path

from typer.testing import CliRunner

from rules.cli import app
from rules.store import AlertStore


def test_export_writes_the_header_and_refuses_bad_month_or_zone(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/alerts.db"
    AlertStore(store).close()  # an existing, empty store
    run = CliRunner().invoke
    ok = run(app, ["export", "k1", "2026-02", "--store", store])
    assert ok.exit_code == 0 and ok.output.startswith("alert_id,site,rule,")
    bad_month = run(app, ["export", "k1", "2026-13", "--store", store])
    assert bad_month.exit_code == 2 and "YYYY-MM" in bad_month.output
    bad_zone = run(app, ["export", "k1", "2026-02", "--store", store, "--timezone", "Mars/Base"])
    assert bad_zone.exit_code == 2 and "Mars/Base" in bad_zone.output
