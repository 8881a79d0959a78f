"""A chunk's partitions: the Arrow tables a chunk of runs writes, their schemas and encodings.

This module owns what one chunk contributes to each dataset of a sweep folder (one Parquet file
per chunk in ``runs/``, ``summary/``, ``alliance/`` and ``members/``; see ``sim.sweep.store``):
the schema of each dataset, fixed so that every partition of a dataset has the same one, and
building the tables from a chunk's arrays (no pandas DataFrame on the way: a worker does not
import pandas).

How the tables are stored (:func:`write_options`; measured on 1,000 runs of the default scenario
in ``docs/SWEEPS.md``):

- the series' metrics as float32 (:data:`SERIES_FLOAT`): about 7 significant digits, a relative
  rounding of at most 6e-8 (``2**-24``), so a share of 3.5% is kept to about 2e-7 percentage
  points. Everything computed from the series inside a run (the summary, the counts of members
  at each line, the invariants) uses the float64 values before they are rounded; the counts of
  members at or above a line are stored exactly, as int32 (:data:`COUNT_TYPE`). ``runs`` and
  ``summary`` keep float64;
- Parquet's dictionary encoding for the key columns (``run_id``, ``quarter``, ``iso3``, the counts,
  every column of ``runs`` and the text and integer columns of ``summary``; they are read back as
  plain strings and integers) and the BYTE_STREAM_SPLIT encoding for the float series, which zstd
  then compresses about a fifth better than plain floats; dictionary pages for the float series
  made files larger and writes three times slower, and for the summary's float64 outcomes (nearly
  every value distinct) 16% larger and slower (a 2,219-run chunk: 176 KB in 3.0 ms without them,
  204 KB in 4.1 ms with them, medians of 21, 2026-12-06);
- the series (:data:`SERIES_DATASETS`) compressed with zstd (level :data:`ZSTD_LEVEL`): smaller
  than snappy and lz4 (2.05 KB against 2.37 KB and 2.12 KB per run of alliance series) for about
  4 ms more per 1,000 runs; ``runs`` and ``summary`` with snappy (:data:`TABLE_CODEC`);
- statistics for ``run_id`` only, so that a reader filtering by run (``pyarrow.dataset``,
  DuckDB) skips whole files;
- pages of up to :data:`MAX_ROWS_PER_PAGE` rows, so that a chunk's column is one page where it
  fits Arrow's 1 MB: zstd then sees the whole column at once.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from sim.core.metrics import ALLIANCE_COLUMNS, COUNT_COLUMNS, MEMBER_COLUMNS
from sim.core.params import PARAM_FIELDS, Params
from sim.sweep.arrow_arrays import array, strings, taken

DATASETS = ("runs", "summary", "alliance", "members")
"""The datasets of a sweep folder, each a folder of one Parquet file per chunk."""

SERIES_FLOAT = pa.float32()
"""The type of the series' metrics (alliance and member) on disk."""

COUNT_TYPE = pa.int32()
"""The type of the counts of members at or above a line (``COUNT_COLUMNS``) on disk."""

SERIES_DATASETS = ("alliance", "members")
"""The datasets of series, compressed with zstd; the others (``runs``, ``summary``) with
:data:`TABLE_CODEC`."""

TABLE_CODEC = "snappy"
"""The compression of ``runs`` and ``summary``: many narrow columns (93 and 25), where zstd's
set-up for each column costs more than it saves. Against zstd at :data:`ZSTD_LEVEL`, a chunk's
two files were written in 3.2 ms instead of 5.4 (750 runs a chunk) and 5.3 instead of 7.7 (2,500
runs), for 5.5 and 8 more bytes a run (128 against 123, 98 against 90; a run with alliance series
takes about 2,150), medians of 63 writes in alternation on one CPU, 2026-12-06
(``experiments/benchmarks/bench_codecs.py``). lz4 was as fast and 2 bytes a run smaller; snappy
is the codec every Parquet reader has."""

