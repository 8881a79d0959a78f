"""The hindcast's outputs: the scores table, its summary, the skill figure and the LaTeX table.

This module owns :func:`write_outputs`, what ``python -m sim hindcast`` leaves in ``--out``:

- ``scores.parquet`` and ``scores.csv``: every method's scores per origin and forecast year
  (``sim.validation.hindcast.scores.SCORE_COLUMNS``, full precision);
- ``summary.csv``: those pooled over origins per method and horizon
  (``scores.SUMMARY_COLUMNS``);
- ``skill.png`` and ``skill.pdf``: skill against horizon, one colour per method;
- ``scores.tex``: the summary as a booktabs table;
- ``rival_scores.csv`` and ``rival_summary.csv`` (when given): the rival's spending and both
  sides' munitions output against their record (``sim.validation.hindcast.rival``), per origin
  and year, and per method and quantity.

What a reader should compare: the model's row (always first, drawn thick and black) against the
baselines at the same horizon. Lower RMSE, MAE and CRPS (pp of GDP) are better; the CRPS rewards a
band that is both narrow and right, so a model that beats persistence on RMSE but not on CRPS
has a band that is too wide or too narrow. Coverage should be near its nominal level (0.5, 0.9):
below it the band is overconfident, above it too cautious. The count error is the error, in
allies, of the count at or above 2% that NATO reports. Persistence is the bar to clear: a method
that does not beat it at horizon 1 adds nothing to "next year looks like this year".

Every file is first built in memory, then written under a hidden temporary name in ``out`` and
moved into place (``os.replace``, ``sim.sweep.files``): a reader never sees half a file, and an
error while building writes nothing.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.table_format import latex_escape
from sim.runs.figure import OKABE_ITO, apply_style, plt
from sim.sweep.files import tmp_name, write_parquet
from sim.validation.hindcast import rival as rival_scores
from sim.validation.hindcast.scores import METHOD_ORDER, summarise

METHOD_LABELS = {
    "model": "Model",
    "persistence": "Persistence",
    "trend": "Linear trend",
    "partial_adjustment": "Partial adjustment",
    "posterior": "Model, posterior predictive",
}
"""How each method is named in the figure and the table."""

METHOD_COLOURS = dict(zip(METHOD_ORDER, OKABE_ITO[:4], strict=True))
"""One Okabe-Ito colour per method, the same in every figure: the model black."""

EXTRA_COLOURS = (OKABE_ITO[5], OKABE_ITO[6], OKABE_ITO[7], OKABE_ITO[4])
"""Colours for methods not in ``METHOD_COLOURS``, in the summary's order."""

PANELS = (
    ("rmse_pp", "RMSE of the median (pp)"),
    ("crps_pp", "CRPS (pp)"),
    ("coverage_90", "90% interval coverage"),
    ("count_mae", "count error at 2% (allies, |median - record|)"),
)
"""The figure's panels: the summary column and its axis label."""

NOMINAL_COVERAGE = 0.9
"""The 90% interval's nominal coverage, drawn on its panel."""

TABLE_COLUMNS = (
    ("horizon", "Horizon", None),
    ("forecasts", "Origins", None),
    ("member_years", "Member-years", None),
    ("rmse_pp", "RMSE (pp)", 3),
    ("mae_pp", "MAE (pp)", 3),
    ("crps_pp", "CRPS (pp)", 3),
    ("coverage_50", "Cov. 50\\%", 2),
    ("coverage_90", "Cov. 90\\%", 2),
    ("count_mae", "Count MAE", 2),
    ("count_bias", "Count bias", 2),
    ("count_coverage_90", "Count cov. 90\\%", 2),
)
"""The LaTeX table's columns after the method: the summary column, its header and decimals
(None: an integer or text, printed as is)."""

FILES = ("scores.parquet", "scores.csv", "summary.csv", "skill.png", "skill.pdf", "scores.tex")
"""The files :func:`write_outputs` writes, in order."""
MEMBER_FILES = ("member_scores.parquet", "member_scores.csv")
"""The member-year scores' files, written when :func:`write_outputs` is given them."""
RIVAL_FILES = ("rival_scores.csv", "rival_summary.csv")
"""The rival's scores and their summary, written when :func:`write_outputs` is given them."""

PNG_DPI = 200


def write_outputs(
    scores: pd.DataFrame,
    out: Path,
    members: pd.DataFrame | None = None,
    rival: pd.DataFrame | None = None,
) -> list[Path]:
    """Write the scores, their summary, the skill figure and the LaTeX table into ``out``.

    Args:
        scores: the rows of ``sim.validation.hindcast.scores.score`` for every method and origin.
        out: the folder (created if missing).
        members: the rows of ``sim.validation.hindcast.scores.member_scores``, if any: written
            as :data:`MEMBER_FILES`.
        rival: the rows of ``sim.validation.hindcast.rival.score``, if any: written with their
            summary as :data:`RIVAL_FILES`.

    Returns:
        The files written (:data:`FILES`, then :data:`MEMBER_FILES` with ``members`` and
        :data:`RIVAL_FILES` with ``rival``, in ``out``).
    """
    out = Path(out)
    summary = summarise(scores)
    figure = _figure(summary)
    texts = {
        "scores.csv": scores.to_csv(index=False, lineterminator="\n").encode(),
        "summary.csv": summary.to_csv(index=False, lineterminator="\n").encode(),
        "skill.png": figure["png"],
        "skill.pdf": figure["pdf"],
        "scores.tex": to_latex(summary).encode(),
    }
    if members is not None:
        texts[MEMBER_FILES[1]] = members.to_csv(index=False, lineterminator="\n").encode()
    if rival is not None:
        for name, frame in zip(RIVAL_FILES, (rival, rival_scores.summarise(rival)), strict=True):
            texts[name] = frame.to_csv(index=False, lineterminator="\n").encode()
    out.mkdir(parents=True, exist_ok=True)
    write_parquet(scores, out / FILES[0])
    if members is not None:
        write_parquet(members, out / MEMBER_FILES[0])
    for name, data in texts.items():
        _write_bytes(data, out / name)
    names = FILES + (MEMBER_FILES if members is not None else ())
    return [out / name for name in names + (RIVAL_FILES if rival is not None else ())]


