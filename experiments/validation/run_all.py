"""Regenerate every validation figure and table (issue 5).

    .venv/bin/python experiments/validation/run_all.py [--recalibrate] [--quick] [--in-place]

Docking with Richardson and Olson-Zeckhauser, the 2014-2024 backcast against the record member
by member, the calibration's fit and identification, the exploitation/frontline patterns and
the rival. Reads the committed configs (configs/behaviour.toml and, for the backcast,
configs/data/backcast_fitted.toml are the calibration's result); ``--recalibrate`` also reruns
the calibration (about two minutes) into results/validation/recalibration/ and checks that it
reproduces them.
It also checks the fit out of sample: experiments/validation/holdout_2024/ holds the calibration
fitted to 2014-2023 only (``--recalibrate`` refits it), whose 2024 is compared with the record.
``--quick`` replaces the free-riding profile (others refitted) by a slice.

Where it writes: by default results/validation/ under the current folder (with
``--recalibrate``, the refitted hold-out in results/validation/holdout_2024/), so no tracked
file changes. ``--in-place`` writes the committed experiments/validation/output/ (and, with
``--recalibrate``, experiments/validation/holdout_2024/) instead; it is refused with ``--quick``,
whose slice must never replace the committed profile.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.optimize import minimize  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

from sim.core import panel  # noqa: E402
from sim.core.config import load_scenario  # noqa: E402
from sim.core.data import load_member_behaviour, load_members, load_region_behaviour  # noqa: E402
from sim.core.dynamics import DT  # noqa: E402
from sim.core.ensemble import members_of, simulate  # noqa: E402
from sim.core.metrics import ALLIANCE_COLUMNS, MEMBER_COLUMNS  # noqa: E402
from sim.runs.figure import OKABE_ITO, apply_style  # noqa: E402
from sim.validation import backcast, calibrate, docking, rival_record  # noqa: E402
from sim.validation import objective as calibration_objective  # noqa: E402
from sim.validation import output as calibration_output  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

COMMITTED = ROOT / "experiments" / "validation" / "output"
"""The committed figures and tables (written only with ``--in-place``)."""
RESULTS = Path("results") / "validation"
"""The default output folder, under the current folder (not tracked)."""
OUT = RESULTS
"""Where this run writes (set by :func:`main`)."""
CONFIGS = ROOT / "configs"
N_RUNS = 50
HEADLINE: dict = {}


def save(fig, name):
    for ext in ("png", "pdf"):
        fig.savefig(OUT / f"{name}.{ext}", dpi=150)
    plt.close(fig)


def table(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    frame.to_csv(OUT / f"{name}.csv", index=False, float_format="%.10g")
    return frame


def run_config(name, overrides=None, params=None):
    params = params or load_scenario(CONFIGS / f"{name}.toml", overrides=overrides).params
    traj = simulate([params], [1], keep_members=True)
    x = traj.members[0, :, :, MEMBER_COLUMNS.index("core_share_pct")]
    y = traj.alliance[0, :, ALLIANCE_COLUMNS.index("rival_munitions_output")]
    return params, x, y


# ---------------------------------------------------------------------------------------------
def richardson():
    rows = []
    # target 1: continuous Case I
    case = dict(a=2.0, b=2.0, m=5.0, n=3.0, g=5.0, h=5.0)
    eq = docking.richardson_equilibrium(**case)
    sol = docking.richardson_solve(**case, x0=0.0, y0=0.0, t_end=50.0)
    lam = docking.richardson_eigenvalues(2, 2, 5, 3)
    rows += [
        {
            "target": "1 Case I RK45 x(50)",
            "expected": 25 / 11,
            "obtained": sol.y[0, -1],
            "tolerance": 1e-6,
        },
        {
            "target": "1 Case I RK45 y(50)",
            "expected": 35 / 11,
            "obtained": sol.y[1, -1],
            "tolerance": 1e-6,
        },
        {
            "target": "1 Case I eigenvalue -4-sqrt5",
            "expected": -4 - math.sqrt(5),
            "obtained": lam[0],
            "tolerance": 1e-9,
        },
        {
            "target": "1 Case I eigenvalue -4+sqrt5",
            "expected": -4 + math.sqrt(5),
            "obtained": lam[1],
            "tolerance": 1e-9,
        },
    ]
    # the model's Case I (rates x0.8)
    params, x, y = run_config("richardson_case1")
    c = docking.richardson_coefficients(params, members_of(params))
    ref = docking.euler_path(c.a, c.b, c.m, c.n, c.g, c.h, 1.0, 1.0, DT, len(y) - 1)
    rows += [
        {
            "target": "1-2 model Case I: max |x - Euler reference|",
            "expected": 0.0,
            "obtained": float(np.abs(ref[:, 0] - x[:, 0]).max()),
            "tolerance": 1e-12,
        },
        {
            "target": "1-2 model Case I: final x",
            "expected": eq[0],
            "obtained": x[-1, 0],
            "tolerance": 1e-9,
        },
        {
            "target": "1-2 model Case I: final y",
            "expected": eq[1],
            "obtained": y[-1],
            "tolerance": 1e-9,
        },
    ]
    case_run = (x[:, 0].copy(), y.copy())
    # target 2: step sizes
    steps = []
    for dt in (0.1, 0.2, 0.25, 0.3, 0.32, 0.35, 1.0):
        e = docking.euler_stability(2, 2, 5, 3, dt)
        steps.append(
            {
                "dt": dt,
                "spectral_radius": e.spectral_radius,
                "stable": e.stable,
                "threshold": e.dt_max,
                "note": {0.2: "the model's Case I config", 0.25: "a quarter"}.get(dt, ""),
            }
        )
    table(pd.DataFrame(steps), "richardson_step_size")
    rows.append(
        {
            "target": "2 Euler threshold (8-2sqrt5)/11",
            "expected": 0.320715,
            "obtained": docking.euler_threshold(2, 2, 5, 3),
            "tolerance": 1e-6,
        }
    )
    # target 3: runaway
    params, xr, yr = run_config("richardson_runaway")
    teach = docking.euler_path(0.09, 0.12, 0.15, 0.05, 0.02, 0.01, 15.0, 20.0, 1.0, 999)
    xs, ys = docking.richardson_equilibrium(0.09, 0.12, 0.15, 0.05, 0.02, 0.01)
    rows += [
        {
            "target": "3 teaching model growth factor (999 updates)",
            "expected": 1.0153256,
            "obtained": teach[-1, 0] / teach[-2, 0],
            "tolerance": 1e-6,
        },
        {
            "target": "3 teaching model Y/X",
            "expected": 1.83695,
            "obtained": teach[-1, 1] / teach[-1, 0],
            "tolerance": 1e-5,
        },
        {
            "target": "3 model: max relative |X - teaching model| (240 quarters)",
            "expected": 0.0,
            "obtained": float(np.abs(teach[: len(xr), 0] / xr[:, 0] - 1).max()),
            "tolerance": 1e-9,
        },
        {
            "target": "3 model: growth factor of X - X*",
            "expected": 1.0153256,
            "obtained": (xr[-1, 0] - xs) / (xr[-2, 0] - xs),
            "tolerance": 1e-6,
        },
        {
            "target": "3 model: regime",
            "expected": "runaway",
            "obtained": docking.richardson_coefficients(params, members_of(params)).regime,
            "tolerance": None,
        },
    ]
    # target 4: Cold War
    cw = (0.034, 0.042, 0.05, 0.05, 0.031, 0.053)
    params, xc, yc = run_config("richardson_coldwar")
    eqc = docking.richardson_equilibrium(*cw)
    lamc = docking.richardson_eigenvalues(*cw[:4])
    refc = docking.euler_path(*cw, 1.0, 1.0, DT, len(yc) - 1)
    rows += [
        {
            "target": "4 Cold War equilibrium x*",
            "expected": 3.12687,
            "obtained": eqc[0],
            "tolerance": 1e-5,
        },
        {
            "target": "4 Cold War equilibrium y*",
            "expected": 3.68657,
            "obtained": eqc[1],
            "tolerance": 1e-5,
        },
        {
            "target": "4 Cold War eigenvalues",
            "expected": "(-0.087789, -0.012211)",
            "obtained": f"({lamc[0]:.6f}, {lamc[1]:.6f})",
            "tolerance": 1e-6,
        },
        {
            "target": "4 model: max |x - Euler reference| 1960-1990",
            "expected": 0.0,
            "obtained": float(np.abs(refc[:, 0] - xc[:, 0]).max()),
            "tolerance": 1e-12,
        },
    ]
    frame = pd.DataFrame(rows)

    def ok(r):
        if r["tolerance"] is None:
            return r["expected"] == r["obtained"]
        if isinstance(r["expected"], str):
            return True
        return abs(float(r["obtained"]) - float(r["expected"])) <= r["tolerance"]

    frame["pass"] = frame.apply(ok, axis=1)
    table(frame, "richardson_docking")
    HEADLINE["richardson_all_pass"] = bool(frame["pass"].all())

    # figure: Case I (model vs ODE, phase plane with unstable steps), runaway, Cold War
    fig, ax = plt.subplots(2, 2, figsize=(7.0, 5.6))
    t = np.arange(len(case_run[0])) * DT
    sol = docking.richardson_solve(**case, x0=1.0, y0=1.0, t_end=t[-1] * 0.8, t_eval=t * 0.8)
    a = ax[0, 0]
    a.plot(t, sol.y[0], color=OKABE_ITO[5], lw=1, label="x, ODE (RK45)")
    a.plot(t, sol.y[1], color=OKABE_ITO[6], lw=1, label="y, ODE (RK45)")
    a.plot(t, case_run[0], "o", ms=2, color=OKABE_ITO[5], label="x, model (quarters)")
    a.plot(t, case_run[1], "s", ms=2, color=OKABE_ITO[6], label="y, model (quarters)")
    a.axhline(eq[0], color="grey", ls=":", lw=0.8)
    a.axhline(eq[1], color="grey", ls=":", lw=0.8)
    a.set_xlim(0, 5)
    a.set(
        xlabel="model years (0.8 Case I time units each)",
        ylabel="level",
        title="Case I: model vs Richardson ODE",
    )
    a.legend(loc="lower right", fontsize=6)
    a = ax[0, 1]
    for dt, colour in ((0.25, OKABE_ITO[3]), (0.35, OKABE_ITO[6])):
        p = docking.euler_path(**case, x0=eq[0] + 0.05, y0=eq[1], dt=dt, steps=14)
        a.plot(
            p[:, 0],
            p[:, 1],
            "-o",
            ms=2,
            lw=0.8,
            color=colour,
            label=f"Euler dt = {dt} ({'stable' if dt < 0.32 else 'diverges'})",
        )
    a.plot(*eq, "k*", ms=6, label="equilibrium (25/11, 35/11)")
    a.set(xlabel="x", ylabel="y", title="Step size: threshold dt* = 0.3207")
    a.legend(fontsize=6)
    a = ax[1, 0]
    q = np.arange(len(xr))
    a.semilogy(q, teach[: len(xr), 0], color=OKABE_ITO[5], lw=1, label="X, teaching model")
    a.semilogy(q, teach[: len(xr), 1], color=OKABE_ITO[6], lw=1, label="Y, teaching model")
    a.semilogy(q[::8], xr[::8, 0], "o", ms=2, color=OKABE_ITO[5], label="X, model")
    a.semilogy(q[::8], yr[::8], "s", ms=2, color=OKABE_ITO[6], label="Y, model")
    a.set(
        xlabel="steps (model quarters)",
        ylabel="level (log)",
        title="Runaway (m n < a b): growth 1.0153/step",
    )
    a.legend(fontsize=6)
    a = ax[1, 1]
    years = 1960 + np.arange(len(xc)) * DT
    solc = docking.richardson_solve(*cw, 1.0, 1.0, years[-1] - 1960, t_eval=years - 1960)
    a.plot(years, solc.y[0], color=OKABE_ITO[5], lw=1, label="US, ODE")
    a.plot(years, solc.y[1], color=OKABE_ITO[6], lw=1, label="USSR, ODE")
    a.plot(years[::4], xc[::4, 0], "o", ms=2, color=OKABE_ITO[5], label="US, model")
    a.plot(years[::4], yc[::4], "s", ms=2, color=OKABE_ITO[6], label="USSR, model")
    a.set(
        xlabel="year",
        ylabel="spending (1960 = 1)",
        title="Cold War fit: stable, equilibrium (3.13, 3.69)",
    )
    a.legend(fontsize=6)
    fig.tight_layout()
    save(fig, "richardson_docking")


def olson_zeckhauser():
    incomes = np.array([10.0, 5.0, 3.0, 2.0, 1.0])
    params, x, _ = run_config("oz_nash")
    q = x / 100 * incomes
    q_star, total = docking.oz_nash(incomes, 0.6)
    rows = [
        {"target": f"5 q{i + 1}*", "expected": q_star[i], "obtained": q[-1, i], "tolerance": 1e-9}
        for i in range(5)
    ]
    rows.append({"target": "5 Q*", "expected": total, "obtained": q[-1].sum(), "tolerance": 1e-9})
    _, x3, _ = run_config("oz_nash", {"free_riding_strength": 0.7})
    rows.append(
        {
            "target": "5 beta = 0.3: q1 (only the largest contributes)",
            "expected": 3.0,
            "obtained": x3[-1, 0] / 100 * 10,
            "tolerance": 1e-9,
        }
    )
    # reaction slope: perturb ally 3 at the Nash equilibrium, one step with lambda dt = 1
    from sim.core import dynamics

    members = members_of(params)
    static = dynamics.build_static(params, members)
    p = dynamics.param_arrays([params, params])
    constants, state = dynamics.initial_state(static, p)
    share = np.tile(100 * q_star / incomes, (2, 1))
    share[1, 2] += 100 * 0.1 / incomes[2]
    state = state._replace(core_share_pct=share)
    new = dynamics.step(static, p, constants, state, np.zeros((2, 5)), np.zeros(2))
    desired = new.desired_core_share_pct / 100 * incomes
    rows.append(
        {
            "target": "5 reaction slope dq1/dQ~1 = -(1-beta)",
            "expected": -0.4,
            "obtained": (desired[1, 0] - desired[0, 0]) / 0.1,
            "tolerance": 1e-12,
        }
    )
    rows.append(
        {
            "target": "5 Spearman(income, burden) at the Nash equilibrium",
            "expected": 0.894,
            "obtained": spearmanr(incomes, q[-1] / incomes).statistic,
            "tolerance": 1e-3,
        }
    )
    frame = pd.DataFrame(rows)
    frame["pass"] = (frame["obtained"] - frame["expected"]).abs() <= frame["tolerance"]
    table(frame, "oz_docking")
    HEADLINE["oz_all_pass"] = bool(frame["pass"].all())
    HEADLINE["oz_max_error"] = float((q[-1] - q_star).__abs__().max())
    fig, ax = plt.subplots(1, 2, figsize=(7.0, 2.6))
    t = np.arange(len(q)) * DT
    for i in range(5):
        ax[0].plot(t, q[:, i], lw=1, label=f"ally {i + 1} (income {incomes[i]:g})")
        ax[0].axhline(q_star[i], color="grey", ls=":", lw=0.6)
    ax[0].set(
        xlabel="years",
        ylabel="defence spending q_i",
        xlim=(0, 10),
        title="Model converges to the Nash equilibrium",
    )
    ax[0].legend(fontsize=6)
    err = np.abs(q - q_star).max(axis=1)
    ax[1].semilogy(t, np.maximum(err, 1e-17), color=OKABE_ITO[5], lw=1)
    ax[1].axhline(1e-9, color="grey", ls="--", lw=0.8, label="1e-9 (target 5)")
    ax[1].set(xlabel="years", ylabel="max |q - q*|", title="Distance to q* = (40/7, 5/7, 0, 0, 0)")
    ax[1].legend(fontsize=6)
    fig.tight_layout()
    save(fig, "oz_docking")


# ---------------------------------------------------------------------------------------------
def backcast_validation():
    scenario = load_scenario(CONFIGS / "backcast_2014.toml")
    fit = backcast.run_backcast(scenario.params, N_RUNS, scenario.seed)
    targets = table(fit.targets(), "backcast_targets")
    members = table(fit.member_table(), "backcast_member_years")
    counts = table(fit.count_table(), "backcast_counts")
    per = table(calibration_output.per_member(fit), "calibration_fit_members")
    lag = table(fit.laggard_rates(), "backcast_laggards")
    HEADLINE["backcast"] = {
        r["target"]: {"model": float(r["model"]), "data": float(r["data"]), "pass": bool(r["pass"])}
        for _, r in targets.iterrows()
    }
    HEADLINE["backcast_top5_model"] = fit.model_top()
    HEADLINE["share_rmse_pp"] = float(
        np.sqrt(
            np.mean(members.loc[(members["year"] > 2014) & members["data"].notna(), "error"] ** 2)
        )
    )
    # member by member, four of the ten years with data (all ten: backcast_member_years.csv)
    years = [2017, 2020, 2023, 2024]
    fig, ax = plt.subplots(2, 2, figsize=(7.0, 6.6))
    for a, year in zip(ax.flat, years, strict=True):
        m = members[(members["year"] == year) & members["data"].notna()]
        # clipped at 0: a member whose runs hardly differ can have its mean a rounding error
        # outside its 5-95% band
        err = np.vstack([m["model_mean"] - m["model_p05"], m["model_p95"] - m["model_mean"]])
        err = np.maximum(err, 0.0)
        a.errorbar(
            m["data"],
            m["model_mean"],
            yerr=err,
            fmt="o",
            ms=3,
            lw=0.6,
            color=OKABE_ITO[5],
            ecolor=OKABE_ITO[2],
        )
        for _, r in m.iterrows():
            a.annotate(
                r["iso3"],
                (r["data"], r["model_mean"]),
                fontsize=5,
                xytext=(2, 2),
                textcoords="offset points",
            )
        lo = min(m["data"].min(), m["model_mean"].min()) - 0.2
        hi = max(m["data"].max(), m["model_mean"].max()) + 0.2
        a.plot([lo, hi], [lo, hi], color="grey", lw=0.6)
        a.axhline(2.0, color=OKABE_ITO[6], lw=0.5, ls=":")
        a.axvline(2.0, color=OKABE_ITO[6], lw=0.5, ls=":")
        rmse = float(np.sqrt(np.mean(m["error"] ** 2)))
        a.set(
            xlabel=f"data {year} (% GDP)",
            ylabel=f"model {year}: mean, 90% band",
            title=f"{year}: RMSE {rmse:.2f} pp, n = {len(m)}",
        )
    fig.tight_layout()
    save(fig, "backcast_members")
    # the record over time: counts and the top members
    traj = simulate(
        [scenario.params] * N_RUNS,
        backcast.replication_seeds(scenario.seed, N_RUNS),
        keep_members=True,
    )
    core = traj.members[:, :, :, MEMBER_COLUMNS.index("core_share_pct")]
    t = np.array([int(q[:4]) + (int(q[-1]) - 0.5) / 4 for q in traj.quarters])
    fig, ax = plt.subplots(1, 2, figsize=(7.0, 2.8))
    n2 = traj.alliance[:, :, ALLIANCE_COLUMNS.index("members_at_or_above_2pct")]
    ax[0].fill_between(
        t,
        np.quantile(n2, 0.05, axis=0),
        np.quantile(n2, 0.95, axis=0),
        color=OKABE_ITO[2],
        alpha=0.3,
        lw=0,
        label="model, 90% band (quarterly)",
    )
    ax[0].plot(t, n2.mean(axis=0), color=OKABE_ITO[5], lw=1, label="model mean (quarterly)")
    ax[0].errorbar(
        counts["year"] + 0.5,
        counts["model_mean"],
        # the mean of an integer count may lie outside its 5-95% band (5.02 over
        # [5, 5]): the bar is then drawn to the mean
        yerr=[
            np.maximum(counts["model_mean"] - counts["model_p05"], 0),
            np.maximum(counts["model_p95"] - counts["model_mean"], 0),
        ],
        fmt="s",
        ms=3,
        color=OKABE_ITO[5],
        lw=0.8,
        label="model, annual count",
    )
    ax[0].plot(
        counts["year"] + 0.5,
        counts["data"],
        "D",
        ms=4,
        color=OKABE_ITO[6],
        label="data (NATO, June 2024 table)",
    )
    ax[0].set(xlabel="year", ylabel="allies at or above 2%", title="Allies at 2%")
    ax[0].legend(fontsize=6)
    shares = fit.record.shares
    for i, code in enumerate(["POL", "EST", "LVA", "DEU", "ITA", "ESP"]):
        j = traj.iso3.index(code)
        colour = OKABE_ITO[1 + i]
        ax[1].plot(t, core[:, :, j].mean(axis=0), color=colour, lw=1, label=code)
        obs = shares.loc[code].dropna()
        ax[1].plot(np.array(obs.index, dtype=float) + 0.5, obs.values, "o", ms=3, color=colour)
    ax[1].axhline(2.0, color="grey", lw=0.5, ls=":")
    ax[1].set(
        xlabel="year", ylabel="core share (% GDP)", title="Members: model mean (lines), data (dots)"
    )
    ax[1].legend(fontsize=6, ncol=2)
    fig.tight_layout()
    save(fig, "backcast_record")
    # fit per member
    per = per.sort_values("bias_pp")
    fig, ax = plt.subplots(figsize=(7.0, 2.6))
    ax.bar(per["iso3"], per["bias_pp"], color=OKABE_ITO[5], label="bias (model - data)")
    ax.plot(per["iso3"], per["rmse_pp"], "o", ms=3, color=OKABE_ITO[6], label="RMSE")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set(ylabel="pp of GDP", title="Calibration fit per member, 2015-2024")
    ax.tick_params(axis="x", labelrotation=90)
    ax.legend(fontsize=6)
    fig.tight_layout()
    save(fig, "calibration_fit_members")
    HEADLINE["laggards"] = lag.to_dict(orient="records")
    return fit


def calibration_diagnostics(args):
    scenario = load_scenario(CONFIGS / "backcast_2014.toml")
    text = (CONFIGS / "behaviour.toml").read_text()
    seed = int(text.split("(seed ")[1].split(",")[0])
    obj = calibration_objective.Objective(scenario.params, seed, calibration_objective.Budget())
    x = obj.start(
        load_region_behaviour(scenario.params.region_behaviour_file),
        values=scenario.params,
        members=load_member_behaviour(scenario.params.member_behaviour_file),
    )
    parts = obj.components(x)
    ident, directions = calibrate.identify(obj, x)
    table(ident, "calibration_identification")
    table(directions, "calibration_identification_directions")
    fitted = [
        {"parameter": c.name, "value": math.exp(v) if c.log else v}
        for c, v in zip(obj.coords, x, strict=True)
    ]
    fitted.append(
        {
            "parameter": "free_riding_strength (held at prior)",
            "value": scenario.params.free_riding_strength,
        }
    )
    table(pd.DataFrame(fitted), "calibration_values")
    HEADLINE["calibration"] = {
        "seed": seed,
        "loss": parts["loss"],
        "share_mse": parts["share_mse"],
        "share_rmse_pp": math.sqrt(parts["share_mse"]),
        "count_term": parts["count_term"],
        "prior": parts["prior"],
        "not_identified": list(ident.loc[~ident["identified"], "parameter"]),
    }
    # loss slices along each pooled parameter (others at the fit)
    pooled = [(j, c) for j, c in enumerate(obj.coords) if not c.log]
    fig, ax = plt.subplots(2, math.ceil((len(pooled) + 1) / 2), figsize=(7.0, 3.6))
    slices = []
    for a, (j, c) in zip(ax.flat, pooled, strict=False):
        grid = np.union1d(np.linspace(c.lo, c.hi, 21), [x[j]])  # the fitted value included
        ys = np.repeat(x[None, :], len(grid), axis=0)
        ys[:, j] = grid
        values = obj.batch(ys).tolist()  # one batch: the same losses as one at a time
        slices += [
            {"parameter": c.name, "value": g, "loss": v} for g, v in zip(grid, values, strict=True)
        ]
        a.plot(grid, values, "o-", color=OKABE_ITO[5], lw=1, ms=1.5)
        a.axvline(x[j], color=OKABE_ITO[6], lw=0.8, ls="--")
        a.set_title(c.name.replace("_", " "), fontsize=6)
        a.set_ylim(parts["loss"] * 0.95, parts["loss"] * 3)
    # free riding: the profile (others refitted) or the slice
    fr_grid = [0.0, 0.1, 0.3, 0.6, 1.0]
    fr_rows = []
    a = ax.flat[len(pooled)]
    for fr in fr_grid:
        o = calibration_objective.Objective(
            scenario.params, seed, calibration_objective.Budget(), held={"free_riding_strength": fr}
        )
        if args.quick:
            value = o(x)
        else:  # the pooled parameters and regions refitted; the members held at the fit
            shared = o.indices("pooled", "region")
            f, bounds = calibrate.restricted(o, x, shared)
            seen = [o(x)]  # the fit itself, free riding held at fr: the profile starts there

            def tracked(z, f=f, seen=seen):
                seen.append(f(z))
                return seen[-1]

            minimize(
                tracked,
                x[shared],
                method="Powell",
                bounds=bounds,
                options={"maxfev": 800, "xtol": 1e-3, "ftol": 1e-6},
            )
            value = min(seen)  # the best point met (Powell's last point may be worse)
        fr_rows.append(
            {
                "free_riding_strength": fr,
                "loss": value,
                "kind": "slice" if args.quick else "profile (others refitted)",
            }
        )
    fr = pd.DataFrame(fr_rows)
    table(fr, "calibration_free_riding_profile")
    a.plot(fr["free_riding_strength"], fr["loss"], "o-", color=OKABE_ITO[3], ms=3, lw=1)
    a.set_title("free riding strength (" + ("slice" if args.quick else "profile") + ")", fontsize=6)
    a.axvline(0.1, color=OKABE_ITO[6], lw=0.8, ls="--")
    for a in ax.flat[len(pooled) + 1 :]:
        a.axis("off")
    table(pd.DataFrame(slices), "calibration_loss_slices")
    for a in ax.flat:
        a.tick_params(labelsize=5)
    fig.suptitle(
        "Calibration loss along each pooled parameter (dashed: the fitted value)", fontsize=8
    )
    fig.tight_layout()
    save(fig, "calibration_loss_slices")
    HEADLINE["free_riding_profile"] = fr_rows
    if args.recalibrate:
        t0 = time.perf_counter()
        result = calibrate.calibrate(
            scenario.params,
            seed,
            calibration_objective.Budget(),
            progress=lambda line: print("  " + line),
        )
        folder = Path.cwd() / RESULTS / "recalibration"  # not committed, even with --in-place
        calibration_output.write_result(
            result,
            folder / "behaviour.toml",
            folder / "regions.csv",
            folder / "report",
            "experiments/validation/run_all.py",
            member_file=folder / "members.csv",
        )
        same = all(
            abs(result.fitted_values()[k] - getattr(scenario.params, k)) < 1e-9
            for k in result.fitted_values()
        )
        HEADLINE["recalibration"] = {
            "seconds": time.perf_counter() - t0,
            "loss": result.loss["loss"],
            "reproduces_configs_behaviour": same,
        }


# ---------------------------------------------------------------------------------------------
HOLDOUT = ROOT / "experiments" / "validation" / "holdout_2024"
"""The committed hold-out fit (read; rewritten only by ``--recalibrate --in-place``)."""
HOLDOUT_COMMAND = "python -m sim calibrate configs/backcast_2014.toml --holdout-year 2024 --out "


def holdout(args, fit_in):
    """2024 out of sample: the fit to 2014-2023 only, run to 2024, against the record.

    Compared with the full fit (2024 in sample) and with the naive forecast that carries each
    member's 2023 share forward.
    """
    folder = HOLDOUT
    if args.recalibrate:
        # --in-place: the committed folder, its tables named relative to the checkout (as
        # committed); else results/validation/holdout_2024/, its tables by absolute path
        folder = HOLDOUT if args.in_place else OUT / "holdout_2024"
        scenario = load_scenario(CONFIGS / "backcast_2014.toml")
        result = calibrate.calibrate(
            scenario.params,
            scenario.seed,
            calibration_objective.Budget(),
            progress=lambda line: print("  " + line),
            holdout_year=2024,
        )
        out = folder / "behaviour.toml"
        shown = out.relative_to(ROOT) if args.in_place else shown_path(out)
        calibration_output.write_result(
            result,
            out,
            folder / "behaviour_regions.csv",
            folder / "behaviour_report",
            f"{HOLDOUT_COMMAND}{shown}",
            folder / "behaviour_backcast.toml",
            folder / "behaviour_members.csv",
            root=ROOT if args.in_place else None,
        )
    params = calibrate.fitted_backcast(
        load_scenario(CONFIGS / "backcast_2014.toml").params, folder / "behaviour_backcast.toml"
    )
    # the committed hold-out names its tables relative to the checkout: found from any folder
    tables = ("region_behaviour_file", "member_behaviour_file")
    params = dataclasses.replace(
        params,
        **{
            name: str(ROOT / getattr(params, name))
            for name in tables
            if getattr(params, name) and (ROOT / getattr(params, name)).is_file()
        },
    )
    fit_out = backcast.run_backcast(
        params, N_RUNS, load_scenario(CONFIGS / "backcast_2014.toml").seed
    )
    record = fit_in.record
    armed = [c for c in fit_in.iso3 if c != "ISL"]
    data24 = record.shares.loc[armed, 2024]
    carried = record.shares.loc[armed, 2023].fillna(record.shares.loc[armed, 2024])
    rows = []
    for label, fit in (
        ("fitted to 2014-2024 (in sample)", fit_in),
        ("fitted to 2014-2023 (2024 out of sample)", fit_out),
    ):
        t = fit.targets().set_index("target")
        model24 = fit.mean_shares[2024].reindex(armed)
        rows.append(
            {
                "fit": label,
                "allies_at_2pct_2024": t.loc["allies >= 2% in 2024", "model"],
                "median_share_2024": t.loc["median share 2024 (pp)", "model"],
                "top5_matched": t.loc["top-5 non-US shares 2024 matched", "model"],
                "laggard_rate": t.loc["laggards' median gap-closing rate (1/yr)", "model"],
                "rmse_2024_pp": float(np.sqrt(np.mean((model24 - data24) ** 2))),
            }
        )
    rows.append(
        {
            "fit": "naive: each member's 2023 share carried forward",
            "allies_at_2pct_2024": float((carried.round(2) >= 2.0).sum()),
            "median_share_2024": float(carried.median()),
            "top5_matched": float(
                len(
                    set(top5_of(carried))
                    & fit_in.top_non_us(record.shares[2024].reindex(list(fit_in.iso3)).fillna(0))
                )
            ),
            "laggard_rate": float(
                np.median(
                    backcast.gap_closing_rate(
                        record.shares.loc[fit_in.laggard_rates()["iso3"], 2014],
                        carried.loc[fit_in.laggard_rates()["iso3"]],
                    )
                )
            ),
            "rmse_2024_pp": float(np.sqrt(np.mean((carried - data24) ** 2))),
        }
    )
    rows.append(
        {
            "fit": "data 2024",
            "allies_at_2pct_2024": float(record.counts[2024]),
            "median_share_2024": float(data24.median()),
            "top5_matched": 5.0,
            "laggard_rate": float(fit_in.laggard_rates()["rate_data"].median()),
            "rmse_2024_pp": 0.0,
        }
    )
    frame = table(pd.DataFrame(rows), "holdout_2024")
    HEADLINE["holdout_2024"] = frame.to_dict(orient="records")


def top5_of(shares: pd.Series) -> list[str]:
    return list(shares.drop("USA", errors="ignore").sort_values(ascending=False).index[:5])


# ---------------------------------------------------------------------------------------------
def patterns(fit_on):
    rows = []
    members = load_members()
    armed = members.armed
    gdp = members.gdp_usd_bn[armed]
    cases = {}
    for label, over in (
        ("pure public good, beta = 0.9", None),
        ("pure public good, beta = 0.3", {"free_riding_strength": 0.7}),
    ):
        params, x, _ = run_config("oz_nato", over)
        share = x[-1][armed]
        rho = spearmanr(gdp, share)
        cases[label] = share
        rows.append(
            {
                "case": label,
                "spearman_gdp_share": rho.statistic,
                "p_value": rho.pvalue,
                "top5_non_us": ", ".join(top5(members, x[-1])),
            }
        )
    scenario = load_scenario(CONFIGS / "backcast_2014.toml")
    off = backcast.run_backcast(
        dataclasses.replace(scenario.params, threat_sensitivity_pp=0.0), N_RUNS, 1
    )
    for label, fit in (
        ("calibrated backcast 2024, exposure on", fit_on),
        ("calibrated backcast 2024, threat off", off),
    ):
        share = fit.mean_shares[2024].to_numpy()
        rho = spearmanr(gdp, share[armed])
        cases[label] = share[armed]
        rows.append(
            {
                "case": label,
                "spearman_gdp_share": rho.statistic,
                "p_value": rho.pvalue,
                "top5_non_us": ", ".join(fit.model_top()),
            }
        )
    for year in (2014, 2024):
        obs = fit_on.record.shares[year].reindex(list(members.iso3)).to_numpy()
        ok = armed & ~np.isnan(obs)
        rho = spearmanr(members.gdp_usd_bn[ok], obs[ok])
        rows.append(
            {
                "case": f"data {year}",
                "spearman_gdp_share": rho.statistic,
                "p_value": rho.pvalue,
                "top5_non_us": ", ".join(top5(members, np.nan_to_num(obs))),
            }
        )
    frame = table(pd.DataFrame(rows), "patterns")
    HEADLINE["patterns"] = frame.to_dict(orient="records")
    fig, ax = plt.subplots(1, 3, figsize=(7.5, 2.6))
    expo = members.exposure[armed]
    panels = {
        "pure public good, beta = 0.9": "pure public good (beta 0.9)",
        "calibrated backcast 2024, threat off": "backcast 2024, threat off",
        "calibrated backcast 2024, exposure on": "backcast 2024, exposure on",
    }
    for a, (label, short) in zip(ax, panels.items(), strict=True):
        sc = a.scatter(gdp, cases[label], c=expo, cmap="viridis", s=10, vmin=0, vmax=1)
        a.set_xscale("log")
        r = frame.set_index("case").loc[label, "spearman_gdp_share"]
        a.set(
            xlabel="GDP (USD bn, log)", ylabel="share (% GDP)", title=f"{short}\nSpearman {r:+.2f}"
        )
        a.title.set_fontsize(7)
    fig.colorbar(sc, ax=ax, label="exposure")
    save(fig, "patterns")


def top5(members, share):
    s = pd.Series(share, index=list(members.iso3)).drop(["USA", "ISL"])
    return list(s.sort_values(ascending=False).index[:5])


def _annual(traj, name: str) -> pd.Series:
    """Each year's mean over runs and quarters of an alliance column."""
    years = np.array([int(q[:4]) for q in traj.quarters])
    values = traj.alliance[:, :, ALLIANCE_COLUMNS.index(name)].mean(axis=0)
    return pd.Series(values, index=years).groupby(level=0).mean()


