"""Calibration: fit the members' behavioural parameters to the NATO record 2014-2024.

This module owns ``python -m sim calibrate CONFIG``: it fits the behavioural parameters of the
backcast (``configs/backcast_2014.toml``) to the observed shares and yearly counts of
``seeds/``, writes them as the config the forward scenarios inherit (``configs/behaviour.toml``
and its region table ``configs/data/behaviour_by_region.csv``; the backcast-only values go to
``configs/data/backcast_fitted.toml``), and reports the fit per member and which parameters the
data do not identify.

**What is fitted.** The pooled parameters of :data:`POOLED` (adjustment speed, threat
sensitivity, hegemon pressure, peer conformity, threat memory, the margin above the target
members aim for, and the size of the start shock) and per-region multipliers
(``sim.data.load_region_behaviour``) of the threat sensitivity and of the pressure weight, fitted
on a log scale with the frontline region (threat) and the western region (pressure) fixed at 1
as references (without them the pooled values and the multipliers would only be identified as
products). The threat shock of 2022 is fixed at 1 threat unit: only its product with the threat
sensitivity is identified.

The start shock (``start_threat_shock_size``: Crimea, annexed months before the backcast's
first quarter and not yet in the 2014 shares) is fitted with the rest but belongs to the
backcast only (:data:`BACKCAST_ONLY`): it goes to ``configs/data/backcast_fitted.toml``, which
inherits ``configs/behaviour.toml`` and is inherited by ``configs/backcast_2014.toml``, so the
forward scenarios (which inherit ``configs/behaviour.toml``) keep it at 0. The search starts
from the documented priors (``sim.params``, start shock 0), not from the last fit, so a rerun
gives the same result; the committed files reproduce the recorded loss through the backcast
config (``tests/test_calibration.py``).

Free riding (``free_riding_strength``) is in :data:`POOLED` but held at its documented prior by
default (``Budget.fixed``): in 2014-2024 every member responded to one common shock, so a
member's response to its allies' spending cannot be told apart from its response to the common
threat (Manski's reflection problem); the allies' combined share moved by only about 0.15 pp,
and a fit that frees it drifts to the upper bound, 1, which in the forward scenarios cancels
most of any alliance-wide build-up. ``experiments/validation`` profiles the loss over it.

**The loss** (smaller is better), over the mean of ``n_runs`` replications with common random
numbers (the same seeds and shocks for every evaluation, so the loss is a deterministic function
of the parameters)::

    loss = mean over member-years with data of (model share - data share)^2      [pp^2]
         + COUNT_WEIGHT * mean over 2017, 2022, 2023, 2024 of (model count - data count)^2
         + PRIOR_WEIGHT * sum of squared log multipliers

The model's share for a year is the mean of its quarters and the count is NATO's (shares rounded
to two decimals, allies only; ``sim.backcast``). ``COUNT_WEIGHT`` = 0.01 pp^2 per member^2: a
count off by one member weighs as much as a 0.1 pp error on every share. The prior is a weak
ridge that keeps a region's multipliers at 1 unless its members' data move them.

**The optimiser.** scipy's ``differential_evolution`` (seeded, started from the documented
priors, a small budget), then ``minimize`` with Powell's method and Nelder-Mead, both with
bounds; all deterministic for a given seed. The whole fit takes about 100 s on one core.

**Identification.** At the optimum, the Jacobian of the share residuals (finite differences)
gives Gauss-Newton standard errors and the eigen-directions of ``J'J`` in scaled units;
a parameter is reported as not identified when it sits at a bound or its 95% interval covers more
than half its range, and the flattest eigen-directions name the combinations the data leave free.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution, minimize

from sim import backcast, dynamics
from sim.config import load_scenario
from sim.data import Members, load_members, resolve
from sim.params import PARAM_FIELDS, Params, make_params

POOLED: tuple[tuple[str, float, float], ...] = (
    ("adjustment_speed_per_year", 0.05, 4.0),
    ("threat_sensitivity_pp", 0.0, 5.0),
    ("hegemon_pressure", 0.0, 1.0),
    ("peer_conformity", 0.0, 1.0),
    ("free_riding_strength", 0.0, 1.0),
    ("threat_memory", 0.0, 0.95),
    ("target_margin_pp", 0.0, 0.5),
    ("start_threat_shock_size", 0.0, 1.0),
)
"""Pooled parameters and the bounds searched (inside their ranges in ``sim.params``)."""
BACKCAST_ONLY: tuple[str, ...] = ("start_threat_shock_size",)
"""Fitted parameters written to the backcast's own file, not to ``configs/behaviour.toml``.

