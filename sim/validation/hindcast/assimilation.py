"""Forecasts that start from the record: the record's shares put into the model's state.

This module owns how a run of the model is started from the record at a year's end: the shares
of the record's year in the members' order (:func:`starting_shares`), and the model's trajectory
with those shares put in at a given quarter (:func:`assimilated`). The hindcast's forecast
(``sim.validation.hindcast.model``) and its estimate of the ensemble's spread
(``sim.validation.hindcast.dispersion``) both start this way.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sim.core import dynamics
from sim.core.data import Members
from sim.validation.hindcast.record import PanelRecord


def starting_shares(record: PanelRecord, origin: int, members: Members) -> np.ndarray:
    """The record's shares at the origin in the members' order (NaN: no figure)."""
    at = record.year(origin)
    index = {c: i for i, c in enumerate(record.iso3)}
    return np.array([at[index[c]] if c in index else np.nan for c in members.iso3])


def assimilated(
    static: dynamics.Static,
    p: np.ndarray,
    member_noise: np.ndarray,
    rival_noise: np.ndarray,
    reset_row: int,
    start: np.ndarray,
    responses: np.ndarray | None = None,
) -> Iterator[dynamics.State]:
    """Each state of ``sim.core.dynamics.trajectory``, with the record's shares put in at a row.

    At row ``reset_row`` (the origin's last quarter) each member with a figure gets it as its core
    share in every run; the runs go on from there. ``responses``: each run's (R, 2, N) threat and
    pressure multipliers (default: the members').
    """
    known = ~np.isnan(start)
    constants, state = dynamics.initial_state(static, p, responses)
    for k in range(static.n_steps + 1):
        if k == reset_row:
            core = state.core_share_pct.copy()
            core[:, known] = start[known]
            state = state._replace(core_share_pct=core)
        yield state
        if k < static.n_steps:
            state = dynamics.step(
                static, p, constants, state, member_noise[:, k], rival_noise[:, k]
            )
