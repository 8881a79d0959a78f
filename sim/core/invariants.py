"""The model's invariants: bounds every output obeys for any parameters in the documented ranges.

``sim.core.invariant_table`` declares each invariant once (:data:`INVARIANTS`: a name, the output
columns it covers, the bound and a one-line reason); this module checks trajectories against them
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

import numpy as np

from sim.core.invariant_table import INVARIANTS, MEMBERS, TOLERANCE, Invariant
from sim.core.metrics import ALLIANCE_COLUMNS, MEMBER_COLUMNS
from sim.core.params import Params

__all__ = ["INVARIANTS", "MEMBERS", "TOLERANCE", "Invariant", "first_violations"]


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
    # the columns as tuples, read once: a Columns object rebuilds its names at every index
    tables = {"alliance": (ALLIANCE_COLUMNS.names(), alliance)}
    if members is not None:
        tables["members"] = (MEMBER_COLUMNS.names(), members)
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
    holds = _holds(params, runs)
    flagged = _flagged(tables, holds, runs, len(iso3))
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


def _holds(params: Sequence[Params] | None, runs: int) -> dict[str, np.ndarray]:
    """For each ``holds_if`` parameter, whether it is on in each run (all on without params)."""
    conditions = {inv.holds_if for inv in INVARIANTS if inv.holds_if}
    return {
        name: (
            np.ones(runs, dtype=bool)
            if params is None
            else np.array([bool(getattr(p, name)) for p in params], dtype=bool)
        )
        for name in conditions
    }


def _flagged(
    tables: dict[str, tuple[tuple[str, ...], np.ndarray]],
    holds: dict[str, np.ndarray],
    runs: int,
    n_members: int,
) -> np.ndarray:
    """Which runs break some invariant, screened on each column's lowest and highest value."""
    extremes = {}
    for table, (_, array) in tables.items():
        flat = array.reshape(runs, -1, array.shape[-1])
        extremes[table] = (flat.min(axis=1), flat.max(axis=1))  # (R, columns), NaN if any
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
        bad = _outside(inv, low, high, n_members).reshape(runs, -1).any(axis=1)
        flagged |= bad & holds[inv.holds_if] if inv.holds_if else bad
    return flagged
