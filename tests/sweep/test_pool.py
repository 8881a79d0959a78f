"""``sim.sweep.pool``: how local workers start and how they notice the sweep is gone.

On Linux the workers are forks of a fork server that imported ``sim.sweep._worker_image``: they
start with the compiled step loaded, and the server had one thread when it forked them. Every
worker, forked or spawned, exits when the sweep's process dies, which is not its parent when a
fork server made it.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys

import pandas as pd
import pytest
from sweep_util import write_config

from sim.sweep import pool

LINUX = sys.platform.startswith("linux")

HAS_FORKSERVER = "forkserver" in multiprocessing.get_all_start_methods()

THREADS = "import os; print(len(os.listdir('/proc/self/task')))"
"""Prints this process's threads (Linux's ``/proc``)."""

WATCHER = """
import os, sys, time
from sim.sweep import pool
if sys.argv[2] == "poll":  # a kernel without pidfd_open
    def no_pidfd(pid):
        raise OSError(38, "Function not implemented")
    os.pidfd_open = no_pidfd
pool.watch_parent(os.getppid() if sys.argv[1] == "parent" else int(sys.argv[1]), interval=0.05)
print("watching", flush=True)
time.sleep(60)
"""
"""A stand-in worker: watches the process given (``parent``: its own parent), then sleeps."""

SWEEP = f"""
import subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c", {WATCHER!r}, "parent", "poll"],
                          stdout=subprocess.PIPE, text=True)
assert worker.stdout.readline().strip() == "watching"
print(worker.pid, flush=True)
time.sleep(60)
"""
"""A stand-in sweep process: starts a worker that watches it as its parent, without pidfd."""

ENV = {k: v for k, v in os.environ.items() if k not in ("JE_ARROW_MALLOC_CONF", "OMP_NUM_THREADS")}
"""This environment without a user's jemalloc or thread settings."""


def _step_loaded() -> tuple[int, int]:
    """In a worker: the compiled whole-run entry point's loaded overloads, and the parent's pid.

    The library compiled ahead of time counts as one (``sim.core.dynamics.native``), when the
    warm-up loaded it instead of numba's.
    """
    native = sys.modules.get("sim.core.dynamics.native")
    if native is not None and any(got is not None for got in native._LOADED.values()):
        return 1, os.getppid()
    dynamics = sys.modules.get("sim.core.dynamics.compiled")
    if dynamics is None:
        return 0, os.getppid()
    run = getattr(dynamics.step_module(), "run", None)
    loaded = getattr(run, "_dispatcher", None)
    return (0 if loaded is None else len(loaded.signatures)), os.getppid()


