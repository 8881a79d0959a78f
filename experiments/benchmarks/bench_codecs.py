"""How fast each Parquet codec writes a chunk's ``runs`` and ``summary``, and how many bytes.

A sweep of the benchmark's grid (``engines.write_sweep_config``, alliance series kept) is run
once with chunks of 750 runs (what the engine makes of 6,000 runs) and once with chunks of 2,500
(of 60,000); three of each's ``runs`` and ``summary`` partitions are then written again in
memory with zstd at the sweep's level, snappy (what the sweep uses for them,
``sim.sweep.partitions.TABLE_CODEC``) and lz4, in alternation, on one CPU where the OS allows
it. It prints the median milliseconds of a chunk's two files, the bytes a run, and each codec's
time as a ratio of zstd's measured in the same rounds.

Usage::

    .venv/bin/python experiments/benchmarks/bench_codecs.py [--rounds 21]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import engines
import pyarrow as pa
import pyarrow.parquet as pq

from sim.sweep.config import load_sweep_config
from sim.sweep.partitions import ZSTD_LEVEL, write_options
from sim.sweep.runner import run_sweep

CODECS = {
    f"zstd {ZSTD_LEVEL}": {"compression": "zstd", "compression_level": ZSTD_LEVEL},
    "snappy": {"compression": "snappy", "compression_level": None},
    "lz4": {"compression": "lz4", "compression_level": None},
}
"""The codecs compared, as ``pyarrow.parquet.write_table`` options."""
TABLES = ("runs", "summary")
"""The datasets whose codec is measured."""


def chunk_tables(folder: Path, runs: int, chunk_size: int) -> list[dict[str, pa.Table]]:
    """Three chunks' ``runs`` and ``summary`` tables of a sweep run with ``chunk_size``."""
    config = engines.write_sweep_config(folder, runs, name=f"codecs{chunk_size}")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("\n[design]", f"chunk_size = {chunk_size}\n\n[design]"))
    out = folder / f"out{chunk_size}"
    made = run_sweep(load_sweep_config(config), out, quiet=True).manifest["chunk_size"]
    if made != chunk_size:  # the hint went missing or was moved: these are not the chunks asked
        raise RuntimeError(f"{config}: chunks of {made:,} runs, expected {chunk_size:,}")
    return [
        {d: pq.read_table(out / d / f"chunk-{c:06d}.parquet").replace_schema_metadata(None)
         for d in TABLES}
        for c in range(3)
    ]  # fmt: skip


def write_seconds(tables: dict[str, pa.Table], codec: dict) -> tuple[float, int]:
    """Seconds to write one chunk's tables with ``codec`` (in memory), and their bytes."""
    seconds, size = 0.0, 0
    for dataset, table in tables.items():
        sink = pa.BufferOutputStream()
        t0 = time.perf_counter()
        pq.write_table(table, sink, **{**write_options(dataset), **codec})
        seconds += time.perf_counter() - t0
        size += len(sink.getvalue())
    return seconds, size


def measure(chunks: list[dict[str, pa.Table]], rounds: int) -> dict[str, tuple[float, float]]:
    """Each codec's median seconds a chunk and bytes a run, the codecs in alternation."""
    times: dict[str, list[float]] = {name: [] for name in CODECS}
    sizes: dict[str, int] = {}
    for _ in range(rounds):
        for name, codec in CODECS.items():
            sizes[name] = 0
            for tables in chunks:
                seconds, size = write_seconds(tables, codec)
                times[name].append(seconds)
                sizes[name] += size
    runs = sum(tables["runs"].num_rows for tables in chunks)
    return {name: (statistics.median(times[name]), sizes[name] / runs) for name in CODECS}


def main() -> None:
    """Measure both chunk sizes and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="writes of each chunk per codec")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, engines.pinned(1):
        print("| runs a chunk | codec | ms a chunk (runs + summary) | / zstd | bytes a run |")
        print("|---:|---|---:|---:|---:|")
        for runs, chunk_size in ((6000, 750), (10000, 2500)):
            found = measure(chunk_tables(Path(tmp), runs, chunk_size), args.rounds)
            zstd = found[next(iter(CODECS))][0]
            for name, (seconds, per_run) in found.items():
                print(
                    f"| {chunk_size:,} | {name} | {seconds * 1e3:.2f} | {seconds / zstd:.2f} | "
                    f"{per_run:.1f} |"
                )


if __name__ == "__main__":
    main()
