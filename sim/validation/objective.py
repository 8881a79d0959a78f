"""The calibration's objective: the loss of ``python -m sim calibrate`` as a function of a vector.

This module owns :class:`Objective`, which puts the three parts of the calibration's objective
together and runs the model for a search vector: the search space (what is fitted, its bounds,
and the parameters and members a search vector stands for: ``sim.validation.search_space``), the
targets (what the fit is compared with in the record: ``sim.validation.fit_targets``) and the
loss (``sim.validation.loss``). The search itself, the identification report and the command line
are ``sim.validation.calibrate``. ``--holdout-year 2024`` fits without any 2024 data;
``experiments/validation`` compares that fit's 2024 with the record (it ranks the members and
paces the laggards right, but does not foresee the surge of 2024: docs/VALIDATION.md).

The names of the three parts are importable from here as well (``POOLED``, ``Budget``,
``FIT_YEARS``, the loss weights, ...), where the experiments and tests find them.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.core import dynamics, metrics
from sim.core.data import load_members
from sim.core.params import PARAM_FIELDS, Params
from sim.validation import backcast, loss
from sim.validation.fit_targets import COUNT_FIT_YEARS as COUNT_FIT_YEARS
from sim.validation.fit_targets import FIT_YEARS as FIT_YEARS
from sim.validation.fit_targets import FitTargets
from sim.validation.loss import COUNT_WEIGHT as COUNT_WEIGHT
from sim.validation.loss import LAGGARD_WEIGHT as LAGGARD_WEIGHT
from sim.validation.loss import MEMBER_PRIOR_WEIGHT as MEMBER_PRIOR_WEIGHT
from sim.validation.loss import PRIOR_WEIGHT as PRIOR_WEIGHT
from sim.validation.search_space import LOG_MULTIPLIER_BOUNDS as LOG_MULTIPLIER_BOUNDS
from sim.validation.search_space import POOLED as POOLED
from sim.validation.search_space import PRESSURE_REFERENCE_REGION as PRESSURE_REFERENCE_REGION
from sim.validation.search_space import THREAT_REFERENCE_REGION as THREAT_REFERENCE_REGION
from sim.validation.search_space import Budget as Budget
from sim.validation.search_space import Coordinate as Coordinate
from sim.validation.search_space import SearchSpace

BATCH_CANDIDATES = 32
"""The most candidates :meth:`Objective.annual_shares_batch` runs in one compiled call (32 x 50
replications: about 100 MB of shocks and core shares)."""


def _part(part: str, name: str) -> property:
    """A read-only attribute of the objective that is ``name`` of its ``part`` (space, targets)."""
    return property(
        lambda self: getattr(getattr(self, part), name), doc=f"``{part}.{name}`` (see there)."
    )


class Objective:
    """The calibration loss as a deterministic function of the search vector.

    The replications' shocks are drawn once (common random numbers); each evaluation runs the
    dynamics of ``sim.core.dynamics`` for every replication at once and keeps only the core shares.
    The search space and the targets are :attr:`space` (:class:`SearchSpace`) and :attr:`targets`
    (:class:`FitTargets`); their attributes and methods used by the search, the report and the
    experiments are also reachable on the objective (``obj.coords``, ``obj.start()``,
    ``obj.laggard_rate_data``, ...).
    """

    def __init__(
        self,
        base: Params,
        seed: int,
        budget: Budget | None = None,
        held: dict[str, float] | None = None,
        holdout_year: int | None = None,
        targets: FitTargets | None = None,
        member_table: dict[str, tuple[float, float]] | None = None,
    ) -> None:
        """Prepare the record, the members (without multipliers) and the shocks.

        Args:
            base: the backcast's parameters.
            seed: root seed of the replications.
            budget: replications and which parameters are held fixed (default: :class:`Budget`).
            held: values of the parameters held fixed (default: their documented priors).
            holdout_year: a year whose shares and count are left out of the loss (an
                out-of-sample check; None: every year with data is fitted).
            targets: what the fit is compared with (default: ``FitTargets.of(members,
                holdout_year)``; the hindcast passes ``FitTargets.from_panel``). Their years must
                lie within the backcast's quarters.
            member_table: the members' multipliers where the search vector has none
                (``SearchSpace``; the Bayesian calibration holds the point fit's).

        Raises:
            ValueError: when ``holdout_year`` is not one of :data:`FIT_YEARS`.
        """
        if holdout_year is not None and holdout_year not in FIT_YEARS:
            raise ValueError(f"holdout year {holdout_year}: expected one of {FIT_YEARS}")
        budget = budget or Budget()
        values = {name: PARAM_FIELDS[name].default for name in budget.fixed}
        values.update(held or {})
        self.base = dataclasses.replace(
            base, region_behaviour_file="", member_behaviour_file="", **values
        )
        self.budget = budget
        self.seed = seed
        members = load_members(
            base.members_file,
            base.initial_data_year,
            use_pledges=base.use_pledges,
            use_target_exemptions=base.use_target_exemptions,
        )
        self.targets = targets if targets is not None else FitTargets.of(members, holdout_year)
        self.space = SearchSpace(self.base, members, budget, member_table)
        self.static = dynamics.build_static(self.base, members)
        self.seeds = backcast.replication_seeds(seed, budget.n_runs)
        self.member_noise, self.rival_noise = dynamics.draw_shocks(
            self.seeds, self.static.n_steps, members.n
        )
        year_of = np.array([int(q[:4]) for q in self.static.quarters])
        self.year_rows = [np.flatnonzero(year_of == y) for y in self.targets.years]
        self.evaluations = 0

    # the search space's and the targets' names, reachable on the objective
    members = _part("space", "members")
    coords = _part("space", "coords")
    bounds = _part("space", "bounds")
    centering = _part("space", "centering")
    regions = _part("space", "regions")
    armed_iso3 = _part("space", "armed_iso3")
    start = _part("space", "start")
    centred = _part("space", "centred")
    indices = _part("space", "indices")
    params_of = _part("space", "params_of")
    multipliers = _part("space", "multipliers")
    members_of = _part("space", "members_of")
    record = _part("targets", "record")
    holdout_year = _part("targets", "holdout_year")
    years = _part("targets", "years")
    observed = _part("targets", "observed")
    mask = _part("targets", "mask")
    count_years = _part("targets", "count_years")
    count_data = _part("targets", "count_data")
    count_fit = _part("targets", "count_fit")
    laggards = _part("targets", "laggards")
    laggard_start = _part("targets", "laggard_start")
    laggard_rate_data = _part("targets", "laggard_rate_data")
    fit_laggards = _part("targets", "fit_laggards")

    def prior_weights(self) -> np.ndarray:
        """The ridge weight of each coordinate (0 for pooled parameters)."""
        return loss.prior_weights(self.space.coords)

    # -- evaluation -------------------------------------------------------------------------
    def annual_shares(self, x: np.ndarray) -> np.ndarray:
        """Every replication's annual core shares (R, Y, N) for a search vector."""
        params = self.space.params_of(x)
        static = dataclasses.replace(self.static, members=self.space.members_of(x))
        p = np.repeat(dynamics.param_arrays([params]), len(self.seeds), axis=0)  # one row per run
        _, _, core = dynamics.run_batch(
            static,
            p,
            self.member_noise,
            self.rival_noise,
            n_alliance=len(metrics.ALLIANCE_COLUMNS),
            keep_core=True,
            keep_alliance=False,
            threads=True,
        )
        return np.stack([core[:, rows].mean(axis=1) for rows in self.year_rows], axis=1)

    def annual_shares_batch(self, xs: np.ndarray) -> np.ndarray:
        """Every replication's annual core shares (S, R, Y, N) for S search vectors at once.

        One compiled call runs the S x R runs (each candidate's parameters and multipliers in its
        own rows, every candidate with the same shocks): each run's numbers are the same bits as
        in :meth:`annual_shares`, which runs one candidate.
        """
        xs = np.atleast_2d(np.asarray(xs, dtype=float))
        if len(xs) > BATCH_CANDIDATES:
            parts = range(0, len(xs), BATCH_CANDIDATES)
            return np.concatenate(
                [self.annual_shares_batch(xs[i : i + BATCH_CANDIDATES]) for i in parts]
            )
        candidates, runs, n = len(xs), len(self.seeds), self.space.members.n
        p = np.repeat(dynamics.param_arrays([self.space.params_of(x) for x in xs]), runs, axis=0)
        responses = np.empty((candidates, runs, 2, n))
        for j, x in enumerate(xs):
            members = self.space.members_of(x)
            responses[j, :, 0] = members.threat_response
            responses[j, :, 1] = members.pressure_response
        _, _, core = dynamics.run_batch(
            self.static,
            p,
            np.tile(self.member_noise, (candidates, 1, 1)),
            np.tile(self.rival_noise, (candidates, 1)),
            n_alliance=len(metrics.ALLIANCE_COLUMNS),
            keep_core=True,
            keep_alliance=False,
            threads=True,
            responses=responses.reshape(candidates * runs, 2, n),
        )
        core = core.reshape(candidates, runs, *core.shape[1:])
        return np.stack([core[:, :, rows].mean(axis=2) for rows in self.year_rows], axis=2)

    def batch(self, xs: np.ndarray) -> np.ndarray:
        """The losses of S search vectors (S, D), evaluated in one batch (S,)."""
        xs = np.atleast_2d(np.asarray(xs, dtype=float))
        shares = self.annual_shares_batch(xs)
        self.evaluations += len(xs)
        iso3, coords = self.space.members.iso3, self.space.coords
        return np.array(
            [
                float(loss.components(s, x, self.targets, iso3, coords)["loss"])
                for s, x in zip(shares, xs, strict=True)
            ]
        )

    def distances(self, xs: np.ndarray) -> np.ndarray:
        """The data's part of the loss of S search vectors (S,): the loss less its ridge.

        The distance of the Bayesian calibration (``sim.validation.posterior``), whose priors
        take the ridge's place. The ridge is the loss's own (``loss.ridge``, row by row), not a
        matrix product, whose BLAS kernel and with it the last bits depend on the CPU.
        """
        xs = np.atleast_2d(np.asarray(xs, dtype=float))
        ridges = np.array([loss.ridge(self.space.coords, x) for x in xs])
        return self.batch(xs) - ridges

    def residuals_batch(self, xs: np.ndarray) -> np.ndarray:
        """:meth:`residuals` of S search vectors (S, member-years), evaluated in batches."""
        means = self.annual_shares_batch(xs).mean(axis=1)
        return np.stack([(m - self.targets.observed)[self.targets.mask] for m in means])

    def components(self, x: np.ndarray) -> dict[str, float | np.ndarray]:
        """The loss and its parts for a search vector (:func:`sim.validation.loss.components`)."""
        shares = self.annual_shares(x)
        return loss.components(shares, x, self.targets, self.space.members.iso3, self.space.coords)

    def __call__(self, x: np.ndarray) -> float:
        """The loss of a search vector."""
        self.evaluations += 1
        return float(self.components(np.asarray(x, dtype=float))["loss"])

    def residuals(self, x: np.ndarray) -> np.ndarray:
        """Share residuals (model mean - data) over the member-years with data."""
        return loss.share_residuals(self.annual_shares(x), self.targets)
