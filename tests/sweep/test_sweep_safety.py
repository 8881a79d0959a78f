"""Sweeps that lose nothing and refuse the impossible (issue 11, part B).

1. One writer per folder: the lock is taken before the folder is inspected.
2. Designs too large are refused from their config, before anything is drawn or written.
3. A dead local worker costs only its chunk.
4. Every chunk file carries a sha256: damage is refused by ``report`` and repaired by ``sweep``.
5. Bad input and a full disk are one line and exit 2, with nothing half-written.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import errno
import hashlib
import json
import shutil
import subprocess
import sys
import time
import tracemalloc
import zlib
from concurrent.futures.process import BrokenProcessPool

import pandas as pd
import pyarrow.parquet as pq
import pytest
from sweep_util import ROOT, SMALL_SWEEP, CrashAfter, files_of, write_config

import sim
from sim.analysis import figures as report_figures
from sim.cli import main
from sim.core.metrics import ALLIANCE_COLUMNS, MEMBER_COLUMNS
from sim.sweep import direct_write
from sim.sweep.chunks import MAX_CHUNK_ATTEMPTS
from sim.sweep.config import load_sweep_config
from sim.sweep.execution import FAULT_ENV, ExecutorInfo
from sim.sweep.files import SweepFolderError, folder_lock
from sim.sweep.integrity import SUMS, read_sums
from sim.sweep.runner import run_sweep
from sim.sweep.sizing import (
    MAX_RUNS,
    SweepSizeError,
    check_disk,
    check_size,
    estimate_size,
    folder_bytes,
)

SMALL = SMALL_SWEEP
N_RUNS, N_CHUNKS = 12, 3  # 3 points x 4 replications in chunks of 4, from SMALL
SOBOL = """replications = 1
chunk_size = 8
[design]
method = "sobol"
samples = 4
[axes]
hegemon_pressure = { min = 0.1, max = 0.9 }
rival_target_ratio = { min = 2.0, max = 12.0 }
"""


def one_line_error(err: str) -> str:
    """The message of a one-line ``error: ...`` (no traceback), else fail."""
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A finished small sweep (serial), never modified: the reference for byte comparisons."""
    folder = tmp_path_factory.mktemp("pristine")
    config = write_config(folder, SMALL, name="small")
    run_sweep(load_sweep_config(config), folder / "out", workers=1, quiet=True)
    return config, folder / "out"


def copy_of(pristine, tmp_path):
    config, out = pristine
    shutil.copytree(out, tmp_path / "out")
    return config, tmp_path / "out"


# --- 1. One writer per folder -----------------------------------------------------------------


def test_the_lock_is_taken_before_the_folder_is_inspected(pristine, tmp_path, capsys):
    config, out = copy_of(pristine, tmp_path)
    other = write_config(
        tmp_path, SMALL.replace("replications = 4", "replications = 5"), name="other"
    )
    before = files_of(out, manifest=True)
    with folder_lock(out):  # another process writing this folder
        for cfg in (config, other):
            # the same sweep (complete: would return at once) and a different one (would be
            # refused as such): both are refused as a second writer, so the lock came first
            assert main(["sweep", str(cfg), "--out", str(out), "--workers", "1", "--quiet"]) == 2
            assert "another sweep process is writing this folder" in one_line_error(
                capsys.readouterr().err
            )
    assert files_of(out, manifest=True) == before


