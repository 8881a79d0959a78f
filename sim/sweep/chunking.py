"""How many runs a chunk holds: chosen by the engine from a run's cost; ``chunk_size`` is a hint.

This module owns the rule (:func:`choose_chunk_size`). A chunk is the unit of work of a sweep: one
task sent to a worker, one file per dataset, one step of resuming. Each chunk costs some fixed
overhead (sending the task, building its parameters, the kernel's per-quarter steps, writing and
hashing its files), so chunks should be long enough for that overhead to be a few per cent of
their time; there should be several per worker, so that workers finish together and a killed
sweep loses little; and a chunk's series must fit a worker's memory. From a run's estimated cost
(members x quarters x :data:`SECONDS_PER_MEMBER_QUARTER`, measured) and its series' bytes:

- the most runs a chunk may hold: :data:`MAX_CHUNK_SECONDS` of work, :data:`CHUNK_SERIES_BYTES`
  of series in memory (float64, before they are written), or as many as keep the chunk's largest
  array (its members' shocks or a series) below glibc's mmap threshold
  (:data:`ARRAY_BYTES_BELOW`), the fewest;
- the fewest: :data:`MIN_CHUNK_SECONDS` of work, but never so many that the sweep has fewer than
  :data:`MIN_CHUNKS` chunks (a small sweep is still spread over several workers);
- without a hint: :data:`TARGET_CHUNK_SECONDS` of work, or the runs over :data:`MIN_CHUNKS`,
  the fewer, then evened out so that the chunks number a multiple of :data:`MIN_CHUNKS` (1, 2,
  4 or 8 workers then finish together instead of one running the last chunk alone; never
  below the least); a config's ``chunk_size`` is kept when it lies between the two bounds and
  is otherwise moved to the nearer bound (and never above the sweep's runs).

The rule reads only the config (never a clock, never the number of workers), so a sweep's chunks,
and with them its files' bytes, are the same on one worker or many. The chunk size is recorded in
the folder's manifest with the reason (``chunk_size``, ``chunk_size_reason``); a resumed sweep
keeps the recorded one. A run's outcome never depends on its chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.sweep.allocator import MMAP_THRESHOLD

SECONDS_PER_MEMBER_QUARTER = 1.6e-7
"""A run's cost in a worker per member and quarter with alliance series kept: the simulation,
its checks, the summary and the chunk's files. Measured with ``run_chunk`` on one core of the
2-core development machine (the compiled kernel, ``sim.core.dynamics.kernel``): 0.225 ms per run
of 32 members and 44 quarters, plus 11 ms per chunk whatever its size (building its parameters,
the kernel's set-up, its files), the overhead that chunks of at least :data:`MIN_CHUNK_SECONDS`
keep to a few per cent (the numpy kernel before it: 0.29 ms and 30 ms). A faster kernel makes
chunks shorter than aimed at, never wrong. Since then the kernel became faster: about 0.105-0.115
ms a run in a 2,219-run chunk of the benchmark's grid (``run_chunk`` timed on one core,
2026-12-06). The constant is kept: for a large sweep a memory bound (:data:`ARRAY_BYTES_BELOW`,
:data:`CHUNK_SERIES_BYTES`) binds first, and a new value would cut the same configs into other
chunks than earlier versions did (the runs' outcomes would not change)."""

MEMBER_SERIES_SECONDS_PER_MEMBER_QUARTER = 4.1e-7
"""The extra cost per member and quarter of keeping member series (measured likewise: 0.81 ms
per run instead of 0.225)."""

TARGET_CHUNK_SECONDS = 2.0
"""The work a chunk aims at without a hint."""

MIN_CHUNK_SECONDS = 0.5
"""The least work a chunk holds (unless the sweep is small): its overhead stays a few per cent."""

MAX_CHUNK_SECONDS = 5.0
"""The most work a chunk holds: what a killed sweep or a lost worker loses at most."""

MIN_CHUNKS = 8
"""The fewest chunks a sweep is cut into when it has that many runs, for load balance."""

CHUNK_SERIES_BYTES = 32 * 2**20
"""The most bytes of float64 series a chunk holds in a worker's memory before writing them: 3,530
runs of alliance series (44 quarters x 27 metrics x 8 bytes), 200 with member series. A worker
holds about four times a chunk's series at its peak (the kernel's state and shocks, the float32
copies, the Parquet buffers; measured: 430 MB resident with chunks of 3,750 runs, 276 MB with
250)."""


ARRAY_BYTES_BELOW = MMAP_THRESHOLD - 2**12
"""The most bytes a chunk's largest array may take: a page below glibc's mmap threshold as a sweep
sets it (``sim.sweep.allocator.MMAP_THRESHOLD``, 32 MiB), so that the array comes from the heap
and is reused by the next chunk instead of being mapped afresh and its pages zeroed again. The
members' shocks of the default scenario take 11,008 bytes a run (43 quarters x 32 members x 8):
at most 3,047 runs. Chunks of 3,409 runs (a 600,000-run sweep's before the bound) spent 0.46,
0.57 and 0.98 s of a 20,500-run sweep's 2.7-3.6 s of simulation in the kernel (0.05 s in a
fourth run); chunks of 3,000, 0.03-0.04 s in three (one CPU, in process, 2026-12-06;
``docs/PERFORMANCE.md``). The same constant on every platform, so that a config's chunks are the
same everywhere."""


@dataclass(frozen=True)
class Chunking:
    """The runs per chunk a sweep uses, the config's hint and why that size."""

    chunk_size: int
    hint: int | None
    reason: str


def run_cost(members: int, quarters: int, keep_members: bool) -> float:
    """A run's estimated seconds in a worker (see :data:`SECONDS_PER_MEMBER_QUARTER`)."""
    per = SECONDS_PER_MEMBER_QUARTER + (
        MEMBER_SERIES_SECONDS_PER_MEMBER_QUARTER if keep_members else 0.0
    )
    return members * quarters * per


def _evened(n_runs: int, size: int) -> int:
    """The chunk size nearest below ``size`` that cuts the runs into a multiple of MIN_CHUNKS."""
    chunks = -(-n_runs // size)
    return max(1, -(-n_runs // (-(-chunks // MIN_CHUNKS) * MIN_CHUNKS)))


def choose_chunk_size(
    n_runs: int,
    run_seconds: float,
    run_bytes: int,
    hint: int | None = None,
    array_bytes: int = 0,
) -> Chunking:
    """The runs per chunk of a sweep (the rule in this module's docstring).

    Args:
        n_runs: the sweep's runs (at least 1).
        run_seconds: a run's estimated seconds in a worker (:func:`run_cost`).
        run_bytes: a run's series in a worker's memory, in bytes.
        hint: the config's ``chunk_size``, or None.
        array_bytes: a run's bytes in the chunk's largest array (0: no bound from it).

    Returns:
        The chunk size (from 1 to ``n_runs``), the hint and a sentence saying why.
    """

    def runs_in(seconds: float) -> int:
        return max(1, int(seconds / max(run_seconds, 1e-12)))

    by_memory = max(1, CHUNK_SERIES_BYTES // max(run_bytes, 1))
    by_array = max(1, ARRAY_BYTES_BELOW // array_bytes) if array_bytes > 0 else by_memory
    upper = min(runs_in(MAX_CHUNK_SECONDS), by_memory, by_array)
    balance = -(-n_runs // MIN_CHUNKS)
    lower = min(runs_in(MIN_CHUNK_SECONDS), balance, upper)
    wanted = hint if hint is not None else min(runs_in(TARGET_CHUNK_SECONDS), balance)
    size = max(1, min(max(wanted, lower), upper, n_runs))
    if hint is None:
        size = max(_evened(n_runs, size), lower)
    rate = f"~{1 / max(run_seconds, 1e-12):,.0f} runs/s per worker"
    bounds = f"{lower:,}-{upper:,} runs ({rate}, a chunk of {size * run_seconds:.2f} s)"
    if hint is None:
        why = f"no chunk_size hint: {size:,} runs per chunk, within {bounds}"
    elif size == hint:
        why = f"the config's chunk_size {hint:,} kept: within {bounds}"
    elif size == n_runs:
        why = f"the config's chunk_size {hint:,} lowered to {size:,}: the sweep has {n_runs:,} runs"
    elif size > hint:
        why = f"the config's chunk_size {hint:,} raised to {size:,}, the least of {bounds}"
    else:
        why = f"the config's chunk_size {hint:,} lowered to {size:,}, the most of {bounds}"
    return Chunking(size, hint, why)