def test_the_command_line_starts_workers_before_it_imports_numpy():
    """``sim sweep`` starts its workers (``pool.start_early``) once its arguments are parsed:
    what comes before (``sim.cli`` and its parser, every command's options) imports no numpy,
    no pandas and none of the model, so the workers' start-up is not kept waiting for them; nor
    does it read the package's metadata for ``--version`` (``importlib.metadata``, 20 ms)."""
    code = (
        "import sys, sim.cli; sim.cli.build_parser().parse_args(['sweep', 'x.toml']); "
        "print(sorted(m for m in ('numpy', 'pandas', 'numba', 'sim.core.config', "
        "'importlib.metadata') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_a_sweep_plans_runs_and_writes_its_folder_without_pandas(tmp_path):
    """pandas takes about 0.19 s to import (``python -X importtime``), a fifth of a small sweep's
    start, and pyarrow.compute 0.03 s: the design is an Arrow table built from its buffers, the
    posterior's module (which reads a CSV with pandas) is imported only for a sweep that names
    one, the tables' repeated values are gathered by numpy (``arrow_arrays.taken``); with
    ``--quiet`` tqdm (0.017 s) is not imported either (``chunks.progress_bar``), nor on Linux
    psutil (0.007 s; the memory available is read from /proc/meminfo), nor numpy.ma (about
    0.005 s; ``np.unique`` loads it, ``plan.design_points`` sorts in Python). A grid of a
    float, an integer and a boolean axis, run in this process (``--workers 1``), in a fresh
    interpreter."""
    config = write_config(
        tmp_path,
        """replications = 2
[design]
method = "grid"
[axes]
hegemon_pressure = [0.2, 0.8]
munitions_lead_first_quarters = [2, 3]
use_pledges = [true, false]
""",
    )
    out = tmp_path / "out"
    code = (
        "import runpy, sys; "
        f"sys.argv = ['sim', 'sweep', {str(config)!r}, '--workers', '1', '--quiet', "
        f"'--out', {str(out)!r}]; "
        "code = 0\ntry:\n    runpy.run_module('sim', run_name='__main__')\n"
        "except SystemExit as e:\n    code = e.code\n"
        "print(code, *(m in sys.modules for m in "
        "('pandas', 'pyarrow.compute', 'tqdm', 'numpy.ma', 'psutil')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    assert done.stdout.split()[-6:] == ["0", "False", "False", "False", "False", str(not LINUX)]
    assert (out / "SHA256SUMS").is_file()  # the sweep finished: 8 points x 2 replications
    design = pd.read_parquet(out / "design.parquet")
    assert design.dtypes.astype(str).tolist() == ["int64", "float64", "int64", "bool"]
    assert design["use_pledges"].tolist()[:2] == [True, False]  # the last axis varies fastest


@pytest.mark.skipif(not (LINUX and HAS_FORKSERVER), reason="the fork server is Linux's")
def test_linux_workers_are_forked_from_a_warm_server():
    assert pool.START_METHOD == "forkserver"
    workers = pool.local_pool(2)
    try:
        seen = [workers.submit(_step_loaded).result(timeout=300) for _ in range(2)]
    finally:
        workers.shutdown(wait=True)
    for loaded, parent in seen:
        assert loaded == 1  # loaded before the task: the server's warm-up, not the worker's
        assert parent != os.getpid()  # the fork server's child, not this process's


@pytest.mark.skipif(not LINUX, reason="threads are counted in Linux's /proc")
def test_the_fork_server_has_one_thread_when_it_forks():
    def threads(before: str) -> int:
        done = subprocess.run(
            [sys.executable, "-c", f"{before}; {THREADS}"],
            capture_output=True,
            text=True,
            env={**ENV, "OPENBLAS_NUM_THREADS": "1"},
            check=True,
        )
        return int(done.stdout.strip().splitlines()[-1])

    # pyarrow's jemalloc starts a background thread when it loads; the server's set-up does not
    assert threads("import pyarrow") == 2
    assert threads("import sim.sweep._worker_image") == 1


@pytest.mark.parametrize("how", ["pidfd", "poll"])
def test_a_worker_exits_when_the_sweeps_process_is_gone(how):
    if how == "pidfd" and not hasattr(os, "pidfd_open"):
        pytest.skip("no pidfd_open here")
    sweep = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    worker = subprocess.Popen(
        [sys.executable, "-c", WATCHER, str(sweep.pid), how], stdout=subprocess.PIPE, text=True
    )
    try:
        assert worker.stdout.readline().strip() == "watching"
        assert worker.poll() is None  # the sweep's process lives: the worker waits
        sweep.kill()
        sweep.wait()
        assert worker.wait(timeout=20) == 1
    finally:
        sweep.kill()
        worker.kill()
        sweep.wait()
        worker.wait()


def test_a_spawned_worker_without_pidfd_exits_when_its_parent_is_gone():
    import psutil

    sweep = subprocess.Popen([sys.executable, "-c", SWEEP], stdout=subprocess.PIPE, text=True)
    try:
        worker = psutil.Process(int(sweep.stdout.readline()))
        assert worker.is_running() and worker.ppid() == sweep.pid
        sweep.kill()
        sweep.wait()
        worker.wait(timeout=20)  # psutil.TimeoutExpired if it did not exit
    finally:
        sweep.kill()
        sweep.wait()


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="no pidfd_open here")
def test_a_worker_whose_sweep_is_gone_already_exits():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    worker = subprocess.run(
        [sys.executable, "-c", WATCHER, str(gone.pid), "pidfd"], capture_output=True, timeout=60
    )
    assert worker.returncode == 1 and b"watching" not in worker.stdout
