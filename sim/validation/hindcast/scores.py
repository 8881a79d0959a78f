"""The hindcast's scores: how close a forecast came to the record, and their summary by horizon.

This module owns :func:`score` (one row per forecast year of one forecast, columns
:data:`SCORE_COLUMNS`) and :func:`summarise` (the scores pooled over origins per method and
horizon, columns :data:`SUMMARY_COLUMNS`). Every method (the model, each baseline) is scored by
the same rules:

- **Member-years scored**: the allies of the year (``record.allies``: members by then, with
  armed forces) with a share in the record and a finite forecast (every sample finite).
- **Shares**: RMSE and MAE of the ensemble's median (per member) against the record, pp; the
  CRPS of the ensemble (``scoringrules.crps_ensemble``, the fair estimator, which does not
  reward a small ensemble), pp; the share of member-years whose record lies in the ensemble's
  central 50% and 90% intervals (numpy's default quantiles 0.25-0.75 and 0.05-0.95, bounds
  inclusive). A well-calibrated forecast covers about 0.5 and 0.9.
- **Counts**: each sample's count of allies at or above 2%, by NATO's rule
  (``PanelRecord.count``: two decimals, allies only), against the record's count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.validation.hindcast.baselines import METHODS
from sim.validation.hindcast.forecast import Forecast
from sim.validation.hindcast.model import METHOD as MODEL
from sim.validation.hindcast.record import PanelRecord

METHOD_ORDER = (MODEL, *METHODS)
"""The order methods are listed in: the model first, then the baselines."""

SCORE_COLUMNS = (
    "method",
    "origin",
    "horizon",
    "year",
    "member_years",
    "rmse_pp",
    "mae_pp",
    "crps_pp",
    "coverage_50",
    "coverage_90",
    "count_record",
    "count_median",
    "count_error",
    "count_in_90",
)
"""The columns of :func:`score`: the method, the origin, the horizon (year - origin) and the
year; the member-years scored; RMSE and MAE of the median and the mean CRPS (pp); the shares of
member-years inside the 50% and 90% intervals; the record's count at or above 2%, the median of
the samples' counts, their difference (median - record) and whether the record's count lies in
the 5%-95% range of the samples' counts."""

SUMMARY_COLUMNS = (
    "method",
    "horizon",
    "forecasts",
    "member_years",
    "rmse_pp",
    "mae_pp",
    "crps_pp",
    "coverage_50",
    "coverage_90",
    "count_mae",
    "count_bias",
    "count_coverage_90",
)
"""The columns of :func:`summarise`, one row per method and horizon (``"1"``, ``"2"``, ...,
and ``"all"`` pooling every horizon):

- ``forecasts``: the score rows pooled (for one horizon: the origins);
- ``member_years``: the member-years scored, summed;
- ``rmse_pp``: the pooled RMSE, sqrt of the member-year-weighted mean of the rows' squared RMSE
  (the RMSE over all the member-years at once);
- ``mae_pp``, ``crps_pp``, ``coverage_50``, ``coverage_90``: means weighted by member-years
  (over all the member-years at once);
- ``count_mae``: the mean absolute count error (median count - record count), allies;
- ``count_bias``: the mean count error (negative: the method counts too few);
- ``count_coverage_90``: the share of rows whose record count lies in the samples' 5%-95% range.
"""


def score(forecast: Forecast, record: PanelRecord) -> pd.DataFrame:
    """Score a forecast against the record, one row per forecast year (:data:`SCORE_COLUMNS`).

    A year with no member-year to score gets NaN share scores (the counts are still scored).

    Raises:
        ValueError: when the forecast's members are not the record's, or a forecast year is not
            in the record.
    """
    samples = _aligned(forecast, record)
    rows = []
    for i, year in enumerate(forecast.years):
        if year not in record.years:
            raise ValueError(
                f"{forecast.method} from {forecast.origin}: no record for {year} "
                f"(it has {record.years[0]}-{record.last_year})"
            )
        head = {
            "method": forecast.method,
            "origin": forecast.origin,
            "horizon": year - forecast.origin,
            "year": year,
        }
        x = samples[:, i, :]
        rows.append(head | _share_scores(x, record, year) | _count_scores(x, record, year))
    frame = pd.DataFrame(rows, columns=list(SCORE_COLUMNS))
    return frame.astype(
        {"origin": int, "horizon": int, "year": int, "member_years": int, "count_record": int}
    )


MEMBER_SCORE_COLUMNS = (
    "method",
    "origin",
    "horizon",
    "year",
    "iso3",
    "record_pct",
    "median_pct",
    "error_pp",
    "crps_pp",
    "in_50",
    "in_90",
)
"""The columns of :func:`member_scores`, one row per scored member-year: the record's share,
the median forecast, their difference (median - record), the member-year's CRPS and whether the
record lies in the central 50% and 90% intervals (the terms :func:`score` averages)."""


