"""The report's numbers: tidy tables computed from a sweep, and their CSV and LaTeX files.

This module owns the computations behind every figure and table of a report, as tidy frames
(``sim.analysis.figures`` draws them; ``sim.analysis.report`` puts them together):

- :func:`series_bands`: an outcome's median and 50%/90% bands across runs, quarter by quarter;
- :func:`paired_differences`: differences between arms replication by replication (the same
  seed in both arms), with their mean, a t confidence interval, and the unpaired (Welch) interval
  for comparison;
- :func:`regime_cells`: the modal regime in cells of two axes;
- :func:`time_to_target`: the share of runs, and of members, at 3.5% core and 5% total by year;
- :func:`point_table`: each design point's outcomes (mean and 90% interval).

Tables are written by :func:`write_table` as CSV (full precision) and as a LaTeX ``tabular``
(booktabs rules; a small writer in :mod:`sim.analysis.table_format`, re-exported here, so no
templating dependency is needed).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.table_format import latex_escape as latex_escape
from sim.analysis.table_format import to_latex as to_latex
from sim.analysis.table_format import write_table as write_table
from sim.core.regimes import REGIMES
from sim.core.targets import TARGETS

_CORE, _TOTAL = TARGETS["3_5pct"], TARGETS["5pct"]

OUTCOME_LABELS = {
    "alliance_core_share_pct": "alliance core share of GDP (%)",
    "alliance_total_share_pct": "core + related share of GDP (%)",
    "munitions_ratio": "munitions output ratio (rival / alliance)",
    **{
        line.count_column: f"members at or above {line.label} {line.share_word} (count)"
        for line in (_CORE, _TOTAL)
    },
    "cumulative_extra_spending_usd_bn": "cumulative extra spending (US$ bn)",
    "rival_defence_share_pct": "rival defence share of GDP (%)",
    "burden_rank_correlation": "Spearman rank correlation, GDP vs core share",
    "final_alliance_core_share_pct": "core share 2035 (%)",
    "final_alliance_total_share_pct": "core + related share 2035 (%)",
    **{
        f"final_{line.count_column}": f"members at {line.label} in 2035" for line in (_CORE, _TOTAL)
    },
    "final_munitions_ratio": "munitions ratio 2035",
    "peak_munitions_ratio": "peak munitions ratio",
    "final_burden_rank_correlation": "GDP-share rank correlation 2035",
}
"""Readable labels, with units, of the outcomes reports show."""
SHORT_LABELS = {
    "final_alliance_core_share_pct": "core share 2035\n(pp of GDP)",
    f"final_{_CORE.count_column}": f"members at {_CORE.label}\nin 2035 (count)",
    "peak_munitions_ratio": "peak munitions\nratio (rival/alliance)",
    "cumulative_extra_spending_usd_bn": "cumulative extra\nspending (US$ bn)",
}
"""Two-line labels of the main outcomes, for narrow panels (differences are in these units)."""
SERIES_OUTCOMES = (
    "alliance_core_share_pct",
    "alliance_total_share_pct",
    "munitions_ratio",
    "members_at_or_above_3_5pct",
    "cumulative_extra_spending_usd_bn",
    "rival_defence_share_pct",
)
"""Alliance series drawn as fan charts."""
BANDS = (0.05, 0.25, 0.5, 0.75, 0.95)


def quarter_year(quarters: pd.Series | Sequence[str]) -> np.ndarray:
    """Decimal years of quarter labels: '2025Q1' -> 2025.0, '2025Q4' -> 2025.75."""
    q = pd.Series(quarters, dtype=str).str.extract(r"(\d{4})Q([1-4])").astype(int)
    return (q[0] + (q[1] - 1) / 4).to_numpy()


def series_bands(
    alliance: pd.DataFrame, column: str, arm_of_run: pd.Series | None = None
) -> pd.DataFrame:
    """Median, 50% and 90% bands of an alliance series across runs, per arm and quarter.

    Args:
        alliance: run_id, quarter and the series.
        column: the series.
        arm_of_run: arm label indexed by run_id (None: all runs pooled as one arm "all").

    Returns:
        arm, quarter, year, n, mean, q05, q25, q50, q75, q95.
    """
    frame = alliance[["run_id", "quarter", column]].copy()
    frame["arm"] = "all" if arm_of_run is None else frame["run_id"].map(arm_of_run)
    grouped = frame.groupby(["arm", "quarter"], sort=False)[column]
    out = grouped.quantile(list(BANDS)).unstack()
    out.columns = [f"q{round(q * 100):02d}" for q in BANDS]
    out.insert(0, "mean", grouped.mean())
    out.insert(0, "n", grouped.size())
    out = out.reset_index()
    out.insert(2, "year", quarter_year(out["quarter"]))
    return out.sort_values(["arm", "year"], kind="stable", ignore_index=True)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the half-width of its t confidence interval (NaN half-width for n < 2)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = float(values.mean()) if n else float("nan")
    if n < 2:
        return mean, float("nan"), float("nan")
    sd = float(values.std(ddof=1))
    return mean, sd, float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n))


def paired_differences(
    frame: pd.DataFrame, outcomes: Sequence[str], reference: str, level: float = 0.95
) -> pd.DataFrame:
    """Differences of each arm from a reference arm, replication by replication.

    Args:
        frame: one row per run with ``arm``, ``replication``, ``seed`` and the outcomes.
        outcomes: the outcome columns.
        reference: the arm the others are compared with.
        level: confidence level.

    Returns:
        arm, outcome, n_pairs, paired (whether every pair shares its seed), mean_arm,
        mean_reference, mean_difference, sd_difference, ci_low, ci_high, and the half-width of
        the unpaired (Welch) interval of the same difference, ``unpaired_half_width``.
    """
    ref = frame[frame["arm"] == reference].set_index("replication")
    rows = []
    for arm, group in frame[frame["arm"] != reference].groupby("arm", sort=False):
        joined = group.set_index("replication").join(ref, how="inner", suffixes=("", "_ref"))
        same_seed = bool(len(joined)) and bool((joined["seed"] == joined["seed_ref"]).all())
        for outcome in outcomes:
            a = joined[outcome].to_numpy(dtype=float)
            b = joined[f"{outcome}_ref"].to_numpy(dtype=float)
            mean, sd, half = t_interval(a - b, level)
            welch = _welch_half_width(
                group[outcome].to_numpy(float), ref[outcome].to_numpy(float), level
            )
            rows.append(
                {
                    "arm": arm,
                    "outcome": outcome,
                    "n_pairs": len(joined),
                    "paired": same_seed,
                    "mean_arm": float(np.mean(a)) if len(a) else np.nan,
                    "mean_reference": float(np.mean(b)) if len(b) else np.nan,
                    "mean_difference": mean,
                    "sd_difference": sd,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "unpaired_half_width": welch,
                }
            )
    return pd.DataFrame(rows)


def _welch_half_width(a: np.ndarray, b: np.ndarray, level: float) -> float:
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    if se == 0:
        return 0.0
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(stats.t.ppf(0.5 + level / 2, dof) * se)


def paired_series(
    alliance: pd.DataFrame, column: str, runs: pd.DataFrame, reference: str, level: float = 0.95
) -> pd.DataFrame:
    """The paired difference of an alliance series from the reference arm, quarter by quarter.

    Args:
        alliance: run_id, quarter and the series.
        column: the series.
        runs: run_id, arm, replication (one row per run).
        reference: the reference arm.
        level: confidence level.

    Returns:
        arm, quarter, year, n_pairs, mean_difference, ci_low, ci_high.
    """
    frame = alliance[["run_id", "quarter", column]].merge(
        runs[["run_id", "arm", "replication"]], on="run_id"
    )
    wide = frame.pivot_table(index=["replication", "quarter"], columns="arm", values=column)
    rows = []
    for arm in [a for a in runs["arm"].drop_duplicates() if a != reference]:
        if arm not in wide.columns or reference not in wide.columns:
            continue
        diff = (wide[arm] - wide[reference]).dropna()
        for quarter, values in diff.groupby(level="quarter"):
            mean, _, half = t_interval(values.to_numpy(), level)
            rows.append(
                {
                    "arm": arm,
                    "quarter": quarter,
                    "n_pairs": len(values),
                    "mean_difference": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                }
            )
    out = pd.DataFrame(
        rows, columns=["arm", "quarter", "n_pairs", "mean_difference", "ci_low", "ci_high"]
    )
    out.insert(2, "year", quarter_year(out["quarter"]) if len(out) else [])
    return out.sort_values(["arm", "year"], kind="stable", ignore_index=True)


def axis_cells(
    values: pd.Series, max_levels: int = 15, bins: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells along one axis: its distinct levels (a grid) or equal-width bins (a sample).

    Text levels (a ceasefire quarter or none) are cells 0, 1, ... in sorted order, their centres
    the levels themselves.

    Returns:
        (cell index of each value, cell centres, cell edges).
    """
    if not pd.api.types.is_numeric_dtype(values):
        text = values.fillna("").astype(str).to_numpy()
        levels = np.unique(text)
        return np.searchsorted(levels, text), levels, np.arange(len(levels) + 1) - 0.5
    v = values.to_numpy(dtype=float)
    levels = np.unique(v)
    if len(levels) <= max_levels:
        index = np.searchsorted(levels, v)
        if len(levels) == 1:
            edges = np.array([levels[0] - 0.5, levels[0] + 0.5])
        else:
            mids = (levels[1:] + levels[:-1]) / 2
            edges = np.concatenate([[2 * levels[0] - mids[0]], mids, [2 * levels[-1] - mids[-1]]])
        return index, levels, edges
    edges = np.linspace(v.min(), v.max(), bins + 1)
    index = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, bins - 1)
    return index, (edges[1:] + edges[:-1]) / 2, edges


