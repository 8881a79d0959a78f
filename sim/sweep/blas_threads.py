"""One BLAS thread in the processes that run a command's simulations.

This module owns one process-wide setting (:func:`one_blas_thread`): ``OPENBLAS_NUM_THREADS=1``,
set before numpy is imported where ``sim`` owns the process: ``python -m sim`` and the ``sim``
command (``sim.__main__.main``), and every local sweep worker (``sim.sweep.pool.start_worker``).
Dask's nannies set the same for their workers (its ``pre-spawn-environ``). ``import sim`` does
not: a library leaves its caller's threads alone.

Why: numpy and SciPy each load an OpenBLAS which, on import, starts a thread for every further
CPU, and each thread spins for a while waiting for work that never comes: the equations are
compiled loops (numba) that call no BLAS, and the commands' few matrix products are small
(the hindcast's regressions, the calibration's information matrix, a row per fitted
parameter). On this 2-core machine ``import numpy, scipy.linalg`` spent 0.16-0.23 user CPU s
with one thread against 0.32-0.37 with the default (three runs each, 2026-12-06); a worker's
start-up 1.20 CPU s against 1.46 (medians of ten, alternating; docs/PERFORMANCE.md). A sweep's
worker imports both (numba imports SciPy's linear algebra to find a BLAS), and its spinning
threads take CPU from the other workers and from the sweep's own process while they start.

A user who sets ``OPENBLAS_NUM_THREADS``, ``GOTO_NUM_THREADS`` or ``OMP_NUM_THREADS`` (which
OpenBLAS reads in that order) keeps their own. Numba's threads (``NUMBA_NUM_THREADS``, the
calibration's) are not BLAS threads and are not changed.
"""

from __future__ import annotations

import os
import sys

BLAS_THREADS_ENV = "OPENBLAS_NUM_THREADS"
"""The variable set (to ``"1"``)."""

USER_SETTINGS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")
"""Variables OpenBLAS reads for its number of threads: any of them set (non-empty) is kept."""


def one_blas_thread() -> bool:
    """Set ``OPENBLAS_NUM_THREADS=1`` for this process, before numpy loads OpenBLAS.

    Returns:
        Whether it was set: False when the user set the number of threads already, or when
        numpy is imported already (its OpenBLAS started its threads; setting it then would
        reach only this process's children, so nothing is set).
    """
    if any(os.environ.get(name) for name in USER_SETTINGS) or "numpy" in sys.modules:
        return False
    os.environ[BLAS_THREADS_ENV] = "1"
    return True
