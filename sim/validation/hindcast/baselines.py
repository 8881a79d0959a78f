"""The hindcast's baselines: the forecasts the model has to beat, each fitted to the record up to Y.

This module owns three reference methods, each a :class:`~sim.validation.hindcast.forecast.Forecast`
of every member's core share for the years ``origin + h`` (``h`` in the horizons, up to the last
year of the record):

- ``persistence``: the share at the origin, with the spread of past pooled h-year changes;
- ``trend``: each member's least-squares line up to the origin, with its prediction interval;
- ``partial_adjustment``: a pooled partial-adjustment regression with the pull of the Wales
  pledge, iterated, with bootstrapped residuals (:func:`fit_partial_adjustment` returns its
  coefficients for the docs).

Every method sees only ``record.until(origin)``: nothing after the origin reaches a fit. A member
with no share at the origin (Iceland) gets NaN samples. Same inputs, same bytes: the only random
draws (the bootstrap) come from ``np.random.default_rng(origin)``. The ensembles of
``persistence`` and ``trend`` are quantiles, so they are comonotone across members (sample k is
every member's k-th quantile); the bootstrap's residuals are drawn independently per member.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from scipy import stats

from sim.validation.hindcast.forecast import Forecast
from sim.validation.hindcast.record import LINE_PCT, PanelRecord

METHODS = ("persistence", "trend", "partial_adjustment")
"""The baselines' method names, in the order :func:`baseline_forecasts` returns them."""

GUIDELINE_PCT = LINE_PCT
"""The 2% guideline (2.0, percent of GDP): Wales Summit Declaration (5 September 2014), para 14,
allies below it will 'aim to move towards the 2% guideline within a decade'. The same line the
record's counts are taken at (``record.LINE_PCT``, from ``sim.core.targets``)."""

DEADLINE_YEAR = 2024
"""The end of that decade: 2014 + 10 (Wales Summit Declaration 2014, para 14)."""

MIN_POOLED_CHANGES = 10
"""``persistence``: fewer pooled h-year changes than this, and the 1-year ones scaled by sqrt(h)
are used instead."""

MIN_TREND_POINTS = 3
"""``trend``: a line needs at least 3 years (one residual degree of freedom); below that the
member gets ``persistence``'s forecast."""

COEFFICIENTS = ("a", "rho", "gamma", "delta")
"""The partial-adjustment regression's coefficients, in the order of its design's columns."""


@dataclass(frozen=True)
class PartialAdjustmentFit:
    """The pooled partial-adjustment regression fitted on the record up to ``origin``.

    Attributes:
        origin: the last year of the data fitted.
        params: the coefficients by name (:data:`COEFFICIENTS`).
        bse: their standard errors (OLS, homoskedastic).
        nobs: the member-years fitted.
        rsquared: the fit's R^2.
        residuals: (nobs,) the fit's residuals, pp (what the bootstrap resamples).
    """

    origin: int
    params: dict[str, float]
    bse: dict[str, float]
    nobs: int
    rsquared: float
    residuals: np.ndarray

    def predict(self, previous: np.ndarray, year: int) -> np.ndarray:
        """The expected share in ``year`` given the shares of the year before (any shape)."""
        b = np.array([self.params[c] for c in COEFFICIENTS])
        return _design(np.asarray(previous, dtype=float), year) @ b


def deadline(year: int) -> float:
    """The pledge deadline's pull in ``year``: 1 / (years left to :data:`DEADLINE_YEAR` + 1)."""
    return 1.0 / (max(0, DEADLINE_YEAR - year) + 1)


def baseline_forecasts(
    record: PanelRecord, origin: int, horizons: tuple[int, ...], n_samples: int = 200
) -> list[Forecast]:
    """Every baseline's forecast from ``origin``, in the order of :data:`METHODS`.

    Args:
        record: the whole record (each method censors it at ``origin`` itself).
        origin: the last year the methods see.
        horizons: years ahead; those past the record's last year are dropped.
        n_samples: the ensemble size of each forecast.

    Raises:
        ValueError: for a horizon below 1, ``n_samples`` below 1, or no forecast year in the
            record.
    """
    return [
        persistence(record, origin, horizons, n_samples),
        trend(record, origin, horizons, n_samples),
        partial_adjustment(record, origin, horizons, n_samples),
    ]


