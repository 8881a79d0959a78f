"""The output vocabulary: alliance-level and member-level metrics computed from a state.

This module owns the names of every output column and their order; the Mesa model's data
collector, the ensemble, the run tables, sweeps and the web page all use these names. The
numbers are computed by the compiled ``sim.core.dynamics.record`` (the same code for the Mesa
model and the ensemble), in this order.

Target lines (declared in ``sim.core.targets``): "at or above 2%" and "3.5%" count core defence
shares; "at or above 5%" counts core plus related spending (the Hague definition). Iceland (no
armed forces) counts as a member below every line. ``air_defence_vs_2025`` is capability relative
to the start of the run (2025 in the forward scenarios), goal 5.0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from sim.core.dynamics import Constants, State, Static, Term, member_terms
from sim.core.dynamics.compiled import step_module
from sim.core.targets import COUNT_COLUMNS

_ALLIANCE_HEAD = (
    "alliance_gdp_usd_bn",
    "alliance_core_spending_usd_bn",
    "alliance_core_share_pct",
    "alliance_related_share_pct",
    "alliance_total_share_pct",
    "median_core_share_pct",
    *COUNT_COLUMNS,
    "alliance_munitions_output",
    "rival_munitions_output",
    "munitions_ratio",
    "rival_defence_share_pct",
    "rival_gdp_usd_bn",
    "rival_munitions_capacity",
    "rival_munitions_stock",
    "alliance_munitions_stock",
    "rival_reserves_usd_bn",
    "rival_debt_pct",
    "rival_budget_headroom_pct",
    "air_defence_vs_2025",
    "burden_rank_correlation",
    "burden_gini",
)
_MEMBER_HEAD = (
    "core_share_pct",
    "related_share_pct",
    "gdp_usd_bn",
    "core_spending_usd_bn",
    "munitions_capacity",
    "munitions_output",
    "air_defence_vs_2025",
    "air_defence_share_pct",
    "threat",
)


class Columns(Sequence[str]):
    """A tuple of column names built from the decision terms in force when it is read.

    The term columns (``sim.core.dynamics.member_terms``) sit between fixed head and tail
    columns, so a term registered after import (docs/EXTENDING.md) is in every reader's columns.
    It behaves as a tuple (``len``, ``index``, ``in``, iteration, ``==`` with a tuple).
    """

    def __init__(
        self, head: tuple[str, ...], term_column: Callable[[Term], str], tail: tuple[str, ...]
    ) -> None:
        """Columns ``head``, then ``term_column(term)`` for each term, then ``tail``."""
        self._head, self._term_column, self._tail = head, term_column, tail

    def names(self) -> tuple[str, ...]:
        """The columns now, as a tuple."""
        return (*self._head, *(self._term_column(t) for t in member_terms()), *self._tail)

    def __getitem__(self, index):  # noqa: D105
        return self.names()[index]

    def __len__(self) -> int:  # noqa: D105
        return len(self.names())

    def __iter__(self) -> Iterator[str]:  # noqa: D105
        return iter(self.names())

    def __contains__(self, name: object) -> bool:  # noqa: D105
        return name in self.names()

    def __eq__(self, other: object) -> bool:  # noqa: D105
        return self.names() == (other.names() if isinstance(other, Columns) else other)

    def __hash__(self) -> int:  # noqa: D105
        return hash(self.names())

    def __repr__(self) -> str:  # noqa: D105
        return repr(self.names())


ALLIANCE_COLUMNS = Columns(
    _ALLIANCE_HEAD, lambda t: t.mean_column, ("cumulative_extra_spending_usd_bn",)
)
"""Alliance-level columns, one value per run and quarter (besides ``quarter``); each decision
term's ``mean_{name}_pp`` (over members with armed forces) before the last."""

MEMBER_COLUMNS = Columns(
    _MEMBER_HEAD, lambda t: t.column, ("desired_core_share_pct", "peers_at_target")
)
"""Member-level columns, one value per run, member and quarter (besides quarter, iso3); each
decision term's ``{name}_pp`` after ``threat``."""


def alliance_metrics(static: Static, c: Constants, s: State) -> dict[str, np.ndarray]:
    """Return every alliance-level metric of a state, each an array over runs (R,).

    Computed by the compiled ``sim.core.dynamics.record.alliance_row``, as in the ensemble.

    Args:
        static: the batch's members and calendar.
        c: the runs' constants (``sim.core.dynamics.initial_state``).
        s: the state.
    """
    runs, n = s.core_share_pct.shape
    out = np.empty((runs, 1, len(ALLIANCE_COLUMNS)))
    step_module().record(static.arrays, c, s, 0, out, np.empty((0, 1, n, 0)), np.empty((0, 1, n)))
    values = {name: out[:, 0, j] for j, name in enumerate(ALLIANCE_COLUMNS)}
    for name in COUNT_COLUMNS:
        values[name] = values[name].astype(np.int64)
    return values


def member_metrics(static: Static, c: Constants, s: State) -> dict[str, np.ndarray]:
    """Return every member-level metric of a state, each an array (R, N).

    Computed by the compiled ``sim.core.dynamics.record.member_rows``, as in the ensemble.
    """
    runs, n = s.core_share_pct.shape
    out = np.empty((runs, 1, n, len(MEMBER_COLUMNS)))
    alliance = np.empty((runs, 1, len(ALLIANCE_COLUMNS)))
    step_module().record(static.arrays, c, s, 0, alliance, out, np.empty((0, 1, n)))
    return {name: out[:, 0, :, j] for j, name in enumerate(MEMBER_COLUMNS)}
