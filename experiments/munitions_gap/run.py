"""Study: can the alliance close the munitions gap by 2035, and which levers move it?

One command from the project root::

    .venv/bin/python experiments/munitions_gap/run.py [--in-place] [--resume]

It writes into an output folder OUT: by default ``results/munitions_gap/`` under the current
folder, so no tracked file changes; with ``--in-place``, the committed ``output/`` next to this
script (the study's published results, which the README quotes). It runs ``python -m sim sweep
experiments/munitions_gap/munitions_gap.toml`` into ``OUT/sweep/`` (never committed) and
``python -m sim report`` into ``OUT/report/``; the same for the Sobol' design
``munitions_gap_sobol.toml`` (``OUT/sweep_sobol/``, ``OUT/report_sobol/``, with the indices of
the ratio in 2035 in ``sobol_ratio_2035``); then the study's own figures and tables into
``OUT``: the munitions ratio in 2035 against the oil price, with and without sanctions and a
ceasefire, by hegemon pressure (``gap_2035``), and what the alliance pays and what it buys
(``cost``), with the probabilities of halving the gap and of exhausting the rival's budget
(``gap_table``). The ratio is not an input (issue 16): it comes out of the rival's war, stocks,
factories and budget. ``--resume`` keeps a finished or interrupted sweep instead of starting
afresh.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import figures as figs
from sim.analysis import tables as tabs
from sim.analysis.sensitivity import analyse_sweep
from sim.runs.figure import apply_style, plt
from sim.sweep.store import load_sweep

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

CONFIG = HERE / "munitions_gap.toml"
SOBOL = HERE / "munitions_gap_sobol.toml"
OUT = HERE / "output"
"""The committed results (written only with ``--in-place``)."""
RESULTS = Path("results") / "munitions_gap"
"""The default output folder, under the current folder (not tracked)."""
HALVED = 2.0
"""The gap counts as halved when the ratio is at most 2:1 in 2035Q4: half the 4:1 of 2025 and
below the ~2.5:1 of early 2024, before the rival's surge (docs/THEORY.md §4.2)."""
KEYS = (
    "hegemon_pressure",
    "munitions_lead_full_quarters",
    "oil_price_usd_per_bbl",
    "sanctions_revenue_loss",
    "ceasefire_quarter",
)
"""The grid's axes (``munitions_gap.toml``)."""
BASE_LEAD = 13
"""Nameplate lead time of the figures (quarters): Unterlüß's 36-40 months (docs/THEORY.md §4.3);
the other grid points are in the table."""
ARMS = {
    ("", 0.0): "war goes on",
    ("", 0.3): "war, sanctions tightened",
    ("2026Q1", 0.0): "ceasefire 2026",
}
"""(ceasefire_quarter, sanctions_revenue_loss) drawn as lines in the figures."""


def sim_cli(*args: str | Path) -> None:
    """Run ``python -m sim ARGS`` from the project root; stop on failure.

    Paths inside the project root are passed relative to it, others (the default output folder
    when the current folder is elsewhere) as they are.
    """
    args = tuple(
        (str(a.relative_to(ROOT)) if a.is_relative_to(ROOT) else str(a))
        if isinstance(a, Path)
        else a
        for a in args
    )
    subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, check=True)


def per_run(sweep: Path) -> pd.DataFrame:
    """One row per successful run: its axes, outcomes and the study's gap criteria."""
    result = load_sweep(sweep)
    frame = result.summary.merge(result.runs[result.runs["status"] == "ok"], on="run_id")
    frame["halved"] = frame["final_munitions_ratio"] <= HALVED
    frame["parity"] = frame["final_munitions_ratio"] <= 1.0
    frame["rival_exhausted"] = frame["regime"] == "rival_exhausted"
    frame["extra_trn"] = frame["cumulative_extra_spending_usd_bn"] / 1000
    frame["ceasefire_quarter"] = frame["ceasefire_quarter"].fillna("")
    return frame


