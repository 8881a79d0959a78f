"""glibc's allocator told to keep freed memory, in the processes that run a command's simulations.

This module owns one process-wide setting (:func:`keep_freed_memory`), applied where ``sim``
owns the process: the command line's process (``sim.cli.run``: a serial sweep, a calibration,
a run) and every local sweep worker (``sim.sweep.pool``); a Dask ``LocalCluster``'s workers get
the same through their environment (:data:`ENVIRON`). ``import sim`` does not apply it: a
library leaves the allocator of its caller's process alone.

Why: a batch of 2,500 runs allocates and frees about 300 MB of arrays. By default glibc
returns freed memory at the top of its heap to the system once more than twice its dynamic mmap
threshold lies free there, and maps arrays above that threshold afresh, so each batch faults its
memory in again: about 17,000 page faults and 50 ms of system time a batch, a tenth of the
batch (``resource.getrusage`` around ``sim.simulate``, one CPU, 2026-12-06: 5,540 runs/s
against 6,100 with the setting, four pairs alternating; ``docs/PERFORMANCE.md``). Kept, the
memory is reused: the process's peak resident size rose from 327 to 353 MB and stays there.

Arrow's buffers (a chunk's tables and its Parquet files, encoded in memory) come from the same
allocator (:data:`ARROW_ENVIRON`, read when pyarrow loads). pyarrow's own allocator (mimalloc
here) handed a chunk's buffers back to the system and zeroed fresh pages for the next chunk: a
60,000-run sweep on one worker spent 0.66 s in the kernel, against 0.09 s with Arrow's buffers
from glibc, and wrote its chunks' files in 0.84 s instead of 1.23 (in-process timings, one CPU,
2026-12-06; ``docs/PERFORMANCE.md``, "Arrow's buffers from glibc").

The values are glibc's ``mallopt`` parameters; a user who sets ``MALLOC_MMAP_THRESHOLD_`` or
``MALLOC_TRIM_THRESHOLD_`` in the environment keeps their own (nothing is applied), as does one
who sets ``ARROW_DEFAULT_MEMORY_POOL`` (Arrow's choice alone), and other C libraries (musl,
macOS) are left as they are.
"""

from __future__ import annotations

import os
import sys

MMAP_THRESHOLD = 32 * 2**20
"""Arrays above 32 MiB are still mapped afresh; below, they come from the heap. 32 MiB is the
largest glibc accepts on 64-bit systems (half its ``HEAP_MAX_SIZE``) and the top of its own
dynamic threshold; a 2,500-run batch's largest array, the members' shocks, is 27.5 MB."""

TRIM_THRESHOLD = 512 * 2**20
"""Free memory at the top of the heap returned to the system only above 512 MiB (glibc's
default follows the dynamic threshold: twice the largest array freed so far)."""

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
"""``mallopt``'s parameter numbers (glibc's ``malloc.h``)."""

ENVIRON = {
    "MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD),
    "MALLOC_TRIM_THRESHOLD_": str(TRIM_THRESHOLD),
}
"""The same setting as environment variables, for processes started by others (Dask's nanny)."""

ARROW_ENVIRON = {"ARROW_DEFAULT_MEMORY_POOL": "system"}
"""Arrow's default memory pool: the C library's allocator (read once, when pyarrow loads; a
process started later inherits it)."""


def uses_glibc() -> bool:
    """Whether this process's C library is glibc (``os.confstr``, no file read)."""
    try:
        return sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION") is not None
    except (ValueError, OSError):
        return False


def applies() -> bool:
    """Whether ``sim`` sets the thresholds here: glibc, and neither set by the user already."""
    return uses_glibc() and not any(name in os.environ for name in ENVIRON)


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds for this process (once is enough; idempotent).

    Arrow's buffers then come from glibc too (:data:`ARROW_ENVIRON`, unless the environment
    names a pool already): in this process if pyarrow has not loaded yet, and in the processes
    it starts.

    Returns:
        Whether the setting was applied: False for another C library, or when the environment
        already sets either threshold (the user's choice is kept).
    """
    if not applies():
        return False
    for name, value in ARROW_ENVIRON.items():
        os.environ.setdefault(name, value)
    import ctypes

    libc = ctypes.CDLL(None)
    return (
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
        and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    )
