"""``python -m sim report SWEEP_DIR``: the figures and tables of a sweep, ready for a paper.

This module owns putting a report together from a sweep folder (``sim.sweep.store.load_sweep``):

- ``outcomes``: the main outcomes over time, one panel per outcome, one line (median) and band
  (50% of runs; dotted: 5% and 95%) per level of the ``--by`` axis, the other axes held at the
  reference point (``sim.analysis.report_facets``);
- ``paired_differences`` and ``paired_over_time``: each design point against the reference point
  (``--reference``, default the first), replication by replication (with ``seeding = "paired"``
  both runs share a seed, so the difference shows the effect, not the noise);
- ``regime_map``: the modal arms-race regime (``sim.core.regimes``) over two axes, with the
  Richardson stability boundary of the model's linear two-party limit where it applies;
- ``time_to_target``: the share of runs that have reached 3.5% core / 5% total by each quarter
  (a cumulative curve per level of ``--by``, ending at the share that ever did), and of members
  at those lines;
- ``sensitivity`` (Sobol' or Morris sweeps): indices of the main outcomes
  (``sim.analysis.sensitivity``);
- ``README.md``: the sweep, the warnings, and every figure and table with its caption.

Each section is one function of ``sim.analysis.report_sections`` (the README: :func:`readme`);
the inputs they share are gathered by ``sim.analysis.report_inputs``.

``--outcomes`` chooses the outcomes shown (``sim.analysis.report_options``). Every figure is
written as PDF and PNG under ``figures/``, with labels from the parameter table; every table as
CSV (raw names, full precision) and LaTeX (labels, each number in its outcome's format, a
``table`` float with caption and label: ``sim.analysis.report_latex``) under ``tables/``, with
a ``README.md`` listing them with their captions and a ``manifest.json`` of kind ``"report"``.
The report folder is written whole or not at all (``sim.runs.outputs``: built in a hidden sibling,
then renamed into place; an earlier report there is replaced, anything else is refused). The sweep
folder is verified first (``sim.sweep.store.load_sweep``: every file against its recorded sha256,
every table's columns). Bad input is a :class:`~sim.core.errors.UserError` (one message, exit 2);
an incomplete sweep gives a warning and a report of what it holds.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sim.analysis.report_inputs import Report, check_axes, gather_inputs, load
from sim.analysis.report_options import (
    ReportOptions,
    resolve_by,
    resolve_outcomes,
    resolve_reference,
)
from sim.analysis.report_sections import SECTIONS
from sim.analysis.sensitivity import MAIN_OUTCOMES
from sim.core.errors import UserError
from sim.core.metrics import ALLIANCE_COLUMNS
from sim.runs.outputs import output_folder

REPORT_KIND = "report"
"""The ``kind`` of a report folder's manifest (``sim.runs.outputs`` replaces only such a folder)."""


def build_report(
    sweep_dir: str | Path,
    out: str | Path | None = None,
    axes: Sequence[str] | None = None,
    warn: Callable[[str], None] | None = None,
    *,
    by: str | None = None,
    reference: Sequence[str] | None = None,
    outcomes: str | None = None,
) -> Report:
    """Write a sweep's report (figures, tables, README) into ``out``.

    The report is built in a hidden folder next to ``out`` and renamed into place at the end
    (``sim.runs.outputs.output_folder``): an earlier report at ``out`` is replaced, and on any
    error nothing at ``out`` changes.

    Args:
        sweep_dir: the sweep folder.
        out: the report folder (default ``SWEEP_DIR/report``).
        axes: the two swept axes of the regime map (default the first two).
        warn: called with each warning (default: print to stderr).
        by: the axis the figures draw one line per level of (default the first swept axis).
        reference: the reference design point: ``["AXIS=VALUE", ...]`` or ``["INDEX"]``
            (default point 0).
        outcomes: the outcomes shown, comma-separated (default the main ones).

    Returns:
        What was written, with captions and warnings.

    Raises:
        UserError: if the folder is not a sweep or is damaged, holds no successful run, an
            axis of ``axes`` or ``by`` was not swept, ``reference`` or ``outcomes`` names
            something the sweep does not have, or ``out`` is something other than an earlier
            report (a file, a folder of other files) or cannot be written (a full disk).
    """
    warn = warn or (lambda msg: print(f"warning: {msg}", file=sys.stderr))
    result = load(sweep_dir)
    swept = [c for c in result.design.columns if c != "point_id"]
    xy = check_axes(axes, swept)
    options = _options(result, swept, by, reference, outcomes)
    final = Path(out) if out else Path(sweep_dir) / "report"
    _check_out(final)
    with output_folder(final, REPORT_KIND, overwrite=True) as folder, folder.write() as tmp:
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", str(result.manifest.get("name", "sweep")))
        report = Report(tmp, label_prefix=f"tab:{name}")
        try:
            inputs = gather_inputs(report, result, sweep_dir, swept, xy, options, warn)
            for section in SECTIONS:
                section(report, inputs)
        except Exception as err:
            cause = _os_error(err)
            if cause is None:
                raise
            raise cause from None  # the folder's writer reports it in one line
        readme(report, result, sweep_dir)
        _write_manifest(report, result, sweep_dir)
    return _moved(report, final)


