"""Calibration: fit the members' behavioural parameters to the NATO record 2014-2024.

This module owns ``python -m sim calibrate CONFIG``: it fits the behavioural parameters of the
backcast (``configs/backcast_2014.toml``) to the observed shares and yearly counts of
``seeds/``, writes them as a config the forward scenarios can inherit, and reports the fit per
member and which parameters the data do not identify. By default everything goes to
``results/calibration-seed<seed>/`` under the current folder; ``--in-place`` updates the
committed fit instead: ``configs/behaviour.toml`` (inherited by the forward scenarios) with its
region and member tables ``configs/data/behaviour_by_region.csv`` and ``behaviour_by_member.csv``,
and the backcast-only values in ``configs/data/backcast_fitted.toml`` (:func:`cli_calibrate`).
What is fitted is ``sim.validation.search_space``, what it is compared with
``sim.validation.fit_targets``, the loss ``sim.validation.loss`` (put together by
``sim.validation.objective``); the command's options and destinations are
``sim.validation.calibrate_options``; writing the results is ``sim.validation.output``.

The start shock (``start_threat_shock_size``: Crimea, annexed months before the backcast's
first quarter and not yet in the 2014 shares) is fitted with the rest but belongs to the
backcast only (:data:`BACKCAST_ONLY`): it goes to ``configs/data/backcast_fitted.toml``, which
inherits ``configs/behaviour.toml`` and is inherited by ``configs/backcast_2014.toml``, so the
forward scenarios (which inherit ``configs/behaviour.toml``) keep it at 0. The search starts
from the documented priors (``sim.core.params``, start shock 0), not from the last fit, so a rerun
gives the same result; the committed files reproduce the recorded loss through the backcast
config (``tests/validation/test_calibration.py``).

Free riding (``free_riding_strength``) is in ``POOLED`` but held at its documented prior by
default (``Budget.fixed``): in 2014-2024 every member responded to one common shock, so a
member's response to its allies' spending cannot be told apart from its response to the common
threat (Manski's reflection problem); the allies' combined share moved by only about 0.13 pp,
and a fit that frees it lands at 0.84 at no lower loss (docs/VALIDATION.md, §4).
``experiments/validation`` profiles the loss over it.

**The optimiser.** For the pooled parameters and the regions: scipy's
``differential_evolution`` (seeded, started from the documented priors, a small budget), then
``minimize`` with Powell's method and Nelder-Mead, both with bounds. Then ``member_rounds``
rounds of a Powell search over the member multipliers followed by one over the pooled parameters
and regions again (block coordinate descent). All deterministic for a given seed.

**Identification.** At the optimum, Gauss-Newton standard errors and the flattest directions of
the pooled and regional parameters say what the data do not identify
(``sim.validation.identification``; :func:`identify`).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import differential_evolution, minimize

from sim.core import resources
from sim.core.config import load_scenario
from sim.core.params import Params
from sim.validation.calibrate_options import BUDGET_ENV as BUDGET_ENV
from sim.validation.calibrate_options import CalibrationError as CalibrationError
from sim.validation.calibrate_options import InPlaceError as InPlaceError
from sim.validation.calibrate_options import (
    budget_from_env,
    check_options,
    command_line,
    destinations,
)
from sim.validation.fit_targets import FitTargets
from sim.validation.identification import identify as identify
from sim.validation.objective import POOLED, Budget, Objective
from sim.validation.result import BACKCAST_ONLY as BACKCAST_ONLY
from sim.validation.result import CalibrationResult as CalibrationResult

CLI_BUDGET = Budget()
"""The budget of ``python -m sim calibrate`` (tests replace it with a small one)."""
SMOKE_BUDGET = Budget(
    n_runs=4,
    de_maxiter=0,
    powell_maxfev=20,
    nm_maxiter=0,
    member_rounds=1,
    member_maxfev=20,
    polish_maxfev=0,
)
"""A tiny search for smoke tests of the command (``SIM_CALIBRATE_BUDGET=smoke``), in seconds.