They describe the backcast's history, not the members' behaviour: ``start_threat_shock_size``
is the threat of Crimea's annexation (Feb-Mar 2014), in force from the backcast's first step but
not yet in the 2014 shares it starts from. A forward scenario starts from the 2024 shares, which
already reflect that threat; inheriting the shock would add it a second time. So they go to
:data:`DEFAULT_BACKCAST_OUT` (inheriting ``configs/behaviour.toml``, inherited by
``configs/backcast_2014.toml``) and the forward scenarios keep their default, 0.
"""
LOG_MULTIPLIER_BOUNDS = (-2.5, 1.5)
"""Bounds of the log multipliers: a multiplier between 0.08 and 4.5."""
THREAT_REFERENCE_REGION = "north-east flank"
PRESSURE_REFERENCE_REGION = "western"
COUNT_WEIGHT = 0.01
PRIOR_WEIGHT = 0.002
FIT_YEARS = backcast.DATA_YEARS
COUNT_FIT_YEARS = (2017, 2022, 2023, 2024)
DEFAULT_OUT = "configs/behaviour.toml"
DEFAULT_REGION_TABLE = "configs/data/behaviour_by_region.csv"
DEFAULT_BACKCAST_OUT = "configs/data/backcast_fitted.toml"


@dataclass(frozen=True)
class Budget:
    """How hard to search: replications and optimiser iterations."""

    n_runs: int = 50
    de_maxiter: int = 12
    de_popsize: int = 5
    powell_maxfev: int = 3000
    nm_maxiter: int = 1000
    regions: bool = True
    fixed: tuple[str, ...] = ("free_riding_strength",)
    """Pooled parameters held at their documented prior (``sim.params`` default), not fitted."""


CLI_BUDGET = Budget()
"""The budget of ``python -m sim calibrate`` (tests replace it with a small one)."""

@dataclass(frozen=True)
class Coordinate:
    """One coordinate of the search vector."""

    name: str  # a parameter name, or threat_multiplier:<region> / pressure_multiplier:<region>
    lo: float
    hi: float
    log: bool  # a log multiplier


class Objective:
    """The calibration loss as a deterministic function of the search vector.

    The replications' shocks are drawn once (common random numbers); each evaluation runs the
    dynamics of ``sim.dynamics`` for every replication at once and keeps only the core shares.
    """

    def __init__(self, base: Params, seed: int, budget: Budget = Budget(),
                 held: dict[str, float] | None = None) -> None:
        """Prepare the record, the members (without multipliers) and the shocks.

        Args:
            base: the backcast's parameters.
            seed: root seed of the replications.
            budget: replications and which parameters are held fixed.
            held: values of the parameters held fixed (default: their documented priors).
        """
        values = {name: PARAM_FIELDS[name].default for name in budget.fixed}
        values.update(held or {})
        self.base = dataclasses.replace(base, region_behaviour_file="", **values)
        self.budget = budget
        self.seed = seed
        self.members = load_members(base.members_file, base.initial_data_year,
                                    use_pledges=base.use_pledges,
                                    use_target_exemptions=base.use_target_exemptions)
        self.record = backcast.load_record()
        armed_regions = {r for r, a in zip(self.members.region, self.members.armed, strict=True)
                         if a}
        self.regions = tuple(sorted(armed_regions))
        coords = [Coordinate(n, lo, hi, False) for n, lo, hi in POOLED if n not in budget.fixed]
        if budget.regions:
            lo, hi = LOG_MULTIPLIER_BOUNDS
            coords += [Coordinate(f"threat_multiplier:{r}", lo, hi, True)
                       for r in self.regions if r != THREAT_REFERENCE_REGION]
            coords += [Coordinate(f"pressure_multiplier:{r}", lo, hi, True)
                       for r in self.regions if r != PRESSURE_REFERENCE_REGION]
        self.coords = tuple(coords)
        self.static = dynamics.build_static(self.base, self.members)
        self.seeds = backcast.replication_seeds(seed, budget.n_runs)
        self.member_noise, self.rival_noise = dynamics.draw_shocks(
            self.seeds, self.static.n_steps, self.members.n)
        self.years = (2014, *FIT_YEARS)
        year_of = np.array([int(q[:4]) for q in self.static.quarters])
        self.year_rows = [np.flatnonzero(year_of == y) for y in self.years]
        obs = self.record.shares.reindex(list(self.members.iso3))[list(self.years)].to_numpy().T
        self.observed = obs  # (Y, N)
        self.mask = ~np.isnan(obs) & self.members.armed[None, :]
        self.mask[0] = False  # 2014 is the initial state
        self.count_years = backcast.COUNT_YEARS
        self.count_data = np.array([self.record.counts[y] for y in self.count_years], float)
        self.count_fit = np.array([y in COUNT_FIT_YEARS for y in self.count_years])
        self.evaluations = 0

    # -- the search vector ------------------------------------------------------------------
    @property
    def bounds(self) -> list[tuple[float, float]]:
        """Bounds of the search vector."""
        return [(c.lo, c.hi) for c in self.coords]

    def start(self, regions: dict[str, tuple[float, float]] | None = None,
              values: Params | None = None) -> np.ndarray:
        """The search vector of a parameter set and a region table.

        Args:
            regions: region -> (threat, pressure) multipliers (default: all 1).
            values: the pooled values (default: the documented priors, the defaults of
                ``sim.params``, so that a calibration does not depend on the last one).
        """
        table = regions or {}
        values = values or Params()
        x = []
        for c in self.coords:
            if c.log:
                kind, region = c.name.split(":", 1)
                pair = table.get(region, (1.0, 1.0))
                value = pair[0] if kind == "threat_multiplier" else pair[1]
                x.append(min(max(math.log(max(value, 1e-12)), c.lo), c.hi))
            else:
                x.append(min(max(getattr(values, c.name), c.lo), c.hi))
        return np.array(x)

    def params_of(self, x: np.ndarray) -> Params:
        """The parameters of a search vector (pooled values; multipliers are in members)."""
        values = {c.name: float(v) for c, v in zip(self.coords, x, strict=True) if not c.log}
        return make_params(values, base=self.base)

    def multipliers(self, x: np.ndarray) -> dict[str, tuple[float, float]]:
        """Region -> (threat multiplier, pressure multiplier) of a search vector."""
        table = {r: [1.0, 1.0] for r in self.regions}
        for c, v in zip(self.coords, x, strict=True):
            if c.log:
                kind, region = c.name.split(":", 1)
                table[region][0 if kind == "threat_multiplier" else 1] = float(math.exp(v))
        return {r: (t, p) for r, (t, p) in table.items()}

    def members_of(self, x: np.ndarray) -> Members:
        """The members with the multipliers of a search vector."""
        table = self.multipliers(x)
        regions = self.members.region
        return dataclasses.replace(
            self.members,
            threat_multiplier=np.array([table.get(r, (1.0, 1.0))[0] for r in regions]),
            pressure_multiplier=np.array([table.get(r, (1.0, 1.0))[1] for r in regions]))

    # -- evaluation -------------------------------------------------------------------------
    def annual_shares(self, x: np.ndarray) -> np.ndarray:
        """Every replication's annual core shares (R, Y, N) for a search vector."""
        params = self.params_of(x)
        static = dataclasses.replace(self.static, members=self.members_of(x))
        p = dynamics.param_arrays([params] * len(self.seeds))
        core = np.stack([state.core_share_pct for state in dynamics.trajectory(
            static, p, self.member_noise, self.rival_noise)], axis=1)
        return np.stack([core[:, rows].mean(axis=1) for rows in self.year_rows], axis=1)

    def components(self, x: np.ndarray) -> dict[str, float | np.ndarray]:
        """The loss and its parts for a search vector."""
        shares = self.annual_shares(x)
        mean = shares.mean(axis=0)
        errors = (mean - self.observed)[self.mask]
        mse = float(np.mean(errors ** 2))
        counts = backcast.counts_at_line(shares, self.members.iso3, self.years, self.record)
        mean_counts = counts.mean(axis=0)
        count_term = COUNT_WEIGHT * float(np.mean(
            ((mean_counts - self.count_data) ** 2)[self.count_fit]))
        logs = [v for c, v in zip(self.coords, x, strict=True) if c.log]
        prior = PRIOR_WEIGHT * float(sum(v * v for v in logs))
        return {"loss": mse + count_term + prior, "share_mse": mse, "count_term": count_term,
                "prior": prior, "counts": mean_counts, "shares": mean}

    def __call__(self, x: np.ndarray) -> float:
        """The loss of a search vector."""
        self.evaluations += 1
        return float(self.components(np.asarray(x, dtype=float))["loss"])

    def residuals(self, x: np.ndarray) -> np.ndarray:
        """Share residuals (model mean - data) over the member-years with data."""
        return (self.annual_shares(x).mean(axis=0) - self.observed)[self.mask]