def persistence(
    record: PanelRecord, origin: int, horizons: tuple[int, ...], n_samples: int = 200
) -> Forecast:
    """No change: the median is each member's share at the origin.

    The band is the spread of past changes: the h-year changes ``x[t+h] - x[t]`` of every armed
    member with both values, ``t + h <= origin`` (the 1-year changes times sqrt(h) when there
    are fewer than :data:`MIN_POOLED_CHANGES`). The samples are the share at the origin plus
    ``n_samples`` quantiles ``(k + 0.5) / n_samples`` of those changes (numpy's linear
    interpolation: an empirical ensemble of a fixed size for every horizon), centred on their
    median, so that the samples' median is the share at the origin.
    Arguments and errors as :func:`baseline_forecasts`.
    """
    known, years = _censor(record, origin, horizons, n_samples)
    return Forecast(
        "persistence", origin, years, known.iso3, _persistence(known, origin, years, n_samples)
    )


def trend(
    record: PanelRecord, origin: int, horizons: tuple[int, ...], n_samples: int = 200
) -> Forecast:
    """Each member's least-squares line over its years up to the origin, extrapolated.

    The samples are quantiles ``(k + 0.5) / n_samples`` of the OLS prediction interval: the
    line's value plus Student's t with n - 2 degrees of freedom times the standard prediction
    error ``s * sqrt(1 + 1/n + (x0 - mean(x))^2 / Sxx)`` (:func:`trend_quantiles`). A member
    with fewer than :data:`MIN_TREND_POINTS` years gets ``persistence``'s samples. Arguments and
    errors as :func:`baseline_forecasts`.
    """
    known, years = _censor(record, origin, horizons, n_samples)
    samples = _persistence(known, origin, years, n_samples)
    t = np.array(known.years, dtype=float)
    levels = quantile_levels(n_samples)
    for j in range(len(known.iso3)):
        y = known.shares[:, j]
        has = np.isfinite(y)
        if not np.isfinite(known.year(origin)[j]) or has.sum() < MIN_TREND_POINTS:
            continue  # NaN at the origin stays NaN; a short history keeps persistence
        for i, year in enumerate(years):
            samples[:, i, j] = trend_quantiles(t[has], y[has], float(year), levels)
    return Forecast("trend", origin, years, known.iso3, samples)


def trend_quantiles(t: np.ndarray, y: np.ndarray, at: float, levels: np.ndarray) -> np.ndarray:
    """Quantiles of the OLS prediction interval of a line through (t, y), at ``at``.

    Args:
        t: the years (n >= 3).
        y: the values.
        at: where the line is extrapolated to.
        levels: the quantile levels, in (0, 1).

    Returns:
        ``yhat + t_{n-2}(levels) * s * sqrt(1 + 1/n + (at - mean(t))^2 / Sxx)``.
    """
    n = len(t)
    centred = t - t.mean()
    sxx = float(centred @ centred)
    slope = float(centred @ (y - y.mean())) / sxx
    fitted = y.mean() + slope * centred
    s2 = float((y - fitted) @ (y - fitted)) / (n - 2)
    se = np.sqrt(s2 * (1.0 + 1.0 / n + (at - t.mean()) ** 2 / sxx))
    return y.mean() + slope * (at - t.mean()) + stats.t.ppf(levels, n - 2) * se


def fit_partial_adjustment(record: PanelRecord, origin: int) -> PartialAdjustmentFit:
    """Fit ``share_t = a + rho share_{t-1} + gamma gap_{t-1} + delta gap_{t-1} deadline_t + e``.

    The functional form is the defence-economics partial adjustment (a share moves part of the
    way from last year's level toward a desired level each year), with the desired level pulled
    up by the shortfall to the 2% guideline, ``gap = max(0, 2.0 - share)`` (only allies below the
    line were asked to move), and that pull allowed to grow as the pledge's deadline nears:
    ``deadline_t = 1 / (max(0, 2024 - t) + 1)``, 1 in 2024, 0.5 in 2023, 1/11 in 2014 (Wales
    Summit Declaration 2014, para 14: 'within a decade'). ``delta`` measures that end-loading.

    Fitted with statsmodels OLS on every pair (t - 1, t), t <= origin, of a member that is an
    ally in t (the pledge binds allies only) with both shares. With one year of pairs (origin
    2015) the deadline is constant and ``gamma``/``delta`` are not separately identified: OLS's
    pseudo-inverse splits them.

    Raises:
        ValueError: with fewer member-years than coefficients + 1.
    """
    known = record.until(origin)
    rows, targets = [], []
    for k in range(1, len(known.years)):
        year = known.years[k]
        prev, cur = known.shares[k - 1], known.shares[k]
        use = known.allies(year) & np.isfinite(prev) & np.isfinite(cur)
        rows.append(_design(prev[use], year))
        targets.append(cur[use])
    n = sum(len(y) for y in targets)
    if n <= len(COEFFICIENTS):
        raise ValueError(
            f"origin {origin}: partial_adjustment needs more than {len(COEFFICIENTS)} "
            f"member-years with a share in two consecutive years, the record has {n}"
        )
    fit = sm.OLS(np.concatenate(targets), np.vstack(rows)).fit()
    return PartialAdjustmentFit(
        origin,
        dict(zip(COEFFICIENTS, map(float, fit.params), strict=True)),
        dict(zip(COEFFICIENTS, map(float, fit.bse), strict=True)),
        int(fit.nobs),
        float(fit.rsquared),
        np.asarray(fit.resid, dtype=float),
    )