@pytest.mark.slow
def test_two_sweeps_started_together_into_one_folder(tmp_path):
    """The tester's race: sweep Y on Dask and sweep X on local processes, into one folder.

    Before the fix, the folder was checked before it was locked, and a Dask cluster took
    seconds to start in between: both sweeps exited 0 and the folder mixed their results.
    """
    body = """replications = {reps}
chunk_size = 50
[design]
method = "grid"
[axes]
hegemon_pressure = {{ min = 0.0, max = 1.0, num = 20 }}
"""
    configs = {
        name: write_config(tmp_path, body.format(reps=reps), name=name)
        for name, reps in (("x", 10), ("y", 12))
    }
    reference = {
        name: run_sweep(load_sweep_config(cfg), tmp_path / f"ref-{name}", workers=1, quiet=True)
        for name, cfg in configs.items()
    }
    extra = {"x": ["--workers", "1"], "y": ["--cluster", "local", "--workers", "1"]}
    out = tmp_path / "out"
    # trials: Y first then X 0.3 s later (the tester's order), X first, both at once locally
    for order, gap, dask in (
        (("y", "x"), 0.3, True),
        (("x", "y"), 0.3, True),
        (("x", "y"), 0.0, False),
    ):
        shutil.rmtree(out, ignore_errors=True)
        procs = {}
        for name in order:
            args = extra[name] if dask else ["--workers", "1"]
            procs[name] = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "sim",
                    "sweep",
                    str(configs[name]),
                    "--out",
                    str(out),
                    "--quiet",
                    *args,
                ],
                cwd=ROOT,
                stderr=subprocess.PIPE,
                text=True,
            )
            time.sleep(gap)
        codes = {name: p.wait(timeout=120) for name, p in procs.items()}
        errs = {name: p.stderr.read() for name, p in procs.items()}
        assert sorted(codes.values()) == [0, 2], (order, codes, errs)
        winner = next(n for n, c in codes.items() if c == 0)
        loser = next(n for n, c in codes.items() if c == 2)
        message = one_line_error(errs[loser])
        assert (
            "another sweep process is writing" in message or "holds a different sweep" in message
        ), message
        # the folder is the winner's, whole: every checksum holds, and its tables and series
        # are byte for byte those of the winner's sweep run alone
        result = sim.load_sweep(out)
        assert result.complete and result.manifest["name"] == winner
        assert result.manifest["config_hash"] == load_sweep_config(configs[winner]).config_hash()
        assert files_of(out) == files_of(reference[winner].path), order


# --- 2. Too large: refused from the config ------------------------------------------------------

HUGE = {
    # the tester's designs; each count follows sim.sweep.designs.count_points
    "replications 1e9": (
        'replications = 1000000000\n[design]\nmethod = "grid"\n[axes]\n'
        "hegemon_pressure = [0.1, 0.5]\n",
        2 * 10**9,
    ),
    "grid 1e8": (
        'replications = 1\n[design]\nmethod = "grid"\n[axes]\n'
        "hegemon_pressure = { min = 0.0, max = 1.0, num = 10000 }\n"
        "rival_target_ratio = { min = 2.0, max = 12.0, num = 10000 }\n",
        10**8,
    ),
    "lhs 1e8": (
        'replications = 1\n[design]\nmethod = "lhs"\nsamples = 100000000\n[axes]\n'
        "hegemon_pressure = { min = 0.0, max = 1.0 }\n",
        10**8,
    ),
    "morris 1e9": (
        'replications = 1\n[design]\nmethod = "morris"\nsamples = 1000000000\n'
        "[axes]\nhegemon_pressure = { min = 0.0, max = 1.0 }\n",
        2 * 10**9,
    ),
    # Saltelli: N (D + 2) points with N = 2^30, D = 2
    "sobol 2^30": (
        'replications = 1\n[design]\nmethod = "sobol"\nsamples = 1073741824\n'
        "[axes]\nhegemon_pressure = { min = 0.0, max = 1.0 }\n"
        "rival_target_ratio = { min = 2.0, max = 12.0 }\n",
        2**30 * 4,
    ),
}


@pytest.mark.parametrize("case", list(HUGE))
def test_huge_designs_are_refused_before_anything_is_drawn(case, tmp_path, capsys):
    body, n_runs = HUGE[case]
    config = write_config(tmp_path, body)
    out = tmp_path / "out"
    tracemalloc.start()
    code = main(["sweep", str(config), "--out", str(out), "--quiet"])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert code == 2
    message = one_line_error(capsys.readouterr().err)
    assert f"{n_runs:,} runs" in message and f"limit of {MAX_RUNS:,} runs" in message
    assert "--allow-large" in message
    assert not out.exists()
    # nothing was drawn: well under the 20 MB of even 10^6 design points x 3 values of 8 bytes
    assert peak < 20 * 2**20, peak


def test_allow_large_lifts_the_run_limit_but_not_memory_or_disk(tmp_path):
    config = load_sweep_config(write_config(tmp_path, HUGE["morris 1e9"][0]))
    with pytest.raises(SweepSizeError, match="limit of"):
        check_size(config, memory=2**50)
    # lifted: the run count passes, and memory is checked instead (1 MiB is never enough)
    with pytest.raises(SweepSizeError, match="would need about .* of memory but 1.0 MiB"):
        check_size(config, allow_large=True, memory=2**20)
    size = check_size(config, allow_large=True, memory=2**62)
    with pytest.raises(SweepSizeError, match="would write about .* but 1.0 GiB is free"):
        check_disk(size, tmp_path / "out", free=2**30)
    # from Python too: run_sweep sizes the sweep before drawing it
    with pytest.raises(SweepSizeError, match="limit of"):
        run_sweep(config, tmp_path / "out", workers=1, quiet=True)
    assert not (tmp_path / "out").exists()


