"""The lean sweep pipeline (issue 13): chunk size from the run cost, tables written by workers.

1. The engine chooses the chunk size (``sim.sweep.chunking``): the rule's bounds, the hint kept
   within them, recorded in the manifest and printed, and kept when a sweep resumes.
2. Every file is written once, by the worker that ran its chunk; the final step reads no chunk
   file and rebuilds nothing.
3. The summary dataset equals ``sim.core.summary.summarise`` of the same runs; the partitions'
   bytes do not depend on the order chunks finish in.
4. The sweep's process holds no finished chunk's future; a worker imports only what it needs.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import hashlib
import json
import subprocess
import sys
import time
import weakref
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from sweep_util import ROOT, CrashAfter, files_of, write_config
from test_sweep_run import params_of

import sim
from sim.cli import main
from sim.core.ensemble import simulate, structural_key
from sim.core.errors import UserError
from sim.core.params import make_params
from sim.core.summary import summarise
from sim.sweep import chunking
from sim.sweep.chunking import choose_chunk_size
from sim.sweep.config import load_sweep_config
from sim.sweep.execution import ExecutorInfo
from sim.sweep.runner import run_sweep
from sim.sweep.sizing import config_chunking, estimate_size

GRID = """replications = 3
{hint}
[design]
method = "grid"
[axes]
hegemon_pressure = [0.2, 0.5, 0.8]
use_pledges = [true, false]
"""
N_RUNS = 18  # 3 x 2 points x 3 replications, from GRID


def grid(folder, hint: int | None = 4):
    """The GRID sweep's config (named "grid") in a folder, with a chunk_size hint (None: none)."""
    folder.mkdir(exist_ok=True)
    text = GRID.format(hint=f"chunk_size = {hint}" if hint is not None else "")
    return write_config(folder, text, name="grid")


# --- 1. The chunk size -------------------------------------------------------------------------

MS, KIB = 1e-3, 2**10
"""A run of 1 ms and 4 KiB of series in the cases below: bounds of 500 (0.5 s, MIN_CHUNK_SECONDS)
to 5,000 runs (5 s, MAX_CHUNK_SECONDS; the memory bound, 32 MiB / 4 KiB = 8,192, is higher), and
2,000 runs (2 s, TARGET_CHUNK_SECONDS) without a hint, evened out to a multiple of MIN_CHUNKS
chunks."""

RULE = {
    # (n_runs, run_seconds, run_bytes, hint): the chunk size and why
    # 2,000 runs: 500 chunks, evened out to 504 (a multiple of 8): ceil(1e6 / 504) = 1,985
    "no hint: 2 s of work": ((1_000_000, MS, 4 * KIB, None), 1985),
    # 1,000,000 / 2,000 chunks is already a multiple of 8 when the sweep is 1,008,000 runs
    "no hint: already even": ((1_008_000, MS, 4 * KIB, None), 2000),
    "hint within the bounds: kept": ((1_000_000, MS, 4 * KIB, 3000), 3000),
    "hint below: raised to 0.5 s": ((1_000_000, MS, 4 * KIB, 40), 500),
    "hint above: lowered to 5 s": ((1_000_000, MS, 4 * KIB, 100_000), 5000),
    # 160 KiB of series a run (member series): 32 MiB / 160 KiB = 204.8 runs at most
    "memory bound": ((1_000_000, MS, 160 * KIB, None), 204),
    # 32 KiB a run in the largest array: (32 MiB - 4 KiB) / 32 KiB = 1,023.9 runs at most, then
    # ceil(1e6 / 1,023) = 978 chunks, evened out to 984: ceil(1e6 / 984) = 1,017
    "largest array below the mmap threshold": ((1_000_000, MS, 4 * KIB, None, 32 * KIB), 1017),
    # 4,000 runs: at least MIN_CHUNKS = 8 chunks, so at most 500 runs without a hint, and a
    # hint is raised to no more than that
    "small sweep: 8 chunks": ((4000, MS, 4 * KIB, None), 500),
    "small sweep: hint raised to 1/8": ((4000, MS, 4 * KIB, 10), 500),
    # 12 runs: ceil(12 / 8) = 2 runs per chunk is the least; the hint is kept above that
    "tiny sweep: hint 1 raised": ((12, MS, 4 * KIB, 1), 2),
    "tiny sweep: hint 5 kept": ((12, MS, 4 * KIB, 5), 5),
    "tiny sweep: hint above the runs": ((12, MS, 4 * KIB, 500), 12),
}