ZSTD_LEVEL = -1
"""zstd's level, one of its fast levels: against level 1, writes of alliance series 11-19%
faster for 0.5% more bytes (2,117 against 2,107 bytes a run, six 2,500-run chunks written five
times in alternation, 2026-12-06); level 3 saved 1% of the bytes for 10% more write time."""

TRANSPOSE_ROWS = 4096
"""Rows transposed at a time into a chunk's float32 columns (:func:`_by_column`): 4,096 rows of
27 float32 metrics are 442 KB, which with their transposed copy fit the 1 MiB L2 cache of a
core of the machine measured. There, 1,024 to 4,096 rows took 3.5-3.6 ms for a 2,219-run chunk,
8,192 rows 3.9 ms and 16,384 rows 4.5 ms (medians of 31, alternating, 2026-12-06)."""

MAX_ROWS_PER_PAGE = 2**20
"""Rows a Parquet data page may hold (pages still close at Arrow's 1 MB). Arrow's default of
20,000 rows cut a 2,500-run chunk's alliance series (110,000 rows) into six pages a column;
one page a column compresses 3.5% smaller (5,109,778 against 5,294,039 bytes) in the same
time (31 ms; 2026-12-06)."""

RUN_KEYS = ("run_id", "point_id", "replication", "seed", "status", "error")
"""The columns of ``runs`` before the parameters."""

_PARAM_TYPES = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "str": pa.string()}


def runs_schema() -> pa.Schema:
    """``runs``: the run's ids, seed, status (ok | failed | pending) and error, every parameter."""
    keys = [pa.field(k, pa.string() if k in ("status", "error") else pa.int64()) for k in RUN_KEYS]
    return pa.schema(keys + [pa.field(n, _PARAM_TYPES[f.type]) for n, f in PARAM_FIELDS.items()])


def alliance_schema() -> pa.Schema:
    """``alliance``: run_id, quarter and ``ALLIANCE_COLUMNS`` (float32; the counts int32).

    Every field is required (:func:`_required`).
    """
    metrics = [
        pa.field(c, COUNT_TYPE if c in COUNT_COLUMNS else SERIES_FLOAT) for c in ALLIANCE_COLUMNS
    ]
    keys = [pa.field("run_id", pa.int64()), pa.field("quarter", pa.string())]
    return _required([*keys, *metrics])


def members_schema() -> pa.Schema:
    """``members``: run_id, quarter, iso3 and ``MEMBER_COLUMNS`` (float32); every field required."""
    keys = [pa.field("run_id", pa.int64()), pa.field("quarter", pa.string())]
    keys.append(pa.field("iso3", pa.string()))
    return _required(keys + [pa.field(c, SERIES_FLOAT) for c in MEMBER_COLUMNS])


def _required(fields: list[pa.Field]) -> pa.Schema:
    """A schema of non-nullable fields: Parquet's REQUIRED columns.

    They are written without definition levels. The series never hold a null (a run with a
    non-finite value is failed and left out, ``sim.sweep.execution``), and a 2,500-run chunk's
    alliance series are written in 25.7 ms instead of 31.9 (2026-12-06). Readers see the same
    values; partitions written nullable by earlier versions read alongside (``sim.sweep.store``
    widens every field to nullable).
    """
    return pa.schema([f.with_nullable(False) for f in fields])


@functools.cache
def summary_schema() -> pa.Schema:
    """``summary``: run_id and the columns of ``sim.core.summary.summarise`` (float64 kept)."""
    from sim.core.summary import summary_columns

    columns = summary_columns(np.zeros((0, 1, len(ALLIANCE_COLUMNS))), ("",), [], 1)
    fields = [pa.field("run_id", pa.int64())]
    for name, values in columns.items():
        text = values.dtype.kind in "OU"
        fields.append(pa.field(name, pa.string() if text else pa.from_numpy_dtype(values.dtype)))
    return pa.schema(fields)


