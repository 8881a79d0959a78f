"""Every shipped scenario runs, and its summary does what that scenario is for.

Scenarios are compared with the same seed (paired), so differences are effects, not noise.
Configs added for docking and validation (``richardson_*``, ``oz_*``) are checked by their own
tests; here they must only run and give finite numbers.
"""

import math

import pytest

from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.core.regimes import REGIMES
from sim.runs.run import simulate_scenario

CONFIGS = sorted(p.name for p in (ROOT / "configs").glob("*.toml"))


@pytest.fixture(scope="module")
def summaries():
    out = {}
    for name in CONFIGS:
        scenario = load_scenario(ROOT / "configs" / name, seed=2025)
        alliance, _, summary = simulate_scenario(scenario)
        out[name.removesuffix(".toml")] = (summary, alliance, scenario.params)
    return out


def final(summaries, name, metric):
    return summaries[name][0]["final"][metric]


@pytest.mark.parametrize("name", CONFIGS)
def test_every_config_runs_with_finite_outputs(summaries, name):
    summary, alliance, _ = summaries[name.removesuffix(".toml")]
    numbers = alliance.drop(columns="quarter").to_numpy()
    assert math.isfinite(numbers.sum())
    assert summary["regime"] in REGIMES


def test_hague_raises_spending_and_air_defence(summaries):
    summary, alliance, _ = summaries["hague"]
    assert summary["start"] == "2025Q1" and summary["end"] == "2035Q4"
    core = alliance["alliance_core_share_pct"]
    # the 3.5% path pulls the alliance up, by more than 0.1 pp (the precision the README and the
    # reports quote shares at); how far is the fitted pressure weight's call (issue 15)
    assert core.iloc[-1] > core.iloc[0] + 0.1
    assert summary["cumulative_extra_spending_usd_bn"] > 0


def test_status_quo_spends_less_than_hague(summaries):
    # the 3.5% target: at least as many allies at 3.5% and more at 5% (core + related) than the
    # 2% status quo; the alliance's core share is the same to the 0.1 pp the README quotes (the
    # behavioural Hague default: its 3.5% line binds only from 2035, a member keeps it then only
    # if the rise is within one budget, and both carry the backcast's threat and momentum),
    # while with annual plans (pledges_slip) it is well above
    assert final(summaries, "status_quo_2pct", "members_at_or_above_3_5pct") <= final(
        summaries, "hague", "members_at_or_above_3_5pct"
    )
    assert final(summaries, "status_quo_2pct", "members_at_or_above_5pct") < final(
        summaries, "hague", "members_at_or_above_5pct"
    )
    assert (
        abs(
            final(summaries, "status_quo_2pct", "alliance_core_share_pct")
            - final(summaries, "hague", "alliance_core_share_pct")
        )
        < 0.1
    )
    assert final(summaries, "status_quo_2pct", "alliance_core_share_pct") < final(
        summaries, "pledges_slip", "alliance_core_share_pct"
    )
    # no air-defence goal: capability only follows core spending, far below the plans' build-up
    assert final(summaries, "status_quo_2pct", "air_defence_vs_2025") < final(
        summaries, "pledges_slip", "air_defence_vs_2025"
    )


def test_hegemon_pressure_orders_the_outcomes(summaries):
    strong = final(summaries, "hegemon_strong", "alliance_core_share_pct")
    base = final(summaries, "hague", "alliance_core_share_pct")
    weak = final(summaries, "hegemon_weak", "alliance_core_share_pct")
    assert strong > base > weak


def test_rival_ratio_targets(summaries):
    # the stylised rival of Richardson's model (configs/rival_ratio_*.toml) aims for N times
    # the alliance's output in place of the war's needs: the ratio ends near its aim
    ratio_3 = final(summaries, "rival_ratio_3", "munitions_ratio")
    ratio_4 = final(summaries, "rival_ratio_4", "munitions_ratio")
    ratio_12 = final(summaries, "rival_ratio_12", "munitions_ratio")
    assert 2.5 < ratio_3 < 3.5
    assert ratio_3 < ratio_4 < ratio_12
    # chasing 12:1 its budget binds (reserves spent, debt at its ceiling: sim.core.regimes)
    assert summaries["rival_ratio_12"][0]["regime"] == "rival_exhausted"
    assert ratio_12 < 12.0 * 0.95