It runs every stage of ``python -m sim calibrate`` and writes every file, but it is NOT the
published fit: 4 replications and a few dozen evaluations instead of 50 and thousands. The
command records it (in the written headers and ``calibration.json``) and refuses it with
``--in-place``.
"""


def calibrate(
    base: Params,
    seed: int,
    budget: Budget | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    holdout_year: int | None = None,
    targets: FitTargets | None = None,
    diagnose: bool = True,
) -> CalibrationResult:
    """Fit the behavioural parameters of a backcast to the record (deterministic per seed).

    Args:
        base: the backcast's parameters (its behavioural values are not used: the search starts
            from the documented priors of ``sim.core.params`` and multipliers of 1).
        seed: root seed of the replications (common random numbers) and of the optimiser.
        budget: replications and optimiser iterations (default: :class:`Budget`).
        progress: called with a line of text after each stage.
        holdout_year: a year left out of the loss (see :class:`Objective`).
        targets: what the fit is compared with (see :class:`Objective`; the hindcast's fits).
        diagnose: also compute the identification diagnostics (not needed by the hindcast).

    Returns:
        The fit, its loss, and the identification diagnostics.
    """
    say = progress or (lambda _line: None)
    budget = budget or Budget()
    t0 = time.perf_counter()
    obj = Objective(base, seed, budget, holdout_year=holdout_year, targets=targets)
    x0 = obj.start()
    start_loss = obj(x0)
    say(f"start: loss {start_loss:.5f} ({len(obj.coords)} coordinates, {budget.n_runs} runs)")
    best = _Best(x0, start_loss)
    _search_shared(obj, best, budget, seed, say)
    _member_rounds(obj, best, budget, say)
    best_x = _as_written(obj, best.x)
    loss = obj.components(best_x)
    result = CalibrationResult(
        obj,
        best_x,
        obj.params_of(best_x),
        loss,
        start_loss,
        obj.evaluations,
        time.perf_counter() - t0,
    )
    if diagnose:
        result.identification, result.directions = identify(obj, best_x)
        say(f"identification done; {time.perf_counter() - t0:.0f} s in all")
    result.seconds = time.perf_counter() - t0
    return result


def _search_shared(
    obj: Objective, best: _Best, budget: Budget, seed: int, say: Callable[[str], None]
) -> None:
    """The pooled and regional stages: differential evolution, Powell, then Nelder-Mead."""
    shared = obj.indices("pooled", "region")
    if budget.de_maxiter > 0:
        f, bounds = restricted(obj, best.x, shared)
        de = differential_evolution(
            f,
            bounds,
            seed=seed,
            maxiter=budget.de_maxiter,
            popsize=budget.de_popsize,
            x0=best.x[shared],
            polish=False,
            tol=0.0,
            init="latinhypercube",
        )
        best.offer(shared, de.x, de.fun)
        say(f"differential evolution: loss {best.f:.5f} after {obj.evaluations} evaluations")
    if budget.powell_maxfev > 0:
        _powell(obj, best, shared, budget.powell_maxfev)
        say(f"Powell: loss {best.f:.5f} after {obj.evaluations} evaluations")
    if budget.nm_maxiter > 0:
        f, bounds = restricted(obj, best.x, shared)
        nm = minimize(
            f,
            best.x[shared],
            method="Nelder-Mead",
            bounds=bounds,
            options={
                "maxiter": budget.nm_maxiter,
                "maxfev": budget.nm_maxiter,
                "xatol": 1e-4,
                "fatol": 1e-7,
                "adaptive": True,
            },
        )
        best.offer(shared, nm.x, nm.fun)
        say(f"Nelder-Mead: loss {best.f:.5f} after {obj.evaluations} evaluations")


def _member_rounds(obj: Objective, best: _Best, budget: Budget, say: Callable[[str], None]) -> None:
    """Block coordinate descent: rounds of Powell over the members, then the pooled and regions."""
    shared = obj.indices("pooled", "region")
    own = obj.indices("member")
    if not len(own):
        return
    for round_ in range(1, budget.member_rounds + 1):
        _powell(obj, best, own, budget.member_maxfev)
        say(
            f"round {round_}, members (Powell): loss {best.f:.5f} after "
            f"{obj.evaluations} evaluations"
        )
        _powell(obj, best, shared, budget.polish_maxfev)
        say(
            f"round {round_}, pooled and regions (Powell): loss {best.f:.5f} after "
            f"{obj.evaluations} evaluations"
        )


def _as_written(obj: Objective, x: np.ndarray) -> np.ndarray:
    """The search vector centred and rounded to the precision written to the config.

    Centred: the same members, a smaller ridge term. Rounded (4 decimals, of the multiplier for a
    log coordinate): so that the written config reproduces the loss.
    """
    centred = obj.centred(x)
    return np.array(
        [
            round(float(v), 4) if not c.log else math.log(round(math.exp(v), 4))
            for c, v in zip(obj.coords, centred, strict=True)
        ]
    )


@dataclass
class _Best:
    """The best search vector so far; a stage's result replaces it only if it is better."""

    x: np.ndarray
    f: float

    def offer(self, idx: np.ndarray, z: np.ndarray, f: float) -> None:
        if f < self.f:
            self.x = self.x.copy()
            self.x[idx] = z
            self.f = float(f)


def restricted(
    obj: Objective, x: np.ndarray, idx: np.ndarray
) -> tuple[Callable[[np.ndarray], float], list[tuple[float, float]]]:
    """The loss as a function of the coordinates ``idx`` only, the others held at ``x``."""
    base = np.array(x, dtype=float)

    def f(z: np.ndarray) -> float:
        full = base.copy()
        full[idx] = z
        return obj(full)

    return f, [obj.bounds[j] for j in idx]


def _powell(obj: Objective, best: _Best, idx: np.ndarray, maxfev: int) -> None:
    """A bounded Powell search over the coordinates ``idx`` from the best point so far."""
    if maxfev <= 0 or not len(idx):
        return
    f, bounds = restricted(obj, best.x, idx)
    res = minimize(
        f,
        best.x[idx],
        method="Powell",
        bounds=bounds,
        options={"maxfev": maxfev, "xtol": 1e-3, "ftol": 1e-6},
    )
    best.offer(idx, res.x, res.fun)


def fitted_backcast(backcast: Params, fit_config: str | Path) -> Params:
    """The backcast's parameters with the fitted values of another calibration.

    Args:
        backcast: the backcast's parameters (``configs/backcast_2014.toml``).
        fit_config: the backcast-only config a calibration wrote (``<stem>_backcast.toml``,
            inheriting its behaviour config), e.g. the 2024 hold-out's.

    Returns:
        ``backcast`` with every pooled value and both multiplier tables of that fit.
    """
    fitted = load_scenario(fit_config).params
    names = [n for n, _, _ in POOLED] + ["region_behaviour_file", "member_behaviour_file"]
    return dataclasses.replace(backcast, **{n: getattr(fitted, n) for n in names})


# ---------------------------------------------------------------------------------------------
# command line


def cli_budget() -> tuple[Budget, str]:
    """The command's budget and how to name it in the recorded command (``""`` for the full one).

    Raises:
        CalibrationError: when :data:`BUDGET_ENV` is neither unset, ``full`` nor ``smoke``.
    """
    return budget_from_env(CLI_BUDGET, SMOKE_BUDGET)


def cli_calibrate(args: argparse.Namespace) -> int:
    """``python -m sim calibrate CONFIG [--out PATH | --in-place] [--seed N] [--holdout-year Y]``.

    By default everything goes to ``results/calibration-seed<seed>/`` under the current folder,
    and no tracked file changes: the fitted config ``behaviour.toml``, its region and member
    tables ``behaviour_by_region.csv`` and ``behaviour_by_member.csv``, the backcast-only values
    of :data:`BACKCAST_ONLY` in ``backcast_fitted.toml`` (inheriting ``behaviour.toml``) and the
    report. The written configs name their tables by absolute path, so they work from any folder
    (``python -m sim run results/calibration-seed<seed>/backcast_fitted.toml``).

    ``--out PATH`` writes the fitted config to PATH, its tables next to it (``<stem>_regions.csv``
    and ``<stem>_members.csv``), the backcast-only values to ``<stem>_backcast.toml`` and the
    report to ``<stem>_report/``. ``--in-place`` updates the committed fit in the source
    checkout (``configs/behaviour.toml``, ``configs/data/backcast_fitted.toml``,
    ``configs/data/behaviour_by_region.csv`` and ``behaviour_by_member.csv``; the report still
    goes to ``results/calibration-seed<seed>/``); it is refused when the package does not run
    from a checkout, with ``--out`` or ``--holdout-year``, and with the smoke budget. The seed
    defaults to the config's. ``--holdout-year`` needs ``--out``: a fit that leaves data out
    must be written where it cannot be taken for the full fit. The environment variable
    ``SIM_CALIBRATE_BUDGET=smoke`` selects :data:`SMOKE_BUDGET` (smoke tests only).
    ``--method abc`` runs the Bayesian calibration instead (``sim.validation.posterior.command``).
    """
    if getattr(args, "method", "point") == "abc":
        from sim.validation.posterior.command import cli_posterior

        return cli_posterior(args)
    scenario = load_scenario(args.config, seed=args.seed)
    budget, budget_note = cli_budget()
    root = resources.checkout_root()
    holdout, in_place = check_options(args, budget_note, root)
    to = destinations(args.out, in_place, scenario.seed, root)
    command = command_line(args, budget_note, holdout, in_place)
    result = calibrate(
        scenario.params,
        scenario.seed,
        budget,
        progress=lambda line: print(line, file=sys.stderr),
        holdout_year=holdout,
    )
    from sim.validation.output import relative, summary_text, write_result

    write_result(
        result, to.out, to.region_file, to.report, command, to.backcast_file, to.member_file
    )
    print(summary_text(result))
    print(
        f"wrote {relative(to.out)}, {relative(to.backcast_file)}, {relative(to.region_file)}, "
        f"{relative(to.member_file)} and {relative(to.report)}/",
        file=sys.stderr,
    )
    return 0