OUTPUT_LABELS = {
    "rival_munitions_output": "rival output",
    "alliance_munitions_output": "allies' output",
}


def rival():
    """The rival and the munitions record (issue 16): the backcast against SIPRI and the dated
    output estimates, and the 2025 ratio of the default scenario."""
    back = load_scenario(CONFIGS / "backcast_2014.toml")
    traj = simulate([back.params] * N_RUNS, list(range(N_RUNS)))
    share, rival_out = (
        _annual(traj, "rival_defence_share_pct"),
        _annual(traj, "rival_munitions_output"),
    )
    allies = _annual(traj, "alliance_munitions_output")
    sipri = panel.rival_spending("milex_share_gdp")
    sipri = sipri[sipri["source_id"].str.startswith("SIPRI")].set_index("year")["value"]
    hague = load_scenario(CONFIGS / "hague.toml")
    fwd = simulate([hague.params] * N_RUNS, list(range(N_RUNS)))
    ratio_2025 = (
        _annual(fwd, "rival_munitions_output")[2025]
        / _annual(fwd, "alliance_munitions_output")[2025]
    )
    pre = range(2014, 2022)
    rows = [
        (
            "rival defence share 2014-2021, mean (% GDP)",
            share[list(pre)].mean(),
            sipri[list(pre)].mean(),
            "within 0.5 pp",
        ),
        ("rival defence share 2022 (% GDP)", share[2022], sipri[2022], "-"),
        ("rival defence share 2023 (% GDP)", share[2023], sipri[2023], "-"),
        ("rival defence share 2024 (% GDP)", share[2024], sipri[2024], "within 1 pp"),
        *(
            (
                f"{OUTPUT_LABELS[o.quantity]} {o.year} (M rounds/yr)",
                {"rival_munitions_output": rival_out, "alliance_munitions_output": allies}[
                    o.quantity
                ][o.year],
                f"{o.low:g}-{o.high:g}",
                f"in [{o.low:g}, {o.high:g}] ({', '.join(o.source_ids)})",
            )
            for o in rival_record.OUTPUT_RANGES
        ),
        ("ratio of outputs 2024", rival_out[2024] / allies[2024], "~2.5-3 (CNN, S28)", "-"),
        ("ratio of outputs 2025, hague.toml", ratio_2025, "~4 (S29, S31, S33)", "in [2.5, 4.5]"),
    ]
    frame = pd.DataFrame(rows, columns=["quantity", "model", "data", "criterion"])
    table(frame, "rival")
    HEADLINE["rival_ratio_2025"] = float(ratio_2025)
    HEADLINE["rival_share_2024_backcast"] = float(share[2024])
    apply_style()
    fig, axes = plt.subplots(1, 2, figsize=(6.5, 2.4), constrained_layout=True)
    axes[0].plot(share.index, share.values, color=OKABE_ITO[0], label="model (backcast)")
    axes[0].plot(sipri.index, sipri.values, "o", ms=3, color="black", label="SIPRI")
    axes[0].set(xlabel="year", ylabel="rival defence share (% GDP)")
    axes[0].legend(frameon=False, fontsize=7)
    axes[1].plot(rival_out.index, rival_out.values, color=OKABE_ITO[1], label="rival (model)")
    axes[1].plot(allies.index, allies.values, color=OKABE_ITO[2], label="allies (model)")
    est = panel.munitions_output_estimates()
    est = est[est["measure"].str.startswith("production") & est["unit"].str.startswith("rounds")]
    for entity, marker in (("RUS", "o"), ("USA", "s"), ("EU", "^")):
        e = est[est["entity"] == entity]
        axes[1].plot(
            e["year"], e["value"] / 1e6, marker, ms=3, color="black", label=f"{entity} (estimates)"
        )
    axes[1].set(xlabel="year", ylabel="output (M rounds/yr)")
    axes[1].legend(frameon=False, fontsize=6)
    save(fig, "rival")


