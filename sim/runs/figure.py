"""Figures of one run: the alliance share against the lines, members over each line, the ratio.

This module owns the run figure and the house style shared by every figure of the project
(:func:`apply_style`): a colour-blind-safe palette (Okabe-Ito), labelled axes with units, and
fonts embedded in PDFs (TrueType, ``pdf.fonttype`` 42).
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

from sim.core.targets import TARGET_LINES  # noqa: E402

OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
LINES = {
    line.name: (line.value, colour)
    for line, colour in zip(TARGET_LINES, OKABE_ITO[5:], strict=True)
}
"""Each target line's value and colour, by name (the lines are declared in ``sim.core.targets``)."""


def apply_style() -> None:
    """Set the project's figure style (journal column width, embedded fonts, palette).

    Also fixes the date matplotlib writes into PDFs (``SOURCE_DATE_EPOCH``, unless the user set
    it), so that the same figure gives the same bytes.
    """
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    if "MPLBACKEND" not in os.environ:  # files only: no window, whatever the display
        matplotlib.use("Agg")
    plt.rcParams.update(
        {
            "pdf.fonttype": 42,
            "ps.fonttype": 42,
            "font.size": 8,
            "axes.titlesize": 9,
            "axes.labelsize": 8,
            "legend.fontsize": 7,
            "xtick.labelsize": 7,
            "ytick.labelsize": 7,
            "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO[1:]),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.dpi": 150,
            "savefig.bbox": "tight",
        }
    )


def _year_axis(frame: pd.DataFrame) -> pd.Series:
    q = frame["quarter"].str.extract(r"(\d{4})Q(\d)").astype(int)
    return q[0] + (q[1] - 1) / 4


def run_figure(alliance: pd.DataFrame, title: str, out_stem: Path) -> list[Path]:
    """Draw the three-panel run figure and save it as PNG and PDF.

    Args:
        alliance: the run's alliance table (``alliance.parquet``).
        title: the figure title (the scenario's name and seed).
        out_stem: path without suffix; ``.png`` and ``.pdf`` are written.

    Returns:
        The files written.
    """
    apply_style()
    t = _year_axis(alliance)
    fig, axes = plt.subplots(1, 3, figsize=(7.2, 3.0), constrained_layout=True)
    ax = axes[0]
    ax.plot(t, alliance["alliance_core_share_pct"], color=OKABE_ITO[0], label="core")
    ax.plot(
        t, alliance["alliance_total_share_pct"], color=OKABE_ITO[2], ls="--", label="core + related"
    )
    for line in TARGET_LINES:
        ax.axhline(
            line.value, color=LINES[line.name][1], lw=0.8, ls=":", label=f"{line.label} line"
        )
    ax.set(xlabel="year", ylabel="alliance share of GDP (%)", title="Alliance defence spending")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2)
    ax = axes[1]
    for line in TARGET_LINES:
        ax.step(
            t,
            alliance[line.count_column],
            where="post",
            color=LINES[line.name][1],
            label=f"{line.measure} >= {line.label}",
        )
    ax.set(xlabel="year", ylabel="members (of 32)", title="Members at or above each line")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=1)
    ax = axes[2]
    ax.plot(t, alliance["munitions_ratio"], color=OKABE_ITO[6], label="rival / alliance")
    ax.set(xlabel="year", ylabel="munitions output ratio", title="Munitions ratio")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=1)
    fig.suptitle(title, fontsize=9)
    return save_png_pdf(fig, out_stem)


def save_png_pdf(fig: plt.Figure, out_stem: Path) -> list[Path]:
    """Save a figure as ``out_stem.png`` and ``out_stem.pdf`` (no date in the PDF) and close it.

    Returns:
        The files written.
    """
    written = []
    for suffix in (".png", ".pdf"):
        path = out_stem.with_suffix(suffix)
        fig.savefig(path, metadata={"CreationDate": None} if suffix == ".pdf" else None)
        written.append(path)
    plt.close(fig)
    return written
