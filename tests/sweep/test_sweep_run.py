"""Sweep runs: equal to the Mesa model, independent of chunks and executors, failures recorded.

The series are stored as float32 (``sim.sweep.partitions``; ``load_sweep`` widens them to
float64): a stored value equals the model's float64 value rounded to float32, exactly
(``to_float32`` below); the summary and ``runs`` keep float64 and equal the model's bit for bit.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sweep_util import files_of, write_config

import sim
from sim.cli import main
from sim.core.ensemble import simulate
from sim.core.metrics import ALLIANCE_COLUMNS, MEMBER_COLUMNS
from sim.core.params import PARAM_FIELDS, make_params
from sim.sweep.config import load_sweep_config
from sim.sweep.execution import FAULT_ENV
from sim.sweep.runner import run_sweep

LHS = """replications = 2
root_seed = 99
seeding = "independent"
chunk_size = {chunk}
[design]
method = "lhs"
samples = 6
[axes]
hegemon_pressure = {{ min = 0.0, max = 1.0 }}
rival_target_ratio = {{ min = 2.0, max = 12.0 }}
noise_sd_pp = {{ min = 0.0, max = 0.2 }}
munitions_lead_first_quarters = {{ min = 2, max = 8 }}
[keep]
members = true
"""
N_RUNS = 12  # 6 LHS points x 2 replications, from LHS above


def params_of(row: pd.Series) -> dict:
    """A run's parameters from its ``runs`` row, as plain Python values."""
    return {
        name: (row[name].item() if hasattr(row[name], "item") else row[name])
        for name in PARAM_FIELDS
    }


def to_float32(values: np.ndarray) -> np.ndarray:
    """The model's float64 values as the sweep stores them: rounded to float32."""
    return np.asarray(values, dtype=np.float64).astype(np.float32)


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serial")
    config = load_sweep_config(write_config(folder, LHS.format(chunk=5)))
    return run_sweep(config, folder / "out", workers=1, quiet=True)


def test_sweep_folder_has_the_agreed_layout(serial):
    assert serial.complete
    m = serial.manifest
    assert m["kind"] == "sweep" and m["n_runs"] == N_RUNS and m["runs_done"] == N_RUNS
    assert m["runs_failed"] == 0 and m["n_points"] == 6 and m["layout"] == 2
    # the hint (chunk_size = 5) is kept: it lies within the engine's bounds for 12 runs
    assert m["chunk_size"] == 5 and m["n_chunks"] == 3 and m["config"]["chunk_size"] == 5
    assert m["chunk_size_reason"].startswith("the config's chunk_size 5 kept")
    assert len(m["config_hash"]) == 64 and m["timings"]["finished"]
    assert m["config"]["seeding"] == "independent" and m["config"]["root_seed"] == 99
    assert list(serial.runs.columns[:6]) == [
        "run_id",
        "point_id",
        "replication",
        "seed",
        "status",
        "error",
    ]
    assert list(serial.runs.columns[6:]) == list(PARAM_FIELDS)
    assert (serial.runs["status"] == "ok").all() and (serial.runs["error"] == "").all()
    assert list(serial.alliance.columns) == ["run_id", "quarter", *ALLIANCE_COLUMNS]
    # stored as float32 (counts int32), read back widened to float64 (int64)
    counts = ["members_at_or_above_2pct", "members_at_or_above_3_5pct", "members_at_or_above_5pct"]
    stored = pq.read_schema(serial.path / "alliance" / "chunk-000000.parquet")
    assert {str(stored.field(c).type) for c in counts} == {"int32"}
    assert {str(stored.field(c).type) for c in ALLIANCE_COLUMNS if c not in counts} == {"float"}
    member_types = pq.read_schema(serial.path / "members" / "chunk-000000.parquet").types[3:]
    assert {str(t) for t in member_types} == {"float"}
    assert serial.alliance[counts].dtypes.eq(np.int64).all()
    assert serial.alliance.drop(columns=["run_id", "quarter", *counts]).dtypes.eq(np.float64).all()
    assert serial.members[list(MEMBER_COLUMNS)].dtypes.eq(np.float64).all()
    assert list(serial.members.columns) == ["run_id", "quarter", "iso3", *MEMBER_COLUMNS]
    assert serial.summary["run_id"].tolist() == list(range(N_RUNS))
    # 2025Q1-2035Q4 is 44 quarters (the initial state included) per run
    assert len(serial.alliance) == N_RUNS * 44
    assert list(serial.design.columns) == [
        "point_id",
        "hegemon_pressure",
        "rival_target_ratio",
        "noise_sd_pp",
        "munitions_lead_first_quarters",
    ]
    # one Parquet dataset per table, one file per chunk, each readable as a whole
    for dataset in ("runs", "summary", "alliance", "members"):
        files = sorted(p.name for p in (serial.path / dataset).iterdir())
        assert files == [f"chunk-00000{c}.parquet" for c in range(3)], dataset
    assert len(pd.read_parquet(serial.path / "alliance")) == N_RUNS * 44
    pd.testing.assert_frame_equal(pd.read_parquet(serial.path / "summary"), serial.summary)
    pd.testing.assert_frame_equal(pd.read_parquet(serial.path / "runs"), serial.runs)
    assert not (serial.path / "runs.parquet").exists() and not (serial.path / "chunks").exists()