def method_colour(method: str, order: list[str]) -> str:
    """The colour of ``method``: its own if it has one, else the next spare by ``order``."""
    if method in METHOD_COLOURS:
        return METHOD_COLOURS[method]
    spare = [m for m in order if m not in METHOD_COLOURS]
    return EXTRA_COLOURS[spare.index(method) % len(EXTRA_COLOURS)]


def to_latex(summary: pd.DataFrame) -> str:
    """The summary as a booktabs ``tabular``: one block of rows per method, the model's first.

    Each method's name is on its first row (the model's in bold), with a rule between methods;
    horizons are the rows of a block, ``all`` last (every horizon pooled). Needs the LaTeX
    package booktabs.
    """
    head = ["Method", *(header for _, header, _ in TABLE_COLUMNS)]
    lines = [
        "% Hindcast skill by method and horizon, pooled over origins (sim.validation.hindcast).",
        "\\begin{tabular}{ll" + "r" * (len(TABLE_COLUMNS) - 1) + "}",
        "\\toprule",
        " & ".join(head) + r" \\",
        "\\midrule",
    ]
    methods = list(dict.fromkeys(summary["method"]))
    for k, method in enumerate(methods):
        if k:
            lines.append("\\midrule")
        rows = summary[summary["method"] == method]
        for i, row in enumerate(rows.itertuples(index=False)):
            name = latex_escape(METHOD_LABELS.get(method, method)) if i == 0 else ""
            if name and method == METHOD_ORDER[0]:
                name = f"\\textbf{{{name}}}"  # the model's block, first, in bold
            cells = [_cell(getattr(row, c), d) for c, _, d in TABLE_COLUMNS]
            lines.append(" & ".join([name, *cells]) + r" \\")
    lines += ["\\bottomrule", "\\end{tabular}", ""]
    return "\n".join(lines)


def _cell(value: object, digits: int | None) -> str:
    """A table cell: a number with ``digits`` decimals, an integer or text as is, NaN as --."""
    if isinstance(value, float | np.floating) and np.isnan(value):
        return "--"
    if digits is None:
        return latex_escape(str(value))
    return f"{float(value):.{digits}f}"


def _figure(summary: pd.DataFrame) -> dict[str, bytes]:
    """The skill figure (four panels against horizon) as PNG and PDF bytes."""
    apply_style()
    by_horizon = summary[summary["horizon"] != "all"].copy()
    by_horizon["h"] = by_horizon["horizon"].astype(int)
    methods = list(dict.fromkeys(summary["method"]))
    fig, axes = plt.subplots(2, 2, figsize=(7.2, 5.0), constrained_layout=True)
    for ax, (column, label) in zip(axes.flat, PANELS, strict=True):
        for method in reversed(methods):  # the model drawn last, on top
            rows = by_horizon[by_horizon["method"] == method]
            model = method == METHOD_ORDER[0]
            ax.plot(
                rows["h"],
                rows[column],
                marker="o",
                lw=2.0 if model else 1.2,
                ms=4 if model else 3,
                color=method_colour(method, methods),
                label=METHOD_LABELS.get(method, method),
                zorder=3 if model else 2,
            )
        if column == "coverage_90":
            ax.axhline(NOMINAL_COVERAGE, color="0.4", lw=0.8, ls="--", label="nominal 0.9")
            ax.set_ylim(0, 1.02)
        else:
            ax.set_ylim(bottom=0)
        ax.set_xticks(sorted(by_horizon["h"].unique()))
        ax.set(xlabel="horizon (years after the origin)", ylabel=label)
    handles, labels = axes.flat[2].get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: _legend_rank(labels[i], methods))
    fig.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="outside lower center",
        ncol=len(labels),
        frameon=False,
    )
    fig.suptitle("Hindcast skill against horizon, pooled over origins", fontsize=9)
    data = {}
    for fmt in ("png", "pdf"):
        buffer = io.BytesIO()
        meta = {"CreationDate": None} if fmt == "pdf" else None
        fig.savefig(buffer, format=fmt, dpi=PNG_DPI, metadata=meta)
        data[fmt] = buffer.getvalue()
    plt.close(fig)
    return data


def _legend_rank(label: str, methods: list[str]) -> int:
    """Legend order: the methods in the summary's order (the model first), then the nominal line."""
    names = [METHOD_LABELS.get(m, m) for m in methods]
    return names.index(label) if label in names else len(names)


def _write_bytes(data: bytes, path: Path) -> None:
    """Write ``data`` to ``path`` atomically (a hidden temporary name, then ``os.replace``)."""
    tmp = tmp_name(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
