"""Parameter sweeps: ``python -m sim sweep CONFIG`` and :func:`run_sweep`.

This module owns running a sweep config (``sim.sweep.config``) into its results folder
(``sim.sweep.store``): size the sweep from its config (:func:`check_size`), draw the design
(``sim.sweep.designs``), derive every run's seed, split the runs into chunks of consecutive run ids,
run the chunks not yet done on an executor (``sim.sweep.execution``) with a progress bar, then
rebuild
``runs.parquet``, ``summary.parquet``, ``SHA256SUMS`` and the manifest from the chunk files.

Nothing is lost: a sweep killed at any point (``kill -9`` included) and started again with the
same command skips the completed chunks and ends with the same tables as an uninterrupted
sweep. A run that raises or produces non-finite values is recorded as failed in
``runs.parquet`` and the sweep carries on; the exit code is 1 when some runs failed. A local
worker process that dies costs only its chunk: the pool is rebuilt and the chunk run again,
alone, up to :data:`MAX_CHUNK_ATTEMPTS` times, after which its runs are recorded as failed.

Nothing impossible is started: a design of more than :data:`MAX_RUNS` runs (without
``allow_large``), or one whose estimated memory or disk exceeds what the machine has, is
refused before any point is drawn; a folder is locked (``sim.sweep.store.folder_lock``) *before* it
is
inspected, so two sweeps into one folder cannot both run; a folder holding a different sweep,
or something else, is refused; the chunks already in a folder are checked against their
sha256 records and the damaged ones are run again.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import errno
import os
import shlex
import shutil
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.core import metrics
from sim.core.errors import UserError, os_error_text
from sim.core.params import PARAM_FIELDS, STRUCTURAL, parse_quarter, to_dict
from sim.runs.provenance import git_revision, package_versions
from sim.sweep.config import SweepConfig, load_sweep_config
from sim.sweep.designs import Design, count_points, make_design, run_plan, seed_table
from sim.sweep.execution import (
    FAULT_ENV,
    KILL_MODES,
    ChunkTask,
    ExecutionError,
    ExecutorInfo,
    SerialExecutor,
    open_executor,
    parse_faults,
    run_chunk,
)
from sim.sweep.store import (
    SUMS,
    FolderCheck,
    SweepFolderError,
    SweepResult,
    check_chunks,
    check_tables,
    chunk_name,
    empty_table,
    file_sha256,
    folder_lock,
    load_sweep,
    make_folders,
    read_manifest,
    read_status,
    remove_chunk,
    stream_table,
    write_chunk,
    write_json,
    write_parquet,
    write_sums,
)

MAX_RUNS = 10_000_000
"""The most runs a sweep may have without ``--allow-large`` (``allow_large=True``)."""
MAX_CHUNK_ATTEMPTS = 3
"""How many times a chunk whose worker process died is run again alone before its runs are
recorded as failed."""

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


class SweepDiskError(UserError):
    """The disk filled up (or refused writes) while a sweep or its tables were written."""


# --- Sizing: before anything is drawn -----------------------------------------------------------


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
    from sim.core.ensemble import members_of
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


# --- The plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Everything a sweep will run: the design, the runs' seeds and the chunks."""

    config: SweepConfig
    design: Design
    seeds: np.ndarray
    """``sim.sweep.designs.seed_table``: one seed per replication (paired) or per run."""

    @property
    def n_runs(self) -> int:
        """Number of runs."""
        return len(self.design.points) * self.config.replications

    @property
    def n_chunks(self) -> int:
        """Number of chunks (the last may be short)."""
        return -(-self.n_runs // self.config.chunk_size)

    def chunk_rows(self, chunk_id: int) -> slice:
        """The rows (= run ids) of a chunk."""
        size = self.config.chunk_size
        return slice(chunk_id * size, min((chunk_id + 1) * size, self.n_runs))

    def chunk_runs(self, chunk_id: int) -> pd.DataFrame:
        """run_id, point_id, replication and seed of a chunk's runs."""
        rows, c = self.chunk_rows(chunk_id), self.config
        return run_plan(
            len(self.design.points),
            c.replications,
            c.root_seed,
            c.seeding,
            start=rows.start,
            stop=rows.stop,
            seeds=self.seeds,
        )


def make_plan(config: SweepConfig, *, allow_large: bool = False, local_workers: int = 1) -> Plan:
    """Size the sweep, draw the design, validate its points and derive the seeds.

    Args:
        config: the sweep config.
        allow_large: accept more than :data:`MAX_RUNS` runs.
        local_workers: worker processes on this machine (for the memory estimate).

    Raises:
        SweepSizeError: for a sweep too large (:func:`check_size`), before anything is drawn.
        ConfigError: for an invalid design point or an unreadable member table.
    """
    check_size(config, allow_large=allow_large, local_workers=local_workers)
    design = make_design(config)
    seeds = seed_table(len(design.points), config.replications, config.root_seed, config.seeding)
    return Plan(config, design, seeds)


def params_columns(plan: Plan, point_ids: np.ndarray) -> dict[str, Any]:
    """Every parameter's value for the given design points, as columns."""
    base, points, n = plan.config.base, plan.design.points, len(point_ids)
    cols: dict[str, Any] = {}
    for name, f in PARAM_FIELDS.items():
        if name in points.columns:
            cols[name] = points[name].to_numpy()[point_ids]
        else:
            value = getattr(base, name)
            dtype = {"float": float, "int": np.int64, "bool": bool}.get(f.type, object)
            cols[name] = np.full(n, value, dtype=dtype)
    return cols


def runs_part(plan: Plan, chunk_id: int, status: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of ``runs.parquet`` for one chunk (status ``pending`` if not done)."""
    part = plan.chunk_runs(chunk_id)
    if status is None:
        part["status"], part["error"] = "pending", ""
    else:
        part["status"] = status["status"].astype(object).to_numpy()
        part["error"] = status["error"].astype(object).to_numpy()
    extra = pd.DataFrame(params_columns(plan, part["point_id"].to_numpy()))
    return pd.concat([part, extra], axis=1)


def _write_runs(out: Path, plan: Plan, done: set[int]) -> tuple[int, int]:
    """Rebuild runs.parquet from the chunk statuses; return (runs done, runs failed)."""
    counts = [0, 0]

    def parts() -> Iterator[pd.DataFrame]:
        for c in range(plan.n_chunks):
            status = read_status(out, c) if c in done else None
            if status is not None:
                counts[0] += len(status)
                counts[1] += int((status["status"] == "failed").sum())
            yield runs_part(plan, c, status)

    stream_table(out / "runs.parquet", parts())
    return counts[0], counts[1]


def _write_summary(out: Path, plan: Plan) -> None:
    files = [out / "chunks" / f"{chunk_name(c)}.summary.parquet" for c in range(plan.n_chunks)]
    rows = stream_table(out / "summary.parquet", (pd.read_parquet(f) for f in files if f.is_file()))
    if rows == 0:  # no successful run: the columns all the same
        write_parquet(empty_table("summary"), out / "summary.parquet")


def _manifest(plan: Plan, out: Path, info: dict[str, Any]) -> dict[str, Any]:
    c = plan.config
    return {
        "kind": "sweep",
        "name": c.name,
        "description": c.description,
        "config_file": str(Path(c.path).resolve()),
        "config": c.resolved(),
        "scenario": {"name": c.scenario.name, "file": c.scenario.path, "params": to_dict(c.base)},
        "n_points": len(plan.design.points),
        "n_runs": plan.n_runs,
        "n_chunks": plan.n_chunks,
        **info,
        "versions": package_versions(),
        "git": git_revision(),
        "config_hash": c.config_hash(),
    }


# --- The folder: locked, then inspected ---------------------------------------------------------


def check_folder(out: Path, config: SweepConfig) -> dict[str, Any] | None:
    """Return the manifest of a folder holding this sweep, None for a new or empty folder.

    Call it holding the folder's lock (``sim.sweep.store.folder_lock``) for an answer that stays
    true; without it, only its refusals are reliable.

    Raises:
        SweepFolderError: if the folder holds something else or a different sweep.
    """
    if not out.exists():
        return None
    if not out.is_dir():
        raise SweepFolderError(f"{out} exists and is not a folder")
    if not (out / "manifest.json").exists() and all(
        p.is_dir() or p.name == ".lock" or p.name.endswith(".tmp") for p in out.rglob("*")
    ):
        return None  # empty, or a sweep killed before its manifest was written
    try:
        manifest = read_manifest(out)
    except SweepFolderError:
        raise SweepFolderError(
            f"{out} exists and is not a sweep folder: choose another --out or remove it"
        ) from None
    if manifest.get("config_hash") != config.config_hash():
        old, new = manifest.get("config", {}), config.resolved()
        if not isinstance(old, dict):
            old = {}
        keys = sorted(
            k for k in set(old) | set(new) if k != "description" and old.get(k) != new.get(k)
        )
        differs = ", ".join(keys) if keys else "the base scenario's parameters"
        raise SweepFolderError(
            f"{out} holds a different sweep ('{manifest.get('name')}'; "
            f"differs in: {differs}): choose another --out, or remove the "
            "folder to start over"
        )
    return manifest


def _warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


def inspect_folder(
    out: Path, plan: Plan, manifest: dict[str, Any] | None, warn: Callable[[str], None] = _warn
) -> FolderCheck:
    """Check the chunks already in a sweep folder; remove the damaged ones so they run again.

    Call it holding the folder's lock. A finished sweep's folder-level files are checked
    against ``SHA256SUMS`` too (a damaged one is rewritten by the next :func:`run_sweep`).
    """
    c = plan.config
    check = check_chunks(
        out, plan.n_runs, c.chunk_size, keep_alliance=c.keep_alliance, keep_members=c.keep_members
    )
    if manifest is not None and manifest.get("complete"):
        check_tables(out, manifest, check)
    for chunk, why in sorted(check.damaged.items()):
        warn(f"{out}: {chunk_name(chunk)} is damaged ({why}): running it again")
        remove_chunk(out, chunk)
    for why in check.tables:
        warn(f"{out}: {why}: rebuilding the sweep's tables")
    return check


# --- Running the chunks ------------------------------------------------------------------------


def _task(plan: Plan, out: Path, chunk_id: int, faults: dict[int, str], first: bool) -> ChunkTask:
    c, design = plan.config, plan.design
    rows = plan.chunk_runs(chunk_id)
    point_ids = rows["point_id"].to_numpy()
    unique = np.unique(point_ids)
    records = design.points.iloc[unique][design.axes].to_dict("records")
    points = {int(p): values for p, values in zip(unique, records, strict=True)}
    run_ids = rows["run_id"].to_numpy()
    ids = set(run_ids.tolist())
    mine = {r: m for r, m in faults.items() if r in ids and (first or m != "kill")}
    return ChunkTask(
        chunk_id,
        str(out.resolve()),
        run_ids,
        point_ids,
        rows["seed"].to_numpy(),
        points,
        c.base,
        c.keep_alliance,
        c.keep_members,
        mine,
    )


def _record_dead(plan: Plan, out: Path, chunk_id: int, reason: str) -> tuple[int, dict[str, str]]:
    """Record a chunk whose worker kept dying: all its runs failed, with the reason."""
    rows = plan.chunk_runs(chunk_id)
    status = pd.DataFrame(
        {
            "run_id": rows["run_id"].to_numpy(),
            "status": ["failed"] * len(rows),
            "error": [reason] * len(rows),
        }
    )
    return len(rows), write_chunk(out, chunk_id, status)


def _execute(
    plan: Plan, out: Path, todo: list[int], ex: ExecutorInfo, faults: dict[int, str], bar: tqdm
) -> tuple[int, int, dict[int, dict[str, str]]]:
    """Run the chunks, a few tasks in flight per worker.

    When a local worker process dies its pool breaks and every chunk in flight fails with it:
    the pool is rebuilt, and those chunks run again one at a time (so that a chunk that kills
    its worker is known); one that kills it :data:`MAX_CHUNK_ATTEMPTS` times alone is recorded
    as failed.

    Returns:
        The runs done, the times the pool was restarted, and the files of each chunk.
    """
    queue, suspects = deque(todo), deque()
    inflight: dict[cf.Future, int] = {}
    submitted: Counter[int] = Counter()
    deaths: Counter[int] = Counter()
    files: dict[int, dict[str, str]] = {}
    counts = {"runs": 0, "failed": 0, "pool_restarts": 0}
    window, alone = max(2 * ex.slots, 2), False

    def submit(chunk: int, back: deque) -> bool:
        """Submit a chunk; False (the chunk put back in front) if the pool is already broken."""
        task = _task(plan, out, chunk, faults, first=submitted[chunk] == 0)
        try:
            future = ex.executor.submit(run_chunk, task)
        except cf.BrokenExecutor:
            back.appendleft(chunk)
            if not inflight:  # broken while idle: nothing in flight will report it
                ex.replace_broken()
                counts["pool_restarts"] += 1
            return False
        submitted[chunk] += 1
        inflight[future] = chunk
        return True

    def finished(chunk: int, n_runs: int, n_failed: int, chunk_files: dict[str, str]) -> None:
        files[chunk] = chunk_files
        counts["runs"] += n_runs
        counts["failed"] += n_failed
        bar.update(n_runs)
        if counts["failed"]:
            bar.set_postfix(failed=counts["failed"])

    def collect(futures: set[cf.Future], broken: list[int]) -> BaseException | None:
        error = None
        for future in futures:
            chunk = inflight.pop(future)
            try:
                r = future.result()
            except cf.BrokenExecutor as err:
                broken.append(chunk)
                error = err
                continue
            finished(chunk, r.n_runs, r.n_failed, r.files)
        return error

    while queue or suspects or inflight:
        if not inflight:
            alone = bool(suspects)
            if alone:
                submit(suspects.popleft(), suspects)
        if not alone:
            while len(inflight) < window and queue and submit(queue.popleft(), queue):
                pass
        if not inflight:
            continue
        done, _ = cf.wait(list(inflight), return_when=cf.FIRST_COMPLETED)
        broken: list[int] = []
        error = collect(done, broken)
        if not broken:
            continue
        # the pool is dead: every other chunk in flight fails with it (or has just finished)
        error = collect(cf.wait(list(inflight)).done, broken) or error
        ex.replace_broken()
        counts["pool_restarts"] += 1
        if not alone:
            suspects.extend(sorted(broken))
            continue
        (chunk,) = broken
        deaths[chunk] += 1
        if deaths[chunk] < MAX_CHUNK_ATTEMPTS:
            suspects.appendleft(chunk)
            continue
        reason = (
            f"the worker process died each time this chunk ran alone ({deaths[chunk]} "
            f"times, {type(error).__name__}); see the system log (e.g. the OOM killer)"
        )
        n, chunk_files = _record_dead(plan, out, chunk, reason)
        finished(chunk, n, n, chunk_files)
    return counts["runs"], counts["pool_restarts"], files


# --- The sweep -----------------------------------------------------------------------------------


def _local_workers(workers: int | None, scheduler: str | None, executor: cf.Executor | None) -> int:
    if scheduler:
        return 0
    if executor is not None:
        return workers or 1
    return workers or os.cpu_count() or 1


def _disk_error(out: Path, err: OSError) -> UserError | None:
    """A full disk (or a quota, a read-only file system) as one user error, else None."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return SweepDiskError(
            f"{out}: the disk is full ({os_error_text(err)}): the chunks "
            "finished so far are kept; make room and run the same command "
            "again to finish the sweep"
        )
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return SweepDiskError(
            f"{out}: cannot be written ({os_error_text(err)}): choose another "
            "--out, or make it writable and run the same command again"
        )
    return None


def _undo_folder(out: Path, created: list[Path], lock_existed: bool) -> None:
    """Undo what a refused sweep made: its lock file and its empty new folders.

    Call it holding the lock; the lock file goes only if this call made it.
    """
    if not lock_existed:
        (out / ".lock").unlink(missing_ok=True)  # see sim.sweep.store.folder_lock: safe while held
    for folder in created:
        with contextlib.suppress(OSError):
            folder.rmdir()


def run_sweep(
    config: SweepConfig,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    cluster: str | None = None,
    executor: cf.Executor | None = None,
    quiet: bool = False,
    command: str = "",
    allow_large: bool = False,
) -> SweepResult:
    """Run a sweep into its folder, resuming from the chunks already there.

    In order: the sweep is sized from its config (:func:`check_size`, :func:`check_disk`), its
    design drawn and checked, the folder locked (a second writer is refused) and only then
    inspected (another sweep or something else is refused; damaged chunks are removed to run
    again), and the chunks not yet done run. A refused sweep leaves no lock file or folder it
    made.

    Args:
        config: the validated sweep config (``sim.sweep.config.load_sweep_config``).
        out: the sweep folder (default ``results/sweeps/<name>``).
        workers: local worker processes (default: CPUs; 1 runs in this process); with
            ``cluster="local"``, the number of Dask workers.
        scheduler: address of an existing Dask scheduler.
        cluster: ``"local"`` to start a Dask LocalCluster on 127.0.0.1.
        executor: any ``concurrent.futures.Executor`` to use instead (kept open).
        quiet: no progress bar.
        command: the command line, recorded in the manifest.
        allow_large: accept more than :data:`MAX_RUNS` runs.

    Returns:
        The sweep's tables (``SweepResult.complete`` is true).

    Raises:
        SweepSizeError: for a sweep too large for the limit, the memory or the disk.
        ConfigError: for an invalid design point or an unreadable member table.
        SweepFolderError: if ``out`` holds something else or a different sweep, or another
            process is writing it.
        ExecutionError: for an unreachable scheduler, before anything is written.
        SweepDiskError: if the disk fills up while the sweep is written.
    """
    out = Path(out) if out is not None else Path("results") / "sweeps" / config.name
    faults = parse_faults(os.environ.get(FAULT_ENV, ""))
    local = _local_workers(workers, scheduler, executor)
    size = check_size(config, allow_large=allow_large, local_workers=local)
    check_disk(size, out)
    plan = make_plan(config, allow_large=allow_large, local_workers=local)
    if out.exists() and not out.is_dir():
        raise SweepFolderError(f"{out} exists and is not a folder")
    created = [p for p in (out, *out.parents) if not p.exists()]
    lock_existed = (out / ".lock").exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        with folder_lock(out):  # before anything in the folder is looked at
            try:
                return _locked(
                    plan, out, faults, workers, scheduler, cluster, executor, quiet, command
                )
            except UserError:
                _undo_folder(out, created, lock_existed)
                raise
    except OSError as err:
        disk = _disk_error(out, err)
        if disk is None:
            raise
        raise disk from None


def _locked(
    plan: Plan,
    out: Path,
    faults: dict[int, str],
    workers: int | None,
    scheduler: str | None,
    cluster: str | None,
    executor: cf.Executor | None,
    quiet: bool,
    command: str,
) -> SweepResult:
    """The part of :func:`run_sweep` that holds the folder's lock."""
    old = check_folder(out, plan.config)
    check = inspect_folder(out, plan, old)
    if old is not None and old.get("complete") and check.ok:
        return load_sweep(out, verify=False)
    started = datetime.now(UTC)
    with _executor(executor, workers, scheduler, cluster) as ex:
        if isinstance(ex.executor, SerialExecutor) and set(faults.values()) & set(KILL_MODES):
            raise ExecutionError(
                f"{FAULT_ENV}: kill faults need worker processes (--workers 2 "
                "or more), not the sweep's own process"
            )
        return _run(plan, out, ex, faults, old, check, started, quiet, command)


def _executor(
    executor: cf.Executor | None, workers: int | None, scheduler: str | None, cluster: str | None
):
    if executor is None:
        return open_executor(workers, scheduler, cluster)
    return contextlib.nullcontext(ExecutorInfo(executor, type(executor).__name__, workers or 2))


def _run(
    plan: Plan,
    out: Path,
    ex: ExecutorInfo,
    faults: dict[int, str],
    old: dict[str, Any] | None,
    check: FolderCheck,
    started: datetime,
    quiet: bool,
    command: str,
) -> SweepResult:
    c = plan.config
    make_folders(out, c.keep_alliance, c.keep_members)
    files = dict(check.chunks)
    first = (old or {}).get("timings", {}).get("started", started.isoformat(timespec="seconds"))
    sessions = (old or {}).get("timings", {}).get("sessions", 0) + 1
    info = {
        "executor": ex.label,
        "command": command,
        "fault_injection": os.environ.get(FAULT_ENV, ""),
    }
    # the manifest first: a folder with files but no manifest is not taken for a sweep's
    write_json(
        _manifest(
            plan,
            out,
            {
                **info,
                "runs_done": check.runs_done,
                "runs_failed": check.runs_failed,
                "complete": False,
                "timings": {"started": first, "sessions": sessions},
            },
        ),
        out / "manifest.json",
    )
    (out / SUMS).unlink(missing_ok=True)
    write_parquet(plan.design.points, out / "design.parquet")
    if plan.design.salib is not None:
        write_json(plan.design.salib, out / "salib_problem.json")
    runs_done, _ = _write_runs(out, plan, set(files))
    todo = [i for i in range(plan.n_chunks) if i not in files]
    t0 = time.perf_counter()
    with tqdm(
        total=plan.n_runs,
        initial=runs_done,
        unit="run",
        disable=quiet,
        file=sys.stderr,
        desc=c.name,
        dynamic_ncols=True,
    ) as bar:
        ran, restarts, new = _execute(plan, out, todo, ex, faults, bar)
    files.update(new)
    missing = sorted(set(range(plan.n_chunks)) - set(files))
    if missing:
        raise RuntimeError(f"chunks {missing[:5]} finished without their status files")
    runs_done, runs_failed = _write_runs(out, plan, set(files))
    _write_summary(out, plan)
    sums = {name: digest for chunk in files.values() for name, digest in chunk.items()}
    for name in ("design.parquet", "salib_problem.json", "runs.parquet", "summary.parquet"):
        if (out / name).is_file():
            sums[name] = file_sha256(out / name)
    sums_sha = write_sums(out, sums)
    seconds = time.perf_counter() - t0
    finished = datetime.now(UTC).isoformat(timespec="seconds")
    timings = {
        "started": first,
        "finished": finished,
        "seconds": round(seconds, 3),
        "runs_this_session": ran,
        "worker_pool_restarts": restarts,
        "runs_per_second": round(ran / seconds, 1) if seconds > 0 else None,
        "sessions": sessions,
    }
    write_json(
        _manifest(
            plan,
            out,
            {
                **info,
                "runs_done": runs_done,
                "runs_failed": runs_failed,
                "complete": True,
                "timings": timings,
                "checksums": {"file": SUMS, "sha256": sums_sha, "files": len(sums)},
            },
        ),
        out / "manifest.json",
    )
    return load_sweep(out, verify=False)


def dry_run(
    config: SweepConfig, out: Path, workers: int | None, scheduler: str | None, allow_large: bool
) -> list[str]:
    """What ``sim sweep --dry-run`` prints: the sweep's size, memory and disk.

    The design is drawn and checked as for a run; nothing is written.

    Raises:
        SweepSizeError, ConfigError, SweepFolderError: as :func:`run_sweep` would.
    """
    local = _local_workers(workers, scheduler, None)
    size = check_size(config, allow_large=allow_large, local_workers=local)
    need, free = check_disk(size, out)
    make_plan(config, allow_large=allow_large, local_workers=local)
    check_folder(out, config)
    lines = [
        f"{config.name}: {size.n_points:,} design points x {config.replications:,} "
        f"replications = {size.n_runs:,} runs in {size.n_chunks:,} chunks (limit "
        f"{MAX_RUNS:,}{', lifted by --allow-large' if allow_large else ''})",
        f"memory: about {human(size.memory)} at the peak with {local} local worker "
        f"process(es); {human(available_memory())} available",
        f"disk: about {human(need)} to write into {out}; {human(free)} free",
    ]
    return lines


def cli_sweep(args: argparse.Namespace) -> int:
    """``python -m sim sweep CONFIG``: run a sweep, or size it (``--dry-run``).

    Returns:
        0 if every run succeeded, 1 if some failed (a user error or a refusal raises, which
        ``sim.cli.main`` turns into exit 2).
    """
    config = load_sweep_config(args.config)
    allow_large = bool(getattr(args, "allow_large", False))
    if getattr(args, "dry_run", False):
        out = Path(args.out) if args.out else Path("results") / "sweeps" / config.name
        for line in dry_run(config, out, args.workers, args.scheduler, allow_large):
            print(line)
        return 0
    command = shlex.join(["python", "-m", "sim", *sys.argv[1:]])
    result = run_sweep(
        config,
        args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        cluster=args.cluster,
        quiet=args.quiet,
        command=command,
        allow_large=allow_large,
    )
    m = result.manifest
    print(
        f"{m['name']}: {m['runs_done']} of {m['n_runs']} runs done "
        f"({m['n_points']} design points x {m['config']['replications']} replications), "
        f"{m['runs_failed']} failed -> {result.path}/",
        file=sys.stderr,
    )
    if m["runs_failed"]:
        print(
            f"error: {m['runs_failed']} runs failed; see status and error in "
            f"{result.path}/runs.parquet",
            file=sys.stderr,
        )
        return 1
    return 0
