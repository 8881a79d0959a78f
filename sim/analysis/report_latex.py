"""The LaTeX views of a report's tables: labels for names, each number in its outcome's format.

This module owns what a report's ``.tex`` tables show (the ``.csv`` files keep the raw column
names and full precision, for machines): headers and design-axis columns carry the parameter
table's labels (``sim.core.params.param_label``, with units), outcomes their
``OUTCOME_LABELS``, regimes their ``REGIME_LABELS``; every number is written by
``sim.analysis.number_format`` in the format of its own outcome (a row of a long table by the
row's outcome), and effects with their intervals to the intervals' precision.

- :func:`design_points_view`, :func:`paired_view`, :func:`bands_view`: the report's wide tables;
- :func:`generic_view`: any other table (regimes, time to target, sensitivity, spread).

Each returns the view (a frame of cells and headers already written as LaTeX, for
``to_latex(..., escaped=True)``) and its column alignment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.analysis.number_format import (
    format_effect,
    format_level,
    format_range,
    format_value,
    format_values,
    outcome_kind,
)
from sim.analysis.table_format import latex_escape
from sim.analysis.tables import OUTCOME_LABELS
from sim.core.params import PARAM_FIELDS, param_label
from sim.core.regimes import REGIME_LABELS, REGIMES

HEADERS = {
    "point_id": "point",
    "n": "runs",
    "n_runs": "runs",
    "n_pairs": "pairs",
    "outcome": "outcome",
    "parameter": "parameter",
    "mean": "mean",
    "median": "median",
    "q05": "5%",
    "q25": "25%",
    "q50": "median",
    "q75": "75%",
    "q95": "95%",
    "modal": "modal regime",
    "modal_regime": "modal regime",
    "modal_share": "modal share",
    "modal_regime_share": "modal share",
    "year": "year",
    "runs_core_3_5": "runs at 3.5% core by then",
    "runs_total_5": "runs at 5% total by then",
    "members_core_3_5": "members at 3.5% core",
    "members_total_5": "members at 5% total",
    "parameter_q05": "parameters 5%",
    "parameter_q95": "parameters 95%",
    "noise_q05": "noise 5%",
    "noise_q95": "noise 95%",
    "total_sd": "total SD",
    "noise_sd": "noise SD",
    "parameter_sd": "parameters SD",
    "parameter_share": "parameters' share of variance",
    "mu_star": "mu*",
    "mu_star_conf": "mu* 95% CI half-width",
    "sigma": "sigma",
}
"""Words for the columns of the report's tables that are neither parameters nor outcomes."""
FRACTION_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf")
"""Columns that are fractions of a whole (Sobol' indices), written with two decimals."""
OUTCOME_VALUE_COLUMNS = (
    "mean",
    "median",
    "q05",
    "q25",
    "q50",
    "q75",
    "q95",
    "parameter_q05",
    "parameter_q95",
    "noise_q05",
    "noise_q95",
    "total_sd",
    "noise_sd",
    "parameter_sd",
    "mu_star",
    "mu_star_conf",
    "sigma",
)
"""Columns in the units of the row's outcome (written in the outcome's format)."""


def column_label(name: str) -> str:
    """A column's words: a parameter's label with its unit, an outcome's label, or a header."""
    if name in PARAM_FIELDS:
        return param_label(name, unit=True)
    if name in OUTCOME_LABELS:
        return OUTCOME_LABELS[name]
    if name in REGIME_LABELS:
        return REGIME_LABELS[name]
    return HEADERS.get(name, name.replace("_", " "))


def _header(name: str) -> str:
    return latex_escape(column_label(name))


def _text(value: object) -> str:
    return latex_escape(value)


def _axis_columns(frame: pd.DataFrame, axes: Sequence[str]) -> dict[str, list[str]]:
    return {_header(a): [_text(format_level(v)) for v in frame[a]] for a in axes}


def _numeric_align(axes_frame: pd.DataFrame, axes: Sequence[str]) -> str:
    return "".join("r" if pd.api.types.is_numeric_dtype(axes_frame[a]) else "l" for a in axes)


def design_points_view(
    point_tab: pd.DataFrame, axes: Sequence[str], outcomes: Sequence[str]
) -> tuple[pd.DataFrame, str]:
    """Each design point: its axes, runs, each outcome's mean [5%, 95%], the modal regime."""
    cols: dict[str, list] = {_header("point_id"): [str(p) for p in point_tab["point_id"]]}
    cols.update(_axis_columns(point_tab, axes))
    cols[_header("n")] = [str(int(n)) for n in point_tab["n"]]
    for o in outcomes:
        kind = outcome_kind(o)
        cols[_header(o)] = [
            (format_range(m, lo, hi, kind))
            for m, lo, hi in zip(
                point_tab[f"{o}_mean"], point_tab[f"{o}_q05"], point_tab[f"{o}_q95"], strict=True
            )
        ]
    cols[_header("modal_regime")] = [_text(REGIME_LABELS[r]) for r in point_tab["modal_regime"]]
    align = "r" + _numeric_align(point_tab, axes) + "r" + "r" * len(outcomes) + "l"
    return pd.DataFrame(cols), align


