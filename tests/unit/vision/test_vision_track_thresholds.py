"""The track-threshold rule the alert bench suggests from tune cameras' peaks."""

import pytest

from vision.track_thresholds import suggest_track_threshold


def test_separated_peaks_give_the_middle_of_the_gap() -> None:
    got = suggest_track_threshold([0.826, 0.9, 0.95], [0.5, 0.774, 0.6], floor=0.3)
    assert got.threshold == pytest.approx(0.8)
    assert (got.false_alarms, got.missed) == (0, 0)
    assert got.gap == (0.774, 0.826)


def test_without_compliant_peaks_the_gap_reaches_down_to_the_floor() -> None:
    # the hand rule said nothing here; the floor is the lowest score a track can show
    got = suggest_track_threshold([0.833, 0.9], [], floor=0.3)
    assert got.threshold == pytest.approx(0.5665, abs=1e-3)
    assert got.gap == (0.3, 0.833)
    assert (got.false_alarms, got.missed) == (0, 0)


def test_overlap_takes_the_fewest_errors_not_the_first_gap() -> None:
    offenders = [0.70, 0.80, 0.85, 0.90, 0.95]
    compliant = [0.40, 0.75, 0.82]
    got = suggest_track_threshold(offenders, compliant, floor=0.3)
    # three thresholds tie at two errors: 0.40-0.70 (false 0.75 and 0.82), 0.75-0.80
    # (false 0.82, missed 0.70) and 0.82-0.85 (missed 0.70 and 0.80); the widest gap,
    # the one the fewest small score shifts would cross, wins over the first or highest
    assert got.false_alarms + got.missed == 2
    assert got.gap == (0.4, 0.7)
    assert got.threshold == pytest.approx(0.55)


def test_a_lone_compliant_peak_above_every_offender_is_accepted_as_false() -> None:
    got = suggest_track_threshold([0.8, 0.82], [0.99], floor=0.5)
    assert (got.false_alarms, got.missed) == (1, 0)
    assert got.gap == (0.5, 0.8)


def test_no_offenders_is_refused() -> None:
    with pytest.raises(ValueError, match="offender"):
        suggest_track_threshold([], [0.7], floor=0.3)


def test_a_floor_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="floor"):
        suggest_track_threshold([0.8], [], floor=1.5)
