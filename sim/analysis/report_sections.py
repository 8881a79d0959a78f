"""The sections of a report, one function each, named after the section.

Each section reads the report's inputs (``sim.analysis.report_inputs.ReportInputs``) and adds its
figures and tables to the :class:`~sim.analysis.report_inputs.Report`: :func:`fan_charts`,
:func:`design_points`, :func:`paired_differences`, :func:`regime_map`, :func:`time_to_target`,
:func:`sensitivity` and :func:`posterior_spread`.
"""

from __future__ import annotations

import pandas as pd

from sim.analysis import figure_maps
from sim.analysis import figures as figs
from sim.analysis import report_latex as latex
from sim.analysis import tables as tabs
from sim.analysis.reached import reached_by_quarter
from sim.analysis.report_inputs import (
    Report,
    ReportInputs,
    point_labels,
    richardson_boundary,
    run_members,
)
from sim.analysis.sensitivity import SALIB_METHODS, analyse_sweep
from sim.core.errors import UserError
from sim.core.params import param_label
from sim.runs import spread

MAX_PAIRED_ROWS = 30
"""Design points shown in the paired-difference figure (the table has them all)."""
PAIRED_SERIES = ("alliance_core_share_pct", "munitions_ratio", "cumulative_extra_spending_usd_bn")
"""The outcomes whose paired differences are drawn over time (those ``--outcomes`` keeps)."""


def _by_title(i: ReportInputs, what: str) -> str:
    """A figure's title: what it shows, by which axis, and what was held fixed."""
    f = i.facets
    held = f"; {f.held}" if f.held else ""
    return f"{what} by {param_label(f.by)}{held}"


def fan_charts(report: Report, i: ReportInputs) -> None:
    """The outcomes over time by level of ``--by``, one panel each, and their quantiles."""
    if i.alliance is None or not i.options.series:
        return
    f = i.facets
    bands = {c: tabs.series_bands(i.alliance, c, f.arm_of_run) for c in i.options.series}
    report.add_figure(
        "outcomes",
        figs.fan_figure(
            bands,
            f.drawn,
            f.colours,
            f.title,
            _by_title(i, "Outcomes over time (line: median; band: 50% of runs; dotted: 5%, 95%)"),
        ),
        f"Outcomes over time by {param_label(f.by)} (one colour per level){_held(f)}: median "
        f"(line), 50% of runs (band, the line's colour) and 5% and 95% (dotted); {i.what}. "
        "Dotted horizontal lines: the 2%, 3.5% and 5% lines.",
    )
    table = pd.concat([b.assign(outcome=c) for c, b in bands.items()], ignore_index=True)
    report.add_table(
        "outcome_bands",
        table.rename(columns={"arm": f.by}),
        "Outcome quantiles across runs by quarter",
        f"{i.context}. Outcomes by {param_label(f.by)}{_held(f)}: median, 50% and 90% of "
        "runs at the end of the first year, every fifth year and the last (the CSV has every "
        "quarter).",
        latex.bands_view(table, f.drawn, f.by),
    )


def _held(f) -> str:
    return f" ({f.held})" if f.held else ""


MAX_LATEX_POINTS = 500
"""The most design points the design-points table shows in LaTeX; beyond, the CSV only (a
Sobol' design of N = 65,536 has 524,288 points: a 95 MB LaTeX file; the table took 29% of a
262,144-run Sobol' report's time, profiled)."""


def design_points(report: Report, i: ReportInputs) -> None:
    """The outcomes by design point: mean and 5-95% range across runs."""
    outcomes = list(i.options.summaries)
    point_tab = tabs.point_table(i.frame, i.swept, outcomes)
    fits = len(point_tab) <= MAX_LATEX_POINTS
    if not fits:
        report.notes.append(
            f"design_points: {len(point_tab):,} design points, more than a LaTeX table shows "
            f"(at most {MAX_LATEX_POINTS:,}): CSV only."
        )
    report.add_table(
        "design_points",
        point_tab,
        "Outcomes by design point: mean [5%, 95%]",
        f"{i.context}. Outcomes by design point: mean [5%, 95% of runs] and the modal "
        f"regime; {i.what}.",
        latex.design_points_view(point_tab, i.swept, outcomes) if fits else None,
        tex=fits,
    )


