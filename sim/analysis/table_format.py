r"""Writing the report's tables: CSV at full precision and a small LaTeX ``tabular`` writer.

This module owns how a tidy table becomes files: :func:`write_table` writes ``<stem>.csv``
(full precision) and ``<stem>.tex``, a booktabs ``tabular`` from :func:`to_latex` (numbers
right-aligned with 0-3 decimals by magnitude, text escaped by :func:`latex_escape`, NaN as
"--"; or a view whose cells and headers are already LaTeX, written as they are), so no templating
dependency is needed. Given a label, the ``tabular`` is wrapped in a ``table`` float with its
``\caption`` and ``\label``, ready for ``\input``. ``sim.analysis.tables`` computes the
tables and re-exports these functions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters in plain text."""
    return "".join(LATEX_SPECIALS.get(ch, ch) for ch in str(text))


YEAR_COLUMNS = ("year", "origin")
"""Columns that hold years (also any ``*_year``): written as plain integers, 2025 not 2{,}025."""


def header(name: str) -> str:
    """A column's LaTeX header: words for snake_case, ``_pct`` as (%), escaped."""
    text = str(name)
    if text.endswith("_pct"):
        text = text[: -len("_pct")] + " (%)"
    return latex_escape(text.replace("_", " "))


def _is_year(name: str) -> bool:
    return name in YEAR_COLUMNS or name.endswith("_year")


def _format_number(x: object, digits: int | None) -> str:
    """A cell: ``digits`` None writes a number as a plain integer (a year)."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "--"
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    if digits is None and isinstance(x, int | np.integer | float | np.floating):
        return str(int(round(float(x))))
    if isinstance(x, int | np.integer):
        return f"{int(x):,}".replace(",", "{,}")
    if isinstance(x, float | np.floating):
        return f"{float(x):,.{digits}f}".replace(",", "{,}")
    return latex_escape(str(x))


def _digits(column: pd.Series) -> int | None:
    """Decimals of a column: none for a year, 2 for a share, else 0-3 by magnitude."""
    name = str(column.name)
    if _is_year(name):
        return None
    if "share" in name or name.endswith("_pct"):
        return 2
    values = pd.to_numeric(column, errors="coerce").abs().dropna()
    top = values.max() if len(values) else 0.0
    return 3 if top < 1 else 2 if top < 10 else 1 if top < 1000 else 0


def to_latex(
    frame: pd.DataFrame,
    caption: str = "",
    *,
    label: str | None = None,
    align: str | None = None,
    escaped: bool = False,
) -> str:
    r"""A booktabs ``tabular`` of a frame (needs the LaTeX package booktabs).

    Numbers are right-aligned: years (``year``, ``origin``, ``*_year``) as plain integers, shares
    (``*share*``, ``*_pct``) with 2 decimals, others with 0-3 decimals chosen per column by its
    magnitude; headers are words (:func:`header`); text is escaped; NaN is "--" (``escaped``:
    cells and headers are LaTeX already and written as they are). Without a label, a caption is
    written as a comment above the table; with one, the ``tabular`` is wrapped in a ``table``
    float with the caption as its ``\caption`` and the label as its ``\label``.

    Args:
        frame: the table.
        caption: what the table shows.
        label: the LaTeX label (``tab:...``), or None for a bare ``tabular``.
        align: the column alignment (``"lrr"``; default: numbers right, text left).
        escaped: the cells and headers are LaTeX already (``sim.analysis.report_latex``).
    """
    if align is None:
        align = "".join(
            "r"
            if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
            else "l"
            for c in frame.columns
        )
    digits = {c: _digits(frame[c]) for c in frame.columns}
    tabular = [
        f"\\begin{{tabular}}{{{align}}}",
        "\\toprule",
        " & ".join(str(c) if escaped else header(c) for c in frame.columns) + r" \\",
        "\\midrule",
    ]
    for row in frame.itertuples(index=False):
        cells = [
            str(v) if escaped else _format_number(v, digits[c])
            for c, v in zip(frame.columns, row, strict=True)
        ]
        tabular.append(" & ".join(cells) + r" \\")
    tabular += ["\\bottomrule", "\\end{tabular}"]
    if label is None:
        return "\n".join(([f"% {caption}"] if caption else []) + tabular + [""])
    head = ["\\begin{table}[htbp]", "\\centering", "\\small"]
    head += [f"\\caption{{{latex_escape(caption)}}}", f"\\label{{{label}}}"]
    return "\n".join([*head, *tabular, "\\end{table}", ""])


def write_table(
    frame: pd.DataFrame,
    stem: Path,
    caption: str = "",
    latex: pd.DataFrame | None = None,
    *,
    label: str | None = None,
    align: str | None = None,
    escaped: bool = False,
    tex: bool = True,
) -> list[Path]:
    """Write a table as ``<stem>.csv`` (full precision) and ``<stem>.tex``.

    Args:
        frame: the table.
        stem: path without suffix.
        caption: what the table shows (a comment in the LaTeX file, or its caption if labelled).
        latex: a shorter view of the table for the LaTeX file (default: the same frame).
        label: the LaTeX label: wrap the tabular in a ``table`` float with caption and label.
        align: the LaTeX column alignment (default: numbers right, text left).
        escaped: ``latex``'s cells and headers are LaTeX already.
        tex: also write the LaTeX file (False: the CSV only).

    Returns:
        The files written.
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    csv, tex_file = stem.with_suffix(".csv"), stem.with_suffix(".tex")
    frame.to_csv(csv, index=False, float_format="%.6g")
    if not tex:
        return [csv]
    view = frame if latex is None else latex
    tex_file.write_text(to_latex(view, caption, label=label, align=align, escaped=escaped))
    return [csv, tex_file]