def paired_view(
    diffs: pd.DataFrame, design: pd.DataFrame, axes: Sequence[str], outcomes: Sequence[str]
) -> tuple[pd.DataFrame, str]:
    """Each design point against the reference: its axes, pairs, each effect [95% CI]."""
    arms = list(dict.fromkeys(diffs["arm"]))
    rows = design.set_index("point_id").loc[arms].reset_index()
    cols: dict[str, list] = {_header("point_id"): [str(p) for p in rows["point_id"]]}
    cols.update(_axis_columns(rows, axes))
    by_arm = diffs.set_index(["arm", "outcome"])
    cols[_header("n_pairs")] = [str(int(by_arm.loc[(a, outcomes[0]), "n_pairs"])) for a in arms]
    for o in outcomes:
        cells = []
        for a in arms:
            r = by_arm.loc[(a, o)]
            cells.append(
                format_effect(r["mean_difference"], r["ci_low"], r["ci_high"], outcome_kind(o))
            )
        cols[_header(o)] = cells
    align = "r" + _numeric_align(rows, axes) + "r" + "r" * len(outcomes)
    return pd.DataFrame(cols), align


def shown_years(years: Sequence[int], step: int = 5) -> list[int]:
    """The years a bands table shows: the first, every ``step``-th after it, and the last."""
    ys = sorted(set(int(y) for y in years))
    shown = [y for y in ys if (y - ys[0]) % step == 0]
    return sorted(set(shown) | {ys[-1]})


def bands_view(table: pd.DataFrame, level_labels: Mapping, by: str) -> tuple[pd.DataFrame, str]:
    """Each outcome by level and year (the year's last quarter): median, 50% and 90% ranges."""
    t = table.assign(whole=np.floor(table["year"]).astype(int))
    t = t[t["whole"].isin(shown_years(t["whole"]))].groupby(["outcome", "arm", "whole"]).tail(1)
    t = t.sort_values(["outcome", "arm", "whole"], key=_stable_key(table), kind="stable")
    rows = []
    for r in t.itertuples(index=False):
        q05, q25, q50, q75, q95 = format_values(
            (r.q05, r.q25, r.q50, r.q75, r.q95), outcome_kind(r.outcome)
        )
        rows.append(
            {
                _header("outcome"): _text(OUTCOME_LABELS.get(r.outcome, r.outcome)),
                _header(by): _text(level_labels.get(r.arm, format_level(r.arm))),
                "quarter": str(r.quarter),
                _header("n"): str(int(r.n)),
                "median": q50,
                "50\\% of runs": f"[{q25}, {q75}]",
                "90\\% of runs": f"[{q05}, {q95}]",
            }
        )
    return pd.DataFrame(rows), "llrrrrr"


def _stable_key(table: pd.DataFrame):
    """Sort outcomes and arms in their order of appearance (not alphabetically)."""
    order = {
        "outcome": {o: i for i, o in enumerate(dict.fromkeys(table["outcome"]))},
        "arm": {a: i for i, a in enumerate(dict.fromkeys(table["arm"]))},
    }

    def key(column: pd.Series) -> pd.Series:
        return column.map(order[column.name]) if column.name in order else column

    return key


def _cell(frame: pd.DataFrame, c: str, i: int, axes: Sequence[str]) -> str:
    v = frame[c].iloc[i]
    if c in axes:
        return _text(format_level(v))
    if c == "outcome":
        return _text(OUTCOME_LABELS.get(v, v))
    if c == "parameter":
        return _text(param_label(str(v)))
    if c in ("modal", "modal_regime", "regime"):
        return _text(REGIME_LABELS.get(v, v))
    if not isinstance(v, int | float | np.number) or isinstance(v, bool | np.bool_):
        return _text(format_level(v))
    if c in OUTCOME_VALUE_COLUMNS and "outcome" in frame.columns:
        return format_value(v, outcome_kind(frame["outcome"].iloc[i]))
    if c in FRACTION_COLUMNS or c.endswith("share") or c.startswith(("runs_", "members_")):
        return format_value(v, "share")
    if c in REGIMES:
        return format_value(v, "count")
    return format_value(v, outcome_kind(c))


def generic_view(
    frame: pd.DataFrame, axes: Sequence[str], drop: Sequence[str] = ()
) -> tuple[pd.DataFrame, str]:
    """Any table with labelled headers, its axes' values as given, each number in its format.

    Args:
        frame: the table (raw column names).
        axes: the columns that are design axes (parameters).
        drop: columns left out of the LaTeX view.
    """
    columns = [c for c in frame.columns if c not in drop]
    view = pd.DataFrame(
        {_header(c): [_cell(frame, c, i, axes) for i in range(len(frame))] for c in columns}
    )
    align = "".join(
        "r"
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        else "l"
        for c in columns
    )
    return view, align
