"""The report's figures by level of the ``--by`` axis, drawn from ``sim.analysis.tables``' frames.

This module owns the figures that draw one line per level of a design axis: the outcomes over
time, faceted by outcome (:func:`fan_figure`), the paired differences from the reference point
(:func:`paired_figure`, :func:`paired_series_figure`) and the time to target
(:func:`time_to_target_figure`); and :func:`save` and :func:`figure_texts` for every figure
(``sim.analysis.figure_maps`` draws the regime map and the sensitivity bars). A level has the
same colour in every figure and its bands the colour of its line (``sim.analysis.palette``);
axes, legends and titles carry the parameter table's and the outcomes' labels, never raw names.
All use the house style (``sim.runs.figure.apply_style``: Okabe-Ito colour-blind-safe palette,
fonts embedded in PDFs as TrueType), are sized for a journal's full width (7.2 in) or column
(3.5 in), and are saved as PDF (papers) and PNG (web).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.legend_handler import HandlerTuple
from matplotlib.ticker import MaxNLocator

from sim.analysis.palette import NEUTRAL, UNPAIRED
from sim.analysis.palette import arm_colour as arm_colour
from sim.analysis.tables import OUTCOME_LABELS, SHORT_LABELS
from sim.core.targets import TARGET_LINES, TARGETS
from sim.runs.figure import LINES, apply_style, plt

FULL_WIDTH_IN = 7.2
COLUMN_WIDTH_IN = 3.5
PNG_DPI = 200
BAND_ALPHA = 0.25
"""Opacity of a level's 50% band (its 5% and 95% quantiles are dotted lines of its colour)."""
TITLE_CHARS = 120
"""Characters per line of a figure's title."""


