"""The 2035 headlines with their posterior-predictive intervals.

One command from the project root::

    .venv/bin/python experiments/headlines/run.py [--in-place]

For each scenario the README quotes it runs, through the command line,

    python -m sim run NAME --posterior configs/data/posterior --draws 100 --reps 10 --seed 20250625

(100 draws of the fitted behaviour from the shipped posterior x 10 paired replications; the
same seed for every scenario, so every scenario runs the same draws with the same shocks), and
gathers each run's ``spread.csv`` (``sim.runs.spread``) into ``headlines.csv`` (one row per
scenario and outcome: the median, the 90% interval of every run, of the draws' means, of the
noise alone, and the parameters' share of the variance), ``headlines.md`` (the table the README
quotes) and ``headlines.png``/``.pdf`` (each scenario's 2035 outcomes with both intervals).

It writes into ``results/headlines/`` under the current folder (no tracked file changes), or
with ``--in-place`` into the committed ``output/`` next to this script.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from sim.runs.figure import OKABE_ITO, apply_style, plt

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = HERE / "output"
RESULTS = Path("results") / "headlines"
POSTERIOR = "configs/data/posterior"
DRAWS, REPS, SEED = 100, 10, 20250625
SCENARIOS = {
    "hague": "Hague path (default)",
    "status_quo_2pct": "2% status quo",
    "pledges_kept": "pledges kept",
    "pledges_slip": "pledges slip",
    "debt_shock": "debt shock",
    "us_retrenchment": "US retrenchment",
}
"""The scenarios the README quotes, with their labels."""
OUTCOMES = {
    "final_alliance_core_share_pct": ("alliance core share 2035 (%)", 2),
    "final_members_at_or_above_3_5pct": ("allies at 3.5% core, 2035", 0),
    "final_members_at_or_above_2pct": ("allies at 2% core, 2035", 0),
    "final_air_defence_vs_2025": ("air defence vs 2025 (x)", 2),
    "final_munitions_ratio": ("rival / allies munitions, 2035", 2),
    "cumulative_extra_spending_usd_bn": ("extra spending 2025-35 (US$ bn)", 0),
}
"""The outcomes reported (``spread.csv`` rows), with labels and decimals."""


def run_scenario(name: str, out: Path) -> pd.DataFrame:
    """``python -m sim run NAME --posterior ...`` into ``out/NAME``; its ``spread.csv``."""
    folder = out / name
    args = [
        sys.executable, "-m", "sim", "run", name, "--posterior", POSTERIOR,
        "--draws", str(DRAWS), "--reps", str(REPS), "--seed", str(SEED),
        "--out", str(folder), "--overwrite",
    ]  # fmt: skip
    subprocess.run(args, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return pd.read_csv(folder / "spread.csv").assign(scenario=name)


def markdown(table: pd.DataFrame) -> str:
    """``headlines.md``: per scenario, each outcome's median [90% of runs] (parameters alone)."""
    head = "| scenario | " + " | ".join(label for label, _ in OUTCOMES.values()) + " |"
    lines = [head, "|---|" + "---:|" * len(OUTCOMES)]
    for name, label in SCENARIOS.items():
        rows = table[table["scenario"] == name].set_index("outcome")
        cells = []
        for outcome, (_, d) in OUTCOMES.items():
            r = rows.loc[outcome]
            cells.append(
                f"{r['median']:,.{d}f} [{r['q05']:,.{d}f}, {r['q95']:,.{d}f}]"
                f" ({r['parameter_share']:.0%})"
            )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def figure(table: pd.DataFrame) -> plt.Figure:
    """Each scenario's 2035 core share and allies at 3.5%: median, 90% of runs, parameters."""
    apply_style()
    shown = list(OUTCOMES)[:2]
    fig, axes = plt.subplots(1, 2, figsize=(7.2, 2.8), layout="constrained", sharey=True)
    names = list(SCENARIOS)
    for ax, outcome in zip(axes, shown, strict=True):
        rows = table[table["outcome"] == outcome].set_index("scenario").loc[names]
        y = range(len(names))
        ax.hlines(y, rows["q05"], rows["q95"], color=OKABE_ITO[5], alpha=0.35, lw=6,
                  label="90% of runs (noise and parameters)")  # fmt: skip
        ax.hlines(y, rows["parameter_q05"], rows["parameter_q95"], color=OKABE_ITO[5], lw=2,
                  label="90% of the draws' means (parameters)")  # fmt: skip
        ax.plot(rows["median"], y, "o", color=OKABE_ITO[0], ms=4, label="median")
        ax.set(xlabel=OUTCOMES[outcome][0], yticks=list(y))
        ax.set_yticklabels([SCENARIOS[n] for n in names])
        if outcome == "final_alliance_core_share_pct":
            ax.axvline(3.5, color=OKABE_ITO[6], lw=0.8, ls=":", label="3.5% line")
    axes[0].invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, frameon=False, loc="outside lower center", ncol=4)
    fig.suptitle(
        f"2035 outcomes: {DRAWS} posterior draws x {REPS} paired replications per scenario",
        fontsize=9,
    )
    return fig


def main(argv: list[str] | None = None) -> int:
    """Run every scenario and write the tables and the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-place", action="store_true", help="write the committed output/")
    args = parser.parse_args(argv)
    out = OUT if args.in_place else RESULTS.resolve()
    runs = out / "runs"
    t0 = time.perf_counter()
    table = pd.concat([run_scenario(name, runs) for name in SCENARIOS], ignore_index=True)
    seconds = time.perf_counter() - t0
    out.mkdir(parents=True, exist_ok=True)
    columns = ["scenario", *[c for c in table.columns if c != "scenario"]]
    table[columns].to_csv(out / "headlines.csv", index=False)
    (out / "headlines.md").write_text(markdown(table))
    fig = figure(table)
    for suffix in (".png", ".pdf"):
        fig.savefig(
            out / f"headlines{suffix}",
            metadata={"CreationDate": None} if suffix == ".pdf" else None,
        )
    plt.close(fig)
    timing = {"seconds": round(seconds, 1), "runs": len(SCENARIOS) * DRAWS * REPS}
    (out / "timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    if args.in_place:
        shutil.rmtree(runs)  # the runs' folders (alliance series of 1,000 runs each) are not kept
    print((out / "headlines.md").read_text())
    print(f"wrote {out}/ in {seconds:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
