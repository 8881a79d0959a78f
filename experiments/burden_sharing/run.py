"""Study: who carries the burden under the 5% target?

One command from the project root::

    .venv/bin/python experiments/burden_sharing/run.py [--in-place] [--resume]

It writes into an output folder OUT: by default ``results/burden_sharing/`` under the current
folder, so no tracked file changes; with ``--in-place``, the committed ``output/`` next to this
script (the study's published results, which the README quotes).

It runs two sweeps with the same root seed and paired seeding (replication r has the same seed
in both arms, so member-level differences show the target's effect, not noise):
``status_quo_2pct.toml`` (the 2% guideline) and ``hague.toml`` (3.5% core + 1.5% related by
2035), keeping the member series (``OUT/sweep_<arm>/``, never committed); ``python -m sim
report`` for each (``OUT/report_<arm>/``); then the study's own figures and tables in ``OUT``:
member by member, the core share in 2035, the extra spending and each member's part of the
Hague path's additional spending against its part of the alliance's GDP (``members``), and the
exploitation hypothesis (Olson-Zeckhauser: large allies carry a disproportionate burden) as the
Spearman correlation of GDP and core share over time (``exploitation``). ``--resume`` keeps
finished sweeps.
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
from scipy import stats

from sim.analysis import figures as figs
from sim.analysis import tables as tabs
from sim.core.dynamics import DT
from sim.core.ensemble import members_for
from sim.runs import spread
from sim.runs.figure import LINES, apply_style, plt
from sim.sweep.store import load_sweep

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

OUT = HERE / "output"
"""The committed results (written only with ``--in-place``)."""
RESULTS = Path("results") / "burden_sharing"
"""The default output folder, under the current folder (not tracked)."""
ARMS = {"status_quo_2pct": "2% guideline", "hague": "Hague path (3.5% + 1.5%)"}


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


def member_outcomes(result) -> pd.DataFrame:
    """Per run and member: core and total share in the last quarter, GDP at the start, and the
    cumulative extra spending (core + related above the start, US$ bn, as in sim.core.dynamics)."""
    m = result.members.merge(result.runs[["run_id", "replication", "seed"]], on="run_id")
    m = m.sort_values(["run_id", "iso3", "quarter"], kind="stable")
    g = m.groupby(["run_id", "iso3"], sort=False)
    start = g[["core_share_pct", "related_share_pct", "gdp_usd_bn"]].transform("first")
    share = m["core_share_pct"] + m["related_share_pct"]
    share0 = start["core_share_pct"] + start["related_share_pct"]
    after_start = g.cumcount() > 0
    extra = (share - share0) / 100 * m["gdp_usd_bn"] * DT
    m = m.assign(
        extra=extra.where(after_start, 0.0),
        gross=((share + share0) / 100 * m["gdp_usd_bn"] * DT).where(after_start, 0.0),
        gdp0=start["gdp_usd_bn"],
        gdp_quarter=m["gdp_usd_bn"] * DT,
    )
    g = m.groupby(["run_id", "iso3"], sort=False)
    out = g.agg(
        replication=("replication", "first"),
        seed=("seed", "first"),
        core_2035=("core_share_pct", "last"),
        related_2035=("related_share_pct", "last"),
        gdp0=("gdp0", "first"),
        extra_usd_bn=("extra", "sum"),
        gdp_cum=("gdp_quarter", "sum"),
    ).reset_index()
    out["extra_pp_gdp"] = 100 * out["extra_usd_bn"] / out["gdp_cum"]
    _check_adds_up(result, out, m.groupby("run_id")["gross"].sum())
    return out


FLOAT32_ROUNDING = 2.0**-24
"""The largest relative rounding of a value in a sweep's float32 series (docs/SWEEPS.md)."""


def _check_adds_up(result, out: pd.DataFrame, gross: pd.Series) -> None:
    """Check that the members' extra spending adds up to the alliance's, run by run.

    The members' sum is computed from the sweep's float32 series, the alliance's total by the
    model in float64 (then rounded once). Each quarter's term is a difference of two rounded
    shares times a rounded GDP, so it is off by at most 2 x 2^-24 of the spending at both shares
    (``gross``: the sum of (share + share at the start) x GDP over the quarters): the bound is
    set on that, not on the net total, which is near zero when some members spend less than in
    2024 and others more (the 2% arm: -15 to +45 bn in some runs, on about 32,000 bn of gross
    spending). Measured: at most 5% of the bound (2.0e-4 bn; the bound is about 4e-3 bn, far
    below a missing member, quarter or related spending).
    """
    alliance = result.alliance.sort_values(["run_id", "quarter"]).groupby("run_id").tail(1)
    expected = alliance.set_index("run_id")["cumulative_extra_spending_usd_bn"].sort_index()
    total = out.groupby("run_id")["extra_usd_bn"].sum().sort_index()
    bound = FLOAT32_ROUNDING * (2 * gross.sort_index() + expected.abs())
    off = (total - expected).abs()
    if (off > bound).any():
        worst = (off / bound).idxmax()
        raise AssertionError(
            f"members' extra spending does not add up to the alliance's in run {worst}: "
            f"{total[worst]:.6f} against {expected[worst]:.6f} bn (bound {bound[worst]:.2e})"
        )