@pytest.mark.parametrize("run_id", [0, 5, 11])
def test_sweep_runs_equal_mesa_model_runs(serial, run_id):
    row = serial.runs.set_index("run_id").loc[run_id]
    model = sim.AllianceModel(rng=int(row["seed"]), **params_of(row))
    while model.running:
        model.step()
    expected = model.alliance_frame()
    got = serial.alliance[serial.alliance["run_id"] == run_id].drop(columns="run_id")
    assert got["quarter"].tolist() == expected["quarter"].tolist()
    # exactly the model's doubles rounded to float32, not merely close (the counts exact)
    assert np.array_equal(
        got[list(ALLIANCE_COLUMNS)].to_numpy(np.float32),
        to_float32(expected[list(ALLIANCE_COLUMNS)].to_numpy(float)),
    )
    members = serial.members[serial.members["run_id"] == run_id].drop(columns="run_id")
    assert np.array_equal(
        members[list(MEMBER_COLUMNS)].to_numpy(np.float32),
        to_float32(model.member_frame()[list(MEMBER_COLUMNS)].to_numpy(float)),
    )


def test_a_run_alone_equals_the_run_inside_its_chunk(serial):
    row = serial.runs.set_index("run_id").loc[7]
    alone = simulate([make_params(params_of(row))], [int(row["seed"])])
    got = serial.alliance[serial.alliance["run_id"] == 7][list(ALLIANCE_COLUMNS)]
    assert np.array_equal(got.to_numpy(np.float32), to_float32(alone.alliance[0]))


def test_chunk_size_does_not_change_results(serial, tmp_path):
    frames = {}
    for chunk in (1, N_RUNS):  # the fewest runs per chunk, and all runs in one chunk
        config = load_sweep_config(write_config(tmp_path, LHS.format(chunk=chunk)))
        frames[chunk] = run_sweep(config, tmp_path / f"c{chunk}", workers=1, quiet=True)
    # a hint of 1 is raised to 2: a sweep is not cut into more than sim.sweep.chunking.MIN_CHUNKS
    # (8) chunks to keep its chunks' overhead small, ceil(12 / 8) = 2 runs
    assert [r.manifest["chunk_size"] for r in frames.values()] == [2, N_RUNS]
    for result in frames.values():
        pd.testing.assert_frame_equal(result.alliance, serial.alliance, check_exact=True)
        pd.testing.assert_frame_equal(result.summary, serial.summary, check_exact=True)
        pd.testing.assert_frame_equal(result.members, serial.members, check_exact=True)
        pd.testing.assert_frame_equal(result.runs, serial.runs, check_exact=True)


@pytest.mark.slow
def test_two_processes_and_dask_local_cluster_equal_one_process(serial, tmp_path):
    config = load_sweep_config(write_config(tmp_path, LHS.format(chunk=5)))
    two = run_sweep(config, tmp_path / "two", workers=2, quiet=True)
    dask = run_sweep(config, tmp_path / "dask", cluster="local", workers=2, quiet=True)
    assert two.manifest["executor"] == "local processes (2)"
    assert dask.manifest["executor"].startswith("dask LocalCluster")
    for result in (two, dask):
        for table in ("runs", "summary", "alliance", "members", "design"):
            pd.testing.assert_frame_equal(
                getattr(result, table), getattr(serial, table), check_exact=True
            )
        # every file but the manifest, byte for byte: the partitions depend only on their chunk
        for name, data in files_of(serial.path).items():
            assert (result.path / name).read_bytes() == data, name