def test_size_estimate_follows_its_documented_formula_and_bounds_the_disk(pristine):
    config_path, out = pristine
    config = load_sweep_config(config_path)
    size = estimate_size(config, local_workers=2)
    assert (size.n_points, size.n_runs, size.n_chunks) == (3, N_RUNS, N_CHUNKS)
    # per run (docs/SWEEPS.md): 44 quarters (2025Q1-2035Q4) x (2 keys of 8 bytes + 27 alliance
    # metrics of 4 bytes) and 44 x 32 members x (3 keys of 8 bytes + 14 member metrics of 4
    # bytes), a summary row (25 columns) and a runs row (6 + one per parameter) of 8 bytes;
    # per point 2 design values of 8 bytes; 32 KiB for each of a chunk's 4 files (runs,
    # summary, alliance, members) and each of the 4 folder-level files
    per_run = 44 * (2 * 8 + 27 * 4) + 44 * 32 * (3 * 8 + 14 * 4)
    per_run += (25 + 6 + len(sim.core.params.PARAM_FIELDS)) * 8
    assert (len(ALLIANCE_COLUMNS), len(MEMBER_COLUMNS)) == (27, 14)
    assert size.disk == N_RUNS * per_run + 3 * 2 * 8 + (N_CHUNKS * 4 + 4) * 32 * 2**10
    # an upper bound of what the sweep wrote
    assert folder_bytes(out) <= size.disk
    # memory: more with two workers than in one process
    assert size.memory > estimate_size(config, local_workers=1).memory