@dataclass
class CalibrationResult:
    """What a calibration found."""

    objective: Objective
    x: np.ndarray
    params: Params
    loss: dict[str, float | np.ndarray]
    start_loss: float
    evaluations: int
    seconds: float
    identification: pd.DataFrame = field(default_factory=pd.DataFrame)
    directions: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def region_table(self) -> pd.DataFrame:
        """The fitted multipliers, one row per region."""
        table = self.objective.multipliers(self.x)
        return pd.DataFrame([{"region": r, "threat_multiplier": round(t, 4),
                              "pressure_multiplier": round(p, 4)}
                             for r, (t, p) in sorted(table.items())])

    def fitted_values(self) -> dict[str, float]:
        """The pooled fitted values, rounded for the config (4 significant decimals)."""
        pairs = zip(self.objective.coords, self.x, strict=True)
        return {c.name: round(float(v), 4) for c, v in pairs if not c.log}


def calibrate(base: Params, seed: int, budget: Budget = Budget(), *,
              progress: Callable[[str], None] | None = None) -> CalibrationResult:
    """Fit the behavioural parameters of a backcast to the record (deterministic per seed).

    Args:
        base: the backcast's parameters (its behavioural values are not used: the search starts
            from the documented priors of ``sim.params`` and multipliers of 1).
        seed: root seed of the replications (common random numbers) and of the optimiser.
        budget: replications and optimiser iterations.
        progress: called with a line of text after each stage.

    Returns:
        The fit, its loss, and the identification diagnostics.
    """
    say = progress or (lambda _line: None)
    t0 = time.perf_counter()
    obj = Objective(base, seed, budget)
    x0 = obj.start()
    start_loss = obj(x0)
    say(f"start: loss {start_loss:.5f} ({len(obj.coords)} coordinates, {budget.n_runs} runs)")
    best_x, best_f = x0, start_loss
    if budget.de_maxiter > 0:
        de = differential_evolution(obj, obj.bounds, seed=seed, maxiter=budget.de_maxiter,
                                    popsize=budget.de_popsize, x0=x0, polish=False, tol=0.0,
                                    init="latinhypercube")
        if de.fun < best_f:
            best_x, best_f = np.array(de.x), float(de.fun)
        say(f"differential evolution: loss {best_f:.5f} after {obj.evaluations} evaluations")
    if budget.powell_maxfev > 0:
        pw = minimize(obj, best_x, method="Powell", bounds=obj.bounds,
                      options={"maxfev": budget.powell_maxfev, "xtol": 1e-3, "ftol": 1e-6})
        if pw.fun < best_f:
            best_x, best_f = np.array(pw.x), float(pw.fun)
        say(f"Powell: loss {best_f:.5f} after {obj.evaluations} evaluations")
    if budget.nm_maxiter > 0:
        nm = minimize(obj, best_x, method="Nelder-Mead", bounds=obj.bounds,
                      options={"maxiter": budget.nm_maxiter, "maxfev": budget.nm_maxiter,
                               "xatol": 1e-4, "fatol": 1e-7, "adaptive": True})
        if nm.fun < best_f:
            best_x, best_f = np.array(nm.x), float(nm.fun)
        say(f"Nelder-Mead: loss {best_f:.5f} after {obj.evaluations} evaluations")
    # round to the precision written to the config, so the config reproduces the loss
    best_x = np.array([round(float(v), 4) if not c.log else math.log(round(math.exp(v), 4))
                       for c, v in zip(obj.coords, best_x, strict=True)])
    loss = obj.components(best_x)
    result = CalibrationResult(obj, best_x, obj.params_of(best_x), loss, start_loss,
                               obj.evaluations, time.perf_counter() - t0)
    result.identification, result.directions = identify(obj, best_x)
    result.seconds = time.perf_counter() - t0
    say(f"identification done; {result.seconds:.0f} s in all")
    return result


