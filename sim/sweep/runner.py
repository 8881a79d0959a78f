"""Parameter sweeps: ``python -m sim sweep CONFIG`` and :func:`run_sweep`.

This module owns running a sweep config (``sim.sweep.config``) into its results folder
(``sim.sweep.store``), in order: size the sweep and choose its chunk size (``sim.sweep.sizing``,
``sim.sweep.chunking``), draw the design and derive every run's seed (``sim.sweep.plan``), lock and
inspect the folder (``sim.sweep.folder``; a resumed sweep keeps the chunk size its manifest
records), run the chunks not yet done with a progress bar (``sim.sweep.chunks``, on
``sim.sweep.execution``'s executors: the workers write every table), then write ``SHA256SUMS``
from the checksums the workers recorded and the final manifest (``sim.sweep.assembly``).

Nothing is lost: a sweep killed at any point (``kill -9`` included) and started again with the
same command skips the completed chunks and ends with the same files as an uninterrupted
sweep. A run that raises or produces non-finite values is recorded as failed in ``runs/`` and
the sweep carries on; the exit code is 1 when some runs failed.

Nothing impossible is started: a sweep too large is refused before any point is drawn; a folder
is locked (``sim.sweep.files.folder_lock``) *before* it is inspected, so two sweeps into one
folder cannot both run; a folder holding a different sweep, or something else, is refused; the
chunks already in a folder are checked against their sha256 records and the damaged ones are run
again.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import os
import shlex
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.core.errors import UserError
from sim.sweep.assembly import start_folder, sweep_manifest, write_checksums
from sim.sweep.chunking import Chunking
from sim.sweep.chunks import execute_chunks, progress_bar
from sim.sweep.config import SweepConfig, load_sweep_config
from sim.sweep.execution import ExecutorInfo, SerialExecutor, open_executor
from sim.sweep.faults import FAULT_ENV, parse_faults, refuse_kills_in_process
from sim.sweep.files import (
    SweepFolderError,
    folder_lock,
    make_folders,
    write_json,
)
from sim.sweep.folder import check_folder, disk_error, inspect_folder, undo_folder
from sim.sweep.integrity import FolderCheck, sweep_shape
from sim.sweep.plan import Plan, make_plan
from sim.sweep.pool import worker_count
from sim.sweep.sizing import MAX_RUNS, available_memory, check_disk, check_size, human
from sim.sweep.store import SweepResult, load_sweep


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
    csv: bool = False,
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
        csv: also write CSV copies of the tables beside the Parquet datasets once the sweep
            is complete (``sim.sweep.csv_copies``; a finished sweep run again with it gets them).

    Returns:
        The sweep's tables (``SweepResult.complete`` is true).

    Raises:
        SweepSizeError: for a sweep too large for the limit, the memory or the disk.
        ConfigError: for an invalid design point or an unreadable member table.
        SweepFolderError: if ``out`` holds something else or a different sweep, or another
            process is writing it.
        ExecutionError: for an unreachable scheduler, before anything is written.
        FaultError: for a malformed ``SIM_FAIL_RUN_IDS``, or kill faults in a serial sweep.
        SweepDiskError: if the disk fills up while the sweep is written.
    """
    out = Path(out) if out is not None else Path("results") / "sweeps" / config.name
    faults = parse_faults(os.environ.get(FAULT_ENV, ""))
    local = _local_workers(workers, scheduler, executor)
    size = check_size(config, allow_large=allow_large, local_workers=local)
    check_disk(size, out)
    plan = make_plan(config, allow_large=allow_large, local_workers=local)
    return _in_locked_folder(
        out,
        lambda: _with_csv(
            _locked(plan, out, faults, workers, scheduler, cluster, executor, quiet, command), csv
        ),
    )


def _with_csv(result: SweepResult, csv: bool) -> SweepResult:
    """Write the CSV copies of a complete sweep's tables when asked (holding the folder's lock)."""
    if csv:
        from sim.sweep.csv_copies import write_csv_copies

        write_csv_copies(result)
    return result


def _in_locked_folder(out: Path, body: Callable[[], SweepResult]) -> SweepResult:
    """Make the folder, lock it, and run ``body`` holding the lock.

    A refused sweep (a user error) leaves no lock file or folder it made; a full disk is one
    user error (``sim.sweep.folder.disk_error``).
    """
    if out.exists() and not out.is_dir():
        raise SweepFolderError(f"{out} exists and is not a folder")
    created = [p for p in (out, *out.parents) if not p.exists()]
    lock_existed = (out / ".lock").exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        with folder_lock(out):  # before anything in the folder is looked at
            try:
                return body()
            except UserError:
                undo_folder(out, created, lock_existed)
                raise
    except OSError as err:
        disk = disk_error(out, err)
        if disk is None:
            raise
        raise disk from None