def member_scores(forecast: Forecast, record: PanelRecord) -> pd.DataFrame:
    """A forecast's scores member-year by member-year (:data:`MEMBER_SCORE_COLUMNS`).

    The same member-years and numbers :func:`score` pools: which allies a method misses.
    """
    samples = _aligned(forecast, record)
    frames = []
    for i, year in enumerate(forecast.years):
        terms = _member_terms(samples[:, i, :], record, year)
        if terms is None:
            continue
        use = terms.pop("use")
        head = {"method": forecast.method, "origin": forecast.origin}
        head |= {"horizon": year - forecast.origin, "year": year}
        frames.append(pd.DataFrame(head | {"iso3": np.array(record.iso3)[use]} | terms))
    if not frames:
        return pd.DataFrame(columns=list(MEMBER_SCORE_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(MEMBER_SCORE_COLUMNS)]


def summarise(scores: pd.DataFrame) -> pd.DataFrame:
    """Pool the scores over origins, per method and horizon, and over every horizon (``"all"``).

    Args:
        scores: rows of :func:`score` (for several methods and origins).

    Returns:
        One row per method and horizon, columns :data:`SUMMARY_COLUMNS`, the model first, then
        the baselines (:data:`METHOD_ORDER`; other methods after, by name), each method's
        horizons in increasing order then ``"all"``; ``horizon`` is text.
    """
    rows = []
    for method in _methods(scores["method"]):
        own = scores[scores["method"] == method]
        for horizon in sorted(own["horizon"].unique()):
            rows.append({"method": method, "horizon": str(horizon)} | _pooled(own, horizon))
        rows.append({"method": method, "horizon": "all"} | _pooled(own, None))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _aligned(forecast: Forecast, record: PanelRecord) -> np.ndarray:
    """The forecast's samples with the members in the record's order."""
    if set(forecast.iso3) != set(record.iso3) or len(forecast.iso3) != len(record.iso3):
        raise ValueError(
            f"{forecast.method} from {forecast.origin}: members {forecast.iso3} are not the "
            f"record's {record.iso3}"
        )
    order = [forecast.iso3.index(c) for c in record.iso3]
    return forecast.samples[:, :, order]


def _member_terms(samples: np.ndarray, record: PanelRecord, year: int) -> dict | None:
    """Each scored member-year's terms for samples (S, N) against the record's ``year``.

    The members scored (``use``: allies with a record and a forecast), the record, the median,
    the error, the CRPS and whether the record lies in the 50% and 90% intervals; None when no
    member-year can be scored.
    """
    import scoringrules  # takes seconds (numba compiles on import): only when scoring

    obs = record.year(year)
    use = record.allies(year) & np.isfinite(obs) & np.isfinite(samples).all(axis=0)
    if not use.any():
        return None
    obs, x = obs[use], samples[:, use]
    median = np.median(x, axis=0)
    # the fair estimator divides by m (m - 1): a one-sample ensemble is a point, its CRPS |x - y|
    estimator = "fair" if len(x) > 1 else "nrg"
    crps = scoringrules.crps_ensemble(obs, x, m_axis=0, estimator=estimator, backend="numpy")
    q25, q75, q05, q95 = np.quantile(x, [0.25, 0.75, 0.05, 0.95], axis=0)
    return {
        "use": use,
        "record_pct": obs,
        "median_pct": median,
        "error_pp": median - obs,
        "crps_pp": np.asarray(crps, dtype=float),
        "in_50": (q25 <= obs) & (obs <= q75),
        "in_90": (q05 <= obs) & (obs <= q95),
    }


def _share_scores(samples: np.ndarray, record: PanelRecord, year: int) -> dict:
    """RMSE, MAE, CRPS and coverages of samples (S, N) against the record's ``year``."""
    terms = _member_terms(samples, record, year)
    if terms is None:
        nan = float("nan")
        names = ("rmse_pp", "mae_pp", "crps_pp", "coverage_50", "coverage_90")
        return {"member_years": 0} | dict.fromkeys(names, nan)
    error = terms["error_pp"]
    return {
        "member_years": int(terms["use"].sum()),
        "rmse_pp": float(np.sqrt(np.mean(error**2))),
        "mae_pp": float(np.mean(np.abs(error))),
        "crps_pp": float(np.mean(terms["crps_pp"])),
        "coverage_50": float(np.mean(terms["in_50"])),
        "coverage_90": float(np.mean(terms["in_90"])),
    }


def _count_scores(samples: np.ndarray, record: PanelRecord, year: int) -> dict:
    """The record's count at or above 2% in ``year`` against the samples' counts (S,).

    A member without a forecast (NaN) counts as below the line, as one without a record does.
    """
    counts = record.count(samples, year)
    observed = int(record.count(record.year(year), year))
    median = float(np.median(counts))
    low, high = np.quantile(counts, [0.05, 0.95])
    return {
        "count_record": observed,
        "count_median": median,
        "count_error": median - observed,
        "count_in_90": bool(low <= observed <= high),
    }


def _methods(methods: pd.Series) -> list[str]:
    """The methods present, in :data:`METHOD_ORDER`, others after by name."""
    present = set(methods)
    return [m for m in METHOD_ORDER if m in present] + sorted(present - set(METHOD_ORDER))


def _pooled(scores: pd.DataFrame, horizon: int | None) -> dict:
    """One method's scores pooled over origins (one horizon, or all when ``horizon`` is None)."""
    rows = scores if horizon is None else scores[scores["horizon"] == horizon]
    scored = rows[rows["member_years"] > 0]
    weight = scored["member_years"].to_numpy(dtype=float)
    total = weight.sum()

    def weighted(column: str, squared: bool = False) -> float:
        values = scored[column].to_numpy(dtype=float) ** (2 if squared else 1)
        return float(weight @ values / total) if total else float("nan")

    errors = rows["count_error"].to_numpy(dtype=float)
    return {
        "forecasts": len(rows),
        "member_years": int(total),
        "rmse_pp": float(np.sqrt(weighted("rmse_pp", squared=True))),
        "mae_pp": weighted("mae_pp"),
        "crps_pp": weighted("crps_pp"),
        "coverage_50": weighted("coverage_50"),
        "coverage_90": weighted("coverage_90"),
        "count_mae": float(np.mean(np.abs(errors))),
        "count_bias": float(np.mean(errors)),
        "count_coverage_90": float(rows["count_in_90"].astype(float).mean()),
    }
