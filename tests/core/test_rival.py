"""The rival's decision, its budget, its factories and the war's stocks (issue 16), quarter by
quarter against the equations' own arithmetic (sim/core/dynamics/rival.py, rival_budget.py,
war.py; docs/ODD.md §3, process 6).

Each test runs a short trajectory without noise from the parameter table's defaults (no war,
no history) with the levers it studies, and checks an identity or a limit that follows from the
rules by arithmetic.
"""

import numpy as np
import pytest

from sim.core import dynamics
from sim.core.dynamics.rival_budget import funded_share, oil_term
from sim.core.ensemble import members_of
from sim.core.params import make_params

QUIET = {"noise_sd_pp": 0.0, "rival_noise_sd_pct": 0.0, "end_quarter": "2030Q4"}


def states(**values):
    """Every state of one run (the initial one first), with its static and parameters."""
    params = make_params({**QUIET, **values})
    members = members_of(params)
    static = dynamics.build_static(params, members)
    p = dynamics.param_arrays([params])
    shocks = np.zeros((1, static.n_steps, members.n)), np.zeros((1, static.n_steps))
    return params, static, p, [s for _, s in dynamics.trajectory(static, p, *shocks)]


def test_oil_and_sanctions_move_what_the_budget_funds():
    # the budget funds its share less the oil shortfall, oil_gas x (1 - price/reference x (1 -
    # loss)), one for one; a windfall funds nothing more (it goes to reserves)
    cases = [
        ({"oil_price_usd_per_bbl": 35.0}, 4.65 * (35 / 60 - 1)),
        (
            {"oil_price_usd_per_bbl": 63.0, "sanctions_revenue_loss": 0.3},
            4.65 * (0.7 * 63 / 60 - 1),
        ),
        ({"oil_price_usd_per_bbl": 90.0}, 4.65 * (90 / 60 - 1)),
    ]
    for values, term in cases:
        p = dynamics.param_arrays([make_params({"rival_defence_share_funded_pct": 5.35, **values})])
        assert oil_term(p, 0) == pytest.approx(term, rel=1e-12)
        assert funded_share(p, 0) == pytest.approx(5.35 + min(term, 0.0), rel=1e-12)


def test_a_deficit_draws_reserves_then_debt_then_the_share_is_cut():
    # a budget that funds 5% of GDP against a share of 7.1%: each quarter's deficit (share -
    # funded) x GDP x 0.25 comes out of reserves until they are spent, then out of borrowing up
    # to the debt ceiling; then the rival can pay only for what its budget funds
    params, _, _, run = states(
        rival_defence_share_funded_pct=5.0,
        rival_reserves_initial_usd_bn=30.0,
        rival_debt_initial_pct=10.0,
        rival_debt_ceiling_pct=12.0,
        rival_strain_growth_cost=0.0,
    )
    spent = borrowed = cut = False
    for s, new in zip(run, run[1:], strict=False):
        gdp, share = new.rival_gdp_usd_bn[0], new.rival_defence_share_pct[0]
        deficit = max(0.0, share - 5.0) / 100 * gdp * dynamics.DT
        drawn = min(s.rival_reserves_usd_bn[0], deficit)
        assert new.rival_reserves_usd_bn[0] == pytest.approx(s.rival_reserves_usd_bn[0] - drawn)
        debt = s.rival_debt_pct[0] + 100 * (deficit - drawn) / gdp
        assert new.rival_debt_pct[0] == pytest.approx(debt, rel=1e-12, abs=1e-12)
        assert new.rival_debt_pct[0] <= 12.0 + 1e-9  # never beyond the ceiling
        spent |= new.rival_reserves_usd_bn[0] == 0.0
        borrowed |= new.rival_debt_pct[0] > 10.0
        cut |= share < 7.0
    assert spent and borrowed and cut  # all three stages happen in this run
    # at the end, reserves spent and debt at the ceiling: the share is what the budget funds
    assert run[-1].rival_defence_share_pct[0] == pytest.approx(5.0, abs=1e-9)
    assert params.rival_defence_share_initial_pct == 7.1


