"""The figure of a replicated run: the run figure's three panels as bands over the runs.

This module owns ``figure.png``/``.pdf`` of ``sim run --reps N [--posterior DIR]``
(``sim.runs.replicated``): in each panel the median of the runs, the 90% band of every run (noise
and parameters) and, with a posterior, the 90% band of the draws' means (the parameters alone),
read from ``bands.parquet``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.ticker import MaxNLocator

from sim.core.targets import TARGET_LINES
from sim.runs.figure import LINES, OKABE_ITO, apply_style, plt, save_png_pdf

PANELS = (
    ("alliance_core_share_pct", "alliance core share of GDP (%)", "Alliance core spending"),
    ("members_at_or_above_3_5pct", "members (of 32)", "Members at or above 3.5% core"),
    ("munitions_ratio", "munitions output ratio", "Rival / alliance munitions"),
)
"""Each panel's metric (``bands.parquet``), axis label and title."""


def _years(quarters: pd.Series) -> pd.Series:
    q = quarters.str.extract(r"(\d{4})Q(\d)").astype(int)
    return q[0] + (q[1] - 1) / 4


def _panel(ax, bands: pd.DataFrame, panel: tuple[str, str, str], posterior: str | None) -> None:
    """One panel: the bands of one metric, its median and its target lines."""
    metric, ylabel, name = panel
    band = bands[bands["metric"] == metric]
    t = _years(band["quarter"])
    colour = OKABE_ITO[5]
    ax.fill_between(
        t,
        band["q05"],
        band["q95"],
        color=colour,
        alpha=0.18,
        lw=0,
        label="90% of runs" + (" (noise and parameters)" if posterior else ""),
    )
    if posterior:
        ax.fill_between(
            t,
            band["parameter_q05"],
            band["parameter_q95"],
            color=colour,
            alpha=0.35,
            lw=0,
            label="90% of draws' means (parameters)",
        )
    ax.plot(t, band["q50"], color=colour, lw=1.2, label="median")
    for line in TARGET_LINES:
        if line.alliance_column == metric:
            ax.axhline(
                line.value,
                color=LINES[line.name][1],
                lw=0.8,
                ls=":",
                label=f"{line.label} line",
            )
    ax.set(xlabel="year", ylabel=ylabel, title=name)
    ax.set_ylim(bottom=0 if metric != "alliance_core_share_pct" else None)
    ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))


def ensemble_figure(
    bands: pd.DataFrame, title: str, out_stem: Path, posterior: str | None = None
) -> list[Path]:
    """Draw the replicated run's figure and save it as PNG and PDF.

    Args:
        bands: ``bands.parquet`` (``sim.runs.replicated``).
        title: the figure's title.
        out_stem: path without suffix; ``.png`` and ``.pdf`` are written.
        posterior: the posterior folder the draws came from (None: noise alone).

    Returns:
        The files written.
    """
    apply_style()
    fig, axes = plt.subplots(1, 3, figsize=(7.2, 3.2), layout="constrained")
    for ax, panel in zip(axes, PANELS, strict=True):
        _panel(ax, bands, panel, posterior)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, frameon=False, loc="outside lower center", ncol=3)
    fig.suptitle(title, fontsize=9)
    return save_png_pdf(fig, out_stem)
