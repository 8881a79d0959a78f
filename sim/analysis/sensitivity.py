"""Global sensitivity analysis of a sweep: Sobol' indices and Morris elementary effects (SALib).

This module owns turning a Sobol' or Morris sweep into sensitivity indices for the main
outcomes. :func:`analyse_sweep` takes the per-run summaries, averages them over the replications
of each design point (so the indices describe the parameters' effect on the expected outcome,
not on the noise), puts the points in the sampler's row order (``design.parquet``) and calls
:func:`sobol_indices` or :func:`morris_indices`, thin wrappers around
``SALib.analyze.sobol.analyze`` and ``SALib.analyze.morris.analyze`` with a fixed seed for the
bootstrap confidence intervals, so that the same sweep always gives the same table.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol

from sim.core.errors import UserError

MAIN_OUTCOMES = (
    "final_alliance_core_share_pct",
    "final_members_at_or_above_3_5pct",
    "peak_munitions_ratio",
    "cumulative_extra_spending_usd_bn",
)
"""The outcomes analysed by default: the alliance's core share and the members at or above 3.5%
at the end (2035Q4 in the forward scenarios), the peak munitions ratio and the cumulative extra
spending."""
BOOTSTRAP_SEED = 20250625
"""Seed of SALib's bootstrap resampling (the Hague summit's date, as the scenarios' seed)."""
NUM_RESAMPLES = 1000
CONF_LEVEL = 0.95
SALIB_METHODS = ("sobol", "morris")


@dataclass(frozen=True)
class Sensitivity:
    """Sensitivity indices of a sweep's outcomes.

    ``table`` has one row per outcome and parameter: for Sobol' ``S1``, ``S1_conf``, ``ST``,
    ``ST_conf`` (the ``_conf`` columns are half-widths of the bootstrap confidence interval at
    ``conf_level``); for Morris ``mu``, ``mu_star``, ``mu_star_conf`` and ``sigma``.
    ``second_order`` holds ``S2`` and ``S2_conf`` per pair when the sweep computed them.
    """

    method: str
    table: pd.DataFrame
    second_order: pd.DataFrame | None = None
    n_points: int = 0
    replications: int = 0
    conf_level: float = CONF_LEVEL
    notes: list[str] = field(default_factory=list)


def _salib_problem(problem: dict[str, Any]) -> dict[str, Any]:
    """SALib's own keys of a problem dict (the sweep adds method, N, ... for the record)."""
    keys = ("num_vars", "names", "bounds", "groups", "dists")
    return {k: problem[k] for k in keys if k in problem and problem[k] is not None}


