"""Commitments that bind at their deadline (sim.core.dynamics.commitment) and fiscal space from
the IMF series (sim.core.fiscal)."""

import math

import numpy as np
import pytest

from sim.core import dynamics, fiscal
from sim.core.ensemble import members_of
from sim.core.params import make_params

# the backcast's shape (configs/backcast_2014.toml): the Wales pledge, 2% by 2024, from the 2014
# shares; no pressure, threat, free riding or noise, so that only the commitment moves a share
WALES = {
    "start_quarter": "2014Q3",
    "end_quarter": "2026Q4",
    "initial_data_year": 2014,
    "target_core_pct_gdp": 2.0,
    "target_deadline_year": 2024,
    "use_pledges": False,
    "use_target_exemptions": False,
    "hegemon_pressure": 0.0,
    "peer_conformity": 0.0,
    "threat_sensitivity_pp": 0.0,
    "free_riding_strength": 0.0,
    "noise_sd_pp": 0.0,
    "target_margin_pp": 0.05,
}
LINE = 2.05  # target + margin


def trajectory(**values):
    """The quiet Wales run with ``values`` changed: its static part and every state."""
    params = make_params({**WALES, **values})
    static = dynamics.build_static(params, members_of(params))
    p = dynamics.param_arrays([params])
    shocks = np.zeros((1, static.n_steps, static.members.n)), np.zeros((1, static.n_steps))
    return static, [s for _, s in dynamics.trajectory(static, p, *shocks)]


def states(**values):
    """The core shares and the commitment decisions of that run, (T+1, N) each."""
    static, out = trajectory(**values)
    core = np.stack([s.core_share_pct[0] for s in out])
    kept = np.stack([s.commitment_kept[0] for s in out])
    return static, core, kept


def test_fiscal_space_is_one_within_the_reference_values_and_falls_beyond():
    # Maastricht reference values: 60% debt, 3% deficit (sim.core.fiscal)
    assert fiscal.space(np.array([60.0, 20.0]), np.array([-3.0, 2.0])).tolist() == [1.0, 1.0]
    # each excess in units of its reference value: 120% debt is one unit, a 6% deficit one unit
    assert fiscal.space(np.array([120.0]), np.array([-3.0]))[0] == pytest.approx(math.exp(-1))
    assert fiscal.space(np.array([60.0]), np.array([-6.0]))[0] == pytest.approx(math.exp(-1))
    assert fiscal.space(np.array([120.0]), np.array([-6.0]))[0] == pytest.approx(math.exp(-2))


def test_fiscal_space_holds_the_first_year_before_and_the_last_known_year_after():
    years = np.array([2010, 2014, 2020, 2023, 2030])
    s = fiscal.space_by_year(("ITA", "DEU", "M0001"), years, known_until=2020)
    assert np.array_equal(s[0], s[1])  # before 2014: 2014's values
    assert np.array_equal(s[2], s[3]) and np.array_equal(s[2], s[4])  # after 2020: 2020's
    assert (s[:, 2] == 1.0).all()  # a synthetic member without IMF series: full space
    full = fiscal.space_by_year(("ITA",), np.array([2023]), known_until=2024)
    assert full[0, 0] != s[3, 0]  # the 2023 value itself once it may be read
    with pytest.raises(ValueError, match="known until 2010"):
        fiscal.space_by_year(("ITA",), years, known_until=2010)


def test_off_by_default_and_nothing_binds_before_the_deadline():
    _, off, kept_off = states()
    static, on, kept_on = states(commitment_capacity_pp=1.0)
    assert (kept_off == 0).all()
    before = np.flatnonzero(static.times < 2024)
    assert on[before].tobytes() == off[before].tobytes()  # bit for bit until 2023Q4
    assert (kept_on[before] == 0).all()
    assert (off == off[0]).all()  # quiet: without the commitment nothing moves at all


