"""``sim.sweep.dask_settings``: a ``--cluster local`` leaves its process's environment as it was.

A LocalCluster's nannies run in the process that starts them and write their workers'
environment into its ``os.environ`` before each worker starts (``distributed.nanny``); the sweep
gives it back when the cluster is closed.
"""

from __future__ import annotations

import os

from sim.sweep.allocator import ENVIRON, applies
from sim.sweep.dask_settings import DASK_SETS
from sim.sweep.execution import open_executor

THREADS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""Two of the variables Dask's ``pre-spawn-environ`` sets to 1 by default."""


def test_a_local_cluster_gives_the_environment_back(monkeypatch):
    for name in (*THREADS, *ENVIRON, *DASK_SETS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")  # a user's own value: the workers' too
    with open_executor(1, cluster="local") as info:
        inside = {name: os.environ.get(name) for name in (*THREADS, *ENVIRON, *DASK_SETS)}
        in_worker = info.executor.submit(os.getenv, "OPENBLAS_NUM_THREADS").result()
    # what the nannies wrote here while the cluster ran (so the check below can fail)
    assert inside["OMP_NUM_THREADS"] == inside["MKL_NUM_THREADS"] == "1"
    assert inside["PYTHONHASHSEED"] is not None
    if applies():
        assert {name: inside[name] for name in ENVIRON} == ENVIRON
    assert in_worker == "4"
    # and all of it gone once the cluster is closed, the user's own value kept
    assert not [name for name in (*THREADS, *ENVIRON, *DASK_SETS) if name in os.environ]
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