@pytest.mark.slow
@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_the_sweep_command_starts_its_workers_first_and_runs_on_them(
    serial, tmp_path, monkeypatch, method
):
    """``sim sweep --workers 2`` starts its workers' warm-up before it reads the config
    (``sim.sweep.pool.start_early``: the fork server on Linux, a pool elsewhere) and runs the
    chunks on one pool: the same bytes as one process. A sweep refused after that leaves no
    worker running; a dry run and one worker start none."""
    import multiprocessing

    from sim.sweep import execution, pool

    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    monkeypatch.setattr(pool, "START_METHOD", method)
    made = []

    def counted(workers):
        made.append(workers)
        return real(workers)

    real = pool.local_pool
    monkeypatch.setattr(pool, "local_pool", counted)
    monkeypatch.setattr(execution, "local_pool", counted)
    config = str(write_config(tmp_path, LHS.format(chunk=5)))
    out = tmp_path / "cli"
    assert main(["sweep", config, "--out", str(out), "--workers", "2", "--quiet"]) == 0
    assert made == [2]
    for name, data in files_of(serial.path).items():
        assert (out / name).read_bytes() == data, name

    before = set(multiprocessing.active_children())
    (tmp_path / "a_file").write_text("not a folder")
    refused = ["sweep", config, "--out", str(tmp_path / "a_file"), "--workers", "2", "--quiet"]
    assert main(refused) == 2
    # spawn: an early pool was made, then stopped; the fork server makes its pool later
    assert made == ([2, 2] if method == "spawn" else [2])
    assert set(multiprocessing.active_children()) - before == set()
    assert pool._EARLY == {}

    dry = ["sweep", config, "--out", str(tmp_path / "dry"), "--workers", "2", "--dry-run"]
    assert main(dry) == 0
    assert main(["sweep", config, "--out", str(tmp_path / "one"), "--workers", "1", "--quiet"]) == 0
    assert made == ([2, 2] if method == "spawn" else [2])


_WARM_THEN_CHUNK = """
import json, sys
import sim
from sim.core.deferred_jit import Deferred
from sim.core.dynamics import native
from sim.sweep import pool

def loaded():
    if "numba" not in sys.modules:  # nothing went through numba: the library, if any
        return {n: 1 for n, got in native._LOADED.items() if got is not None}
    from sim.core.dynamics.compiled import step_module
    entries = vars(step_module()).items()
    return {
        n: len(d._dispatcher.signatures)
        for n, d in entries
        if isinstance(d, Deferred) and d._dispatcher is not None
    }

pool.warm()
warmed = loaded()
modules = set(sys.modules)
p = sim.load_scenario("hague", overrides={"hegemon_pressure": 0.3}).params
sim.simulate([p] * 5, [1, 2, 3, 4, 5])
chunk = {"pyarrow.parquet", "sim.core.summary", "sim.sweep.integrity", "sim.sweep.partitions"}
print(json.dumps({"warmed": warmed, "after": loaded(), "imported": sorted(chunk & modules)}))
"""


