"""From a sampled sweep to per-chunk costs, memory growth and the time on a bigger cluster.

The arithmetic of ``million.py``, on given numbers (``tests/test_benchmarks.py`` checks it):

- :func:`steady_window`: the part of a sweep between 10% and 90% of its chunk files, where
  neither start-up nor the final tables count;
- :func:`value_at`: a cumulative count (CPU seconds) at any time, by linear interpolation;
- :func:`peak_growth`: whether a process's memory grows with the runs done: its peak RSS in the
  second half of the window minus its peak in the first half (about zero when bounded);
- :func:`cluster_estimate`: the expected wall time on ``cores`` worker cores from the measured
  per-chunk costs, and the client's share.

The estimate's model, per chunk (a chunk is one task: the unit the client hands out): a sweep of C
chunks takes ``startup + max(ceil(C / cores) * w, C * c, C * s) + tail``, where ``w`` is a chunk's
worker CPU seconds, ``c`` the client's CPU seconds per chunk while chunks run (with a
``LocalCluster`` the scheduler and the nannies live in the client's process, so they are included),
``s`` the CPU seconds per chunk of a scheduler (and nannies) running apart (zero when they are
inside the client), ``startup`` the time before the first chunk starts and ``tail`` the time after
the last one ends (final files, shutting the cluster down). ``ceil(C / cores)`` counts the waves of
chunks: 148 chunks on 64 cores take 3 chunk times, not 2.3. The client keeps up while ``C * c`` is
below the workers' time; its *busy share* says how close it is, and likewise the scheduler's. The
model assumes cores as fast as this machine's, a scheduler that keeps them busy, and a file system
that absorbs the write rate it reports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def value_at(times: Sequence[float], values: Sequence[float], t: float) -> float:
    """A cumulative sampled quantity at time ``t`` (linear between samples, flat outside).

    Raises:
        ValueError: for no samples, or times and values of different lengths.
    """
    if len(times) == 0 or len(times) != len(values):
        raise ValueError(f"value_at: {len(times)} times and {len(values)} values")
    return float(np.interp(t, times, values))


def steady_window(
    progress: Sequence[tuple[float, int]], lo: float = 0.1, hi: float = 0.9
) -> tuple[float, float, int, int]:
    """The times and counts where a session's new files first reach ``lo`` and ``hi`` of its total.

    Args:
        progress: (seconds, files written so far) samples, in time order; counts may start above
            zero (a resumed sweep).
        lo: fraction of the session's new files that opens the window.
        hi: fraction that closes it.

    Returns:
        (start time, end time, files at start, files at end).

    Raises:
        ValueError: when the session wrote too few files to have a window.
    """
    first, last = progress[0][1], progress[-1][1]
    new = last - first
    want_lo, want_hi = first + lo * new, first + hi * new
    start = next((p for p in progress if p[1] >= want_lo), None)
    end = next((p for p in progress if p[1] >= want_hi), None)
    if new < 2 or start is None or end is None or end[1] <= start[1] or end[0] <= start[0]:
        raise ValueError(f"steady_window: {new} new files, too few samples for a window")
    return start[0], end[0], start[1], end[1]


def peak_growth(times: Sequence[float], rss: Sequence[int], start: float, end: float) -> float:
    """Peak RSS in the second half of [start, end] minus the peak in the first half (bytes).

    Raises:
        ValueError: when either half holds no sample.
    """
    t, r = np.asarray(times), np.asarray(rss)
    mid = (start + end) / 2
    first = r[(t >= start) & (t < mid)]
    second = r[(t >= mid) & (t <= end)]
    if not len(first) or not len(second):
        raise ValueError(f"peak_growth: no samples in one half of [{start}, {end}]")
    return float(second.max() - first.max())


@dataclass(frozen=True)
class Estimate:
    """Expected wall time of a sweep on ``cores`` worker cores."""

    cores: int
    chunks: int
    seconds: float
    client_busy: float
    """Share of the running time the client is busy (1.0: the client is the limit)."""
    scheduler_busy: float
    """Share of the running time a separate scheduler is busy (0.0 when it is in the client)."""
    write_mb_s: float
    """Rate the file system must absorb while chunks run (MB/s)."""


def cluster_estimate(
    chunks: int,
    worker_s_per_chunk: float,
    client_s_per_chunk: float,
    startup_s: float,
    tail_s: float,
    bytes_per_chunk: float,
    cores: int,
    scheduler_s_per_chunk: float = 0.0,
) -> Estimate:
    """Expected wall time of ``chunks`` chunks on ``cores`` worker cores (the model above).

    Raises:
        ValueError: for no chunks, a non-positive worker cost or number of cores.
    """
    if chunks <= 0 or worker_s_per_chunk <= 0 or cores <= 0:
        raise ValueError(
            f"cluster_estimate: {chunks} chunks, worker cost {worker_s_per_chunk}, {cores} cores"
        )
    workers_s = math.ceil(chunks / cores) * worker_s_per_chunk
    client_s = chunks * client_s_per_chunk
    scheduler_s = chunks * scheduler_s_per_chunk
    running = max(workers_s, client_s, scheduler_s)
    return Estimate(
        cores=cores,
        chunks=chunks,
        seconds=startup_s + running + tail_s,
        client_busy=client_s / running,
        scheduler_busy=scheduler_s / running,
        write_mb_s=chunks * bytes_per_chunk / running / 1e6,
    )
