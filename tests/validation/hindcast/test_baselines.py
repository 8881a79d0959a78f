"""The hindcast's baselines: persistence, linear trend and partial adjustment, censored at origin.

Most tests use a small synthetic record built directly, so each expected number follows from the
values written here; the censoring test uses the real record.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import statsmodels.api as sm

from sim.validation.hindcast import baselines
from sim.validation.hindcast.baselines import (
    COEFFICIENTS,
    DEADLINE_YEAR,
    GUIDELINE_PCT,
    baseline_forecasts,
    fit_partial_adjustment,
    partial_adjustment,
    persistence,
    trend,
    trend_quantiles,
)
from sim.validation.hindcast.record import PanelRecord

YEARS = tuple(range(2014, 2025))


def synthetic(shares: np.ndarray, accession=None, armed=None, years=YEARS) -> PanelRecord:
    """A record of the given shares (len(years), N), members M00, M01, ..., allies since 1949."""
    n = shares.shape[1]
    return PanelRecord(
        tuple(f"M{j:02d}" for j in range(n)),
        tuple(years),
        np.asarray(shares, dtype=float),
        np.full(n, 1949) if accession is None else np.asarray(accession),
        np.ones(n, dtype=bool) if armed is None else np.asarray(armed, dtype=bool),
        "synthetic",
    )


def noisy(n: int = 12, seed: int = 1) -> np.ndarray:
    """Shares around 1.5 with noise and a drift: no two members alike, no value below 0.4."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.03, 0.12, size=(len(YEARS), n))
    return np.clip(1.5 + rng.normal(0, 0.4, size=n) + steps.cumsum(axis=0), 0.4, None)


def test_constants_are_the_wales_pledge() -> None:
    # Wales Summit Declaration 2014, para 14: 2% within a decade of 2014
    assert GUIDELINE_PCT == 2.0 and DEADLINE_YEAR == 2024
    # deadline_t = 1 / (max(0, 2024 - t) + 1): 1 in 2024, 1/2 in 2023, 1/11 in 2014, 1 after
    assert baselines.deadline(2024) == 1.0 and baselines.deadline(2023) == 0.5
    assert baselines.deadline(2014) == 1 / 11 and baselines.deadline(2026) == 1.0


def test_years_past_the_record_are_dropped_and_shapes_match() -> None:
    record = synthetic(noisy())
    forecasts = baseline_forecasts(record, 2022, (1, 2, 3), n_samples=50)
    assert [f.method for f in forecasts] == list(baselines.METHODS)
    for f in forecasts:  # 2025 is past the record's last year, 2024
        assert f.years == (2023, 2024) and f.samples.shape == (50, 2, 12)


def test_bad_arguments_are_refused() -> None:
    record = synthetic(noisy())
    with pytest.raises(ValueError, match="no forecast year within the record"):
        persistence(record, 2024, (1,))
    with pytest.raises(ValueError, match="whole numbers >= 1"):
        trend(record, 2020, (0, 1))
    with pytest.raises(ValueError, match="needs more than 4 member-years"):
        fit_partial_adjustment(record, 2014)  # one year: no pair (t - 1, t)


def test_persistence_median_is_the_share_at_the_origin() -> None:
    shares = noisy()
    record = synthetic(shares)
    for n_samples in (200, 51):  # even and odd ensembles
        f = persistence(record, 2019, (1, 2, 3), n_samples)
        median = np.median(f.samples, axis=0)
        # equal up to the rounding of the centring (an ensemble of values near 1.5: 1e-12)
        np.testing.assert_allclose(median, np.tile(shares[5], (3, 1)), rtol=0, atol=1e-12)


def test_persistence_band_is_the_pooled_h_year_changes() -> None:
    shares = noisy()
    record = synthetic(shares)
    f = persistence(record, 2019, (2,), n_samples=200)
    # 2-year changes of 12 members over t = 2014..2017 (t + 2 <= 2019): 48 >= 10, pooled
    pool = (shares[2:6] - shares[0:4]).ravel()
    levels = (np.arange(200) + 0.5) / 200
    q = np.quantile(pool, levels)
    np.testing.assert_allclose(f.samples[:, 0, 3], shares[5, 3] + q - np.median(q), atol=1e-12)


