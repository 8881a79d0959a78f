"""What the fork server of a sweep's local workers holds before it forks them (Linux).

Importing this module prepares the process that imports it (:func:`prepare`). The fork server
that ``sim.sweep.pool`` starts (``multiprocessing``'s ``forkserver``) imports it once, for that
effect, before it forks any worker:

- one BLAS thread before numpy loads (``sim.sweep.blas_threads``), no jemalloc background
  thread before pyarrow loads (:data:`NO_BACKGROUND_THREAD`) and Arrow's buffers from glibc's
  allocator, which keeps freed memory (``sim.sweep.allocator``), each unless the user set it;
- what a chunk needs, imported, and the compiled step loaded (``sim.sweep.pool.warm``);
- the garbage collector's objects frozen, so that the workers' collections do not write to the
  pages they share with the server.

Each worker is then a fork of this warm process. A warm-up that raises is reported on stderr and
the server carries on: each worker then loads what its first chunk needs, as a fresh interpreter
does (the fork server itself survives only an ``ImportError``). Private (a leading ``_``):
nothing else imports it, and the API reference (pdoc imports what it documents) leaves it out.
"""

from __future__ import annotations

import gc
import os
import sys

from sim.sweep.allocator import keep_freed_memory
from sim.sweep.blas_threads import one_blas_thread

ARROW_JEMALLOC_ENV = "JE_ARROW_MALLOC_CONF"
"""The configuration variable of the jemalloc that pyarrow bundles (read when pyarrow loads)."""

NO_BACKGROUND_THREAD = "background_thread:false"
"""No jemalloc background thread in the server: pyarrow's jemalloc starts one when pyarrow loads
(even where its default pool is another allocator), and a process with a second thread should
not fork (``os.fork`` warns). jemalloc stops its background threads in a forked child anyway, so
the workers run as they would have."""


def prepare() -> None:
    """The server's set-up: one thread, the warm-up (its failure said on stderr), a frozen heap.

    One BLAS thread, no jemalloc background thread and Arrow's buffers from glibc, unless the
    user set any, before numpy and pyarrow load (a sweep started from a Python session, whose
    process did not set them); then :func:`sim.sweep.pool.warm` and ``gc.freeze()``.
    """
    one_blas_thread()
    os.environ.setdefault(ARROW_JEMALLOC_ENV, NO_BACKGROUND_THREAD)
    keep_freed_memory()
    from sim.sweep.pool import warm

    try:
        warm()
    except Exception as error:  # noqa: BLE001 - the workers warm up on their first chunk
        print(
            f"warning: the sweep workers' warm-up failed ({type(error).__name__}: {error}); "
            "each worker's first chunk loads the compiled step instead",
            file=sys.stderr,
        )
    gc.freeze()


prepare()
