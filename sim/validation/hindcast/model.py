"""The model in the hindcast: its fit with data up to an origin, and its forecast from there.

This module owns the model's side of a rolling-origin hindcast:

- :func:`fit_until` calibrates the backcast (``sim.validation.calibrate``) to the record as known
  at the end of the origin year Y: the targets are built from ``PanelRecord.until(Y)`` and the
  backcast's runs stop at Y's last quarter, so no later value can reach the fit (a test perturbs
  every later value and gets the same bytes).
- then it sets the ensemble's spread (the shock scale ``noise_sd_pp``) so that the fitted model's
  one-year spread matches its in-sample one-year errors (``sim.validation.hindcast.dispersion``),
  from the same years, and the rival's budget shock (``rival_budget_noise_sd_pp``) so that its
  annual share changes as SIPRI's did up to Y (``sim.validation.rival_record``);
- :func:`forecast` runs the fitted model from the backcast's first quarter to the last forecast
  year and, at the end of Y, sets each member's core share to the record's value for Y (the
  model's other state, such as the threat and the factories, is its own): the forecast starts
  from the same shares as the baselines, so the scores compare what happens after Y.

What the model may know at the origin. By default (``scheduled_shocks=False``) a threat shock the
backcast config schedules after the origin (the 2022 invasion) is removed from the forecast: the
hindcast is a forecast made at Y. With ``scheduled_shocks=True`` the shock stays in, a forecast
conditional on the events that did happen; the fit never sees a shock after Y either way, because
its runs stop at Y.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from sim.core import dynamics
from sim.core.data import Members
from sim.core.members import members_of
from sim.core.params import Params, make_params, parse_quarter
from sim.validation import backcast, rival_record
from sim.validation.calibrate import calibrate
from sim.validation.fit_targets import FitTargets
from sim.validation.hindcast import dispersion
from sim.validation.hindcast.assimilation import assimilated, starting_shares
from sim.validation.hindcast.forecast import Forecast
from sim.validation.hindcast.record import PanelRecord
from sim.validation.hindcast.rival import RivalForecast
from sim.validation.objective import Budget
from sim.validation.rival_record import QUANTITIES

METHOD = "model"
"""The model's name in the hindcast's tables."""


@dataclasses.dataclass(frozen=True)
class Fit:
    """The model fitted with data up to ``origin``: its parameters and its members' multipliers."""

    origin: int
    params: Params
    members: Members
    loss: float
    evaluations: int
    seconds: float
    spread: dispersion.Dispersion | None = None
    """The shock scale fitted to the in-sample one-year errors (None: the config's kept)."""
    member_table: dict[str, tuple[float, float]] = dataclasses.field(default_factory=dict)
    """Each armed member's (threat, pressure) multipliers relative to its region: what the
    posterior-predictive hindcast holds the members at (``sim.validation.hindcast.posterior``)."""
    region_table: dict[str, tuple[float, float]] = dataclasses.field(default_factory=dict)
    """Each region's (threat, pressure) multipliers at the fit."""


def _ending(params: Params, year: int) -> Params:
    """The parameters with the run ending in ``year``'s last quarter."""
    return make_params({"end_quarter": f"{year}Q4"}, base=params)


def fit_until(
    base: Params,
    record: PanelRecord,
    origin: int,
    seed: int,
    budget: Budget | None = None,
    progress: Callable[[str], None] | None = None,
    spread_fit: bool = True,
) -> Fit:
    """Calibrate the backcast with the record up to ``origin`` only, then its ensemble's spread.

    The shock scale (``noise_sd_pp``) is then set from the fitted model's in-sample one-year
    errors (``sim.validation.hindcast.dispersion``), from the same years.

    Args:
        base: the backcast's parameters (``configs/backcast_2014.toml``).
        record: the whole record; only ``record.until(origin)`` is used.
        origin: the last year the fit may see.
        seed: root seed of the replications and the optimiser.
        budget: the calibration's budget (default: the full one).
        progress: called with a line of text after each stage.
        spread_fit: set the shock scales from the years up to the origin (False: keep the
            config's).

    Raises:
        ValueError: when the origin is not after the backcast's first year.
    """
    start = int(parse_quarter(base.start_quarter))
    if origin <= start:
        raise ValueError(f"origin {origin}: expected a year after the backcast's start ({start})")
    known = record.since(start).until(origin)  # the backcast's first year is its initial state
    params = _ending(base, origin)
    targets = FitTargets.from_panel(members_of(params), known)  # the members' order and forces
    result = calibrate(params, seed, budget, progress=progress, targets=targets, diagnose=False)
    members = result.objective.members_of(result.x)
    fitted, spread = result.params, None
    if spread_fit:
        spread = dispersion.estimate(fitted, members, known, origin, seed)
        rival_sd = rival_record.budget_noise_sd_pp(
            rival_record.annual_change_sd(origin), fitted.rival_budget_speed_per_year
        )
        fitted = make_params(
            {"noise_sd_pp": spread.noise_sd_pp, "rival_budget_noise_sd_pp": rival_sd},
            base=fitted,
        )
    return Fit(
        origin,
        fitted,
        members,
        float(result.loss["loss"]),
        result.evaluations,
        result.seconds,
        spread,
        result.objective.multipliers(result.x, "member"),
        result.objective.multipliers(result.x, "region"),
    )


