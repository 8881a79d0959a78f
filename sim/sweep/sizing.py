"""Sizing a sweep before anything is drawn: runs, chunks, memory and disk, and the limits.

This module owns estimating a sweep's size from its config alone (:func:`estimate_size`, with the
chunk size the engine chooses, :func:`config_chunking`) and refusing a sweep too large to run
(:func:`check_size`, :func:`check_disk`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.core import metrics
from sim.core.errors import UserError
from sim.core.params import STRUCTURAL, parse_quarter
from sim.sweep.chunking import Chunking, choose_chunk_size, run_cost
from sim.sweep.config import SweepConfig
from sim.sweep.designs import count_points
from sim.sweep.partitions import schema

MAX_RUNS = 10_000_000
"""The most runs a sweep may have without ``--allow-large`` (``allow_large=True``)."""


VALUE_BYTES = 8
"""Bytes of one value in memory (float64, int64) and of a key or a ``runs`` / ``summary`` value
on disk before compression (strings are dictionary-encoded on disk)."""


SERIES_VALUE_BYTES = 4
"""Bytes of one series metric on disk before compression (float32, the counts int32:
``sim.sweep.partitions``)."""


PROCESS_BYTES = 256 * 2**20
"""Memory of a Python process that imported the sweep code (measured: 223 MiB resident)."""


DESIGN_BYTES_PER_VALUE = 64
"""Peak memory per design value (points x (axes + 1)) while the design is drawn and checked
(measured with tracemalloc, 3 axes: 22 for grid, 24 for lhs, 28 for sobol, 23 for morris)."""


FILE_BYTES = 32 * 2**10
"""Bytes per Parquet file beyond its values: footer, schema and statistics (measured: 3 to 24
KiB)."""


CHUNK_RECORD_BYTES = 2**10
"""Memory the sweep's process holds per chunk: its files' sha256, until ``SHA256SUMS`` is
written."""


CHUNK_COPIES = 4
"""Copies of a chunk's series a worker holds at its peak: the float64 arrays, the float32 Arrow
tables and the Parquet buffers, with room to spare."""


class SweepSizeError(UserError):
    """A sweep too large to run: too many runs, or more memory or disk than the machine has."""


@dataclass(frozen=True)
class SweepSize:
    """A sweep's size, estimated from its config alone (no design is drawn)."""

    n_points: int
    n_runs: int
    n_chunks: int
    memory: int
    """Bytes of memory at the peak: the sweep process and its local worker processes."""
    disk: int
    """Bytes of the finished folder (uncompressed sizes: an upper bound of the Parquet files)."""
    chunking: Chunking
    """The runs per chunk and why (``sim.sweep.chunking``)."""


def _quarters(config: SweepConfig) -> int:
    """The most quarters (rows per run) any design point can have."""

    def values(name: str) -> list[Any]:
        axis = next((a for a in config.axes if a.name == name), None)
        if axis is None or axis.values is None:
            return [getattr(config.base, name)]
        return list(axis.values)

    start = min(parse_quarter(q) for q in values("start_quarter"))
    end = max(parse_quarter(q) for q in values("end_quarter"))
    return max(round((end - start) * 4) + 1, 1)


def _members(config: SweepConfig) -> int:
    """The most members any design point's member table has.

    Unreadable tables are skipped here: ``sim.sweep.designs.check_points`` refuses them.
    """
    from sim.core.data import DataError
    from sim.core.members import members_of
    from sim.core.params import make_params

    candidates = [{}]
    for axis in config.axes:
        if axis.name in STRUCTURAL and axis.values is not None:
            candidates += [{axis.name: v} for v in axis.values]
    n = 1
    for values in candidates:
        with contextlib.suppress(DataError, ValueError):
            n = max(n, members_of(make_params(values, base=config.base)).n)
    return n


def config_chunking(config: SweepConfig, n_runs: int) -> Chunking:
    """The chunk size the engine chooses for a sweep of ``n_runs`` runs of this config.

    From the most members and quarters any design point has and the series kept: the series'
    bytes a run, and a run's bytes in the chunk's largest array (its members' shocks, or a
    series) (``sim.sweep.chunking.choose_chunk_size``; the config's ``chunk_size`` is the hint).
    """
    quarters, members = _quarters(config), _members(config)
    alliance = quarters * len(metrics.ALLIANCE_COLUMNS) * VALUE_BYTES
    member = quarters * members * len(metrics.MEMBER_COLUMNS) * VALUE_BYTES
    member = member if config.keep_members else 0  # member series only when kept
    shocks = (quarters - 1) * members * VALUE_BYTES  # (R, T, N): one shock a member and step
    run_bytes = alliance + member
    largest = max(alliance, shocks, member)
    seconds = run_cost(members, quarters, config.keep_members)
    return choose_chunk_size(n_runs, seconds, run_bytes, config.chunk_size_hint, largest)


