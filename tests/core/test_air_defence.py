"""Air and missile defence (sim.core.dynamics.air_defence): funded from core, a goal met on
time when plans are kept, and a capability that relieves perceived threat."""

import numpy as np
import pytest

from sim.core import dynamics
from sim.core.ensemble import members_of
from sim.core.params import make_params

PLANS = {  # every armed ally keeps an annual plan to 3.5% by 2028, whatever its debt
    "end_quarter": "2030Q4",
    "target_deadline_year": 2028,
    "commitment_capacity_pp": 10.0,
    "commitment_annual_plans": True,
    "fiscal_stress_weight": 0.0,
    "noise_sd_pp": 0.0,
    "history_config": "",
}


def states(**values):
    params = make_params({**PLANS, **values})
    static = dynamics.build_static(params, members_of(params))
    p = dynamics.param_arrays([params])
    shocks = np.zeros((1, static.n_steps, static.members.n)), np.zeros((1, static.n_steps))
    return static, params, [s for _, s in dynamics.trajectory(static, p, *shocks)]


def row(static, quarter):
    return list(static.quarters).index(quarter)


def test_kept_plans_reach_the_goal_at_the_deadline_and_hold_it():
    static, _, run = states(air_defence_goal_multiple=5.0)
    armed = np.asarray(static.members.armed, dtype=bool)
    # plan_level solves K(T) = G for the discrete approach, so at the deadline's quarter every
    # armed member is at the goal to rounding, and after it the spending holds it there
    at_deadline = run[row(static, "2028Q4")].air_defence[0, armed]
    assert np.allclose(at_deadline, 5.0, atol=1e-9)
    assert np.allclose(run[-1].air_defence[0, armed], 5.0, atol=1e-9)
    # before the deadline it is below the goal (it approaches from below)
    assert np.all(run[row(static, "2027Q4")].air_defence[0, armed] < 5.0)


def test_without_annual_plans_the_goal_funds_nothing():
    off = {"commitment_annual_plans": False}
    _, _, goal = states(air_defence_goal_multiple=5.0, **off)
    _, _, none = states(air_defence_goal_multiple=1.0, **off)
    for a, b in zip(goal, none, strict=True):
        assert a.air_defence.tobytes() == b.air_defence.tobytes()


def test_capability_follows_its_share_of_core_without_a_goal():
    static, params, run = states(air_defence_goal_multiple=1.0)
    rate, dt = params.air_defence_build_rate_per_year, dynamics.DT
    i = static.members.iso3.index("DEU")
    # K' = K + rate dt (spend / spend at start - K), spend = fraction x core spending: the
    # fraction cancels, so the level sustained is core spending relative to the start
    spend = [s.core_share_pct[0, i] * s.gdp_usd_bn[0, i] for s in run]
    k = 1.0
    for q in range(1, len(run)):
        k = k + rate * dt * (spend[q] / spend[0] - k)
        assert run[q].air_defence[0, i] == pytest.approx(k, rel=1e-12)


def test_air_defence_is_funded_from_core_never_beyond_it():
    # a goal of 20x by 2026: the plan asks for more than core less munitions can give (its level
    # (20 - K a^m) / (1 - a^m) with a = 1 - 0.25/4 and m <= 4 quarters is above 80, the cap
    # (1 - 0.05) / 0.03 = 31.7 below), so from the first kept year (the plans bind from the first
    # year start after the initial state, 2026Q1) capability approaches the capped level exactly
    static, params, run = states(
        air_defence_goal_multiple=20.0, target_deadline_year=2026, end_quarter="2026Q4"
    )
    i = static.members.iso3.index("DEU")
    cap_share = (1 - params.munitions_fraction_of_core) / params.air_defence_fraction_of_core
    spend0 = run[0].core_share_pct[0, i] * run[0].gdp_usd_bn[0, i]
    rate, dt = params.air_defence_build_rate_per_year, dynamics.DT
    first = row(static, "2026Q1")
    k = run[first - 1].air_defence[0, i]
    for q in range(first, len(run)):
        spend = run[q].core_share_pct[0, i] * run[q].gdp_usd_bn[0, i]
        k = k + rate * dt * (cap_share * spend / spend0 - k)
        assert run[q].air_defence[0, i] == pytest.approx(k, rel=1e-12)
    assert run[-1].air_defence[0, i] < 20.0


def test_air_defence_relieves_the_threat_a_member_perceives():
    # the rival's output as the signal, held still: both runs get the same signal every quarter
    base = {
        "air_defence_goal_multiple": 5.0,
        "threat_signal": "rival_output",
        "rival_adjustment_speed_per_year": 0.0,
    }
    static, params, plain = states(air_defence_threat_relief=0.0, **base)
    _, _, relieved = states(air_defence_threat_relief=0.3, **base)
    # at the first step capability is 1 (the start): no relief, the same threat to the bit
    assert relieved[1].threat.tobytes() == plain[1].threat.tobytes()
    # later the defended members feel less: one step of the smoothing with the signal divided
    # by 1 + 0.3 (K - 1), K the capability the quarter before
    k = row(static, "2028Q1")
    i = static.members.iso3.index("POL")
    memory = params.threat_memory
    signal = (plain[k].threat[0, i] - memory * plain[k - 1].threat[0, i]) / (1 - memory)
    before = relieved[k - 1]
    expected = memory * before.threat[0, i] + (1 - memory) * signal / (
        1 + 0.3 * (before.air_defence[0, i] - 1)
    )
    assert before.air_defence[0, i] > 2.0  # the plan has built it up: the relief has bite
    assert relieved[k].threat[0, i] == pytest.approx(expected, rel=1e-10)
    assert relieved[-1].threat[0, i] < plain[-1].threat[0, i]
