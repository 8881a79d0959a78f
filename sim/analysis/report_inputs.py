"""The inputs of a report: the verified sweep, its successful runs, the design points' labels.

This module owns reading a sweep folder for a report (:func:`load`), choosing the regime map's
axes, the Richardson boundary drawn on it, the options and levels every section shares
(:class:`ReportInputs`: ``--by``, ``--reference``, ``--outcomes`` from
``sim.analysis.report_options``, the levels drawn from ``sim.analysis.report_facets``), and
:class:`Report`, the list of what a report wrote (its figure and table folders are found with
:meth:`Report.folder`; the words of each figure are kept in :attr:`Report.figure_texts`). The
sections themselves are in ``sim.analysis.report_sections``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.analysis import figures as figs
from sim.analysis import tables as tabs
from sim.analysis.number_format import format_level
from sim.analysis.report_facets import Facets, facets
from sim.analysis.report_options import ReportOptions
from sim.core.errors import UserError
from sim.core.members import members_of
from sim.core.params import PARAM_FIELDS, make_params, param_label
from sim.core.regimes import RICHARDSON_PARAMS, linear_gain, richardson_applies, richardson_margin

TABLE_COLUMNS = {
    "runs": ("runs/", ("run_id", "point_id", "replication", "seed", "status", "error")),
    "design": ("design.parquet", ("point_id",)),
    "summary": ("summary/", ("run_id",)),
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
    figure_texts: dict[str, dict] = field(default_factory=dict)
    """The words each figure shows (``sim.analysis.figures.figure_texts``), by figure name."""
    label_prefix: str = "tab:report"
    """The LaTeX label of a table is ``<label_prefix>:<name>``."""

    def folder(self, kind: str) -> Path:
        """The report's folder of ``"figures"`` or ``"tables"``."""
        return self.out / kind

    def add_figure(self, name: str, fig: Any, caption: str) -> None:
        """Save a figure as PDF and PNG under ``figures/`` and list it with its caption."""
        self.figure_texts[name] = figs.figure_texts(fig)
        self.figures.append((name, figs.save(fig, self.folder("figures") / name), caption))

    def add_table(
        self,
        name: str,
        table: pd.DataFrame,
        title: str,
        caption: str,
        latex: tuple[pd.DataFrame, str] | None = None,
        tex: bool = True,
    ) -> None:
        """Write a table as CSV (raw names) and LaTeX under ``tables/``, list it with its caption.

        Args:
            name: the files' stem.
            table: the table (its CSV: raw column names, full precision).
            title: a few words on what it shows (the README's entry starts with them).
            caption: the LaTeX caption (what it shows, of which sweep, design and runs).
            latex: the LaTeX view and its alignment (``sim.analysis.report_latex``).
            tex: also write the LaTeX file (False: the CSV only).
        """
        view, align = latex if latex is not None else (None, None)
        files = tabs.write_table(
            table,
            self.folder("tables") / name,
            caption,
            view,
            label=f"{self.label_prefix}:{name}",
            align=align,
            escaped=view is not None,
            tex=tex,
        )
        self.tables.append((name, files, f"{title}. {caption}"))


def load(sweep_dir: str | Path) -> Any:
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


def run_members(runs: pd.DataFrame):
    """The members of the sweep's first run (a sweep's runs share their members file)."""
    row = runs.iloc[0]
    values = {
        k: (row[k].item() if hasattr(row[k], "item") else row[k])
        for k in PARAM_FIELDS
        if k in row.index
    }
    return members_of(make_params(values))


def check_axes(requested: Sequence[str] | None, swept: list[str]) -> tuple[str, str | None]:
    """The regime map's two axes: the requested ones (checked), else the first two swept."""
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
    members = run_members(runs)
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


def point_labels(design: pd.DataFrame, axes: list[str], short: bool = False) -> dict[int, str]:
    """``label = value, ...`` of each design point by point_id (``short``: the values only).

    Labels are the parameter table's (``sim.core.params.param_label``); an empty value is "none".
    """
    parts = []
    for a in axes:
        text = design[a].map(format_level)
        parts.append(text if short else f"{param_label(a)} = " + text)
    joined = parts[0].str.cat(parts[1:], sep=", ") if len(parts) > 1 else parts[0]
    return dict(zip(design["point_id"].tolist(), joined.tolist(), strict=True))


