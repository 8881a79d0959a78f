"""Local worker processes: the pool a sweep's chunks run on, which can be started early.

This module owns the process pool of ``--workers N`` (a ``ProcessPoolExecutor``), what a worker
does when it starts (:func:`start_worker`) and starting the workers' set-up before the sweep's
process has read its config (:func:`start_early`). It imports only the standard library, so that
``sim sweep`` can start that first thing (``sim.cli``): a fresh interpreter needs 0.7-1 s to
import the chunk's modules and load the compiled step (:func:`warm`), the sweep's process about
0.6 s to import the sweep's modules and plan the sweep, and the two then overlap instead of
following each other.

How workers start (:data:`START_METHOD`):

- on Linux, from a fork server (``multiprocessing``'s ``forkserver``) that imports
  ``sim.sweep._worker_image`` once: one BLAS thread, the chunk's modules, the compiled step. Each
  worker is a fork of that warm process: it is ready in milliseconds, however many there are,
  and shares the server's pages (libraries, compiled code) until it writes them. The server is
  started early (:func:`start_early`) and stays up for the life of the sweep's process, so a
  second sweep from the same Python session, or a pool rebuilt after a worker died, starts warm
  too; it holds about 200 MB (resident; about 100 MB its own) and exits with that process. Workers
  have the environment the server started with, not later changes to ``os.environ``;
- elsewhere (macOS, Windows), fresh interpreters (``spawn``), each warming up itself; the early
  pool is then taken by ``sim.sweep.execution.open_executor`` when it is of the size asked for
  (:func:`take_early`), and one not taken (the sweep refused, or already complete) is stopped by
  :func:`discard_early`.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import gc
import multiprocessing
import os
import select
import sys
import threading
import time

START_METHOD = (
    "forkserver"
    if sys.platform == "linux" and "forkserver" in multiprocessing.get_all_start_methods()
    else "spawn"
)
"""How local workers start: forked from a warm fork server on Linux, else fresh interpreters."""

WORKER_IMAGE = "sim.sweep._worker_image"
"""The module the fork server imports before it forks any worker (its warm-up)."""

_EARLY: dict[int, tuple[cf.ProcessPoolExecutor, list[multiprocessing.process.BaseProcess]]] = {}
"""The pool started early and its processes, by its number of workers (at most one)."""


def worker_count(workers: int | None) -> int:
    """The local worker processes of ``--workers``: as given, else one per CPU."""
    return workers or os.cpu_count() or 1


def pool_context() -> multiprocessing.context.BaseContext:
    """The ``multiprocessing`` context of :data:`START_METHOD`.

    Its fork server is told to preload :data:`WORKER_IMAGE`, which counts for a server not yet
    running (``multiprocessing`` keeps one per process).
    """
    context = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "forkserver":
        context.set_forkserver_preload([WORKER_IMAGE])
    return context


def local_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A pool of ``workers`` processes (:data:`START_METHOD`), each watching this process."""
    return cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=pool_context(),
        initializer=start_worker,
        initargs=(os.getpid(),),
    )


def start_worker(parent: int) -> None:
    """In a new worker process: what it does before its first task.

    It computes with one BLAS thread (``sim.sweep.blas_threads``: set here in a spawned worker,
    before anything imports numpy; a forked one has it from the fork server), watches the
    sweep's process (:func:`watch_parent`), keeps freed memory (``sim.sweep.allocator``: a
    chunk's arrays are not faulted in again) and freezes the garbage collector at exit
    (``sim.cli.run`` says why: 0.4 s the sweep would wait for).
    """
    from sim.sweep.allocator import keep_freed_memory
    from sim.sweep.blas_threads import one_blas_thread

    one_blas_thread()
    watch_parent(parent)
    keep_freed_memory()
    atexit.register(gc.freeze)


