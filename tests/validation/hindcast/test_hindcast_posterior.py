"""The posterior-predictive hindcast (sim.validation.hindcast.posterior): the posterior at an
origin sees nothing after it, a posterior that is the point fit forecasts as the point fit (to
the bit, draw by draw), and the command scores it as one more method."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.validation import calibrate
from sim.validation.calibrate import SMOKE_BUDGET
from sim.validation.hindcast import model, posterior
from sim.validation.hindcast.record import PanelRecord
from sim.validation.posterior.command import SMOKE_BUDGET as SMOKE_POSTERIOR
from sim.validation.search_space import POOLED

ORIGIN = 2018
BACKCAST = ROOT / "configs" / "backcast_2014.toml"


@pytest.fixture(scope="module")
def backcast():
    return load_scenario(BACKCAST)


@pytest.fixture(scope="module")
def record():
    return PanelRecord.load()


@pytest.fixture(scope="module")
def fit(backcast, record):
    return model.fit_until(backcast.params, record, ORIGIN, backcast.seed, SMOKE_BUDGET)


@pytest.fixture(scope="module")
def found(backcast, record, fit):
    return posterior.posterior_until(backcast.params, record, fit, backcast.seed, SMOKE_POSTERIOR)


def test_no_value_after_the_origin_reaches_the_posterior(backcast, record, fit, found):
    shares = record.shares.copy()
    later = np.array([y > ORIGIN for y in record.years])
    shares[later] = np.random.default_rng(0).uniform(0.5, 6.0, size=shares[later].shape)
    scrambled = dataclasses.replace(record, shares=shares)
    other = posterior.posterior_until(
        backcast.params, scrambled, fit, backcast.seed, SMOKE_POSTERIOR
    )
    pd.testing.assert_frame_equal(other.table, found.table)
    assert found.row["origin"] == ORIGIN and found.table["weight"].sum() == pytest.approx(1.0)


def test_a_posterior_at_the_point_fit_forecasts_as_the_point_fit(fit, record, found, backcast):
    # every particle the point fit: each draw's runs are the point forecast's runs (same seeds,
    # same parameters, same multipliers), so the samples are the point forecast's, once per draw
    row = {name: getattr(fit.params, name) for name, _, _ in POOLED}
    regions = [c for c in found.table.columns if c.startswith("threat_multiplier:")]
    row.update({c: fit.region_table[c.split(":", 1)[1]][0] for c in regions})
    table = pd.DataFrame([row, row]).assign(particle=[0, 1], weight=0.5, distance=0.0)
    at_fit = posterior.OriginPosterior(ORIGIN, table, {})
    pp, _ = posterior.forecast(fit, at_fit, record, (1, 2), backcast.seed, draws=3, reps=4)
    point = model.forecast(fit, record, (1, 2), 4, backcast.seed)
    assert pp.method == "posterior" and pp.years == point.years
    expected = np.concatenate([point.samples] * 3)
    assert np.array_equal(pp.samples, expected, equal_nan=True)


def test_the_draws_spread_the_forecast_beyond_the_noise(fit, record, found, backcast):
    pp, _ = posterior.forecast(fit, found, record, (1,), backcast.seed, draws=6, reps=4)
    samples = pp.samples[:, 0].reshape(6, 4, -1)
    # the paired seeds: the same replication under two different draws differs only through
    # the parameters, so some member's draw means must differ
    armed = ~np.isnan(samples).any(axis=(0, 1))  # Iceland has no figure and no forecast
    means = samples[:, :, armed].mean(axis=1)
    assert means.std(axis=0).max() > 0
    again, _ = posterior.forecast(fit, found, record, (1,), backcast.seed, draws=6, reps=4)
    assert again.samples.tobytes() == pp.samples.tobytes()


def test_the_command_scores_the_posterior_and_says_how_it_was_sampled(tmp_path):
    out = tmp_path / "hc"
    argv = ["hindcast", str(BACKCAST), "--origins", "2022", "--horizons", "1", "--runs", "4"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(calibrate.BUDGET_ENV, "smoke")
        assert main([*argv, "--posterior", "--out", str(out)]) == 0
    scores = pd.read_parquet(out / "scores.parquet")
    assert set(scores["method"]) >= {"model", "posterior", "persistence"}
    fits = pd.read_csv(out / "posterior_fits.csv")
    assert fits["origin"].tolist() == [2022] and (fits["ess"] > 0).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["posterior"]["draws"] == posterior.DRAWS
    assert "posterior_fits.csv" in manifest["files"]


def test_posterior_without_the_model_is_refused(tmp_path, capsys):
    argv = [
        "hindcast",
        str(BACKCAST),
        "--baselines-only",
        "--posterior",
        "--out",
        str(tmp_path / "x"),
    ]
    assert main(argv) == 2
    assert "--posterior with --baselines-only" in capsys.readouterr().err
