"""The sweep folder's layout and its reader, :func:`load_sweep` (a :class:`SweepResult`).

This module owns the layout of a sweep's results folder (layout 2, ``sim.sweep.files.LAYOUT``)::

    manifest.json           what was run, by which code, the chunk size and why, how far it got
    design.parquet          point_id + one column per axis, in the sampler's order
    salib_problem.json      sobol / morris only: SALib's problem, method, N, second order/levels
    runs/chunk-NNNNNN.parquet       run_id, point_id, replication, seed, status, error, every
                                    parameter; the chunk's completion marker (written last)
    summary/chunk-NNNNNN.parquet    run_id + sim.core.summary.summarise columns (successful runs)
    alliance/chunk-NNNNNN.parquet   run_id, quarter, sim.core.metrics.ALLIANCE_COLUMNS
    members/chunk-NNNNNN.parquet    run_id, quarter, iso3, MEMBER_COLUMNS (keep.members only)
    SHA256SUMS              complete sweeps: sha256 of every file above but the manifest

Each folder is a Parquet dataset with one file per chunk of consecutive run ids, written by the
worker that ran the chunk (``sim.sweep.execution``; schemas and encodings in
``sim.sweep.partitions``): ``pandas.read_parquet(folder)`` or ``pyarrow.dataset.dataset(folder)``
read it whole, in run_id order. A partition's bytes depend only on its chunk's runs, never on
the order chunks finished in, the number of workers or interruptions; nothing is rebuilt at the
end.

Every file is written under a temporary name starting with ``.`` in the same folder and moved
into place with ``os.replace``, so a reader never sees half a file (Parquet dataset readers skip
names starting with ``.``). A chunk's ``runs/`` partition is written after its other files: a
chunk is complete exactly when that file exists.

Integrity: a chunk's ``runs/`` partition carries, in its Parquet metadata (key
``sim.chunk_files``), the sha256 of the chunk's other files, so the record is written atomically
with the marker. A finished sweep lists the sha256 of every file in ``SHA256SUMS`` (the format of
``sha256sum``; ``sha256sum -c SHA256SUMS`` checks it), assembled from these records, and records
that file's own sha256 in the manifest. :func:`check_chunks` and :func:`verify_sweep` compare the
files with these records; :func:`load_sweep` refuses a damaged folder, naming the damaged chunk.

The atomic writers and the folder lock are in ``sim.sweep.files``; the chunk files and their
checksums in ``sim.sweep.integrity``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from sim.sweep.files import SweepFolderError, read_manifest
from sim.sweep.integrity import (
    chunk_files,
    completed_chunks,
    damage_message,
    sweep_shape,
    verify_sweep,
)
from sim.sweep.partitions import read_schema, runs_table

if TYPE_CHECKING:  # pandas is imported when a table is read: a sweep runs without it
    import pandas as pd


def empty_table(dataset: str) -> pd.DataFrame:
    """A table of a sweep with no rows, with the columns and dtypes it has when it has rows."""
    return read_schema(dataset).empty_table().to_pandas()


class SweepResult:
    """A sweep folder's tables as pandas DataFrames (see :func:`load_sweep`).

    ``manifest`` and ``problem`` are read at once; the tables (``runs``, ``summary``,
    ``design``, ``alliance``, ``members``) on first access, so that holding a result costs no
    memory until a table is used. ``complete`` is false for a sweep that was interrupted: its
    tables then hold the chunks done so far and ``runs.status`` is ``"pending"`` for the others.
    The series are stored as float32 (``sim.sweep.partitions``) and read as float64.
    """

    def __init__(
        self,
        path: Path,
        manifest: dict[str, Any],
        problem: dict[str, Any] | None,
        chunks: list[int],
    ) -> None:
        self.path, self.manifest, self.problem, self._chunks = path, manifest, problem, chunks

    def __repr__(self) -> str:
        """The sweep's name, folder, size, completeness and the tables kept."""
        config = self.manifest.get("config", {})
        keep = config.get("keep", {})
        kept = ["runs", "summary", "design"] + [k for k in ("alliance", "members") if keep.get(k)]
        return (
            f"SweepResult({config.get('name', '?')!r} at {str(self.path)!r}: "
            f"{self.manifest.get('n_points', '?')} design points x "
            f"{config.get('replications', '?')} replications, "
            f"{'complete' if self.complete else 'incomplete'}; tables {', '.join(kept)})"
        )

    @property
    def complete(self) -> bool:
        """Whether every run of the sweep finished (ok or failed)."""
        return bool(self.manifest.get("complete"))

    @functools.cached_property
    def design(self) -> pd.DataFrame:
        """The design points: point_id and one column per axis, in the sampler's order."""
        import pandas as pd

        return pd.read_parquet(self.path / "design.parquet")

    def _table(self, dataset: str, chunks: list[int]) -> pa.Table | None:
        """The partitions of the given chunks of a dataset, in chunk order (None: no file).

        Their columns as read (``sim.sweep.partitions.read_schema``: the series in float64).
        """
        import pyarrow.dataset as ds

        files = [self.path / chunk_files(c)[dataset] for c in chunks]
        files = [str(f) for f in files if f.is_file()]
        if not files:
            return None
        table = ds.dataset(files, format="parquet").to_table()
        wanted = {f.name: f.type for f in read_schema(dataset)}
        fields = [pa.field(f.name, wanted.get(f.name, f.type)) for f in table.schema]
        return table.cast(pa.schema(fields, metadata=table.schema.metadata))

    @functools.cached_property
    def runs(self) -> pd.DataFrame:
        """One row per run: ids, seed, status, error and every parameter."""
        n_runs, chunk_size = sweep_shape(self.path, self.manifest)
        chunks, done = range(-(-n_runs // chunk_size)), set(self._chunks)
        if done >= set(chunks):
            table = self._table("runs", list(chunks))
            if table is not None and table.num_rows == n_runs:
                return table.to_pandas()
        parts = []
        for c in chunks:
            table = self._table("runs", [c]) if c in done else None
            parts.append(table if table is not None else self._pending(c, chunk_size, n_runs))
        return pa.concat_tables(parts).to_pandas()

    def _pending(self, chunk_id: int, chunk_size: int, n_runs: int) -> pa.Table:
        """The ``runs`` rows of a chunk not run yet (status ``pending``), from the manifest."""
        return pending_runs(self.manifest, self.design, chunk_id, chunk_size, n_runs)

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """One row per successful run: run_id and the ``sim.core.summary.summarise`` columns.

        A sweep with no finished run gives a table without rows but with these columns.
        """
        table = self._table("summary", self._chunks)
        return empty_table("summary") if table is None else table.to_pandas()

    def _series(self, dataset: str) -> pd.DataFrame | None:
        if not (self.path / dataset).is_dir():
            return None
        table = self._table(dataset, self._chunks)
        return empty_table(dataset) if table is None else table.to_pandas()

    @functools.cached_property
    def alliance(self) -> pd.DataFrame:
        """Alliance series: run_id, quarter, ALLIANCE_COLUMNS (no rows if not kept)."""
        frame = self._series("alliance")
        return empty_table("alliance") if frame is None else frame

    @functools.cached_property
    def members(self) -> pd.DataFrame | None:
        """Member series (run_id, quarter, iso3, MEMBER_COLUMNS), or None if not kept."""
        return self._series("members")


def pending_runs(
    manifest: dict[str, Any], design: pd.DataFrame, chunk_id: int, chunk_size: int, n_runs: int
) -> pa.Table:
    """The ``runs`` rows of a chunk not run yet, rebuilt from the manifest and the design.

    Seeds follow ``sim.sweep.designs.derive_seed`` as in ``run_plan``; the parameters are the
    manifest's base parameters with each design point's axis values.
    """
    from sim.core.params import make_params
    from sim.sweep.designs import derive_seed
    from sim.sweep.plan import design_points

    config = manifest["config"]
    replications, root_seed = int(config["replications"]), int(config["root_seed"])
    run_id = np.arange(chunk_id * chunk_size, min((chunk_id + 1) * chunk_size, n_runs))
    point_id, replication = run_id // replications, run_id % replications
    draws = int(config.get("posterior", {}).get("draws", 1))
    spawn = replication // draws if config.get("seeding", "paired") == "paired" else run_id
    seeds = {int(k): derive_seed(root_seed, int(k)) for k in np.unique(spawn)}
    rows = {
        "run_id": run_id,
        "point_id": point_id,
        "replication": replication,
        "seed": np.array([seeds[int(k)] for k in spawn], dtype=np.int64),
    }
    base = make_params(manifest["scenario"]["params"])
    n = len(run_id)
    points = design_points(pa.Table.from_pandas(design, preserve_index=False), point_id)
    return runs_table(rows, ["pending"] * n, [""] * n, points, base)


def load_sweep(out: str | Path, *, verify: bool = True) -> SweepResult:
    """Open a sweep folder; its tables are read as pandas DataFrames on first access.

    Args:
        out: the sweep folder (written by ``python -m sim sweep``).
        verify: first check every file against its recorded sha256 (:func:`verify_sweep`;
            this reads the whole folder once).

    Returns:
        The manifest, the SALib problem (sobol/morris, else None) and the tables ``runs``,
        ``summary``, ``design``, ``alliance`` and ``members`` (None unless kept).
        ``complete`` is false for an interrupted sweep, whose tables then hold the completed
        chunks only.

    Raises:
        SweepFolderError: if ``out`` is not a sweep folder (or one written by an earlier version
            in another layout), or (``verify``) a file is missing or differs from its recorded
            sha256 (naming the damaged chunk).
    """
    out = Path(out)
    manifest = read_manifest(out)
    sweep_shape(out, manifest)
    if not (out / "design.parquet").is_file():
        raise SweepFolderError(f"{out}: sweep folder without design.parquet")
    chunks = completed_chunks(out)
    if verify:
        check = verify_sweep(out, manifest)
        if not check.ok:
            raise SweepFolderError(damage_message(out, check))
        chunks = sorted(check.chunks)
    return SweepResult(out, manifest, read_problem(out), chunks)


def read_problem(out: str | Path) -> dict[str, Any] | None:
    """The SALib problem of a sobol or morris sweep (``salib_problem.json``), else None.

    Raises:
        SweepFolderError: if the file is not a JSON object with ``names`` and ``bounds``.
    """
    path = Path(out) / "salib_problem.json"
    if not path.is_file():
        return None
    try:
        problem = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise SweepFolderError(
            f"{path}: cannot be read as JSON ({type(err).__name__}: "
            f"{' '.join(str(err).split())}); rerun `sim sweep` on the folder "
            "to rewrite it"
        ) from None
    if not isinstance(problem, dict) or not {"names", "bounds"} <= set(problem):
        raise SweepFolderError(
            f"{path}: expected a JSON object with names and bounds (SALib's "
            "problem); rerun `sim sweep` on the folder to rewrite it"
        )
    return problem