def test_rival_that_stops_escalating_holds_its_output(summaries):
    _, alliance, _ = summaries["rival_stops"]
    output = alliance["rival_munitions_output"]
    assert (output == output.iloc[0]).all()  # frozen where the backcast left it
    assert final(summaries, "rival_stops", "munitions_ratio") < final(
        summaries, "hague", "munitions_ratio"
    )


def test_backcast_runs_2014_to_2024_and_members_rise(summaries):
    summary, alliance, _ = summaries["backcast_2014"]
    assert summary["start"] == "2014Q3" and summary["end"] == "2024Q4"
    counts = alliance["members_at_or_above_2pct"]
    assert counts.iloc[0] == 3  # alliance_facts.csv: 3 allies at 2% in 2014
    assert counts.iloc[-1] > counts.iloc[0]


def test_pledges_kept_puts_the_allies_on_the_hague_line(summaries):
    # issue 15 item 7: at least 29 of the 31 armed allies at >= 3.5% core and >= 5% core +
    # related in 2035 when every pledge is kept (Spain's own 2.1% target, S38, is the exception
    # the scenario allows: its plan ends at 2.1% + margin)
    assert final(summaries, "pledges_kept", "members_at_or_above_3_5pct") >= 29
    assert final(summaries, "pledges_kept", "members_at_or_above_5pct") >= 29
    # and the +400% air-defence goal (S31): every plan kept funds the spending that reaches 5x
    # exactly at 2035Q4 (sim.core.dynamics.air_defence.plan_level; 1e-9 for rounding)
    assert final(summaries, "pledges_kept", "air_defence_vs_2025") >= 5.0 - 1e-9


def test_the_air_defence_goal_is_met_only_when_the_plans_are_kept(summaries):
    # plans that slip under fiscal stress fund less of the goal, a debt shock less again; without
    # annual plans (the behavioural Hague default) nothing funds it: capability follows core
    # spending, as in the status quo
    ad = {
        name: final(summaries, name, "air_defence_vs_2025")
        for name in ("pledges_kept", "pledges_slip", "debt_shock", "hague", "status_quo_2pct")
    }
    assert ad["pledges_kept"] > ad["pledges_slip"] > ad["debt_shock"] > ad["hague"]
    assert ad["pledges_slip"] < 5.0
    assert ad["hague"] < 2.0  # core spending alone: 3.2% / 2.2% of GDP x 1.16 (GDP) < 2


def test_fiscal_stress_orders_the_pledge_scenarios(summaries):
    # the same annual plans, kept where affordable: fiscal stress can only remove keepers, and a
    # debt and deficit shock on top only removes more (sim.core.fiscal: space falls with stress)
    counts = [
        final(summaries, name, "members_at_or_above_3_5pct")
        for name in ("pledges_kept", "pledges_slip", "debt_shock")
    ]
    assert counts[0] > counts[1] > counts[2]
    shares = [
        final(summaries, name, "alliance_core_share_pct")
        for name in ("pledges_kept", "pledges_slip", "debt_shock")
    ]
    assert shares[0] > shares[1] > shares[2]


def test_us_retrenchment_lowers_the_alliance_s_share(summaries):
    # the US retrenches from 2027 (sim.core.dynamics.retrenchment): its desired share falls
    # d = 0.25 pp a year (configs/us_retrenchment.toml) for T = 8.75 years to 2035Q4; a share
    # following that target by partial adjustment at s = 0.129 a year (configs/behaviour.toml)
    # lags it by d/s (1 - exp(-s T)) = 1.31 pp, so it falls d T - 1.31 = 0.88 pp; the US is 53%
    # of alliance GDP (seeds/nato_members.csv), so the alliance's share falls about 0.46 pp. The
    # test asks for 0.2, leaving room for the noise and the others' reaction to the fading pressure
    assert (
        final(summaries, "us_retrenchment", "alliance_core_share_pct")
        < final(summaries, "hague", "alliance_core_share_pct") - 0.2
    )
    assert (
        summaries["us_retrenchment"][0]["cumulative_extra_spending_usd_bn"]
        < summaries["hague"][0]["cumulative_extra_spending_usd_bn"]
    )