def _local_workers(workers: int | None, scheduler: str | None, executor: cf.Executor | None) -> int:
    if scheduler:
        return 0
    if executor is not None:
        return workers or 1
    return worker_count(workers)


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
    if old is not None:  # the chunks already in the folder were cut by its manifest's size
        plan = plan.with_chunking(_recorded(out, old, plan.config.chunk_size_hint))
    check = inspect_folder(out, plan, old)
    if old is not None and old.get("complete") and check.ok:
        return load_sweep(out, verify=False)
    started = datetime.now(UTC)
    with _executor(executor, workers, scheduler, cluster) as ex:
        if isinstance(ex.executor, SerialExecutor):
            refuse_kills_in_process(faults)
        return _run(plan, out, ex, faults, old, check, started, quiet, command)


def _executor(
    executor: cf.Executor | None, workers: int | None, scheduler: str | None, cluster: str | None
):
    if executor is None:
        return open_executor(workers, scheduler, cluster)
    return contextlib.nullcontext(ExecutorInfo(executor, type(executor).__name__, workers or 2))


def _recorded(out: Path, manifest: dict[str, Any], hint: int | None) -> Chunking:
    """The chunking a folder's manifest records (a resumed sweep keeps it).

    Raises:
        SweepFolderError: if the manifest lacks the chunk size.
    """
    _, size = sweep_shape(out, manifest)
    return Chunking(size, hint, str(manifest.get("chunk_size_reason", "")))


def _why(chunking: Chunking, old: dict[str, Any] | None) -> str:
    """Why the sweep's chunks have their size, as printed."""
    if old is None:
        return chunking.reason
    return f"kept from the folder's manifest; first chosen so: {chunking.reason}"


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
    """Write the sweep's design and manifest, run the chunks not yet done, write the checksums."""
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
    own = start_folder(plan, out, info, check, {"started": first, "sessions": sessions})
    todo = [i for i in range(plan.n_chunks) if i not in files]
    if not quiet:
        print(
            f"{c.name}: {plan.n_runs:,} runs in {plan.n_chunks:,} chunks of {plan.chunk_size:,} "
            f"runs ({_why(plan.chunking, old)}); {len(todo):,} chunks to run",
            file=sys.stderr,
        )
    t0 = time.perf_counter()
    with progress_bar(
        quiet,
        total=plan.n_runs,
        initial=check.runs_done,
        unit="run",
        file=sys.stderr,
        desc=c.name,
        dynamic_ncols=True,
    ) as bar:
        counts, new = execute_chunks(plan, out, todo, ex, faults, bar)
    files.update(new)
    missing = sorted(set(range(plan.n_chunks)) - set(files))
    if missing:
        raise RuntimeError(f"chunks {missing[:5]} finished without their runs/ partitions")
    times = {"started": first, "sessions": sessions, "t0": t0}
    return _finish(plan, out, info, check, counts, files, own, times)


def _finish(
    plan: Plan,
    out: Path,
    info: dict[str, Any],
    check: FolderCheck,
    counts: dict[str, int],
    files: dict[int, dict[str, str]],
    own: dict[str, str],
    times: dict[str, Any],
) -> SweepResult:
    """The final step: ``SHA256SUMS`` from the recorded checksums, then the complete manifest.

    Args:
        plan: the sweep's plan.
        out: the sweep folder.
        info: the manifest's entries so far (executor, command, fault injection).
        check: what the folder held when this session started (its intact chunks).
        counts: this session's ``runs``, ``failed`` runs and ``pool_restarts``.
        files: every chunk's files with their sha256, by chunk id.
        own: the folder-level files this session wrote, with their sha256.
        times: ``started`` (the first session's start), ``sessions`` and ``t0`` (this
            session's ``perf_counter`` when its chunks started).
    """
    t1 = time.perf_counter()
    checksums = write_checksums(out, files, own)
    ran = counts["runs"]
    done = {
        "runs_done": check.runs_done + ran,
        "runs_failed": check.runs_failed + counts["failed"],
        "complete": True,
    }
    seconds = time.perf_counter() - times["t0"]
    timings = {
        "started": times["started"],
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "final_step_seconds": round(time.perf_counter() - t1, 3),
        "runs_this_session": ran,
        "worker_pool_restarts": counts["pool_restarts"],
        "runs_per_second": round(ran / seconds, 1) if seconds > 0 else None,
        "sessions": times["sessions"],
    }
    info = {**info, **done, "timings": timings, "checksums": checksums}
    write_json(sweep_manifest(plan, out, info), out / "manifest.json")
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
    old = check_folder(out, config)
    chunk = size.chunking if old is None else _recorded(out, old, config.chunk_size_hint)
    n_chunks = -(-size.n_runs // chunk.chunk_size)
    lines = [
        f"{config.name}: {size.n_points:,} design points x {config.replications:,} "
        f"replications = {size.n_runs:,} runs in {n_chunks:,} chunks (limit "
        f"{MAX_RUNS:,}{', lifted by --allow-large' if allow_large else ''})",
        f"chunks: {chunk.chunk_size:,} runs each ({_why(chunk, old)})",
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
        csv=bool(getattr(args, "csv", False)),
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
            f"{result.path}/runs/ (sim.load_sweep(...).runs)",
            file=sys.stderr,
        )
        return 1
    return 0
