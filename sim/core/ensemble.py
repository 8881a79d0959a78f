"""The ensemble: many runs advanced at once through the equations of ``sim.core.dynamics``.

This module owns batched simulation: runs that share their structural parameters (members and
calendar, see ``sim.core.params.STRUCTURAL``) are stacked along the first axis and stepped together,
with no per-agent Python. A run's trajectory depends only on its parameters and its seed, never
on the batch it is in: the shocks of each run come from its own seed (``dynamics.draw_shocks``).

:func:`simulate` refuses bad arguments with a :class:`SimulationError` before running anything
(parameter values are checked when a :class:`sim.core.params.Params` is built), and checks every
run's outputs against the model's invariants (``sim.core.invariants``): ``Trajectories.violations``
holds each run's first broken invariant ('' for none); the member-level invariants are checked
when member series are kept.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core import dynamics, metrics
from sim.core.data import Members
from sim.core.errors import UserError
from sim.core.invariants import first_violations
from sim.core.members import members_for, members_of  # noqa: F401 - re-exported
from sim.core.params import MAX_SEED, STRUCTURAL, Params

if TYPE_CHECKING:
    import pandas as pd


class SimulationError(ValueError, UserError):
    """The arguments of a simulation are unusable (no runs, a bad seed, mixed structures)."""


def checked_seed(seed: Any) -> int:
    """A run's seed as an int, or :class:`SimulationError` if it is not a non-negative integer.

    Python and numpy integers from 0 to ``sim.core.params.MAX_SEED`` (2**63 - 1, what a config
    accepts) are; bools, floats (even 2.0) and strings are not.
    """
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool | np.bool_):
        if 0 <= seed <= MAX_SEED:
            return int(seed)
        if seed > MAX_SEED:
            raise SimulationError(f"seed {seed}: expected an integer from 0 to {MAX_SEED}")
    raise SimulationError(f"seed {seed!r}: expected a non-negative integer")


def derive_seed(root_seed: int, k: int) -> int:
    """The seed of spawn index ``k`` under ``root_seed``: an integer in [0, 2**63).

    ``SeedSequence(root_seed, spawn_key=(k,))`` is the k-th child of
    ``SeedSequence(root_seed).spawn(...)``; its first two 64-bit state words are XOR-ed and the
    top bit dropped, so the seed fits a signed 64-bit Parquet column. A sweep's runs
    (``sim.sweep.designs``) and a replicated run's (``sim.runs.replicated``) take their seeds
    from it.
    """
    words = np.random.SeedSequence(root_seed, spawn_key=(k,)).generate_state(2, np.uint64)
    return (int(words[0]) ^ int(words[1])) & (2**63 - 1)


@dataclass(frozen=True)
class Trajectories:
    """Results of a batch: alliance metrics (R, T+1, K), optionally members (R, T+1, N, M)."""

    quarters: tuple[str, ...]
    iso3: tuple[str, ...]
    seeds: tuple[int, ...]
    alliance: np.ndarray
    members: np.ndarray | None = None
    violations: tuple[str, ...] = ()
    """Each run's first broken invariant (``sim.core.invariants``), '' when it breaks none; empty
    when not checked."""

    def alliance_frame(self, run_ids: Sequence[int] | None = None) -> pd.DataFrame:
        """Return the alliance metrics as a tidy frame (run_id, quarter, metrics...)."""
        import pandas as pd

        runs, rows, _ = self.alliance.shape
        ids = np.asarray(run_ids if run_ids is not None else range(runs))
        frame = pd.DataFrame(
            self.alliance.reshape(runs * rows, -1), columns=list(metrics.ALLIANCE_COLUMNS)
        )
        for col in metrics.COUNT_COLUMNS:
            frame[col] = frame[col].astype(np.int64)
        frame.insert(0, "quarter", np.tile(np.array(self.quarters), runs))
        frame.insert(0, "run_id", np.repeat(ids, rows))
        return frame

    def member_frame(self, run_ids: Sequence[int] | None = None) -> pd.DataFrame:
        """Return the member metrics as a tidy frame (run_id, quarter, iso3, metrics...)."""
        if self.members is None:
            raise ValueError("member series were not kept (keep_members=False)")
        import pandas as pd

        runs, rows, n, _ = self.members.shape
        ids = np.asarray(run_ids if run_ids is not None else range(runs))
        frame = pd.DataFrame(
            self.members.reshape(runs * rows * n, -1), columns=list(metrics.MEMBER_COLUMNS)
        )
        frame.insert(0, "iso3", np.tile(np.array(self.iso3), runs * rows))
        frame.insert(0, "quarter", np.tile(np.repeat(np.array(self.quarters), n), runs))
        frame.insert(0, "run_id", np.repeat(ids, rows * n))
        return frame


def structural_key(params: Params) -> tuple:
    """The parameters runs must share to be batched together."""
    return tuple(getattr(params, name) for name in STRUCTURAL)


def simulate(
    params: Sequence[Params],
    seeds: Sequence[int],
    *,
    members: Members | None = None,
    keep_members: bool = False,
    responses: np.ndarray | None = None,
    backcast: np.ndarray | None = None,
) -> Trajectories:
    """Simulate a batch of runs that share their structural parameters.

    Args:
        params: one parameter set per run.
        seeds: one seed per run (a non-negative integer).
        members: the members (default: loaded from the first parameter set).
        keep_members: also keep member-level series (and check the member invariants).
        responses: (R, 2, N) each run's threat and pressure multipliers (default: the members';
            a posterior draw's, ``sim.runs.posterior_draws``).
        backcast: (R, P) each run's backcast parameters when the runs start from a history
            (default: the backcast config's with the run's behaviour).

    Returns:
        The runs' trajectories, in input order, with each run's first broken invariant in
        ``violations`` ('' for none).

    Raises:
        SimulationError: no runs, a different number of parameter sets and seeds, an entry
            that is not a :class:`sim.Params` (which validate on construction), a seed that is
            not a non-negative integer, or runs that differ in a structural parameter
            (``sim.core.params.STRUCTURAL``).
    """
    check_batch(params, seeds)
    members = members if members is not None else members_of(params[0])
    static = dynamics.build_static(params[0], members)
    p = dynamics.param_arrays(params)
    member_noise, rival_noise = dynamics.draw_shocks(seeds, static.n_steps, members.n)
    alliance, member_out, _ = dynamics.run_batch(
        static,
        p,
        member_noise,
        rival_noise,
        n_alliance=len(metrics.ALLIANCE_COLUMNS),
        n_member=len(metrics.MEMBER_COLUMNS),
        keep_members=keep_members,
        responses=responses,
        backcast=backcast,
    )
    violations = first_violations(
        alliance, member_out, quarters=static.quarters, iso3=members.iso3, params=params
    )
    return Trajectories(
        static.quarters,
        members.iso3,
        tuple(int(s) for s in seeds),
        alliance,
        member_out,
        violations,
    )


def check_batch(params: Sequence[Params], seeds: Sequence[int]) -> None:
    """Refuse a batch :func:`simulate` cannot run, naming the first problem.

    Raises:
        SimulationError: see :func:`simulate`.
    """
    try:
        n_params, n_seeds = len(params), len(seeds)
    except TypeError:
        raise SimulationError("params and seeds: expected sequences (one entry per run)") from None
    if n_params != n_seeds:
        raise SimulationError(
            f"{n_params} parameter sets but {n_seeds} seeds: expected one seed per run"
        )
    if n_params == 0:
        raise SimulationError("no runs: expected at least one parameter set and seed")
    for i, p in enumerate(params):
        if not isinstance(p, Params):
            raise SimulationError(
                f"run {i}: a {type(p).__name__}: expected a sim.Params "
                "(build one with sim.Params(...) or sim.make_params)"
            )
    for seed in seeds:
        checked_seed(seed)
    first, seen = params[0], set()
    for i, p in enumerate(params):
        if id(p) in seen:  # a sweep's chunk repeats a design point's set for each replication
            continue
        seen.add(id(p))
        for name in STRUCTURAL:
            if getattr(p, name) != getattr(first, name):
                raise SimulationError(
                    f"run {i}: {name} = {getattr(p, name)!r} but run 0 has "
                    f"{getattr(first, name)!r}: runs in one batch must share the structural "
                    f"parameters ({', '.join(STRUCTURAL)}); simulate such runs in separate "
                    "batches"
                )