@pytest.mark.parametrize("case", list(RULE))
def test_the_chunk_size_rule(case):
    args, expected = RULE[case]
    assert (chunking.MIN_CHUNK_SECONDS, chunking.TARGET_CHUNK_SECONDS) == (0.5, 2.0)
    assert (chunking.MAX_CHUNK_SECONDS, chunking.MIN_CHUNKS) == (5.0, 8)
    assert chunking.CHUNK_SERIES_BYTES == 32 * 2**20
    got = choose_chunk_size(*args)
    assert got.chunk_size == expected and got.hint == args[3]
    assert got == choose_chunk_size(*args)  # the same arguments, the same answer
    word = {None: "no chunk_size hint", expected: "kept"}.get(args[3])
    if word is None:
        word = "raised" if expected > args[3] else "lowered"
    assert word in got.reason and f"{expected:,}" in got.reason


def test_a_large_sweeps_chunks_keep_their_largest_array_below_the_mmap_threshold(tmp_path):
    """The default scenario's members' shocks take 43 x 32 x 8 = 11,008 bytes a run: a chunk of
    at most 3,047 runs keeps them on glibc's heap (below ``MMAP_THRESHOLD``, 32 MiB), where the
    next chunk reuses them (``sim.sweep.chunking.ARRAY_BYTES_BELOW``)."""
    from sim.sweep.allocator import MMAP_THRESHOLD

    # the time bound does not bind here: 5 s (MAX_CHUNK_SECONDS) is 22,222 estimated runs
    assert chunking.MAX_CHUNK_SECONDS == 5.0
    shocks = 43 * 32 * 8
    for runs in (600_000, 1_000_000):  # the benchmark's 10 x 10 grid, runs / 100 replications
        body = (
            f'replications = {runs // 100}\n[design]\nmethod = "grid"\n[axes]\n'
            "hegemon_pressure = { min = 0.1, max = 0.9, num = 10 }\n"
            "rival_target_ratio = { min = 2.0, max = 12.0, num = 10 }\n"
        )
        config = load_sweep_config(write_config(tmp_path, body, name=f"r{runs}"))
        size = config_chunking(config, runs).chunk_size
        assert size * shocks < MMAP_THRESHOLD
        assert size >= 2_900  # the bound binds: about 3,000 runs (3,409 and 3,472 before it)


def test_the_chunk_size_depends_on_the_config_only(tmp_path):
    config = load_sweep_config(grid(tmp_path / "a", hint=None))
    # not on the workers (so one or many give the same files), nor on a clock
    sizes = {estimate_size(config, local_workers=w).chunking for w in (0, 1, 2, 16)}
    assert sizes == {config_chunking(config, N_RUNS)}
    # 18 runs without a hint: ceil(18 / 8) = 3 runs per chunk (the default scenario's run is
    # far shorter than the 2 s a chunk aims at)
    assert config_chunking(config, N_RUNS).chunk_size == 3
    # the hint is not part of the config's hash: it changes no run
    assert load_sweep_config(grid(tmp_path / "b", hint=9)).config_hash() == config.config_hash()