def regime_cells(frame: pd.DataFrame, x: str, y: str | None) -> tuple[pd.DataFrame, dict]:
    """The modal regime of the runs in each cell of two axes (or along one).

    Args:
        frame: one row per run with the axis columns and ``regime``.
        x: the horizontal axis.
        y: the vertical axis (None: one axis).

    Returns:
        A frame with one row per non-empty cell (x_cell, x, y_cell, y, n, a count column per
        regime, modal, modal_share; ties go to the earlier regime of ``REGIMES``) and the
        edges of the cells {"x": edges, "y": edges}.
    """
    # sampled designs: about four distinct points per cell on average, 3 to 12 bins per axis
    distinct = len(frame[[x] if y is None else [x, y]].drop_duplicates())
    bins = int(np.clip(np.sqrt(distinct / 4) if y is not None else distinct / 4, 3, 12))
    xi, xc, xe = axis_cells(frame[x], bins=bins)
    if y is None:
        yi, yc, ye = np.zeros(len(frame), dtype=int), np.array([0.0]), np.array([-0.5, 0.5])
    else:
        yi, yc, ye = axis_cells(frame[y], bins=bins)
    cells = pd.DataFrame({"x_cell": xi, "y_cell": yi, "regime": frame["regime"].to_numpy()})
    counts = pd.crosstab([cells["x_cell"], cells["y_cell"]], cells["regime"])
    counts = counts.reindex(columns=list(REGIMES), fill_value=0)
    out = counts.reset_index()
    out.insert(1, "x", xc[out["x_cell"]])
    out.insert(3, "y", yc[out["y_cell"]] if y is not None else np.nan)
    out.insert(4, "n", counts.sum(axis=1).to_numpy())
    values = counts.to_numpy()
    out["modal"] = np.array(REGIMES, dtype=object)[values.argmax(axis=1)]
    out["modal_share"] = values.max(axis=1) / values.sum(axis=1)
    out.columns.name = None
    return out, {"x": xe, "y": ye}


