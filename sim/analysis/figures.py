"""The report's figures, drawn from the tidy tables of ``sim.analysis.tables``.

This module owns the sweep figures: fan charts of outcomes over time, paired differences
between arms, the regime map over two axes with the Richardson boundary, time-to-target curves
and sensitivity bars. All use the house style (``sim.runs.figure.apply_style``: Okabe-Ito
colour-blind-safe palette, fonts embedded in PDFs as TrueType), are sized for a journal's
full width (7.2 in) or column (3.5 in), and are saved as PDF (papers) and PNG (web) by
:func:`save`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.tables import OUTCOME_LABELS, SHORT_LABELS
from sim.core.regimes import REGIME_LABELS, REGIMES
from sim.core.targets import TARGET_LINES, TARGETS
from sim.runs.figure import LINES, OKABE_ITO, apply_style, plt

FULL_WIDTH_IN = 7.2
COLUMN_WIDTH_IN = 3.5
PNG_DPI = 200
REGIME_COLOURS = {
    "rival_exhausted": OKABE_ITO[5],  # blue
    "escalates": OKABE_ITO[6],  # vermillion
    "alliance_fatigue": OKABE_ITO[1],  # orange
    "settles": OKABE_ITO[3],  # bluish green
    "builds_up": OKABE_ITO[2],  # sky blue
    "drifts": OKABE_ITO[4],  # yellow
}
"""One Okabe-Ito colour per regime (distinct for the common colour-vision deficiencies)."""
ARM_COLOURS = (OKABE_ITO[5], OKABE_ITO[6], OKABE_ITO[3], OKABE_ITO[7], OKABE_ITO[1], OKABE_ITO[2])


def arm_colour(i: int) -> str:
    """The colour of the i-th arm."""
    return ARM_COLOURS[i % len(ARM_COLOURS)]


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


def _label(column: str) -> str:
    return OUTCOME_LABELS.get(column, column.replace("_", " "))


def _reference_lines(ax: plt.Axes, column: str) -> None:
    for line in TARGET_LINES:
        if line.alliance_column == column:
            value, colour = LINES[line.name]
            ax.axhline(value, color=colour, lw=0.7, ls=":", zorder=0)


def fan_figure(
    bands: Mapping[str, pd.DataFrame], arm_labels: Mapping[str, str], ncols: int = 3
) -> plt.Figure:
    """Fan charts: per outcome, the median and 50%/90% bands across runs for each arm.

    Args:
        bands: ``series_bands`` frames by outcome column.
        arm_labels: legend label of each arm (in drawing order).
        ncols: panels per row.
    """
    apply_style()
    nrows = -(-len(bands) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(FULL_WIDTH_IN, 2.0 * nrows + 0.4),
        constrained_layout=True,
        squeeze=False,
    )
    for ax, (column, frame) in zip(axes.flat, bands.items(), strict=False):
        for i, arm in enumerate(arm_labels):
            f = frame[frame["arm"] == arm]
            c = arm_colour(i)
            ax.fill_between(f["year"], f["q05"], f["q95"], color=c, alpha=0.18, lw=0)
            ax.fill_between(f["year"], f["q25"], f["q75"], color=c, alpha=0.35, lw=0)
            ax.plot(f["year"], f["q50"], color=c, lw=1.2)
        _reference_lines(ax, column)
        ax.set(xlabel="year", ylabel=_label(column))
    for ax in list(axes.flat)[len(bands) :]:
        ax.set_visible(False)
    handles = [
        plt.Line2D([], [], color=arm_colour(i), lw=1.2, label=label)
        for i, label in enumerate(arm_labels.values())
    ]
    handles += [
        plt.matplotlib.patches.Patch(color="0.5", alpha=0.53, label="50% of runs"),
        plt.matplotlib.patches.Patch(color="0.5", alpha=0.18, label="90% of runs"),
    ]
    fig.legend(
        handles=handles, loc="outside lower center", ncols=min(len(handles), 4), frameon=False
    )
    return fig


def paired_figure(
    diffs: pd.DataFrame, arm_labels: Mapping[str, str], outcomes: Sequence[str], arm_title: str = ""
) -> plt.Figure:
    """Mean paired difference from the reference arm with its 95% interval, per outcome.

    The unpaired (Welch) interval of the same difference is drawn as a thin grey bar behind,
    to show what pairing the seeds gains.
    """
    apply_style()
    arms = [a for a in arm_labels if a in set(diffs["arm"])]
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
        mean = d["mean_difference"].to_numpy()
        ax.errorbar(
            mean,
            ypos,
            xerr=d["unpaired_half_width"].to_numpy(),
            fmt="none",
            ecolor="0.75",
            elinewidth=3,
            zorder=1,
        )
        ax.errorbar(
            mean,
            ypos,
            xerr=[mean - d["ci_low"], d["ci_high"] - mean],
            fmt="o",
            color=OKABE_ITO[5],
            ms=3,
            elinewidth=1,
            capsize=2,
            zorder=2,
        )
        ax.axvline(0, color="0.3", lw=0.6)
        ax.set_title(SHORT_LABELS.get(outcome, _label(outcome)))
        ax.set_xlabel("difference")
    axes[0, 0].set_yticks(ypos, [arm_labels[a] for a in arms])
    axes[0, 0].set_ylabel(arm_title)
    handles = [
        plt.Line2D(
            [], [], color=OKABE_ITO[5], marker="o", ms=3, label="paired mean difference, 95% CI"
        ),
        plt.Line2D([], [], color="0.75", lw=3, label="unpaired 95% CI"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return fig


def paired_series_figure(
    series: Mapping[str, pd.DataFrame], arm_labels: Mapping[str, str]
) -> plt.Figure:
    """Paired difference from the reference arm over time, with its 95% band, per series."""
    apply_style()
    fig, axes = plt.subplots(
        1, len(series), figsize=(FULL_WIDTH_IN, 2.3), constrained_layout=True, squeeze=False
    )
    for ax, (column, frame) in zip(axes[0], series.items(), strict=True):
        for i, arm in enumerate(arm_labels):
            f = frame[frame["arm"] == arm]
            if f.empty:
                continue
            c = arm_colour(i + 1)
            ax.fill_between(f["year"], f["ci_low"], f["ci_high"], color=c, alpha=0.3, lw=0)
            ax.plot(f["year"], f["mean_difference"], color=c, lw=1.2, label=arm_labels[arm])
        ax.axhline(0, color="0.3", lw=0.6)
        ax.set(xlabel="year", ylabel=f"difference in {_label(column)}")
    axes[0, 0].legend(frameon=False, loc="upper left")
    return fig


def regime_map_figure(
    cells: pd.DataFrame,
    edges: Mapping[str, np.ndarray],
    x: str,
    y: str | None,
    boundary: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> plt.Figure:
    """Cells coloured by the modal regime, with the Richardson boundary where it applies.

    Args:
        cells: ``regime_cells`` output.
        edges: the cells' edges along x and y.
        x: the horizontal axis (a parameter name).
        y: the vertical axis (None: one axis, drawn as a strip).
        boundary: (X, Y, margin) on a fine mesh; its zero contour is drawn.
    """
    apply_style()
    present = [r for r in REGIMES if r in set(cells["modal"])]
    code = {r: i for i, r in enumerate(REGIMES)}
    grid = np.full((len(edges["y"]) - 1, len(edges["x"]) - 1), np.nan)
    grid[cells["y_cell"].to_numpy(), cells["x_cell"].to_numpy()] = cells["modal"].map(code)
    cmap = plt.matplotlib.colors.ListedColormap([REGIME_COLOURS[r] for r in REGIMES]).with_extremes(
        bad="white"
    )
    height = 2.9 if y is not None else 1.5
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, height), constrained_layout=True)
    ax.pcolormesh(
        edges["x"],
        edges["y"],
        np.ma.masked_invalid(grid),
        cmap=cmap,
        vmin=-0.5,
        vmax=len(REGIMES) - 0.5,
        edgecolors="white",
        linewidth=0.3,
    )
    if len(cells) <= 64:
        _write_modal_shares(ax, cells, edges)
    handles = [
        plt.matplotlib.patches.Patch(color=REGIME_COLOURS[r], label=REGIME_LABELS[r])
        for r in present
    ]
    if boundary is not None:
        ax.contour(*boundary, levels=[0.0], colors="black", linewidths=1.2, linestyles="--")
        handles.append(
            plt.Line2D([], [], color="black", ls="--", lw=1.2, label=r"Richardson $mn = ab$")
        )
    ax.set_xlim(edges["x"][0], edges["x"][-1])
    ax.set_ylim(edges["y"][0], edges["y"][-1])
    ax.set_xlabel(_param_label(x))
    if y is not None:
        ax.set_ylabel(_param_label(y))
    else:
        ax.set_yticks([])
    fig.legend(handles=handles, loc="outside right center", frameon=False, fontsize=6.5)
    return fig


def _write_modal_shares(ax: plt.Axes, cells: pd.DataFrame, edges: Mapping[str, np.ndarray]) -> None:
    """Write each cell's modal share at its centre (white on the dark regime's colour)."""
    for row in cells.itertuples():
        xc = (edges["x"][row.x_cell] + edges["x"][row.x_cell + 1]) / 2
        yc = (edges["y"][row.y_cell] + edges["y"][row.y_cell + 1]) / 2
        ax.text(
            xc,
            yc,
            f"{row.modal_share:.0%}",
            ha="center",
            va="center",
            fontsize=5.5,
            color="black" if row.modal != "rival_exhausted" else "white",
        )


def _param_label(name: str) -> str:
    from sim.core.params import PARAM_FIELDS

    field = PARAM_FIELDS.get(name)
    unit = field.metadata.get("unit") if field is not None else None
    return f"{name} ({unit})" if unit else name


def time_to_target_figure(ttt: pd.DataFrame, arm_labels: Mapping[str, str]) -> plt.Figure:
    """Share of runs that reached 3.5% core / 5% total by each year, and of members at them."""
    apply_style()
    fig, axes = plt.subplots(1, 2, figsize=(FULL_WIDTH_IN, 2.5), constrained_layout=True)
    core, total = TARGETS["3_5pct"], TARGETS["5pct"]
    styles = (
        ("core_3_5", "-", f"{core.label} {core.measure}"),
        ("total_5", "--", f"{total.label} {total.measure}"),
    )
    for i, arm in enumerate(arm_labels):
        f = ttt[ttt["arm"] == arm]
        c = arm_colour(i)
        for key, ls, _ in styles:
            axes[0].step(f["year"], 100 * f[f"runs_{key}"], where="post", color=c, ls=ls, lw=1.2)
            axes[1].fill_between(
                f["year"],
                100 * f[f"members_{key}_q05"],
                100 * f[f"members_{key}_q95"],
                color=c,
                alpha=0.15,
                lw=0,
            )
            axes[1].plot(f["year"], 100 * f[f"members_{key}"], color=c, ls=ls, lw=1.2)
    axes[0].set(
        xlabel="year (end of)", ylabel="runs with the alliance at the line (%)", ylim=(-3, 103)
    )
    axes[1].set(xlabel="year (end of)", ylabel="members at or above the line (%)", ylim=(-3, 103))
    handles = [plt.Line2D([], [], color="0.2", ls=ls, label=label) for _, ls, label in styles]
    handles += [
        plt.Line2D([], [], color=arm_colour(i), label=label)
        for i, label in enumerate(arm_labels.values())
    ]
    handles.append(
        plt.matplotlib.patches.Patch(color="0.5", alpha=0.15, label="members: 5-95% of runs")
    )
    fig.legend(
        handles=handles, loc="outside lower center", ncols=min(len(handles), 4), frameon=False
    )
    return fig


def sensitivity_figure(table: pd.DataFrame, method: str, outcomes: Sequence[str]) -> plt.Figure:
    """Bar charts of the indices per outcome, with bootstrap confidence intervals.

    Sobol': first-order S1 and total ST; Morris: mu* and sigma.
    """
    apply_style()
    ncols = 2
    nrows = -(-len(outcomes) // ncols)
    params = list(dict.fromkeys(table["parameter"]))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(FULL_WIDTH_IN, 0.25 * len(params) * nrows + 0.9 * nrows + 0.4),
        constrained_layout=True,
        squeeze=False,
    )
    if method == "sobol":
        pairs = (("S1", "S1_conf", "first order $S_1$"), ("ST", "ST_conf", "total $S_T$"))
        xlabel = "Sobol' index (share of variance)"
    else:
        pairs = (("mu_star", "mu_star_conf", r"$\mu^*$"), ("sigma", None, r"$\sigma$"))
        xlabel = "elementary effect over the range (outcome units)"
    y = np.arange(len(params))[::-1]
    h = 0.38
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        t = table[table["outcome"] == outcome].set_index("parameter").reindex(params)
        for k, (col, conf, label) in enumerate(pairs):
            err = None if conf is None else t[conf].to_numpy()
            ax.barh(
                y + (0.5 - k) * h,
                t[col].to_numpy(),
                height=h,
                xerr=err,
                color=(OKABE_ITO[5], OKABE_ITO[1])[k],
                label=label,
                error_kw={"elinewidth": 0.7, "capsize": 1.5},
            )
        ax.set_yticks(y, params)
        ax.axvline(0, color="0.3", lw=0.5)
        ax.set_title(_label(outcome))
        ax.set_xlabel(xlabel if method == "sobol" else f"effect on {_label(outcome)}")
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    axes[0, 0].legend(frameon=False, loc="lower right")
    return fig