def schema(dataset: str) -> pa.Schema:
    """The schema of one of :data:`DATASETS` on disk."""
    makers = {
        "runs": runs_schema,
        "summary": summary_schema,
        "alliance": alliance_schema,
        "members": members_schema,
    }
    return makers[dataset]()


def read_schema(dataset: str) -> pa.Schema:
    """The schema a dataset is read with (``sim.load_sweep``): the series widened.

    The float32 metrics as float64 and the int32 counts as int64, so that what readers compute
    from them is computed in float64 (the values are the stored ones, rounded to float32).
    """
    wider = {SERIES_FLOAT: pa.float64(), COUNT_TYPE: pa.int64()}
    stored = schema(dataset)
    return pa.schema([pa.field(f.name, wider.get(f.type, f.type)) for f in stored])


def write_options(dataset: str) -> dict[str, Any]:
    """Keyword arguments of ``pyarrow.parquet.write_table`` for a partition of ``dataset``."""
    table_schema = schema(dataset)
    floats = [f.name for f in table_schema if f.type == SERIES_FLOAT]
    measured = {SERIES_FLOAT, pa.float64()} if dataset == "summary" else {SERIES_FLOAT}
    keys = [f.name for f in table_schema if f.type not in measured]  # the rest: a dictionary
    codec = (
        {"compression": "zstd", "compression_level": ZSTD_LEVEL}
        if dataset in SERIES_DATASETS
        else {"compression": TABLE_CODEC}
    )
    return {
        **codec,
        "use_dictionary": keys,
        "use_byte_stream_split": floats or False,
        "write_statistics": ["run_id"],
        "max_rows_per_page": MAX_ROWS_PER_PAGE,
    }


def _sorted_by_run(tables: list[pa.Table]) -> pa.Table:
    """The tables of a chunk's batches as one, ordered by run_id (a stable sort)."""
    if len(tables) == 1:
        return tables[0]
    import pyarrow.compute as pc

    table = pa.concat_tables(tables)
    return table.take(pc.sort_indices(table, [("run_id", "ascending")]))


def _labels(values: Sequence[str], repeat: int, tile: int) -> pa.Array:
    """Strings as ``np.tile(np.repeat(values, repeat), tile)``, gathered by numpy.

    No Python object is made per row (``sim.sweep.arrow_arrays.taken``).
    """
    return taken(values, pa.string(), np.tile(np.repeat(np.arange(len(values)), repeat), tile))


def alliance_table(alliance: np.ndarray, quarters: Sequence[str], run_ids: np.ndarray) -> pa.Table:
    """One batch's alliance series: (R, T, K) float64 metrics as rows (run_id, quarter)."""
    runs, rows, _ = alliance.shape
    flat = alliance.reshape(runs * rows, -1)
    columns: list[pa.Array] = [
        array(np.repeat(np.asarray(run_ids, dtype=np.int64), rows), pa.int64()),
        _labels(quarters, 1, runs),
    ]
    values = _by_column(flat)
    for j, name in enumerate(ALLIANCE_COLUMNS):
        counted = name in COUNT_COLUMNS  # exact in float64: int32 from there, not from float32
        columns.append(array(flat[:, j], COUNT_TYPE) if counted else array(values[j], SERIES_FLOAT))
    return pa.Table.from_arrays(columns, schema=alliance_schema())


def _by_column(flat: np.ndarray) -> np.ndarray:
    """A (rows, K) float64 matrix as (K, rows) float32, each metric contiguous.

    Cast first, in the rows' own order, then transpose the float32 copy a block of
    :data:`TRANSPOSE_ROWS` rows at a time, so that each block's rows and columns stay in the
    CPU's cache: a 2,219-run chunk's alliance series (97,636 rows of 27) in 3.5 ms, against 5.1
    ms for one transposed copy of the whole (medians of 31, one CPU, 2026-12-06).
    """
    rows, k = flat.shape
    cast = flat.astype(np.float32)
    out = np.empty((k, rows), dtype=np.float32)
    for start in range(0, rows, TRANSPOSE_ROWS):
        out[:, start : start + TRANSPOSE_ROWS] = cast[start : start + TRANSPOSE_ROWS].T
    return out