def time_to_target(
    alliance: pd.DataFrame, n_members: int, arm_of_run: pd.Series | None = None
) -> pd.DataFrame:
    """Share of runs that have reached each line by the end of each year, and of members at it.

    Runs: the alliance's core share at or above 3.5% (``runs_core_3_5``) and its core + related
    share at or above 5% (``runs_total_5``) at any quarter up to the year's last quarter. Members:
    the share of the members at or above 3.5% core (5% core + related) in the year's last
    quarter, averaged over runs, with its 5-95% range across runs.

    Returns:
        arm, year, n_runs, runs_core_3_5, runs_total_5, members_core_3_5,
        members_core_3_5_q05, members_core_3_5_q95, members_total_5, members_total_5_q05,
        members_total_5_q95.
    """
    frame = alliance[
        [
            "run_id",
            "quarter",
            "alliance_core_share_pct",
            "alliance_total_share_pct",
            "members_at_or_above_3_5pct",
            "members_at_or_above_5pct",
        ]
    ].copy()
    frame["arm"] = "all" if arm_of_run is None else frame["run_id"].map(arm_of_run)
    frame["t"] = quarter_year(frame["quarter"])
    frame = frame.sort_values(["run_id", "t"], kind="stable")
    frame["year"] = np.floor(frame["t"]).astype(int)
    by_run = frame.groupby("run_id", sort=False)
    frame["reached_core"] = by_run[_CORE.alliance_column].cummax() >= _CORE.value - 1e-9
    frame["reached_total"] = by_run[_TOTAL.alliance_column].cummax() >= _TOTAL.value - 1e-9
    last = frame.groupby(["run_id", "year"], sort=False).tail(1)
    last = last.assign(
        m35=last["members_at_or_above_3_5pct"] / n_members,
        m5=last["members_at_or_above_5pct"] / n_members,
    )
    g = last.groupby(["arm", "year"])
    out = pd.DataFrame(
        {
            "n_runs": g.size(),
            "runs_core_3_5": g["reached_core"].mean(),
            "runs_total_5": g["reached_total"].mean(),
            "members_core_3_5": g["m35"].mean(),
            "members_core_3_5_q05": g["m35"].quantile(0.05),
            "members_core_3_5_q95": g["m35"].quantile(0.95),
            "members_total_5": g["m5"].mean(),
            "members_total_5_q05": g["m5"].quantile(0.05),
            "members_total_5_q95": g["m5"].quantile(0.95),
        }
    )
    return out.reset_index()