def member_table(arms: dict[str, pd.DataFrame], names: dict[str, str]) -> pd.DataFrame:
    """Member by member: both arms' outcomes, the paired difference, and the burden share."""
    sq, hg = arms["status_quo_2pct"], arms["hague"]
    pair = hg.merge(sq, on=["replication", "iso3"], suffixes=("_hague", "_2pct"))
    assert (pair["seed_hague"] == pair["seed_2pct"]).all(), "arms are not paired by seed"
    pair["diff"] = pair["extra_usd_bn_hague"] - pair["extra_usd_bn_2pct"]
    pair["diff_share"] = pair["diff"] / pair.groupby("replication")["diff"].transform("sum")
    rows = []
    gdp_total = hg.groupby("run_id")["gdp0"].sum().iloc[0]
    for iso3, p in pair.groupby("iso3"):
        mean, _, half = tabs.t_interval(p["diff"].to_numpy())
        row = {
            "iso3": iso3,
            "name": names[iso3],
            "gdp_2024_usd_bn": p["gdp0_hague"].iloc[0],
            "gdp_share_pct": 100 * p["gdp0_hague"].iloc[0] / gdp_total,
        }
        for arm, col in (("2pct", "core_2035_2pct"), ("hague", "core_2035_hague")):
            row.update(
                {
                    f"core_2035_{arm}_median": p[col].median(),
                    f"core_2035_{arm}_q05": p[col].quantile(0.05),
                    f"core_2035_{arm}_q95": p[col].quantile(0.95),
                }
            )
        for arm in ("2pct", "hague"):
            row[f"extra_pp_gdp_{arm}_mean"] = p[f"extra_pp_gdp_{arm}"].mean()
        row.update(
            {
                "extra_diff_usd_bn_mean": mean,
                "extra_diff_ci_low": mean - half,
                "extra_diff_ci_high": mean + half,
                "share_of_additional_spending_pct": 100 * p["diff_share"].mean(),
            }
        )
        row["burden_ratio"] = row["share_of_additional_spending_pct"] / row["gdp_share_pct"]
        rows.append(row)
    return pd.DataFrame(rows).sort_values("gdp_2024_usd_bn", ascending=False, ignore_index=True)


def members_figure(table: pd.DataFrame) -> plt.Figure:
    """Three panels, members by GDP (largest on top): core share 2035, extra spending, burden."""
    apply_style()
    fig, axes = plt.subplots(
        1, 3, figsize=(figs.FULL_WIDTH_IN, 5.6), sharey=True, constrained_layout=True
    )
    y = np.arange(len(table))[::-1]
    for i, (arm, label) in enumerate((("2pct", ARMS["status_quo_2pct"]), ("hague", ARMS["hague"]))):
        c, dy = figs.arm_colour(i), (0.18 if i == 0 else -0.18)
        med = table[f"core_2035_{arm}_median"]
        axes[0].errorbar(
            med,
            y + dy,
            xerr=[med - table[f"core_2035_{arm}_q05"], table[f"core_2035_{arm}_q95"] - med],
            fmt="o",
            ms=2.5,
            color=c,
            elinewidth=0.8,
            label=label,
        )
        axes[1].barh(y + dy, table[f"extra_pp_gdp_{arm}_mean"], height=0.36, color=c, label=label)
    for key in ("2pct", "3_5pct"):
        line, colour = LINES[key]
        axes[0].axvline(line, color=colour, ls=":", lw=0.8)
    axes[0].set(xlabel="core share of GDP in 2035Q4 (%)\nmedian, 5-95% of runs")
    axes[1].axvline(0, color="0.3", lw=0.5)
    axes[1].set(xlabel="extra spending 2025-2035\n(pp of GDP a year, mean)")
    axes[2].barh(y, table["burden_ratio"], height=0.6, color=figs.arm_colour(1))
    axes[2].axvline(1.0, color="black", lw=0.8, ls="--")
    axes[2].set(
        xlabel="burden ratio: share of the Hague path's\nadditional spending / share of GDP"
    )
    axes[0].set_yticks(y, table["name"])
    axes[0].set_ylim(-0.8, len(table) - 0.2)
    fig.legend(
        *axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2, frameon=False
    )
    return fig


