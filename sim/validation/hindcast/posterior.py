"""The posterior-predictive hindcast: at each origin, a posterior from the record up to it.

This module owns the ``posterior`` method of ``python -m sim hindcast CONFIG --posterior``. At
each origin Y, after the point fit (``sim.validation.hindcast.model.fit_until``):

- :func:`posterior_until` samples the ABC-SMC posterior (``sim.validation.posterior``) of the
  pooled parameters and the regions' threat multipliers from the record up to Y only (the
  targets of ``FitTargets.from_panel(record.until(Y))``, the backcast's runs stopping at Y's
  last quarter), with the members' multipliers held at Y's point fit (the Bayesian
  calibration's own conditioning, ``sim.validation.posterior.command``);
- :func:`forecast` draws ``draws`` particles by weight and runs each with the same
  ``reps`` seeds (paired), from the record's shares at Y as the point forecast does, with the
  point fit's shock scales (its one-year spread fitted to its in-sample errors up to Y).

The scores are the other methods' (``sim.validation.hindcast.scores``): the issue's test is that
the 90% band covers 80-95% of held-out member-years, the 50% band 40-60%, with a CRPS no worse
than the point forecast's (``model``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.data import with_multipliers
from sim.core.members import members_of
from sim.core.params import PARAM_FIELDS, Params, make_params, parse_quarter
from sim.runs.posterior_draws import Posterior as DrawSource
from sim.runs.posterior_draws import draw_multipliers, resample
from sim.validation import backcast
from sim.validation.calibrate_options import budget_from_env
from sim.validation.fit_targets import FitTargets
from sim.validation.hindcast.forecast import Forecast
from sim.validation.hindcast.model import (
    Fit,
    forecast_years,
    known_at_origin,
    run_forecast,
)
from sim.validation.hindcast.record import PanelRecord
from sim.validation.hindcast.rival import RivalForecast
from sim.validation.objective import Budget, Objective
from sim.validation.posterior import output, prior
from sim.validation.posterior.command import SMOKE_BUDGET, PosteriorBudget
from sim.validation.posterior.smc import SmcBudget, abc_smc

METHOD = "posterior"
"""The posterior-predictive forecast's name in the hindcast's tables."""
HINDCAST_BUDGET = PosteriorBudget(SmcBudget(particles=300, max_evaluations=40_000), n_runs=10)
"""The sampler's budget at each origin: a third of the full calibration's evaluations
(``sim.validation.posterior.command.FULL_BUDGET``), so eight origins fit in the hindcast's time;
the tolerance it reaches is in ``posterior_fits.csv``."""
DRAWS = 100
"""Posterior draws per forecast."""
REPS = 10
"""Replications per draw (paired seeds)."""


def hindcast_budget() -> PosteriorBudget:
    """:data:`HINDCAST_BUDGET`, or the smoke budget under ``SIM_CALIBRATE_BUDGET=smoke``.

    Raises:
        CalibrationError: when that variable is neither unset, ``full`` nor ``smoke``.
    """
    return budget_from_env(HINDCAST_BUDGET, SMOKE_BUDGET)[0]


def describe(budget: PosteriorBudget) -> dict[str, Any]:
    """The sampler's budget and the forecast's size, for the manifest."""
    return {
        "particles": budget.smc.particles,
        "max_evaluations": budget.smc.max_evaluations,
        "replications_per_particle": budget.n_runs,
        "draws": DRAWS,
        "reps": REPS,
        "members": "held at each origin's point fit",
    }


@dataclasses.dataclass(frozen=True)
class OriginPosterior:
    """An origin's posterior: its particles (``posterior.csv``'s columns) and how it was reached."""

    origin: int
    table: pd.DataFrame
    row: dict[str, Any]
    """One row of ``posterior_fits.csv``: evaluations, generations, tolerance, ESS, seconds and
    each coordinate's posterior mean."""


def posterior_until(
    base: Params,
    record: PanelRecord,
    fit: Fit,
    seed: int,
    budget: PosteriorBudget = HINDCAST_BUDGET,
    progress: Callable[[str], None] | None = None,
) -> OriginPosterior:
    """The ABC-SMC posterior with the record up to the fit's origin (see the module).

    Args:
        base: the backcast's parameters (``configs/backcast_2014.toml``).
        record: the whole record; only ``record.until(fit.origin)`` is used.
        fit: the origin's point fit (its member multipliers are held).
        seed: root seed of the replications and the sampler.
        budget: the sampler's budget.
        progress: called with a line of text after each generation.
    """
    t0 = time.perf_counter()
    origin = fit.origin
    start = int(parse_quarter(base.start_quarter))
    known = record.since(start).until(origin)
    params = make_params({"end_quarter": f"{origin}Q4"}, base=base)
    targets = FitTargets.from_panel(members_of(params), known)
    search = Budget(n_runs=budget.n_runs, members=False)
    obj = Objective(params, seed, search, targets=targets, member_table=fit.member_table)
    post = abc_smc(obj.distances, prior.Prior(obj.coords), budget.smc, seed, progress)
    table = output.posterior_table(obj.coords, post)
    row: dict[str, Any] = {
        "origin": origin,
        "evaluations": post.evaluations,
        "generations": len(post.generations) - 1,
        "tolerance": post.tolerance,
        "ess": post.ess,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    weights = table["weight"].to_numpy()
    row.update({c.name: float(weights @ table[c.name].to_numpy()) for c in obj.coords})
    return OriginPosterior(origin, table, row)


def forecast(
    fit: Fit,
    posterior: OriginPosterior,
    record: PanelRecord,
    horizons: tuple[int, ...],
    seed: int,
    draws: int = DRAWS,
    reps: int = REPS,
    scheduled_shocks: bool = False,
) -> tuple[Forecast, RivalForecast]:
    """The posterior-predictive forecast of the years ``origin + h`` (``draws x reps`` runs).

    Each draw's pooled values replace the point fit's (its shock scales stay), its region
    multipliers times the held member multipliers are its members'; replication r has the same
    seed under every draw.
    """
    origin = fit.origin
    years = forecast_years(origin, horizons, record)
    source = DrawSource(Path("."), posterior.table, config="")
    chosen = resample(source, draws, seed)
    base = members_of(fit.params)
    pooled = [c for c in source.coordinates if c in PARAM_FIELDS]
    params, responses = [], np.empty((draws * reps, 2, base.n))
    for d, (_, draw) in enumerate(chosen.iterrows()):
        values = make_params({c: float(draw[c]) for c in pooled}, base=fit.params)
        params += [known_at_origin(values, origin, years[-1], scheduled_shocks)] * reps
        regions, own = draw_multipliers(draw, base, fit.member_table)
        members = with_multipliers(base, regions, own)
        responses[d * reps : (d + 1) * reps] = members.threat_response, members.pressure_response
    seeds = backcast.replication_seeds(seed, reps) * draws
    return run_forecast(METHOD, origin, years, params, seeds, fit.members, record, responses)


__all__ = [
    "DRAWS",
    "describe",
    "hindcast_budget",
    "HINDCAST_BUDGET",
    "METHOD",
    "REPS",
    "OriginPosterior",
    "forecast",
    "posterior_until",
]