def watch_parent(parent: int, interval: float = 0.5) -> None:
    """In a worker process: exit as soon as the sweep process ``parent`` is gone.

    A sweep killed with ``kill -9`` cannot stop its workers; without this they would keep
    running the chunks already queued and then wait forever. A worker forked by the fork server
    is the server's child, not the sweep's, so the sweep's process is watched by its pid: where
    Linux gives a pidfd (5.3 on), by waiting on it, which no later process given the same pid
    can satisfy. Without one, every ``interval`` seconds: a spawned worker checks that the sweep
    is still its parent (as it always did, on any platform); a forked one, that the pid exists.
    """
    try:
        handle = os.pidfd_open(parent)
    except ProcessLookupError:
        os._exit(1)  # gone before this worker started
    except (AttributeError, OSError):  # no pidfd on this platform or kernel
        handle = None

    def watch() -> None:
        if handle is not None:
            select.select([handle], [], [])
        elif os.getppid() == parent:  # spawned: the sweep's process is its parent
            while os.getppid() == parent:
                time.sleep(interval)
        else:  # forked by the fork server (POSIX) on a kernel without pidfd
            while _exists(parent):
                time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _exists(pid: int) -> bool:
    """Whether a process ``pid`` exists (signal 0: nothing is sent)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: the pid exists
        return True
    return True


def warm() -> None:
    """In a worker process: import what a chunk needs and load the compiled step.

    One run of the default scenario goes through the entry points a chunk uses: the library
    compiled ahead of time where there is one (``sim.core.dynamics.native``), else numba's,
    compiled once per machine and then loaded from its cache (``sim.core.dynamics.compiled``).
    """
    import pyarrow.parquet  # noqa: F401 - what the chunk's files are written with

    import sim.core.summary  # noqa: F401 - the chunk's summaries
    import sim.sweep.integrity  # noqa: F401 - the chunk's files and their checksums
    from sim.core.config import DEFAULT_SCENARIO, load_scenario
    from sim.core.ensemble import simulate

    simulate([load_scenario(DEFAULT_SCENARIO).params], [0])


def _report_failed_warm_up(future: cf.Future) -> None:
    """Say on stderr that a worker's warm-up raised (its first chunk then loads what it needs).

    A pool stopped on purpose (:func:`discard_early`) breaks its warm-ups: that is not reported.
    """
    error = None if future.cancelled() else future.exception()
    if error is not None and not isinstance(error, cf.BrokenExecutor):
        print(
            f"warning: a sweep worker's warm-up failed ({type(error).__name__}: {error}); "
            "its first chunk loads the compiled step instead",
            file=sys.stderr,
        )


def start_early(workers: int) -> None:
    """Start the workers' warm-up now, while this process reads and plans the sweep.

    With the fork server: start the server, which imports :data:`WORKER_IMAGE` (the pool is
    made later, by ``open_executor``; its workers fork once the server is warm). Else: a pool of
    ``workers`` processes, each warming up (:func:`warm`): the pool starts one process for each
    task submitted while none is idle, so the ``workers`` warm-ups start ``workers`` processes
    at once.
    """
    discard_early()
    if START_METHOD == "forkserver":
        pool_context()  # tells the server to preload WORKER_IMAGE before it starts
        from multiprocessing import forkserver

        forkserver.ensure_running()
        return
    before = set(multiprocessing.active_children())
    pool = local_pool(workers)
    for _ in range(workers):
        # ``submit`` starts a process before it returns
        pool.submit(warm).add_done_callback(_report_failed_warm_up)
    _EARLY[workers] = pool, [p for p in multiprocessing.active_children() if p not in before]


def take_early(workers: int) -> cf.ProcessPoolExecutor | None:
    """The pool started early if it has ``workers`` processes (it is then the caller's)."""
    pool, _ = _EARLY.pop(workers, (None, []))
    return pool


def discard_early() -> None:
    """Stop a pool started early and not taken, without waiting for its warm-ups."""
    for pool, children in _EARLY.values():
        pool.shutdown(wait=False, cancel_futures=True)
        for child in children:
            child.terminate()
            child.join()
    _EARLY.clear()
