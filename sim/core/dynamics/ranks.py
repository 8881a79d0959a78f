"""Ranks with ties averaged, compiled: the one ranking the model uses.

This module owns ranking (the members' GDP ranks in ``Static``, the burden-sharing rank
correlation recorded each quarter): the same numbers as ``scipy.stats.rankdata(x,
method="average")`` for finite input (ranks are small integers or halves, exact in floating
point), without importing ``scipy.stats`` into every sweep worker. :func:`resort_order` and
:func:`ranks_by_order` are the compiled pieces ``record`` calls; :func:`average_ranks` applies
the same ranking, uncompiled, to numpy's stable sort along the last axis of any array (it ranks
the members' GDP once per run's set-up, a few microseconds: compiling it in each process would
cost seconds, and numba caches only the compiled step's entry points).
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics.jit import allocating, kernel


@allocating  # numpy's merge sort (more than 64 members) allocates
def resort_order(x: np.ndarray, order: np.ndarray) -> None:
    """An ascending order of ``x`` into ``order``, which holds an earlier order (a permutation).

    An insertion sort for the alliance's few dozen members (no allocation), a merge sort beyond.
    The record's members keep nearly the same order from one quarter to the next, so starting
    from last quarter's order the sort moves a few members instead of some 250 (31 members at
    random). Tied values keep their order in ``order``: the values in order, hence medians, Gini
    coefficients and averaged ranks (:func:`ranks_by_order`), do not depend on it.
    """
    n = x.shape[0]
    if n > 64:
        order[:] = np.argsort(x, kind="mergesort")
        return
    for i in range(1, n):
        moving = order[i]
        j = i - 1
        while j >= 0 and x[order[j]] > x[moving]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = moving


@kernel
def ranks_by_order(x: np.ndarray, order: np.ndarray, out: np.ndarray) -> None:
    """Ranks 1..n of ``x`` into ``out``, ties averaged; ``order`` is the stable sort of ``x``."""
    n = x.shape[0]
    i = 0
    while i < n:
        j = i
        while j + 1 < n and x[order[j + 1]] == x[order[i]]:
            j += 1
        rank = (i + j) / 2 + 1
        for m in range(i, j + 1):
            out[order[m]] = rank
        i = j + 1


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n along the last axis; tied values get the mean of the ranks they span.

    Args:
        x: finite numbers, any shape (ranked along the last axis).

    Returns:
        Float ranks of the same shape.
    """
    x = np.asarray(x, dtype=np.float64)
    rows = np.ascontiguousarray(x.reshape(-1, x.shape[-1]))
    ranks = np.empty_like(rows)
    rank = _python(ranks_by_order)
    for row, out in zip(rows, ranks, strict=True):
        rank(row, np.argsort(row, kind="stable"), out)
    return ranks.reshape(x.shape)


def _python(function):  # noqa: ANN001, ANN202 - a numba dispatcher or, without the JIT, a function
    """The Python source of a compiled function (itself when ``NUMBA_DISABLE_JIT`` is set)."""
    return getattr(function, "py_func", function)
