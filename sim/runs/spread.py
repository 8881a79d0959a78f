"""Two sources of spread in an ensemble: the noise and the parameters.

This module owns the decomposition used by ``sim run --reps N [--posterior DIR]`` and by a
sweep with a ``[posterior]`` table: runs are laid out as D parameter draws times R replications
whose seeds are paired (replication r has the same seed under every draw), so an outcome is a
(D, R) array ``y`` and the law of total variance splits its spread exactly (population
variances)::

    var(y) = mean_d var_r(y[d])  +  var_d mean_r(y[d])
             noise                  parameters

The intervals reported with it: ``q05``-``q95`` of every run (the whole posterior-predictive
spread), ``parameter_q05``-``parameter_q95`` of the draws' means (the parameters alone, noise
averaged out) and ``noise_q05``-``noise_q95``, the median of the runs plus the mean within-draw
deviations of the 5th and 95th percentiles from the draw's median (the noise alone).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The quantiles of every run a band or a spread row gives."""
NAMES = ("q05", "q25", "median", "q75", "q95")
"""Their names in ``spread.csv``."""

SPREAD_COLUMNS = (
    "outcome",
    "mean",
    "q05",
    "q25",
    "median",
    "q75",
    "q95",
    "parameter_q05",
    "parameter_q95",
    "noise_q05",
    "noise_q95",
    "total_sd",
    "noise_sd",
    "parameter_sd",
    "parameter_share",
)
"""The columns of ``spread.csv``: one row per outcome."""


def decompose(values: np.ndarray) -> dict[str, float]:
    """Spread of one outcome over D draws x R paired replications.

    Args:
        values: (D, R) the outcome of each run (draw-major); D = 1 is noise alone.

    Returns:
        The row of ``spread.csv`` without ``outcome`` (see the module).
    """
    y = np.asarray(values, dtype=float)
    if y.ndim != 2 or y.size == 0:
        raise ValueError(f"values of shape {y.shape}: expected (draws, replications)")
    quantiles = np.quantile(y, LEVELS)
    means = y.mean(axis=1)
    within = y.var(axis=1).mean()
    between = means.var()
    total = y.var()
    median = float(quantiles[2])
    own = np.quantile(y, [0.05, 0.5, 0.95], axis=1)  # (3, D)
    return {
        "mean": float(y.mean()),
        **{name: float(q) for name, q in zip(NAMES, quantiles, strict=True)},
        "parameter_q05": float(np.quantile(means, 0.05)),
        "parameter_q95": float(np.quantile(means, 0.95)),
        "noise_q05": median + float((own[0] - own[1]).mean()),
        "noise_q95": median + float((own[2] - own[1]).mean()),
        "total_sd": float(np.sqrt(total)),
        "noise_sd": float(np.sqrt(within)),
        "parameter_sd": float(np.sqrt(between)),
        "parameter_share": float(between / total) if total > 0 else 0.0,
    }


def spread_table(runs: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """``spread.csv``: :func:`decompose` of each numeric outcome of a table of runs.

    Args:
        runs: one row per run with ``draw`` and ``rep`` columns (every draw has every rep).
        outcomes: the columns to decompose.
    """
    draws, reps = runs["draw"].nunique(), runs["rep"].nunique()
    ordered = runs.sort_values(["draw", "rep"])
    rows = []
    for name in outcomes:
        values = ordered[name].to_numpy(dtype=float).reshape(draws, reps)
        rows.append({"outcome": name, **decompose(values)})
    return pd.DataFrame(rows, columns=list(SPREAD_COLUMNS))


def bands(series: np.ndarray, draws: int) -> dict[str, np.ndarray]:
    """Quarter-by-quarter bands of one series over (D * R, T) runs, draw-major.

    Returns:
        ``q05`` ... ``q95`` of every run (:data:`LEVELS`), ``parameter_q05`` and
        ``parameter_q95`` of the draws' means, each (T,).
    """
    runs, quarters = series.shape
    quantiles = np.quantile(series, LEVELS, axis=0)
    means = series.reshape(draws, runs // draws, quarters).mean(axis=1)
    out = {f"q{round(level * 100):02d}": q for level, q in zip(LEVELS, quantiles, strict=True)}
    out["parameter_q05"], out["parameter_q95"] = np.quantile(means, [0.05, 0.95], axis=0)
    return out


__all__ = ["LEVELS", "SPREAD_COLUMNS", "bands", "decompose", "spread_table"]
