"""The million-run sweep on a Dask LocalCluster of this machine (issue 13, part 4).

Runs ``python -m sim sweep CONFIG --out DIR --cluster local --workers 2 --quiet`` as a
subprocess on a sweep of ``--runs`` runs of the default scenario (a 10 x 10 grid of
``hegemon_pressure`` x ``rival_target_ratio``, alliance series kept) and records:

- the wall time of each session, launch to exit;
- every process's RSS and CPU time every ``--interval`` seconds (``proctree.TreeSampler``: the
  client, which also runs the scheduler and the nannies, each worker, the resource tracker),
  its peak, and its growth (peak in the second half of the steady window minus the first half;
  about zero when memory does not grow with the runs);
- the disk used by the folder and the bytes per run (the ``alliance/`` series apart);
- with ``--kill-after SECONDS`` (or ``--kill-after-chunks N``, once N chunk files exist): a
  ``kill -9`` of the client and every process of the cluster partway through, then the same
  command again, which must resume and complete;
- a check of the result: the manifest is complete with every run done and none failed,
  ``sim.load_sweep`` verifies every sha256, and ``--compare`` runs spread over the sweep (before
  and after the kill) are recomputed with ``sim.simulate`` and must equal the stored series;
- per-chunk costs in the steady window (workers' and client's CPU seconds per chunk, the
  start-up and the time after the last chunk) and from them the expected time on ``--cores``
  cores and the client's share (``costs.cluster_estimate``).

With ``--separate-scheduler`` the cluster is not a ``LocalCluster`` inside the client: a
``dask scheduler`` process and a ``dask worker --nworkers N`` process (the nannies, each starting a
worker) run apart and the sweep joins them with ``--scheduler ADDRESS``. Each is sampled as its own
process tree, so the client's CPU per chunk is the client's alone, and the scheduler's is measured
as the second serial resource of a real cluster. A kill then kills the client only (the cluster
stays up, as a real one would), and the resumed session joins the same scheduler.

Writes ``million-<runs>.json`` (everything, RSS over time included) and ``million-<runs>.md`` (the
tables docs/PERFORMANCE.md quotes) into ``--report`` (default ``results/benchmarks/``), and prints
the Markdown. The sweep folder is a temporary one, removed at the end, unless ``--out`` is given.

Usage::

    .venv/bin/python experiments/benchmarks/million.py --runs 20000 --kill-after-chunks 3
    .venv/bin/python experiments/benchmarks/million.py --kill-after 120   # 1,000,000 runs
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import engines
import million_report
import psutil
from proctree import TreeSampler, kill_tree


def count_files(out: Path) -> int:
    """Chunk files of alliance series written so far (temporary names excluded)."""
    folder = out / "alliance"
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.rglob("*.parquet") if not p.name.startswith("."))


@contextmanager
def separate_cluster(work: Path, workers: int, timeout: float = 60.0) -> Iterator[dict[str, Any]]:
    """A Dask scheduler and ``workers`` one-thread workers as processes of their own (localhost).

    Both are configured as docs/SWEEPS.md asks of a cluster of one's own (:func:`cluster_config`:
    the workers keep freed memory, Dask's histories are off).

    Yields ``{"address": ..., "roots": {pid: role}}``: the scheduler's process (role
    ``scheduler``) and the ``dask worker`` process that runs the nannies (role ``nannies``),
    whose children are the workers. Both trees are killed on exit.
    """
    from distributed import Client

    file = work / "scheduler.json"
    python = [sys.executable, "-m", "dask"]
    env = {**os.environ, "DASK_CONFIG": str(cluster_config(work / "dask-config"))}
    logs = (work / "scheduler.log").open("w"), (work / "workers.log").open("w")
    sched = subprocess.Popen(
        [*python, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
        + ["--scheduler-file", str(file)],
        cwd=work,
        env=env,
        stdout=logs[0],
        stderr=subprocess.STDOUT,
    )
    procs = [sched]
    try:
        t0 = time.perf_counter()
        while not file.exists():
            if sched.poll() is not None or time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"the dask scheduler did not start; see {work}/scheduler.log")
            time.sleep(0.1)
        nanny = subprocess.Popen(
            [*python, "worker", "--scheduler-file", str(file), "--nworkers", str(workers)]
            + ["--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"]
            + ["--local-directory", str(work / "dask-worker-space")],
            cwd=work,
            env=env,
            stdout=logs[1],
            stderr=subprocess.STDOUT,
        )
        procs.append(nanny)
        with Client(scheduler_file=str(file), timeout=timeout) as client:
            client.wait_for_workers(workers, timeout=timeout)
            address = client.scheduler.address
        roots = {sched.pid: "scheduler", nanny.pid: "nannies"}
        yield {"address": address, "roots": roots, "idle_cpu_per_s": idle_rate(roots)}
    finally:
        for proc in reversed(procs):
            kill_tree(proc.pid)
            proc.wait()
        for log in logs:
            log.close()


def cluster_config(folder: Path) -> Path:
    """A Dask config folder (for ``DASK_CONFIG``) with what docs/SWEEPS.md asks of a cluster.

    The workers get glibc's thresholds of ``sim.sweep.allocator`` through the nannies' pre-spawn
    environment (Dask's default ``MALLOC_TRIM_THRESHOLD_=65536`` would map every array afresh),
    and Dask's histories are off (``sim.sweep.dask_settings.NO_HISTORY``). Written as JSON, which
    YAML reads.
    """
    from sim.sweep.allocator import ENVIRON

    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "distributed": {
            "nanny": {"pre-spawn-environ": dict(ENVIRON)},
            "admin": {"low-level-log-length": 0},
            "worker": {"profile": {"enabled": False}},
        }
    }
    (folder / "sweep.yaml").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return folder


def idle_rate(roots: dict[int, str], seconds: float = 5.0) -> float:
    """CPU seconds per second that the scheduler and nannies spend with no work (heartbeats)."""
    procs = [psutil.Process(pid) for pid in roots]

    def used() -> float:
        return sum(sum(p.cpu_times()[:2]) for p in procs)

    start = used()
    time.sleep(seconds)
    return (used() - start) / seconds


def run_session(
    command: list[str],
    out: Path,
    work: Path,
    interval: float,
    kill_after: float | None = None,
    kill_chunks: int | None = None,
    cluster_roots: dict[int, str] | None = None,
) -> dict[str, Any]:
    """Run the sweep command once from ``work``, sampled.

    SIGKILL the client and every process it started once ``kill_after`` seconds have passed
    or ``kill_chunks`` chunk files exist, if it is still running then. The session's wall time
    runs to its exit, or to the kill. ``cluster_roots`` (pid: role) are the process trees of a
    cluster started apart, sampled alongside the client's and left running.
    """
    log = work / "session.err"
    t0 = time.perf_counter()
    with log.open("w") as err:
        proc = subprocess.Popen(command, cwd=work, stderr=err)
    sampler = TreeSampler(proc.pid, interval, lambda: count_files(out), t0=t0).start()
    others = [
        TreeSampler(pid, interval, t0=t0, root_role=kind).start()
        for pid, kind in (cluster_roots or {}).items()
    ]
    killed = False
    while proc.poll() is None:
        late = kill_after is not None and time.perf_counter() - t0 >= kill_after
        if late or (kill_chunks is not None and count_files(out) >= kill_chunks):
            sampler.sample()
            wall = time.perf_counter() - t0
            kill_tree(proc.pid)
            killed = True
            break
        time.sleep(0.05)
    proc.wait()
    wall = wall if killed else time.perf_counter() - t0
    sampler.stop()
    for other in others:
        other.stop()
        sampler.traces.update(other.traces)
    stderr = log.read_text(errors="replace")
    log.unlink()
    if not killed and proc.returncode != 0:
        raise RuntimeError(f"the sweep exited with {proc.returncode}:\n{stderr[-2000:]}")
    return {
        "wall_s": wall,
        "killed": killed,
        "returncode": proc.returncode,
        "files_at_start": sampler.progress[0][1] if sampler.progress else 0,
        "files_at_end": count_files(out),
        "sampler": sampler,
    }


def disk_usage(out: Path) -> dict[str, int]:
    """Bytes of the folder's files (apparent and allocated on disk), and of ``alliance/``."""
    files = [p for p in out.rglob("*") if p.is_file()]
    return {
        "bytes": sum(p.stat().st_size for p in files),
        "allocated_bytes": sum(p.stat().st_blocks * 512 for p in files),
        "alliance_bytes": sum(p.stat().st_size for p in files if "alliance" in p.parts),
        "files": len(files),
    }


def compare_sample(out: Path, runs: int, n: int) -> dict[str, Any]:
    """Recompute ``n`` runs spread over the sweep with ``sim.simulate``; compare with the files.

    Each run's parameters are the scenario's with its design point (from the runs table:
    ``runs.parquet``, or the ``runs/`` dataset of one file per chunk), its seed the stored one.
    Stored values are compared after casting the recomputed ones to the stored type (float32
    series stay comparable).
    """
    import numpy as np
    import pyarrow.dataset as ds

    import sim

    ids = sorted({int(i) for i in np.linspace(0, runs - 1, n)})
    axes = ["hegemon_pressure", "rival_target_ratio"]
    runs_table = out / "runs.parquet" if (out / "runs.parquet").is_file() else out / "runs"
    table = ds.dataset(runs_table, format="parquet").to_table(
        columns=["run_id", "seed", *axes], filter=ds.field("run_id").isin(ids)
    )
    rows = table.to_pandas().set_index("run_id").loc[ids]
    base = sim.load_scenario(engines.SCENARIO).params
    params = [
        sim.make_params(dict(zip(axes, v, strict=True)), base=base) for v in rows[axes].values
    ]
    fresh = sim.simulate(params, [int(s) for s in rows["seed"]]).alliance_frame(ids)
    stored = (
        ds.dataset(out / "alliance", format="parquet")
        .to_table(filter=ds.field("run_id").isin(ids))
        .to_pandas()
        .sort_values(["run_id", "quarter"], kind="stable")
        .reset_index(drop=True)
    )
    fresh = fresh.sort_values(["run_id", "quarter"], kind="stable").reset_index(drop=True)
    differ = [c for c in fresh.columns if c not in stored or not same(stored[c], fresh[c])]
    return {"runs_compared": len(ids), "rows": len(stored), "columns_differing": differ}


def same(stored: Any, fresh: Any) -> bool:
    """Whether a stored column equals a recomputed one, at the stored type.

    Dictionary-encoded columns may come back as categoricals, strings as objects: both sides
    are compared as plain arrays, text as text, numbers after casting the recomputed values to
    the stored dtype (float64 to float32 rounds exactly as the writer does).
    """
    import numpy as np

    a, b = np.asarray(stored), np.asarray(fresh)
    if a.dtype.kind in "OUS" or b.dtype.kind in "OUS":
        return np.array_equal(a.astype(str), b.astype(str))
    return np.array_equal(a, b.astype(a.dtype))


def verify(out: Path, runs: int, n_compare: int) -> dict[str, Any]:
    """The manifest's counts, ``sim.load_sweep``'s sha256 check, and :func:`compare_sample`."""
    import sim

    manifest = json.loads((out / "manifest.json").read_text())
    t0 = time.perf_counter()
    result = sim.load_sweep(out)  # verifies every file's sha256
    check = {
        "complete": bool(manifest["complete"] and result.complete),
        "runs_done": manifest["runs_done"],
        "runs_failed": manifest["runs_failed"],
        "sessions": manifest.get("timings", {}).get("sessions"),
        "sha256_check_s": time.perf_counter() - t0,
    }
    if n_compare:
        check.update(compare_sample(out, runs, n_compare))
    check["ok"] = (
        check["complete"]
        and check["runs_done"] == runs
        and check["runs_failed"] == 0
        and not check.get("columns_differing")
    )
    return check


def parse_args() -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1_000_000, help="runs (a multiple of 100)")
    p.add_argument("--workers", type=int, default=2, help="Dask workers (default 2)")
    p.add_argument("--kill-after", type=float, help="kill -9 the sweep after this many seconds")
    p.add_argument(
        "--kill-after-chunks", type=int, help="kill -9 the sweep once this many chunks are done"
    )
    p.add_argument("--out", type=Path, help="sweep folder (kept; default a temporary one)")
    p.add_argument("--report", type=Path, default=engines.ROOT / "results" / "benchmarks")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between samples")
    p.add_argument("--compare", type=int, default=200, help="runs recomputed to compare")
    p.add_argument("--cores", type=int, default=64, help="cores of the estimate")
    p.add_argument(
        "--separate-scheduler",
        action="store_true",
        help="run the Dask scheduler and workers as processes apart from the client",
    )
    args = p.parse_args()
    if args.runs <= 0 or args.runs % engines.GRID_POINTS:
        p.error(f"--runs {args.runs}: expected a positive multiple of {engines.GRID_POINTS}")
    return args