def gap_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per design point: P(gap halved), P(parity), P(rival short), ratio and cost."""
    g = frame.groupby(list(KEYS))
    return pd.DataFrame(
        {
            "runs": g.size(),
            "p_gap_halved": g["halved"].mean(),
            "p_parity": g["parity"].mean(),
            "p_rival_exhausted": g["rival_exhausted"].mean(),
            "ratio_2035_median": g["final_munitions_ratio"].median(),
            "ratio_2035_q05": g["final_munitions_ratio"].quantile(0.05),
            "ratio_2035_q95": g["final_munitions_ratio"].quantile(0.95),
            "core_share_2035_mean": g["final_alliance_core_share_pct"].mean(),
            "extra_spending_trn_mean": g["extra_trn"].mean(),
            "extra_spending_trn_q05": g["extra_trn"].quantile(0.05),
            "extra_spending_trn_q95": g["extra_trn"].quantile(0.95),
        }
    ).reset_index()


def _arm(table: pd.DataFrame, ceasefire: str, sanctions: float) -> pd.DataFrame:
    """The baseline-lead rows of one (ceasefire, sanctions) arm."""
    return table[
        (table["munitions_lead_full_quarters"] == BASE_LEAD)
        & (table["ceasefire_quarter"] == ceasefire)
        & (table["sanctions_revenue_loss"] == sanctions)
    ]


def gap_figure(table: pd.DataFrame) -> plt.Figure:
    """The ratio in 2035 against the oil price, per lever arm, at three hegemon pressures."""
    apply_style()
    pressures = sorted(table["hegemon_pressure"].unique())
    fig, axes = plt.subplots(
        1, len(pressures), figsize=(figs.FULL_WIDTH_IN, 2.5), sharey=True, constrained_layout=True
    )
    for ax, hp in zip(axes, pressures, strict=True):
        for i, ((ceasefire, sanctions), label) in enumerate(ARMS.items()):
            t = _arm(table, ceasefire, sanctions)
            t = t[t["hegemon_pressure"] == hp].sort_values("oil_price_usd_per_bbl")
            c = figs.arm_colour(i)
            x = t["oil_price_usd_per_bbl"]
            ax.fill_between(x, t["ratio_2035_q05"], t["ratio_2035_q95"], color=c, alpha=0.2, lw=0)
            ax.plot(x, t["ratio_2035_median"], color=c, marker="o", ms=2.5, lw=1.1, label=label)
        ax.axhline(HALVED, color="black", ls=":", lw=0.9, label="gap halved (2:1)")
        ax.axhline(4.0, color="0.6", ls="-.", lw=0.7, label="the reported 4:1")
        ax.set(title=f"hegemon pressure {hp:g}", xlabel="oil price (US$/bbl)", ylim=(0, None))
    axes[0].set_ylabel("munitions ratio in 2035Q4 (rival/alliance)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False)
    return fig


def cost_figure(table: pd.DataFrame) -> plt.Figure:
    """What it costs: extra spending by hegemon pressure, and the ratio it buys."""
    apply_style()
    base = _arm(table, "", 0.0)
    fig, axes = plt.subplots(1, 2, figsize=(figs.FULL_WIDTH_IN, 2.6), constrained_layout=True)
    prices = sorted(base["oil_price_usd_per_bbl"].unique())
    for i, price in enumerate(prices):
        t = base[base["oil_price_usd_per_bbl"] == price].sort_values("hegemon_pressure")
        c = figs.arm_colour(i)
        lo, hi = t["extra_spending_trn_q05"], t["extra_spending_trn_q95"]
        axes[0].fill_between(t["hegemon_pressure"], lo, hi, color=c, alpha=0.2, lw=0)
        axes[0].plot(
            t["hegemon_pressure"],
            t["extra_spending_trn_mean"],
            color=c,
            marker="o",
            ms=2.5,
            lw=1.1,
            label=f"oil at ${price:g}",
        )
        axes[1].plot(
            t["extra_spending_trn_mean"], t["ratio_2035_median"], color=c, marker="o", ms=2.5
        )
    axes[0].set(xlabel="hegemon pressure (0-1)", ylabel="extra spending 2025-2035 (US$ trn)")
    axes[1].axhline(HALVED, color="black", ls=":", lw=0.9)
    axes[1].set(
        xlabel="extra spending 2025-2035 (US$ trn)",
        ylabel="munitions ratio in 2035Q4 (rival/alliance)",
        ylim=(0, None),
    )
    axes[1].annotate(
        "gap halved (2:1)",
        (0.02, HALVED),
        xycoords=("axes fraction", "data"),
        va="bottom",
        fontsize=6.5,
    )
    fig.legend(
        *axes[0].get_legend_handles_labels(),
        loc="outside lower center",
        ncols=len(prices),
        frameon=False,
        title="the war goes on, no new sanctions, baseline lead times; along each line, "
        "pressure rises 0.1 to 0.9",
        title_fontsize=7,
    )
    return fig


def main() -> int:
    """Run the study end to end and print its headline numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resume", action="store_true", help="keep an existing sweep folder")
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="write the committed output/ (the published results) instead of "
        "results/munitions_gap/",
    )
    args = parser.parse_args()
    out = OUT if args.in_place else Path.cwd() / RESULTS
    out.mkdir(parents=True, exist_ok=True)
    sweep = out / "sweep"
    if sweep.exists() and not args.resume:
        shutil.rmtree(sweep)
    t0 = time.perf_counter()
    sim_cli("sweep", CONFIG, "--out", sweep, "--quiet")
    t_sweep = time.perf_counter() - t0
    sim_cli("report", sweep, "--out", out / "report")
    sobol = out / "sweep_sobol"
    if sobol.exists() and not args.resume:
        shutil.rmtree(sobol)
    sim_cli("sweep", SOBOL, "--out", sobol, "--quiet")
    sim_cli("report", sobol, "--out", out / "report_sobol")
    ratio = analyse_sweep(load_sweep(sobol), outcomes=("final_munitions_ratio",)).table
    tabs.write_table(
        ratio, out / "sobol_ratio_2035", "Sobol' indices of the munitions ratio in 2035Q4"
    )
    frame = per_run(sweep)
    table = gap_table(frame)
    tabs.write_table(
        table, out / "gap_table", "Munitions gap by design point", latex=_latex_view(table)
    )
    figs.save(gap_figure(table), out / "gap_2035")
    figs.save(cost_figure(table), out / "cost")
    seconds = time.perf_counter() - t0
    timing = {
        "grid_sweep_seconds": round(t_sweep, 1),
        "total_seconds": round(seconds, 1),
        "grid_runs": int(len(frame)),
        "grid_points": int(table.shape[0]),
        "sobol_runs": int(len(load_sweep(sobol).runs)),
    }
    (out / "timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    numbers = headline(frame, table)
    numbers["sobol_ratio_2035"] = {
        r.parameter: {"S1": round(r.S1, 3), "ST": round(r.ST, 3)} for r in ratio.itertuples()
    }
    (out / "headline.json").write_text(json.dumps(numbers, indent=2) + "\n")
    print(json.dumps({**timing, **numbers}, indent=2))
    print(f"wrote {out}/", file=sys.stderr)
    return 0


def _latex_view(table: pd.DataFrame) -> pd.DataFrame:
    """The baseline-lead rows, fewer columns: what fits a page."""
    t = table[table["munitions_lead_full_quarters"] == BASE_LEAD]
    return pd.DataFrame(
        {
            "pressure": t["hegemon_pressure"],
            "oil": t["oil_price_usd_per_bbl"],
            "sanctions": t["sanctions_revenue_loss"],
            "ceasefire": t["ceasefire_quarter"].replace("", "-"),
            "P(<=2:1)": t["p_gap_halved"],
            "P(exhausted)": t["p_rival_exhausted"],
            "ratio 2035": [
                f"{m:.2f} [{lo:.2f}, {hi:.2f}]"
                for m, lo, hi in zip(
                    t["ratio_2035_median"], t["ratio_2035_q05"], t["ratio_2035_q95"], strict=True
                )
            ],
            "core 2035 (%)": t["core_share_2035_mean"],
            "extra (US$ trn)": t["extra_spending_trn_mean"],
        }
    )


def headline(frame: pd.DataFrame, table: pd.DataFrame) -> dict:
    """The numbers the README quotes."""
    war = frame[frame["ceasefire_quarter"] == ""]
    indexed = table.set_index(list(KEYS))
    by = indexed["ratio_2035_median"]

    def band(key: tuple) -> list[float]:
        """The 90% interval of a point's runs (posterior draws x paired replications)."""
        return [round(float(indexed.loc[key, f"ratio_2035_{q}"]), 2) for q in ("q05", "q95")]

    arms = {
        "war, oil 63": (0.5, BASE_LEAD, 63.0, 0.0, ""),
        "war, oil 35": (0.5, BASE_LEAD, 35.0, 0.0, ""),
        "war, oil 90": (0.5, BASE_LEAD, 90.0, 0.0, ""),
        "war, sanctions 0.3": (0.5, BASE_LEAD, 63.0, 0.3, ""),
        "ceasefire 2026": (0.5, BASE_LEAD, 63.0, 0.0, "2026Q1"),
    }
    return {
        "ratio_2035_hp05_lead13_90pct": {label: band(key) for label, key in arms.items()},
        "p_halved_war_goes_on": round(float(war["halved"].mean()), 4),
        "p_halved_ceasefire": round(
            float(frame.loc[~frame.index.isin(war.index), "halved"].mean()), 4
        ),
        "p_rival_exhausted_by_oil_war": {
            f"{price:g}": round(float(v), 3)
            for price, v in war.groupby("oil_price_usd_per_bbl")["rival_exhausted"].mean().items()
        },
        "ratio_2035_hp05_lead13": {
            "war, oil 63": round(float(by[(0.5, BASE_LEAD, 63.0, 0.0, "")]), 2),
            "war, oil 35": round(float(by[(0.5, BASE_LEAD, 35.0, 0.0, "")]), 2),
            "war, oil 90": round(float(by[(0.5, BASE_LEAD, 90.0, 0.0, "")]), 2),
            "war, sanctions 0.3": round(float(by[(0.5, BASE_LEAD, 63.0, 0.3, "")]), 2),
            "ceasefire 2026": round(float(by[(0.5, BASE_LEAD, 63.0, 0.0, "2026Q1")]), 2),
        },
        "ratio_2035_by_lead_hp05_oil63_war": {
            f"{lead}": round(float(by[(0.5, lead, 63.0, 0.0, "")]), 2)
            for lead in sorted(table["munitions_lead_full_quarters"].unique())
        },
        "extra_trn_by_pressure_war_oil63": {
            f"{hp:g}": round(float(v), 2)
            for hp, v in war[
                (war["oil_price_usd_per_bbl"] == 63.0) & (war["sanctions_revenue_loss"] == 0.0)
            ]
            .groupby("hegemon_pressure")["extra_trn"]
            .mean()
            .items()
        },
        "core_2035_by_pressure": {
            f"{hp:g}": round(float(v), 2)
            for hp, v in frame.groupby("hegemon_pressure")["final_alliance_core_share_pct"]
            .mean()
            .items()
        },
        "ratio_2035_range": [
            round(float(np.min(frame["final_munitions_ratio"])), 2),
            round(float(np.max(frame["final_munitions_ratio"])), 2),
        ],
    }


if __name__ == "__main__":
    sys.exit(main())
