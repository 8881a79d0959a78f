"""The report's options: ``--by``, ``--reference`` and ``--outcomes``, checked against the sweep.

This module owns turning what the user typed into what a report draws:

- :func:`resolve_by`: the design axis the figures are coloured and faceted by (default the first
  swept axis);
- :func:`resolve_reference`: the design point the paired differences are taken from, given as
  ``AXIS=VALUE`` pairs (axes not named keep point 0's values) or as a point's index (default
  point 0);
- :func:`resolve_outcomes`: the outcomes the figures (alliance series) and tables (summary
  columns) show, from one list of names; a series ``X`` and its summary ``final_X`` are the same
  outcome.

Each refuses what does not match with a :class:`~sim.core.errors.UserError` naming the option,
the value, and what is allowed (with a "did you mean" for a mistyped name).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from sim.analysis.number_format import format_level
from sim.analysis.tables import OUTCOME_LABELS, SERIES_OUTCOMES
from sim.core.errors import UserError

SUMMARY_OF_SERIES = {"munitions_ratio": "peak_munitions_ratio"}
"""Series whose summary in the tables is not ``final_<series>``."""


@dataclass(frozen=True)
class ReportOptions:
    """What a report shows: the faceting axis, the reference point, and the outcomes."""

    by: str
    """The design axis the figures draw one line per level of."""
    reference: int
    """The point_id of the reference design point."""
    series: tuple[str, ...]
    """Alliance series drawn over time."""
    summaries: tuple[str, ...]
    """Summary columns in the tables and the paired differences."""


def _did_you_mean(name: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


def resolve_by(by: str | None, swept: Sequence[str]) -> str:
    """The axis to draw one line per level of: ``by`` (checked), else the first swept axis."""
    if by is None:
        return swept[0]
    if by not in swept:
        raise UserError(
            f"--by {by}: not a swept axis of this sweep; {_did_you_mean(by, swept)}"
            f"the swept axes are: {', '.join(swept)}"
        )
    return by


def _matches(column: pd.Series, value: str) -> pd.Series:
    """Which of an axis's values equal a typed value (numbers compared as numbers)."""
    if value.lower() in ("", "none"):
        return column.map(format_level) == "none"
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    numeric = pd.to_numeric(column, errors="coerce")
    if pd.notna(number) and numeric.notna().all():
        return (numeric - number).abs() <= 1e-9 * max(1.0, abs(float(number)))
    return column.astype(str) == value


def _reference_by_index(text: str, design: pd.DataFrame) -> int:
    point = int(text)
    ids = design["point_id"].tolist()
    if point not in ids:
        raise UserError(
            f"--reference {text}: no design point {point}; the points are "
            f"{min(ids)} to {max(ids)} (see design.parquet, or give AXIS=VALUE)"
        )
    return point


def resolve_reference(
    spec: Sequence[str] | None, design: pd.DataFrame, swept: Sequence[str]
) -> int:
    """The reference design point's id.

    Args:
        spec: ``["AXIS=VALUE", ...]`` (axes not named keep point 0's values), ``["INDEX"]``, or
            None for point 0 (the first point of the design).
        design: the sweep's design (point_id and one column per axis).
        swept: the swept axes.

    Raises:
        UserError: an axis that was not swept, a value that is not one of the axis's levels, an
            index that is no point, or axis values that no design point has.
    """
    first = int(design["point_id"].min())
    if not spec:
        return first
    if len(spec) == 1 and "=" not in spec[0] and spec[0].strip().lstrip("-").isdigit():
        return _reference_by_index(spec[0].strip(), design)
    chosen = design["point_id"] == design["point_id"]
    for item in spec:
        axis, sep, value = item.partition("=")
        axis, value = axis.strip(), value.strip()
        if not sep or axis not in swept:
            what = f"'{axis}' is not a swept axis" if sep else "expected AXIS=VALUE or a point"
            hint = _did_you_mean(axis, swept) if sep else ""
            raise UserError(
                f"--reference {item}: {what}; {hint}the swept axes are: {', '.join(swept)}"
            )
        hit = _matches(design[axis], value)
        if not hit.any():
            levels = ", ".join(dict.fromkeys(design[axis].map(format_level)))
            raise UserError(
                f"--reference {item}: {value!r} is not a level of {axis}; its levels are: {levels}"
            )
        chosen &= hit
    named = {item.partition("=")[0].strip() for item in spec}
    base = design[design["point_id"] == first].iloc[0]
    for axis in swept:
        if axis not in named:
            chosen &= _matches(design[axis], str(base[axis]) if base[axis] != "" else "")
    if not chosen.any():
        raise UserError(
            f"--reference {' '.join(spec)}: no design point has these values (a sampled "
            "design has no grid: give the point's index instead)"
        )
    return int(design.loc[chosen, "point_id"].iloc[0])


def outcome_names(summary: pd.DataFrame, series: Sequence[str]) -> list[str]:
    """The outcome names ``--outcomes`` accepts: labelled outcomes, then other numeric columns."""
    numeric = [
        c for c in summary.columns if c != "run_id" and pd.api.types.is_numeric_dtype(summary[c])
    ]
    present = set(numeric) | set(series)
    labelled = [k for k in OUTCOME_LABELS if k in present]
    return labelled + [c for c in [*numeric, *series] if c not in labelled]


def _series_of(name: str, series: Sequence[str]) -> str | None:
    if name in series:
        return name
    for s, summary in SUMMARY_OF_SERIES.items():
        if name == summary and s in series:
            return s
    base = name.removeprefix("final_")
    return base if base in series else None


def _summary_of(name: str, summary: pd.DataFrame) -> str | None:
    for candidate in (name, SUMMARY_OF_SERIES.get(name, ""), f"final_{name}"):
        if candidate in summary.columns and pd.api.types.is_numeric_dtype(summary[candidate]):
            return candidate
    return None


def resolve_outcomes(
    spec: str | None,
    summary: pd.DataFrame,
    series: Sequence[str],
    default_summaries: Sequence[str],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The series drawn and the summary columns tabulated, from ``--outcomes a,b,c``.

    Args:
        spec: comma-separated outcome names, or None for the defaults.
        summary: the sweep's summary table (its columns are the summary outcomes).
        series: the alliance series the sweep kept (none if it kept no alliance series).
        default_summaries: the summary columns shown by default.

    Raises:
        UserError: an unknown outcome (the closest named, and every valid name listed).
    """
    if not spec:
        drawn = tuple(s for s in SERIES_OUTCOMES if s in series)
        return drawn, tuple(s for s in default_summaries if s in summary.columns)
    names = [n.strip() for n in spec.split(",") if n.strip()]
    valid = outcome_names(summary, series)
    for name in names:
        if name not in valid:
            raise UserError(
                f"--outcomes: unknown outcome {name!r}; {_did_you_mean(name, valid)}"
                f"the outcomes are: {', '.join(valid)}"
            )
    drawn = [s for s in (_series_of(n, series) for n in names) if s]
    tabled = [s for s in (_summary_of(n, summary) for n in names) if s]
    return tuple(dict.fromkeys(drawn)), tuple(dict.fromkeys(tabled))
