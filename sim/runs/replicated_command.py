"""``sim run CONFIG --reps N [--posterior DIR --draws D]``: a replicated run from the command line.

This module owns the command's checks, its default folder and what it prints: one line per
headline outcome with its median, its 90% interval and the two parts of its spread (noise and
parameters; ``sim.runs.spread``), and the JSON summary's path for machines. The ensemble itself
is ``sim.runs.replicated``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd

from sim.core.config import Scenario
from sim.runs.replicated import check_counts
from sim.runs.run import default_out, overrides_label, resolved_overrides

DEFAULT_REPS_WITH_POSTERIOR = 10
"""Replications per draw when ``--posterior`` is given without ``--reps``."""
HEADLINES = (
    ("final_alliance_core_share_pct", "alliance core share at the end", "%", 2),
    ("final_alliance_total_share_pct", "core + related share at the end", "%", 2),
    ("final_members_at_or_above_3_5pct", "members at or above 3.5% core", "", 1),
    ("final_munitions_ratio", "rival / alliance munitions output", "", 2),
    ("cumulative_extra_spending_usd_bn", "extra spending since the start, USD bn", "", 0),
)
"""The outcomes printed after a replicated run: column, label, unit, decimals."""


def ensemble_out(
    scenario: Scenario, overrides: dict[str, Any], reps: int, draws: int | None
) -> Path:
    """``results/<name>-seed<seed>[-set-<hash>]-reps<N>[-posterior<D>]``."""
    name = default_out(scenario, overrides).name + f"-reps{reps}"
    if draws is not None:
        name += f"-posterior{draws}"
    return default_out(scenario, overrides).parent / name


def headline_lines(spread: pd.DataFrame, with_posterior: bool) -> list[str]:
    """One readable line per headline outcome (see :data:`HEADLINES`)."""
    rows = spread.set_index("outcome")
    lines = []
    for column, label, unit, decimals in HEADLINES:
        r = rows.loc[column]

        def f(v: float, decimals: int = decimals, unit: str = unit) -> str:
            return f"{v:,.{decimals}f}{unit}"

        text = f"{label}: median {f(r['median'])}, 90% of runs {f(r['q05'])} to {f(r['q95'])}"
        if with_posterior:
            text += (
                f" (parameters alone {f(r['parameter_q05'])} to {f(r['parameter_q95'])}; "
                f"{r['parameter_share']:.0%} of the variance from the parameters)"
            )
        lines.append(text)
    return lines


def cli_ensemble(
    args: argparse.Namespace, scenario: Scenario, overrides: dict[str, Any], out: Path | None
) -> int:
    """Run and write the replicated run; print its headlines (stdout) and folder (stderr)."""
    from sim.runs.replicated import run_ensemble

    with_posterior = args.posterior is not None
    reps = args.reps if args.reps is not None else DEFAULT_REPS_WITH_POSTERIOR
    draws = args.draws if with_posterior else 1
    check_counts(reps, draws)
    if out is None:
        out = ensemble_out(scenario, overrides, reps, draws if with_posterior else None)
    resolved = resolved_overrides(scenario, overrides)
    title = f"{scenario.name} (seed {scenario.seed}; {draws} x {reps} runs"
    title += f", posterior {args.posterior})" if with_posterior else ")"
    if resolved:
        title += "\n" + textwrap.fill(f"--set {overrides_label(resolved)}", 110)
    ensemble, summary = run_ensemble(
        scenario,
        out,
        reps,
        posterior=args.posterior,
        draws=draws,
        overwrite=args.overwrite,
        command=shlex.join(["python", "-m", "sim", *sys.argv[1:]]),
        title=title,
        csv=args.csv,
    )
    print(f"{scenario.name}: {len(ensemble.runs)} runs ({draws} draws x {reps} replications)")
    for line in headline_lines(ensemble.spread, with_posterior):
        print("  " + line)
    print(
        f"wrote {out}/ (summary.json, spread.csv, runs.parquet, bands.parquet, ...)",
        file=sys.stderr,
    )
    if summary["status"] != "ok":
        print(f"warning: {summary['status']}", file=sys.stderr)
        return 1
    return 0
