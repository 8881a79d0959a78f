"""CSV copies of a finished sweep's tables (``sim sweep CONFIG --csv``).

This module owns writing ``runs.csv``, ``summary.csv``, ``design.csv`` and, when kept,
``alliance.csv`` and ``members.csv`` in the sweep folder, beside the Parquet datasets they copy
(``runs/``, ``summary/``, ...; see ``sim.sweep.store``). Each is streamed chunk by chunk, in
run_id order, into a temporary file whose name starts with ``.`` and moved into place with
``os.replace``, as every file of a sweep folder is: a reader never sees half a file, memory
stays at one chunk's table, and a sweep killed while they are written leaves only temporary
files, removed when the same command runs again.

The copies hold the same rows, columns and values as the Parquet tables: the series as they are
stored (float32, each written in the fewest digits that read back to the same float32; read them
with ``dtype=numpy.float32`` to get the stored values exactly), the rest as ``sim.load_sweep``
reads it. An empty cell is a missing value (e.g. ``alliance_first_quarter`` for a target never
met). They are copies, not part of the sweep's record: ``SHA256SUMS`` does not list them and
:func:`sim.load_sweep` reads the Parquet datasets only.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim.sweep.files import tmp_name
from sim.sweep.integrity import chunk_files
from sim.sweep.partitions import DATASETS, schema
from sim.sweep.store import SweepResult


def _copy(out: Path, dataset: str, chunks: list[int], target: Path) -> bool:
    """Stream one dataset's chunk files into ``target`` atomically; False if it has none."""
    files = [out / chunk_files(c)[dataset] for c in chunks]
    files = [f for f in files if f.is_file()]
    if not files:
        return False
    tmp = tmp_name(target)
    stored = schema(dataset)
    try:
        with pacsv.CSVWriter(tmp, stored) as writer:
            for f in files:
                writer.write_table(pq.read_table(f).cast(stored))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def _write_frame(table: pa.Table, target: Path) -> None:
    """Write a small table (the design) to ``target`` atomically."""
    tmp = tmp_name(target)
    try:
        pacsv.write_csv(table, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_csv_copies(result: SweepResult) -> list[Path]:
    """Write CSV copies of a finished sweep's tables beside its Parquet datasets.

    Args:
        result: a complete sweep (``sim.load_sweep(FOLDER)`` or what ``run_sweep`` returns).

    Returns:
        The files written, in the order of :data:`sim.sweep.partitions.DATASETS`, then
        ``design.csv``. A dataset not kept (``members`` by default), or with no successful
        run, has no copy.

    Raises:
        ValueError: the sweep is not complete (its copies would miss runs; finish it first).
    """
    if not result.complete:
        raise ValueError(f"{result.path}: the sweep is not complete; run it to the end first")
    out = Path(result.path)
    for stale in out.glob(".*.csv.*.tmp"):  # left by a process killed while writing copies
        stale.unlink(missing_ok=True)
    chunks = list(range(int(result.manifest["n_chunks"])))
    written = []
    for dataset in DATASETS:
        target = out / f"{dataset}.csv"
        if _copy(out, dataset, chunks, target):
            written.append(target)
    design = pq.read_table(out / "design.parquet")
    _write_frame(design, out / "design.csv")
    written.append(out / "design.csv")
    return written
