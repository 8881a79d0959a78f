"""The output vocabulary: alliance-level and member-level metrics computed from a state.

This module owns the names and definitions of every output column; the Mesa model's data
collector, the ensemble, the run tables, sweeps and the web page all use these names.

Target lines (declared in ``sim.core.targets``): "at or above 2%" and "3.5%" count core defence
shares; "at or above 5%" counts core plus related spending (the Hague definition). Iceland (no
armed forces) counts as a member below every line. ``air_defence_vs_2025`` is capability relative
to the start of the run (2025 in the forward scenarios), goal 5.0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from sim.core.dynamics import EPS, Constants, State, Static, Term, member_terms, row_sum
from sim.core.ranks import average_ranks
from sim.core.targets import COUNT_COLUMNS, TARGET_LINES

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


def spearman_rows(x: np.ndarray, y_rank: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of each row of x with fixed ranks ``y_rank`` (ties averaged).

    The members' GDP ranks are fixed within a run (all members grow at the same rate), so they
    are ranked once (``Static.gdp_rank``).
    """
    rx = average_ranks(x)
    ry = np.broadcast_to(y_rank, rx.shape)
    rx = rx - (x.shape[1] + 1) / 2  # the mean of ranks 1..n, ties averaged or not
    ry = ry - (x.shape[1] + 1) / 2
    denom = np.sqrt(row_sum(rx**2) * row_sum(ry**2))
    return np.divide(row_sum(rx * ry), denom, out=np.zeros(len(x)), where=denom > 0)


def gini_rows(x: np.ndarray) -> np.ndarray:
    """Gini coefficient of each row of a non-negative array."""
    xs = np.sort(x, axis=1)
    n = xs.shape[1]
    index = np.arange(1, n + 1)
    total = row_sum(xs)
    g = row_sum((2 * index - n - 1) * xs)
    return np.divide(g, n * total, out=np.zeros(len(x)), where=total > 0)


def alliance_metrics(static: Static, c: Constants, s: State) -> dict[str, np.ndarray]:
    """Return every alliance-level metric of a state, each an array over runs (R,).

    Args:
        static: the batch's members and calendar.
        c: the runs' constants (``sim.core.dynamics.initial_state``).
        s: the state.
    """
    armed = static.members.armed
    core, related, gdp = s.core_share_pct, s.related_share_pct, s.gdp_usd_bn
    core_spend = core / 100 * gdp
    total_gdp = row_sum(gdp)
    alliance_out = s.alliance_output
    initial_ad = c.air_defence_spend_initial
    ad_weight = row_sum(initial_ad)
    air = np.divide(
        row_sum(s.air_defence * initial_ad),
        ad_weight,
        out=np.ones(len(total_gdp)),
        where=ad_weight > 0,
    )
    n_armed = max(int(armed.sum()), 1)
    return {
        "alliance_gdp_usd_bn": total_gdp,
        "alliance_core_spending_usd_bn": row_sum(core_spend),
        "alliance_core_share_pct": 100 * row_sum(core_spend) / total_gdp,
        "alliance_related_share_pct": row_sum(related * gdp) / total_gdp,
        "alliance_total_share_pct": row_sum((core + related) * gdp) / total_gdp,
        "median_core_share_pct": np.median(core[:, armed], axis=1),
        **{
            line.count_column: row_sum(
                (core + related * armed if line.counts_related else core) >= line.value - EPS
            ).astype(np.int64)
            for line in TARGET_LINES
        },
        "alliance_munitions_output": alliance_out,
        "rival_munitions_output": s.rival_output.copy(),
        "munitions_ratio": s.rival_output / np.maximum(alliance_out, EPS),
        "rival_defence_share_pct": s.rival_defence_share_pct.copy(),
        "rival_gdp_usd_bn": s.rival_gdp_usd_bn.copy(),
        "air_defence_vs_2025": air,
        "burden_rank_correlation": spearman_rows(core[:, armed], static.gdp_rank[armed]),
        "burden_gini": gini_rows(core[:, armed]),
        **{t.mean_column: row_sum(s.terms[t.name][:, armed]) / n_armed for t in member_terms()},
        "cumulative_extra_spending_usd_bn": s.cumulative_extra_spending_usd_bn.copy(),
    }


def member_metrics(s: State) -> dict[str, np.ndarray]:
    """Return every member-level metric of a state, each an array (R, N)."""
    return {
        "core_share_pct": s.core_share_pct,
        "related_share_pct": s.related_share_pct,
        "gdp_usd_bn": s.gdp_usd_bn,
        "core_spending_usd_bn": s.core_share_pct / 100 * s.gdp_usd_bn,
        "munitions_capacity": s.munitions_capacity,
        "munitions_output": s.munitions_output,
        "air_defence_vs_2025": s.air_defence,
        "threat": s.threat,
        **{t.column: s.terms[t.name] for t in member_terms()},
        "desired_core_share_pct": s.desired_core_share_pct,
        "peers_at_target": s.peers_at_target,
    }