def test_at_the_deadline_those_with_the_fiscal_space_keep_it_and_bunch_on_the_line():
    capacity = 1.0
    static, core, kept = states(commitment_capacity_pp=capacity)
    q = list(static.quarters).index("2024Q1")
    armed = np.asarray(static.members.armed, dtype=bool)
    # the rule, worked out here: a member keeps when its gap to the line at the end of 2023 is
    # at most capacity x its fiscal space of 2024 (sim.core.fiscal, the IMF series)
    space = fiscal.space_by_year(static.members.iso3, np.array([2024]), 2024)[0]
    gap = LINE - core[q - 1]
    expected = armed & (gap <= capacity * space)
    assert 5 <= expected.sum() < armed.sum()  # the test separates members (2014 shares)
    assert np.array_equal(kept[q] > 0, expected)
    # keepers move onto the line (or stay above it) and stay there; the others do not move
    keepers = expected & (core[q - 1] < LINE)
    assert keepers.any()
    assert np.all(core[q:, keepers] == LINE)  # bunching exactly on the line
    assert np.array_equal(
        core[q:, expected & ~keepers],
        np.broadcast_to(core[q - 1, expected & ~keepers], core[q:, expected & ~keepers].shape),
    )
    assert np.array_equal(
        core[q:, ~expected], np.broadcast_to(core[q - 1, ~expected], core[q:, ~expected].shape)
    )


def test_with_no_fiscal_limit_every_armed_member_keeps_it():
    # fiscal_stress_weight 0 gives every member space 1 (sim.core.fiscal); a capacity of 3 pp
    # exceeds every gap to the line at the end of 2023, worked out here: all armed members keep it
    static, core, kept = states(commitment_capacity_pp=3.0, fiscal_stress_weight=0.0)
    q = list(static.quarters).index("2024Q1")
    armed = np.asarray(static.members.armed, dtype=bool)
    assert (LINE - core[q - 1, armed]).max() <= 3.0
    assert (kept[q:, armed] == 1).all()
    assert np.all(core[q:, armed] >= LINE)
    # Iceland (no armed forces) never does: its share stays 0
    assert (core[:, ~armed] == 0).all() and (kept[:, ~armed] == 0).all()


def plan_line(static, t):
    """The annual-plan path at times t, worked out here as in docs/ODD.md: the straight line
    from each member's 2014 share to the line at the end of the deadline year (2024Q4)."""
    start = np.asarray(static.members.core_share_pct)
    fraction = np.clip(
        (np.asarray(t)[:, None] - static.times[0]) / (2024.75 - static.times[0]), 0, 1
    )
    return start + (LINE - start) * fraction


def test_annual_plans_hold_every_member_on_its_path_from_the_first_budget():
    static, core, kept = states(
        commitment_capacity_pp=3.0, commitment_annual_plans=True, fiscal_stress_weight=0.0
    )
    armed = np.asarray(static.members.armed, dtype=bool)
    first = list(static.quarters).index("2015Q1")  # the first budget after the 2014Q3 start
    assert (kept[:first] == 0).all() and (kept[first:, armed] == 1).all()
    line = plan_line(static, static.times)
    below = armed & (static.members.core_share_pct < LINE)  # these rise; nothing else moves
    # on the path every quarter (to rounding), reaching the line at the deadline and staying
    assert np.allclose(core[first:, below], line[first:, below], rtol=0, atol=1e-12)
    deadline = list(static.quarters).index("2024Q4")
    assert np.allclose(core[deadline:, below], LINE, rtol=0, atol=1e-12)
    # those above the line are never pulled down by it: nothing else moves, so they stay put
    above = armed & ~below
    assert np.array_equal(core[:, above], np.broadcast_to(core[0, above], core[:, above].shape))


def test_annual_plans_break_off_where_a_year_s_step_is_beyond_the_fiscal_space():
    capacity = 0.2
    static, core, kept = states(commitment_capacity_pp=capacity, commitment_annual_plans=True)
    armed = np.asarray(static.members.armed, dtype=bool)
    first = list(static.quarters).index("2015Q1")
    # the rule at the first budget, worked out here: the rise to the path's 2015Q4 value from
    # the 2014Q4 share, against capacity x the 2015 fiscal space (IMF series)
    space = fiscal.space_by_year(static.members.iso3, np.array([2015]), 2024)[0]
    rise = plan_line(static, np.array([2015.75]))[0] - core[first - 1]
    expected = armed & (rise <= capacity * space)
    assert 0 < expected.sum() < armed.sum()  # some keep, some break off (2014 shares, IMF)
    assert np.array_equal(kept[first] > 0, expected)
    # those that break off do not move in 2015 (nothing else moves in this quiet run)
    year = slice(first, first + 4)
    off = ~expected & armed
    assert np.array_equal(
        core[year, off], np.broadcast_to(core[first - 1, off], core[year, off].shape)
    )