@contextmanager
def _cluster(args: argparse.Namespace, work: Path) -> Iterator[dict[str, Any] | None]:
    if not args.separate_scheduler:
        yield None
        return
    with separate_cluster(work, args.workers) as cluster:
        yield cluster


def main() -> None:
    """Run the sweep (killed and resumed with ``--kill-after``), check it, report."""
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="sim-million-"))
    out = args.out.resolve() if args.out else work / "sweep"
    try:
        config = engines.write_sweep_config(work, args.runs, name="million")
        with _cluster(args, work) as cluster:
            where = ["--scheduler", cluster["address"]] if cluster else ["--cluster", "local"]
            roots = cluster["roots"] if cluster else None
            command = engines.sweep_command(config, out, args.workers, *where)
            kill = args.kill_after, args.kill_after_chunks
            sessions = [run_session(command, out, work, args.interval, *kill, roots)]
            idle = cluster["idle_cpu_per_s"] if cluster else 0.0
            if sessions[0]["killed"]:
                print(f"killed after {sessions[0]['wall_s']:.1f} s; resuming", file=sys.stderr)
                sessions.append(run_session(command, out, work, args.interval, None, None, roots))
        check = verify(out, args.runs, args.compare)
        disk = disk_usage(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = million_report.summarise(args, command, sessions, check, disk, idle)
    million_report.write(result, args.report / f"million-{args.runs}")
    print(million_report.markdown(result))
    if not check["ok"]:
        sys.exit(f"error: the sweep in {out} is not complete and correct: {check}")


if __name__ == "__main__":
    main()
