"""Each process on its own: limit cases and invariants of the dynamics (sim.core.dynamics)."""

from dataclasses import replace

import numpy as np
import pytest

from sim.core import dynamics
from sim.core.dynamics.capacity import build_capacity
from sim.core.ensemble import members_of, simulate
from sim.core.metrics import ALLIANCE_COLUMNS, MEMBER_COLUMNS
from sim.core.params import make_params

QUIET = {
    "hegemon_pressure": 0.0,
    "peer_conformity": 0.0,
    "threat_sensitivity_pp": 0.0,
    "noise_sd_pp": 0.0,
    "use_pledges": False,
    "use_target_exemptions": False,
}


def run(seed=1, **values):
    params = make_params(values)
    return simulate([params], [seed], keep_members=True), params


def alliance(traj, column):
    return traj.alliance[0, :, ALLIANCE_COLUMNS.index(column)]


def member(traj, column):
    return traj.members[0, :, :, MEMBER_COLUMNS.index(column)]


def test_no_pressure_no_threat_leaves_shares_on_trend():
    traj, _ = run(**QUIET)
    core = member(traj, "core_share_pct")
    # the trend is the initial share: with no pressure, threat or noise nothing moves it
    np.testing.assert_array_equal(core, np.broadcast_to(core[0], core.shape))


def rival_output_for(ratio, **values):
    """The rival's initial output that makes the initial munitions ratio ``ratio``: the
    alliance's initial output is what its spending funds (sim.core.dynamics.war.funded_output)."""
    traj, _ = run(**values)
    return ratio * alliance(traj, "alliance_munitions_output")[0]


def test_rival_holds_output_when_target_equals_current_ratio():
    still = {**QUIET, "gdp_growth_pct_per_year": 0.0}
    traj, params = run(
        **still,
        rival_target_ratio=4.0,
        rival_munitions_output_initial_m_per_year=rival_output_for(4.0, **still),
    )
    rival = alliance(traj, "rival_munitions_output")
    # with shares and GDP constant the alliance's output is constant, and the rival's target
    # (4 x alliance output) is its current output, so the gap (and the change) is 0
    assert np.allclose(rival, params.rival_munitions_output_initial_m_per_year, rtol=1e-12)


def test_zero_lead_time_capacity_follows_spending_at_once():
    traj, _ = run(
        hegemon_pressure=0.8,
        noise_sd_pp=0.1,
        munitions_lead_first_quarters=0,
        munitions_lead_full_quarters=0,
    )
    spend = member(traj, "core_spending_usd_bn")
    output = member(traj, "munitions_output")
    armed = spend[0] > 0
    ratio = output[:, armed] / spend[:, armed]
    # output = munitions fraction x spending x (initial output per dollar), every quarter
    np.testing.assert_allclose(ratio, np.broadcast_to(ratio[0], ratio.shape), rtol=1e-12)


def test_capacity_needs_the_lead_time_before_first_output():
    first, full = 5, 13
    traj, _ = run(
        hegemon_pressure=1.0,
        noise_sd_pp=0.0,
        munitions_lead_first_quarters=first,
        munitions_lead_full_quarters=full,
    )
    capacity = member(traj, "munitions_capacity")
    # orders are placed from the first step (row 1) and come online from age `first`, i.e. the
    # first new capacity shows at row 1 + first; before that capacity is the initial one
    np.testing.assert_array_equal(
        capacity[: 1 + first], np.broadcast_to(capacity[0], (1 + first, 32))
    )
    assert (capacity[1 + first] >= capacity[0]).all()
    assert (capacity[1 + first] > capacity[0]).any()


def online_fraction(first: np.ndarray, full: np.ndarray, length: int) -> np.ndarray:
    """Cumulative fraction of an order online by its age in quarters (R, length).

    Zero before ``first``, then a linear ramp reaching 1 at ``full``: each quarter of age from
    ``first`` to ``full`` brings ``1 / (full - first + 1)`` of the order online (the pipeline as
    docs/THEORY.md §4.3 states it; ``build_capacity`` applies it through moving sums).
    """
    age = np.arange(length)[None, :]
    span = full - first + 1
    return np.clip((age - first + 1) / span, 0.0, 1.0)


