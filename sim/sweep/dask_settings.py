"""What a sweep tells Dask: its workers' environment, its histories off, the client's own left.

This module owns the Dask settings of ``sim.sweep.execution`` (a ``--cluster local`` and the
sweep's process as a client): :func:`worker_environ` for a ``LocalCluster``'s workers,
:data:`NO_HISTORY`, and :func:`dask_environ_restored`, which undoes what a ``LocalCluster``'s
nannies write into the environment of the process that starts them. docs/SWEEPS.md says how to
set the same on a cluster of your own. Dask is imported only when a Dask executor opens (a
sweep's workers import this module with ``sim.sweep.execution`` and never load Dask).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

ENVIRON_KEY = "distributed.nanny.pre-spawn-environ"
"""Dask's environment for the worker processes its nannies start.

Dask's nanny starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536``. Setting it switches off
glibc's dynamic mmap threshold, so every numpy temporary above 128 KiB is mapped and unmapped
again, page faults included: a sweep's workers spent more time in the kernel than computing (a
40,000-run sweep on a LocalCluster of 2 workers: 20 s user and 22 s system CPU, 36 s; without
it 16 s and 2.4 s, 18 s). ``--cluster local`` gives its workers the thresholds of the local
workers instead (``sim.sweep.allocator.ENVIRON``); docs/SWEEPS.md says how to set them on a
cluster of your own."""


def worker_environ() -> dict[str, str | None]:
    """The allocator's thresholds for a LocalCluster's workers (unset where the user set them)."""
    from sim.sweep.allocator import ARROW_ENVIRON, ENVIRON, applies

    if not applies():
        return {f"{ENVIRON_KEY}.MALLOC_TRIM_THRESHOLD_": None}
    arrow = {name: value for name, value in ARROW_ENVIRON.items() if name not in os.environ}
    return {f"{ENVIRON_KEY}.{name}": value for name, value in {**ENVIRON, **arrow}.items()}


NO_HISTORY = {
    "distributed.admin.low-level-log-length": 0,
    "distributed.worker.profile.enabled": False,
}
"""Dask's histories, switched off in the sweep's process and a ``--cluster local``'s workers.

Dask keeps, for its developers, each batched connection's last 1,000 messages under 1 MB whole
(the client every chunk task it sent, the scheduler every task it passed on: about 100 KB for a
chunk of 2,500 runs) and a statistical profile of each event loop, one tree a second for the
last 1,000 seconds. Both grow with the chunks until they are full: a 600,000-run sweep on a
LocalCluster (client and scheduler in one process) grew by 52 MB over its 176 chunks
(docs/PERFORMANCE.md). docs/SWEEPS.md says how to switch them off on a cluster of your own."""


DASK_SETS = ("PYTHONHASHSEED",)
"""What a nanny sets besides its ``pre-spawn-environ`` (Dask fixes the hash seed of its workers)."""


@contextlib.contextmanager
def dask_environ_restored() -> Iterator[None]:
    """Give this process's environment back as it was, once a ``LocalCluster`` is closed.

    A ``LocalCluster``'s nannies live in the process that starts them and, before each worker
    starts, write their ``pre-spawn-environ`` into that process's ``os.environ``
    (``distributed.nanny``): ``OMP_NUM_THREADS=1``, ``MKL_NUM_THREADS=1``,
    ``OPENBLAS_NUM_THREADS=1``, the allocator's thresholds and ``PYTHONHASHSEED``. Left there,
    they reach whatever that process starts next (a notebook's next command, numba's OpenMP
    threads of a calibration run after the sweep). On leaving, each of those variables is set
    back to its value before, or removed if it had none.
    """
    import dask

    ours = {key.rsplit(".", 1)[1] for key in worker_environ()}
    names = {*dask.config.get(ENVIRON_KEY, default={}), *ours, *DASK_SETS}
    before = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
