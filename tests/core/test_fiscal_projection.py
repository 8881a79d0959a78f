"""The budget adds up after the fiscal data (sim.core.fiscal): a member's rise in core spending
widens its deficit and lowers its fiscal space; the EU's escape clause for defence exempts part
of it (seeds/escape_clause.csv, S54)."""

import dataclasses

import numpy as np
import pytest

from sim import load_scenario, simulate
from sim.core import fiscal


def test_the_assessed_balance_carries_the_borrowed_rise_less_the_exemption():
    # balance - financed x (rise - min(max(rise, 0), allowance)), sim.core.fiscal
    assert fiscal.assessed_balance(-2.0, 1.0, 0.0, 1.0) == pytest.approx(-3.0)
    assert fiscal.assessed_balance(-2.0, 1.0, 1.5, 1.0) == pytest.approx(-2.0)
    assert fiscal.assessed_balance(-2.0, 2.0, 1.5, 1.0) == pytest.approx(-2.5)
    assert fiscal.assessed_balance(-2.0, 1.0, 0.0, 0.5) == pytest.approx(-2.5)
    assert fiscal.assessed_balance(-2.0, 1.0, 0.0, 0.0) == pytest.approx(-2.0)
    # a fall narrows the deficit, and the exemption only covers rises
    assert fiscal.assessed_balance(-2.0, -0.5, 1.5, 1.0) == pytest.approx(-1.5)


def test_the_escape_clause_covers_its_members_in_its_years():
    # seeds/escape_clause.csv (S54): Poland and Portugal among the 15, 2025-2028, 1.5% of GDP;
    # Italy did not ask, Germany's request was not yet activated on 8 Jul 2025
    years = np.array([2024, 2025, 2028, 2029])
    room = fiscal.escape_allowance(("POL", "PRT", "ITA", "DEU"), years)
    assert room[:, 0].tolist() == [0.0, 1.5, 1.5, 0.0]
    assert room[:, 1].tolist() == [0.0, 1.5, 1.5, 0.0]
    assert room[:, 2:].sum() == 0.0


def test_the_years_after_the_data_are_the_projected_ones():
    years = np.array([2016, 2017, 2024, 2025])
    assert fiscal.projected_rows(years, 2024).tolist() == [0.0, 0.0, 0.0, 1.0]
    assert fiscal.projected_rows(years, 2016).tolist() == [0.0, 1.0, 1.0, 1.0]
    # the IMF series end in 2024: a later known year is the data's last
    assert fiscal.projected_rows(years, 2030).tolist() == [0.0, 0.0, 0.0, 1.0]


@pytest.fixture(scope="module")
def spain_runs():
    """The Hague scenario with its rises borrowed (the default) and paid for, same seed."""
    scenario = load_scenario("hague")
    borrowed = scenario.params
    paid = dataclasses.replace(borrowed, defence_deficit_financed=0.0)
    out = simulate([borrowed, paid], [scenario.seed] * 2, keep_members=True)
    frame = out.member_frame()
    return borrowed, frame[frame.iso3 == "ESP"]


def test_a_borrowed_rise_keeps_a_high_debt_member_off_the_guideline(spain_runs):
    params, spain = spain_runs
    core = {run: g.set_index("quarter").core_share_pct for run, g in spain.groupby("run_id")}
    borrowed, paid = core[0], core[1]
    assert borrowed["2031Q4"] == pytest.approx(paid["2031Q4"])  # the same until the decision
    # 2032's decision: the rise to the 2% guideline + margin against capacity x fiscal space
    # (sim.core.dynamics.commitment), Spain's space from its 2024 debt and balance (IMF,
    # seeds/panel/) with and without its rise since the end of 2024 on the deficit
    debt, balance = fiscal.series_by_year(("ESP",), np.array([2024]), 2024)
    rise = borrowed["2031Q4"] - borrowed["2025Q1"]  # since the initial state, the 2024 share
    step = params.guideline_floor_pct + params.target_margin_pp - borrowed["2031Q4"]
    room_paid = params.commitment_capacity_pp * fiscal.space(debt, balance)[0, 0]
    room_borrowed = params.commitment_capacity_pp * fiscal.space(debt, balance - rise)[0, 0]
    assert room_borrowed < step <= room_paid
    line = params.guideline_floor_pct + params.target_margin_pp
    assert paid["2032Q1"] == pytest.approx(line)  # keeps the guideline when the rise is paid for
    assert borrowed["2035Q4"] < params.guideline_floor_pct  # never affords it when borrowed


def test_paid_for_rises_leave_the_data_s_space_unchanged():
    # defence_deficit_financed = 0: the projected balance is the last recorded one, the rule
    # before this mechanism (the years after the data hold the last year's values)
    for rise in (-1.0, 0.0, 2.0):
        assert fiscal.assessed_balance(-3.2, rise, 0.0, 0.0) == -3.2
