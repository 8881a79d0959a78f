"""The sections of a report, one function each, named after the section.

Each section reads the report's inputs (``sim.analysis.report_inputs.ReportInputs``) and adds its
figures and tables to the :class:`~sim.analysis.report_inputs.Report`: :func:`fan_charts`,
:func:`design_points`, :func:`paired_differences`, :func:`regime_map`, :func:`time_to_target`,
:func:`sensitivity` and :func:`posterior_spread`.
"""

from __future__ import annotations

import pandas as pd

from sim.analysis import figures as figs
from sim.analysis import tables as tabs
from sim.analysis.report_inputs import (
    MAX_ARMS,
    Report,
    ReportInputs,
    point_labels,
    richardson_boundary,
    run_members,
)
from sim.analysis.sensitivity import MAIN_OUTCOMES, SALIB_METHODS, analyse_sweep
from sim.core.errors import UserError
from sim.runs import spread

MAX_PAIRED_ROWS = 30
"""Design points shown in the paired-difference figure (the table has them all)."""
PAIRED_SERIES = ("alliance_core_share_pct", "munitions_ratio", "cumulative_extra_spending_usd_bn")
"""The outcomes whose paired differences are drawn over time."""


def fan_charts(report: Report, i: ReportInputs) -> None:
    """Fan charts of the main outcomes over time, and their quantiles as a table."""
    if i.alliance is None:
        return
    arms = i.arm_of_run if i.few else None
    bands = {c: tabs.series_bands(i.alliance, c, arms) for c in tabs.SERIES_OUTCOMES}
    report.add_figure(
        "outcomes",
        figs.fan_figure(bands, i.arm_labels),
        f"Main outcomes over time{i.pooled}: median (line), 50% and 90% of "
        f"runs (bands); {i.what}. Dotted: the 2%, 3.5% and 5% lines.",
    )
    table = pd.concat([b.assign(outcome=c) for c, b in bands.items()], ignore_index=True)
    report.add_table(
        "outcome_bands",
        table,
        "Outcome quantiles across runs by quarter",
        "Quantiles of each outcome across runs, by arm and quarter (CSV only is useful).",
    )


def design_points(report: Report, i: ReportInputs) -> None:
    """The main outcomes by design point: mean and 5-95% range across runs."""
    point_tab = tabs.point_table(i.frame, i.swept, MAIN_OUTCOMES)
    latex = point_tab[["point_id", *i.swept, "n"]].copy()
    for o in MAIN_OUTCOMES:
        latex[tabs.OUTCOME_LABELS[o]] = [
            f"{m:.2f} [{lo:.2f}, {hi:.2f}]"
            for m, lo, hi in zip(
                point_tab[f"{o}_mean"], point_tab[f"{o}_q05"], point_tab[f"{o}_q95"], strict=True
            )
        ]
    latex["modal regime"] = point_tab["modal_regime"]
    report.add_table(
        "design_points",
        point_tab,
        "Outcomes by design point: mean [5%, 95%]",
        f"Main outcomes by design point: mean and 5-95% range across runs; {i.what}.",
        latex,
    )


def paired_differences(report: Report, i: ReportInputs) -> None:
    """Each design point against the first, replication by replication (grid designs only)."""
    method = i.result.manifest.get("config", {}).get("design", {}).get("method", "grid")
    if len(i.points) < 2:
        return
    if method != "grid":
        report.notes.append(
            f"No paired differences: the {method} design's points are samples "
            "of a space, not arms to compare with a reference point."
        )
        return
    ref, labels, points = i.points[0], i.labels, i.points
    arms = i.frame.assign(arm=i.frame["point_id"])
    diffs = tabs.paired_differences(arms, MAIN_OUTCOMES, ref)
    if i.seeding != "paired" or not diffs["paired"].all():
        i.warning(
            "runs of different design points do not share seeds (seeding = independent): "
            "differences are unpaired, their intervals wide"
        )
    diffs.insert(1, "arm_label", diffs["arm"].map(labels))
    kind = "paired" if i.seeding == "paired" else "unpaired"
    report.add_table(
        "paired_differences",
        diffs,
        f"Differences from point {ref} ({labels[ref]}), {kind} by replication",
        f"Each design point minus point {ref} ({labels[ref]}), replication by replication: "
        "mean difference, 95% t interval, and the unpaired (Welch) interval for comparison.",
    )
    short = point_labels(i.result.design, i.swept, short=True)
    shown = points[1:][:MAX_PAIRED_ROWS]
    fig = figs.paired_figure(
        diffs[diffs["arm"].isin(shown)],
        {p: short[p] for p in shown},
        MAIN_OUTCOMES,
        ", ".join(i.swept),
    )
    more = (
        f" (the first {MAX_PAIRED_ROWS} of {len(points) - 1}; the table has all)"
        if len(points) - 1 > MAX_PAIRED_ROWS
        else ""
    )
    report.add_figure(
        "paired_differences",
        fig,
        f"Effect of each design point{more} against point {ref} "
        f"({labels[ref]}) on the main outcomes at the end: mean {kind} "
        "difference with its 95% interval (dots), and the interval an "
        f"unpaired comparison of the same runs would give (grey); {i.what}.",
    )
    if i.alliance is not None and len(points) <= MAX_ARMS:
        runs = arms[["run_id", "arm", "replication"]]
        series = {c: tabs.paired_series(i.alliance, c, runs, ref) for c in PAIRED_SERIES}
        report.add_figure(
            "paired_over_time",
            figs.paired_series_figure(series, {p: labels[p] for p in points[1:]}),
            f"Difference from point {ref} ({labels[ref]}) over time, {kind} by replication: "
            f"mean (line) and 95% interval (band); {i.what}.",
        )


