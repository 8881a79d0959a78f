"""Sizing a sweep before anything is drawn: runs, memory and disk, and the limits.

This module owns estimating a sweep's size from its config alone (:func:`estimate_size`) and
refusing a sweep too large to run (:func:`check_size`, :func:`check_disk`).
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
from sim.core.params import PARAM_FIELDS, STRUCTURAL, parse_quarter
from sim.sweep.config import SweepConfig
from sim.sweep.designs import count_points
from sim.sweep.store import empty_table

MAX_RUNS = 10_000_000
"""The most runs a sweep may have without ``--allow-large`` (``allow_large=True``)."""


VALUE_BYTES = 8
"""Bytes of one value in a table (float64, int64; strings are dictionary-encoded on disk)."""


PROCESS_BYTES = 256 * 2**20
"""Memory of a Python process that imported the sweep code (measured: 223 MiB resident)."""


DESIGN_BYTES_PER_VALUE = 64
"""Peak memory per design value (points x (axes + 1)) while the design is drawn and checked
(measured with tracemalloc, 3 axes: 22 for grid, 24 for lhs, 28 for sobol, 23 for morris)."""


FILE_BYTES = 32 * 2**10
"""Bytes per Parquet file, and per chunk's row group in the final tables, beyond the values:
footers, statistics and pandas metadata (measured: 3 to 24 KiB)."""


CHUNK_COPIES = 4
"""Copies of a chunk's series a worker holds at its peak: the arrays, the DataFrame, the Arrow
table and the Parquet buffers."""


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


def estimate_size(config: SweepConfig, local_workers: int = 1) -> SweepSize:
    """Estimate a sweep's runs, memory and disk from its config, without drawing its design.

    Per run, on disk: ``T (2 + K)`` alliance values (``keep.alliance``), ``T M (3 + Km)``
    member values (``keep.members``), a summary row and a ``runs.parquet`` row, 8 bytes each
    (``T`` quarters, ``M`` members, ``K``/``Km`` alliance/member metrics); per design point
    ``D + 1`` values; per chunk :data:`FILE_BYTES` for each of its files and of its row groups
    in ``runs.parquet`` and ``summary.parquet``. In memory: the design
    (:data:`DESIGN_BYTES_PER_VALUE` per value), the seeds, and, per process (the sweep's and
    each local worker's), :data:`PROCESS_BYTES` plus :data:`CHUNK_COPIES` copies of one chunk's
    series.

    Args:
        config: the sweep config.
        local_workers: worker processes on this machine (0 for a remote Dask cluster).
    """
    n_points = count_points(config)
    n_runs = n_points * config.replications
    n_chunks = -(-n_runs // config.chunk_size)
    quarters, members = _quarters(config), _members(config)
    n_summary = len(empty_table("summary").columns)
    alliance = quarters * (2 + len(metrics.ALLIANCE_COLUMNS)) if config.keep_alliance else 0
    member = quarters * members * (3 + len(metrics.MEMBER_COLUMNS)) if config.keep_members else 0
    runs_row = 6 + len(PARAM_FIELDS)
    per_run = (alliance + member + n_summary + runs_row + 3) * VALUE_BYTES
    design_values = n_points * (len(config.axes) + 1)
    files_per_chunk = 2 + config.keep_alliance + config.keep_members + 2
    disk = (
        n_runs * per_run
        + design_values * VALUE_BYTES
        + (n_chunks * files_per_chunk + 4) * FILE_BYTES
    )
    chunk = min(config.chunk_size, n_runs)
    seeds = config.replications if config.seeding == "paired" else n_runs
    main = (
        PROCESS_BYTES
        + design_values * DESIGN_BYTES_PER_VALUE
        + seeds * VALUE_BYTES
        + CHUNK_COPIES * chunk * runs_row * VALUE_BYTES
    )
    worker = PROCESS_BYTES + CHUNK_COPIES * chunk * (alliance + member + n_summary) * VALUE_BYTES
    if local_workers <= 1:  # serial: the chunks run in the sweep's own process
        memory = main + (worker - PROCESS_BYTES if local_workers == 1 else 0)
    else:
        memory = main + local_workers * worker
    return SweepSize(n_points, n_runs, n_chunks, memory, disk)


def available_memory() -> int:
    """Bytes of memory available to new processes (``MemAvailable`` on Linux)."""
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
            f"memory but {human(available)} is available: shrink the design, "
            "chunk_size or --workers"
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