def partial_adjustment(
    record: PanelRecord, origin: int, horizons: tuple[int, ...], n_samples: int = 200
) -> Forecast:
    """The partial-adjustment regression (:func:`fit_partial_adjustment`), iterated from origin.

    Each of the ``n_samples`` paths starts from the shares at the origin and applies the fitted
    equation year by year, adding a residual drawn with replacement from the fit's residuals,
    independently per member and year (``np.random.default_rng(origin)``); a share below 0 is
    set to 0. Arguments and errors as :func:`baseline_forecasts`.
    """
    known, years = _censor(record, origin, horizons, n_samples)
    fit = fit_partial_adjustment(known, origin)
    rng = np.random.default_rng(origin)
    share = np.broadcast_to(known.year(origin), (n_samples, len(known.iso3))).copy()
    samples = np.empty((n_samples, len(years), len(known.iso3)))
    for year in range(origin + 1, years[-1] + 1):
        noise = rng.choice(fit.residuals, size=share.shape)
        share = np.maximum(fit.predict(share, year) + noise, 0.0)  # NaN stays NaN
        if year in years:
            samples[:, years.index(year)] = share
    return Forecast("partial_adjustment", origin, years, known.iso3, samples)


def _censor(
    record: PanelRecord, origin: int, horizons: tuple[int, ...], n_samples: int
) -> tuple[PanelRecord, tuple[int, ...]]:
    """The record up to ``origin`` and the forecast years (those within the whole record)."""
    known = record.until(origin)
    if any(int(h) != h or h < 1 for h in horizons) or n_samples < 1:
        raise ValueError(
            f"horizons {tuple(horizons)} and n_samples {n_samples}: expected whole numbers >= 1"
        )
    years = tuple(sorted({origin + int(h) for h in horizons if origin + h <= record.last_year}))
    if not years:
        raise ValueError(
            f"origin {origin}, horizons {tuple(horizons)}: no forecast year within the record "
            f"(it ends in {record.last_year})"
        )
    if origin not in known.years:
        raise ValueError(f"origin {origin}: not a year of the record {known.years}")
    return known, years


def quantile_levels(n_samples: int) -> np.ndarray:
    """The quantile levels of an ensemble of ``n_samples``: (k + 0.5) / n_samples."""
    return (np.arange(n_samples) + 0.5) / n_samples


def _persistence(
    known: PanelRecord, origin: int, years: tuple[int, ...], n_samples: int
) -> np.ndarray:
    """``persistence``'s samples (n_samples, len(years), N) from the censored record."""
    at = known.year(origin)
    x = known.shares[:, known.armed]
    samples = np.empty((n_samples, len(years), len(known.iso3)))
    for i, year in enumerate(years):
        changes = np.quantile(pooled_changes(x, year - origin), quantile_levels(n_samples))
        # centred on the ensemble's own median (the pool's, up to interpolation), so that the
        # samples' median is the share at the origin for any n_samples, odd or even
        samples[:, i, :] = at + (changes - np.median(changes))[:, None]
    return samples


def pooled_changes(x: np.ndarray, h: int) -> np.ndarray:
    """The pooled h-year changes of the columns of ``x``, or the 1-year ones times sqrt(h).

    With no change at all (a record of one year) the band is a point: a single change of 0.
    """
    changes = _changes(x, h)
    if changes.size < MIN_POOLED_CHANGES:
        changes = _changes(x, 1) * np.sqrt(h)
    return changes if changes.size else np.zeros(1)


def _changes(x: np.ndarray, h: int) -> np.ndarray:
    """Every finite ``x[t + h] - x[t]``, pooled over rows t and columns."""
    if h >= len(x):
        return np.empty(0)
    d = (x[h:] - x[:-h]).ravel()
    return d[np.isfinite(d)]


def _design(previous: np.ndarray, year: int) -> np.ndarray:
    """The regression's design (..., 4): 1, share_{t-1}, gap_{t-1}, gap_{t-1} * deadline_t."""
    gap = np.maximum(0.0, GUIDELINE_PCT - previous)
    one = np.ones_like(previous)
    return np.stack([one, previous, gap, gap * deadline(year)], axis=-1)
