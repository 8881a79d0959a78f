"""Timing each engine the way a user runs it: the kernel, mesa.batch_run, the sweep, calibration.

Only public entry points are used, so the measurements stay valid when the equations or the
sweep pipeline change underneath: ``sim.simulate`` and ``sim.load_scenario`` in this process,
``mesa.batch_run(sim.AllianceModel, ...)`` in a child process (so that its start-up counts), and
``python -m sim sweep`` / ``python -m sim calibrate`` as subprocesses, timed from launch to exit.

Pinning: :func:`pinned` restricts this process to one CPU; child processes inherit it, so a
command launched inside ``with pinned():`` runs on that CPU only.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "configs" / "hague.toml"
"""The default scenario (32 members, 2025Q1-2035Q4: 43 quarterly steps)."""
BACKCAST = ROOT / "configs" / "backcast_2014.toml"
"""What ``python -m sim calibrate`` fits (the README's command)."""
GRID_POINTS = 100
"""The benchmark sweeps' design: a 10 x 10 grid of two behavioural axes."""


@contextlib.contextmanager
def pinned(cpus: int = 1) -> Iterator[set[int] | None]:
    """Restrict this process (and the children it starts) to ``cpus`` CPUs, then restore.

    Yields the CPUs used, or None where the OS cannot pin (then nothing is pinned).
    """
    if not hasattr(os, "sched_setaffinity"):
        yield None
        return
    before = os.sched_getaffinity(0)
    chosen = set(sorted(before)[:cpus])
    os.sched_setaffinity(0, chosen)
    try:
        yield chosen
    finally:
        os.sched_setaffinity(0, before)


def kernel_seconds(runs: int, batch: int) -> tuple[float, float]:
    """Wall and CPU seconds of ``sim.simulate`` on the default scenario, ``runs`` runs.

    ``batch`` runs at once, alliance series only (``keep_members=False``, the default), in this
    process; one warm-up batch first (imports, caches and any compilation are not counted).
    """
    import sim

    params = sim.load_scenario(SCENARIO).params
    sim.simulate([params] * min(batch, runs), list(range(min(batch, runs))))
    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, runs, batch):
        n = min(batch, runs - start)
        sim.simulate([params] * n, list(range(start, start + n)))
    return time.perf_counter() - t0, time.process_time() - c0


FLOOR_CODE = "import sim; p = sim.load_scenario({scenario!r}).params; sim.simulate([p], [0])"
"""What any process must do before one run is done: the interpreter, ``import sim``, the
scenario read, the compiled step loaded (the library compiled ahead of time, or numba's cache),
one run."""


def start_floor_seconds(library: bool = True) -> float:
    """Launch to exit of a fresh interpreter that runs :data:`FLOOR_CODE`, and nothing else.

    No sweep can be done sooner than this plus its runs at the kernel's rate: each of its
    processes that computes does at least as much before its first run (``targets.Floor``).
    The compiled step is loaded, not compiled: :func:`kernel_seconds` has filled its cache.

    Args:
        library: as a sweep's processes do (the library compiled ahead of time when there is
            one, ``sim compile``); False: through numba regardless (``SIM_NATIVE=0``).
    """
    code = FLOOR_CODE.format(scenario=str(SCENARIO))
    env = None if library else {**os.environ, "SIM_NATIVE": "0"}
    return _run([sys.executable, "-c", code], cwd=ROOT, env=env).wall_s


def compiled_step() -> str:
    """How this checkout's processes run the compiled step: the library, or numba (and why)."""
    from sim.core.dynamics import native

    if not native.enabled():
        return "through numba (SIM_NATIVE=0 or NUMBA_DISABLE_JIT=1)"
    if native.built():
        return f"from the library compiled ahead of time ({native.library_path().name})"
    return "through numba (no library: run `python -m sim compile`)"


def kernel_child(runs: int, batch: int, cpu: int) -> None:
    """In a child process pinned to CPU ``cpu``: :func:`kernel_seconds`; print JSON ``seconds``.

    The process first keeps freed memory as the sweep's processes do (``sim.sweep.allocator``).
    """
    from sim.sweep.allocator import keep_freed_memory

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    keep_freed_memory()
    wall, _ = kernel_seconds(runs, batch)
    print(json.dumps({"seconds": wall}))


