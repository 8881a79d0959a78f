"""``sim.sweep.blas_threads``: one BLAS thread where ``sim`` owns the process, a user's choice kept.

Each check runs in a fresh interpreter, where numpy is not yet imported. The threads are counted
in ``/proc/self/task`` after ``import numpy, scipy.linalg``: numpy's and SciPy's OpenBLAS each
start one thread for every further CPU unless told otherwise, so on two CPUs or more the default
gives more than one thread and the setting exactly one.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sim.sweep.blas_threads import BLAS_THREADS_ENV, USER_SETTINGS
from sim.sweep.pool import local_pool

COUNTS_THREADS = sys.platform.startswith("linux") and len(os.sched_getaffinity(0)) >= 2
"""OpenBLAS starts no further thread on one CPU; the threads are read from Linux's ``/proc``."""

PROBE = (
    "import os, numpy, scipy.linalg; "
    "print(os.environ.get('OPENBLAS_NUM_THREADS'), len(os.listdir('/proc/self/task')))"
)
"""Prints the setting and this process's threads once both OpenBLAS libraries are loaded."""

CLEAN_ENV = {name: value for name, value in os.environ.items() if name not in USER_SETTINGS}
"""This environment without any thread setting (whatever set one in this process: a user's shell,
a Dask LocalCluster started outside ``open_executor``, which writes its workers'
``OMP_NUM_THREADS`` into its parent's ``os.environ``)."""


def _python(code: str, **env: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; its standard output's last line, split."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**CLEAN_ENV, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1].split()


@pytest.mark.skipif(not COUNTS_THREADS, reason="counts OpenBLAS's threads on two CPUs or more")
def test_one_blas_thread_keeps_openblas_from_starting_threads():
    # the control: nothing set, OpenBLAS starts its threads
    setting, threads = _python(PROBE)
    assert setting == "None" and int(threads) > 1
    setting, threads = _python(
        "from sim.sweep.blas_threads import one_blas_thread; assert one_blas_thread(); " + PROBE
    )
    assert setting == "1" and int(threads) == 1


@pytest.mark.parametrize("name", USER_SETTINGS)
def test_a_user_s_thread_setting_is_kept(name):
    code = (
        "import os; from sim.sweep.blas_threads import one_blas_thread; "
        f"print(one_blas_thread(), os.environ.get('{BLAS_THREADS_ENV}'))"
    )
    applied, value = _python(code, **{name: "3"})
    assert applied == "False"
    assert value == ("3" if name == BLAS_THREADS_ENV else "None")


def test_nothing_is_set_once_numpy_is_imported():
    # its OpenBLAS has started already: the variable would only reach the children
    code = (
        "import os, numpy; from sim.sweep.blas_threads import one_blas_thread; "
        f"print(one_blas_thread(), os.environ.get('{BLAS_THREADS_ENV}'))"
    )
    assert _python(code) == ["False", "None"]


@pytest.mark.skipif(not COUNTS_THREADS, reason="counts OpenBLAS's threads on two CPUs or more")
def test_the_command_s_process_computes_with_one_blas_thread():
    # ``python -m sim`` (and the ``sim`` command, the same function) against ``sim.cli.run``
    # called directly, the entry point before this setting; the threads counted at exit
    probe = (
        "import atexit, os, sys; atexit.register(lambda: print('\\nthreads', "
        "len(os.listdir('/proc/self/task')))); sys.argv = ['sim', 'params']; "
    )
    entry = _python(probe + "from sim.__main__ import main; main()")
    direct = _python(probe + "from sim.cli import run; run()")
    assert int(entry[1]) == 1
    assert int(direct[1]) > 1


def _worker_setting() -> str | None:
    """In a sweep worker: its BLAS setting."""
    return os.environ.get(BLAS_THREADS_ENV)


def test_a_sweep_worker_computes_with_one_blas_thread(monkeypatch):
    for name in USER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    pool = local_pool(1)
    try:
        assert pool.submit(_worker_setting).result(timeout=120) == "1"
    finally:
        pool.shutdown(wait=True)
    assert os.environ.get(BLAS_THREADS_ENV) is None  # the sweep's own process is left alone
