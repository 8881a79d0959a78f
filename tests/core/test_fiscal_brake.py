"""The fiscal brake (sim.core.dynamics.fiscal_room): a member's step up toward its desired share
is the partial adjustment's times its fiscal space to the power ``fiscal_brake``; a fall is
never slowed, and with full fiscal space the brake changes nothing."""

import dataclasses

import numpy as np
import pytest

from sim import load_scenario, simulate
from sim.core import fiscal


@pytest.fixture(scope="module")
def first_steps():
    """The backcast's first quarter (2014Q3 -> 2014Q4) without noise, brake off and on."""
    base = dataclasses.replace(load_scenario("backcast_2014").params, noise_sd_pp=0.0)
    off = dataclasses.replace(base, fiscal_brake=0.0)
    on = dataclasses.replace(base, fiscal_brake=1.0)
    out = simulate([off, on], [7, 7], keep_members=True)
    frame = out.member_frame()
    core = frame.pivot_table(index=["run_id", "quarter"], columns="iso3", values="core_share_pct")
    steps = {run: core.loc[run].loc["2014Q4"] - core.loc[run].loc["2014Q3"] for run in (0, 1)}
    return base, steps[0], steps[1]


def test_a_rise_is_the_adjustment_s_times_the_fiscal_space(first_steps):
    base, off, on = first_steps
    rising = off[off > 1e-9].index
    assert len(rising) >= 10, "the start shock (a fitted threat) raises most desired shares"
    # space from each member's 2014 debt and balance (IMF, seeds/panel/), sim.core.fiscal
    space = fiscal.space_by_year(tuple(rising), np.array([2014]), 2024, base.fiscal_stress_weight)
    np.testing.assert_allclose(on[rising].to_numpy(), off[rising].to_numpy() * space[0], rtol=1e-9)
    # Italy (IMF 2014: debt 135% of GDP, so stress >= (135 - 60) / 60 = 1.25 and space <=
    # exp(-1.25) = 0.29 at weight 1) is braked; Estonia (debt 12%, a surplus: space 1) is not
    assert on["ITA"] / off["ITA"] < 0.3
    assert on["EST"] == pytest.approx(off["EST"], rel=1e-12)


def test_a_fall_is_never_slowed(first_steps):
    _, off, on = first_steps
    falling = off[off < -1e-9].index
    np.testing.assert_array_equal(on[falling].to_numpy(), off[falling].to_numpy())


def test_without_fiscal_stress_the_brake_changes_no_bit():
    # fiscal_stress_weight = 0: every member's space is exp(0) = 1, and 1 ** power = 1
    base = dataclasses.replace(load_scenario("hague").params, fiscal_stress_weight=0.0)
    on = dataclasses.replace(base, fiscal_brake=1.0)
    off = dataclasses.replace(base, fiscal_brake=0.0)
    a = simulate([on], [3], keep_members=True)
    b = simulate([off], [3], keep_members=True)
    assert a.members.tobytes() == b.members.tobytes()
    assert a.alliance.tobytes() == b.alliance.tobytes()