def point_table(frame: pd.DataFrame, axes: Sequence[str], outcomes: Sequence[str]) -> pd.DataFrame:
    """Each design point's outcomes: mean and 5%/95% quantiles across its runs.

    Args:
        frame: one row per run with point_id, the axes, the outcomes and ``regime``.
        axes: the swept axes.
        outcomes: outcome columns.

    Returns:
        point_id, the axes, n, then ``<outcome>_mean``, ``_q05``, ``_q95`` for each outcome, and
        the modal regime with its share.
    """
    g = frame.groupby("point_id")
    out = g[list(axes)].first()
    out["n"] = g.size()
    for outcome in outcomes:
        out[f"{outcome}_mean"] = g[outcome].mean()
        out[f"{outcome}_q05"] = g[outcome].quantile(0.05)
        out[f"{outcome}_q95"] = g[outcome].quantile(0.95)
    counts = (
        pd.crosstab(frame["point_id"], frame["regime"])
        .reindex(columns=list(REGIMES), fill_value=0)
        .reindex(out.index)
    )
    values = counts.to_numpy()
    out["modal_regime"] = np.array(REGIMES, dtype=object)[values.argmax(axis=1)]
    out["modal_regime_share"] = values.max(axis=1) / values.sum(axis=1)
    return out.reset_index()