def regime_map(report: Report, i: ReportInputs) -> None:
    """The modal regime over two axes, with the Richardson boundary where it applies."""
    x, y = i.x, i.y
    cells, edges = tabs.regime_cells(i.frame, x, y)
    boundary, note = (
        richardson_boundary(i.ok, i.alliance, x, y, edges)
        if i.alliance is not None
        else (None, "No Richardson boundary (no alliance series kept).")
    )
    axes_text = f"{x} and {y}" if y else x
    if len(cells) == 1:
        report.notes.append(
            f"No regime map: every run lies in one cell ({cells['modal'].iloc[0]} "
            f"in {cells['modal_share'].iloc[0]:.0%} of runs; see "
            "tables/regimes.csv)."
        )
    else:
        report.add_figure(
            "regime_map",
            figs.regime_map_figure(cells, edges, x, y, boundary),
            f"Arms-race regime over {axes_text}: each cell takes the most frequent regime of "
            "its runs (the number: its share), pooled over the other axes; regimes as defined "
            f"in sim/core/regimes.py (docs/REGIMES.md). {note}",
        )
    report.add_table(
        "regimes",
        cells,
        f"Regime counts by cell of {axes_text}",
        f"Runs per regime in each cell of {axes_text}, with the modal regime.",
    )


def time_to_target(report: Report, i: ReportInputs) -> None:
    """The share of runs, and of members, at the 3.5% and 5% lines by year."""
    if i.alliance is None:
        return
    ttt = tabs.time_to_target(i.alliance, run_members(i.ok).n, i.arm_of_run if i.few else None)
    report.add_figure(
        "time_to_target",
        figs.time_to_target_figure(ttt, i.arm_labels),
        f"Time to target{i.pooled}. Left: share of runs in which the alliance's core share "
        "has reached 3.5% (solid) or its core + related share 5% (dashed) by the end of "
        "each year. Right: share of members at or above those lines at the end of each year "
        f"(mean across runs, band 5-95%); {i.what}.",
    )
    report.add_table(
        "time_to_target",
        ttt,
        "Share of runs and members at the lines by year",
        "Time-to-target curves as numbers.",
    )


def sensitivity(report: Report, i: ReportInputs) -> None:
    """Sobol' or Morris indices of the main outcomes (sobol and morris designs only)."""
    method = (i.result.problem or {}).get("method")
    if method not in SALIB_METHODS:
        return
    try:
        sens = analyse_sweep(i.result)
    except UserError as err:
        i.warning(f"no sensitivity indices: {err}")
        return
    for note in sens.notes:
        i.warning(note)
    what = (
        f"{sens.n_points} design points x {sens.replications} replications (outcomes "
        "averaged over replications)"
    )
    if method == "sobol":
        caption = (
            f"Sobol' indices of the main outcomes: first order S1 and total ST with "
            f"{sens.conf_level:.0%} bootstrap intervals; {what}."
        )
    else:
        caption = (
            f"Morris screening of the main outcomes: mu* (mean absolute elementary effect "
            f"over each parameter's range, with its {sens.conf_level:.0%} bootstrap "
            f"interval) and sigma (its spread: interactions, non-linearity); {what}."
        )
    outcomes = [o for o in MAIN_OUTCOMES if o in set(sens.table["outcome"])]
    report.add_figure("sensitivity", figs.sensitivity_figure(sens.table, method, outcomes), caption)
    report.add_table("sensitivity", sens.table, f"{method} sensitivity indices", caption)
    if sens.second_order is not None:
        report.add_table(
            "sensitivity_second_order",
            sens.second_order,
            "Second-order indices",
            "Second-order Sobol' indices S2 of each pair of parameters.",
        )


def posterior_spread(report: Report, i: ReportInputs) -> None:
    """With a ``[posterior]`` table: each point's outcomes, their spread split (noise; parameters).

    Replication k ran draw ``k % draws`` with the paired seed of ``k // draws``
    (``sim.sweep.posterior``); a point missing a run (a failed one) is left out, with a warning.
    """
    posterior = i.result.manifest.get("config", {}).get("posterior")
    if not posterior:
        return
    draws = int(posterior["draws"])
    rows, left_out = [], []
    for point_id, runs in i.frame.groupby("point_id", sort=True):
        runs = runs.assign(draw=runs["replication"] % draws, rep=runs["replication"] // draws)
        if len(runs) != draws * runs["rep"].nunique() or runs["rep"].nunique() == 0:
            left_out.append(int(point_id))
            continue
        table = spread.spread_table(runs, MAIN_OUTCOMES)
        axes = {a: runs[a].iloc[0] for a in i.swept}
        rows.append(table.assign(point_id=int(point_id), **axes))
    if left_out:
        i.warning(f"spread: design points {left_out} miss runs and are left out")
    if not rows:
        return
    table = pd.concat(rows, ignore_index=True)
    table = table[["point_id", *i.swept, *spread.SPREAD_COLUMNS]]
    report.add_table(
        "spread",
        table,
        "Outcomes by design point: noise and parameters",
        f"Each design point's outcomes over {draws} posterior draws x paired replications: "
        "median and 90% interval of every run, the 90% interval of the draws' means (the "
        "parameters alone), and the variance split into the noise's and the parameters' "
        "(parameter_share; sim.runs.spread).",
    )


SECTIONS = (
    fan_charts,
    design_points,
    paired_differences,
    regime_map,
    time_to_target,
    sensitivity,
    posterior_spread,
)
"""The sections of a report, in the order they are written and listed in its README."""