def sobol_indices(
    problem: dict[str, Any],
    Y: np.ndarray,
    calc_second_order: bool,
    *,  # noqa: N803
    num_resamples: int = NUM_RESAMPLES,
    conf_level: float = CONF_LEVEL,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """First-order and total Sobol' indices with bootstrap confidence intervals.

    Args:
        problem: SALib problem (``num_vars``, ``names``, ``bounds``; other keys are ignored).
        Y: one output per sample, in the order of ``SALib.sample.sobol.sample``.
        calc_second_order: whether the sample included the second-order rows.
        num_resamples: bootstrap resamples for the confidence intervals.
        conf_level: confidence level of the intervals.
        seed: seed of the bootstrap.

    Returns:
        A frame indexed by parameter with ``S1, S1_conf, ST, ST_conf``, and the second-order
        indices (a frame of pairs with ``S2, S2_conf``) or None.
    """
    problem = _salib_problem(problem)
    Y = np.asarray(Y, dtype=float)  # noqa: N806
    names = list(problem["names"])
    if np.ptp(Y) == 0:
        nan = np.full(len(names), np.nan)
        frame = pd.DataFrame({"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}, index=names)
        return frame.rename_axis("parameter"), None
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        res = salib_sobol.analyze(
            problem,
            Y,
            calc_second_order=calc_second_order,
            num_resamples=num_resamples,
            conf_level=conf_level,
            seed=seed,
        )
    frame = pd.DataFrame(
        {k: np.asarray(res[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")},
        index=names,
    )
    second = None
    if calc_second_order:
        rows = []
        for i, j in zip(*np.triu_indices(len(names), k=1), strict=True):
            rows.append(
                {
                    "parameter": names[i],
                    "other": names[j],
                    "S2": res["S2"][i, j],
                    "S2_conf": res["S2_conf"][i, j],
                }
            )
        second = pd.DataFrame(rows, columns=["parameter", "other", "S2", "S2_conf"])
    return frame.rename_axis("parameter"), second


def morris_indices(
    problem: dict[str, Any],
    X: np.ndarray,
    Y: np.ndarray,
    *,  # noqa: N803
    num_levels: int = 4,
    num_resamples: int = NUM_RESAMPLES,
    conf_level: float = CONF_LEVEL,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """Morris elementary-effect statistics mu, mu* (with its bootstrap interval) and sigma.

    Effects are per full range of each parameter (SALib works on the unit hypercube), so mu* of
    ``y = c * x`` over ``[lo, hi]`` is ``|c| * (hi - lo)``.

    Args:
        problem: SALib problem (``num_vars``, ``names``, ``bounds``).
        X: the sample (rows in the order of ``SALib.sample.morris.sample``), in parameter units.
        Y: one output per row of X.
        num_levels: the grid levels the sample was drawn on.
        num_resamples: bootstrap resamples for the interval of mu*.
        conf_level: confidence level of the interval.
        seed: seed of the bootstrap.

    Returns:
        A frame indexed by parameter with ``mu, mu_star, mu_star_conf, sigma``.
    """
    problem = _salib_problem(problem)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        res = salib_morris.analyze(
            problem,
            np.asarray(X, dtype=float),
            np.asarray(Y, dtype=float),
            num_resamples=num_resamples,
            conf_level=conf_level,
            num_levels=num_levels,
            seed=seed,
        )
    frame = pd.DataFrame(
        {k: np.asarray(res[k], dtype=float) for k in ("mu", "mu_star", "mu_star_conf", "sigma")},
        index=list(problem["names"]),
    )
    return frame.rename_axis("parameter")


def point_means(result: Any, outcomes: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    """Average each outcome over the replications of each design point, in design order.

    Args:
        result: a loaded sweep (``runs``, ``summary``, ``design``).
        outcomes: summary columns to average.

    Returns:
        The design table (in sampler order) joined with the outcomes' means, and the point_ids
        that have no successful run (their means are NaN).
    """
    runs = result.runs
    ok = runs.loc[runs["status"] == "ok", ["run_id", "point_id"]]
    summary = result.summary.merge(ok, on="run_id", how="inner")
    missing_cols = [c for c in outcomes if c not in summary.columns]
    if missing_cols:
        raise UserError(
            f"the sweep's summary has no column {missing_cols[0]!r} (columns: "
            f"{', '.join(c for c in result.summary.columns if c != 'run_id')})"
        )
    means = summary.groupby("point_id")[list(outcomes)].mean()
    design = result.design.merge(means, left_on="point_id", right_index=True, how="left")
    lacking = design.loc[design[list(outcomes)].isna().any(axis=1), "point_id"].tolist()
    return design, lacking


def analyse_sweep(
    result: Any, outcomes: Sequence[str] = MAIN_OUTCOMES, *, seed: int = BOOTSTRAP_SEED
) -> Sensitivity:
    """Sensitivity indices of a Sobol' or Morris sweep for the given outcomes.

    Args:
        result: a loaded sweep (``sim.load_sweep``): it needs ``problem`` (the SALib problem
            with ``method``, ``N`` and ``calc_second_order`` or ``levels``), ``design`` (point_id
            and one column per axis, in SALib's sample order), ``runs`` and ``summary``.
        outcomes: summary columns to analyse.
        seed: seed of the bootstrap confidence intervals.

    Returns:
        The indices, one row per outcome and parameter.

    Raises:
        UserError: if the sweep is not a Sobol' or Morris design, or if a design point has no
            successful run (the estimators need every point of the sample).
    """
    problem, method = _salib_design(result)
    design, lacking = point_means(result, outcomes)
    if lacking:
        raise UserError(
            f"sensitivity indices need every design point; {len(lacking)} of "
            f"{len(design)} points have no successful run yet (first: point "
            f"{lacking[0]})"
        )
    reps = result.runs.loc[result.runs["status"] == "ok"].groupby("point_id").size()
    frames, seconds, notes = [], [], []
    for outcome in outcomes:
        Y = design[outcome].to_numpy(dtype=float)  # noqa: N806
        if np.ptp(Y) == 0:
            notes.append(f"{outcome} is the same at every design point ({Y[0]:g}): no indices")
        frame, second = _outcome_indices(method, problem, design, Y, seed)
        if second is not None:
            seconds.append(second.assign(outcome=outcome))
        frames.append(frame.reset_index().assign(outcome=outcome))
    table, second = _tables(frames, seconds)
    return Sensitivity(
        method,
        table,
        second,
        n_points=len(design),
        replications=int(reps.min()) if len(reps) else 0,
        notes=notes,
    )


def _salib_design(result: Any) -> tuple[dict[str, Any], str]:
    """The sweep's SALib problem and its method, which must be one of :data:`SALIB_METHODS`."""
    problem = getattr(result, "problem", None)
    method = (problem or {}).get("method")
    if method not in SALIB_METHODS:
        design = (
            result.manifest.get("config", {}).get("design", {}).get("method", "?")
            if getattr(result, "manifest", None)
            else "?"
        )
        raise UserError(
            f"sensitivity indices need a sobol or morris design; this sweep's "
            f"design is {method or design!r}"
        )
    return problem, method


def _outcome_indices(
    method: str,
    problem: dict[str, Any],
    design: pd.DataFrame,
    Y: np.ndarray,  # noqa: N803
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One outcome's indices by parameter, and its second-order Sobol' indices (or None)."""
    if method == "sobol":
        return sobol_indices(problem, Y, bool(problem.get("calc_second_order")), seed=seed)
    frame = morris_indices(
        problem,
        design[list(problem["names"])].to_numpy(dtype=float),
        Y,
        num_levels=int(problem.get("levels", 4)),
        seed=seed,
    )
    return frame, None


def _tables(
    frames: list[pd.DataFrame], seconds: list[pd.DataFrame]
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The outcomes' indices in one table (outcome and parameter first), and the second order."""
    table = pd.concat(frames, ignore_index=True)
    table = table[
        ["outcome", "parameter", *[c for c in table.columns if c not in ("outcome", "parameter")]]
    ]
    second = None
    if seconds:
        second = pd.concat(seconds, ignore_index=True)
        second = second[["outcome", "parameter", "other", "S2", "S2_conf"]]
    return table, second