def test_a_kept_commitment_holds_related_spending_on_its_path():
    values = {
        "commitment_annual_plans": True,
        "fiscal_stress_weight": 0.0,
        "target_related_pct_gdp": 1.5,
        "related_initial_pct_gdp": 0.5,
    }
    static, out = trajectory(commitment_capacity_pp=3.0, **values)
    related = np.stack([s.related_share_pct[0] for s in out])
    armed = np.asarray(static.members.armed, dtype=bool)
    # the related path, worked out here: 0.5% to 1.5% by the end of 2024, straight
    fraction = np.clip((static.times - static.times[0]) / (2024.75 - static.times[0]), 0, 1)
    path = 0.5 + (1.5 - 0.5) * fraction
    first = list(static.quarters).index("2015Q1")
    assert np.all(related[first:, armed] >= path[first:, None] - 1e-12)
    assert np.allclose(related[-1, armed], 1.5, rtol=0, atol=1e-12)  # held at the target after
    # without the commitment, pressure 0 gives no pull toward the related path at all
    _, out0 = trajectory(commitment_capacity_pp=0.0, **values)
    assert np.allclose(out0[-1].related_share_pct[0, armed], 0.5, rtol=0, atol=1e-12)


def test_the_fiscal_data_year_is_structural_and_cuts_what_a_run_reads():
    params = make_params({**WALES, "fiscal_data_until_year": 2019})
    static = dynamics.build_static(params, members_of(params))
    years = np.floor(static.times + 1e-9).astype(int)
    rows = np.flatnonzero(years >= 2019)
    for series in (static.fiscal_debt_pct, static.fiscal_balance_pct):
        assert (series[rows] == series[rows[0]]).all()
        assert not (series[: rows[0]] == series[rows[0]]).all()  # earlier years do differ


def test_fiscal_weight_and_debt_shock_scale_the_space():
    # the rule (sim.core.fiscal): exp(-weight x stress), the shock added to debt
    assert fiscal.space(np.array([120.0]), np.array([-3.0]), weight=0.0)[0] == 1.0
    assert fiscal.space(np.array([120.0]), np.array([-3.0]), weight=2.0)[0] == pytest.approx(
        math.exp(-2)
    )
    # a 30-point shock takes a member at 50% debt to 80%: stress 20/60
    assert fiscal.space(np.array([50.0]), np.array([0.0]), debt_shock_pct=30.0)[0] == pytest.approx(
        math.exp(-20 / 60)
    )


def test_a_debt_shock_stops_members_keeping_an_annual_plan_from_its_year():
    values = {"commitment_capacity_pp": 1.0, "commitment_annual_plans": True}
    static, core, kept = states(**values)
    _, core_shock, kept_shock = states(**values, debt_shock_pct_gdp=100.0, fiscal_shock_year=2019)
    q = list(static.quarters).index("2019Q1")
    assert core[:q].tobytes() == core_shock[:q].tobytes()  # the same until the shock's year
    assert kept_shock[q].sum() < kept[q].sum()  # fewer keep their plan after it
    # worked out here for the first member to break off: its 2019 space under the shock
    # (sim.core.fiscal.space with the shock) is below its plan step over the capacity
    broke = np.flatnonzero((kept[q] > 0) & (kept_shock[q] == 0))
    space = fiscal.space_by_year(static.members.iso3, np.array([2019]), 2024, 1.0, 100.0)[0]
    step = plan_line(static, np.array([2019.75]))[0] - core_shock[q - 1]
    assert np.all(step[broke] > 1.0 * space[broke])


