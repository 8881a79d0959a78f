"""The rival (issue 5, item 6; issue 16; docs/THEORY.md §6 target 10; docs/VALIDATION.md).

The default rival sits at about 7% of GDP in 2024-2025; the munitions ratio is not an input (it
starts where the outputs put it and comes out between 2.5 and 4.5 in 2025); the backcast's rival
and allies follow the record of spending and output 2014-2024 within stated tolerances; the
scenario levers move the ratio the way the mechanism implies; and the rival's output never
breaks its capacity, ramp limit or budget (a property test over random parameters).
"""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import dynamics, panel
from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.core.ensemble import members_of, simulate
from sim.core.metrics import ALLIANCE_COLUMNS
from sim.validation import rival_record

HAGUE = ROOT / "configs" / "hague.toml"
# docs/THEORY.md §4.1 / §6 target 10: SIPRI 7.1% (2024), 7.2% planned (2025, SIPRI total); IISS 6.7%
# (2024, seeds/rival.csv S25); SIPRI v1.2 7.5% (2025, S10). "About 7%": within [6.7, 7.5].
RIVAL_SHARE_RANGE = (6.7, 7.5)


def column(traj, name):
    return traj.alliance[:, :, ALLIANCE_COLUMNS.index(name)]


def test_default_rival_sits_at_about_seven_percent_in_2025():
    scenario = load_scenario(HAGUE)
    traj = simulate([scenario.params] * 20, list(range(20)))
    share = column(traj, "rival_defence_share_pct")
    rows = [i for i, q in enumerate(traj.quarters) if q.startswith("2025")]
    assert share[:, 0] == pytest.approx(7.1)  # 2025Q1 starts from SIPRI's 2024 value
    lo, hi = RIVAL_SHARE_RANGE
    assert lo <= share[:, rows].mean() <= hi
    assert (share[:, rows] >= lo).all() and (share[:, rows] <= hi).all()


def annual(traj, name):
    """Each year's mean of an alliance column over the runs (year -> value)."""
    years = np.array([int(q[:4]) for q in traj.quarters])
    values = column(traj, name).mean(axis=0)
    return {y: values[years == y].mean() for y in np.unique(years)}


def test_the_ratio_starts_where_the_outputs_put_it():
    # without a history the allies' initial output is what their spending funds: the peacetime
    # share of core at the unit cost (no war in 2014); the ratio is the rival's over that
    scenario = load_scenario(ROOT / "configs" / "backcast_2014.toml")
    p = scenario.params
    members = members_of(p)
    spend = members.core_share_pct / 100 * members.gdp_usd_bn
    allies = p.munitions_fraction_of_core * spend.sum() / p.alliance_round_cost_usd_k
    traj = simulate([p], [scenario.seed])
    assert column(traj, "alliance_munitions_output")[0, 0] == pytest.approx(allies, rel=1e-12)
    ratio = p.rival_munitions_output_initial_m_per_year / allies
    assert column(traj, "munitions_ratio")[0, 0] == pytest.approx(ratio, rel=1e-12)


def test_the_2025_ratio_comes_out_between_2_5_and_4_5():
    # issue 16 item 1: the default scenario has no ratio target (rival_target_ratio 0); the
    # ratio of the year's outputs in 2025 comes out of the war, the stocks and the budgets
    scenario = load_scenario(HAGUE)
    assert scenario.params.rival_target_ratio == 0.0
    traj = simulate([scenario.params], [scenario.seed])
    ratio = (
        annual(traj, "rival_munitions_output")[2025]
        / annual(traj, "alliance_munitions_output")[2025]
    )
    assert 2.5 <= ratio <= 4.5


BACKCAST_RUNS = 100
"""The backcast's rival takes a budget shock (rival_budget_noise_sd_pp, whose stationary s.d. is
about 0.7 pp): the record is compared with the ensemble's mean, whose standard error over 100
runs is about 0.07 pp, well inside the tolerances below."""


@pytest.fixture(scope="module")
def backcast():
    scenario = load_scenario(ROOT / "configs" / "backcast_2014.toml")
    seeds = [scenario.seed + k for k in range(BACKCAST_RUNS)]
    return simulate([scenario.params] * BACKCAST_RUNS, seeds)


def test_the_backcast_rival_spends_as_the_record_says(backcast):
    # SIPRI's share of GDP for the rival (seeds/panel/sipri_milex_share_gdp_1990_2024.csv):
    # about 4% before the war (2014-2021 mean 4.25), 7.05% in 2024; tolerance 0.5 pp on the
    # pre-war mean, 1 pp in 2024 (the model rises more slowly: 6.35)
    rows = panel.rival_spending("milex_share_gdp")
    rows = rows[rows["source_id"].str.startswith("SIPRI")]
    sipri = dict(zip(rows["year"], rows["value"], strict=True))
    model = annual(backcast, "rival_defence_share_pct")
    pre_war = range(2014, 2022)
    assert abs(np.mean([model[y] for y in pre_war]) - np.mean([sipri[y] for y in pre_war])) < 0.5
    assert abs(model[2024] - sipri[2024]) < 1.0
    assert model[2022] < model[2023] < model[2024]  # it rises through the war


def test_the_backcast_outputs_match_the_dated_estimates(backcast):
    # seeds/panel/artillery_ammunition_production_estimates_2022_2024.csv, read as ranges in
    # sim.validation.rival_record.OUTPUT_RANGES (each with its sources): the rival ~0.4M rounds
    # a year before the war, 2-3M in 2024; the allies 0.5-1.0M in 2023, 1.2-2.0M in 2024
    assert len(rival_record.OUTPUT_RANGES) == 4
    for seen in rival_record.OUTPUT_RANGES:
        model = annual(backcast, seen.quantity)[seen.year]
        assert seen.low <= model <= seen.high, (seen.quantity, seen.year, model)