def exploitation(results: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The GDP-share rank correlation over time: bands per arm and the paired difference."""
    series, runs = [], []
    for arm, result in results.items():
        runs.append(
            result.runs[["run_id", "replication"]].assign(
                arm=arm, run_id=lambda r, a=arm: a + ":" + r["run_id"].astype(str)
            )
        )
        series.append(
            result.alliance[["run_id", "quarter", "burden_rank_correlation"]].assign(
                run_id=lambda r, a=arm: a + ":" + r["run_id"].astype(str)
            )
        )
    alliance, runs = pd.concat(series), pd.concat(runs)
    bands = tabs.series_bands(alliance, "burden_rank_correlation", runs.set_index("run_id")["arm"])
    diff = tabs.paired_series(alliance, "burden_rank_correlation", runs, "status_quo_2pct")
    return bands, diff


def exploitation_figure(bands: pd.DataFrame, diff: pd.DataFrame, n_armed: int) -> plt.Figure:
    """Spearman(GDP, core share) over time in both arms, and their paired difference."""
    apply_style()
    fig, axes = plt.subplots(1, 2, figsize=(figs.FULL_WIDTH_IN, 2.5), constrained_layout=True)
    t = stats.t.ppf(0.975, n_armed - 2)
    crit = t / np.sqrt(n_armed - 2 + t**2)  # |rho| significant at 5% (two-sided, t approx.)
    for i, (arm, label) in enumerate(ARMS.items()):
        b, c = bands[bands["arm"] == arm], figs.arm_colour(i)
        axes[0].fill_between(b["year"], b["q05"], b["q95"], color=c, alpha=0.2, lw=0)
        axes[0].plot(b["year"], b["q50"], color=c, lw=1.2, label=label)
    for s in (crit, -crit):
        axes[0].axhline(s, color="0.4", ls=":", lw=0.8)
    axes[0].axhline(0, color="0.3", lw=0.5)
    axes[0].text(2025.1, crit, f" p = 0.05 (n = {n_armed})", va="bottom", fontsize=6.5, color="0.3")
    axes[0].set(xlabel="year", ylabel="Spearman correlation, GDP vs core share")
    axes[0].legend(frameon=False, loc="lower left")
    c = figs.arm_colour(1)
    axes[1].fill_between(diff["year"], diff["ci_low"], diff["ci_high"], color=c, alpha=0.3, lw=0)
    axes[1].plot(diff["year"], diff["mean_difference"], color=c, lw=1.2)
    axes[1].axhline(0, color="0.3", lw=0.5)
    axes[1].set(xlabel="year", ylabel="difference, Hague minus 2%\n(paired mean, 95% CI)")
    return fig


def main() -> int:
    """Run the study end to end and print its headline numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resume", action="store_true", help="keep existing sweep folders")
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="write the committed output/ (the published results) instead of "
        "results/burden_sharing/",
    )
    args = parser.parse_args()
    out = OUT if args.in_place else Path.cwd() / RESULTS
    out.mkdir(parents=True, exist_ok=True)
    t0, results = time.perf_counter(), {}
    for arm in ARMS:
        sweep = out / f"sweep_{arm}"
        if sweep.exists() and not args.resume:
            shutil.rmtree(sweep)
        sim_cli("sweep", HERE / f"{arm}.toml", "--out", sweep, "--quiet")
        sim_cli("report", sweep, "--out", out / f"report_{arm}")
        results[arm] = load_sweep(sweep)
    first = results["hague"].runs.iloc[0]
    members = members_for(
        str(first["members_file"]),
        int(first["initial_data_year"]),
        bool(first["use_pledges"]),
        bool(first["use_target_exemptions"]),
    )
    names = dict(zip(members.iso3, members.name, strict=True))
    table = member_table({a: member_outcomes(r) for a, r in results.items()}, names)
    tabs.write_table(
        table, out / "members", "Burden by member (Hague vs 2%, paired)", latex=_latex_view(table)
    )
    figs.save(members_figure(table), out / "members")
    bands, diff = exploitation(results)
    expl = bands.merge(
        diff[["quarter", "mean_difference", "ci_low", "ci_high"]], on="quarter", how="left"
    )
    tabs.write_table(
        expl,
        out / "exploitation",
        "Spearman(GDP, core share) by arm and quarter, paired difference",
    )
    figs.save(exploitation_figure(bands, diff, int(members.armed.sum())), out / "exploitation")
    seconds = time.perf_counter() - t0
    timing = {
        "total_seconds": round(seconds, 1),
        "runs": int(sum(len(r.runs) for r in results.values())),
    }
    (out / "timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    numbers = headline(table, bands, diff)
    numbers["posterior_predictive"] = intervals(results)
    (out / "headline.json").write_text(json.dumps(numbers, indent=2) + "\n")
    print(json.dumps({**timing, **numbers}, indent=2))
    print(f"wrote {out}/", file=sys.stderr)
    return 0


def _latex_view(table: pd.DataFrame) -> pd.DataFrame:
    def band(arm: str) -> list[str]:
        return [
            f"{m:.2f} [{lo:.2f}, {hi:.2f}]"
            for m, lo, hi in zip(
                table[f"core_2035_{arm}_median"],
                table[f"core_2035_{arm}_q05"],
                table[f"core_2035_{arm}_q95"],
                strict=True,
            )
        ]

    return pd.DataFrame(
        {
            "member": table["name"],
            "GDP share (%)": table["gdp_share_pct"],
            "core 2035, 2% (%)": band("2pct"),
            "core 2035, Hague (%)": band("hague"),
            "extra Hague-2% (US$ bn)": table["extra_diff_usd_bn_mean"],
            "share of extra (%)": table["share_of_additional_spending_pct"],
            "burden ratio": table["burden_ratio"],
        }
    )


POSTERIOR_OUTCOMES = (
    "final_alliance_core_share_pct",
    "final_alliance_total_share_pct",
    "final_members_at_or_above_3_5pct",
    "cumulative_extra_spending_usd_bn",
)
"""The alliance outcomes the study reports with their posterior-predictive intervals."""


def intervals(results: dict) -> dict:
    """Each arm's 2035 outcomes and the paired Hague-minus-2% extra spending: median, 90% of
    runs (posterior draws x paired replications) and the parameters' share of the variance.

    Replication k of both arms ran posterior draw ``k % draws`` with the paired seed of
    ``k // draws`` (``sim.sweep.posterior``), so ``sim.runs.spread`` splits the spread."""
    draws = int(results["hague"].manifest["config"]["posterior"]["draws"])

    def frame(arm: str) -> pd.DataFrame:
        r = results[arm]
        runs = r.summary.merge(r.runs[["run_id", "replication"]], on="run_id")
        return runs.assign(draw=runs["replication"] % draws, rep=runs["replication"] // draws)

    def rows(table: pd.DataFrame) -> dict:
        return {
            row["outcome"]: {
                "median": round(row["median"], 3),
                "q05": round(row["q05"], 3),
                "q95": round(row["q95"], 3),
                "parameter_share": round(row["parameter_share"], 2),
            }
            for row in table.to_dict("records")
        }

    out = {arm: rows(spread.spread_table(frame(arm), POSTERIOR_OUTCOMES)) for arm in ARMS}
    paired = frame("hague").merge(frame("status_quo_2pct"), on=["draw", "rep"], suffixes=("", "_2"))
    extra = "cumulative_extra_spending_usd_bn"
    paired = paired.assign(additional=paired[extra] - paired[f"{extra}_2"])
    out["additional_usd_bn"] = rows(spread.spread_table(paired, ["additional"]))["additional"]
    return out


def headline(table: pd.DataFrame, bands: pd.DataFrame, diff: pd.DataFrame) -> dict:
    """The numbers the README quotes."""

    def at(frame: pd.DataFrame, quarter: str, col: str, arm: str | None = None) -> float:
        f = frame[frame["quarter"] == quarter]
        if arm is not None:
            f = f[f["arm"] == arm]
        return round(float(f[col].iloc[0]), 3)

    top = table.nlargest(5, "burden_ratio")[["name", "burden_ratio"]]
    usa = table[table["iso3"] == "USA"].iloc[0]
    return {
        "rho_2025Q1": at(bands, "2025Q1", "q50", "hague"),
        "rho_2035Q4_median": {a: at(bands, "2035Q4", "q50", a) for a in ARMS},
        "rho_diff_2035Q4": [
            at(diff, "2035Q4", c) for c in ("mean_difference", "ci_low", "ci_high")
        ],
        "usa_share_of_additional_pct": round(float(usa["share_of_additional_spending_pct"]), 1),
        "usa_gdp_share_pct": round(float(usa["gdp_share_pct"]), 1),
        "highest_burden_ratio": dict(zip(top["name"], top["burden_ratio"].round(2), strict=True)),
        "additional_total_usd_bn": round(float(table["extra_diff_usd_bn_mean"].sum()), 0),
        "members_reaching_3_5_median_hague": int((table["core_2035_hague_median"] >= 3.5).sum()),
    }


if __name__ == "__main__":
    sys.exit(main())