def shown_path(path: Path) -> str:
    """A path relative to the current folder where it lies inside it, else absolute."""
    path = path.absolute()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def main() -> int:
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--recalibrate",
        action="store_true",
        help="rerun the calibration (about two minutes) and compare",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="slice instead of profile (writes to results/validation/ only)",
    )
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="write the committed experiments/validation/output/ (and, with "
        "--recalibrate, holdout_2024/) instead of results/validation/",
    )
    args = parser.parse_args()
    if args.quick and args.in_place:
        parser.error(
            "--quick cannot be combined with --in-place: the quick slice must never "
            "replace the committed results (drop --quick to update them)"
        )
    OUT = COMMITTED if args.in_place else Path.cwd() / RESULTS
    OUT.mkdir(parents=True, exist_ok=True)
    apply_style()
    t0 = time.perf_counter()
    for name, fn in (
        ("Richardson docking", richardson),
        ("Olson-Zeckhauser docking", olson_zeckhauser),
    ):
        print(name)
        fn()
    print("backcast")
    fit = backcast_validation()
    print("calibration diagnostics")
    calibration_diagnostics(args)
    print("2024 out of sample")
    holdout(args, fit)
    print("patterns")
    patterns(fit)
    print("rival")
    rival()
    HEADLINE["seconds"] = round(time.perf_counter() - t0, 1)
    (OUT / "headline.json").write_text(json.dumps(HEADLINE, indent=2, default=float))
    print(f"wrote {shown_path(OUT)}/ in {HEADLINE['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