def test_persistence_falls_back_to_scaled_one_year_changes() -> None:
    shares = noisy(n=3)
    record = synthetic(shares)
    # origin 2016: 2-year changes 3 members x 1 year = 3 < 10; 1-year ones: 3 x 2 = 6 (also
    # < 10, but the fallback has no floor), scaled by sqrt(2) at horizon 2
    f = persistence(record, 2016, (1, 2), n_samples=40)
    spread = f.samples - shares[2]
    np.testing.assert_allclose(spread[:, 1], np.sqrt(2) * spread[:, 0], atol=1e-12)
    assert np.ptp(spread[:, 0, 0]) > 0  # a real band, not a point


def test_trend_extrapolates_a_perfect_line_exactly() -> None:
    shares = noisy(n=4)
    shares[:, 1] = 1.0 + 0.25 * (np.array(YEARS) - 2014)  # exact in binary: 1.0, 1.25, ...
    f = trend(synthetic(shares), 2017, (1, 3), n_samples=200)
    # the line at 2018 and 2020: 1 + 0.25 * 4 = 2.0 and 1 + 0.25 * 6 = 2.5, with no band
    # (residual variance 0)
    np.testing.assert_allclose(f.samples[:, 0, 1], 2.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(f.samples[:, 1, 1], 2.5, rtol=0, atol=1e-12)


def test_trend_interval_is_statsmodels_prediction_interval() -> None:
    shares = noisy()
    t = np.arange(2014.0, 2021.0)
    y = shares[:7, 4]
    ols = sm.OLS(y, sm.add_constant(t)).fit()
    for at in (2021.0, 2023.0):
        frame = ols.get_prediction(np.array([[1.0, at]])).summary_frame(alpha=0.10)
        expected = [frame["obs_ci_lower"].iloc[0], frame["obs_ci_upper"].iloc[0]]
        got = trend_quantiles(t, y, at, np.array([0.05, 0.95]))
        np.testing.assert_allclose(got, expected, rtol=1e-10)
    # the forecast's samples are that interval's quantiles (k + 0.5) / S at each year
    f = trend(synthetic(shares), 2020, (1, 3), n_samples=20)
    levels = (np.arange(20) + 0.5) / 20
    np.testing.assert_allclose(f.samples[:, 1, 4], trend_quantiles(t, y, 2023.0, levels))


def test_trend_falls_back_to_persistence_for_a_short_history() -> None:
    shares = noisy()
    shares[:3, 2] = np.nan  # member 2 has 2017 and 2018 only at origin 2018: 2 < 3 points
    record = synthetic(shares)
    got = trend(record, 2018, (1, 2), n_samples=30).samples
    expected = persistence(record, 2018, (1, 2), n_samples=30).samples
    np.testing.assert_array_equal(got[:, :, 2], expected[:, :, 2])
    assert not np.array_equal(got[:, :, 3], expected[:, :, 3])  # a full history gets its line


def test_a_member_without_a_share_at_the_origin_gets_nan() -> None:
    shares = noisy()
    shares[:, 5] = np.nan  # Iceland: no figure in any year
    shares[6, 7] = np.nan  # a member missing the origin year only (2020)
    armed = np.ones(12, dtype=bool)
    armed[5] = False
    for f in baseline_forecasts(synthetic(shares, armed=armed), 2020, (1, 2), n_samples=20):
        assert np.isnan(f.samples[:, :, [5, 7]]).all(), f.method
        assert np.isfinite(np.delete(f.samples, [5, 7], axis=2)).all(), f.method


def test_partial_adjustment_coefficients_are_least_squares() -> None:
    shares = noisy(n=15)
    accession = np.full(15, 1949)
    accession[0] = 2020  # an ally from 2020: its pairs (t - 1, t) count from t = 2020
    record = synthetic(shares, accession=accession)
    fit = fit_partial_adjustment(record, 2021)
    rows, targets = [], []
    for k in range(1, 8):  # t = 2015 ... 2021
        year = 2014 + k
        for j in range(15):
            if accession[j] <= year:
                gap = max(0.0, 2.0 - shares[k - 1, j])
                d = 1.0 / (max(0, 2024 - year) + 1)
                rows.append([1.0, shares[k - 1, j], gap, gap * d])
                targets.append(shares[k, j])
    beta, *_ = np.linalg.lstsq(np.array(rows), np.array(targets), rcond=None)
    assert fit.nobs == len(targets) == 7 * 14 + 2  # 14 allies x 7 years + member 0 in 2020, 2021
    np.testing.assert_allclose([fit.params[c] for c in COEFFICIENTS], beta, rtol=1e-9)
    np.testing.assert_allclose(fit.residuals, np.array(targets) - np.array(rows) @ beta, atol=1e-12)


def test_partial_adjustment_recovers_a_noiseless_law_and_iterates_it() -> None:
    law = {"a": 0.2, "rho": 0.85, "gamma": 0.05, "delta": 0.3}
    rng = np.random.default_rng(7)
    shares = np.empty((len(YEARS), 10))
    shares[0] = rng.uniform(0.8, 2.6, size=10)  # some above 2%: gap 0 there
    for k in range(1, len(YEARS)):
        prev, d = shares[k - 1], baselines.deadline(YEARS[k])
        gap = np.maximum(0.0, 2.0 - prev)
        shares[k] = law["a"] + law["rho"] * prev + law["gamma"] * gap + law["delta"] * gap * d
    record = synthetic(shares)
    fit = fit_partial_adjustment(record, 2020)
    for name, value in law.items():  # exact data: exact coefficients up to rounding
        assert fit.params[name] == pytest.approx(value, abs=1e-9), name
    # residuals 0: every bootstrap path is the law's path, 2021 ... 2023 are the record's values
    f = partial_adjustment(record, 2020, (1, 3), n_samples=25)
    np.testing.assert_allclose(f.samples[:, 0], np.tile(shares[7], (25, 1)), atol=1e-9)
    np.testing.assert_allclose(f.samples[:, 1], np.tile(shares[9], (25, 1)), atol=1e-9)


def test_partial_adjustment_is_reproducible_and_seeded_by_the_origin() -> None:
    record = synthetic(noisy())
    a = partial_adjustment(record, 2019, (1, 2, 3), n_samples=40).samples
    b = partial_adjustment(record, 2019, (1, 2, 3), n_samples=40).samples
    assert a.tobytes() == b.tobytes()
    assert np.ptp(a[:, 0, 0]) > 0  # the bootstrap makes a band
    # the draws: residuals resampled with default_rng(origin), one per path, year and member
    fit = fit_partial_adjustment(record, 2019)
    noise = np.random.default_rng(2019).choice(fit.residuals, size=(40, 12))
    start = record.year(2019)
    np.testing.assert_allclose(a[:, 0], np.maximum(fit.predict(start, 2020) + noise, 0.0))


def test_no_value_after_the_origin_reaches_any_baseline() -> None:
    record = PanelRecord.load()
    origin = 2019
    later = np.array(record.years) > origin
    shares = record.shares.copy()
    rng = np.random.default_rng(0)
    shares[later] += rng.normal(0, 1.0, size=shares[later].shape)  # every later value moved
    shares[later, 3] = np.nan  # and some later values removed
    changed = dataclasses.replace(record, shares=shares)
    for a, b in zip(
        baseline_forecasts(record, origin, (1, 2, 3)),
        baseline_forecasts(changed, origin, (1, 2, 3)),
        strict=True,
    ):
        assert a.years == b.years == (2020, 2021, 2022)
        assert a.samples.tobytes() == b.samples.tobytes(), a.method
