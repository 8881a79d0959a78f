"""The report's LaTeX tables: exactly the golden files, well-formed, with labels not raw names.

The tables are those of the small golden sweep (``tests/analysis/conftest.py``); the golden
files are ``tests/analysis/golden/report/*.tex``, written by ``python
scripts/refresh_report_golden.py --write``. No LaTeX compiler is installed here, so besides the
exact comparison the tables are checked structurally (every row has the header's number of
columns, braces and environments balance, no unescaped special character); where ``pdflatex`` is
installed, they are also compiled.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest

from sim.analysis.tables import OUTCOME_LABELS
from sim.core.params import PARAM_FIELDS, param_label

SWEPT = ("hegemon_pressure", "rival_target_ratio", "ceasefire_quarter")
"""The golden sweep's axes (scripts/refresh_report_golden.py)."""


def latex_problems(tex: str) -> list[str]:
    """What is wrong with a table's LaTeX: rows of the wrong width, unbalanced braces, ...."""
    problems = []
    spec = re.search(r"\\begin\{tabular\}\{([lrc]+)\}", tex)
    if spec is None:
        return ["no \\begin{tabular}{...}"]
    ncols = len(spec.group(1))
    body = tex[tex.index("\\toprule") : tex.index("\\bottomrule")]
    for line in body.splitlines()[1:]:
        if line == "\\midrule":
            continue
        cells = len(re.findall(r"(?<!\\)&", line)) + 1
        if cells != ncols or not line.endswith(r" \\"):
            problems.append(f"{cells} cells, not {ncols} (or no row end): {line}")
    unescaped = re.sub(r"\\[{}%&_$#]", "", tex)
    if unescaped.count("{") != unescaped.count("}"):
        problems.append("unbalanced braces")
    unlabelled = re.sub(r"\\label\{[^}]*\}", "", unescaped)  # a label may hold _
    for ch in "%_#$":  # outside the escapes, these would break the table
        if ch in unlabelled:
            problems.append(f"an unescaped {ch!r}")
    begins, ends = re.findall(r"\\begin\{(\w+)\}", tex), re.findall(r"\\end\{(\w+)\}", tex)
    if begins != ends[::-1]:
        problems.append(f"environments {begins} closed as {ends}")
    return problems


def test_latex_tables_match_the_golden_files(refresh_report, golden_report):
    outputs = refresh_report.tables(golden_report)
    assert set(outputs) == {
        "design_points.tex",
        "outcome_bands.tex",
        "paired_differences.tex",
        "regimes.tex",
        "time_to_target.tex",
    }
    problems = refresh_report.compare(refresh_report.GOLDEN, outputs)
    assert not problems, "\n".join([*problems, refresh_report.REFRESH_HINT])


def test_the_comparison_names_a_changed_line(refresh_report, golden_report):
    """The checker can fail: one changed cell is found and its line shown."""
    outputs = refresh_report.tables(golden_report)
    outputs["regimes.tex"] = outputs["regimes.tex"].replace("rival exhausted", "rival tired", 1)
    (problem,) = refresh_report.compare(refresh_report.GOLDEN, outputs)
    assert problem.startswith("regimes.tex: line ") and "rival tired" in problem


def test_every_row_has_the_header_columns_and_braces_balance(golden_report):
    for _, files, _ in golden_report.tables:
        tex = files[1].read_text()
        assert latex_problems(tex) == [], files[1].name
        # a float with its caption (the sweep, its design, its replications) and a label
        assert tex.startswith("\\begin{table}") and tex.rstrip().endswith("\\end{table}")
        caption = re.search(r"\\caption\{(.*)\}\n", tex).group(1)
        assert "Sweep golden: grid design of 8 points" in caption
        assert "3 replications each" in caption
        assert f"\\label{{tab:golden:{files[1].stem}}}" in tex
    paired = (golden_report.out / "tables" / "paired_differences.tex").read_text()
    assert "reference point 0 (US pressure = 0.2, Rival's target ratio = 3, Ceasefire = none)" in (
        paired
    )


def test_the_checker_finds_a_short_row_and_an_open_brace():
    good = "\\begin{tabular}{lr}\n\\toprule\na & b \\\\\n\\midrule\n1 & 2 \\\\\n\\bottomrule\n"
    good += "\\end{tabular}\n"
    assert latex_problems(good) == []
    assert "1 cells, not 2" in latex_problems(good.replace("1 & 2", "12"))[0]
    assert latex_problems(good.replace("1 & 2", "{1 & 2")) == ["unbalanced braces"]
    assert latex_problems(good.replace("1 & 2", "1_x & 2")) == ["an unescaped '_'"]


def test_tables_show_labels_and_csv_keeps_names(golden_report):
    raw = [*PARAM_FIELDS, *OUTCOME_LABELS]
    for _, (csv, tex), _ in golden_report.tables:
        text = tex.read_text()
        body = text.split("\\label", 1)[1].split("\n", 1)[1]  # the label names the file
        named = [n for n in raw if n in body or n.replace("_", "\\_") in body]
        assert named == [], f"{tex.name} shows raw names {named}"
        columns = pd.read_csv(csv).columns  # the CSV keeps raw names, for machines
        assert all(re.fullmatch(r"[A-Za-z0-9_]+", c) for c in columns), csv.name
    design = (golden_report.out / "tables" / "design_points.tex").read_text()
    for axis in SWEPT:
        assert param_label(axis, unit=True).replace("%", "\\%") in design
    assert "core share 2035 (\\%)" in design and "none" in design  # no ceasefire: "none"


def test_numbers_are_written_in_their_outcomes_format(golden_report):
    design = (golden_report.out / "tables" / "design_points.tex").read_text()
    first = design.split("\\midrule\n")[1].splitlines()[0].split(" & ")
    # point, axes, runs, then core share (2 decimals), members (counts: 1 decimal for a mean
    # of counts), peak ratio (2 decimals), cumulative spending (whole US$ bn, {,} thousands)
    assert re.fullmatch(r"\d\.\d\d \[\d\.\d\d, \d\.\d\d\]", first[5])
    assert re.fullmatch(r"\d+(\.\d)? \[\d+(\.\d)?, \d+(\.\d)?\]", first[6])
    assert re.fullmatch(r"\d+\.\d\d \[\d+\.\d\d, \d+\.\d\d\]", first[7])
    assert re.fullmatch(r"\d\{,\}\d{3} \[\d\{,\}\d{3}, \d\{,\}\d{3}\]", first[8])
    ttt = (golden_report.out / "tables" / "time_to_target.tex").read_text()
    assert "& 2025 &" in ttt and "2{,}025" not in ttt  # years as years
    paired = (golden_report.out / "tables" / "paired_differences.tex").read_text()
    assert "0 [0, 0]" not in paired and " -0 " not in paired and "[-0," not in paired


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex installed here")
def test_tables_compile(golden_report, tmp_path):
    inputs = "\n".join(f"\\input{{{f[1]}}}" for _, f, _ in golden_report.tables)
    doc = tmp_path / "doc.tex"
    doc.write_text(
        "\\documentclass{article}\\usepackage{booktabs}\\begin{document}\n"
        f"{inputs}\n\\end{{document}}\n"
    )
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
