"""The stamped sweep of ``phases.py``: ``python phases_child.py CONFIG OUT STAMPS``.

It does what ``python -m sim sweep CONFIG --out OUT --workers 1 --quiet`` does (``sim.__main__``:
one BLAS thread, then ``sim.cli.run``, which keeps freed memory before pyarrow loads), with the
chunk's steps wrapped to stamp them, and writes the stamps to STAMPS as JSON:

- ``start``: its first line, before any import (so the interpreter's start is launch to there);
- ``entry``: when ``sim.sweep.runner.cli_sweep`` is entered (the command's imports done);
- ``chunks``: each chunk's start and end (``run_chunk``, as ``sim.sweep.chunks`` calls it) and
  the seconds, within it, of the simulation (``_simulate_group``), of the tables
  (:data:`TABLE_STEPS`) and of the files (``write_chunk``).

The stamps are ``time.perf_counter`` values: one clock for every process (Linux, macOS).
"""

import time

START = time.perf_counter()

import functools  # noqa: E402 - after the first stamp
import json  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

TABLE_STEPS = ("_batch_tables", "chunk_tables", "runs_table")
"""The steps of a chunk (``sim.sweep.execution``) that build its tables."""
STEPS = ("simulation", "tables", "files")
"""What is timed within a chunk."""


def stamped(module: Any, name: str, record: Callable[[float, float], None]) -> None:
    """Replace ``module.name`` with a wrapper that calls ``record(start, end)`` after each call."""
    inner = getattr(module, name)

    @functools.wraps(inner)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            record(t0, time.perf_counter())

    setattr(module, name, wrapper)


def main(config: str, out: str, stamps_path: str) -> None:
    """Run the sweep, stamped; write the stamps whatever happens."""
    stamps: dict[str, Any] = {"start": START, "chunks": []}
    from sim.sweep.allocator import keep_freed_memory
    from sim.sweep.blas_threads import one_blas_thread

    one_blas_thread()  # as sim.__main__.main, before numpy loads
    keep_freed_memory()  # as sim.cli.run, before pyarrow loads
    import sim.cli
    import sim.sweep.chunks as chunks
    import sim.sweep.execution as execution
    import sim.sweep.runner as runner

    current: dict[str, float] = {}

    def add(key: str) -> Callable[[float, float], None]:
        def record(t0: float, t1: float) -> None:
            current[key] = current.get(key, 0.0) + t1 - t0

        return record

    def chunk_done(t0: float, t1: float) -> None:
        stamps["chunks"].append({"start": t0, "end": t1, **{k: current.pop(k, 0.0) for k in STEPS}})

    stamped(execution, "_simulate_group", add("simulation"))
    for step in TABLE_STEPS:
        stamped(execution, step, add("tables"))
    stamped(execution, "write_chunk", add("files"))
    stamped(chunks, "run_chunk", chunk_done)
    stamped(runner, "cli_sweep", lambda t0, t1: stamps.setdefault("entry", t0))
    sys.argv = ["sim", "sweep", config, "--out", out, "--workers", "1", "--quiet"]
    try:
        sim.cli.run()
    finally:
        Path(stamps_path).write_text(json.dumps(stamps))


if __name__ == "__main__":
    main(*sys.argv[1:4])