def _options(
    result: Any,
    swept: list[str],
    by: str | None,
    reference: Sequence[str] | None,
    outcomes: str | None,
) -> ReportOptions:
    """Check ``--by``, ``--reference`` and ``--outcomes`` against the sweep (UserError if not)."""
    series = [c for c in ALLIANCE_COLUMNS if c in result.alliance.columns]
    if result.alliance.empty:
        series = []
    drawn, tabled = resolve_outcomes(outcomes, result.summary, series, MAIN_OUTCOMES)
    return ReportOptions(
        by=resolve_by(by, swept),
        reference=resolve_reference(reference, result.design, swept),
        series=drawn,
        summaries=tabled,
    )


def _write_manifest(report: Report, result: Any, sweep_dir: str | Path) -> None:
    """Write the report's ``manifest.json`` (kind ``report``), listing every file."""
    entries = sorted(p.name for p in report.out.iterdir())
    manifest = {
        "kind": REPORT_KIND,
        "sweep": str(sweep_dir),
        "sweep_name": result.manifest.get("name"),
        "warnings": report.warnings,
        "files": [*entries, "manifest.json"],
    }
    (report.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def _moved(report: Report, final: Path) -> Report:
    """The report as it is once renamed from its hidden folder to ``final``."""
    moved = Report(
        final,
        warnings=report.warnings,
        notes=report.notes,
        figure_texts=report.figure_texts,
        label_prefix=report.label_prefix,
    )
    for name in ("figures", "tables"):
        entries = [
            (n, [final / f.relative_to(report.out) for f in files], caption)
            for n, files, caption in getattr(report, name)
        ]
        setattr(moved, name, entries)
    return moved


def _check_out(out: Path) -> None:
    """Refuse a report folder that is a file, or a folder holding something other than a report.

    (``sim.runs.outputs`` checks again, with its other rules, holding the folder's lock.)
    """
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise UserError(f"{out}: exists and is not a folder: give --out a folder for the report")
    if out.is_dir() and any(out.iterdir()):
        try:
            kind = json.loads((out / "manifest.json").read_text()).get("kind")
        except (OSError, ValueError, AttributeError):
            kind = None
        if kind != REPORT_KIND:
            raise UserError(
                f"{out}: holds files that are not an earlier report (no report "
                "manifest.json): a report replaces only an earlier report; choose "
                "another --out"
            )


def _os_error(err: BaseException | None) -> OSError | None:
    """The OSError behind an error, if any.

    A full disk can surface as another library's error: matplotlib's PDF writer raises
    ``zlib.error`` while closing a file it failed to write.
    """
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, OSError):
            return err
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return None


def readme(report: Report, result: Any, sweep_dir: str | Path) -> Path:
    """Write ``README.md`` in the report folder: the sweep, the warnings, figures and tables."""
    m = result.manifest
    lines = [
        f"# Report: sweep `{m.get('name', Path(sweep_dir).name)}`",
        "",
        m.get("description", ""),
        "",
        f"- sweep folder: `{sweep_dir}`; design: {m.get('config', {}).get('design', {})}",
        f"- runs: {m.get('runs_done', '?')} done of {m.get('n_runs', '?')} "
        f"({m.get('runs_failed', 0)} failed); complete: {result.complete}",
        f"- git: `{(m.get('git') or {}).get('commit', '?')}`",
        "",
    ]
    if report.warnings:
        lines += ["## Warnings", "", *[f"- {w}" for w in report.warnings], ""]
    if report.notes:
        lines += ["## Notes", "", *[f"- {n}" for n in report.notes], ""]
    lines += ["## Figures", ""]
    for name, files, caption in report.figures:
        png = next(f for f in files if f.suffix == ".png")
        lines += [
            f"### {name}",
            "",
            f"![{name}](figures/{png.name})",
            "",
            caption,
            f"(PDF: `figures/{name}.pdf`)",
            "",
        ]
    lines += ["## Tables", "", "Each as CSV and as a LaTeX tabular (needs `booktabs`).", ""]
    for name, _, caption in report.tables:
        lines.append(f"- `tables/{name}.csv`, `tables/{name}.tex`: {caption}")
    path = report.out / "README.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def cli_report(args: argparse.Namespace) -> int:
    """``python -m sim report SWEEP_DIR [--out DIR] [--axes X Y] [--by AXIS] [--reference ...]``.

    Also ``--outcomes A,B``; the options are checked by :func:`build_report`.
    """
    report = build_report(
        args.sweep_dir,
        args.out,
        getattr(args, "axes", None),
        by=getattr(args, "by", None),
        reference=getattr(args, "reference", None),
        outcomes=getattr(args, "outcomes", None),
    )
    for name, files, _ in report.figures + report.tables:
        print(f"{name}: {', '.join(str(f) for f in files)}")
    print(f"wrote {report.out}/README.md", file=sys.stderr)
    return 0