def test_one_order_comes_online_between_first_and_full_lead():
    first, full = 5, 13
    params = make_params(
        {
            **QUIET,
            "munitions_lead_first_quarters": first,
            "munitions_lead_full_quarters": full,
            "gdp_growth_pct_per_year": 0.0,
        }
    )
    static = dynamics.build_static(params, members_of(params))
    p = dynamics.param_arrays([params])
    c, s = dynamics.initial_state(static, p)
    core = s.core_share_pct + 1.0  # one jump in spending in the first quarter, then flat
    capacity = [s.munitions_capacity]
    for k in range(full + 3):
        new = s._replace(
            k=k + 1,
            core_share_pct=core,
            munitions_capacity=np.empty_like(core),
            munitions_output=np.empty_like(core),
            committed=np.empty_like(core),
            air_defence=np.empty_like(core),
        )
        build_capacity(static.arrays, p, c, s, new, 0, k, 0.0)  # run 0, quarter k; no war
        output = new.munitions_output
        s = new
        capacity.append(new.munitions_capacity)
    arrived = np.diff(np.array(capacity), axis=0)[:, 0]  # (quarters, members), one run
    order = arrived.sum(axis=0)
    armed = order > 0
    # docs/THEORY.md §4.3 (Rheinmetall Unterlüß): nothing for `first` quarters (~15 months), then
    # equal parts each quarter to nameplate at `full` (~39 months): 1/9 of the order per quarter
    expected = np.zeros(full + 3)
    expected[first : full + 1] = 1 / (full - first + 1)
    np.testing.assert_allclose(
        arrived[:, armed] / order[armed], expected[:, None] * np.ones((1, armed.sum())), atol=1e-12
    )
    # the one order is exactly the gap between the funded output and the initial capacity
    np.testing.assert_allclose(capacity[-1], output, rtol=1e-12)
    w = online_fraction(np.array([[first]]), np.array([[full]]), full + 3)[0]
    np.testing.assert_allclose(np.cumsum(expected), w, atol=1e-12)


def test_invariants_hold_under_noise():
    traj, params = run(seed=3, noise_sd_pp=0.3, hegemon_pressure=0.7)
    core = member(traj, "core_share_pct")
    assert (core >= 0).all()
    assert (member(traj, "related_share_pct") >= 0).all()
    np.testing.assert_allclose(
        member(traj, "core_spending_usd_bn"), core / 100 * member(traj, "gdp_usd_bn"), rtol=1e-12
    )
    assert traj.members.shape[2] == 32  # member count conserved
    # the fiscal ramp limit bounds every quarterly change (pledge floors aside; none bind here
    # before 2027)
    change = np.abs(np.diff(core[:8], axis=0))
    assert change.max() <= params.ramp_limit_pp_per_year * dynamics.DT + 1e-12


def test_iceland_stays_at_zero_and_counts_as_a_member():
    traj, _ = run(hegemon_pressure=1.0)
    isl = traj.iso3.index("ISL")
    assert (member(traj, "core_share_pct")[:, isl] == 0).all()
    assert (alliance(traj, "members_at_or_above_2pct") <= 31).all()


