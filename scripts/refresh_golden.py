"""Check or refresh the golden baseline: the default scenario's outputs in tests/golden/.

The baseline is what ``sim run`` computes for the default scenario (``sim.DEFAULT_SCENARIO``
with its seed), run through the library (``sim.runs.run.run_scenario`` without a folder):
``alliance.csv`` and ``members.csv`` written with full precision (``%.17g``, so every float
reads back to the same bits) and ``summary.json``. ``tests/test_golden.py`` recomputes them
and compares them with the baseline exactly, so any change to the model's numbers shows up.

Usage::

    python scripts/refresh_golden.py           # compare; print what changed; exit 1 if anything did
    python scripts/refresh_golden.py --write   # (re)write tests/golden/ after an intended change

Without ``--write`` nothing is written. With it, the files are replaced whole (written to a
temporary file and renamed) and what changed is printed first.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden"
"""The baseline's folder."""

FILES = ("alliance.csv", "members.csv", "summary.json")
"""The baseline's files, in the order they are compared."""

FLOAT_FORMAT = "%.17g"
"""17 significant digits: enough for every float64 to read back to the same bits."""

REFRESH_HINT = "If the change is intended, run `python scripts/refresh_golden.py --write`."


def golden_outputs() -> dict[str, str]:
    """Run the default scenario and return the baseline files' text, by file name."""
    import sim
    from sim.runs.run import run_scenario

    result = run_scenario(sim.load_scenario(sim.DEFAULT_SCENARIO), None)
    return {
        "alliance.csv": _csv(result.alliance),
        "members.csv": _csv(result.members),
        "summary.json": json.dumps(result.summary, indent=2) + "\n",
    }


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def _read_csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _csv_difference(name: str, expected: str, actual: str) -> str:
    old, new = _read_csv(expected), _read_csv(actual)
    if list(old.columns) != list(new.columns):
        lost = [c for c in old.columns if c not in new.columns]
        added = [c for c in new.columns if c not in old.columns]
        return (
            f"{name}: columns changed (missing {lost}, new {added}; baseline order "
            f"{list(old.columns)}, now {list(new.columns)})"
        )
    if len(old) != len(new):
        return f"{name}: {len(new)} rows, the baseline has {len(old)}"
    for column in old.columns:
        differs = old[column] != new[column]
        if differs.any():
            row = int(differs.to_numpy().argmax())
            where = ", ".join(
                f"{key} {old.at[row, key]}" for key in ("quarter", "iso3") if key in old.columns
            )
            return (
                f"{name}: first difference in column '{column}' at {where} (row {row + 1}): "
                f"baseline {old.at[row, column]}, now {new.at[row, column]}"
            )
    return f"{name}: same values, different text (line endings or quoting)"


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def _json_difference(name: str, expected: str, actual: str) -> str:
    old, new = _flatten(json.loads(expected)), _flatten(json.loads(actual))
    for key in [*old, *(k for k in new if k not in old)]:
        if old.get(key, "<missing>") != new.get(key, "<missing>"):
            return (
                f"{name}: first difference at '{key}': baseline {old.get(key, '<missing>')!r}, "
                f"now {new.get(key, '<missing>')!r}"
            )
    return f"{name}: same values, different text (key order or layout)"


def first_difference(name: str, expected: str, actual: str) -> str | None:
    """Where a baseline file and its recomputed text first differ, in words; None if equal.

    Args:
        name: the file's name (``.csv`` files are compared cell by cell, ``.json`` key by key).
        expected: the baseline's text.
        actual: the recomputed text.

    Returns:
        For a table, the first differing column and its quarter (and member), with both values;
        for the summary, the first differing key; None if the texts are identical.
    """
    if expected == actual:
        return None
    if name.endswith(".csv"):
        return _csv_difference(name, expected, actual)
    return _json_difference(name, expected, actual)


def compare(golden: Path, outputs: dict[str, str]) -> list[str]:
    """One line per baseline file that is missing or differs from ``outputs``."""
    problems = []
    for name in FILES:
        path = golden / name
        if not path.exists():
            problems.append(f"{name}: no baseline at {path}")
            continue
        difference = first_difference(name, path.read_text(), outputs[name])
        if difference is not None:
            problems.append(difference)
    return problems


def write(golden: Path, outputs: dict[str, str]) -> None:
    """Write the baseline files, each replaced whole (temporary file, then rename)."""
    golden.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        tmp = golden / f".{name}.tmp"
        tmp.write_text(outputs[name])
        os.replace(tmp, golden / name)


def main(argv: Sequence[str] | None = None) -> int:
    """Compare the default scenario's outputs with the baseline; rewrite it with ``--write``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="(re)write tests/golden/")
    args = parser.parse_args(argv)
    outputs = golden_outputs()
    problems = compare(GOLDEN, outputs)
    for line in problems:
        print(line)
    if args.write:
        write(GOLDEN, outputs)
        print(f"wrote {GOLDEN}/ ({', '.join(FILES)})")
        return 0
    if problems:
        print(REFRESH_HINT)
        return 1
    print(f"{GOLDEN}/ matches the default scenario")
    return 0


if __name__ == "__main__":
    sys.exit(main())
