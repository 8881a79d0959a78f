"""``python -m sim report SWEEP_DIR``: the figures and tables of a sweep, ready for a paper.

This module owns putting a report together from a sweep folder (``sim.sweep.store.load_sweep``):

- ``outcomes``: fan charts of the main outcomes over time (median, 50% and 90% of runs), per
  design point when there are few, else across all runs;
- ``paired_differences`` and ``paired_over_time``: each design point against the first one,
  replication by replication (with ``seeding = "paired"`` both runs share a seed, so the
  difference shows the effect, not the noise);
- ``regime_map``: the modal arms-race regime (``sim.core.regimes``) over two axes, with the
  Richardson stability boundary of the model's linear two-party limit where it applies;
- ``time_to_target``: the share of runs with the alliance at 3.5% core / 5% total by year, and
  of members at those lines;
- ``sensitivity`` (Sobol' or Morris sweeps): indices of the main outcomes
(``sim.analysis.sensitivity``).

Every figure is written as PDF and PNG under ``figures/``, every table as CSV and LaTeX under
``tables/``, with a ``README.md`` listing them with their captions and a ``manifest.json`` of
kind ``"report"``. The report folder is written whole or not at all (``sim.runs.outputs``: built in
a
hidden sibling, then renamed into place; an earlier report there is replaced, anything else is
refused). The sweep folder is verified first (``sim.sweep.store.load_sweep``: every file against its
recorded sha256, every table's columns). Bad input is a :class:`~sim.core.errors.UserError` (one
message, exit 2); an incomplete sweep gives a warning and a report of what it holds.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.analysis import figures as figs
from sim.analysis import tables as tabs
from sim.analysis.sensitivity import MAIN_OUTCOMES, SALIB_METHODS, analyse_sweep
from sim.core.ensemble import members_of
from sim.core.errors import UserError
from sim.core.params import PARAM_FIELDS, make_params
from sim.core.regimes import RICHARDSON_PARAMS, linear_gain, richardson_applies, richardson_margin
from sim.runs.outputs import output_folder

MAX_ARMS = 4
"""Design points drawn as separate arms in the fan and time-to-target figures (more: pooled)."""
MAX_PAIRED_ROWS = 30
"""Design points shown in the paired-difference figure (the table has them all)."""
REPORT_KIND = "report"
"""The ``kind`` of a report folder's manifest (``sim.runs.outputs`` replaces only such a folder)."""
TABLE_COLUMNS = {
    "runs": ("runs.parquet", ("run_id", "point_id", "replication", "seed", "status", "error")),
    "design": ("design.parquet", ("point_id",)),
    "summary": ("summary.parquet", ("run_id",)),
    "alliance": ("alliance/", ("run_id", "quarter")),
}
"""The columns a report reads from each table of a sweep folder, and the table's file."""


