"""The ensemble: many runs advanced at once through the equations of ``sim.dynamics``.

This module owns batched simulation: runs that share their structural parameters (members and
calendar, see ``sim.params.STRUCTURAL``) are stacked along the first axis and stepped together,
with no per-agent Python. A run's trajectory depends only on its parameters and its seed, never
on the batch it is in: the shocks of each run come from its own seed (``dynamics.draw_shocks``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import dynamics, metrics
from sim.data import Members, load_members
from sim.params import STRUCTURAL, Params


@dataclass(frozen=True)
class Trajectories:
    """Results of a batch: alliance metrics (R, T+1, K), optionally members (R, T+1, N, M)."""

    quarters: tuple[str, ...]
    iso3: tuple[str, ...]
    seeds: tuple[int, ...]
    alliance: np.ndarray
    members: np.ndarray | None = None

    def alliance_frame(self, run_ids: Sequence[int] | None = None) -> pd.DataFrame:
        """Return the alliance metrics as a tidy frame (run_id, quarter, metrics...)."""
        runs, rows, _ = self.alliance.shape
        ids = np.asarray(run_ids if run_ids is not None else range(runs))
        frame = pd.DataFrame(self.alliance.reshape(runs * rows, -1),
                             columns=list(metrics.ALLIANCE_COLUMNS))
        for col in metrics.COUNT_COLUMNS:
            frame[col] = frame[col].astype(np.int64)
        frame.insert(0, "quarter", np.tile(np.array(self.quarters), runs))
        frame.insert(0, "run_id", np.repeat(ids, rows))
        return frame

    def member_frame(self, run_ids: Sequence[int] | None = None) -> pd.DataFrame:
        """Return the member metrics as a tidy frame (run_id, quarter, iso3, metrics...)."""
        if self.members is None:
            raise ValueError("member series were not kept (keep_members=False)")
        runs, rows, n, _ = self.members.shape
        ids = np.asarray(run_ids if run_ids is not None else range(runs))
        frame = pd.DataFrame(self.members.reshape(runs * rows * n, -1),
                             columns=list(metrics.MEMBER_COLUMNS))
        frame.insert(0, "iso3", np.tile(np.array(self.iso3), runs * rows))
        frame.insert(0, "quarter", np.tile(np.repeat(np.array(self.quarters), n), runs))
        frame.insert(0, "run_id", np.repeat(ids, rows * n))
        return frame


@functools.lru_cache(maxsize=16)
def members_for(members_file: str, initial_data_year: int, use_pledges: bool,
                use_target_exemptions: bool, region_behaviour_file: str = "",
                member_behaviour_file: str = "") -> Members:
    """Load (once per process) the members a set of structural parameters asks for."""
    return load_members(members_file, initial_data_year, use_pledges=use_pledges,
                        use_target_exemptions=use_target_exemptions,
                        region_behaviour_file=region_behaviour_file,
                        member_behaviour_file=member_behaviour_file)


def members_of(params: Params) -> Members:
    """Return the members of a parameter set."""
    return members_for(params.members_file, params.initial_data_year, params.use_pledges,
                       params.use_target_exemptions, params.region_behaviour_file,
                       params.member_behaviour_file)


def structural_key(params: Params) -> tuple:
    """The parameters runs must share to be batched together."""
    return tuple(getattr(params, name) for name in STRUCTURAL)


def simulate(params: Sequence[Params], seeds: Sequence[int], *, members: Members | None = None,
             keep_members: bool = False) -> Trajectories:
    """Simulate a batch of runs that share their structural parameters.

    Args:
        params: one parameter set per run.
        seeds: one seed per run (a non-negative integer).
        members: the members (default: loaded from the first parameter set).
        keep_members: also keep member-level series.

    Returns:
        The runs' trajectories, in input order.
    """
    if len(params) != len(seeds):
        raise ValueError(f"{len(params)} parameter sets but {len(seeds)} seeds")
    keys = {structural_key(p) for p in params}
    if len(keys) > 1:
        raise ValueError(f"runs in one batch must share {', '.join(STRUCTURAL)}")
    members = members if members is not None else members_of(params[0])
    static = dynamics.build_static(params[0], members)
    p = dynamics.param_arrays(params)
    member_noise, rival_noise = dynamics.draw_shocks(seeds, static.n_steps, members.n)
    rows = static.n_steps + 1
    alliance = np.empty((len(params), rows, len(metrics.ALLIANCE_COLUMNS)))
    member_out = (np.empty((len(params), rows, members.n, len(metrics.MEMBER_COLUMNS)))
                  if keep_members else None)
    for k, state in enumerate(dynamics.trajectory(static, p, member_noise, rival_noise)):
        values = metrics.alliance_metrics(static, state)
        alliance[:, k, :] = np.stack([values[c] for c in metrics.ALLIANCE_COLUMNS], axis=1)
        if member_out is not None:
            mv = metrics.member_metrics(state)
            member_out[:, k] = np.stack([mv[c] for c in metrics.MEMBER_COLUMNS], axis=2)
    return Trajectories(static.quarters, members.iso3, tuple(int(s) for s in seeds), alliance,
                        member_out)
