"""``python -m sim calibrate CONFIG --method abc``: the Bayesian calibration, from the command line.

This module owns the command (:func:`cli_posterior`) and what it infers (:func:`posterior_of`):
the ABC-SMC posterior (``sim.validation.posterior.smc``) of the pooled parameters and the regions'
threat multipliers of the point calibration's search space (``sim.validation.search_space``),
with the priors of ``sim.validation.posterior.prior`` and, as distance, the data's part of the
calibration's loss (``Objective.distances``: the share errors, the counts at 2% and the
laggards' pace against NATO's record), each particle's runs sharing one set of shocks (common
random numbers, :attr:`PosteriorBudget.n_runs` replications).

**Conditional on the members' multipliers.** The 31 member multipliers are held at the
committed point fit's (the config's ``member_behaviour_file``): over all 44 coordinates a first
version of the sampler saw its importance weights collapse within a generation (an effective
sample size of 4 of 300), so the posterior is of the 13 pooled and region coordinates given the
members' fitted deviations from their regions.

Everything goes into one folder, whole or not at all (``sim.runs.outputs.output_folder``;
default ``results/posterior-seed<seed>/``; with ``--in-place`` the shipped posterior,
``configs/data/posterior/``, that ``sim run --posterior`` and sweeps draw from; its manifest
``kind`` is ``sim.runs.posterior_draws.KIND``, which that module checks): the files of
``sim.validation.posterior.output`` and ``manifest.json`` (the command, the budget, the prior's
scales, the time, the versions).
``SIM_CALIBRATE_BUDGET=smoke`` selects :data:`SMOKE_BUDGET` (its numbers are not a posterior).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

from sim.core.config import load_scenario
from sim.core.data import load_member_behaviour
from sim.core.params import Params
from sim.core.resources import checkout_root
from sim.runs.outputs import MANIFEST, output_folder, output_path
from sim.runs.posterior_draws import KIND
from sim.runs.provenance import git_revision, package_versions
from sim.validation.calibrate_options import CalibrationError, budget_from_env, check_options
from sim.validation.objective import Budget, Objective
from sim.validation.posterior import output, prior
from sim.validation.posterior.smc import Posterior, SmcBudget, abc_smc

SHIPPED = "configs/data/posterior"
"""The posterior shipped with the configs (``--in-place`` writes it)."""


@dataclasses.dataclass(frozen=True)
class PosteriorBudget:
    """The sampler's budget and the replications behind each particle's distance."""

    smc: SmcBudget = SmcBudget()
    n_runs: int = 10
    """Replications per particle (common random numbers): 10 gives a distance within about 2%
    of the point fit's 50 at a fifth of the cost."""


FULL_BUDGET = PosteriorBudget()
SMOKE_BUDGET = PosteriorBudget(
    SmcBudget(particles=12, generations=2, batch=8, max_evaluations=200), n_runs=2
)
"""A tiny budget for smoke tests: its numbers are not a posterior."""


def posterior_budget() -> tuple[PosteriorBudget, str]:
    """The command's budget and how to name it in the recorded command (``""``: the full one).

    Raises:
        CalibrationError: when :data:`BUDGET_ENV` is neither unset, ``full`` nor ``smoke``.
    """
    return budget_from_env(FULL_BUDGET, SMOKE_BUDGET)


def objective_for(params: Params, seed: int, budget: PosteriorBudget) -> Objective:
    """The objective the posterior is sampled over: pooled and regions, members held.

    Raises:
        CalibrationError: when the config has no member table to hold the members at.
    """
    if not params.member_behaviour_file:
        raise CalibrationError(
            "member_behaviour_file",
            "''",
            "the point fit's member table (configs/data/behaviour_by_member.csv): the "
            "posterior holds the members' multipliers at it",
        )
    members = load_member_behaviour(params.member_behaviour_file)
    search = Budget(n_runs=budget.n_runs, members=False)
    return Objective(params, seed, search, member_table=members)


