"""`bk vision evaluate` says, per set, which classes fall short of the issue's bars."""

from vision.evaluate import against_bars


def _row(ap: float, recall: float) -> dict[str, float]:
    return {"ap50": ap, "precision": 0.9, "recall": recall, "threshold": 0.5}


def test_clean_sets_are_held_to_the_ap_bar_and_name_the_classes_below() -> None:
    result = {"no_hat": _row(0.81, 0.95), "no_mask": _row(0.91, 0.5), "rodent": _row(0.9, 0.2)}
    line = against_bars("heldout", result, None)
    assert line.startswith("heldout: AP@0.5 no_hat 0.81, no_mask 0.91, rodent 0.90;")
    assert line.endswith("held-out-style bar >= 0.90: below for no_hat")


def test_half_scale_and_haze_are_held_to_the_recall_bar() -> None:
    result = {"no_hat": _row(0.5, 0.86), "rodent": _row(0.99, 0.84)}
    for pert in ("half_scale", "haze"):
        line = against_bars(f"val+{pert}", result, pert)
        assert "recall at the card's thresholds no_hat 0.86, rodent 0.84" in line
        assert line.endswith("bar >= 0.85: below for rodent")
    met = against_bars("val+haze", {"no_hat": _row(0.1, 0.9)}, "haze")
    assert met.endswith("met for every class")


def test_other_perturbations_state_recall_without_a_bar() -> None:
    line = against_bars("val+blur", {"no_mask": _row(0.9, 0.7)}, "blur")
    assert line == "val+blur: recall at the card's thresholds no_mask 0.70 (no bar under blur)"
