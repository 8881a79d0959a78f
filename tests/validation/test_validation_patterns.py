"""Patterns (issue 5, item 5; docs/THEORY.md §6 target 9): exploitation and the frontline.

With threat exposure off and defence a pure public good (configs/oz_nato.toml), burdens rise
with GDP: the rank correlation of GDP and share is significantly positive (Olson and
Zeckhauser's exploitation hypothesis). With exposure on (the calibrated backcast), the frontline
members lead and the correlation weakens.
"""

import dataclasses

import numpy as np
import pytest
from scipy.stats import spearmanr

from sim.core.config import load_scenario
from sim.core.data import ROOT, load_members
from sim.core.ensemble import members_of, simulate
from sim.core.metrics import MEMBER_COLUMNS
from sim.validation import backcast, docking

FRONTLINE = {"POL", "EST", "LVA", "LTU", "FIN"}  # exposure 1.0 in seeds/exposure.csv


def final_shares(params):
    traj = simulate([params], [1], keep_members=True)
    return traj.members[0, -1, :, MEMBER_COLUMNS.index("core_share_pct")]


@pytest.fixture(scope="module")
def public_good():
    params = load_scenario(ROOT / "configs" / "oz_nato.toml").params
    members = members_of(params)
    return params, members, final_shares(params)


def test_frontline_set_is_the_exposure_one_members():
    members = load_members()
    assert {c for c, e in zip(members.iso3, members.exposure, strict=True) if e == 1.0} == FRONTLINE


def test_pure_public_good_reaches_the_nash_equilibrium_of_nato(public_good):
    params, members, share = public_good
    armed = members.armed
    income = members.gdp_usd_bn[armed]
    q_star, _ = docking.oz_nash(income, 1 - params.free_riding_strength)
    q = share[armed] / 100 * income
    assert np.abs(q - q_star).max() <= 1e-9 * q_star.sum()  # target 5's docking, 31 allies


def test_pure_public_good_gives_exploitation(public_good):
    _, members, share = public_good
    armed = members.armed
    rho = spearmanr(members.gdp_usd_bn[armed], share[armed])
    # docs/THEORY.md §6 target 9: significantly positive in the pure public-good mode
    # (O&Z direction); derived for beta = 0.9: rho = 0.583 (the four largest allies contribute)
    assert rho.statistic > 0.5 and rho.pvalue < 0.01
    order = np.argsort(-members.gdp_usd_bn[armed])
    assert (np.diff(share[armed][order]) <= 1e-9).all()  # burdens fall with GDP rank


def test_only_the_largest_ally_contributes_when_beta_is_small():
    params = load_scenario(
        ROOT / "configs" / "oz_nato.toml", overrides={"free_riding_strength": 0.7}
    ).params  # beta = 0.3
    members = members_of(params)
    share = final_shares(params)
    armed = members.armed
    contributors = [c for c, s in zip(members.iso3, share, strict=True) if s > 1e-9]
    assert contributors == ["USA"]
    assert share[members.index("USA")] == pytest.approx(30.0, abs=1e-9)  # q = beta I: 30% GDP
    rho = spearmanr(members.gdp_usd_bn[armed], share[armed]).statistic
    assert rho == pytest.approx(0.306, abs=1e-3)  # derived: one contributor, 30 ties at zero


@pytest.fixture(scope="module")
def backcasts():
    base = load_scenario(ROOT / "configs" / "backcast_2014.toml").params
    on = backcast.run_backcast(base, 50, 1)
    off = backcast.run_backcast(dataclasses.replace(base, threat_sensitivity_pp=0.0), 50, 1)
    return on, off


def spearman_2024(fit):
    armed = [i for i, c in enumerate(fit.iso3) if c != "ISL"]
    mean = fit.mean_shares[2024].to_numpy()[armed]
    gdp = load_members().gdp_usd_bn[armed]
    return spearmanr(gdp, mean).statistic


def test_with_exposure_on_the_frontline_leads_and_the_correlation_weakens(public_good, backcasts):
    on, off = backcasts
    top_on = set(on.model_top())
    top_off = set(off.model_top())
    assert len(top_on & FRONTLINE) >= 3  # the frontline leads (data: 4 of the top 5)
    assert len(top_on & FRONTLINE) > len(top_off & FRONTLINE)  # because of the threat
    _, members, share = public_good
    armed = members.armed
    rho_public = spearmanr(members.gdp_usd_bn[armed], share[armed]).statistic
    rho_on = spearman_2024(on)
    assert rho_on < rho_public - 0.3  # the correlation weakens
    assert rho_on < spearman_2024(off)  # and exposure is what weakens it