def forecast(
    fit: Fit,
    record: PanelRecord,
    horizons: tuple[int, ...],
    n_runs: int,
    seed: int,
    scheduled_shocks: bool = False,
) -> Forecast:
    """The fitted model's ensemble forecast of the years ``origin + h``, from the record at Y.

    Args:
        fit: the model fitted up to its origin (:func:`fit_until`).
        record: the record; only its origin year's shares are read (the starting shares).
        horizons: years ahead; those past the record's last year are dropped.
        n_runs: replications (the ensemble).
        seed: root seed of the replications (``sim.validation.backcast.replication_seeds``).
        scheduled_shocks: keep a threat shock (and a war) the config schedules after the origin.

    Returns:
        The forecast, one sample per replication.
    """
    return forecast_with_rival(fit, record, horizons, n_runs, seed, scheduled_shocks)[0]


def forecast_with_rival(
    fit: Fit,
    record: PanelRecord,
    horizons: tuple[int, ...],
    n_runs: int,
    seed: int,
    scheduled_shocks: bool = False,
) -> tuple[Forecast, RivalForecast]:
    """:func:`forecast`, with the same runs' forecast of the rival's quantities.

    The rival's quantities (``sim.validation.rival_record.QUANTITIES``) are the annual means of
    the runs' states, from the model's own rival at the origin. Arguments as :func:`forecast`.
    """
    origin = fit.origin
    years = forecast_years(origin, horizons, record)
    params = known_at_origin(fit.params, origin, years[-1], scheduled_shocks)
    seeds = backcast.replication_seeds(seed, n_runs)
    return run_forecast(METHOD, origin, years, [params] * n_runs, seeds, fit.members, record)


def forecast_years(origin: int, horizons: tuple[int, ...], record: PanelRecord) -> tuple[int, ...]:
    """The years ``origin + h`` within the record.

    Raises:
        ValueError: when none is.
    """
    years = tuple(origin + h for h in sorted(horizons) if origin + h <= record.last_year)
    if not years:
        raise ValueError(f"origin {origin}: no horizon of {horizons} within the record")
    return years


def run_forecast(
    method: str,
    origin: int,
    years: tuple[int, ...],
    params: list[Params],
    seeds: list[int],
    members: Members,
    record: PanelRecord,
    responses: np.ndarray | None = None,
) -> tuple[Forecast, RivalForecast]:
    """Runs from the backcast's start, the record's shares put in at the origin, as forecasts.

    Args:
        method: the forecast's name in the tables.
        origin: the origin year.
        years: the forecast years (:func:`forecast_years`).
        params: each run's parameters, run to ``years[-1]`` (:func:`known_at_origin`); they
            share their structure.
        seeds: each run's seed.
        members: the members (their multipliers are every run's unless ``responses``).
        record: the record; only its origin year's shares are read.
        responses: (R, 2, N) each run's threat and pressure multipliers.
    """
    n_runs = len(seeds)
    static = dynamics.build_static(params[0], members)
    p = dynamics.param_arrays(params)
    member_noise, rival_noise = dynamics.draw_shocks(seeds, static.n_steps, members.n)
    start = starting_shares(record, origin, members)
    year_of = np.array([int(q[:4]) for q in static.quarters])
    reset_row = int(np.flatnonzero(year_of == origin)[-1])
    core = np.empty((n_runs, static.n_steps + 1, members.n))
    rival = {q: np.empty((n_runs, static.n_steps + 1)) for q in QUANTITIES}
    states = assimilated(static, p, member_noise, rival_noise, reset_row, start, responses)
    for k, state in enumerate(states):
        core[:, k] = state.core_share_pct
        rival["rival_defence_share_pct"][:, k] = state.rival_defence_share_pct
        rival["rival_munitions_output"][:, k] = state.rival_output
        rival["alliance_munitions_output"][:, k] = state.alliance_output
    samples = np.stack([core[:, year_of == y].mean(axis=1) for y in years], axis=1)
    samples[:, :, np.isnan(start)] = np.nan
    annual = {
        q: np.stack([x[:, year_of == y].mean(axis=1) for y in years], axis=1)
        for q, x in rival.items()
    }
    return (
        Forecast(method, origin, years, tuple(members.iso3), samples),
        RivalForecast(method, origin, years, annual),
    )


def known_at_origin(params: Params, origin: int, last: int, scheduled_shocks: bool) -> Params:
    """The fitted parameters run to ``last``, with nothing the origin could not know.

    The fiscal space after the origin holds the origin's (``sim.core.fiscal``: no later IMF
    value); without ``scheduled_shocks`` a threat shock or a war scheduled after the origin is
    left out.
    """
    params = make_params({"fiscal_data_until_year": origin}, base=_ending(params, last))
    if scheduled_shocks:
        return params
    later: dict[str, object] = {}
    if params.threat_shock_quarter and int(parse_quarter(params.threat_shock_quarter)) > origin:
        later["threat_shock_size"] = 0.0
    if params.war_start_quarter and int(parse_quarter(params.war_start_quarter)) > origin:
        later["war_start_quarter"] = ""
    return make_params(later, base=params) if later else params