def test_uk_pledge_is_a_commitment_kept_as_a_floor():
    # a national pledge is a commitment (sim.core.dynamics.commitment): with commitments binding
    # and room for any step (capacity 10 pp x the UK's fiscal space ~0.5 >> the path's steps)
    # it holds the UK on its path
    traj, _ = run(**{**QUIET, "use_pledges": True, "commitment_capacity_pp": 10.0})
    gbr = traj.iso3.index("GBR")
    core = member(traj, "core_share_pct")[:, gbr]
    quarters = list(traj.quarters)
    # seeds/pledges.csv (S39): 2.5% by 2027 (due 2027Q4), 3.0% by 2034 (due 2034Q4)
    assert core[quarters.index("2027Q4")] == pytest.approx(2.5)
    assert (core[quarters.index("2034Q4") :] >= 3.0 - 1e-12).all()
    # with commitments off (capacity 0, the table's default) a pledge binds no more than the
    # alliance's target: the UK stays where it started (nothing else moves it here)
    off, _ = run(**{**QUIET, "use_pledges": True})
    assert member(off, "core_share_pct")[-1, gbr] == pytest.approx(core[0])


def test_threat_rises_with_exposure_and_ratio():
    values = {**QUIET, "threat_sensitivity_pp": 0.5}
    low, _ = run(**values, rival_munitions_output_initial_m_per_year=rival_output_for(2.0))
    high, _ = run(**values, rival_munitions_output_initial_m_per_year=rival_output_for(8.0))
    members = members_of(make_params({}))
    pol, ita = members.index("POL"), members.index("ITA")
    threat_high = member(high, "threat")[0]
    # log-ratio signal times exposure (POL 1.0, ITA 0.2 in seeds/exposure.csv)
    assert threat_high[pol] == pytest.approx(np.log(8.0))
    assert threat_high[ita] == pytest.approx(0.2 * np.log(8.0))
    assert member(low, "threat")[0][pol] == pytest.approx(np.log(2.0))


def test_free_riding_lowers_desired_share_when_allies_spend_more():
    traj, params = run(**{**QUIET, "hegemon_pressure": 0.8, "free_riding_strength": 0.2})
    free = member(traj, "free_riding_pp")
    core = alliance(traj, "alliance_core_share_pct")
    assert core[-1] > core[0]  # pressure raised the allies' combined share...
    armed = members_of(params).armed
    # ...so every armed member's free-riding term is positive (it lowers the desired share),
    # and it is zero at the start, where the allies' share equals its reference
    assert (free[-1][armed] > 0).all()
    assert (free[0] == 0).all()
    # the term is the strength times the rise in the allies' combined share at the start of
    # the quarter (sim.core.dynamics: a synchronous update reads the previous row)
    usa = traj.iso3.index("USA")
    q = member(traj, "core_spending_usd_bn")[-2]
    gdp = member(traj, "gdp_usd_bn")[-2]
    q0 = member(traj, "core_spending_usd_bn")[0]
    gdp0 = member(traj, "gdp_usd_bn")[0]
    allies_now = 100 * (q.sum() - q[usa]) / (gdp.sum() - gdp[usa])
    allies_start = 100 * (q0.sum() - q0[usa]) / (gdp0.sum() - gdp0[usa])
    assert free[-1][usa] == pytest.approx(0.2 * (allies_now - allies_start), rel=1e-9)


def test_spain_exemption_targets_2_1():
    traj, _ = run(
        hegemon_pressure=1.0,
        noise_sd_pp=0.0,
        adjustment_speed_per_year=4.0,
        threat_sensitivity_pp=0.0,
        free_riding_strength=0.0,
        peer_conformity=0.0,
    )
    esp = traj.iso3.index("ESP")
    # seeds/pledges.csv: Spain's target is 2.1% (S38); full pressure and speed reach the path,
    # which ends at 2.1 at the deadline (2035Q4)
    assert member(traj, "core_share_pct")[-1, esp] == pytest.approx(2.1, abs=0.05)


def test_rival_respects_ceiling_and_ramp():
    traj, params = run(rival_target_ratio=12.0)
    rival = alliance(traj, "rival_munitions_output")
    share = alliance(traj, "rival_defence_share_pct")
    assert share.max() <= params.rival_defence_share_ceiling_pct + 1e-9
    initial = params.rival_munitions_output_initial_m_per_year
    growth = np.diff(rival) / np.maximum(rival[:-1], initial)
    assert growth.max() <= params.rival_ramp_limit_pct_per_year / 100 * dynamics.DT + 1e-12