def kernels_at_once_seconds(runs: int, batch: int, kernels: int = 2) -> list[float]:
    """Kernels at once, one per CPU, ``runs`` runs each: each one's seconds.

    Each child is a fresh interpreter (this file with ``--kernel-child``) that keeps freed
    memory as a sweep's worker does (``sim.sweep.allocator``), timed after its own warm-up, as
    :func:`kernel_seconds`. Two at once: the sum of their rates is the most two worker
    processes could do on this machine, what two CPUs give when both are busy (shared caches,
    memory bandwidth, clock), with no sweep around them. One (``kernels=1``): the kernel in a
    process tuned as the sweep's are.

    Raises:
        RuntimeError: if a child fails.
    """
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0, 1]
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--kernel-child", str(runs), str(batch), str(cpu)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for cpu in (cpus * kernels)[:kernels]
    ]
    seconds = []
    for child in children:
        out, err = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"--kernel-child exited with {child.returncode}:\n{err[-500:]}")
        seconds.append(json.loads(out.strip().splitlines()[-1])["seconds"])
    return seconds


def batch_run_child(runs: int) -> None:
    """In a child process: ``mesa.batch_run`` on ``runs`` runs; print its time (JSON ``run_s``).

    The default scenario's parameters, each passed as a scalar, and 43 steps, one process, a
    data collection every step: what a user of Mesa's batch runner would write.
    """
    import dataclasses

    import mesa

    import sim

    scalars = dataclasses.asdict(sim.load_scenario(SCENARIO).params)
    t0 = time.perf_counter()
    mesa.batch_run(
        sim.AllianceModel,
        parameters=scalars,
        rng=list(range(runs)),
        max_steps=43,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    print(json.dumps({"run_s": time.perf_counter() - t0}))


def batch_run_seconds(runs: int) -> dict[str, float]:
    """``mesa.batch_run(sim.AllianceModel, ..., number_processes=1)`` on ``runs`` runs.

    Run in a fresh interpreter (this file with ``--batch-run-child``), after an untimed one of
    one run: on a machine whose cache of compiled code is cold (a new checkout, a changed
    equation) that one compiles, so that the timed one loads the compiled code as the sweeps
    do. Returns ``wall_s`` (launch to exit), ``run_s`` (the batch_run call, see
    :func:`batch_run_child`) and ``startup_s = wall_s - run_s`` (interpreter, imports, reading
    the scenario).
    """
    _run([sys.executable, __file__, "--batch-run-child", "1"], cwd=ROOT)
    ran = _run([sys.executable, __file__, "--batch-run-child", str(runs)], cwd=ROOT)
    times = json.loads(ran.stdout.strip().splitlines()[-1])
    return {**times, "wall_s": ran.wall_s, "startup_s": ran.wall_s - times["run_s"]}


def write_sweep_config(folder: Path, runs: int, name: str = "bench") -> Path:
    """A sweep config of ``runs`` runs of the default scenario, alliance series kept.

    A 10 x 10 grid (``hegemon_pressure`` x ``rival_target_ratio``) with ``runs / 100``
    replications; the chunk size is left to the engine.

    Raises:
        ValueError: when ``runs`` is not a positive multiple of 100.
    """
    if runs <= 0 or runs % GRID_POINTS:
        raise ValueError(f"--runs {runs}: expected a positive multiple of {GRID_POINTS}")
    path = folder / f"{name}.toml"
    path.write_text(
        f"""name = "{name}"
description = "benchmark: default scenario, 10 x 10 grid, {runs // GRID_POINTS} replications"
scenario = "{SCENARIO}"
replications = {runs // GRID_POINTS}

[design]
method = "grid"

[axes]
hegemon_pressure = {{ min = 0.1, max = 0.9, num = 10 }}
rival_target_ratio = {{ min = 2.0, max = 12.0, num = 10 }}

[keep]
alliance = true
members = false
""",
        encoding="utf-8",
    )
    return path


def sweep_command(config: Path, out: Path, workers: int, *extra: str) -> list[str]:
    """The ``python -m sim sweep`` command line, quiet (no progress bar)."""
    return [
        sys.executable,
        "-m",
        "sim",
        "sweep",
        str(config),
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--quiet",
        *extra,
    ]


def sweep_seconds(config: Path, out: Path, workers: int) -> tuple[float, float]:
    """Wall and CPU seconds of ``python -m sim sweep CONFIG --out OUT --workers N``.

    Launch to exit; the CPU seconds are those of every process of the sweep (``_run``),
    its workers included.

    Raises:
        RuntimeError: if the command fails or leaves an incomplete sweep.
    """
    ran = _run(sweep_command(config, out, workers), cwd=out.parent)
    manifest = json.loads((out / "manifest.json").read_text())
    if not manifest.get("complete") or manifest.get("runs_failed"):
        raise RuntimeError(f"{out}: sweep incomplete or with failed runs")
    return ran.wall_s, ran.cpu_s


def calibrate_measure(folder: Path, smoke: bool) -> dict[str, Any]:
    """Time ``python -m sim calibrate configs/backcast_2014.toml`` run from ``folder``.

    It writes into ``folder/results/calibration-seed<seed>/`` (no tracked file changes). A smoke
    calibration runs first, untimed, in ``folder/warm-up``: on a cold cache of compiled code it
    compiles (about a minute), which the timed run would otherwise count. Returns ``seconds``
    (launch to exit), ``cpu_s`` (its CPU seconds), ``loss`` (full precision, from the report's
    ``calibration.json``), ``evaluations`` and the command's own ``search_s``.
    """
    warm_up = folder / "warm-up"
    warm_up.mkdir(exist_ok=True)
    smoke_env = {**os.environ, "SIM_CALIBRATE_BUDGET": "smoke"}
    _run([sys.executable, "-m", "sim", "calibrate", str(BACKCAST)], cwd=warm_up, env=smoke_env)
    env = {**os.environ, "SIM_CALIBRATE_BUDGET": "smoke" if smoke else "full"}
    ran = _run([sys.executable, "-m", "sim", "calibrate", str(BACKCAST)], cwd=folder, env=env)
    (report,) = folder.glob("results/calibration-seed*/calibration.json")
    data = json.loads(report.read_text())
    return {
        "seconds": ran.wall_s,
        "cpu_s": ran.cpu_s,
        "loss": data["loss"]["loss"],
        "evaluations": data["evaluations"],
        "search_s": data["seconds"],
    }


class Ran(NamedTuple):
    """A command run by :func:`_run`."""

    stdout: str
    cpu_s: float
    """User + system seconds of the command and of every process it started (see ``_run``)."""
    wall_s: float
    """Launch to the command's own exit (not its orphans')."""


PR_SET_CHILD_SUBREAPER = 36
"""Linux's ``prctl`` option that makes a process the reaper of its descendants' orphans."""
_adopting = False


def adopt_orphans() -> bool:
    """Make this process adopt the orphans of the commands it runs (Linux), so they count.

    A sweep's local workers are forked by a fork server (``sim.sweep.pool``) that the sweep's
    process starts but never waits for: when the sweep exits, the server and its workers are
    orphans, reaped by another process, and their CPU seconds are missing from this process's
    ``RUSAGE_CHILDREN``. As a child subreaper this process adopts them instead, and
    :func:`_run` waits for them, so that their CPU seconds count. Returns whether it could
    (False off Linux: there the CPU of such processes is missed).
    """
    global _adopting
    if sys.platform != "linux":
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    _adopting = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    return _adopting


def reap_orphans(timeout_s: float = 30.0) -> None:
    """Wait until no child of this process is left: the orphans it adopted included.

    Raises:
        RuntimeError: when a child is still running after ``timeout_s`` seconds.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"a process left by a command still runs after {timeout_s} s")
            time.sleep(0.005)


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Ran:
    """Run a command; its stdout, CPU and wall seconds, or RuntimeError with its stderr's end.

    The CPU seconds (user + system) are those of the command and of every process it waited
    for (``RUSAGE_CHILDREN``): unlike the wall time, other load on the machine hardly moves them.
    After :func:`adopt_orphans`, the processes it left running count too: this waits for them
    (:func:`reap_orphans`) after the wall time is taken. Run one command at a time.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if _adopting:
        reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"{' '.join(command[1:])} exited with {done.returncode}:\n{tail}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Ran(done.stdout, cpu, wall)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--batch-run-child":
        batch_run_child(int(sys.argv[2]))
    elif len(sys.argv) == 5 and sys.argv[1] == "--kernel-child":
        kernel_child(*(int(a) for a in sys.argv[2:]))
    else:
        sys.exit(
            f"usage: {sys.argv[0]} --batch-run-child RUNS | --kernel-child RUNS BATCH CPU "
            "(used by bench.py)"
        )
