"""The model's invariants: bounds every output obeys for any parameters in the documented ranges.

This module declares each invariant once (:data:`INVARIANTS`: a name, the output columns it
covers, the bound and a one-line reason) and checks trajectories against them
(:func:`first_violations`). ``sim.core.ensemble.simulate`` records each run's first violation in its
results (``Trajectories.violations``), a sweep records such a run as failed with that message,
and ``tests/test_invariants.py`` draws parameter points across the whole parameter table and
asserts that no run breaks any of them. The mechanisms that keep the bounds (caps on shares, the
rival's budget, the floor on its growth) are in ``sim.core.dynamics`` and ``docs/ODD.md``.

A bound is checked with a tolerance of :data:`TOLERANCE` relative to its size (a share capped at
exactly 100% may come out one rounding error above it); a value that is not finite breaks every
bound. An invariant may hold only under a boolean parameter (``holds_if``): the members' shares
are bounded by 100% of GDP only when ``cap_shares_at_gdp`` is on (it is off only in the
Richardson docking configs, whose linear model is unbounded by design).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.core.metrics import ALLIANCE_COLUMNS, COUNT_COLUMNS, MEMBER_COLUMNS
from sim.core.params import PARAM_FIELDS, Params

TOLERANCE = 1e-9
"""Slack of a bound, relative to max(1, |bound|): rounding, not model error."""
MEMBERS = "members"
"""An upper bound meaning 'the number of members of the run'."""


@dataclass(frozen=True)
class Invariant:
    """One invariant: every value of ``columns`` in ``table`` lies within the bounds.

    Attributes:
        name: a short name, used in messages.
        table: ``"alliance"`` (``sim.core.metrics.ALLIANCE_COLUMNS``) or ``"members"``
            (``sim.core.metrics.MEMBER_COLUMNS``).
        columns: the output columns the bound applies to, each on its own (or their sum when
            ``summed``).
        lower: the lowest allowed value (None: no lower bound).
        upper: the highest allowed value; :data:`MEMBERS` for the number of members (None: no
            upper bound).
        reason: why the bound must hold, in one line.
        lower_strict: the value must be strictly above ``lower``.
        summed: the bound applies to the sum of the columns (e.g. core + related share).
        holds_if: a boolean parameter the invariant depends on: runs where it is false are
            not checked ('' for none: it always holds).
    """

    name: str
    table: str
    columns: tuple[str, ...]
    lower: float | None
    upper: float | str | None
    reason: str
    lower_strict: bool = False
    summed: bool = False
    holds_if: str = ""

    def __post_init__(self) -> None:
        """Check the declaration (a typo in a column or parameter name fails on import)."""
        names = ALLIANCE_COLUMNS if self.table == "alliance" else MEMBER_COLUMNS
        unknown = [c for c in self.columns if c not in names]
        if self.table not in ("alliance", "members") or unknown:
            raise ValueError(
                f"invariant {self.name!r}: unknown table {self.table!r} or columns {unknown}"
            )
        if self.holds_if and PARAM_FIELDS[self.holds_if].type != "bool":
            raise ValueError(f"invariant {self.name!r}: {self.holds_if} is not a bool parameter")

    def expected(self) -> str:
        """The bound in words, e.g. 'a value in [0, 100]'."""
        if self.lower is None and self.upper is None:
            return "a finite value"
        if self.upper is None:
            return f"a value {'>' if self.lower_strict else '>='} {self.lower:g}"
        upper = "the number of members" if self.upper == MEMBERS else f"{self.upper:g}"
        if self.lower is None:
            return f"a value <= {upper}"
        return f"a value in {'(' if self.lower_strict else '['}{self.lower:g}, {upper}]"


_SHARES = (
    "alliance_core_share_pct",
    "alliance_related_share_pct",
    "alliance_total_share_pct",
    "median_core_share_pct",
)
_CAP = "cap_shares_at_gdp"

INVARIANTS: tuple[Invariant, ...] = (
    Invariant(
        "finite",
        "alliance",
        ALLIANCE_COLUMNS,
        None,
        None,
        "every output is a number: NaN or infinity means a broken mechanism",
    ),
    Invariant(
        "finite",
        "members",
        MEMBER_COLUMNS,
        None,
        None,
        "every output is a number: NaN or infinity means a broken mechanism",
    ),
    Invariant(
        "share of GDP",
        "alliance",
        ("rival_defence_share_pct",),
        0.0,
        100.0,
        "a share of GDP spent lies between nothing and all of it",
    ),
    Invariant(
        "share of GDP",
        "alliance",
        _SHARES,
        0.0,
        100.0,
        "a share of GDP spent lies between nothing and all of it",
        holds_if=_CAP,
    ),
    Invariant(
        "share of GDP",
        "members",
        ("core_share_pct", "related_share_pct"),
        0.0,
        100.0,
        "a share of GDP spent lies between nothing and all of it",
        holds_if=_CAP,
    ),
    Invariant(
        "core + related share of GDP",
        "members",
        ("core_share_pct", "related_share_pct"),
        0.0,
        100.0,
        "a member cannot spend more than its GDP on defence and related spending together",
        summed=True,
        holds_if=_CAP,
    ),
    Invariant(
        "GDP",
        "alliance",
        ("alliance_gdp_usd_bn", "rival_gdp_usd_bn"),
        0.0,
        None,
        "an economy's output is positive",
        lower_strict=True,
    ),
    Invariant(
        "GDP",
        "members",
        ("gdp_usd_bn",),
        0.0,
        None,
        "an economy's output is positive",
        lower_strict=True,
    ),
    Invariant(
        "spending",
        "alliance",
        ("alliance_core_spending_usd_bn",),
        0.0,
        None,
        "spending is not negative",
    ),
    Invariant(
        "spending", "members", ("core_spending_usd_bn",), 0.0, None, "spending is not negative"
    ),
    Invariant(
        "output",
        "alliance",
        ("alliance_munitions_output", "rival_munitions_output"),
        0.0,
        None,
        "production is not negative",
    ),
    Invariant("output", "members", ("munitions_output",), 0.0, None, "production is not negative"),
    Invariant(
        "capacity",
        "members",
        ("munitions_capacity",),
        0.0,
        None,
        "a production line's capacity is not negative",
    ),
    Invariant(
        "stock",
        "alliance",
        ("air_defence_vs_2025",),
        0.0,
        None,
        "a capability (a stock of systems) is not negative",
    ),
    Invariant(
        "stock",
        "members",
        ("air_defence_vs_2025",),
        0.0,
        None,
        "a capability (a stock of systems) is not negative",
    ),
    Invariant(
        "ratio",
        "alliance",
        ("munitions_ratio",),
        0.0,
        None,
        "a ratio of two non-negative outputs is not negative",
    ),
    Invariant(
        "count",
        "alliance",
        COUNT_COLUMNS,
        0.0,
        MEMBERS,
        "a count of members lies between none and all of them",
    ),
    Invariant(
        "fraction",
        "members",
        ("peers_at_target",),
        0.0,
        1.0,
        "a fraction of peers lies between none and all of them",
    ),
    Invariant(
        "fraction",
        "alliance",
        ("burden_gini",),
        0.0,
        1.0,
        "a Gini coefficient of non-negative shares lies in [0, 1]",
    ),
    Invariant(
        "correlation",
        "alliance",
        ("burden_rank_correlation",),
        -1.0,
        1.0,
        "a rank correlation lies in [-1, 1]",
    ),
    Invariant(
        "threat",
        "members",
        ("threat", "threat_pp"),
        0.0,
        None,
        "a perceived threat and its effect on the desired share are not negative",
    ),
    Invariant(
        "threat",
        "alliance",
        ("mean_threat_pp",),
        0.0,
        None,
        "a perceived threat's effect on the desired share is not negative",
    ),
    Invariant(
        "pressure",
        "members",
        ("pressure_pp",),
        0.0,
        None,
        "pressure only ever pulls a member up toward the target path",
    ),
    Invariant(
        "pressure",
        "alliance",
        ("mean_pressure_pp",),
        0.0,
        None,
        "pressure only ever pulls a member up toward the target path",
    ),
)
"""Every invariant of the outputs, checked in this order (the first broken one is reported)."""


def _slack(bound: float) -> float:
    return TOLERANCE * max(1.0, abs(bound))


def _upper(inv: Invariant, n_members: int) -> float | None:
    if inv.upper is None:
        return None
    return float(n_members) if inv.upper == MEMBERS else float(inv.upper)


def _outside(inv: Invariant, low: np.ndarray, high: np.ndarray, n_members: int) -> np.ndarray:
    """Where values whose lowest is ``low`` and highest ``high`` break the bounds.

    Called with each value as its own lowest and highest, it checks values one by one; with
    a run's extremes, it checks the run at once. NaN and infinities break every bound.
    """
    bad = ~(np.isfinite(low) & np.isfinite(high))
    if inv.lower is not None:
        bad |= ~(low > inv.lower) if inv.lower_strict else ~(low >= inv.lower - _slack(inv.lower))
    hi = _upper(inv, n_members)
    if hi is not None:
        bad |= ~(high <= hi + _slack(hi))
    return bad


def _tables(
    alliance: np.ndarray, members: np.ndarray | None
) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    tables = {"alliance": (ALLIANCE_COLUMNS, alliance)}
    if members is not None:
        tables["members"] = (MEMBER_COLUMNS, members)
    return tables


def _series(
    inv: Invariant, names: tuple[str, ...], array: np.ndarray
) -> list[tuple[str, np.ndarray]]:
    """The (label, values) pairs an invariant checks; values shaped like ``array[..., 0]``."""
    prefix = "members' " if inv.table == "members" else ""
    values = [array[..., names.index(c)] for c in inv.columns]
    if inv.summed:
        return [(prefix + " + ".join(inv.columns), sum(values[1:], values[0]))]
    return [(prefix + c, v) for c, v in zip(inv.columns, values, strict=True)]


def _describe(
    alliance: np.ndarray,
    members: np.ndarray | None,
    quarters: Sequence[str],
    iso3: Sequence[str],
    holds: dict[str, bool],
) -> str:
    """The message for one run's (T, ...) arrays ('' if it breaks no invariant).

    The invariant broken at the earliest quarter; at that quarter, the first in declaration
    order.
    """
    best: tuple[int, str] | None = None
    tables = _tables(alliance, members)
    for inv in INVARIANTS:
        if inv.table not in tables or not holds.get(inv.holds_if, True):
            continue
        names, array = tables[inv.table]
        for label, values in _series(inv, names, array):
            bad = _outside(inv, values, values, len(iso3))
            if not bad.any():
                continue
            where = np.unravel_index(int(np.argmax(bad)), bad.shape)  # earliest quarter first
            if best is not None and where[0] >= best[0]:
                continue
            at = quarters[where[0]]
            if len(where) > 1:
                at = f"{iso3[where[1]]}, {at}"
            best = (
                int(where[0]),
                f"invariant '{inv.name}' broken: {label} = "
                f"{values[where]:.6g} ({at}), expected {inv.expected()} ({inv.reason})",
            )
    return "" if best is None else best[1]


def first_violations(
    alliance: np.ndarray,
    members: np.ndarray | None,
    *,
    quarters: Sequence[str],
    iso3: Sequence[str],
    params: Sequence[Params] | None = None,
) -> tuple[str, ...]:
    """Each run's first broken invariant, as a one-line message ('' when it breaks none).

    The first is the one broken at the earliest quarter; at that quarter, the first in
    :data:`INVARIANTS`' order. Runs are screened at once on each column's lowest and highest
    value, so a clean batch costs two passes over its arrays.

    Args:
        alliance: alliance metrics (R, T, K) in ``ALLIANCE_COLUMNS`` order.
        members: member metrics (R, T, N, M) in ``MEMBER_COLUMNS`` order, or None (then only
            the alliance invariants are checked).
        quarters: the T quarters (for the message).
        iso3: the N members (for the message and the count bound).
        params: each run's parameters, for invariants that hold only under a parameter
            (``holds_if``); None checks every invariant on every run.

    Returns:
        One message per run, e.g. ``"invariant 'share of GDP' broken: rival_defence_share_pct =
        -56.2 (2031Q2), expected a value in [0, 100] (a share of GDP spent lies ...)"``; a
        member's value names the member (``"members' core_share_pct = 200 (LTU, 2030Q1)"``).
    """
    runs = alliance.shape[0]
    tables = _tables(alliance, members)
    extremes = {}
    for table, (_, array) in tables.items():
        flat = array.reshape(runs, -1, array.shape[-1])
        extremes[table] = (flat.min(axis=1), flat.max(axis=1))  # (R, columns), NaN if any
    conditions = {inv.holds_if for inv in INVARIANTS if inv.holds_if}
    holds = {
        name: (
            np.ones(runs, dtype=bool)
            if params is None
            else np.array([bool(getattr(p, name)) for p in params], dtype=bool)
        )
        for name in conditions
    }
    flagged = np.zeros(runs, dtype=bool)
    for inv in INVARIANTS:
        if inv.table not in tables:
            continue
        names, array = tables[inv.table]
        if inv.summed:
            ((_, total),) = _series(inv, names, array)
            flat = total.reshape(runs, -1)
            low, high = flat.min(axis=1), flat.max(axis=1)
        else:
            idx = [names.index(c) for c in inv.columns]
            low, high = extremes[inv.table][0][:, idx], extremes[inv.table][1][:, idx]
        bad = _outside(inv, low, high, len(iso3)).reshape(runs, -1).any(axis=1)
        flagged |= bad & holds[inv.holds_if] if inv.holds_if else bad
    return tuple(
        _describe(
            alliance[r],
            None if members is None else members[r],
            quarters,
            iso3,
            {name: bool(h[r]) for name, h in holds.items()},
        )
        if flagged[r]
        else ""
        for r in range(runs)
    )
