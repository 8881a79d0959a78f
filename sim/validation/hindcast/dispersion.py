"""The model's ensemble spread in the hindcast, from its own one-year errors up to the origin.

Member shocks (``noise_sd_pp``, pp of GDP per quarter) are what spreads the replications of one
fitted parameter set. Their default scale (0.03) is an assumption, and with it the hindcast's 90%
bands covered 17% of the record's member-years: an ensemble far narrower than the model's misses.
This module estimates the scale at each origin Y from the years the fit saw, as a forecaster
sets a forecast's spread from its past errors:

1. **In-sample one-year errors.** For each year t from the backcast's second year to Y, the fitted
   model starts from the record at the end of t - 1 (``sim.validation.hindcast.assimilation``)
   and runs to t without shocks; its annual mean share of t is compared with the record's. Their
   root mean square over the armed members' years is the error the spread should match.
2. **The spread per scale, simulated.** The same one-year runs with shocks (:data:`RUNS`
   replications): the spread is the root mean square, over the same member-years, of each
   member's standard deviation across the replications. It is about proportional to the scale
   while the fiscal ramp limit and the floors do not bind, and less than that when they do, so
   the scale is found by :data:`STEPS` fixed-point steps ``scale <- scale * error / spread``
   from :data:`FIRST_SCALE`, within the parameter's range.

Only ``record.until(Y)`` is read: no value after the origin reaches the spread, as none reaches the
fit. The scale is a property of the fit and is reported with it (``fits.csv``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.core import dynamics
from sim.core.data import Members
from sim.core.params import PARAM_FIELDS, Params, make_params, parse_quarter
from sim.validation import backcast
from sim.validation.hindcast.assimilation import assimilated, starting_shares
from sim.validation.hindcast.record import PanelRecord

RUNS = 200
"""Replications of each one-year run that measure the spread (its relative error about 5%)."""
FIRST_SCALE = 0.1
"""The shock scale (pp per quarter) of the first measurement."""
STEPS = 3
"""Fixed-point steps from :data:`FIRST_SCALE`."""


@dataclasses.dataclass(frozen=True)
class Dispersion:
    """The shock scale fitted to the in-sample one-year errors.

    Attributes:
        noise_sd_pp: the scale (``noise_sd_pp``, pp of GDP per quarter).
        error_pp: root mean square of the in-sample one-year errors (pp of GDP).
        spread_pp: the one-year spread the ensemble has at that scale (pp of GDP).
        member_years: the member-years behind both.
    """

    noise_sd_pp: float
    error_pp: float
    spread_pp: float
    member_years: int


def one_year(
    params: Params, members: Members, record: PanelRecord, year: int, runs: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The model's annual mean core shares of ``year``, started from the record at ``year - 1``.

    Returns:
        (runs, N) shares of ``year`` and (N,) the record's shares of ``year - 1`` (NaN: none).
    """
    params = make_params({"end_quarter": f"{year}Q4"}, base=params)
    static = dynamics.build_static(params, members)
    p = np.repeat(dynamics.param_arrays([params]), runs, axis=0)
    member_noise, rival_noise = dynamics.draw_shocks(
        backcast.replication_seeds(seed, runs), static.n_steps, members.n
    )
    start = starting_shares(record, year - 1, members)
    year_of = np.array([int(q[:4]) for q in static.quarters])
    reset = int(np.flatnonzero(year_of == year - 1)[-1])
    rows = [
        state.core_share_pct
        for k, state in enumerate(assimilated(static, p, member_noise, rival_noise, reset, start))
        if year_of[k] == year
    ]
    return np.mean(rows, axis=0), start


def _years(params: Params, origin: int) -> range:
    return range(int(parse_quarter(params.start_quarter)) + 1, origin + 1)


def in_sample_errors(
    params: Params, members: Members, record: PanelRecord, origin: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The fitted model's one-year errors (record - model, pp) for every year up to ``origin``.

    Returns:
        The errors of every usable member-year, and for each year the mask of its usable members
        (armed, with a record at both ends).
    """
    known = record.until(origin)
    still = make_params({"noise_sd_pp": 0.0}, base=params)
    errors, masks = [], []
    for year in _years(params, origin):
        model, start = one_year(still, members, known, year, 1, 0)
        observed = starting_shares(known, year, members)
        ok = ~np.isnan(observed) & ~np.isnan(start) & (members.armed > 0)
        errors.append((observed - model[0])[ok])
        masks.append(ok)
    return np.concatenate(errors), masks


def spread(
    params: Params,
    members: Members,
    record: PanelRecord,
    origin: int,
    masks: list[np.ndarray],
    seed: int,
) -> float:
    """The ensemble's one-year spread at ``params.noise_sd_pp`` over the masked member-years."""
    known = record.until(origin)
    sds = []
    for year, ok in zip(_years(params, origin), masks, strict=True):
        shares, _ = one_year(params, members, known, year, RUNS, seed)
        sds.append(shares[:, ok].std(axis=0))
    return float(np.sqrt(np.mean(np.concatenate(sds) ** 2)))


def estimate(
    params: Params, members: Members, record: PanelRecord, origin: int, seed: int
) -> Dispersion:
    """The shock scale whose one-year spread matches the in-sample one-year errors.

    Args:
        params: the fitted parameters (their runs end at the origin or later).
        members: the fitted members (their multipliers).
        record: the record; only ``record.until(origin)`` is read.
        origin: the last year the estimate may see.
        seed: root seed of the replications.

    Raises:
        ValueError: when no member-year up to the origin has a one-year error.
    """
    errors, masks = in_sample_errors(params, members, record, origin)
    if errors.size == 0:
        raise ValueError(f"origin {origin}: no member-year with a one-year error to match")
    error = float(np.sqrt(np.mean(errors**2)))
    meta = PARAM_FIELDS["noise_sd_pp"].metadata
    scale = FIRST_SCALE if error > 0 else 0.0
    for _ in range(STEPS if error > 0 else 0):
        reached = spread(_scaled(params, scale), members, record, origin, masks, seed)
        if reached == 0.0:  # shocks that cannot move the shares (e.g. no adjustment at all)
            break
        scale = float(np.clip(scale * error / reached, meta["min"], meta["max"]))
    reached = spread(_scaled(params, scale), members, record, origin, masks, seed)
    return Dispersion(scale, error, reached, int(errors.size))


def _scaled(params: Params, scale: float) -> Params:
    return make_params({"noise_sd_pp": scale}, base=params)
