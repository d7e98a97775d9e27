"""`bk vision evaluate --record` states a set measured after training in the card itself."""

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from simulators.dataset import export_dataset
from vision.card import DEFAULT_CARD, card_files, load_card
from vision.cli import app


def test_recorded_figures_are_the_printed_ones(tmp_path: Path) -> None:
    data = tmp_path / "ds"
    export_dataset(data, 40, seed=5, heldout_style="outline", only=("heldout",))
    card, _ = load_card(DEFAULT_CARD)
    for f in card_files(DEFAULT_CARD):  # the model and its head-crop classifier
        shutil.copy(f, tmp_path / f.name)
    copy = tmp_path / DEFAULT_CARD.name
    shutil.copy(DEFAULT_CARD, copy)
    before = load_card(copy)[0].metrics["sets"]
    result = CliRunner().invoke(
        app,
        [
            "evaluate",
            "--data",
            str(data),
            "--split",
            "heldout",
            "--card",
            str(copy),
            "--perturb",
            "haze",
            "--record",
            "heldout_test",
            "--describe",
            "8 outline frames, seed 5",
        ],
    )
    assert result.exit_code == 0, result.output
    printed = {
        row["set"]: {k: v for k, v in row.items() if k != "set"}
        for row in map(json.loads, [ln for ln in result.output.splitlines() if ln.startswith("{")])
    }
    assert set(printed) == {"heldout", "heldout+haze"}
    assert "NaN" not in result.output  # strict JSON: an undefined figure is null
    after, _ = load_card(copy)  # still loads: the ONNX checksum is untouched
    sets = after.metrics["sets"]
    assert sets["heldout_test"] == printed["heldout"]
    assert sets["heldout_test+haze"] == printed["heldout+haze"]
    assert {k: v for k, v in sets.items() if not k.startswith("heldout_test")} == before
    assert after.metrics["sets_data"]["heldout_test"] == "8 outline frames, seed 5"
    assert after.thresholds == card.thresholds and after.classes == card.classes
