"""Parameter sweeps: ``python -m sim sweep CONFIG`` and :func:`run_sweep`.

This module owns running a sweep config (``sim.sweep_config``) into its results folder
(``sim.store``): draw the design (``sim.designs``), derive every run's seed, split the runs
into chunks of consecutive run ids, run the chunks not yet done on an executor
(``sim.execution``) with a progress bar, then rebuild ``runs.parquet``, ``summary.parquet`` and
the manifest from the chunk files.

Nothing is lost: a sweep killed at any point (``kill -9`` included) and started again with the
same command skips the completed chunks and ends with the same tables as an uninterrupted
sweep. A run that raises or produces non-finite values is recorded as failed in
``runs.parquet`` and the sweep carries on; the exit code is 1 when some runs failed. A folder
holding a different sweep (another config hash) is refused before anything runs.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import os
import shlex
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.designs import Design, make_design, run_plan
from sim.execution import FAULT_ENV, ChunkTask, ExecutorInfo, open_executor, parse_faults, run_chunk
from sim.params import PARAM_FIELDS, to_dict
from sim.provenance import git_revision, package_versions
from sim.store import (
    SweepFolderError,
    SweepResult,
    chunk_name,
    completed_chunks,
    folder_lock,
    load_sweep,
    make_folders,
    read_manifest,
    read_status,
    stream_table,
    write_json,
    write_parquet,
)
from sim.sweep_config import SweepConfig, load_sweep_config


@dataclass(frozen=True)
class Plan:
    """Everything a sweep will run: the design, the runs and their chunks."""

    config: SweepConfig
    design: Design
    runs: pd.DataFrame
    """run_id, point_id, replication, seed."""

    @property
    def n_chunks(self) -> int:
        """Number of chunks (the last may be short)."""
        return -(-len(self.runs) // self.config.chunk_size)

    def chunk_rows(self, chunk_id: int) -> slice:
        """The rows (= run ids) of a chunk."""
        size = self.config.chunk_size
        return slice(chunk_id * size, min((chunk_id + 1) * size, len(self.runs)))


def make_plan(config: SweepConfig) -> Plan:
    """Draw the design, validate its points and number the runs (before anything runs)."""
    design = make_design(config)
    runs = run_plan(len(design.points), config.replications, config.root_seed, config.seeding)
    return Plan(config, design, runs)


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
    part = plan.runs.iloc[plan.chunk_rows(chunk_id)].reset_index(drop=True)
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
    rows = stream_table(out / "summary.parquet", (pd.read_parquet(f) for f in files
                                                   if f.is_file()))
    if rows == 0:
        write_parquet(pd.DataFrame({"run_id": np.array([], dtype=np.int64)}),
                      out / "summary.parquet")


def _manifest(plan: Plan, out: Path, info: dict[str, Any]) -> dict[str, Any]:
    c = plan.config
    return {"kind": "sweep", "name": c.name, "description": c.description,
            "config_file": str(Path(c.path).resolve()), "config": c.resolved(),
            "scenario": {"name": c.scenario.name, "file": c.scenario.path,
                         "params": to_dict(c.base)},
            "n_points": len(plan.design.points), "n_runs": len(plan.runs),
            "n_chunks": plan.n_chunks, **info, "versions": package_versions(),
            "git": git_revision(), "config_hash": c.config_hash()}


def check_folder(out: Path, config: SweepConfig) -> dict[str, Any] | None:
    """Return the manifest of a folder holding this sweep, None for a new or empty folder.

    Raises:
        SweepFolderError: if the folder holds something else or a different sweep.
    """
    if not out.exists():
        return None
    if not out.is_dir():
        raise SweepFolderError(f"{out} exists and is not a folder")
    if not (out / "manifest.json").exists() and all(
            p.is_dir() or p.name == ".lock" or p.name.endswith(".tmp") for p in out.rglob("*")):
        return None  # empty, or a sweep killed before its manifest was written
    try:
        manifest = read_manifest(out)
    except SweepFolderError:
        raise SweepFolderError(f"{out} exists and is not a sweep folder: choose another --out "
                               "or remove it") from None
    if manifest.get("config_hash") != config.config_hash():
        old, new = manifest.get("config", {}), config.resolved()
        keys = sorted(k for k in set(old) | set(new) if k != "description"
                      and old.get(k) != new.get(k))
        differs = ", ".join(keys) if keys else "the base scenario's parameters"
        raise SweepFolderError(f"{out} holds a different sweep ('{manifest.get('name')}'; "
                               f"differs in: {differs}): choose another --out, or remove the "
                               "folder to start over")
    return manifest


def _tasks(plan: Plan, out: Path, todo: list[int], faults: dict[int, str]
           ) -> Iterator[ChunkTask]:
    c, design = plan.config, plan.design
    for chunk_id in todo:
        rows = plan.runs.iloc[plan.chunk_rows(chunk_id)]
        point_ids = rows["point_id"].to_numpy()
        unique = np.unique(point_ids)
        records = design.points.iloc[unique][design.axes].to_dict("records")
        points = {int(p): values for p, values in zip(unique, records, strict=True)}
        run_ids = rows["run_id"].to_numpy()
        ids = set(run_ids.tolist())
        yield ChunkTask(chunk_id, str(out.resolve()), run_ids, point_ids,
                        rows["seed"].to_numpy(), points, c.base, c.keep_alliance, c.keep_members,
                        {r: m for r, m in faults.items() if r in ids})


def _execute(plan: Plan, out: Path, todo: list[int], ex: ExecutorInfo, faults: dict[int, str],
             bar: tqdm) -> tuple[int, int]:
    """Run the chunks with at most a few tasks in flight per worker; return (runs, failed)."""
    tasks, inflight, runs, failed = _tasks(plan, out, todo, faults), set(), 0, 0
    window = max(2 * ex.slots, 2)

    def fill() -> None:
        while len(inflight) < window:
            task = next(tasks, None)
            if task is None:
                return
            inflight.add(ex.executor.submit(run_chunk, task))

    fill()
    while inflight:
        done, _ = cf.wait(inflight, return_when=cf.FIRST_COMPLETED)
        for future in done:
            inflight.discard(future)
            report = future.result()
            runs += report.n_runs
            failed += report.n_failed
            bar.update(report.n_runs)
            if failed:
                bar.set_postfix(failed=failed)
        fill()
    return runs, failed


def run_sweep(config: SweepConfig, out: str | Path | None = None, *, workers: int | None = None,
              scheduler: str | None = None, cluster: str | None = None,
              executor: cf.Executor | None = None, quiet: bool = False,
              command: str = "") -> SweepResult:
    """Run a sweep into its folder, resuming from the chunks already there.

    Args:
        config: the validated sweep config (``sim.sweep_config.load_sweep_config``).
        out: the sweep folder (default ``results/sweeps/<name>``).
        workers: local worker processes (default: CPUs; 1 runs in this process); with
            ``cluster="local"``, the number of Dask workers.
        scheduler: address of an existing Dask scheduler.
        cluster: ``"local"`` to start a Dask LocalCluster on 127.0.0.1.
        executor: any ``concurrent.futures.Executor`` to use instead (kept open).
        quiet: no progress bar.
        command: the command line, recorded in the manifest.

    Returns:
        The sweep's tables (``SweepResult.complete`` is true).

    Raises:
        ConfigError: for an invalid design point.
        SweepFolderError: if ``out`` holds something else or a different sweep.
        ExecutionError: for an unreachable scheduler, before anything is written.
    """
    out = Path(out) if out is not None else Path("results") / "sweeps" / config.name
    plan = make_plan(config)
    old = check_folder(out, config)
    faults = parse_faults(os.environ.get(FAULT_ENV, ""))
    if old is not None and old.get("complete"):
        return load_sweep(out)
    started = datetime.now(UTC)
    with _executor(executor, workers, scheduler, cluster) as ex:
        out.mkdir(parents=True, exist_ok=True)
        with folder_lock(out):
            return _run(plan, out, ex, faults, old, started, quiet, command)


def _executor(executor: cf.Executor | None, workers: int | None, scheduler: str | None,
              cluster: str | None):
    if executor is None:
        return open_executor(workers, scheduler, cluster)
    return contextlib.nullcontext(ExecutorInfo(executor, type(executor).__name__, workers or 2))


def _run(plan: Plan, out: Path, ex: ExecutorInfo, faults: dict[int, str],
         old: dict[str, Any] | None, started: datetime, quiet: bool,
         command: str) -> SweepResult:
    c = plan.config
    make_folders(out, c.keep_alliance, c.keep_members)
    done = set(completed_chunks(out))
    first = (old or {}).get("timings", {}).get("started", started.isoformat(timespec="seconds"))
    sessions = (old or {}).get("timings", {}).get("sessions", 0) + 1
    info = {"executor": ex.label, "command": command,
            "fault_injection": os.environ.get(FAULT_ENV, "")}
    write_parquet(plan.design.points, out / "design.parquet")
    if plan.design.salib is not None:
        write_json(plan.design.salib, out / "salib_problem.json")
    runs_done, runs_failed = _write_runs(out, plan, done)
    write_json(_manifest(plan, out, {**info, "runs_done": runs_done, "runs_failed": runs_failed,
                                     "complete": False,
                                     "timings": {"started": first, "sessions": sessions}}),
               out / "manifest.json")
    todo = [i for i in range(plan.n_chunks) if i not in done]
    t0 = time.perf_counter()
    with tqdm(total=len(plan.runs), initial=runs_done, unit="run", disable=quiet,
              file=sys.stderr, desc=c.name, dynamic_ncols=True) as bar:
        ran, _ = _execute(plan, out, todo, ex, faults, bar)
    done = set(completed_chunks(out))
    missing = sorted(set(range(plan.n_chunks)) - done)
    if missing:
        raise RuntimeError(f"chunks {missing[:5]} finished without their status files")
    runs_done, runs_failed = _write_runs(out, plan, done)
    _write_summary(out, plan)
    seconds = time.perf_counter() - t0
    finished = datetime.now(UTC).isoformat(timespec="seconds")
    timings = {"started": first, "finished": finished, "seconds": round(seconds, 3),
               "runs_this_session": ran,
               "runs_per_second": round(ran / seconds, 1) if seconds > 0 else None,
               "sessions": sessions}
    write_json(_manifest(plan, out, {**info, "runs_done": runs_done, "runs_failed": runs_failed,
                                     "complete": True, "timings": timings}),
               out / "manifest.json")
    return load_sweep(out)


def cli_sweep(args: argparse.Namespace) -> int:
    """``python -m sim sweep CONFIG``: run a sweep; exit 0 if every run succeeded, 1 if not."""
    config = load_sweep_config(args.config)
    command = shlex.join(["python", "-m", "sim", *sys.argv[1:]])
    result = run_sweep(config, args.out, workers=args.workers, scheduler=args.scheduler,
                       cluster=args.cluster, quiet=args.quiet, command=command)
    m = result.manifest
    print(f"{m['name']}: {m['runs_done']} of {m['n_runs']} runs done "
          f"({m['n_points']} design points x {m['config']['replications']} replications), "
          f"{m['runs_failed']} failed -> {result.path}/", file=sys.stderr)
    if m["runs_failed"]:
        print(f"error: {m['runs_failed']} runs failed; see status and error in "
              f"{result.path}/runs.parquet", file=sys.stderr)
        return 1
    return 0