def members_table(
    members: np.ndarray, quarters: Sequence[str], iso3: Sequence[str], run_ids: np.ndarray
) -> pa.Table:
    """One batch's member series: (R, T, N, Km) float64 as rows (run_id, quarter, iso3)."""
    runs, rows, n, _ = members.shape
    flat = members.reshape(runs * rows * n, -1)
    columns: list[pa.Array] = [
        array(np.repeat(np.asarray(run_ids, dtype=np.int64), rows * n), pa.int64()),
        _labels(quarters, n, runs),
        _labels(iso3, 1, runs * rows),
    ]
    columns += [array(column, SERIES_FLOAT) for column in _by_column(flat)]
    return pa.Table.from_arrays(columns, schema=members_schema())


def summary_table(summary: Mapping[str, np.ndarray], run_ids: np.ndarray) -> pa.Table:
    """One batch's summary rows (``summary_columns``'s columns) with their run ids first."""
    target = summary_schema()
    columns = [array(run_ids, pa.int64())]
    columns += [array(summary[f.name], f.type) for f in list(target)[1:]]
    return pa.Table.from_arrays(columns, schema=target)


def chunk_tables(batches: list[dict[str, pa.Table]]) -> dict[str, pa.Table]:
    """Each dataset's partition of a chunk from its batches' tables, ordered by run_id."""
    names = {name for batch in batches for name in batch}
    return {name: _sorted_by_run([b[name] for b in batches]) for name in sorted(names)}


def params_columns(
    point_ids: np.ndarray,
    points: dict[int, dict[str, Any]],
    base: Params,
    run_params: Sequence[Params] | None = None,
) -> list[pa.Array]:
    """Every parameter's value for each run, in ``PARAM_FIELDS`` order.

    Args:
        point_ids: each run's design point.
        points: the axis values of each design point (``{point_id: {axis: value}}``).
        base: the parameters every run starts from.
        run_params: each run's own parameters, when they differ within a design point (a
            posterior draw's values, ``sim.sweep.posterior``).
    """
    if run_params is not None:
        return [
            array([getattr(p, name) for p in run_params], _PARAM_TYPES[f.type])
            for name, f in PARAM_FIELDS.items()
        ]
    ids = sorted(points)
    where = np.searchsorted(np.asarray(ids, dtype=np.int64), np.asarray(point_ids, dtype=np.int64))
    axes = set().union(*(p.keys() for p in points.values())) if points else set()
    columns = []
    for name, f in PARAM_FIELDS.items():
        kind = _PARAM_TYPES[f.type]
        if name in axes:
            columns.append(taken([points[i][name] for i in ids], kind, where))
        else:
            columns.append(taken([getattr(base, name)], kind, np.zeros(len(where), np.int64)))
    return columns


def runs_table(
    rows: dict[str, np.ndarray],
    status: Sequence[str],
    error: Sequence[str],
    points: dict[int, dict[str, Any]],
    base: Params,
    run_params: Sequence[Params] | None = None,
) -> pa.Table:
    """A chunk's rows of ``runs``.

    Args:
        rows: ``run_id``, ``point_id``, ``replication`` and ``seed`` of each run.
        status: each run's status (ok | failed | pending).
        error: each run's error ('' for none).
        points: the axis values of each design point of the chunk.
        base: the parameters every run starts from.
        run_params: each run's own parameters (see :func:`params_columns`).
    """
    columns = [array(rows[k], pa.int64()) for k in RUN_KEYS[:4]]
    columns += [strings(status), strings(error)]
    columns += params_columns(rows["point_id"], points, base, run_params)
    return pa.Table.from_arrays(columns, schema=runs_schema())