# --- Bounds that keep every output possible (issue 11; docs/ODD.md §7, sim/core/invariants.py) ---


def _rival_run(**values):
    params = replace(make_params({}), end_quarter="2059Q4", **values)
    traj = simulate([params], [1])
    return params, traj, {c: alliance(traj, c) for c in ALLIANCE_COLUMNS}


def test_strain_cannot_shrink_the_rival_economy_faster_than_the_floor():
    # the tester's case (issue 11): a strain cost of 10 pp of growth per pp of share gave the
    # rival a GDP of -188 bn USD; here the share may rise to 100% of GDP
    _, traj, out = _rival_run(
        rival_strain_growth_cost=10.0,
        rival_target_ratio=12.0,
        rival_defence_share_ceiling_pct=100.0,
    )
    gdp = out["rival_gdp_usd_bn"]
    factor = gdp[1:] / gdp[:-1]
    floor = 1 + dynamics.RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR * dynamics.DT / 100  # -30%/yr
    assert (gdp > 0).all()
    assert factor.min() >= floor * (1 - 1e-12)
    assert factor.min() == pytest.approx(floor, rel=1e-12)  # the floor binds in this run
    assert traj.violations == ("",)


def test_the_rival_share_stays_under_its_ceiling_when_its_economy_shrinks():
    # GDP falls 10%/yr for 35 years from a share at its ceiling (10%) while the rival aims for
    # 12 times the alliance's output: munitions (output x unit cost) take a growing share of a
    # shrinking GDP; the share is held at the ceiling, and output is cut with the rest
    params, traj, out = _rival_run(
        rival_defence_share_initial_pct=10.0,
        rival_defence_share_ceiling_pct=10.0,
        rival_gdp_growth_pct_per_year=-10.0,
        rival_strain_growth_cost=0.0,
        rival_target_ratio=12.0,
    )
    gdp, share = out["rival_gdp_usd_bn"], out["rival_defence_share_pct"]
    output = out["rival_munitions_output"]
    # what its munitions alone would cost at the end, uncut, against the ceiling (% of GDP)
    aim = 12.0 * out["alliance_munitions_output"][-1]
    assert 100 * aim * params.rival_round_cost_usd_k / gdp[-1] > 10.0
    assert share.max() <= params.rival_defence_share_ceiling_pct * (1 + 1e-12)
    assert share[-1] == pytest.approx(params.rival_defence_share_ceiling_pct, rel=1e-12)
    assert output[-1] < 0.5 * aim  # the budget, not the aim, sets the output
    assert traj.violations == ("",)


def test_a_member_cannot_spend_more_than_its_gdp():
    # a fixed anchor of 100% of GDP plus a threat, at full speed with no ramp limit, no free
    # riding and no noise, drives every armed member to the cap: core + related = 100% of GDP
    values = {
        "anchor_mode": "fixed",
        "anchor_fixed_pct_gdp": 100.0,
        "adjustment_speed_per_year": 4.0,
        "ramp_limit_pp_per_year": 100.0,
        "threat_sensitivity_pp": 5.0,
        "related_initial_pct_gdp": 5.0,
        "target_related_pct_gdp": 5.0,
        "free_riding_strength": 0.0,
        "noise_sd_pp": 0.0,
    }
    traj, params = run(**values)
    total = member(traj, "core_share_pct") + member(traj, "related_share_pct")
    armed = members_of(params).armed
    assert (total <= 100.0 + 1e-9).all()
    np.testing.assert_allclose(total[-1, armed], 100.0, rtol=1e-12)
    assert traj.violations == ("",)
    # the docking switch lifts the cap (and the invariant): the same run passes 100%
    uncapped, _ = run(**values, cap_shares_at_gdp=False)
    total = member(uncapped, "core_share_pct") + member(uncapped, "related_share_pct")
    assert total[-1, armed].min() > 100.0
    assert uncapped.violations == ("",)