def estimate_size(config: SweepConfig, local_workers: int = 1) -> SweepSize:
    """Estimate a sweep's runs, chunks, memory and disk from its config, without drawing its design.

    Per run, on disk: ``T`` alliance rows of 2 keys (8 bytes each) and ``K`` metrics (4 bytes:
    float32, counts int32) (``keep.alliance``), ``T M`` member rows of 3 keys and ``Km`` metrics
    (``keep.members``), a summary row and a ``runs`` row (8 bytes a value); per design point
    ``D + 1`` values; per file :data:`FILE_BYTES` (a chunk has a file per dataset; 4
    folder-level files). In memory: the design (:data:`DESIGN_BYTES_PER_VALUE` per value), the
    seeds, :data:`CHUNK_RECORD_BYTES` per chunk, and, per process (the sweep's and each local
    worker's), :data:`PROCESS_BYTES` plus, in a worker, :data:`CHUNK_COPIES` copies of one
    chunk's series and summaries (float64).

    Args:
        config: the sweep config.
        local_workers: worker processes on this machine (0 for a remote Dask cluster).
    """
    n_points = count_points(config)
    n_runs = n_points * config.replications
    chunking = config_chunking(config, n_runs)
    chunk = chunking.chunk_size
    n_chunks = -(-n_runs // chunk)
    quarters, members = _quarters(config), _members(config)
    n_summary = len(schema("summary"))
    n_alliance, n_member = len(metrics.ALLIANCE_COLUMNS), len(metrics.MEMBER_COLUMNS)
    runs_row = len(schema("runs"))
    disk_run = (n_summary + runs_row) * VALUE_BYTES
    memory_run = n_summary * VALUE_BYTES
    if config.keep_alliance:
        disk_run += quarters * (2 * VALUE_BYTES + n_alliance * SERIES_VALUE_BYTES)
        memory_run += quarters * (2 + n_alliance) * VALUE_BYTES
    if config.keep_members:
        disk_run += quarters * members * (3 * VALUE_BYTES + n_member * SERIES_VALUE_BYTES)
        memory_run += quarters * members * (3 + n_member) * VALUE_BYTES
    design_values = n_points * (len(config.axes) + 1)
    files_per_chunk = 2 + config.keep_alliance + config.keep_members
    disk = n_runs * disk_run + design_values * VALUE_BYTES
    disk += (n_chunks * files_per_chunk + 4) * FILE_BYTES
    seeds = config.replications if config.seeding == "paired" else n_runs
    main = PROCESS_BYTES + design_values * DESIGN_BYTES_PER_VALUE + seeds * VALUE_BYTES
    main += n_chunks * CHUNK_RECORD_BYTES
    worker = PROCESS_BYTES + CHUNK_COPIES * min(chunk, n_runs) * memory_run
    if local_workers <= 1:  # serial: the chunks run in the sweep's own process
        memory = main + (worker - PROCESS_BYTES if local_workers == 1 else 0)
    else:
        memory = main + local_workers * worker
    return SweepSize(n_points, n_runs, n_chunks, memory, disk, chunking)


MEMINFO = Path("/proc/meminfo")
"""Linux's memory counters: ``MemAvailable`` is what psutil reports as available there."""


def available_memory(meminfo: Path = MEMINFO) -> int:
    """Bytes of memory available to new processes: ``MemAvailable`` where the system has it.

    Read from ``meminfo`` (Linux), as psutil does there, without importing psutil (7 ms of every
    sweep's start); elsewhere, or without the line, psutil's estimate, else the free pages.
    """
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in meminfo.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # the value is in kB
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil comes with dask.distributed
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def human(n: float) -> str:
    """Bytes as a short human-readable size: ``1.5 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def check_size(
    config: SweepConfig,
    *,
    allow_large: bool = False,
    local_workers: int = 1,
    memory: int | None = None,
) -> SweepSize:
    """Refuse a sweep too large to run, before anything is drawn or written.

    Args:
        config: the sweep config.
        allow_large: accept more than :data:`MAX_RUNS` runs (memory is still checked).
        local_workers: worker processes on this machine (see :func:`estimate_size`).
        memory: bytes of memory available (default: :func:`available_memory`).

    Returns:
        The size estimate.

    Raises:
        SweepSizeError: more than :data:`MAX_RUNS` runs without ``allow_large``, or an
            estimated memory above the memory available.
    """
    size = estimate_size(config, local_workers)
    what = (
        f"{size.n_runs:,} runs ({size.n_points:,} design points x {config.replications:,} "
        "replications)"
    )
    if size.n_runs > MAX_RUNS and not allow_large:
        raise SweepSizeError(
            f"{config.path}: {what} is more than the limit of {MAX_RUNS:,} "
            "runs: shrink the design or the replications, or pass "
            "--allow-large (allow_large=True) if the machine can take it"
        )
    available = available_memory() if memory is None else memory
    if size.memory > available:
        raise SweepSizeError(
            f"{config.path}: {what} would need about {human(size.memory)} of "
            f"memory but {human(available)} is available: shrink the design, keep fewer "
            "series ([keep]) or use fewer --workers"
        )
    return size


def folder_bytes(out: Path) -> int:
    """Bytes of the files in a folder and its subfolders."""
    total = 0
    for root, _, files in os.walk(out):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def check_disk(size: SweepSize, out: Path, free: int | None = None) -> tuple[int, int]:
    """Refuse a sweep whose folder would not fit on its disk (what it holds already counts).

    Args:
        size: the sweep's size (:func:`estimate_size`).
        out: the sweep folder (it need not exist yet).
        free: bytes free on its file system (default: asked of the file system).

    Returns:
        (bytes still to write, bytes free).

    Raises:
        SweepSizeError: if the estimated size, less what the folder holds, exceeds the free
            space of the folder's file system.
    """
    need = max(size.disk - (folder_bytes(out) if out.is_dir() else 0), 0)
    if free is None:
        probe = next(p for p in (out.absolute(), *out.absolute().parents) if p.exists())
        free = shutil.disk_usage(probe).free
    if need > free:
        raise SweepSizeError(
            f"{out}: {size.n_runs:,} runs would write about {human(need)} but "
            f"{human(free)} is free on its disk: free some space, keep fewer "
            "series ([keep]) or choose another --out"
        )
    return need, free
