"""Ranks with ties averaged, compiled: the one ranking the model uses.

This module owns ranking (the members' GDP ranks in ``Static``, the burden-sharing rank
correlation recorded each quarter): the same numbers as ``scipy.stats.rankdata(x,
method="average")`` for finite input (ranks are small integers or halves, exact in floating
point), without importing ``scipy.stats`` into every sweep worker. :func:`sort_order` and
:func:`ranks_by_order` are the compiled pieces ``record`` calls; :func:`average_ranks` applies
the same source, uncompiled, along the last axis of any array (it ranks the members' GDP once per
run's set-up, a few microseconds: compiling it in each process would cost seconds, and numba
caches only the compiled step's entry points).
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics.jit import allocating, kernel


@allocating  # numpy's merge sort (more than 64 members) allocates
def sort_order(x: np.ndarray, order: np.ndarray) -> None:
    """The stable ascending order of ``x`` into ``order``.

    An insertion sort for the alliance's few dozen members (no allocation), a merge sort beyond.
    """
    n = x.shape[0]
    if n > 64:
        order[:] = np.argsort(x, kind="mergesort")
        return
    for i in range(n):
        order[i] = i
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
    order = np.empty(rows.shape[1], dtype=np.int64)
    sort, rank = _python(sort_order), _python(ranks_by_order)
    for row, out in zip(rows, ranks, strict=True):
        sort(row, order)
        rank(row, order, out)
    return ranks.reshape(x.shape)


def _python(function):  # noqa: ANN001, ANN202 - a numba dispatcher or, without the JIT, a function
    """The Python source of a compiled function (itself when ``NUMBA_DISABLE_JIT`` is set)."""
    return getattr(function, "py_func", function)
