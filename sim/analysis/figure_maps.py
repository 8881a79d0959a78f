"""The report's maps and bars: the regime map over two axes and the sensitivity indices.

This module owns the two report figures that are not drawn by level of the ``--by`` axis: the
modal regime over two axes with the Richardson boundary (:func:`regime_map_figure`), and the
Sobol' or Morris indices per outcome (:func:`sensitivity_figure`). Axes and ticks carry the
parameter table's labels (``sim.core.params.param_label``) and the outcomes' labels; the
colours are ``sim.analysis.palette``'s. ``sim.analysis.figures`` draws the other figures and
saves them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.figures import COLUMN_WIDTH_IN, FULL_WIDTH_IN, outcome_label
from sim.analysis.number_format import format_level
from sim.analysis.palette import REGIME_COLOURS, arm_colour
from sim.core.params import param_label
from sim.core.regimes import REGIME_LABELS, REGIMES
from sim.runs.figure import OKABE_ITO, apply_style, plt


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
    ax.set_xlabel(param_label(x, unit=True))
    _text_ticks(ax.set_xticks, cells, "x")
    if y is not None:
        ax.set_ylabel(param_label(y, unit=True))
        _text_ticks(ax.set_yticks, cells, "y")
    else:
        ax.set_yticks([])
    fig.legend(handles=handles, loc="outside right center", frameon=False, fontsize=6.5)
    return fig


def _text_ticks(set_ticks: Any, cells: pd.DataFrame, axis: str) -> None:
    """Label a text axis's cells (0, 1, ...) with its levels ("none" for an empty one)."""
    if pd.api.types.is_numeric_dtype(cells[axis]):
        return
    levels = cells.drop_duplicates(f"{axis}_cell").sort_values(f"{axis}_cell")
    set_ticks(levels[f"{axis}_cell"].to_numpy(), [format_level(v) for v in levels[axis]])


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
                color=(arm_colour(0), OKABE_ITO[1])[k],
                label=label,
                error_kw={"elinewidth": 0.7, "capsize": 1.5},
            )
        ax.set_yticks(y, [param_label(p) for p in params])
        ax.axvline(0, color="0.3", lw=0.5)
        ax.set_title(outcome_label(outcome))
        ax.set_xlabel(xlabel if method == "sobol" else f"effect on {outcome_label(outcome)}")
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    axes[0, 0].legend(frameon=False, loc="lower right")
    return fig