def test_an_earlier_guideline_binds_as_a_commitment_already_due():
    # the Wales deadline moved past the run (2035), so only the guideline (2% + margin, the
    # same line as LINE) binds: from the first budget, 2015Q1 (sim.core.dynamics.commitment)
    values = {"target_deadline_year": 2035, "guideline_floor_pct": 2.0}
    static, core, kept = states(commitment_capacity_pp=1.0, **values)
    armed = np.asarray(static.members.armed, dtype=bool)
    first = list(static.quarters).index("2015Q1")
    space = fiscal.space_by_year(static.members.iso3, np.array([2015]), 2024)[0]
    expected = armed & (LINE - core[first - 1] <= 1.0 * space)  # the rule, worked out here
    assert 0 < expected.sum() < armed.sum()
    assert np.array_equal(kept[first] > 0, expected)
    assert np.all(core[first:, expected] >= LINE)  # met or raised to it: a floor from then on
    # without binding commitments the guideline does nothing (quiet run: nothing moves)
    _, off, kept_off = states(**values)
    assert (kept_off == 0).all() and (off == off[0]).all()


# --- National pledges as commitments (seeds/pledges.csv) ---------------------------------------

FORWARD = {  # the forward shape from the 2024 shares, only commitments moving a share
    **WALES,
    "start_quarter": "2025Q1",
    "end_quarter": "2027Q4",
    "initial_data_year": 2024,
    "target_core_pct_gdp": 3.5,
    "target_deadline_year": 2035,
    "use_pledges": True,
    "commitment_capacity_pp": 1.0,
    "history_config": "",
}


def test_a_national_pledge_is_kept_on_its_path_when_affordable():
    # the UK's 2.5% from April 2027 (S39): a path from its 2024 share (2.33%, S04) to 2.5% in
    # 2027Q4, a rise of ~0.06 pp a year, within one budget at the UK's fiscal space (debt ~100%
    # of GDP: exp(-(100 - 60) / 60) ~ 0.51 pp at capacity 1.0, sim.core.fiscal)
    static, core, kept = states(**FORWARD)
    uk = static.members.iso3.index("GBR")
    assert core[-1, uk] >= 2.5 - 1e-12
    assert np.all(kept[static.quarters.index("2026Q1") :, uk] > 0)  # kept from the first budget
    # without the pledge nothing holds the UK: it stays put (no term moves a share here)
    static, bare, _ = states(**{**FORWARD, "use_pledges": False})
    assert bare[-1, uk] == pytest.approx(core[0, uk], abs=1e-12)


def test_an_unaffordable_national_pledge_slips_and_does_nothing():
    # a debt shock of 100% of GDP at fiscal weight 2 leaves the UK (debt ~100%, seeds/panel/)
    # a fiscal space of exp(-2 x (200 - 60) / 60) ~ 0.009 (sim.core.fiscal): ~0.009 pp a
    # budget, below the path's first yearly step (~0.06 pp)
    shock = {"debt_shock_pct_gdp": 100.0, "fiscal_shock_year": 2025, "fiscal_stress_weight": 2.0}
    static, core, kept = states(**FORWARD, **shock)
    uk = static.members.iso3.index("GBR")
    assert np.all(kept[:, uk] == 0)
    _, bare, _ = states(**{**FORWARD, **shock, "use_pledges": False})
    assert core[:, uk].tobytes() == bare[:, uk].tobytes()  # the pledge did nothing


def test_a_member_that_cannot_afford_the_target_s_line_keeps_its_earlier_commitments():
    # annual plans to 3.5% by 2027 from the 2024 shares: steps of ~0.4-0.7 pp a year for most,
    # beyond a fiscally stressed member's budget; the 2% guideline + margin costs nothing to a
    # member already above it, so such a member keeps that (KEPT_EARLIER) and is held there
    from sim.core.dynamics.commitment import KEPT_ALL, KEPT_EARLIER

    values = {
        **FORWARD,
        "target_deadline_year": 2027,
        "commitment_annual_plans": True,
        "guideline_floor_pct": 2.0,
        "fiscal_stress_weight": 2.0,
    }
    static, core, kept = states(**values)
    line = 2.0 + values["target_margin_pp"]
    q = static.quarters.index("2026Q1")
    earlier = np.flatnonzero(kept[q] == KEPT_EARLIER)
    assert earlier.size > 0 and np.flatnonzero(kept[q] == KEPT_ALL).size > 0  # both kinds
    assert np.all(core[q:, earlier] >= line - 1e-12)