def paired_differences(report: Report, i: ReportInputs) -> None:
    """Each design point against the reference point, replication by replication (grids only)."""
    if len(i.points) < 2:
        return
    if i.method != "grid":
        report.notes.append(
            f"No paired differences: the {i.method} design's points are samples "
            "of a space, not arms to compare with a reference point."
        )
        return
    ref, labels, outcomes = i.options.reference, i.labels, list(i.options.summaries)
    if ref not in i.points:
        i.warning(f"no paired differences: the reference point {ref} has no successful run")
        return
    diffs = tabs.paired_differences(i.frame.assign(arm=i.frame["point_id"]), outcomes, ref)
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
        f"{i.context}. Each design point minus the reference point {ref} ({labels[ref]}), "
        f"replication by replication: mean {kind} difference [95% t interval] (the CSV also "
        "has the unpaired Welch interval).",
        latex.paired_view(diffs, i.result.design, i.swept, outcomes),
    )
    _paired_figures(report, i, diffs, kind)


def _paired_figures(report: Report, i: ReportInputs, diffs: pd.DataFrame, kind: str) -> None:
    """The paired differences at the end (every point), and over time (the levels of --by)."""
    ref, labels, f = i.options.reference, i.labels, i.facets
    short = point_labels(i.result.design, i.swept, short=True)
    others = [p for p in i.points if p != ref]
    design = i.result.design.set_index("point_id")
    changed = (design[i.swept].map(str) != design.loc[ref, i.swept].map(str)).sum(axis=1)
    # many points: those that change the fewest axes from the reference come first
    shown = sorted(others, key=lambda p: (int(changed[p]), p))[:MAX_PAIRED_ROWS]
    shown = sorted(shown)
    level = design[f.by]
    more = (
        f" (the {MAX_PAIRED_ROWS} of {len(others)} that change the fewest axes from it; "
        "the table has all)"
        if len(others) > MAX_PAIRED_ROWS
        else ""
    )
    report.add_figure(
        "paired_differences",
        figs.paired_figure(
            diffs[diffs["arm"].isin(shown)],
            {p: short[p] for p in shown},
            list(i.options.summaries),
            ", ".join(param_label(a) for a in i.swept),
            {p: f.colours.get(level[p]) for p in shown},
            f.title,
        ),
        f"Effect of each design point{more} against the reference point {ref} "
        f"({labels[ref]}) on the outcomes at the end: mean {kind} difference with its 95% "
        f"interval (dots, coloured by {param_label(f.by)} as in the other figures), and the "
        f"interval an unpaired comparison of the same runs would give (grey); {i.what}.",
    )
    series = [c for c in PAIRED_SERIES if c in i.options.series]
    levels = {lv: lab for lv, lab in f.drawn.items() if lv != f.reference_level}
    if i.alliance is None or not f.point_of_level or not levels or not series:
        return
    runs = i.frame[["run_id", "replication"]].assign(arm=i.frame["run_id"].map(f.arm_of_run))
    runs = runs.dropna(subset=["arm"])
    diff = {c: tabs.paired_series(i.alliance, c, runs, f.reference_level) for c in series}
    report.add_figure(
        "paired_over_time",
        figs.paired_series_figure(
            diff,
            levels,
            f.colours,
            f.title,
            _by_title(i, f"Difference from {labels[ref]} over time (line: mean; band: 95% CI)"),
        ),
        f"Difference from the reference point {ref} ({labels[ref]}) over time by "
        f"{param_label(f.by)}{_held(f)}, {kind} by replication: mean (line) and 95% "
        f"interval (band, the line's colour); {i.what}.",
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
    axes_text = f"{param_label(x)} and {param_label(y)}" if y else param_label(x)
    if len(cells) == 1:
        report.notes.append(
            f"No regime map: every run lies in one cell ({cells['modal'].iloc[0]} "
            f"in {cells['modal_share'].iloc[0]:.0%} of runs; see "
            "tables/regimes.csv)."
        )
    else:
        report.add_figure(
            "regime_map",
            figure_maps.regime_map_figure(cells, edges, x, y, boundary),
            f"Arms-race regime over {axes_text}: each cell takes the most frequent regime of "
            "its runs (the number: its share), pooled over the other axes; regimes as defined "
            f"in sim/core/regimes.py (docs/REGIMES.md). {note}",
        )
    named = cells.rename(columns={"x": x, **({"y": y} if y else {})})
    report.add_table(
        "regimes",
        cells,
        f"Regime counts by cell of {axes_text}",
        f"{i.context}. Runs per regime in each cell of {axes_text} (pooled over the other "
        "axes), with the modal regime and its share.",
        latex.generic_view(named, [a for a in (x, y) if a], drop=("x_cell", "y_cell", "y")),
    )


def time_to_target(report: Report, i: ReportInputs) -> None:
    """The share of runs that reached 3.5% / 5% by each quarter, and of members at the lines."""
    if i.alliance is None:
        return
    f = i.facets
    quarters = sorted(i.alliance["quarter"].unique())
    reached = reached_by_quarter(i.frame, quarters, f.arm_of_run)
    ttt = tabs.time_to_target(i.alliance, run_members(i.ok).n, f.arm_of_run)
    year_end = reached.assign(year=reached["quarter"].str[:4].astype(int))
    year_end = year_end.groupby(["arm", "year"], sort=False).tail(1).set_index(["arm", "year"])
    for key in ("runs_core_3_5", "runs_total_5"):  # the curve's values at each year's end
        ttt[key] = [
            year_end[key].get((a, y), v)
            for a, y, v in zip(ttt["arm"], ttt["year"], ttt[key], strict=True)
        ]
    last = reached.groupby("arm", sort=False).tail(1)
    never = "; ".join(
        f"{f.labels[r.arm]}: {1 - r.runs_core_3_5:.1%} never reached 3.5% core, "
        f"{1 - r.runs_total_5:.1%} never 5% total"
        for r in last.itertuples()
        if r.arm in f.labels
    )
    report.add_figure(
        "time_to_target",
        figs.time_to_target_figure(
            reached, ttt, f.drawn, f.colours, f.title, _by_title(i, "Time to target")
        ),
        f"Time to target by {param_label(f.by)}{_held(f)}. Left: share of runs in which "
        "the alliance's core share has reached 3.5% (solid) or its core + related share 5% "
        "(dashed) by the end of each quarter (from each run's first quarter at the line; the "
        f"curve ends at the share that ever did; never reached by {quarters[-1]}: {never}). "
        "Right: share of members at or above those lines at the end of each year (mean "
        f"across runs, band 5-95%); {i.what}.",
    )
    named = ttt.rename(columns={"arm": f.by})
    quantiles = [c for c in named.columns if c.endswith(("_q05", "_q95"))]
    report.add_table(
        "time_to_target",
        named,
        "Share of runs and members at the lines by year",
        f"{i.context}. By {param_label(f.by)}{_held(f)} and year: the share of runs that "
        "have reached 3.5% core and 5% core + related by the end of the year, and the mean "
        "share of members at or above those lines (the CSV has their 5-95% ranges).",
        latex.generic_view(named, [f.by], drop=quantiles),
    )


def sensitivity(report: Report, i: ReportInputs) -> None:
    """Sobol' or Morris indices of the outcomes (sobol and morris designs only)."""
    method = (i.result.problem or {}).get("method")
    if method not in SALIB_METHODS:
        return
    try:
        sens = analyse_sweep(i.result, outcomes=i.options.summaries)
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
            f"Sobol' indices of the outcomes: first order S1 and total ST with "
            f"{sens.conf_level:.0%} bootstrap intervals; {what}."
        )
    else:
        caption = (
            f"Morris screening of the outcomes: mu* (mean absolute elementary effect "
            f"over each parameter's range, with its {sens.conf_level:.0%} bootstrap "
            f"interval) and sigma (its spread: interactions, non-linearity); {what}."
        )
    outcomes = [o for o in i.options.summaries if o in set(sens.table["outcome"])]
    report.add_figure(
        "sensitivity", figure_maps.sensitivity_figure(sens.table, method, outcomes), caption
    )
    report.add_table(
        "sensitivity",
        sens.table,
        f"{method} sensitivity indices",
        f"{i.context}. {caption}",
        latex.generic_view(sens.table, []),
    )
    if sens.second_order is not None:
        report.add_table(
            "sensitivity_second_order",
            sens.second_order,
            "Second-order indices",
            f"{i.context}. Second-order Sobol' indices S2 of each pair of parameters.",
            latex.generic_view(sens.second_order, []),
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
        table = spread.spread_table(runs, list(i.options.summaries))
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
        f"{i.context}. Each design point's outcomes over {draws} posterior draws x paired "
        "replications: median and 90% interval of every run, the 90% interval of the draws' "
        "means (the parameters alone), and the variance split into the noise's and the "
        "parameters' (the parameters' share; sim.runs.spread).",
        latex.generic_view(
            table, i.swept, drop=("q25", "q75", "noise_sd", "parameter_sd", "total_sd")
        ),
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
