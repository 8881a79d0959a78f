"""Forward runs that start where the record ends: the backcast run before the first quarter.

This module owns the warm start (``history_config``; docs/ODD.md, Initialisation). Without it a
scenario's initial shares are rest points: each member's anchor absorbs whatever its terms add
at the start, so the threat and the pressure fitted to the record act only through what changes
after it. With it, the backcast config it names is run first (every run with the scenario's own
behavioural parameters, :data:`BEHAVIOUR`, and no random shocks; its own scheduled threat
shocks stay), and the scenario starts from the record's shares with the backcast's end state:

- each member's anchor is the backcast's (the rest point of the record's first year), plus what
  the decision terms that start from nothing (free riding: allies' spending relative to the
  start) had added by the backcast's end, since they start again from nothing;
- each member's perceived threat is the backcast's at its end, and stays there but for what the
  scenario's own signal changes (``Constants.threat_carried``);
- the factories and stocks: each member's munitions capacity (its output the lesser of that and
  what its spending funds; orders still in the pipeline are placed again, so they arrive later
  than in the backcast), the rival's output, capacity and stock, and the allies' stock, in place
  of the scenario's ``rival_munitions_output_initial_m_per_year``, ``rival_stock_initial_m``
  and ``alliance_stock_initial_m``. The rival's budget (share, GDP, reserves, debt) starts from
  the scenario's sourced values.

So a member whose record share is below what the backcast's decade of threat and pressure makes
it want keeps rising, the threat sensitivity fitted to the decade keeps acting, and the pull
toward the scenario's target adds to both. Not carried: related spending (the backcast has
none); the commitments in force follow from the record's shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.config import HistoryError, backcast_of
from sim.core.data import Members
from sim.core.dynamics import state
from sim.core.dynamics.state import Constants, State, Static
from sim.core.dynamics.terms import member_terms
from sim.core.members import members_of
from sim.core.params import NUMERIC, Params, make_params

BEHAVIOUR = (
    "adjustment_speed_per_year",
    "threat_sensitivity_pp",
    "hegemon_pressure",
    "peer_conformity",
    "free_riding_strength",
    "threat_memory",
    "target_margin_pp",
    "region_behaviour_file",
    "member_behaviour_file",
)
"""The behavioural parameters the backcast takes from the scenario (the calibration's pooled
values without the backcast-only start shock, and its multiplier tables): a sweep or an override
of one of them changes the backcast too. Every other parameter is the backcast config's."""


@dataclass(frozen=True)
class History:
    """The backcast a scenario starts from: its batch structure and its parameter row."""

    static: Static
    params_row: np.ndarray
    """(P,) the backcast's numeric parameters (``sim.core.params.NUMERIC`` order)."""
    columns: np.ndarray
    """(B,) int, the columns of the numeric :data:`BEHAVIOUR` parameters, copied run by run."""


def history_params(params: Params) -> Params:
    """The backcast's parameters for a scenario: its config's, with the scenario's behaviour.

    Raises:
        HistoryError: the config cannot start the scenario (``sim.core.config.backcast_of``).
    """
    backcast = backcast_of(params)
    return make_params({name: getattr(params, name) for name in BEHAVIOUR}, base=backcast)


def load_history(params: Params, members: Members) -> History:
    """The backcast a scenario's ``history_config`` names, ready to run.

    Raises:
        HistoryError: as :func:`history_params`, or its members are not the scenario's.
    """
    backcast = history_params(params)
    past = members_of(backcast)
    if past.iso3 != members.iso3:
        raise HistoryError(
            params.history_config,
            f"a backcast with the scenario's members in the same order (it has "
            f"{', '.join(past.iso3)}; the scenario {', '.join(members.iso3)})",
        )
    row = np.array([getattr(backcast, name) for name in NUMERIC], dtype=np.float64)
    columns = np.array([NUMERIC.index(name) for name in BEHAVIOUR if name in NUMERIC])
    return History(state.build_static(backcast, past), row, columns.astype(np.int64))


def build_static(params: Params, members: Members) -> Static:
    """The batch's structure (``sim.core.dynamics.state.build_static``) with its history, if any.

    Raises:
        HistoryError: the ``history_config`` cannot start the scenario.
    """
    history = load_history(params, members) if params.history_config else None
    return state.build_static(params, members, history)


def backcast_arrays(history: History, p: np.ndarray) -> np.ndarray:
    """Each run's backcast parameters (R, P): the backcast's row, the run's behaviour."""
    rows = np.repeat(history.params_row[None, :], p.shape[0], axis=0)
    rows[:, history.columns] = p[:, history.columns]
    return np.ascontiguousarray(rows)


def carried(constants: Constants, end: State) -> tuple[np.ndarray, np.ndarray]:
    """What a scenario starts from: the members' (3, R, N) and the rival's (R, 4) end state.

    For the members: the anchors, the threat and the munitions capacity at the backcast's end;
    the anchor is the backcast's plus the contribution, at its end, of each term that is
    neither absorbed at the start nor the pull (it starts again from nothing in the scenario).
    For the rival: its output, capacity and stock, and the allies' stock.
    """
    anchor = constants.anchor_pct.copy()
    for j, term in enumerate(member_terms()):
        if not term.anchored and not term.pulls:
            anchor += term.sign * end.term_values[:, j, :]
    members = np.stack([anchor, end.threat, end.munitions_capacity])
    rival = np.stack([end.rival_output, end.rival_capacity, end.rival_stock, end.alliance_stock])
    return np.ascontiguousarray(members), np.ascontiguousarray(rival.T)


__all__ = [
    "BEHAVIOUR",
    "History",
    "HistoryError",
    "backcast_arrays",
    "build_static",
    "carried",
    "history_params",
    "load_history",
]
