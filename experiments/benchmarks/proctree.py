"""Every process of a running command, sampled: resident memory and CPU time over time.

:class:`TreeSampler` follows a process and all its descendants (psutil, recursively, so the
workers a command starts are found as they appear), every ``interval`` seconds in a background
thread, and keeps for each process its role, its RSS and its cumulative CPU time (user + system)
at each sample. It can also sample a progress count (for example the chunk files written so
far). :func:`kill_tree` sends SIGKILL to a process and every descendant, as ``kill -9`` would.

``resource.getrusage`` is not used for peaks: on Linux a child's ``ru_maxrss`` starts from its
parent's at fork time, and a peak says nothing about growth over time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil


def role(
    cmdline: list[str], is_root: bool, root_role: str = "client", parent_is_root: bool = True
) -> str:
    """What a process of a sweep is, from its command line (and whether the root started it).

    The root is ``root_role``: by default the client, the ``sim sweep`` process, which with
    ``--cluster local`` also runs the Dask scheduler and the nannies (``LocalCluster`` keeps them
    in the process that starts it); a separately started ``dask scheduler`` or ``dask worker``
    process is sampled as its own root. A ``multiprocessing`` spawn child is a worker; a fork
    server's children keep its command line, so the root's child is the fork server and its
    children are workers (``sim.sweep.pool``); the resource tracker is multiprocessing's
    bookkeeping process.
    """
    text = " ".join(cmdline)
    if is_root:
        return root_role
    if "resource_tracker" in text:
        return "resource tracker"
    if "multiprocessing.forkserver" in text:
        return "fork server" if parent_is_root else "worker"
    if "spawn_main" in text or "distributed" in text:
        return "worker"
    return "other"


@dataclass
class ProcessTrace:
    """One process's samples: seconds since the sampler started, RSS bytes, CPU seconds."""

    pid: int
    role: str
    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


class TreeSampler:
    """Samples a process tree every ``interval`` seconds until :meth:`stop`."""

    def __init__(
        self,
        root: int,
        interval: float = 0.5,
        progress: Callable[[], int] | None = None,
        t0: float | None = None,
        root_role: str = "client",
    ) -> None:
        """Follow process ``root`` (whose role is ``root_role``); ``progress`` is called at each
        sample; times from ``t0``."""
        self.root, self.interval, self._progress = root, interval, progress
        self.root_role = root_role
        self.t0 = time.perf_counter() if t0 is None else t0
        self.traces: dict[int, ProcessTrace] = {}
        self.progress: list[tuple[float, int]] = []
        self._procs: dict[int, psutil.Process] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> TreeSampler:
        """Start sampling in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Take a last sample and stop."""
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def _tree(self) -> list[psutil.Process]:
        try:
            root = self._procs.setdefault(self.root, psutil.Process(self.root))
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def sample(self) -> None:
        """One sample of every process in the tree (and of the progress count)."""
        now = time.perf_counter() - self.t0
        for proc in self._tree():
            proc = self._procs.setdefault(proc.pid, proc)
            try:
                with proc.oneshot():
                    rss = proc.memory_info().rss
                    cpu = proc.cpu_times()
                    trace = self.traces.get(proc.pid)
                    if trace is None:
                        is_root, ppid = proc.pid == self.root, proc.ppid()
                        kind = role(proc.cmdline(), is_root, self.root_role, ppid == self.root)
                        trace = self.traces[proc.pid] = ProcessTrace(proc.pid, kind)
            except psutil.Error:  # gone between listing and reading, or a zombie
                continue
            trace.times.append(now)
            trace.rss.append(rss)
            trace.cpu.append(cpu.user + cpu.system)
        if self._progress is not None:
            self.progress.append((now, self._progress()))


def kill_tree(root: int) -> list[int]:
    """SIGKILL a process and then every descendant (as found just before); their pids.

    Waits for the descendants to be gone, not for ``root``: its parent reaps it (for a
    ``subprocess.Popen``, ``wait()`` then gives -9).
    """
    try:
        top = psutil.Process(root)
        procs = [top, *top.children(recursive=True)]
    except psutil.Error:
        return []
    for proc in procs:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(procs[1:], timeout=10)
    return [p.pid for p in procs]
