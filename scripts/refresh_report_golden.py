"""Check or refresh the golden LaTeX tables of a small report, in tests/analysis/golden/report/.

The baseline is the ``.tex`` tables ``sim report`` writes for a small deterministic sweep
(:data:`SWEEP_TOML`: the Hague scenario, US pressure x the rival's target ratio x a ceasefire on a
2 x 2 x 2 grid, 3 paired replications, root seed 7), built in a temporary folder.
``tests/analysis/test_report_golden.py`` rebuilds them and compares them with the baseline
exactly, so any change to how a report's tables look (labels, number formats, captions) or to
the numbers behind them shows up.

Usage::

    python scripts/refresh_report_golden.py          # compare; print what changed; exit 1 if so
    python scripts/refresh_report_golden.py --write  # rewrite the baseline after a wanted change

Without ``--write`` nothing is written.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "analysis" / "golden" / "report"
"""The baseline's folder."""

REFRESH_HINT = "If the change is intended, run `python scripts/refresh_report_golden.py --write`."

SWEEP_TOML = """name = "golden"
description = "A small sweep for the golden report tables"
scenario = "{scenario}"
replications = 3
root_seed = 7
seeding = "paired"
chunk_size = 12

[design]
method = "grid"

[axes]
hegemon_pressure = [0.2, 0.8]
rival_target_ratio = [3.0, 10.0]
ceasefire_quarter = ["", "2026Q1"]
"""
"""The sweep (``{scenario}``: configs/hague.toml)."""


def build_sweep(folder: Path) -> Path:
    """Run the small sweep into ``folder/golden`` (one process) and return that folder."""
    from sim.core.data import ROOT
    from sim.sweep.config import load_sweep_config
    from sim.sweep.runner import run_sweep

    config = folder / "golden.toml"
    config.write_text(SWEEP_TOML.format(scenario=(ROOT / "configs" / "hague.toml").as_posix()))
    out = folder / "golden"
    run_sweep(load_sweep_config(config), out, workers=1, quiet=True)
    return out


def build_report(sweep: Path, **options: Any) -> Any:
    """The sweep's report in ``sweep/report`` (``sim.analysis.report.build_report``)."""
    from sim.analysis.report import build_report as build

    return build(sweep, warn=lambda msg: None, **options)


def tables(report: Any) -> dict[str, str]:
    """The report's LaTeX tables' text, by file name."""
    return {
        f.name: f.read_text() for _, files, _ in report.tables for f in files if f.suffix == ".tex"
    }


def golden_outputs() -> dict[str, str]:
    """Build the small sweep and its report in a temporary folder; its tables' text by name."""
    with tempfile.TemporaryDirectory() as tmp:
        return tables(build_report(build_sweep(Path(tmp))))


def compare(golden: Path, outputs: dict[str, str]) -> list[str]:
    """One line per table that is missing, new, or differs (its first differing line)."""
    problems = []
    names = sorted(set(outputs) | {p.name for p in golden.glob("*.tex")})
    for name in names:
        path = golden / name
        if not path.exists():
            problems.append(f"{name}: no baseline at {path}")
        elif name not in outputs:
            problems.append(f"{name}: in the baseline, no longer written")
        elif path.read_text() != outputs[name]:
            old, new = path.read_text().splitlines(), outputs[name].splitlines()
            k = next(
                (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
                min(len(old), len(new)),
            )
            was = old[k] if k < len(old) else "<end>"
            now = new[k] if k < len(new) else "<end>"
            problems.append(f"{name}: line {k + 1} differs:\n  baseline: {was}\n  now:      {now}")
    return problems


def write(golden: Path, outputs: dict[str, str]) -> None:
    """Write the baseline, each file replaced whole; tables no longer written are removed."""
    golden.mkdir(parents=True, exist_ok=True)
    for stale in golden.glob("*.tex"):
        if stale.name not in outputs:
            stale.unlink()
    for name, text in outputs.items():
        tmp = golden / f".{name}.tmp"
        tmp.write_text(text)
        os.replace(tmp, golden / name)


def main(argv: Sequence[str] | None = None) -> int:
    """Compare the small report's tables with the baseline; rewrite it with ``--write``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="(re)write the baseline")
    args = parser.parse_args(argv)
    outputs = golden_outputs()
    problems = compare(GOLDEN, outputs)
    for line in problems:
        print(line)
    if args.write:
        write(GOLDEN, outputs)
        print(f"wrote {GOLDEN}/ ({', '.join(sorted(outputs))})")
        return 0
    if problems:
        print(REFRESH_HINT)
        return 1
    print(f"{GOLDEN}/ matches the report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
