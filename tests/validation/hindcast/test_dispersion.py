"""The hindcast's ensemble spread (sim.validation.hindcast.dispersion): fitted to the model's own
in-sample one-year errors, from nothing after the origin."""

import dataclasses

import numpy as np
import pytest

from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.core.members import members_of
from sim.core.params import make_params
from sim.validation.hindcast import dispersion
from sim.validation.hindcast.record import PanelRecord

ORIGIN = 2018
START = 2014  # configs/backcast_2014.toml starts in 2014Q1


@pytest.fixture(scope="module")
def params():
    scenario = load_scenario(ROOT / "configs" / "backcast_2014.toml")
    return make_params({"end_quarter": f"{ORIGIN}Q4"}, base=scenario.params)


@pytest.fixture(scope="module")
def members(params):
    return members_of(params)


@pytest.fixture(scope="module")
def record():
    return PanelRecord.load().since(START)


@pytest.fixture(scope="module")
def estimate(params, members, record):
    return dispersion.estimate(params, members, record, ORIGIN, 11)


def test_the_spread_matches_the_in_sample_errors(estimate):
    # the fixed point the module iterates to: spread(scale) = error; the spread is measured
    # with dispersion.RUNS = 200 replications (a standard deviation from 200 draws is within
    # about 5% of its value), so 10% is a loose bound on a converged estimate
    assert estimate.error_pp > 0 and estimate.noise_sd_pp > 0
    assert estimate.spread_pp == pytest.approx(estimate.error_pp, rel=0.10)
    # 31 armed members with a record in each of 2015-2018, Sweden and Finland included as
    # members from the backcast's start: at most 31 x 4 member-years
    assert 0 < estimate.member_years <= 31 * (ORIGIN - START)


def test_no_value_after_the_origin_reaches_the_spread(params, members, record, estimate):
    shares = record.shares.copy()
    later = np.array([y > ORIGIN for y in record.years])
    shares[later] = np.random.default_rng(0).uniform(0.5, 6.0, size=shares[later].shape)
    scrambled = dataclasses.replace(record, shares=shares)
    again = dispersion.estimate(params, members, scrambled, ORIGIN, 11)
    assert again == estimate


def test_a_record_the_model_predicts_exactly_gives_no_shocks(params, members, record):
    # limit case: build a record whose every year is the shock-free model's one-year forecast
    # from the year before, so every in-sample error is 0 and no spread is wanted
    still = make_params({"noise_sd_pp": 0.0}, base=params)
    shares = record.shares.copy()
    index = {c: i for i, c in enumerate(record.iso3)}
    cols = [index[c] for c in members.iso3 if c in index]
    mine = [j for j, c in enumerate(members.iso3) if c in index]
    for year in range(START + 1, ORIGIN + 1):
        exact = dataclasses.replace(record, shares=shares)
        model, start = dispersion.one_year(still, members, exact, year, 1, 0)
        row = record.years.index(year)
        known = ~np.isnan(start[mine])
        values = shares[row, cols]
        values[known] = model[0, mine][known]
        shares[row, cols] = values
    exact = dataclasses.replace(record, shares=shares)
    errors, _ = dispersion.in_sample_errors(params, members, exact, ORIGIN)
    assert errors.size > 0 and np.abs(errors).max() < 1e-12
    got = dispersion.estimate(params, members, exact, ORIGIN, 11)
    assert got.noise_sd_pp == 0.0 and got.error_pp < 1e-12 and got.spread_pp < 1e-12


def test_larger_misses_give_a_larger_spread(params, members, record, estimate):
    # the record's in-sample departures from the model, doubled: the errors double, and the
    # scale grows with them (less than doubling where the fiscal ramp limit starts to bind)
    still = make_params({"noise_sd_pp": 0.0}, base=params)
    shares = record.shares.copy()
    index = {c: i for i, c in enumerate(record.iso3)}
    cols = [index[c] for c in members.iso3 if c in index]
    mine = [j for j, c in enumerate(members.iso3) if c in index]
    for year in range(START + 1, ORIGIN + 1):
        model, start = dispersion.one_year(still, members, record, year, 1, 0)
        row = record.years.index(year)
        values = shares[row, cols]
        values = values + (values - model[0, mine])  # the record's miss, twice
        shares[row, cols] = values
    wider = dispersion.estimate(
        params, members, dataclasses.replace(record, shares=shares), ORIGIN, 11
    )
    assert wider.noise_sd_pp > 1.3 * estimate.noise_sd_pp