def save(fig: plt.Figure, stem: Path) -> list[Path]:
    """Save a figure as ``<stem>.pdf`` and ``<stem>.png``, close it and return the files.

    The PDF has no creation date, so the same figure always gives the same bytes.
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    pdf, png = stem.with_suffix(".pdf"), stem.with_suffix(".png")
    fig.savefig(pdf, metadata={"CreationDate": None})
    fig.savefig(png, dpi=PNG_DPI)
    plt.close(fig)
    return [pdf, png]


def figure_texts(fig: plt.Figure) -> dict[str, Any]:
    """Every word a figure shows (for the report's checks and tests).

    Returns:
        The title, each visible panel's title, axis labels and y tick labels, and each
        legend's title and entries.
    """
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    return {
        "title": fig._suptitle.get_text() if fig._suptitle else "",
        "axes": [
            {
                "title": ax.get_title(),
                "xlabel": ax.get_xlabel(),
                "ylabel": ax.get_ylabel(),
                "yticklabels": [t.get_text() for t in ax.get_yticklabels()],
            }
            for ax in fig.axes
            if ax.get_visible()
        ],
        "legends": [
            {"title": lg.get_title().get_text(), "entries": [t.get_text() for t in lg.get_texts()]}
            for lg in legends
        ],
    }


def outcome_label(column: str) -> str:
    """An outcome's label with its unit (``OUTCOME_LABELS``), else its name in words."""
    return OUTCOME_LABELS.get(column, column.replace("_", " "))


def _wrapped(text: str, width: int = 34) -> str:
    """An axis label wrapped onto lines of ``width`` characters (long labels in small panels)."""
    return textwrap.fill(text, width)


def _years(ax: plt.Axes) -> None:
    """Whole years on a time axis (2026, 2028, not 2027.5)."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _title(fig: plt.Figure, text: str) -> None:
    if text:
        fig.suptitle(textwrap.fill(text, TITLE_CHARS), fontsize=7)


def _reference_lines(ax: plt.Axes, column: str) -> None:
    for line in TARGET_LINES:
        if line.alliance_column == column:
            # grey, not the line's own colour: the levels' colours mean levels in these figures
            value = LINES[line.name][0]
            ax.axhline(value, color=NEUTRAL, lw=0.7, ls=":", zorder=0)
            ax.annotate(
                line.label,
                (0.01, value),
                xycoords=("axes fraction", "data"),
                fontsize=5,
                color=NEUTRAL,
                va="bottom",
            )


def _level_legend(
    fig: plt.Figure, levels: Mapping, colours: Mapping, title: str, band: bool = True
) -> None:
    """One entry per level: its band's swatch under its line, both in the level's colour."""
    handles = []
    for level in levels:
        line = plt.Line2D([], [], color=colours[level], lw=1.3)
        patch = plt.matplotlib.patches.Patch(color=colours[level], alpha=BAND_ALPHA, lw=0)
        handles.append((patch, line) if band else line)
    fig.legend(
        handles,
        list(levels.values()),
        title=title,
        loc="outside lower center",
        ncols=min(len(handles), 6),
        frameon=False,
        handler_map={tuple: HandlerTuple(ndivide=1)},
    )


def fan_figure(
    bands: Mapping[str, pd.DataFrame],
    levels: Mapping,
    colours: Mapping,
    legend_title: str = "",
    title: str = "",
    ncols: int = 3,
) -> plt.Figure:
    """Outcomes over time, one panel per outcome, one line and band per level.

    Args:
        bands: ``series_bands`` frames by outcome column (their ``arm`` is the level).
        levels: the legend label of each level, in drawing order.
        colours: the colour of each level.
        legend_title: what the levels are (the axis's label).
        title: what is shown and what is held fixed.
        ncols: panels per row.
    """
    apply_style()
    ncols = min(ncols, len(bands))
    nrows = -(-len(bands) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(FULL_WIDTH_IN, 2.0 * nrows + 0.8),
        constrained_layout=True,
        squeeze=False,
    )
    for ax, (column, frame) in zip(axes.flat, bands.items(), strict=False):
        for level in levels:
            f = frame[frame["arm"] == level]
            c = colours[level]
            ax.fill_between(f["year"], f["q25"], f["q75"], color=c, alpha=BAND_ALPHA, lw=0)
            for q in ("q05", "q95"):
                ax.plot(f["year"], f[q], color=c, lw=0.6, ls=":")
            ax.plot(f["year"], f["q50"], color=c, lw=1.3)
        _reference_lines(ax, column)
        ax.set(xlabel="year", ylabel=_wrapped(outcome_label(column)))
        _years(ax)
    for ax in list(axes.flat)[len(bands) :]:
        ax.set_visible(False)
    _level_legend(fig, levels, colours, legend_title)
    _title(fig, title)
    return fig


def paired_figure(
    diffs: pd.DataFrame,
    arm_labels: Mapping,
    outcomes: Sequence[str],
    arm_title: str = "",
    colours: Mapping | None = None,
    colour_by: str = "",
) -> plt.Figure:
    """Mean paired difference from the reference point with its 95% interval, per outcome.

    The unpaired (Welch) interval of the same difference is drawn as a thin grey bar behind,
    to show what pairing the seeds gains. ``colours`` gives each arm's dot the colour of its
    level of the ``--by`` axis ``colour_by`` (default: all one colour).
    """
    apply_style()
    arms = [a for a in arm_labels if a in set(diffs["arm"])]
    colours = colours or {}
    height = max(1.6, 0.22 * len(arms) + 0.9)
    fig, axes = plt.subplots(
        1,
        len(outcomes),
        figsize=(FULL_WIDTH_IN, height),
        constrained_layout=True,
        sharey=True,
        squeeze=False,
    )
    ypos = np.arange(len(arms))[::-1]
    for ax, outcome in zip(axes[0], outcomes, strict=True):
        d = diffs[diffs["outcome"] == outcome].set_index("arm").reindex(arms)
        _paired_dots(ax, d, ypos, [colours.get(a, arm_colour(0)) for a in arms])
        ax.axvline(0, color=NEUTRAL, lw=0.6)
        ax.set_title(SHORT_LABELS.get(outcome, outcome_label(outcome)))
        ax.set_xlabel("difference")
    axes[0, 0].set_yticks(ypos, [arm_labels[a] for a in arms])
    axes[0, 0].set_ylabel(arm_title)
    handles = [
        plt.Line2D(
            [],
            [],
            color=NEUTRAL,
            marker="o",
            ms=3,
            label="paired mean difference, 95% CI"
            + (f" (colour: {colour_by}, as in the other figures)" if colour_by else ""),
        ),
        plt.Line2D([], [], color=UNPAIRED, lw=3, label="unpaired 95% CI"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return fig


def _paired_dots(ax: plt.Axes, d: pd.DataFrame, ypos: np.ndarray, colours: list[str]) -> None:
    """Each arm's mean difference with its paired interval, on its unpaired interval (grey)."""
    mean = d["mean_difference"].to_numpy()
    ax.errorbar(mean, ypos, xerr=d["unpaired_half_width"].to_numpy(), fmt="none",
                ecolor=UNPAIRED, elinewidth=3, zorder=1)  # fmt: skip
    low, high = mean - d["ci_low"].to_numpy(), d["ci_high"].to_numpy() - mean
    for k, colour in enumerate(colours):
        ax.errorbar(mean[k], ypos[k], xerr=[[low[k]], [high[k]]], fmt="o", color=colour,
                    ms=3, elinewidth=1, capsize=2, zorder=2)  # fmt: skip


def paired_series_figure(
    series: Mapping[str, pd.DataFrame],
    levels: Mapping,
    colours: Mapping,
    legend_title: str = "",
    title: str = "",
) -> plt.Figure:
    """Paired difference from the reference level over time, with its 95% band, per series."""
    apply_style()
    fig, axes = plt.subplots(
        1, len(series), figsize=(FULL_WIDTH_IN, 2.6), constrained_layout=True, squeeze=False
    )
    for ax, (column, frame) in zip(axes[0], series.items(), strict=True):
        for level in levels:
            f = frame[frame["arm"] == level]
            if f.empty:
                continue
            c = colours[level]
            ax.fill_between(f["year"], f["ci_low"], f["ci_high"], color=c, alpha=BAND_ALPHA, lw=0)
            ax.plot(f["year"], f["mean_difference"], color=c, lw=1.3)
        ax.axhline(0, color=NEUTRAL, lw=0.6)
        ax.set(xlabel="year", ylabel=_wrapped(f"difference in {outcome_label(column)}"))
        _years(ax)
    _level_legend(fig, levels, colours, legend_title)
    _title(fig, title)
    return fig


def _share(x: float) -> str:
    """A share of runs as a percentage with one decimal when it has one (12.5%, 0.4%, 67%)."""
    pct = 100 * x
    return f"{pct:.0f}%" if abs(pct - round(pct)) < 0.05 or pct >= 20 else f"{pct:.1f}%"


def time_to_target_figure(
    reached: pd.DataFrame,
    members: pd.DataFrame,
    levels: Mapping,
    colours: Mapping,
    legend_title: str = "",
    title: str = "",
) -> plt.Figure:
    """The time to target by level: runs that reached the lines, and members at them.

    Left: the share of runs that have reached 3.5% core (solid) / 5% total (dashed) by each
    quarter, a step curve per level ending at the share that ever did (legend: both shares).
    Right: the share of members at or above the lines at the end of each year (mean, 5-95%).
    """
    apply_style()
    fig, axes = plt.subplots(1, 2, figsize=(FULL_WIDTH_IN, 2.9), constrained_layout=True)
    keys = (("core_3_5", "-"), ("total_5", "--"))
    labels, top = {}, 0.0
    for level, label in levels.items():
        f, m, c = reached[reached["arm"] == level], members[members["arm"] == level], colours[level]
        for key, ls in keys:
            x = np.concatenate([[f["year"].iloc[0] - 0.25], f["year"]])
            y = 100 * np.concatenate([[0.0], f[f"runs_{key}"]])
            axes[0].step(x, y, where="post", color=c, ls=ls, lw=1.3)
            top = max(top, y.max())
            lo, hi = (100 * m[f"members_{key}_{q}"] for q in ("q05", "q95"))
            end_of_year = m["year"] + 1.0  # the end of 2035 is 2036.0, as on the left
            axes[1].fill_between(end_of_year, lo, hi, color=c, alpha=0.15, lw=0)
            axes[1].plot(end_of_year, 100 * m[f"members_{key}"], color=c, ls=ls, lw=1.3)
        end = f.iloc[-1]
        labels[level] = f"{label}: {_share(end.runs_core_3_5)} / {_share(end.runs_total_5)}"
    axes[0].set_ylim(-0.03 * max(10.0, 1.15 * top), min(103.0, max(10.0, 1.15 * top)))
    core, total = TARGETS["3_5pct"], TARGETS["5pct"]
    axes[0].set(xlabel="time (end of quarter)", ylabel="runs that have reached the line (%)")
    axes[1].set(
        xlabel="time (end of year)", ylabel="members at or above the line (%)", ylim=(-3, 103)
    )
    last = reached["quarter"].max() if len(reached) else ""
    lines = f"{core.label} {core.measure} / {total.label} {total.measure}"
    _level_legend(fig, labels, colours, f"{legend_title}: reached by {last} ({lines})", False)
    styles = [
        plt.Line2D([], [], color=NEUTRAL, ls=ls, label=f"{t.label} {t.measure}")
        for t, (_, ls) in zip((core, total), keys, strict=True)
    ]
    axes[0].legend(handles=styles, frameon=False, loc="upper left")
    _title(fig, title)
    return fig