def identify(obj: Objective, x: np.ndarray, rel_step: float = 0.01
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gauss-Newton standard errors and flat directions of the share residuals at x.

    Returns:
        (one row per coordinate: value, bounds, standard error, 95% interval, at_bound,
        identified; one row per eigen-direction of J'J in scaled units, flattest first, with
        its three largest loadings).
    """
    r0 = obj.residuals(x)
    widths = np.array([c.hi - c.lo for c in obj.coords])
    jac = np.empty((len(r0), len(x)))
    for j, c in enumerate(obj.coords):
        h = rel_step * widths[j]
        up, down = x.copy(), x.copy()
        up[j] = min(x[j] + h, c.hi)
        down[j] = max(x[j] - h, c.lo)
        jac[:, j] = (obj.residuals(up) - obj.residuals(down)) / (up[j] - down[j])
    dof = max(len(r0) - len(x), 1)
    sigma2 = float(r0 @ r0) / dof
    # the loss is mean(r^2) + w * sum(log multiplier^2): its Gauss-Newton Hessian, times
    # len(r)/2, is J'J + len(r) * w on the multipliers
    prior = np.array([PRIOR_WEIGHT * len(r0) if c.log else 0.0 for c in obj.coords])
    info = jac.T @ jac + np.diag(prior)
    cov = sigma2 * np.linalg.pinv(info)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    rows = []
    for j, c in enumerate(obj.coords):
        tol = 0.01 * widths[j]
        at_bound = x[j] <= c.lo + tol or x[j] >= c.hi - tol
        wide = 2 * 1.96 * se[j] > 0.5 * widths[j]
        value = math.exp(x[j]) if c.log else x[j]
        lo95 = math.exp(x[j] - 1.96 * se[j]) if c.log else x[j] - 1.96 * se[j]
        hi95 = math.exp(x[j] + 1.96 * se[j]) if c.log else x[j] + 1.96 * se[j]
        rows.append({"parameter": c.name, "value": value,
                     "lower_bound": math.exp(c.lo) if c.log else c.lo,
                     "upper_bound": math.exp(c.hi) if c.log else c.hi,
                     "se_scaled": se[j] / widths[j], "ci95_low": lo95, "ci95_high": hi95,
                     "at_bound": bool(at_bound), "identified": not (at_bound or wide)})
    scaled = info * np.outer(widths, widths)
    values, vectors = np.linalg.eigh(scaled)
    names = [c.name for c in obj.coords]
    directions = []
    for k in np.argsort(values):
        v = vectors[:, k]
        top = np.argsort(-np.abs(v))[:3]
        directions.append({"eigenvalue": values[k], "relative": values[k] / values.max(),
                           "loadings": "; ".join(f"{v[i]:+.2f} {names[i]}" for i in top)})
    return pd.DataFrame(rows), pd.DataFrame(directions)


# ---------------------------------------------------------------------------------------------
# command line


def cli_calibrate(args: argparse.Namespace) -> int:
    """``python -m sim calibrate CONFIG [--out PATH] [--seed N]``.

    Writes the fitted config to PATH (default ``configs/behaviour.toml``), its region table next
    to it (``configs/data/behaviour_by_region.csv`` for the default, else ``<stem>_regions.csv``),
    the backcast-only values of :data:`BACKCAST_ONLY` (``configs/data/backcast_fitted.toml`` for
    the default, else ``<stem>_backcast.toml`` next to PATH, so that a calibration written
    elsewhere never touches ``configs/``) and the report to ``results/calibration-seed<seed>/``
    (with ``--out``: ``<stem>_report/`` next to PATH). The seed defaults to the config's.
    """
    scenario = load_scenario(args.config, seed=args.seed)
    out = resolve(args.out or DEFAULT_OUT)
    default = out == resolve(DEFAULT_OUT)
    region_file = (resolve(DEFAULT_REGION_TABLE) if default
                   else out.with_name(out.stem + "_regions.csv"))
    backcast_file = (resolve(DEFAULT_BACKCAST_OUT) if default
                     else out.with_name(out.stem + "_backcast.toml"))
    report = (resolve("results") / f"calibration-seed{scenario.seed}" if not args.out
              else out.with_name(out.stem + "_report"))
    budget = CLI_BUDGET
    command = f"python -m sim calibrate {args.config}"
    if args.seed is not None:
        command += f" --seed {args.seed}"
    if args.out:
        command += f" --out {args.out}"
    result = calibrate(scenario.params, scenario.seed, budget,
                       progress=lambda line: print(line, file=sys.stderr))
    from sim.calibration_output import relative, summary_text, write_result

    write_result(result, out, region_file, report, command, backcast_file)
    print(summary_text(result))
    print(f"wrote {relative(out)}, {relative(backcast_file)}, {relative(region_file)} and "
          f"{relative(report)}/", file=sys.stderr)
    return 0