@dataclass
class Report:
    """What a report wrote: (name, files, caption) of each figure and table, warnings, notes."""

    out: Path
    figures: list[tuple[str, list[Path], str]] = field(default_factory=list)
    tables: list[tuple[str, list[Path], str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def load(sweep_dir: str | Path):
    """Load and verify a sweep folder and the tables a report reads.

    The tables are design, runs, summary and alliance. The store checks every file against its
    recorded sha256 and reads tables on first access; reading them here turns a damaged,
    missing or corrupt file, or a table without the columns a report needs, into one
    :class:`UserError` naming the folder (and the file).
    """
    from sim.sweep.store import load_sweep

    try:
        result = load_sweep(sweep_dir)
        for table, (name, columns) in TABLE_COLUMNS.items():
            frame = getattr(result, table)
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise UserError(
                    f"{Path(sweep_dir) / name}: missing column(s) "
                    f"{', '.join(missing)}: expected a table written by `sim sweep` "
                    f"(with {', '.join(columns)})"
                )
        return result
    except UserError:
        raise
    except (OSError, ValueError, pa.ArrowException) as err:
        reason = " ".join(str(err).split())
        raise UserError(f"{sweep_dir}: cannot read the sweep folder ({reason})") from None


def _members(runs: pd.DataFrame):
    """The members of the sweep's first run (a sweep's runs share their members file)."""
    row = runs.iloc[0]
    values = {
        k: (row[k].item() if hasattr(row[k], "item") else row[k])
        for k in PARAM_FIELDS
        if k in row.index
    }
    return members_of(make_params(values))


def _check_axes(requested: Sequence[str] | None, swept: list[str]) -> tuple[str, str | None]:
    if requested:
        bad = [a for a in requested if a not in swept]
        if bad or len(requested) != 2 or requested[0] == requested[1]:
            what = f"'{bad[0]}' was not swept" if bad else "give two different axes"
            raise UserError(f"--axes: {what}; the swept axes are: {', '.join(swept)}")
        return requested[0], requested[1]
    return swept[0], (swept[1] if len(swept) > 1 else None)


def richardson_boundary(
    runs: pd.DataFrame, alliance: pd.DataFrame, x: str, y: str | None, edges: dict[str, np.ndarray]
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray] | None, str]:
    """The Richardson margin on a mesh of the regime map's axes, or why it does not apply.

    Returns:
        (X, Y, margin) or None, and a sentence for the caption.
    """
    signals = set(runs["threat_signal"])
    if not all(richardson_applies(s) for s in signals):
        return None, (
            "The Richardson boundary does not apply: with threat_signal = log_ratio "
            "the threat depends only on the munitions ratio, which the rival's target "
            "fixes, so the linearised system is stable whatever the parameters "
            "(det = m n > 0)."
        )
    if y is None or not {x, y} <= set(RICHARDSON_PARAMS):
        return None, (
            "The Richardson boundary is not drawn: it is a curve in the plane of two "
            f"of {', '.join(RICHARDSON_PARAMS)}, and the map's axes are not."
        )
    members = _members(runs)
    exposure = float(
        (members.exposure * members.threat_response * members.gdp_usd_bn * members.armed).sum()
        / members.gdp_usd_bn.sum()
    )
    first = alliance.sort_values(["run_id", "quarter"]).groupby("run_id").head(1)
    kappa = float(
        np.median(
            linear_gain(
                first["alliance_munitions_output"].to_numpy(),
                first["alliance_core_share_pct"].to_numpy(),
                exposure,
            )
        )
    )
    fixed = {p: float(runs[p].median()) for p in RICHARDSON_PARAMS if p not in (x, y)}
    varying = [p for p in fixed if runs[p].nunique() > 1]
    X, Y = np.meshgrid(
        np.linspace(edges["x"][0], edges["x"][-1], 300),  # noqa: N806
        np.linspace(edges["y"][0], edges["y"][-1], 300),
    )
    margin = richardson_margin({**fixed, x: X, y: Y}, kappa)
    note = (
        f"Dashed: Richardson's boundary m n = a b of the model's linear two-party limit "
        f"(kappa = {kappa:.3g}; stable below/left of it where m n > a b)"
    )
    if varying:
        note += f"; {', '.join(varying)} vary across runs and are set to their medians"
    if margin.min() > 0 or margin.max() < 0:
        side = "stable" if margin.min() > 0 else "runaway"
        return None, (
            f"The Richardson boundary lies outside the plotted range (every point is "
            f"{side} in the linear two-party limit, kappa = {kappa:.3g})."
        )
    return (X, Y, margin), note + "."


def build_report(
    sweep_dir: str | Path,
    out: str | Path | None = None,
    axes: Sequence[str] | None = None,
    warn: Callable[[str], None] | None = None,
) -> Report:
    """Write a sweep's report (figures, tables, README) into ``out``.

    The report is built in a hidden folder next to ``out`` and renamed into place at the end
    (``sim.runs.outputs.output_folder``): an earlier report at ``out`` is replaced, and on any error
    nothing at ``out`` changes.

    Args:
        sweep_dir: the sweep folder.
        out: the report folder (default ``SWEEP_DIR/report``).
        axes: the two swept axes of the regime map (default the first two).
        warn: called with each warning (default: print to stderr).

    Returns:
        What was written, with captions and warnings.

    Raises:
        UserError: if the folder is not a sweep or is damaged, holds no successful run, an
            axis of ``axes`` was not swept, or ``out`` is something other than an earlier
            report (a file, a folder of other files) or cannot be written (a full disk).
    """
    warn = warn or (lambda msg: print(f"warning: {msg}", file=sys.stderr))
    result = load(sweep_dir)
    swept = [c for c in result.design.columns if c != "point_id"]
    x, y = _check_axes(axes, swept)
    final = Path(out) if out else Path(sweep_dir) / "report"
    _check_out(final)
    with output_folder(final, REPORT_KIND, overwrite=True) as folder, folder.write() as tmp:
        report = Report(tmp)
        try:
            _compose(report, result, sweep_dir, swept, x, y, warn)
        except Exception as err:
            cause = _os_error(err)
            if cause is None:
                raise
            raise cause from None  # the folder's writer reports it in one line
        write_readme(report, result, sweep_dir)
        entries = sorted(p.name for p in tmp.iterdir())
        (tmp / "manifest.json").write_text(
            json.dumps(
                {
                    "kind": REPORT_KIND,
                    "sweep": str(sweep_dir),
                    "sweep_name": result.manifest.get("name"),
                    "warnings": report.warnings,
                    "files": [*entries, "manifest.json"],
                },
                indent=2,
            )
            + "\n"
        )
    moved = Report(final, warnings=report.warnings, notes=report.notes)
    for name in ("figures", "tables"):
        setattr(
            moved,
            name,
            [
                (n, [final / f.relative_to(tmp) for f in files], caption)
                for n, files, caption in getattr(report, name)
            ],
        )
    return moved


def _check_out(out: Path) -> None:
    """Refuse a report folder that is a file, or a folder holding something other than a report.

    (``sim.runs.outputs`` checks again, with its other rules, holding the folder's lock.)
    """
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise UserError(f"{out}: exists and is not a folder: give --out a folder for the report")
    if out.is_dir() and any(out.iterdir()):
        try:
            kind = json.loads((out / "manifest.json").read_text()).get("kind")
        except (OSError, ValueError, AttributeError):
            kind = None
        if kind != REPORT_KIND:
            raise UserError(
                f"{out}: holds files that are not an earlier report (no report "
                "manifest.json): a report replaces only an earlier report; choose "
                "another --out"
            )


def _os_error(err: BaseException | None) -> OSError | None:
    """The OSError behind an error, if any.

    A full disk can surface as another library's error: matplotlib's PDF writer raises
    ``zlib.error`` while closing a file it failed to write.
    """
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, OSError):
            return err
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return None


