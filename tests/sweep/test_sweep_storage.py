"""How a chunk's partitions are stored (``sim.sweep.partitions.write_options``): its pages.

A chunk at the largest size the engine chooses (``sim.sweep.chunking.CHUNK_SERIES_BYTES`` of
float64 alliance series) has its rows within one page a column by count, and one page a column
compresses smaller than Arrow's default pages of 20,000 rows (measured: 3.5% on a 2,500-run
chunk).
"""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq

import sim
from sim.core.metrics import ALLIANCE_COLUMNS
from sim.sweep.chunking import CHUNK_SERIES_BYTES
from sim.sweep.partitions import MAX_ROWS_PER_PAGE, alliance_table, write_options

ARROW_DEFAULT_ROWS_PER_PAGE = 20_000
"""pyarrow's ``max_rows_per_page`` when none is given."""


def test_the_largest_chunk_fits_one_page_a_column_by_rows():
    rows = 44  # 43 quarterly steps and the start, the default scenario
    run_bytes = rows * len(ALLIANCE_COLUMNS) * 8  # float64 series in a worker (sizing.py)
    largest = CHUNK_SERIES_BYTES // run_bytes  # runs in the largest chunk the engine makes
    assert largest * rows <= MAX_ROWS_PER_PAGE


def test_one_page_a_column_is_smaller_than_arrows_default_pages(tmp_path):
    p = sim.load_scenario("configs/hague.toml").params
    runs = 2000  # 88,000 rows: five pages a column at Arrow's default
    traj = sim.simulate([p] * runs, list(range(runs)))
    table = alliance_table(traj.alliance, traj.quarters, np.arange(runs))
    assert table.num_rows > 4 * ARROW_DEFAULT_ROWS_PER_PAGE
    ours, default = tmp_path / "ours.parquet", tmp_path / "default.parquet"
    options = write_options("alliance")
    pq.write_table(table, ours, **options)
    pq.write_table(table, default, **{**options, "max_rows_per_page": ARROW_DEFAULT_ROWS_PER_PAGE})
    assert ours.stat().st_size < default.stat().st_size
    assert pq.read_table(ours).equals(pq.read_table(default))