def posterior_of(
    params: Params, seed: int, budget: PosteriorBudget, progress: Any = None
) -> tuple[prior.Prior, Posterior]:
    """The prior and the ABC-SMC posterior of the backcast ``params`` (see the module)."""
    obj = objective_for(params, seed, budget)
    joint = prior.Prior(obj.coords)
    return joint, abc_smc(obj.distances, joint, budget.smc, seed, progress)


def cli_posterior(args: argparse.Namespace) -> int:
    """``python -m sim calibrate CONFIG --method abc [--out DIR | --in-place] [--seed N]``.

    ``--in-place`` replaces the shipped posterior, :data:`SHIPPED` (the one forward runs and
    sweeps draw from: ``sim run --posterior configs/data/posterior``), not the point fit.

    Raises:
        CalibrationError: with ``--holdout-year`` (a posterior does not leave a year out), or
            ``--in-place`` where the point fit's ``--in-place`` is refused (with ``--out``, the
            smoke budget, or without a source checkout: ``calibrate_options.check_options``).
    """
    t0 = time.perf_counter()
    if getattr(args, "holdout_year", None) is not None:
        raise CalibrationError(
            "--holdout-year", args.holdout_year, "no --holdout-year with --method abc"
        )
    scenario = load_scenario(args.config, seed=args.seed)
    budget, note = posterior_budget()
    root = checkout_root()
    _, in_place = check_options(args, note, root)
    out = output_path(args.out) if args.out else Path("results") / f"posterior-seed{scenario.seed}"
    out = root / SHIPPED if in_place and root is not None else out
    overwrite = in_place or getattr(args, "overwrite", False)
    with output_folder(out, KIND, overwrite=overwrite) as folder:
        say = lambda line: print(line, file=sys.stderr)  # noqa: E731
        joint, post = posterior_of(scenario.params, scenario.seed, budget, say)
        files = output.posterior_files(joint, post)
        with folder.write() as tmp:
            for name, data in files.items():
                (tmp / name).write_bytes(data)
            manifest = _manifest(args, scenario, budget, note, post, time.perf_counter() - t0)
            manifest["files"] = sorted([*files, MANIFEST])
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    table = output.narrowing(joint, post)
    print(
        table[
            ["coordinate", "posterior_mean", "posterior_q05", "posterior_q95", "narrowed"]
        ].to_string(index=False)
    )
    print(f"{post.stopped}; {post.evaluations} evaluations; wrote {out}/", file=sys.stderr)
    return 0


def _manifest(
    args: argparse.Namespace,
    scenario: Any,
    budget: PosteriorBudget,
    note: str,
    post: Posterior,
    seconds: float,
) -> dict[str, Any]:
    """What made the folder: the command, the budget, the prior, how it stopped, the versions."""
    command = f"{note}python -m sim calibrate {args.config} --method abc"
    if args.seed is not None:
        command += f" --seed {args.seed}"
    if args.out:
        command += f" --out {args.out}"
    if getattr(args, "in_place", False):
        command += " --in-place"
    return {
        "kind": KIND,
        "command": command,
        "config": str(args.config),
        "seed": scenario.seed,
        "budget": "smoke (not a posterior)" if note else "full",
        "particles": budget.smc.particles,
        "replications_per_particle": budget.n_runs,
        "quantile": budget.smc.quantile,
        "min_acceptance": budget.smc.min_acceptance,
        "max_evaluations": budget.smc.max_evaluations,
        "prior": {"region_log_sd": prior.REGION_SD, "member_log_sd": prior.MEMBER_SD},
        "members": "held at the point fit: " + scenario.params.member_behaviour_file,
        "evaluations": post.evaluations,
        "generations": len(post.generations) - 1,
        "tolerance": post.tolerance,
        "ess": post.ess,
        "stopped": post.stopped,
        "seconds": round(seconds, 1),
        "versions": package_versions(),
        "git": git_revision(),
    }
