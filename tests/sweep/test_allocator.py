"""``sim.sweep.allocator``: the processes ``sim`` owns reuse freed memory instead of faulting it in.

Each check runs one workload in a fresh interpreter: six times, a batch's working set (eight
20 MB arrays, as a 2,500-run batch holds a few hundred MB) is allocated, written and freed, and
the page faults of each round are counted (``resource.getrusage``). With glibc's defaults every
round faults its memory in again; with the setting the first round does and the others reuse it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from sim.sweep.allocator import ARROW_ENVIRON, ENVIRON, uses_glibc

pytestmark = pytest.mark.skipif(not uses_glibc(), reason="a setting of glibc's allocator")

WORKLOAD = """
import resource
import numpy as np

counts = []
for _ in range(6):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    arrays = [np.ones(2_500_000) for _ in range(8)]  # 8 x 20 MB, written
    del arrays
    counts.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
"""Leaves ``counts``: the page faults of each round."""

CLEAN_ENV = {
    name: value for name, value in os.environ.items() if name not in {*ENVIRON, *ARROW_ENVIRON}
}
"""This environment without the thresholds and Arrow's pool (whatever set them in this process:
a user's shell, a Dask LocalCluster started outside ``open_executor``, which writes its workers'
environment into its parent's ``os.environ``)."""

_PRINT = "\nimport json\nprint(json.dumps({'applied': applied, 'counts': counts}))\n"


def _faults(setting: bool, env: dict[str, str] | None = None) -> dict:
    """``WORKLOAD`` in a fresh interpreter, after :func:`keep_freed_memory` if ``setting``."""
    first = (
        "from sim.sweep.allocator import keep_freed_memory\napplied = keep_freed_memory()\n"
        if setting
        else "applied = None\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", first + WORKLOAD + _PRINT],
        capture_output=True,
        text=True,
        check=True,
        env=CLEAN_ENV if env is None else env,
    )
    return json.loads(done.stdout)


def _later_rounds(result: dict) -> int:
    return sum(result["counts"][1:])


def test_freed_memory_is_reused_instead_of_faulted_in_again():
    default, kept = _faults(False), _faults(True)
    assert kept["applied"] is True
    # the control: with glibc's defaults the later rounds fault again (at least one fault per
    # 2 MB huge page of their 800 MB, whatever the system's huge pages)
    assert _later_rounds(default) >= 5 * 8 * 10
    # kept: a tenth or less of that (measured: about 300 against 40,000)
    assert _later_rounds(kept) * 10 <= _later_rounds(default), (default, kept)


def test_a_users_own_threshold_is_kept():
    env = {**CLEAN_ENV, "MALLOC_TRIM_THRESHOLD_": "131072"}
    mine = _faults(True, env)
    assert mine["applied"] is False
    assert _later_rounds(mine) * 10 > _later_rounds(_faults(True)), mine


def test_a_local_sweep_worker_reuses_freed_memory(monkeypatch):
    """The pool's workers apply the setting when they start (``sim.sweep.pool.start_worker``)."""
    from sim.sweep.pool import local_pool

    for name in ENVIRON:  # the worker's own call, not an inherited environment
        monkeypatch.delenv(name, raising=False)
    code = WORKLOAD + "\nresult = counts\n"
    pool = local_pool(1)
    try:
        counts = pool.submit(eval, "exec(code, ns) or ns['result']", {"code": code, "ns": {}})
        worker = counts.result(timeout=120)
    finally:
        pool.shutdown()
    default = _faults(False)
    assert sum(worker[1:]) * 10 <= _later_rounds(default), (worker, default)


def test_a_local_dask_clusters_workers_get_the_same_thresholds():
    """``--cluster local`` hands its workers the thresholds as environment variables (Dask's
    nanny would otherwise set ``MALLOC_TRIM_THRESHOLD_=65536``, mapping every array afresh)."""
    from sim.sweep.execution import open_executor

    names = [*ENVIRON, *ARROW_ENVIRON, "OMP_NUM_THREADS"]
    with open_executor(1, cluster="local") as info:
        # os.getenv travels by reference and reads the worker's environment (os.environ itself
        # would be pickled with the values of this process)
        env = {name: info.executor.submit(os.getenv, name).result() for name in names}
    assert env == {**ENVIRON, **ARROW_ENVIRON, "OMP_NUM_THREADS": "1"}


def test_applying_twice_is_harmless():
    # in a fresh interpreter: pytest's process is not sim's to tune
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from sim.sweep.allocator import keep_freed_memory as k; print(k(), k())",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=CLEAN_ENV,
    )
    assert done.stdout.split() == ["True", "True"]


def test_the_command_line_applies_it_before_the_command_runs():
    """``sim.cli.run`` (the ``sim`` command, ``python -m sim``) owns its process: a serial sweep,
    a calibration or a run reuses its freed memory."""
    body = "\n".join("    " + line for line in WORKLOAD.strip().splitlines())
    code = (
        "import json\nimport sim.cli\n\ndef command():\n"
        f"{body}\n    print(json.dumps(counts))\n    return 0\n\n"
        "sim.cli.main = command\nsim.cli.run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=CLEAN_ENV
    )
    counts = json.loads(done.stdout)
    assert sum(counts[1:]) * 10 <= _later_rounds(_faults(False)), counts


ARROW_POOL = (
    "from sim.sweep.allocator import keep_freed_memory\nkeep_freed_memory()\n"
    "import pyarrow\nprint(pyarrow.default_memory_pool().backend_name)\n"
)
"""Prints the memory pool pyarrow's buffers come from, once the setting is applied."""

UNTOUCHED = "import pyarrow\nprint(pyarrow.default_memory_pool().backend_name)\n"
"""Prints the memory pool pyarrow chooses by itself."""


def _arrow_pool(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return done.stdout.strip()


def test_arrows_buffers_come_from_glibc_once_it_keeps_freed_memory():
    """pyarrow's own allocator zeroed fresh pages for each chunk's tables and files
    (docs/PERFORMANCE.md, "Arrow's buffers from glibc"); with the setting its buffers come
    from glibc, which keeps freed memory."""
    assert _arrow_pool(UNTOUCHED, CLEAN_ENV) != "system"  # the control: pyarrow's own choice
    assert _arrow_pool(ARROW_POOL, CLEAN_ENV) == "system"


def test_a_users_arrow_pool_is_kept_and_none_is_chosen_without_the_thresholds():
    mine = {**CLEAN_ENV, "ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}
    assert _arrow_pool(ARROW_POOL, mine) == "mimalloc"
    # the user's own glibc threshold: nothing is applied, pyarrow chooses as it would
    own_threshold = {**CLEAN_ENV, "MALLOC_TRIM_THRESHOLD_": "131072"}
    assert _arrow_pool(ARROW_POOL, own_threshold) == _arrow_pool(UNTOUCHED, CLEAN_ENV)


def test_a_sweep_worker_started_from_a_python_session_takes_arrows_buffers_from_glibc():
    """A session that never applied the setting (``run_sweep`` from a notebook): its pool's
    workers still do, before pyarrow loads (the fork server's ``_worker_image``, or a spawned
    worker's start)."""
    code = (
        "from sim.sweep.pool import local_pool\n"
        "pool = local_pool(1)\n"
        "name = \"__import__('pyarrow').default_memory_pool().backend_name\"\n"
        "print(pool.submit(eval, name).result(timeout=120))\n"
        "pool.shutdown()\n"
    )
    assert _arrow_pool(code, CLEAN_ENV) == "system"
