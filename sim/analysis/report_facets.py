"""Which runs a report's figures draw, one line per level of the ``--by`` axis.

This module owns the choice behind every "by level" figure (the outcomes over time, the paired
differences over time, the time to target): :func:`facets` takes the ``--by`` axis and the
reference point and returns a :class:`Facets`, the level of each run drawn, the levels' labels
and colours (``sim.analysis.palette``: one colour per level, the same in every figure), and a
sentence saying what was held fixed.

- A grid with other axes: the other axes are held at the reference point, so each level is one
  design point (never the spread of the parameters pooled with the noise).
- A sampled design (LHS, Sobol', Morris) has no grid to hold: the runs are grouped by the
  ``--by`` axis (its values, or up to three equal-count bins of them), the other axes varying.
- More levels than :data:`~sim.analysis.palette.MAX_LEVELS`: evenly spaced levels, the
  reference's among them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.analysis.number_format import format_level
from sim.analysis.palette import MAX_LEVELS, level_colours
from sim.core.params import param_label

SAMPLE_BINS = 3
"""Bins of the ``--by`` axis in a sampled design with more distinct values than colours."""


@dataclass
class Facets:
    """The levels a figure draws and the runs of each."""

    by: str
    """The axis (a parameter name)."""
    levels: list
    """The levels drawn, in order (values of the axis, or bin labels)."""
    labels: dict
    """The legend label of each level."""
    colours: dict
    """The colour of each level (also of the levels not drawn, for the paired figure)."""
    arm_of_run: pd.Series
    """The level of each run drawn, indexed by run_id (runs not drawn are absent)."""
    held: str
    """What was held fixed, as a sentence for titles and captions ("" if nothing)."""
    reference_level: object = None
    """The reference point's level (a grid), else None."""
    point_of_level: dict = field(default_factory=dict)
    """The design point of each level (a grid with the other axes held), else empty."""

    @property
    def drawn(self) -> dict:
        """The labels of the levels that have runs (an incomplete sweep may miss some)."""
        present = set(self.arm_of_run.dropna())
        return {lv: lab for lv, lab in self.labels.items() if lv in present}

    @property
    def title(self) -> str:
        """The legend title: the axis's label with its unit."""
        return param_label(self.by, unit=True)


def _spaced(levels: list, keep: object) -> list:
    """At most MAX_LEVELS evenly spaced levels, ``keep`` among them."""
    if len(levels) <= MAX_LEVELS:
        return levels
    index = set(np.linspace(0, len(levels) - 1, MAX_LEVELS - 1).round().astype(int).tolist())
    if keep in levels:
        index.add(levels.index(keep))
    return [levels[i] for i in sorted(index)]


def _held_text(others: dict) -> str:
    if not others:
        return ""
    parts = [f"{param_label(a)} = {format_level(v)}" for a, v in others.items()]
    return "other axes at the reference point: " + ", ".join(parts)


def grid_facets(
    frame: pd.DataFrame, design: pd.DataFrame, swept: list[str], by: str, reference: int
) -> Facets:
    """Levels of ``by`` with the other axes held at the reference point's values."""
    ref = design[design["point_id"] == reference].iloc[0]
    others = {a: ref[a] for a in swept if a != by}
    keep = design
    for a, v in others.items():
        keep = keep[keep[a].map(format_level) == format_level(v)]
    all_levels = sorted(design[by].drop_duplicates().tolist(), key=_order)
    levels = _spaced(sorted(keep[by].drop_duplicates().tolist(), key=_order), ref[by])
    point_of_level = {
        lv: int(keep.loc[keep[by].map(format_level) == format_level(lv), "point_id"].iloc[0])
        for lv in levels
    }
    runs = frame[frame["point_id"].isin(point_of_level.values())]
    level_of_point = {p: lv for lv, p in point_of_level.items()}
    held = _held_text(others)
    if len(levels) < keep[by].nunique():
        held = (held + "; " if held else "") + f"{len(levels)} of {keep[by].nunique()} levels"
    return Facets(
        by=by,
        levels=levels,
        labels={lv: format_level(lv) for lv in levels},
        colours=level_colours(all_levels),
        arm_of_run=runs.set_index("run_id")["point_id"].map(level_of_point),
        held=held,
        reference_level=ref[by],
        point_of_level=point_of_level,
    )


def _order(value: object) -> tuple:
    """Sort numbers by value and put text (an empty value first) after them."""
    if isinstance(value, int | float | np.number) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def sample_facets(frame: pd.DataFrame, by: str) -> Facets:
    """Runs grouped by the ``by`` axis (values or equal-count bins), the other axes varying."""
    values = frame[by]
    distinct = sorted(values.drop_duplicates().tolist(), key=_order)
    if len(distinct) <= MAX_LEVELS:
        level = values
        levels, labels = distinct, {v: format_level(v) for v in distinct}
    else:
        bins = pd.qcut(values.astype(float), SAMPLE_BINS, duplicates="drop")
        levels = list(bins.cat.categories)
        labels = {b: f"{b.left:.3g} to {b.right:.3g}" for b in levels}
        level = bins.astype(object)
    return Facets(
        by=by,
        levels=levels,
        labels=labels,
        colours=level_colours(levels),
        arm_of_run=pd.Series(level.to_numpy(), index=frame["run_id"].to_numpy()),
        held="runs grouped by this axis, the other axes varying across their ranges",
    )


def facets(
    frame: pd.DataFrame,
    design: pd.DataFrame,
    swept: list[str],
    by: str,
    reference: int,
    method: str,
) -> Facets:
    """The levels a report's "by level" figures draw (a grid: others held; a sample: grouped)."""
    if method == "grid":
        return grid_facets(frame, design, swept, by, reference)
    return sample_facets(frame, by)
