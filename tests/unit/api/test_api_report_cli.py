"""`bk report daily` writes the same report as the API, read from the settings' databases."""

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from api.report_cli import app


def _config(seeded: Any, tmp_path: Path) -> Path:
    db = tmp_path / "centre.db"
    shutil.copy(seeded.db, db)
    cfg = tmp_path / "bk.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "api": {
                    "database_url": f"sqlite:///{db}",
                    "alerts_url": f"sqlite:///{db}",
                    "evidence_dir": str(seeded.evidence_dir),
                    "recordings": {"database_url": f"sqlite:///{tmp_path}/no-recorder.sqlite"},
                },
                # InfluxDB unreachable: the report says so instead of failing.
                "influx": {"url": "http://127.0.0.1:9", "timeout_s": 0.5},
            }
        )
    )
    return cfg


def test_daily_report_as_csv_file_and_json(seeded: Any, tmp_path: Path) -> None:
    cfg = _config(seeded, tmp_path)
    runner = CliRunner()
    out = tmp_path / "daily.csv"
    args = ["daily", "--date", "2026-11-11", "--format", "csv", "--config", str(cfg)]
    got = runner.invoke(app, [*args, "--out", str(out)])
    assert got.exit_code == 0, got.output
    assert "2 kitchens" in got.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert ["日期", "2026-11-11"] in rows
    assert ["时序库不可用：上报与在线情况未计", ""] in rows
    assert next(r for r in rows if r and r[0] == "合计")[1] == "2"

    got = runner.invoke(
        app, ["daily", "--date", "2026-11-11", "--district", "x", "--config", str(cfg)]
    )
    assert got.exit_code == 0, got.output
    rep = json.loads(got.stdout)
    assert rep["kitchens"] == 1 and rep["store_available"] is False


def test_bad_date_exits_2(seeded: Any, tmp_path: Path) -> None:
    got = CliRunner().invoke(
        app, ["daily", "--date", "11/11/2026", "--config", str(_config(seeded, tmp_path))]
    )
    assert got.exit_code == 2 and "--date" in got.output
