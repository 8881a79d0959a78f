"""Running a sweep's chunks on an executor, and running again those whose worker died.

A local worker process that dies costs only its chunk: the pool is rebuilt and the chunk run again,
alone, up to :data:`MAX_CHUNK_ATTEMPTS` times, after which its runs are recorded as failed.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections import Counter, deque
from pathlib import Path
from typing import Any, Protocol

from sim.sweep.execution import (
    ChunkTask,
    ExecutorInfo,
    run_chunk,
)
from sim.sweep.integrity import write_chunk
from sim.sweep.plan import Plan, runs_part


class ProgressBar(Protocol):
    """What :func:`execute_chunks` asks of a progress bar (``tqdm``'s, or a silent one)."""

    def update(self, n: int) -> Any: ...  # noqa: D102

    def set_postfix(self, **values: Any) -> Any: ...  # noqa: D102


class _Silent:
    """A progress bar that shows nothing (``--quiet``)."""

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:  # noqa: D102
        return None

    def set_postfix(self, **values: Any) -> None:  # noqa: D102
        return None


def progress_bar(quiet: bool, **options: Any) -> Any:
    """``tqdm``'s bar with ``options``; with ``quiet``, one that shows nothing.

    The silent bar does not import tqdm: 17 ms of a sweep's start (tqdm reads its version from
    the package metadata).
    """
    if quiet:
        return _Silent()
    from tqdm import tqdm

    return tqdm(**options)


MAX_CHUNK_ATTEMPTS = 3
"""How many times a chunk whose worker process died is run again alone before its runs are
recorded as failed."""


def _task(plan: Plan, out: Path, chunk_id: int, faults: dict[int, str], first: bool) -> ChunkTask:
    c = plan.config
    rows = plan.chunk_runs(chunk_id)
    point_ids = rows["point_id"]
    run_ids = rows["run_id"]
    ids = set(run_ids.tolist())
    mine = {r: m for r, m in faults.items() if r in ids and (first or m != "kill")}
    return ChunkTask(
        chunk_id,
        str(out.resolve()),
        run_ids,
        point_ids,
        rows["replication"],
        rows["seed"],
        plan.points_of(point_ids),
        c.base,
        c.keep_alliance,
        c.keep_members,
        mine,
        plan.draws,
        frozenset(a.name for a in c.axes),
        rows["replication"] % c.draws,
    )


def _record_dead(plan: Plan, out: Path, chunk_id: int, reason: str) -> tuple[int, dict[str, str]]:
    """Record a chunk whose worker kept dying: all its runs failed, with the reason."""
    table = runs_part(plan, chunk_id, "failed", reason)
    return table.num_rows, write_chunk(out, chunk_id, {"runs": table})


def execute_chunks(
    plan: Plan,
    out: Path,
    todo: list[int],
    ex: ExecutorInfo,
    faults: dict[int, str],
    bar: ProgressBar,
) -> tuple[dict[str, int], dict[int, dict[str, str]]]:
    """Run the chunks, a few tasks in flight per worker.

    When a local worker process dies its pool breaks and every chunk in flight fails with it:
    the pool is rebuilt, and those chunks run again one at a time (so that a chunk that kills
    its worker is known); one that kills it :data:`MAX_CHUNK_ATTEMPTS` times alone is recorded
    as failed.

    Memory holds the chunks in flight (at most twice the executor's slots) and each finished
    chunk's checksums, never a chunk's data: the workers write it.

    Returns:
        The counts (``runs``, ``failed``, ``pool_restarts``) and the files of each chunk.
    """
    runner = _ChunkRunner(plan, out, ex, faults, bar, deque(todo))
    runner.run()
    return runner.counts, runner.files


class _ChunkRunner:
    """The state of :func:`execute_chunks`: the queues, the chunks in flight, the counts."""

    def __init__(
        self,
        plan: Plan,
        out: Path,
        ex: ExecutorInfo,
        faults: dict[int, str],
        bar: ProgressBar,
        queue: deque,
    ) -> None:
        self.plan, self.out, self.ex, self.faults, self.bar = plan, out, ex, faults, bar
        self.queue: deque = queue
        self.suspects: deque = deque()
        self.inflight: dict[cf.Future, int] = {}
        self.submitted: Counter[int] = Counter()
        self.deaths: Counter[int] = Counter()
        self.files: dict[int, dict[str, str]] = {}
        self.counts = {"runs": 0, "failed": 0, "pool_restarts": 0}
        self.window, self.alone = max(2 * ex.slots, 2), False

    def submit(self, chunk: int, back: deque) -> bool:
        """Submit a chunk; False (the chunk put back in front) if the pool is already broken."""
        first = self.submitted[chunk] == 0
        task = _task(self.plan, self.out, chunk, self.faults, first=first)
        try:
            future = self.ex.executor.submit(run_chunk, task)
        except cf.BrokenExecutor:
            back.appendleft(chunk)
            if not self.inflight:  # broken while idle: nothing in flight will report it
                self.ex.replace_broken()
                self.counts["pool_restarts"] += 1
            return False
        self.submitted[chunk] += 1
        self.inflight[future] = chunk
        return True

    def finished(self, chunk: int, n_runs: int, n_failed: int, files: dict[str, str]) -> None:
        """Count a finished chunk and move the progress bar."""
        self.files[chunk] = files
        self.counts["runs"] += n_runs
        self.counts["failed"] += n_failed
        self.bar.update(n_runs)
        if self.counts["failed"]:
            self.bar.set_postfix(failed=self.counts["failed"])

    def collect(self, futures: set[cf.Future], broken: list[int]) -> BaseException | None:
        """Take the results of finished futures; the chunks of a broken pool go to ``broken``."""
        error = None
        for future in futures:
            chunk = self.inflight.pop(future)
            try:
                r = future.result()
            except cf.BrokenExecutor as err:
                broken.append(chunk)
                error = err
                continue
            self.finished(chunk, r.n_runs, r.n_failed, r.files)
        return error

    def run(self) -> None:
        """Submit and collect until every chunk has finished or been recorded as failed."""
        while self.queue or self.suspects or self.inflight:
            if not self.inflight:
                self.alone = bool(self.suspects)
                if self.alone:
                    self.submit(self.suspects.popleft(), self.suspects)
            if not self.alone:
                while (
                    len(self.inflight) < self.window
                    and self.queue
                    and self.submit(self.queue.popleft(), self.queue)
                ):
                    pass
            if not self.inflight:
                continue
            broken: list[int] = []
            # the finished futures are not kept beyond this call: a chunk is released (in a
            # Dask cluster too) as soon as its counts are taken
            done = cf.wait(list(self.inflight), return_when=cf.FIRST_COMPLETED).done
            error = self.collect(done, broken)
            del done
            if broken:
                self.pool_broke(broken, error)

    def pool_broke(self, broken: list[int], error: BaseException | None) -> None:
        """Restart a dead pool; run its chunks again alone, or record one that keeps killing it."""
        # every other chunk in flight fails with it (or has just finished)
        error = self.collect(cf.wait(list(self.inflight)).done, broken) or error
        self.ex.replace_broken()
        self.counts["pool_restarts"] += 1
        if not self.alone:
            self.suspects.extend(sorted(broken))
            return
        (chunk,) = broken
        self.deaths[chunk] += 1
        if self.deaths[chunk] < MAX_CHUNK_ATTEMPTS:
            self.suspects.appendleft(chunk)
            return
        reason = (
            f"the worker process died each time this chunk ran alone ({self.deaths[chunk]} "
            f"times, {type(error).__name__}); see the system log (e.g. the OOM killer)"
        )
        n, files = _record_dead(self.plan, self.out, chunk, reason)
        self.finished(chunk, n, n, files)
