"""How a chunk's partitions are stored (``sim.sweep.partitions``): pages, encodings, fields.

A chunk at the largest size the engine chooses (``sim.sweep.chunking.CHUNK_SERIES_BYTES`` of
float64 alliance series) has its rows within one page a column by count, and one page a column
compresses smaller than Arrow's default pages of 20,000 rows (measured: 3.5% on a 2,500-run
chunk).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sweep_util import SMALL_SWEEP, CrashAfter, write_config

import sim
from sim.core.metrics import ALLIANCE_COLUMNS
from sim.core.summary import summary_columns
from sim.sweep import partitions
from sim.sweep.chunking import CHUNK_SERIES_BYTES
from sim.sweep.config import load_sweep_config
from sim.sweep.csv_copies import write_csv_copies
from sim.sweep.partitions import (
    MAX_ROWS_PER_PAGE,
    alliance_table,
    summary_table,
    write_options,
)
from sim.sweep.runner import run_sweep

ARROW_DEFAULT_ROWS_PER_PAGE = 20_000
"""pyarrow's ``max_rows_per_page`` when none is given."""


def test_the_largest_chunk_fits_one_page_a_column_by_rows():
    rows = 44  # 43 quarterly steps and the start, the default scenario
    run_bytes = rows * len(ALLIANCE_COLUMNS) * 8  # float64 series in a worker (sizing.py)
    largest = CHUNK_SERIES_BYTES // run_bytes  # runs in the largest chunk the engine makes
    assert largest * rows <= MAX_ROWS_PER_PAGE


@pytest.fixture(scope="module")
def default_runs():
    """2,000 runs of the default scenario: its parameters and trajectories."""
    p = sim.load_scenario("configs/hague.toml").params
    return p, sim.simulate([p] * 2000, list(range(2000)))


def _written_both_ways(table, folder, options, other):
    """``table`` written with ``options`` and with ``other`` on top: the two files, which must
    read back equal."""
    ours, theirs = folder / "ours.parquet", folder / "theirs.parquet"
    pq.write_table(table, ours, **options)
    pq.write_table(table, theirs, **{**options, **other})
    assert pq.read_table(ours).equals(pq.read_table(theirs))
    return ours, theirs


def test_one_page_a_column_is_smaller_than_arrows_default_pages(tmp_path, default_runs):
    _, traj = default_runs
    runs = traj.alliance.shape[0]  # 2,000 runs, 88,000 rows: five pages a column by default
    table = alliance_table(traj.alliance, traj.quarters, np.arange(runs))
    assert table.num_rows > 4 * ARROW_DEFAULT_ROWS_PER_PAGE
    default = {"max_rows_per_page": ARROW_DEFAULT_ROWS_PER_PAGE}
    ours, theirs = _written_both_ways(table, tmp_path, write_options("alliance"), default)
    assert ours.stat().st_size < theirs.stat().st_size


def test_the_summarys_outcomes_are_not_dictionary_encoded_and_the_file_is_smaller(
    tmp_path, default_runs
):
    # nearly every float64 outcome differs between runs: a dictionary only adds its page
    p, traj = default_runs
    runs = traj.alliance.shape[0]
    columns = summary_columns(traj.alliance, traj.quarters, [p] * runs, len(traj.iso3))
    table = summary_table(columns, np.arange(runs))
    everything = {"use_dictionary": True}
    ours, theirs = _written_both_ways(table, tmp_path, write_options("summary"), everything)
    assert ours.stat().st_size < theirs.stat().st_size
    chunk = pq.ParquetFile(ours).metadata.row_group(0)
    encodings = {
        chunk.column(i).path_in_schema: chunk.column(i).encodings for i in range(chunk.num_columns)
    }
    assert "RLE_DICTIONARY" not in encodings["final_munitions_ratio"]
    assert "RLE_DICTIONARY" in encodings["regime"]
    assert "RLE_DICTIONARY" in encodings["max_members_at_or_above_2pct"]


def test_series_are_compressed_with_zstd_and_the_other_tables_with_snappy(tmp_path):
    # partitions.TABLE_CODEC: runs (93 columns) and summary (25) are many narrow columns, where
    # zstd's set-up for each column costs more time than it saves bytes
    out = tmp_path / "out"
    run_sweep(load_sweep_config(write_config(tmp_path, SMALL_SWEEP)), out, quiet=True)
    codecs = {}
    for dataset in ("runs", "summary", "alliance", "members"):
        group = pq.ParquetFile(out / dataset / "chunk-000000.parquet").metadata.row_group(0)
        codecs[dataset] = {group.column(i).compression for i in range(group.num_columns)}
    assert codecs == {
        "runs": {"SNAPPY"},
        "summary": {"SNAPPY"},
        "alliance": {"ZSTD"},
        "members": {"ZSTD"},
    }


def test_the_series_are_required_columns(tmp_path):
    # a chunk's series are never null (a run with a non-finite value is failed and left out):
    # written REQUIRED, without definition levels
    out = tmp_path / "out"
    run_sweep(load_sweep_config(write_config(tmp_path, SMALL_SWEEP)), out, quiet=True)
    for dataset in ("alliance", "members"):
        schema = pq.ParquetFile(out / dataset / "chunk-000000.parquet").schema
        assert all(schema.column(i).max_definition_level == 0 for i in range(len(schema)))


def test_a_folder_begun_with_nullable_series_resumes_and_reads_whole(tmp_path, monkeypatch):
    """A sweep begun by an earlier version (nullable series) and resumed by this one: its
    partitions of both kinds load as one table, verify and copy to CSV, equal to a sweep run
    by this version alone."""
    config = load_sweep_config(write_config(tmp_path, SMALL_SWEEP))
    fresh = run_sweep(config, tmp_path / "fresh", quiet=True)
    out = tmp_path / "mixed"
    with monkeypatch.context() as m:  # the earlier version's schemas: every field nullable
        m.setattr(partitions, "_required", pa.schema)
        with pytest.raises(RuntimeError, match="simulated crash"):
            run_sweep(config, out, executor=CrashAfter(1), quiet=True)
    first = pq.ParquetFile(out / "alliance" / "chunk-000000.parquet").schema
    assert first.column(2).max_definition_level == 1  # written nullable
    mixed = run_sweep(config, out, quiet=True)
    assert (
        pq.ParquetFile(out / "alliance" / "chunk-000002.parquet")
        .schema.column(2)
        .max_definition_level
        == 0
    )
    again = sim.load_sweep(out)  # every sha256 verified
    for table in ("runs", "summary", "alliance", "members"):
        pd.testing.assert_frame_equal(getattr(again, table), getattr(fresh, table))
    ours, theirs = write_csv_copies(mixed), write_csv_copies(fresh)
    assert [p.name for p in ours] == [p.name for p in theirs]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(ours, theirs, strict=True))