@pytest.fixture(scope="module")
def levers():
    """2035 and 2030-2035 ratios of the Hague path and the four rival scenarios (one seed)."""
    out = {}
    for name in ("hague", "ceasefire_2026", "sanctions_tightened", "oil_collapse", "war_economy"):
        scenario = load_scenario(ROOT / "configs" / f"{name}.toml")
        traj = simulate([scenario.params], [scenario.seed])
        ratio = column(traj, "munitions_ratio")[0]
        years = np.array([int(q[:4]) for q in traj.quarters])
        out[name] = (ratio[-1], ratio[years >= 2030].mean(), traj)
    return out


def test_the_levers_move_the_ratio_the_way_the_mechanism_implies(levers):
    hague_end, hague_late, _ = levers["hague"]
    # a ceasefire ends the war's consumption: the rival falls back toward peacetime output
    assert levers["ceasefire_2026"][1] < 0.5 * hague_late
    # sanctions and an oil collapse cut revenue: the budget binds earlier and output is cut
    for name in ("sanctions_tightened", "oil_collapse"):
        assert levers[name][1] < hague_late and levers[name][0] < hague_end, name
    # the cheaper oil (42% below plan) binds harder than 30% lost to sanctions at $63
    assert levers["oil_collapse"][1] < levers["sanctions_tightened"][1]
    # a war economy (more taxes, twice the debt room) keeps paying when the Hague path's cannot
    assert levers["war_economy"][0] > hague_end


def test_the_hague_rival_runs_out_of_money_by_2035(levers):
    # reserves of $37.5 bn and debt room from 14.5% to 30% of GDP (configs/hague.toml) against
    # a deficit of ~2% of GDP a year last about nine years: by 2035 the budget binds
    traj = levers["hague"][2]
    assert column(traj, "rival_reserves_usd_bn")[0, -1] == 0.0
    assert column(traj, "rival_debt_pct")[0, -1] == pytest.approx(30.0, abs=0.2)
    assert column(traj, "rival_reserves_usd_bn")[0, 4] > 0.0  # still some in 2026Q1


finite = {"allow_nan": False, "allow_infinity": False}


@settings(max_examples=60, deadline=None)
@given(
    output0=st.floats(0.01, 50, **finite),
    target=st.floats(0, 30, **finite),
    consumption=st.floats(0, 30, **finite),
    speed=st.floats(0, 4, **finite),
    ramp=st.floats(0, 1000, **finite),
    noise=st.floats(0, 50, **finite),
    share0=st.floats(0.5, 40, **finite),
    headroom=st.floats(0, 30, **finite),
    cost=st.floats(0, 20, **finite),
    funded=st.floats(0, 20, **finite),
    oil=st.floats(0, 150, **finite),
    growth=st.floats(-10, 10, **finite),
    strain=st.floats(0, 10, **finite),
    seed=st.integers(0, 2**31),
)
def test_rival_output_never_breaks_its_capacity_ramp_or_budget(
    output0, target, consumption, speed, ramp, noise, share0, headroom, cost, funded, oil, growth,
    strain, seed,
):  # fmt: skip
    base = load_scenario(HAGUE).params
    params = dataclasses.replace(
        base,
        history_config="",
        rival_munitions_output_initial_m_per_year=output0,
        rival_target_ratio=target,
        rival_war_consumption_m_per_year=consumption,
        rival_adjustment_speed_per_year=speed,
        rival_ramp_limit_pct_per_year=ramp,
        rival_noise_sd_pct=noise,
        rival_defence_share_initial_pct=share0,
        rival_defence_share_ceiling_pct=share0 + headroom,
        rival_round_cost_usd_k=cost,
        rival_defence_share_funded_pct=funded,
        oil_price_usd_per_bbl=oil,
        rival_gdp_growth_pct_per_year=growth,
        rival_strain_growth_cost=strain,
    )
    members = members_of(params)
    static = dynamics.build_static(params, members)
    p = dynamics.param_arrays([params])
    member_noise, rival_noise = dynamics.draw_shocks([seed], static.n_steps, members.n)
    c, s = dynamics.initial_state(static, p)
    y0 = c.rival_output_initial[0]
    tol = 1e-9
    for k in range(static.n_steps):
        new = dynamics.step(static, p, c, s, member_noise[:, k], rival_noise[:, k])
        y, y1 = s.rival_output[0], new.rival_output[0]
        limit = ramp / 100 * dynamics.DT * max(y, y0)
        assert y1 >= 0.0
        assert y1 <= new.rival_capacity[0] * (1 + tol) + tol  # its factories hold
        assert y1 - y <= limit * (1 + tol) + tol  # the ramp limit holds going up
        # the defence share stays under its ceiling (a share that starts above what it can pay
        # is cut to it in the first quarter)
        assert new.rival_defence_share_pct[0] <= (share0 + headroom) * (1 + tol) + tol
        assert new.rival_reserves_usd_bn[0] >= 0.0
        ceiling = max(params.rival_debt_ceiling_pct, s.rival_debt_pct[0])
        assert new.rival_debt_pct[0] <= ceiling + tol
        assert new.rival_stock[0] >= 0.0 and new.alliance_stock[0] >= 0.0
        s = new
