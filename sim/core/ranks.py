"""Ranks with ties averaged, over the last axis, in numpy alone.

This module owns the one ranking the outputs need (burden-sharing rank correlation, the members'
GDP ranks): the same numbers as ``scipy.stats.rankdata(x, method="average", axis=-1)`` for finite
input (ranks are small integers or halves, exact in floating point), without importing
``scipy.stats`` (about half a second) into every sweep worker.
"""

from __future__ import annotations

import numpy as np


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n along the last axis; tied values get the mean of the ranks they span.

    Args:
        x: finite numbers, any shape (ranked along the last axis).

    Returns:
        Float ranks of the same shape.
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    order = np.argsort(x, axis=-1, kind="mergesort")
    ordered = np.take_along_axis(x, order, axis=-1)
    position = np.broadcast_to(np.arange(n), x.shape)
    starts = np.ones(x.shape, dtype=bool)  # the first of each run of equal values
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    ends = np.ones(x.shape, dtype=bool)  # the last of each run
    ends[..., :-1] = starts[..., 1:]
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)
    last = np.flip(
        np.minimum.accumulate(np.flip(np.where(ends, position, n - 1), axis=-1), axis=-1), axis=-1
    )
    ranks = np.empty(x.shape)
    np.put_along_axis(ranks, order, (first + last) / 2 + 1, axis=-1)
    return ranks
