"""``sim sweep CONFIG --csv``: CSV copies of the tables beside the Parquet datasets.

The copies must hold what the Parquet tables hold (rows, columns, values: the float32 series
exactly, read back as float32), be written atomically, and come out the same from a sweep that
was resumed; ``sim.load_sweep`` keeps reading Parquet.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pytest
from sweep_util import SMALL_SWEEP, files_of, write_config

import sim
from sim.cli import main
from sim.sweep.csv_copies import write_csv_copies
from sim.sweep.integrity import remove_chunk
from sim.sweep.partitions import schema

BODY = SMALL_SWEEP
TABLES = ("runs", "summary", "alliance", "members")


def read_copy(path, dataset):
    """A CSV copy read with the dataset's stored column types, as pandas."""
    options = pacsv.ConvertOptions(
        column_types=schema(dataset), strings_can_be_null=True, quoted_strings_can_be_null=False
    )
    return pacsv.read_csv(path, convert_options=options).to_pandas()


def stored(out, dataset):
    """The Parquet dataset as stored (float32 series), in run_id order."""
    table = ds.dataset(out / dataset, format="parquet").to_table()
    return table.cast(schema(dataset)).to_pandas()


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("csv")
    config = write_config(tmp, BODY, name="csvs")
    out = tmp / "out"
    args = ["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet", "--csv"]
    assert main(args) == 0
    return config, out


def test_the_copies_equal_the_parquet_tables(swept):
    _, out = swept
    result = sim.load_sweep(out)
    assert result.manifest["n_chunks"] > 1  # several chunks streamed into one file
    for dataset in TABLES:
        copy = read_copy(out / f"{dataset}.csv", dataset)
        pd.testing.assert_frame_equal(copy, stored(out, dataset), check_exact=True)
    assert len(read_copy(out / "runs.csv", "runs")) == 12  # BODY: 3 points x 4 replications
    alliance = pd.read_csv(out / "alliance.csv")  # the plain way: as load_sweep, to float32
    assert alliance["run_id"].tolist() == result.alliance["run_id"].tolist()
    assert (
        alliance["alliance_core_share_pct"].astype("float32").tolist()
        == result.alliance["alliance_core_share_pct"].astype("float32").tolist()
    )
    design = pd.read_csv(out / "design.csv")
    pd.testing.assert_frame_equal(design, result.design, check_exact=True)


def test_the_copies_are_not_part_of_the_record(swept):
    _, out = swept
    listed = (out / "SHA256SUMS").read_text()
    assert ".csv" not in listed
    assert sim.load_sweep(out).complete  # verified against SHA256SUMS with the copies present
    assert not list(out.glob(".*.tmp"))


def test_a_resumed_sweep_writes_the_same_copies(swept, tmp_path):
    config, first = swept
    out = tmp_path / "again"
    args = ["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]
    assert main(args) == 0
    assert not (out / "runs.csv").exists()  # no copies unless asked
    remove_chunk(out, 1)  # a damaged sweep: its chunk 1 runs again
    (out / ".runs.csv.1-deadbeef.tmp").write_text("half a file")  # a killed writer's
    assert main([*args, "--csv"]) == 0
    want = {k: v for k, v in files_of(first).items() if k.endswith(".csv")}
    got = {k: v for k, v in files_of(out).items() if k.endswith(".csv")}
    assert sorted(got) == ["alliance.csv", "design.csv", "members.csv", "runs.csv", "summary.csv"]
    assert got == want
    assert not list(out.glob(".*.tmp"))


def test_an_incomplete_sweep_gets_no_copies(swept):
    _, out = swept
    result = sim.load_sweep(out)
    result.manifest = {**result.manifest, "complete": False}
    with pytest.raises(ValueError, match="not complete"):
        write_csv_copies(result)
