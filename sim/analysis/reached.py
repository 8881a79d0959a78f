"""The time-to-target curve: the share of runs that have reached a line by each quarter.

This module owns :func:`reached_by_quarter`, the curve the report's ``time_to_target`` figure
draws (one per level of ``--by``) and the never-reached shares its caption states. It reads the
runs' summaries (``sim.core.summary``: the first quarter at or above each line, '' if never), not
the stored float32 series, so a run counts from the quarter its float64 series first met the line.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim.analysis.tables import quarter_year
from sim.core.targets import TARGETS

LINES = (("core_3_5", TARGETS["3_5pct"]), ("total_5", TARGETS["5pct"]))
"""The lines of the curve: (column key, target line)."""


def reached_by_quarter(
    frame: pd.DataFrame, quarters: Sequence[str], arm_of_run: pd.Series | None = None
) -> pd.DataFrame:
    """The share of runs that have reached 3.5% core and 5% total by the end of each quarter.

    A run has reached a line from its summary's first quarter at or above it
    (``first_quarter_alliance_at_or_above_<line>``, '' if never; decided on the float64 series),
    so each curve is non-decreasing and ends at the share of runs that ever reached the line.

    Args:
        frame: one row per run with run_id and the two first-quarter columns.
        quarters: the quarters of the runs, in order ('2025Q1', ...).
        arm_of_run: the arm of each run drawn, by run_id (None: all runs as one arm "all").

    Returns:
        arm, quarter, year (the end of the quarter: 2025Q1 -> 2025.25), n_runs, runs_core_3_5,
        runs_total_5.
    """
    arms = pd.Series("all", index=frame["run_id"].to_numpy()) if arm_of_run is None else arm_of_run
    runs = frame[frame["run_id"].isin(arms.index)].assign(arm=lambda f: f["run_id"].map(arms))
    quarters = sorted(quarters)
    end = quarter_year(quarters) + 0.25
    rows = []
    for arm, group in runs.groupby("arm", sort=False):
        first = {
            key: group[f"first_quarter_alliance_at_or_above_{line.name}"].fillna("").astype(str)
            for key, line in LINES
        }
        for quarter, year in zip(quarters, end, strict=True):
            row = {"arm": arm, "quarter": quarter, "year": year, "n_runs": len(group)}
            for key, q in first.items():
                row[f"runs_{key}"] = float(((q != "") & (q <= quarter)).mean())
            rows.append(row)
    return pd.DataFrame(
        rows, columns=["arm", "quarter", "year", "n_runs", "runs_core_3_5", "runs_total_5"]
    )
