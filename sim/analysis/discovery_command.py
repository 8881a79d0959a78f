"""``python -m sim discover SWEEP_DIR``: scenario discovery from the command line.

This module owns the command: it reads a sweep's successful runs, checks the outcome and the
condition, runs PRIM (``sim.analysis.discovery``), prints the chosen box's statement and writes
the folder (see ``sim.analysis.discovery`` for its files).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

import pandas as pd

from sim.analysis import discovery
from sim.core.params import PARAM_FIELDS
from sim.runs.figure import OKABE_ITO, apply_style, plt, save_png_pdf
from sim.runs.outputs import MANIFEST, output_folder, output_path
from sim.runs.provenance import git_revision, package_versions

KIND = "discovery"
"""The manifest ``kind`` of a discovery folder."""


def runs_frame(sweep_dir: str | Path) -> pd.DataFrame:
    """The sweep's successful runs: their parameters and their summary, one row each."""
    from sim.sweep.store import load_sweep

    result = load_sweep(sweep_dir)
    ok = result.runs[result.runs["status"] == "ok"]
    return result.summary.merge(ok, on="run_id", how="inner")


def cases_of(frame: pd.DataFrame, outcome: str, below: float | None, above: float | None):
    """The boolean cases and the condition in words.

    Raises:
        DiscoveryError: an outcome that is not a numeric summary column (the closest named), or
            not exactly one of ``--below`` and ``--above``.
    """
    numeric = [c for c in frame.columns if c not in PARAM_FIELDS and c not in ("run_id",)]
    numeric = [c for c in numeric if pd.api.types.is_numeric_dtype(frame[c])]
    if outcome not in numeric:
        close = difflib.get_close_matches(outcome, numeric, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise discovery.DiscoveryError(
            f"--outcome {outcome!r}: expected a numeric column of the sweep's summary ({hint}"
            f"e.g. final_alliance_core_share_pct, final_munitions_ratio)"
        )
    if (below is None) == (above is None):
        raise discovery.DiscoveryError("expected one of --below VALUE and --above VALUE")
    values = frame[outcome].to_numpy(dtype=float)
    if below is not None:
        return values < below, f"{outcome} is below {below:g}"
    return values > above, f"{outcome} is above {above:g}"


def tradeoff_figure(found: discovery.Discovery, condition: str) -> plt.Figure:
    """Coverage against density along the peeling trajectory, the chosen box ringed."""
    apply_style()
    t = found.trajectory
    fig, ax = plt.subplots(figsize=(4.2, 3.2), layout="constrained")
    points = ax.scatter(t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=14)
    s = found.stats
    ax.scatter([s["coverage"]], [s["density"]], s=90, facecolors="none", edgecolors=OKABE_ITO[6])
    ax.annotate(f"box {found.chosen}", (s["coverage"], s["density"]), xytext=(6, -10),
                textcoords="offset points", fontsize=7)  # fmt: skip
    ax.set(xlabel="coverage (share of the cases in the box)",
           ylabel="density (share of the box's runs that are cases)",
           title=f"PRIM peeling trajectory: {condition}")  # fmt: skip
    ax.title.set_fontsize(8)
    fig.colorbar(points, ax=ax, label="parameters restricted")
    return fig


def cli_discover(args: argparse.Namespace) -> int:
    """``python -m sim discover SWEEP_DIR --outcome COLUMN (--below V | --above V) ...``."""
    frame = runs_frame(args.sweep_dir)
    cases, condition = cases_of(frame, args.outcome, args.below, args.above)
    x = discovery.inputs_of(frame, list(PARAM_FIELDS))
    density = discovery.DEFAULT_DENSITY if args.density is None else args.density
    found = discovery.discover(x, cases, density)
    text = discovery.statement(found, condition, x)
    default = Path(args.sweep_dir) / f"discovery-{args.outcome}"
    out = output_path(args.out) if args.out else default
    with output_folder(out, KIND, overwrite=args.overwrite) as folder, folder.write() as tmp:
        found.trajectory.to_csv(tmp / "peeling.csv", index=False)
        found.box.to_csv(tmp / "box.csv", index=False)
        save_png_pdf(tradeoff_figure(found, condition), tmp / "tradeoff")
        stats = {k: float(v) for k, v in found.stats.items()}
        summary = {"statement": text, "condition": condition, "box": found.chosen, **stats,
                   "cases": found.cases, "runs": found.runs, "inputs": list(x.columns)}  # fmt: skip
        (tmp / "discovery.json").write_text(json.dumps(summary, indent=2) + "\n")
        manifest = {
            "kind": KIND,
            "command": "python -m sim " + " ".join(sys.argv[1:]),
            "sweep": str(args.sweep_dir),
            "density": density,
            "versions": package_versions(),
            "git": git_revision(),
        }
        manifest["files"] = sorted([*(p.name for p in tmp.iterdir()), MANIFEST])
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    print(text)
    print(found.box.round(4).to_string(index=False))
    print(f"wrote {out}/", file=sys.stderr)
    return 0


__all__ = ["KIND", "cases_of", "cli_discover", "runs_frame", "tradeoff_figure"]