def _compose(
    report: Report,
    result,
    sweep_dir: str | Path,
    swept: list[str],
    x: str,
    y: str | None,
    warn: Callable[[str], None],
) -> None:
    """Write the figures and tables of a report into ``report.out``."""

    def warning(msg: str) -> None:
        report.warnings.append(msg)
        warn(msg)

    runs = result.runs
    ok = runs[runs["status"] == "ok"]
    n_failed = int((runs["status"] == "failed").sum())
    if not result.complete:
        done = int(runs["status"].isin(["ok", "failed"]).sum())
        warning(
            f"the sweep is incomplete: {done} of {len(runs)} runs done; this report shows "
            "those runs (resume the sweep with the same command to finish it)"
        )
    if n_failed:
        warning(f"{n_failed} runs failed (see runs.parquet, column error) and are left out")
    if ok.empty:
        raise UserError(f"{sweep_dir}: no successful run yet, nothing to report")
    frame = result.summary.merge(ok, on="run_id", how="inner")
    manifest = result.manifest
    replications = int(manifest.get("config", {}).get("replications", ok["replication"].max() + 1))
    seeding = manifest.get("config", {}).get("seeding", "paired")
    points = sorted(frame["point_id"].unique())
    labels = _point_labels(result.design, swept)
    arm_of_run = frame.set_index("run_id")["point_id"]
    few = len(points) <= MAX_ARMS
    arm_labels = {p: labels[p] for p in points} if few else {"all": f"all {len(points)} points"}
    alliance = result.alliance
    has_series = not alliance.empty
    if has_series:
        alliance = alliance[alliance["run_id"].isin(ok["run_id"])]
    else:
        warning(
            "the sweep kept no alliance series (keep.alliance = false): no fan charts, "
            "time-to-target curves or Richardson gain"
        )
    fig_dir, tab_dir = report.out / "figures", report.out / "tables"
    what = (
        f"{len(frame)} runs ({len(points)} design points x up to {replications} "
        f"replications, seeds {seeding})"
    )
    pooled = "" if few else f" across all {len(points)} design points"

    if has_series:
        bands = {
            c: tabs.series_bands(alliance, c, arm_of_run if few else None)
            for c in tabs.SERIES_OUTCOMES
        }
        report.figures.append(
            (
                "outcomes",
                figs.save(figs.fan_figure(bands, arm_labels), fig_dir / "outcomes"),
                f"Main outcomes over time{pooled}: median (line), 50% and 90% of "
                f"runs (bands); {what}. Dotted: the 2%, 3.5% and 5% lines.",
            )
        )
        table = pd.concat([b.assign(outcome=c) for c, b in bands.items()], ignore_index=True)
        report.tables.append(
            (
                "outcome_bands",
                tabs.write_table(
                    table, tab_dir / "outcome_bands", "Outcome quantiles across runs by quarter"
                ),
                "Quantiles of each outcome across runs, by arm and quarter (CSV only is useful).",
            )
        )

    point_tab = tabs.point_table(frame, swept, MAIN_OUTCOMES)
    latex = point_tab[["point_id", *swept, "n"]].copy()
    for o in MAIN_OUTCOMES:
        latex[tabs.OUTCOME_LABELS[o]] = [
            f"{m:.2f} [{lo:.2f}, {hi:.2f}]"
            for m, lo, hi in zip(
                point_tab[f"{o}_mean"], point_tab[f"{o}_q05"], point_tab[f"{o}_q95"], strict=True
            )
        ]
    latex["modal regime"] = point_tab["modal_regime"]
    report.tables.append(
        (
            "design_points",
            tabs.write_table(
                point_tab,
                tab_dir / "design_points",
                "Outcomes by design point: mean [5%, 95%]",
                latex,
            ),
            f"Main outcomes by design point: mean and 5-95% range across runs; {what}.",
        )
    )

    method = manifest.get("config", {}).get("design", {}).get("method", "grid")
    if len(points) >= 2 and method == "grid":
        short = _point_labels(result.design, swept, short=True)
        _paired(
            report,
            frame,
            alliance if has_series else None,
            labels,
            short,
            swept,
            points,
            seeding,
            what,
            warning,
        )
    elif len(points) >= 2:
        report.notes.append(
            f"No paired differences: the {method} design's points are samples "
            "of a space, not arms to compare with a reference point."
        )

    cells, edges = tabs.regime_cells(frame, x, y)
    boundary, note = (
        richardson_boundary(ok, alliance, x, y, edges)
        if has_series
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
        report.figures.append(
            (
                "regime_map",
                figs.save(
                    figs.regime_map_figure(cells, edges, x, y, boundary), fig_dir / "regime_map"
                ),
                f"Arms-race regime over {axes_text}: each cell takes the most frequent regime of "
                f"its "
                f"runs (the number: its share), pooled over the other axes; regimes as defined in "
                f"sim/core/regimes.py (docs/REGIMES.md). {note}",
            )
        )
    report.tables.append(
        (
            "regimes",
            tabs.write_table(cells, tab_dir / "regimes", f"Regime counts by cell of {axes_text}"),
            f"Runs per regime in each cell of {axes_text}, with the modal regime.",
        )
    )

    if has_series:
        ttt = tabs.time_to_target(alliance, _members(ok).n, arm_of_run if few else None)
        report.figures.append(
            (
                "time_to_target",
                figs.save(figs.time_to_target_figure(ttt, arm_labels), fig_dir / "time_to_target"),
                f"Time to target{pooled}. Left: share of runs in which the alliance's core share "
                "has reached 3.5% (solid) or its core + related share 5% (dashed) by the end of "
                "each "
                "year. Right: share of members at or above those lines at the end of each year "
                f"(mean across runs, band 5-95%); {what}.",
            )
        )
        report.tables.append(
            (
                "time_to_target",
                tabs.write_table(
                    ttt,
                    tab_dir / "time_to_target",
                    "Share of runs and members at the lines by year",
                ),
                "Time-to-target curves as numbers.",
            )
        )

    _sensitivity(report, result, fig_dir, tab_dir, warning)


def _point_labels(design: pd.DataFrame, axes: list[str], short: bool = False) -> dict[int, str]:
    """``axis = value, ...`` of each design point by point_id (``short``: the values only)."""
    parts = []
    for a in axes:
        text = design[a].map(
            lambda v: f"{v:g}" if isinstance(v, int | float | np.number) else str(v)
        )
        parts.append(text if short else f"{a} = " + text)
    joined = parts[0].str.cat(parts[1:], sep=", ") if len(parts) > 1 else parts[0]
    return dict(zip(design["point_id"].tolist(), joined.tolist(), strict=True))


def _paired(
    report: Report,
    frame: pd.DataFrame,
    alliance: pd.DataFrame | None,
    labels: dict,
    short: dict,
    swept: list[str],
    points: list,
    seeding: str,
    what: str,
    warning,
) -> None:
    ref = points[0]
    arms = frame.assign(arm=frame["point_id"])
    diffs = tabs.paired_differences(arms, MAIN_OUTCOMES, ref)
    if seeding != "paired" or not diffs["paired"].all():
        warning(
            "runs of different design points do not share seeds (seeding = independent): "
            "differences are unpaired, their intervals wide"
        )
    diffs.insert(1, "arm_label", diffs["arm"].map(labels))
    kind = "paired" if seeding == "paired" else "unpaired"
    report.tables.append(
        (
            "paired_differences",
            tabs.write_table(
                diffs,
                tab_dir_of(report) / "paired_differences",
                f"Differences from point {ref} ({labels[ref]}), {kind} by replication",
            ),
            f"Each design point minus point {ref} ({labels[ref]}), replication by replication: "
            f"mean "
            "difference, 95% t interval, and the unpaired (Welch) interval for comparison.",
        )
    )
    shown = [p for p in points[1:]][:MAX_PAIRED_ROWS]
    fig = figs.paired_figure(
        diffs[diffs["arm"].isin(shown)],
        {p: short[p] for p in shown},
        MAIN_OUTCOMES,
        ", ".join(swept),
    )
    more = (
        f" (the first {MAX_PAIRED_ROWS} of {len(points) - 1}; the table has all)"
        if len(points) - 1 > MAX_PAIRED_ROWS
        else ""
    )
    report.figures.append(
        (
            "paired_differences",
            figs.save(fig, fig_dir_of(report) / "paired_differences"),
            f"Effect of each design point{more} against point {ref} "
            f"({labels[ref]}) on the main outcomes at the end: mean {kind} "
            "difference with its 95% interval (dots), and the interval an "
            f"unpaired comparison of the same runs would give (grey); {what}.",
        )
    )
    if alliance is not None and len(points) <= MAX_ARMS:
        runs = arms[["run_id", "arm", "replication"]]
        series = {
            c: tabs.paired_series(alliance, c, runs, ref)
            for c in (
                "alliance_core_share_pct",
                "munitions_ratio",
                "cumulative_extra_spending_usd_bn",
            )
        }
        report.figures.append(
            (
                "paired_over_time",
                figs.save(
                    figs.paired_series_figure(series, {p: labels[p] for p in points[1:]}),
                    fig_dir_of(report) / "paired_over_time",
                ),
                f"Difference from point {ref} ({labels[ref]}) over time, {kind} by replication: "
                f"mean (line) and 95% interval (band); {what}.",
            )
        )


def fig_dir_of(report: Report) -> Path:
    """The report's figure folder."""
    return report.out / "figures"


def tab_dir_of(report: Report) -> Path:
    """The report's table folder."""
    return report.out / "tables"


def _sensitivity(report: Report, result, fig_dir: Path, tab_dir: Path, warning) -> None:
    method = (result.problem or {}).get("method")
    if method not in SALIB_METHODS:
        return
    try:
        sens = analyse_sweep(result)
    except UserError as err:
        warning(f"no sensitivity indices: {err}")
        return
    for note in sens.notes:
        warning(note)
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
    report.figures.append(
        (
            "sensitivity",
            figs.save(
                figs.sensitivity_figure(sens.table, method, outcomes), fig_dir / "sensitivity"
            ),
            caption,
        )
    )
    report.tables.append(
        (
            "sensitivity",
            tabs.write_table(sens.table, tab_dir / "sensitivity", f"{method} sensitivity indices"),
            caption,
        )
    )
    if sens.second_order is not None:
        report.tables.append(
            (
                "sensitivity_second_order",
                tabs.write_table(
                    sens.second_order, tab_dir / "sensitivity_second_order", "Second-order indices"
                ),
                "Second-order Sobol' indices S2 of each pair of parameters.",
            )
        )


def write_readme(report: Report, result, sweep_dir: str | Path) -> Path:
    """Write ``README.md`` in the report folder: the sweep, the warnings, figures and tables."""
    m = result.manifest
    lines = [
        f"# Report: sweep `{m.get('name', Path(sweep_dir).name)}`",
        "",
        m.get("description", ""),
        "",
        f"- sweep folder: `{sweep_dir}`; design: {m.get('config', {}).get('design', {})}",
        f"- runs: {m.get('runs_done', '?')} done of {m.get('n_runs', '?')} "
        f"({m.get('runs_failed', 0)} failed); complete: {result.complete}",
        f"- git: `{(m.get('git') or {}).get('commit', '?')}`",
        "",
    ]
    if report.warnings:
        lines += ["## Warnings", "", *[f"- {w}" for w in report.warnings], ""]
    if report.notes:
        lines += ["## Notes", "", *[f"- {n}" for n in report.notes], ""]
    lines += ["## Figures", ""]
    for name, files, caption in report.figures:
        png = next(f for f in files if f.suffix == ".png")
        lines += [
            f"### {name}",
            "",
            f"![{name}](figures/{png.name})",
            "",
            caption,
            f"(PDF: `figures/{name}.pdf`)",
            "",
        ]
    lines += ["## Tables", "", "Each as CSV and as a LaTeX tabular (needs `booktabs`).", ""]
    for name, _, caption in report.tables:
        lines.append(f"- `tables/{name}.csv`, `tables/{name}.tex`: {caption}")
    path = report.out / "README.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def cli_report(args: argparse.Namespace) -> int:
    """``python -m sim report SWEEP_DIR [--out DIR] [--axes X Y]``."""
    report = build_report(args.sweep_dir, args.out, getattr(args, "axes", None))
    for name, files, _ in report.figures + report.tables:
        print(f"{name}: {', '.join(str(f) for f in files)}")
    print(f"wrote {report.out}/README.md", file=sys.stderr)
    return 0