@dataclass
class ReportInputs:
    """What every section of a report reads: the sweep's successful runs, the options, levels."""

    result: Any
    """The sweep (``sim.sweep.store.SweepResult``)."""
    swept: list[str]
    x: str
    y: str | None
    ok: pd.DataFrame
    """The successful runs (rows of the sweep's ``runs/``)."""
    frame: pd.DataFrame
    """Their summaries merged with their runs."""
    alliance: pd.DataFrame | None
    """Their alliance series, or None if the sweep kept none."""
    points: list
    labels: dict[int, str]
    options: ReportOptions
    """``--by``, ``--reference`` and ``--outcomes``."""
    facets: Facets
    """The levels of ``--by`` the figures draw, their runs and colours."""
    method: str
    """The design's method (grid, lhs, sobol, morris)."""
    seeding: str
    what: str
    """The runs a figure shows, for captions."""
    context: str
    """The sweep, its design and replications, for the tables' captions."""
    warning: Callable[[str], None]


def _successful_runs(result: Any, warning: Callable[[str], None]) -> pd.DataFrame:
    """The successful runs; a warning for an incomplete sweep and for failed runs."""
    runs = result.runs
    n_failed = int((runs["status"] == "failed").sum())
    if not result.complete:
        done = int(runs["status"].isin(["ok", "failed"]).sum())
        warning(
            f"the sweep is incomplete: {done} of {len(runs)} runs done; this report shows "
            "those runs (resume the sweep with the same command to finish it)"
        )
    if n_failed:
        warning(f"{n_failed} runs failed (see runs/, column error) and are left out")
    return runs[runs["status"] == "ok"]


def _count(n: int, noun: str) -> str:
    """``n`` with its noun, plural unless one: "1 point", "8 points"."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _context(result: Any, swept: list[str], n_points: int, replications: int, seeding: str) -> str:
    """The sweep in words: its name, design, points, axes, replications and seeding."""
    name = result.manifest.get("name", "?")
    method = result.manifest.get("config", {}).get("design", {}).get("method", "grid")
    axes = " x ".join(param_label(a) for a in swept)
    return (
        f"Sweep {name}: {method} design of {_count(n_points, 'point')} over {axes}, "
        f"{_count(replications, 'replication')} each (seeds {seeding})"
    )


def gather_inputs(
    report: Report,
    result: Any,
    sweep_dir: str | Path,
    swept: list[str],
    axes: tuple[str, str | None],
    options: ReportOptions,
    warn: Callable[[str], None],
) -> ReportInputs:
    """Select the successful runs, warn about the others, label the design points and levels.

    Raises:
        UserError: if the sweep holds no successful run.
    """

    def warning(msg: str) -> None:
        report.warnings.append(msg)
        warn(msg)

    ok = _successful_runs(result, warning)
    if ok.empty:
        raise UserError(f"{sweep_dir}: no successful run yet, nothing to report")
    frame = result.summary.merge(ok, on="run_id", how="inner")
    config = result.manifest.get("config", {})
    replications = int(config.get("replications", ok["replication"].max() + 1))
    seeding = config.get("seeding", "paired")
    method = config.get("design", {}).get("method", "grid")
    points = sorted(frame["point_id"].unique())
    alliance = result.alliance
    if not alliance.empty:
        alliance = alliance[alliance["run_id"].isin(ok["run_id"])]
    else:
        alliance = None
        warning(
            "the sweep kept no alliance series (keep.alliance = false): no fan charts, "
            "time-to-target curves or Richardson gain"
        )
    n_points = len(result.design)
    return ReportInputs(
        result=result,
        swept=swept,
        x=axes[0],
        y=axes[1],
        ok=ok,
        frame=frame,
        alliance=alliance,
        points=points,
        labels=point_labels(result.design, swept),
        options=options,
        facets=facets(frame, result.design, swept, options.by, options.reference, method),
        method=method,
        seeding=seeding,
        what=(
            f"{_count(len(frame), 'run')} ({_count(len(points), 'design point')} x up to "
            f"{_count(replications, 'replication')}, seeds {seeding})"
        ),
        context=_context(result, swept, n_points, replications, seeding),
        warning=warning,
    )
