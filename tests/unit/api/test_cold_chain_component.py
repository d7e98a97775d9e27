"""The 食安指数's cold-chain component, on hand-computed examples."""

from datetime import UTC, datetime, timedelta

from api.figures import Case, IndexConfig, cold_chain_in_range
from api.settings import ApiSection

T0 = datetime(2026, 11, 1, tzinfo=UTC)
DAY = timedelta(days=1)
RULES = IndexConfig().cold_chain_rules


def _case(rule: str, fired_h: float, resolved_h: float | None, fp: bool = False) -> Case:
    return Case(
        site="a",
        rule=rule,
        tier=1,
        fired_at=T0 + timedelta(hours=fired_h),
        resolved_at=None if resolved_h is None else T0 + timedelta(hours=resolved_h),
        false_positive=fp,
    )


def test_no_alert_is_all_in_range() -> None:
    assert cold_chain_in_range([], T0, T0 + DAY, RULES) == 1.0


def test_open_hours_of_cold_chain_alerts_count_once() -> None:
    cases = [
        _case("cold-holding-high", 2, 8),  # 6 h
        _case("frozen-high", 6, 10),  # overlaps: 8-10 adds 2 h
        _case("no-hat", 0, 24),  # not a cold-chain rule
        _case("cold-holding-low", 12, 16, fp=True),  # false positive: not counted
    ]
    assert cold_chain_in_range(cases, T0, T0 + DAY, RULES) == 1 - 8 / 24


def test_an_alert_still_open_counts_to_the_period_end() -> None:
    cases = [_case("cold-holding-high", 18, None)]
    assert cold_chain_in_range(cases, T0, T0 + DAY, RULES) == 1 - 6 / 24


def test_the_formula_is_configured_through_the_api_settings() -> None:
    section = ApiSection.model_validate(
        {"index": {"w_cold_chain": 0, "cold_chain_rules": ["walk-in-high"], "excellent": 95}}
    )
    assert section.index.w_cold_chain == 0
    assert section.index.cold_chain_rules == ("walk-in-high",)
    assert section.index.excellent == 95