# --- The commitment's review (S38: 2029) -------------------------------------------------------

REVIEWED = {  # annual plans to 3.5% by 2035 from the 2024 shares, every step affordable
    **FORWARD,
    "end_quarter": "2030Q4",
    "use_pledges": False,
    "commitment_annual_plans": True,
    "fiscal_stress_weight": 0.0,
    "commitment_capacity_pp": 10.0,
}


def test_a_review_after_the_run_changes_nothing():
    _, core, kept = states(**REVIEWED)  # commitment_review_year 2100: none
    _, late, late_kept = states(**REVIEWED, commitment_review_year=2040)
    assert core.tobytes() == late.tobytes() and kept.tobytes() == late_kept.tobytes()


def test_at_the_review_each_plan_is_re_based_on_the_share_then():
    static, out = trajectory(**REVIEWED, commitment_review_year=2029)
    q = list(static.quarters)
    plan = np.stack([s.plan_start_pct[0] for s in out])
    core = np.stack([s.core_share_pct[0] for s in out])
    review = q.index("2029Q1")
    # before the review the plan starts from the initial (2024) shares; from its first quarter
    # from the shares at the end of 2028, and stays there
    assert np.array_equal(plan[:review], np.repeat(core[:1], review, axis=0))
    assert np.array_equal(plan[review:], np.repeat(core[review - 1 : review], len(q) - review, 0))
    # every member keeps its plan and nothing else moves a share, so each member below the
    # target sits on the re-based line (those above it, as Poland, stay where they are): at
    # 2029Q4 (t = 2029.75) the straight path from (2029.0, its 2028Q4 share) to (2035.75,
    # 3.5 + margin) is 0.75 / 6.75 of the way
    start, end = core[review - 1], 3.5 + REVIEWED["target_margin_pp"]
    below = np.asarray(static.members.armed, dtype=bool) & (core[0] < end)
    assert below.sum() >= 20  # most allies (seeds/nato_members.csv, 2024)
    expected = start + (end - start) * 0.75 / 6.75
    assert np.allclose(core[q.index("2029Q4"), below], expected[below], atol=1e-12)


def test_a_run_starting_on_a_year_start_decides_its_first_budget():
    # a forward run from 2025Q1 decides 2025 from the record's 2024 shares (as each later year
    # start decides from the year before): with the 2% guideline (S43) every armed ally whose
    # rise to 2% + margin is within its budget keeps it from the first step; a run starting
    # mid-year (2025Q2) first decides at 2026Q1, as the backcast (2014Q3) first decides in 2015
    values = {**FORWARD, "use_pledges": False, "guideline_floor_pct": 2.0}
    static, core, kept = states(**values)
    line = 2.0 + values["target_margin_pp"]
    armed = np.asarray(static.members.armed, dtype=bool)
    # the rule at 2025Q1: keep when line - 2024 share <= capacity (1.0) x fiscal space, the
    # space from the IMF's 2024 debt and balance (2025 holds 2024's: fiscal_data_until_year)
    debt, balance = fiscal._series()
    space = np.array(
        [float(fiscal.space(debt.at(c, 2024), balance.at(c, 2024))) for c in static.members.iso3]
    )
    expected = armed & (line - core[0] <= space)
    assert np.array_equal(kept[0] > 0, expected)
    assert 20 <= expected.sum() < armed.sum()  # most keep it at once, a few cannot yet
    assert np.all(core[1, expected] >= line - 1e-12)
    _, _, late = states(**{**values, "start_quarter": "2025Q2"})
    assert np.all(late[:3] == 0) and np.any(late[3] > 0)  # 2025Q2-Q4 undecided, then 2026Q1