def test_a_workers_warm_up_loads_all_a_chunk_runs():
    """``sim.sweep.pool.warm`` (what an early worker does while the command plans) loads every
    compiled entry point a chunk's batch then calls, with the same argument types: a chunk of
    another size and parameters loads nothing more (a one-run batch once had read-only
    multipliers, a type of its own, and the warm-up loaded the wrong overload)."""
    import os
    import subprocess
    import sys

    from conftest import build_native_library

    from sim.core.dynamics import native

    def loads(**env: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-c", _WARM_THEN_CHUNK],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **env},
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    through_numba = loads(**{native.ENV: "0"})
    assert through_numba["warmed"]["run"] == 1  # the whole-run entry point a batch goes through
    assert through_numba["after"] == through_numba["warmed"]
    # with the library compiled ahead of time: the warm-up loads it, and the chunk then needs
    # nothing more, numba least of all (where it can be built: a C compiler)
    library_path, _ = build_native_library()
    if library_path is not None:
        library = loads()
        assert library["warmed"] == {library_path.name.split(".")[0]: 1} == library["after"]
        assert library["imported"] == through_numba["imported"]
    # what a chunk writes its files with, imported by the warm-up too
    assert through_numba["imported"] == [
        "pyarrow.parquet",
        "sim.core.summary",
        "sim.sweep.integrity",
        "sim.sweep.partitions",
    ]


def test_a_warm_up_that_raises_is_reported_and_a_stopped_pool_is_not(capsys):
    """A worker's warm-up that raises says so on stderr (one did, unseen, for a day); the warm-ups
    of a pool stopped on purpose (``discard_early``) break, which is not worth a word."""
    import concurrent.futures as cf

    from sim.sweep.pool import _report_failed_warm_up

    failed, broken, fine = cf.Future(), cf.Future(), cf.Future()
    failed.set_exception(TypeError("load_scenario() missing 1 required positional argument"))
    broken.set_exception(cf.BrokenExecutor("terminated"))
    fine.set_result(None)
    for future in (failed, broken, fine):
        _report_failed_warm_up(future)
    err = capsys.readouterr().err
    assert err.count("warning:") == 1
    assert "warm-up failed (TypeError: load_scenario() missing" in err


_CHUNK_IN_A_FRESH_PROCESS = """
import pickle, sys
from sim.sweep.execution import run_chunk

with open(sys.argv[1], "rb") as file:
    task = pickle.load(file)
report = run_chunk(task)
print(report.n_runs, report.n_failed, "pandas" in sys.modules)
"""


def test_a_worker_runs_and_writes_a_chunk_without_pandas(tmp_path):
    """A worker process never imports pandas (0.3 s of its start-up): the model reads the IMF
    series without it (``sim.core.panel.imf_by_year``), the summaries are columns
    (``summary_columns``) and the tables Arrow. The chunk's files are those a sweep writes."""
    import pickle
    import subprocess
    import sys

    from sim.sweep.chunks import _task
    from sim.sweep.files import make_folders
    from sim.sweep.plan import make_plan

    config = load_sweep_config(write_config(tmp_path, LHS.format(chunk=5)))
    plan = make_plan(config)
    make_folders(tmp_path / "fresh", config.keep_alliance, config.keep_members)
    task = _task(plan, tmp_path / "fresh", 0, {}, True)
    (tmp_path / "task.pkl").write_bytes(pickle.dumps(task))
    done = subprocess.run(
        [sys.executable, "-c", _CHUNK_IN_A_FRESH_PROCESS, str(tmp_path / "task.pkl")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(len(task.run_ids)), "0", "False"]
    swept = run_sweep(config, tmp_path / "swept", workers=1, quiet=True).path
    for name in ("summary", "alliance", "runs"):
        part = f"{name}/chunk-000000.parquet"
        assert (tmp_path / "fresh" / part).read_bytes() == (swept / part).read_bytes(), part


def test_paired_seeding_gives_common_random_numbers(tmp_path):
    config = load_sweep_config(
        write_config(
            tmp_path,
            """replications = 3
[design]
method = "grid"
[axes]
hegemon_pressure = [0.2, 0.8]
""",
        )
    )
    result = run_sweep(config, tmp_path / "out", workers=1, quiet=True)
    runs = result.runs
    # replication r of point 0 and of point 1 share their seed (paired is the default)
    for r in range(3):
        assert runs.loc[runs["replication"] == r, "seed"].nunique() == 1
    assert runs["seed"].nunique() == 3
    assert json.loads((result.path / "manifest.json").read_text())["config"]["seeding"] == "paired"


def test_failed_runs_are_recorded_and_the_sweep_carries_on(tmp_path, monkeypatch, capsys):
    config = write_config(tmp_path, LHS.format(chunk=5))
    # run 3 raises inside chunk 0 (runs 0-4); run 8 produces NaN in chunk 1 (runs 5-9)
    monkeypatch.setenv(FAULT_ENV, "3,8:nan")
    out = tmp_path / "out"
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]) == 1
    assert "2 runs failed" in capsys.readouterr().err
    result = sim.load_sweep(out)
    runs = result.runs.set_index("run_id")
    assert runs.loc[3, "status"] == "failed"
    assert runs.loc[3, "error"] == f"RuntimeError: injected failure of run 3 ({FAULT_ENV})"
    assert runs.loc[8, "status"] == "failed"
    assert runs.loc[8, "error"] == "non-finite values in munitions_ratio"
    ok = [r for r in range(N_RUNS) if r not in (3, 8)]
    assert runs.loc[ok, "status"].eq("ok").all()
    assert result.manifest["runs_failed"] == 2 and result.manifest["runs_done"] == N_RUNS
    assert result.manifest["fault_injection"] == "3,8:nan"
    assert result.summary["run_id"].tolist() == ok
    assert sorted(result.alliance["run_id"].unique()) == ok
    # the other runs of the failing chunks equal an undisturbed sweep's
    monkeypatch.delenv(FAULT_ENV)
    clean = run_sweep(load_sweep_config(config), tmp_path / "clean", workers=1, quiet=True)
    expected = clean.alliance[clean.alliance["run_id"].isin(ok)].reset_index(drop=True)
    pd.testing.assert_frame_equal(result.alliance, expected, check_exact=True)