def test_the_chunk_size_is_recorded_printed_and_kept_on_resume(tmp_path, capsys):
    out = tmp_path / "out"
    first = grid(tmp_path / "a", hint=4)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_sweep(load_sweep_config(first), out, executor=CrashAfter(2), quiet=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["chunk_size"], manifest["n_chunks"]) == (4, 5)  # ceil(18 / 4)
    partial_runs = sim.load_sweep(out).runs
    assert manifest["chunk_size_reason"].startswith("the config's chunk_size 4 kept")
    # the same sweep with another hint: not another sweep; it resumes with the recorded size
    again = grid(tmp_path / "b", hint=6)
    assert main(["sweep", str(again), "--out", str(out), "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert "18 runs in 5 chunks of 4 runs (kept from the folder's manifest" in err
    assert "3 chunks to run" in err
    resumed = sim.load_sweep(out)
    assert resumed.manifest["chunk_size"] == 4 and resumed.manifest["timings"]["sessions"] == 2
    assert resumed.manifest["chunk_size_reason"] == manifest["chunk_size_reason"]
    # and ends as an uninterrupted sweep with the first hint, byte for byte
    fresh = run_sweep(load_sweep_config(first), tmp_path / "fresh", workers=1, quiet=True)
    assert files_of(out) == files_of(fresh.path)
    # the interrupted folder's pending rows (rebuilt from its manifest and design) held the
    # same ids, seeds and parameters as the rows the workers wrote later
    pending = partial_runs.drop(columns=["status", "error"])
    pd.testing.assert_frame_equal(pending, fresh.runs.drop(columns=["status", "error"]))
    assert partial_runs["status"].tolist() == ["ok"] * 8 + ["pending"] * 10
    # a new folder with the new hint is cut otherwise
    other = run_sweep(load_sweep_config(again), tmp_path / "other", workers=1, quiet=True)
    assert other.manifest["chunk_size"] == 6
    pd.testing.assert_frame_equal(other.alliance, fresh.alliance, check_exact=True)


# --- 2. Written once, by the workers -------------------------------------------------------------


def test_every_file_is_written_once_and_the_final_step_reads_none(tmp_path, monkeypatch):
    from sim.sweep import files

    config = load_sweep_config(grid(tmp_path / "a", hint=4))
    writes, moves, reads, hashed = [], [], [], []
    write_table, file_digest, replace = pq.write_table, hashlib.file_digest, files.os.replace

    def spy_write(table, where, *args, **kwargs):
        writes.append(where)
        return write_table(table, where, *args, **kwargs)

    def spy_digest(fh, *args, **kwargs):
        hashed.append(fh.name)
        return file_digest(fh, *args, **kwargs)

    def spy_replace(src, dst):
        moves.append((Path(src), Path(dst)))
        return replace(src, dst)

    def spy_read(name):
        def read(*args, **kwargs):
            reads.append(name)
            raise AssertionError(f"the sweep read a table ({name})")

        return read

    monkeypatch.setattr(pq, "write_table", spy_write)
    monkeypatch.setattr(hashlib, "file_digest", spy_digest)
    monkeypatch.setattr(files.os, "replace", spy_replace)
    for module, name in ((pq, "read_table"), (pq, "ParquetFile"), (ds, "dataset")):
        monkeypatch.setattr(module, name, spy_read(name))
    monkeypatch.setattr(pd, "read_parquet", spy_read("read_parquet"))
    result = run_sweep(config, tmp_path / "out", workers=1, quiet=True)
    monkeypatch.undo()
    assert reads == []
    # each table is encoded once, in memory, and hashed there (no file is read back to hash
    # it); its file goes to a hidden temporary name, then is renamed into place: 1 design file
    # and, per chunk (5 of 4 runs), one partition each of runs, summary and alliance
    assert len(writes) == 1 + 5 * 3 and hashed == []
    tables = [(src, dst) for src, dst in moves if dst.suffix == ".parquet"]
    assert len(tables) == len(writes) and len({dst for _, dst in tables}) == len(writes)
    assert all(src.name.startswith(".") and src.parent == dst.parent for src, dst in tables)
    assert not (result.path / "runs.parquet").exists()
    assert not (result.path / "summary.parquet").exists()
    assert result.manifest["timings"]["final_step_seconds"] < 1.0
    assert sim.load_sweep(result.path).complete  # every sha256 recorded is the file's


# --- 3. The summary dataset; bytes independent of the completion order --------------------------


def test_the_summary_dataset_equals_summarise_of_the_runs(tmp_path):
    config = load_sweep_config(grid(tmp_path / "a"))
    result = run_sweep(config, tmp_path / "out", workers=1, quiet=True)
    runs = result.runs
    params = [make_params(params_of(row)) for _, row in runs.iterrows()]
    seeds = runs["seed"].tolist()
    groups: dict[tuple, list[int]] = {}  # use_pledges is structural: two batches
    for i, p in enumerate(params):
        groups.setdefault(structural_key(p), []).append(i)
    parts = []
    for idx in groups.values():
        traj = simulate([params[i] for i in idx], [seeds[i] for i in idx])
        frame = summarise(traj.alliance, traj.quarters, [params[i] for i in idx], len(traj.iso3))
        frame.insert(0, "run_id", runs["run_id"].to_numpy()[idx])
        parts.append(frame)
    expected = pd.concat(parts).sort_values("run_id", kind="stable", ignore_index=True)
    # float64, bit for bit, and read as a Parquet dataset of one file per chunk
    pd.testing.assert_frame_equal(result.summary, expected, check_exact=True, check_dtype=False)
    assert (
        result.summary.dtypes.to_dict() == pd.read_parquet(result.path / "summary").dtypes.to_dict()
    )
    pd.testing.assert_frame_equal(pd.read_parquet(result.path / "summary"), result.summary)
    assert len(list((result.path / "summary").iterdir())) == result.manifest["n_chunks"]


class LastFirst(cf.ThreadPoolExecutor):
    """Runs chunks on threads, the later chunks sooner: they finish in reverse order."""

    def __init__(self):
        super().__init__(max_workers=8)
        self.finished: list[int] = []

    def submit(self, fn, /, *args, **kwargs):
        task = args[0]

        def late(*a, **k):
            time.sleep(0.05 * (5 - task.chunk_id))
            report = fn(*a, **k)
            self.finished.append(task.chunk_id)
            return report

        return super().submit(late, *args, **kwargs)


def test_the_files_do_not_depend_on_the_order_chunks_finish_in(tmp_path, monkeypatch):
    config = load_sweep_config(grid(tmp_path / "a", hint=4))
    serial = run_sweep(config, tmp_path / "serial", workers=1, quiet=True)
    pool = LastFirst()
    info = ExecutorInfo(pool, "last first", 4)
    monkeypatch.setattr("sim.sweep.runner._executor", lambda *a: _same(info))
    try:
        reversed_ = run_sweep(config, tmp_path / "reversed", quiet=True)
    finally:
        pool.shutdown()
    assert pool.finished[0] > pool.finished[-1]  # they did finish out of order
    assert files_of(reversed_.path) == files_of(serial.path)


def _same(info):
    import contextlib

    return contextlib.nullcontext(info)


def test_a_folder_of_the_earlier_layout_is_refused(tmp_path, capsys):
    config = grid(tmp_path / "a")
    out = tmp_path / "out"
    run_sweep(load_sweep_config(config), out, workers=1, quiet=True)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["layout"]  # as written before the layout had a version
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match="written by an earlier version of `sim sweep` .layout 1"):
        sim.load_sweep(out)
    before = files_of(out, manifest=True)
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    assert "run the sweep again into another --out" in capsys.readouterr().err
    assert files_of(out, manifest=True) == before


# --- 4. Bounded memory, light workers ------------------------------------------------------------


class Recording(cf.Executor):
    """Runs chunks in this process; at each submission, counts the futures it returned that
    the runner still holds (weak references)."""

    def __init__(self):
        self.futures: list[weakref.ref] = []
        self.alive: list[int] = []

    def submit(self, fn, /, *args, **kwargs):
        gc.collect()
        self.alive.append(sum(f() is not None for f in self.futures))
        future = cf.Future()
        future.set_result(fn(*args, **kwargs))
        self.futures.append(weakref.ref(future))
        return future


def test_the_sweeps_process_releases_each_chunk_when_it_finishes(tmp_path, monkeypatch):
    config = load_sweep_config(grid(tmp_path / "a", hint=3))
    rec = Recording()
    info = ExecutorInfo(rec, "recording", 2)
    monkeypatch.setattr("sim.sweep.runner._executor", lambda *a: _same(info))
    result = run_sweep(config, tmp_path / "out", quiet=True)
    assert len(rec.futures) == result.manifest["n_chunks"] == 6  # 18 runs in chunks of 3
    # at most 2 x slots = 4 futures in flight (sim.sweep.chunks): when one is submitted, at
    # most 3 others are held; the first 4 are released once counted, before the 5th is sent
    assert rec.alive == [0, 1, 2, 3, 0, 1]
    gc.collect()
    assert [f for f in rec.futures if f() is not None] == []


def test_a_worker_imports_nothing_of_designs_plots_web_or_dask():
    code = "import json, sys, sim.sweep.execution; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(out.stdout))
    # the designs' samplers (scipy.stats, SALib), plots, the web page, Mesa, Dask, the progress
    # bar; numba's own import of scipy's base package is allowed
    heavy = {"scipy.stats", "SALib", "matplotlib", "solara", "mesa", "dask", "distributed", "tqdm"}
    assert loaded & heavy == set()
    assert {"numpy", "pyarrow", "sim.sweep.partitions"} <= loaded


def _memory(tmp_path, monkeypatch, **how) -> dict[str, dict[int, int]]:
    """This process's Python allocations during sweeps of 10 design points with 160 and 800
    replications in chunks of 100 runs (16 and 80 chunks), run with ``how``: their ``peak`` and
    what was ``kept`` after the sweep (still allocated after a garbage collection)."""
    import tracemalloc

    # a run of 20 ms (20 ms / (32 members x 44 quarters) per member-quarter): 2 s of work, the
    # target, is 100 runs, fewer than 1/8 of either sweep's runs, and 16 and 80 chunks are
    # multiples of 8 (no evening out); the chunk size is chosen in this process, so the workers
    # need not see the change
    monkeypatch.setattr(chunking, "SECONDS_PER_MEMBER_QUARTER", 0.02 / (32 * 44))
    peaks, kept, chunks = {}, {}, {}
    for reps in (10, 160, 800):  # the first warms up (lazy imports, caches)
        body = (
            f'replications = {reps}\n[design]\nmethod = "grid"\n[axes]\n'
            "hegemon_pressure = { min = 0.0, max = 1.0, num = 10 }\n"
        )
        config = load_sweep_config(write_config(tmp_path, body, name=f"r{reps}"))
        tracemalloc.start()
        result = run_sweep(config, tmp_path / f"r{reps}", workers=2, quiet=True, **how)
        peaks[reps] = tracemalloc.get_traced_memory()[1]
        chunks[reps] = (result.manifest["chunk_size"], result.manifest["n_chunks"])
        del result
        gc.collect()
        kept[reps] = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    assert (chunks[160], chunks[800]) == ((100, 16), (100, 80))
    return {"peak": peaks, "kept": kept}


@pytest.mark.slow
def test_the_sweeps_memory_does_not_grow_with_its_runs(tmp_path, monkeypatch):
    """On 2 worker processes the peak of the sweep's process's Python allocations grows only by
    what it keeps per chunk, the chunk's checksums until SHA256SUMS is written (measured: 1.35
    KiB a chunk; ``sim.sweep.sizing.CHUNK_RECORD_BYTES`` counts 1 KiB), never by the runs'
    data."""
    peaks = _memory(tmp_path, monkeypatch)["peak"]
    assert peaks[800] - peaks[160] < 64 * 2 * 2**10, peaks  # 64 more chunks, under 2 KiB each


@pytest.mark.slow
def test_a_dask_sweeps_memory_does_not_grow_with_its_runs(tmp_path, monkeypatch):
    """The same on a Dask LocalCluster, whose scheduler lives in the sweep's process, measured
    by what each sweep leaves allocated. Dask's developers' histories grew with the chunks: each
    batched connection's last 1,000 messages, kept whole (the client every chunk task it sent,
    the scheduler every task it passed on: about 7 KiB each here, 4 KiB of run ids, seeds and
    replications and 3 KiB of parameters), and a statistical profile of the event loop, a tree
    a second. With them the 64 more chunks left 2.8 MiB more; switched off
    (``sim.sweep.dask_settings.NO_HISTORY``) they leave nothing measurable. The bound allows what a
    finished task may leave in Dask's caches (its key and the like: 0.7 KiB a task, traced
    over 1,000 tasks of a LocalCluster with the histories off), under 2 KiB a chunk."""
    from sim.sweep.execution import open_executor

    with open_executor(2, cluster="local") as info:
        memory = _memory(tmp_path, monkeypatch, executor=info.executor)
    kept = memory["kept"]
    assert kept[800] - kept[160] < 64 * 2 * 2**10, memory
