"""Writing the report's tables: CSV at full precision and a small LaTeX ``tabular`` writer.

This module owns how a tidy table becomes files: :func:`write_table` writes ``<stem>.csv``
(full precision) and ``<stem>.tex``, a booktabs ``tabular`` from :func:`to_latex` (numbers
right-aligned with 0-3 decimals by magnitude, text escaped by :func:`latex_escape`, NaN as
"--"), so no templating dependency is needed. ``sim.analysis.tables`` computes the tables and
re-exports these functions.
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


def to_latex(frame: pd.DataFrame, caption: str = "") -> str:
    """A booktabs ``tabular`` of a frame (needs the LaTeX package booktabs).

    Numbers are right-aligned: years (``year``, ``origin``, ``*_year``) as plain integers, shares
    (``*share*``, ``*_pct``) with 2 decimals, others with 0-3 decimals chosen per column by its
    magnitude; headers are words (:func:`header`); text is escaped; NaN is "--". A caption, if
    given, is written as a comment above the table.
    """
    align = "".join(
        "r"
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        else "l"
        for c in frame.columns
    )
    digits = {c: _digits(frame[c]) for c in frame.columns}
    lines = [f"% {caption}"] if caption else []
    lines += [
        f"\\begin{{tabular}}{{{align}}}",
        "\\toprule",
        " & ".join(header(c) for c in frame.columns) + r" \\",
        "\\midrule",
    ]
    for row in frame.itertuples(index=False):
        cells = [_format_number(v, digits[c]) for c, v in zip(frame.columns, row, strict=True)]
        lines.append(" & ".join(cells) + r" \\")
    lines += ["\\bottomrule", "\\end{tabular}", ""]
    return "\n".join(lines)


def write_table(
    frame: pd.DataFrame, stem: Path, caption: str = "", latex: pd.DataFrame | None = None
) -> list[Path]:
    """Write a table as ``<stem>.csv`` (full precision) and ``<stem>.tex``.

    Args:
        frame: the table.
        stem: path without suffix.
        caption: one line describing the table (a comment in the LaTeX file).
        latex: a shorter view of the table for the LaTeX file (default: the same frame).

    Returns:
        The files written.
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    csv, tex = stem.with_suffix(".csv"), stem.with_suffix(".tex")
    frame.to_csv(csv, index=False, float_format="%.6g")
    tex.write_text(to_latex(frame if latex is None else latex, caption))
    return [csv, tex]
