"""Numbers in the report's LaTeX tables: each outcome in its format, effects to their precision."""

from __future__ import annotations

import pytest

from sim.analysis.number_format import (
    effect_decimals,
    format_effect,
    format_level,
    format_range,
    format_value,
    outcome_kind,
)
from sim.analysis.tables import OUTCOME_LABELS


def test_every_labelled_outcome_has_a_format():
    kinds = {name: outcome_kind(name) for name in OUTCOME_LABELS}
    assert "other" not in kinds.values(), kinds
    assert kinds["final_alliance_core_share_pct"] == "share"
    assert kinds["final_members_at_or_above_3_5pct"] == "count"
    assert kinds["peak_munitions_ratio"] == "ratio"
    assert kinds["cumulative_extra_spending_usd_bn"] == "money"
    assert kinds["burden_rank_correlation"] == "correlation"


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (2025.0, "year", "2025"),  # issue 18: years were 2{,}025
        (3.0, "share", "3.00"),  # shares to two decimals, not "3"
        (2.6, "share", "2.60"),
        (12, "count", "12"),
        (8.375, "count", "8.4"),  # a mean of counts
        (2349.25, "money", "2{,}349"),
        (4.3612, "ratio", "4.36"),
        (-0.0001, "share", "0.00"),  # never "-0.00"
        (float("nan"), "share", "--"),
    ],
)
def test_values_in_their_outcomes_format(value, kind, text):
    assert format_value(value, kind) == text


def test_a_range_of_counts_shares_its_decimals():
    assert format_range(12.0, 11.1, 12.9, "count") == "12.0 [11.1, 12.9]"
    assert format_range(6, 6, 6, "count") == "6 [6, 6]"
    assert format_range(3.153, 3.011, 3.271, "share") == "3.15 [3.01, 3.27]"


def test_effect_decimals_give_two_figures_of_the_half_width():
    assert effect_decimals(0.0, 0.0246) == 3  # half-width 0.0123
    assert effect_decimals(-2.0, 2.0) == 1  # half-width 2
    assert effect_decimals(100.0, 300.0) == 0  # half-width 100
    assert effect_decimals(1.0, 1.0) is None  # no width


@pytest.mark.parametrize(
    ("mean", "low", "high"),
    [
        (0.0004, 0.0001, 0.0007),
        (-0.0004, -0.0009, 0.0001),
        (0.0398, 0.0322, 0.0474),
        (-0.0052, -0.00521, -0.00520),  # an interval of rounding noise
    ],
)
def test_a_small_real_effect_is_never_zero(mean, low, high):
    # issue 18: the core-share effect printed as "0 [0, 0]" and "-0"
    text = format_effect(mean, low, high)
    shown = float(text.split(" ")[0])
    assert shown != 0 and not text.startswith("-0 ") and "0 [0, 0]" not in text
    assert shown == pytest.approx(mean, rel=0.05)  # the digits shown are the effect's
    assert "[" in text and text.endswith("]")


def test_an_effect_without_interval_is_written_in_its_outcomes_format():
    assert format_effect(1.0, 1.0, 1.0, "count") == "1"  # every pair differs by one member
    assert format_effect(-1e-13, -0.5, 0.5) == "0.00 [-0.50, 0.50]"  # no "-0.00"
    assert format_effect(float("nan"), 0.0, 1.0) == "--"


def test_design_levels_as_the_design_gave_them():
    assert [format_level(v) for v in (0.5, 13, 35.0, "", "2026Q1")] == [
        "0.5",
        "13",
        "35",
        "none",
        "2026Q1",
    ]