def test_a_windfall_goes_to_reserves():
    _, _, _, run = states(oil_price_usd_per_bbl=90.0)
    # oil at 90 against a plan of 60: 4.65 x 0.5 = 2.325% of GDP a year into reserves
    gdp = run[1].rival_gdp_usd_bn[0]
    expected = 37.5 + 2.325 / 100 * gdp * dynamics.DT
    assert run[1].rival_reserves_usd_bn[0] == pytest.approx(expected, rel=1e-12)


def test_the_war_consumes_stocks_and_peace_leaves_them_alone():
    # no war: the rival aims for its baseline and uses it, the allies use their peacetime
    # output; a war from the start fires consumption beyond the output, never below zero stock
    _, _, _, peace = states(rival_output_baseline_m_per_year=3.0)
    assert all(s.rival_stock[0] == pytest.approx(3.0, rel=1e-12) for s in peace)
    _, static, _, war = states(
        war_start_quarter="2025Q1",
        rival_war_consumption_m_per_year=12.0,
        alliance_war_supply_m_per_year=2.0,
    )
    assert static.war_on.all()
    stock = np.array([s.rival_stock[0] for s in war])
    assert stock[0] == 3.0 and (stock >= 0).all() and stock[-1] == 0.0
    for s, new in zip(war, war[1:], strict=False):
        out = new.rival_output[0]
        fired = min(12.0, s.rival_stock[0] / dynamics.DT + out)  # baseline 0 by default
        assert new.rival_stock[0] == pytest.approx(
            max(0.0, s.rival_stock[0] + (out - fired) * dynamics.DT), abs=1e-12
        )
    assert war[-1].alliance_stock[0] < war[0].alliance_stock[0]


def test_the_allies_fund_the_war_s_supply_on_top_of_peacetime():
    # at the start every member's output is what its spending funds: its peacetime share of
    # core at the unit cost, plus its part (by core spending) of replacing the supply
    params, static, p, run = states(war_start_quarter="2025Q1", alliance_war_supply_m_per_year=1.5)
    spend = static.members.core_share_pct / 100 * static.members.gdp_usd_bn
    peace = params.munitions_fraction_of_core * spend / params.alliance_round_cost_usd_k
    expected = peace + 1.5 * spend / spend.sum()
    np.testing.assert_allclose(run[0].munitions_output[0], expected, rtol=1e-12)
    assert run[0].alliance_output[0] == pytest.approx(peace.sum() + 1.5, rel=1e-12)


def test_a_ceasefire_ends_the_war_s_consumption_and_effort():
    _, static, _, run = states(
        war_start_quarter="2025Q1",
        ceasefire_quarter="2026Q1",
        rival_war_consumption_m_per_year=7.0,
        rival_war_effort_pct=3.0,
        rival_output_baseline_m_per_year=0.4,
        end_quarter="2035Q4",
    )
    assert static.war_on[:4].all() and not static.war_on[4:].any()
    # the war effort was in the initial share: peace takes it out again, over time
    share = np.array([s.rival_defence_share_pct[0] for s in run])
    assert share[-1] < share[0] - 2.5
    # the rival's output falls back toward its peacetime baseline
    assert run[-1].rival_output[0] == pytest.approx(0.4, rel=0.05)


def test_the_rival_s_factories_need_their_lead_time():
    # a war from the start raises the aim at once; orders come online from the 2nd to the 5th
    # quarter after they are placed, evenly, so capacity is flat for the first two quarters
    _, _, _, run = states(
        war_start_quarter="2025Q1",
        rival_war_consumption_m_per_year=10.0,
        rival_munitions_lead_first_quarters=2,
        rival_munitions_lead_full_quarters=5,
    )
    capacity = np.array([s.rival_capacity[0] for s in run])
    output = np.array([s.rival_output[0] for s in run])
    assert capacity[0] == capacity[1] == capacity[2] == 3.0
    assert capacity[3] > 3.0
    assert (output <= capacity * (1 + 1e-12)).all()
    # everything ordered arrives by the full lead: capacity meets what was committed
    assert capacity[-1] == pytest.approx(run[-1].rival_committed[0], rel=1e-12)