def test_dry_run_prints_the_size_and_writes_nothing(pristine, tmp_path, capsys):
    config, _ = pristine
    out = tmp_path / "out"
    assert main(["sweep", str(config), "--out", str(out), "--workers", "2", "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert f"3 design points x 4 replications = {N_RUNS} runs in {N_CHUNKS} chunks" in printed
    assert "memory: about" in printed and "disk: about" in printed
    assert not out.exists()


# --- 3. A dead local worker ---------------------------------------------------------------------


def test_a_killed_worker_costs_only_its_chunk(pristine, tmp_path, monkeypatch, capsys):
    config, reference = pristine
    out = tmp_path / "killed"
    # run 5 is in chunk 1 (runs 4-7): its worker SIGKILLs itself the first time the chunk runs
    monkeypatch.setenv(FAULT_ENV, "5:kill")
    assert main(["sweep", str(config), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    assert f"{N_RUNS} of {N_RUNS} runs done" in capsys.readouterr().err
    result = sim.load_sweep(out)
    assert result.manifest["runs_failed"] == 0 and result.manifest["fault_injection"] == "5:kill"
    assert result.manifest["timings"]["worker_pool_restarts"] == 1  # the worker did die
    # byte-identical to the undisturbed sweep: every chunk file and final table
    assert files_of(out).keys() >= files_of(reference).keys() - {"manifest.json"}
    for name, data in files_of(reference).items():
        if name != "manifest.json":
            assert (out / name).read_bytes() == data, name


class BreakingPool(cf.Executor):
    """Runs chunks in this process, except that a chunk holding a poisoned run breaks the pool
    (as a worker killed by the OS would); counts submissions and rebuilds."""

    def __init__(self, poisoned: int):
        self.poisoned, self.submitted, self.rebuilt, self.broken = poisoned, [], 0, False

    def submit(self, fn, /, *args, **kwargs):
        task = args[0]
        self.submitted.append(task.chunk_id)
        future = cf.Future()
        if self.broken or self.poisoned in task.run_ids.tolist():
            self.broken = True
            future.set_exception(BrokenProcessPool("a worker died"))
        else:
            future.set_result(fn(*args, **kwargs))
        return future

    def rebuild(self):
        self.broken = False
        self.rebuilt += 1
        return self


def test_a_chunk_that_keeps_killing_its_worker_is_recorded_as_failed(
    pristine, tmp_path, monkeypatch
):
    config, reference = pristine
    pool = BreakingPool(poisoned=5)  # chunk 1 holds runs 4-7
    info = ExecutorInfo(pool, "breaking pool", 2, rebuild=pool.rebuild)
    monkeypatch.setattr("sim.sweep.runner._executor", lambda *a: contextlib.nullcontext(info))
    result = run_sweep(load_sweep_config(config), tmp_path / "out", quiet=True)
    runs = result.runs.set_index("run_id")
    # once with the others, then alone MAX_CHUNK_ATTEMPTS times; then its runs are failed
    assert pool.submitted.count(1) == 1 + MAX_CHUNK_ATTEMPTS
    assert pool.rebuilt == 1 + MAX_CHUNK_ATTEMPTS
    assert runs.loc[4:7, "status"].eq("failed").all()
    assert runs.loc[4, "error"].startswith(
        f"the worker process died each time this chunk ran alone ({MAX_CHUNK_ATTEMPTS} times, "
        "BrokenProcessPool)"
    )
    assert result.manifest["runs_failed"] == 4 and result.complete
    assert result.manifest["timings"]["worker_pool_restarts"] == pool.rebuilt
    # the other chunks are the undisturbed sweep's, byte for byte
    for chunk in (0, 2):
        name = f"alliance/chunk-00000{chunk}.parquet"
        assert (result.path / name).read_bytes() == (reference / name).read_bytes()
    assert not (result.path / "alliance" / "chunk-000001.parquet").exists()
    assert sim.load_sweep(result.path).complete  # and its checksums hold


def test_kill_faults_need_worker_processes(pristine, tmp_path, monkeypatch, capsys):
    config, _ = pristine
    monkeypatch.setenv(FAULT_ENV, "5:kill")
    out = tmp_path / "out"
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    assert "kill faults need worker processes" in one_line_error(capsys.readouterr().err)
    assert not out.exists()


# --- 4. Checksums: damage refused by report, repaired by sweep -----------------------------------


def swap(out):
    """Chunk 0's alliance file in chunk 1's place."""
    shutil.copy(
        out / "alliance" / "chunk-000000.parquet", out / "alliance" / "chunk-000001.parquet"
    )


def truncate(out):
    path = out / "runs" / "chunk-000001.parquet"
    path.write_bytes(path.read_bytes()[:100])


def wrong_schema(out):
    design = pd.read_parquet(out / "design.parquet").drop(columns=["point_id"])
    design.to_parquet(out / "design.parquet")


DAMAGE = {
    # what is done to a finished sweep, and what the error names
    "deleted alliance chunk": (
        lambda out: (out / "alliance" / "chunk-000001.parquet").unlink(),
        "chunk-000001: alliance/chunk-000001.parquet is missing",
    ),
    "swapped alliance chunk": (
        swap,
        "chunk-000001: alliance/chunk-000001.parquet does not "
        "match the sha256 recorded in runs/chunk-000001.parquet",
    ),
    "swapped summary chunk": (
        lambda out: shutil.copy(
            out / "summary" / "chunk-000000.parquet", out / "summary" / "chunk-000001.parquet"
        ),
        "chunk-000001: summary/chunk-000001.parquet does not "
        "match the sha256 recorded in runs/chunk-000001.parquet",
    ),
    "truncated runs partition (the completion marker)": (
        truncate,
        "chunk-000001: runs/chunk-000001.parquet cannot be read",
    ),
    "deleted runs partition (the completion marker)": (
        lambda out: (out / "runs" / "chunk-000001.parquet").unlink(),
        "chunk-000001: runs/chunk-000001.parquet is missing",
    ),
    "design.parquet of another schema": (
        wrong_schema,
        "design.parquet does not match its sha256",
    ),
    "deleted SHA256SUMS": (lambda out: (out / SUMS).unlink(), f"{SUMS} is missing"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damage_is_refused_by_report_and_repaired_by_sweep(case, pristine, tmp_path, capsys):
    config, out = copy_of(pristine, tmp_path)
    damage, named = DAMAGE[case]
    damage(out)
    assert main(["report", str(out)]) == 2
    message = one_line_error(capsys.readouterr().err)
    assert message.startswith(f"error: {out}: damaged sweep folder: {named}"), message
    assert not (out / "report").exists()
    with pytest.raises(SweepFolderError, match="damaged sweep folder"):
        sim.load_sweep(out)
    # the sweep sees the damage, redoes what is needed and ends as the undisturbed sweep
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "warning: " in err and f"{N_RUNS} of {N_RUNS} runs done" in err
    assert files_of(out) == files_of(pristine[1])
    assert sim.load_sweep(out).complete


def test_checksums_are_sha256sum_compatible_and_cover_every_file(pristine):
    _, out = pristine
    sums = read_sums(out / SUMS)
    for name, digest in sums.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    listed = set(sums)
    on_disk = set(files_of(out)) - {SUMS}
    assert listed == on_disk  # every file but the manifest and the list itself
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["checksums"]["sha256"] == hashlib.sha256((out / SUMS).read_bytes()).hexdigest()
    # each chunk's runs/ partition records its other files' sha256 in its Parquet metadata
    record = json.loads(
        pq.read_schema(out / "runs" / "chunk-000000.parquet").metadata[b"sim.chunk_files"]
    )
    assert record == {
        n: sums[n]
        for n in (
            "alliance/chunk-000000.parquet",
            "members/chunk-000000.parquet",
            "summary/chunk-000000.parquet",
        )
    }


def test_an_interrupted_sweep_is_verified_too(pristine, tmp_path, capsys):
    config, reference = pristine
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_sweep(load_sweep_config(config), out, executor=CrashAfter(2), quiet=True)
    assert sim.load_sweep(out).runs["status"].eq("ok").sum() == 8  # chunks 0 and 1 of 4 runs
    swap(out)
    with pytest.raises(
        SweepFolderError, match="chunk-000001: alliance/chunk-000001.parquet does not match"
    ):
        sim.load_sweep(out)
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "chunk-000001 is damaged" in capsys.readouterr().err
    assert files_of(out) == files_of(reference)


# --- 5. One line, exit 2, nothing half-written ---------------------------------------------------


class _FullDisk:
    """A file open for writing whose first write lands partly, then finds the disk full."""

    def __init__(self, fh):
        self.fh = fh

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()

    def write(self, data):
        self.fh.write(memoryview(data)[:12])
        self.fh.flush()
        raise OSError(errno.ENOSPC, "No space left on device", self.fh.name)


def full_disk_after(monkeypatch, n_writes):
    """Make the sweep folder's Parquet files fail with ENOSPC after ``n_writes`` files, leaving
    a partial file (``sim.sweep.direct_write`` writes each small file's bytes with one ``open``,
    and a large one's that way too when the disk refuses them past the page cache)."""
    count = [0]

    def full_open(path, mode="r", *args, **kwargs):
        fh = open(path, mode, *args, **kwargs)
        if not set(mode) & set("wxa"):
            return fh
        count[0] += 1
        return _FullDisk(fh) if count[0] > n_writes else fh

    monkeypatch.setattr(direct_write, "open", full_open, raising=False)


def test_full_disk_during_a_sweep(pristine, tmp_path, monkeypatch, capsys):
    config, reference = pristine
    out = tmp_path / "out"
    # design.parquet, then chunk 0's four files (summary, alliance, members and runs, the
    # marker, last), then chunk 1's first: the disk is full
    full_disk_after(monkeypatch, 5)
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    message = one_line_error(capsys.readouterr().err)
    assert message.startswith(f"error: {out}: the disk is full (") and "No space left" in message
    assert not list(out.rglob("*.tmp"))  # no half-written file
    assert sorted(p.name for p in (out / "runs").glob("*.parquet")) == ["chunk-000000.parquet"]
    monkeypatch.undo()  # room again: the same command finishes the sweep
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert (out / SUMS).read_bytes() == (reference / SUMS).read_bytes()


def test_full_disk_during_a_report(pristine, tmp_path, monkeypatch, capsys):
    _, out = copy_of(pristine, tmp_path)
    assert main(["report", str(out)]) == 0
    capsys.readouterr()
    before = files_of(out / "report", manifest=True)

    def save(fig, stem):
        # what matplotlib's PDF writer did on a full tmpfs: a partial file, ENOSPC, then a
        # zlib.error raised while closing it
        stem.parent.mkdir(parents=True, exist_ok=True)
        stem.with_suffix(".pdf").write_bytes(b"%PDF-1.4 partial")
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            raise zlib.error("Error -2 while flushing: inconsistent stream state") from None

    monkeypatch.setattr(report_figures, "save", save)
    assert main(["report", str(out)]) == 2
    message = one_line_error(capsys.readouterr().err)
    assert "No space left on device" in message and "nothing was written" in message
    assert files_of(out / "report", manifest=True) == before  # the earlier report, untouched
    assert not [p for p in out.iterdir() if "partial" in p.name or "old" in p.name]


@pytest.mark.parametrize("kind", ["file", "folder of other files"])
def test_report_refuses_an_out_that_is_not_a_report(kind, pristine, tmp_path, capsys):
    _, out = pristine
    target = tmp_path / "target"
    if kind == "file":
        target.write_text("mine")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    before = target.read_bytes() if kind == "file" else files_of(target, manifest=True)
    assert main(["report", str(out), "--out", str(target)]) == 2
    message = one_line_error(capsys.readouterr().err)
    assert message.startswith(f"error: {target}: ")
    assert (target.read_bytes() if kind == "file" else files_of(target, manifest=True)) == before


def resign(out):
    """Make SHA256SUMS, and the manifest's record of it, match the folder's files again: a
    folder changed by a tool that keeps the checksums consistent."""
    sums = {
        name: hashlib.sha256((out / name).read_bytes()).hexdigest()
        for name in read_sums(out / SUMS)
    }
    text = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    (out / SUMS).write_text(text)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["checksums"]["sha256"] = hashlib.sha256(text.encode()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest))


def test_report_names_a_table_without_the_columns_it_needs(pristine, tmp_path, capsys):
    _, out = copy_of(pristine, tmp_path)
    for path in sorted((out / "runs").glob("*.parquet")):  # their checksum records kept
        pq.write_table(pq.read_table(path).drop_columns(["seed", "error"]), path)
    resign(out)
    assert sim.load_sweep(out).manifest["complete"]  # the checksums hold
    assert main(["report", str(out)]) == 2
    message = one_line_error(capsys.readouterr().err)
    assert message == (
        f"error: {out / 'runs'}: missing column(s) seed, error: expected "
        "a table written by `sim sweep` (with run_id, point_id, replication, seed,"
        " status, error)"
    )


def test_resume_rewrites_a_garbage_salib_problem(tmp_path, capsys):
    config = write_config(tmp_path, SOBOL, name="sobol")
    out = tmp_path / "out"
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    good = (out / "salib_problem.json").read_bytes()
    (out / "salib_problem.json").write_text("{not json")
    assert main(["report", str(out)]) == 2
    assert "salib_problem.json does not match its sha256" in one_line_error(capsys.readouterr().err)
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert (out / "salib_problem.json").read_bytes() == good
    # without a checksum to compare with, unreadable JSON is still one clear error
    (out / "salib_problem.json").write_text("{not json")
    with pytest.raises(SweepFolderError, match="salib_problem.json: cannot be read as JSON"):
        sim.load_sweep(out, verify=False)


@pytest.mark.parametrize("where", ["axis", "set"])
def test_a_bad_members_file_is_refused_before_running(where, tmp_path, capsys):
    missing = tmp_path / "no_such_members.csv"
    if where == "axis":
        body = (
            f'replications = 1\n[design]\nmethod = "grid"\n[axes]\nmembers_file = '
            f'["seeds/nato_members.csv", "{missing}"]\n'
        )
        key = "axes.members_file"
    else:
        body = (
            f'replications = 1\n[design]\nmethod = "grid"\n[axes]\nhegemon_pressure = '
            f'[0.2, 0.8]\n[set]\nmembers_file = "{missing}"\n'
        )
        key = "set.members_file"
    config = write_config(tmp_path, body)
    out = tmp_path / "out"
    assert main(["sweep", str(config), "--out", str(out), "--quiet"]) == 2
    message = one_line_error(capsys.readouterr().err)
    assert f"key '{key}' = '{missing}': expected a readable member table" in message
    assert "file not found" in message
    assert not out.exists()


def test_a_sweep_with_no_finished_chunk_has_tables_with_their_columns(pristine, tmp_path):
    config, reference = pristine
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_sweep(load_sweep_config(config), out, executor=CrashAfter(0), quiet=True)
    result = sim.load_sweep(out)
    assert not result.complete and (result.runs["status"] == "pending").all()
    done = sim.load_sweep(reference)
    for table in ("summary", "alliance", "members"):
        empty, full = getattr(result, table), getattr(done, table)
        assert empty.empty
        assert list(empty.columns) == list(full.columns), table
        assert empty.dtypes.equals(full.dtypes), table
    # the docs' SALib snippet runs up to the analysis (an empty output per point)
    y = (
        result.summary.merge(result.runs[["run_id", "point_id"]])
        .groupby("point_id")["final_alliance_core_share_pct"]
        .mean()
    )
    assert y.empty