@pytest.mark.parametrize(
    ("values", "finite"),
    [
        ([1.0, -2.0, 3.5], True),
        ([1e308, 1e308], True),  # the sum overflows to inf, every value is finite
        ([1.0, np.inf], False),
        ([-np.inf, 1.0], False),
        ([np.nan, 1.0], False),
        ([np.inf, -np.inf], False),  # the sum is NaN
    ],
)
def test_a_run_is_all_finite_exactly_when_its_values_are(values, finite):
    from sim.sweep.execution import _all_finite

    assert _all_finite(np.array(values)) is finite


def test_non_finite_series_name_their_runs_and_columns_and_an_overflowing_sum_does_not(tmp_path):
    from types import SimpleNamespace

    from sim.sweep.execution import _mark_failed

    alliance = np.ones((3, 4, len(ALLIANCE_COLUMNS)))
    alliance[0, :2, 0] = 1e308  # run 10: finite values whose sum overflows, not a failure
    alliance[1, 3, ALLIANCE_COLUMNS.index("munitions_ratio")] = np.nan  # run 11
    members = np.ones((3, 4, 2, len(MEMBER_COLUMNS)))
    members[2, 1, 0, 0] = np.inf  # run 12
    traj = SimpleNamespace(violations=["", "", ""], members=members)
    failed: dict[int, str] = {}
    ok = _mark_failed(traj, alliance, [10, 11, 12], failed)
    assert ok.tolist() == [True, False, False]
    assert failed == {
        11: "non-finite values in munitions_ratio",
        12: f"non-finite values in members' {MEMBER_COLUMNS[0]}",
    }


def test_load_sweep_refuses_a_folder_that_is_not_a_sweep(tmp_path):
    from sim.core.errors import UserError

    with pytest.raises(UserError, match="not a sweep folder"):
        sim.load_sweep(tmp_path)


def test_structural_axes_are_batched_separately_inside_a_chunk(tmp_path):
    config = load_sweep_config(
        write_config(
            tmp_path,
            """replications = 2
chunk_size = 8
[design]
method = "grid"
[axes]
hegemon_pressure = [0.2, 0.8]
use_pledges = [true, false]
""",
        )
    )
    result = run_sweep(config, tmp_path / "out", workers=1, quiet=True)
    assert result.manifest["n_chunks"] == 1  # 2 x 2 points x 2 replications = 8 runs, one chunk
    # use_pledges varies fastest, so the chunk mixes both structural groups; each run still
    # equals the same run simulated alone
    for _, row in result.runs.iterrows():
        alone = simulate([make_params(params_of(row))], [int(row["seed"])])
        got = result.alliance[result.alliance["run_id"] == row["run_id"]]
        assert np.array_equal(
            got[list(ALLIANCE_COLUMNS)].to_numpy(np.float32), to_float32(alone.alliance[0])
        )
    assert set(result.runs["use_pledges"]) == {True, False}


def test_progress_bar_shows_runs_and_rate_unless_quiet(tmp_path, capsys):
    config = write_config(tmp_path, LHS.format(chunk=5))
    assert main(["sweep", str(config), "--out", str(tmp_path / "a"), "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert f"{N_RUNS}/{N_RUNS}" in err and "run/s" in err  # tqdm: done/total, rate
    assert (
        main(["sweep", str(config), "--out", str(tmp_path / "b"), "--workers", "1", "--quiet"]) == 0
    )
    assert "run/s" not in capsys.readouterr().err
