"""The model in the hindcast (sim.validation.hindcast.model): nothing after the origin reaches the
fit, the forecast starts from the record at the origin, and it knows only what was known then."""

import dataclasses

import numpy as np
import pytest

from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.core.params import make_params
from sim.validation.calibrate import SMOKE_BUDGET
from sim.validation.hindcast import model
from sim.validation.hindcast.record import PanelRecord

ORIGIN = 2018


@pytest.fixture(scope="module")
def backcast():
    return load_scenario(ROOT / "configs" / "backcast_2014.toml")


@pytest.fixture(scope="module")
def record():
    return PanelRecord.load()


@pytest.fixture(scope="module")
def fit(backcast, record):
    return model.fit_until(backcast.params, record, ORIGIN, backcast.seed, SMOKE_BUDGET)


def _scrambled_after(record: PanelRecord, origin: int) -> PanelRecord:
    """The record with every value after the origin replaced by something else."""
    shares = record.shares.copy()
    later = np.array([y > origin for y in record.years])
    rng = np.random.default_rng(0)
    shares[later] = rng.uniform(0.5, 6.0, size=shares[later].shape)
    return dataclasses.replace(record, shares=shares)


def test_no_value_after_the_origin_reaches_the_fit(backcast, record, fit):
    scrambled = _scrambled_after(record, ORIGIN)
    assert not np.array_equal(scrambled.shares, record.shares, equal_nan=True)
    other = model.fit_until(backcast.params, scrambled, ORIGIN, backcast.seed, SMOKE_BUDGET)
    assert other.loss == fit.loss and other.params == fit.params
    assert other.members.threat_multiplier.tobytes() == fit.members.threat_multiplier.tobytes()
    # nor the forecast, which reads the record at the origin only
    a = model.forecast(fit, record, (1, 2), 4, backcast.seed)
    b = model.forecast(fit, scrambled, (1, 2), 4, backcast.seed)
    assert a.samples.tobytes() == b.samples.tobytes()


def test_no_fiscal_value_after_the_origin_reaches_the_forecast(fit, record, monkeypatch):
    # the IMF series after the origin replaced by something else: the same forecast, because
    # its runs read the fiscal space of the origin for every later year (sim.core.fiscal)
    from sim.core import fiscal

    a = model.forecast(fit, record, (1, 2, 3), 4, 3)
    debt, balance = fiscal._series()
    later = debt.years > ORIGIN
    assert later.any()
    debt = debt._replace(values=np.where(later, 300.0, debt.values))  # no fiscal space at all
    balance = balance._replace(values=np.where(later, -20.0, balance.values))
    monkeypatch.setattr(fiscal, "_series", lambda: (debt, balance))
    b = model.forecast(fit, record, (1, 2, 3), 4, 3)
    assert a.samples.tobytes() == b.samples.tobytes()


def test_the_fit_runs_stop_at_the_origin(fit):
    assert fit.params.end_quarter == f"{ORIGIN}Q4" and fit.origin == ORIGIN


def test_a_forecast_that_cannot_move_stays_at_the_record_of_the_origin(fit, record):
    # limit case: no adjustment and no noise, so every share keeps the value the record gave it
    # at the origin's last quarter, in every run and every year
    still = make_params({"adjustment_speed_per_year": 0.0, "noise_sd_pp": 0.0}, base=fit.params)
    f = model.forecast(dataclasses.replace(fit, params=still), record, (1, 2, 3), 3, 1)
    assert f.years == (2019, 2020, 2021)
    start = record.year(ORIGIN)
    armed = ~np.isnan(start)
    assert np.array_equal(f.samples[:, :, armed], np.broadcast_to(start[armed], (3, 3, 31)))
    assert np.isnan(f.samples[:, :, ~armed]).all()  # Iceland: no figure, no forecast


def test_same_seed_same_bytes_and_horizons_past_the_record_dropped(fit, record):
    a = model.forecast(fit, record, (1, 2), 5, 7)
    b = model.forecast(fit, record, (1, 2), 5, 7)
    assert a.samples.tobytes() == b.samples.tobytes()
    late = model.forecast(dataclasses.replace(fit, origin=2023), record, (1, 2, 3), 2, 7)
    assert late.years == (2024,)  # the record ends in 2024


def test_a_shock_scheduled_after_the_origin_is_left_out_unless_asked_for(backcast, fit, record):
    # the backcast schedules the invasion's threat shock for 2022Q1 (configs/backcast_2014.toml)
    assert backcast.params.threat_shock_quarter == "2022Q1"
    before = dataclasses.replace(fit, origin=2020)
    blind = model.forecast(before, record, (1, 2), 4, 3)
    told = model.forecast(before, record, (1, 2), 4, 3, scheduled_shocks=True)
    assert np.array_equal(blind.samples[:, 0], told.samples[:, 0], equal_nan=True)  # 2021
    assert (np.nan_to_num(told.samples[:, 1] - blind.samples[:, 1]) > 0).any()  # 2022: threat up
    after = dataclasses.replace(fit, origin=2022)
    a = model.forecast(after, record, (1,), 4, 3)
    b = model.forecast(after, record, (1,), 4, 3, scheduled_shocks=True)
    assert a.samples.tobytes() == b.samples.tobytes()  # known by 2022: in both
