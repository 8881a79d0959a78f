"""The sweep folder's layout and its reader, :func:`load_sweep` (a :class:`SweepResult`).

This module owns the layout of a sweep's results folder::

    manifest.json           what was run, by which code, how far it got (``complete``)
    design.parquet          point_id + one column per axis, in the sampler's order
    salib_problem.json      sobol / morris only: SALib's problem, method, N, second order/levels
    runs.parquet            run_id, point_id, replication, seed, status, error, every parameter
    summary.parquet         run_id + sim.core.summary.summarise columns, one row per successful run
    alliance/chunk-NNNNNN.parquet   run_id, quarter, sim.core.metrics.ALLIANCE_COLUMNS (a dataset)
    members/chunk-NNNNNN.parquet    run_id, quarter, iso3, MEMBER_COLUMNS (keep.members only)
    chunks/chunk-NNNNNN.summary.parquet, chunks/chunk-NNNNNN.status.parquet
    SHA256SUMS              complete sweeps: sha256 of every file above but the manifest

Every file is written under a temporary name starting with ``.`` in the same folder and moved
into place with ``os.replace``, so a reader never sees half a file (Parquet dataset readers skip
names starting with ``.``). A chunk's status file is written after its other files: a chunk is
complete exactly when its status file exists. The final ``runs.parquet`` and
``summary.parquet`` are rebuilt from the chunk files in run_id order, one chunk at a time, so
their bytes do not depend on the order chunks finished in or on interruptions.

Integrity: a chunk's status file carries, in its Parquet metadata (key ``sim.chunk_files``), the
sha256 of the chunk's other files, so the record is written atomically with the marker. A
finished sweep lists the sha256 of every file in ``SHA256SUMS`` (the format of ``sha256sum``;
``sha256sum -c SHA256SUMS`` checks it) and records that file's own sha256 in the manifest.
:func:`check_chunks` and :func:`verify_sweep` compare the files with these records;
:func:`load_sweep` refuses a damaged folder, naming the damaged chunk.

The atomic writers and the folder lock are in ``sim.sweep.files``; the chunk files and their
checksums in ``sim.sweep.integrity``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.sweep.files import SweepFolderError, read_manifest
from sim.sweep.integrity import (
    chunk_name,
    completed_chunks,
    damage_message,
    read_status,
    verify_sweep,
)


def empty_table(table: str) -> pd.DataFrame:
    """A table of a sweep with no rows, with the columns and dtypes it has when it has rows."""
    from sim.core.metrics import ALLIANCE_COLUMNS, COUNT_COLUMNS, MEMBER_COLUMNS
    from sim.core.summary import summarise

    if table == "summary":
        frame = summarise(np.zeros((0, 1, len(ALLIANCE_COLUMNS))), ("",), [], 1)
        frame.insert(0, "run_id", np.array([], dtype=np.int64))
    else:
        ids = {"run_id": np.array([], dtype=np.int64), "quarter": np.array([], dtype=object)}
        if table == "alliance":
            frame = pd.DataFrame(
                {
                    **ids,
                    **{
                        c: np.array([], dtype=np.int64 if c in COUNT_COLUMNS else float)
                        for c in ALLIANCE_COLUMNS
                    },
                }
            )
        else:
            frame = pd.DataFrame(
                {
                    **ids,
                    "iso3": np.array([], dtype=object),
                    **{c: np.array([], dtype=float) for c in MEMBER_COLUMNS},
                }
            )
    # through Arrow, as a table read from disk: the same dtypes (text columns as strings)
    schema = pa.schema(
        [
            pa.field(
                c, pa.string() if frame[c].dtype == object else pa.from_numpy_dtype(frame[c].dtype)
            )
            for c in frame
        ]
    )
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False).to_pandas()


class SweepResult:
    """A sweep folder's tables as pandas DataFrames (see :func:`load_sweep`).

    ``manifest`` and ``problem`` are read at once; the tables (``runs``, ``summary``,
    ``design``, ``alliance``, ``members``) on first access, so that holding a result costs no
    memory until a table is used. ``complete`` is false for a sweep that was interrupted: its
    tables then hold the chunks done so far and ``runs.status`` is ``"pending"`` for the others.
    """

    def __init__(
        self,
        path: Path,
        manifest: dict[str, Any],
        problem: dict[str, Any] | None,
        chunks: list[int],
    ) -> None:
        self.path, self.manifest, self.problem, self._chunks = path, manifest, problem, chunks

    @property
    def complete(self) -> bool:
        """Whether every run of the sweep finished (ok or failed)."""
        return bool(self.manifest.get("complete"))

    @functools.cached_property
    def design(self) -> pd.DataFrame:
        """The design points: point_id and one column per axis, in the sampler's order."""
        return pd.read_parquet(self.path / "design.parquet")

    @functools.cached_property
    def runs(self) -> pd.DataFrame:
        """One row per run: ids, seed, status, error and every parameter."""
        runs = pd.read_parquet(self.path / "runs.parquet")
        if self.complete:
            return runs
        return _overlay(runs, [read_status(self.path, c) for c in self._chunks])

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """One row per successful run: run_id and the ``sim.core.summary.summarise`` columns.

        A sweep with no finished run gives a table without rows but with these columns.
        """
        if self.complete and (self.path / "summary.parquet").is_file():
            return pd.read_parquet(self.path / "summary.parquet")
        files = [self.path / "chunks" / f"{chunk_name(c)}.summary.parquet" for c in self._chunks]
        parts = [pd.read_parquet(f) for f in files if f.is_file()]
        return pd.concat(parts, ignore_index=True) if parts else empty_table("summary")

    def _series(self, sub: str) -> pd.DataFrame | None:
        if not (self.path / sub).is_dir():
            return None
        files = [self.path / sub / f"{chunk_name(c)}.parquet" for c in self._chunks]
        files = [f for f in files if f.is_file()]
        if not files:
            return empty_table(sub)
        return pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()

    @functools.cached_property
    def alliance(self) -> pd.DataFrame:
        """Alliance series: run_id, quarter, ALLIANCE_COLUMNS (no rows if not kept)."""
        frame = self._series("alliance")
        return empty_table("alliance") if frame is None else frame

    @functools.cached_property
    def members(self) -> pd.DataFrame | None:
        """Member series (run_id, quarter, iso3, MEMBER_COLUMNS), or None if not kept."""
        return self._series("members")


def _overlay(runs: pd.DataFrame, statuses: list[pd.DataFrame]) -> pd.DataFrame:
    if not statuses:
        return runs
    done = pd.concat(statuses, ignore_index=True).set_index("run_id")
    idx = runs["run_id"].isin(done.index)
    ids = runs.loc[idx, "run_id"]
    runs.loc[idx, "status"] = done.loc[ids, "status"].to_numpy()
    runs.loc[idx, "error"] = done.loc[ids, "error"].to_numpy()
    return runs


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
        SweepFolderError: if ``out`` is not a sweep folder, or (``verify``) a file is missing
            or differs from its recorded sha256 (naming the damaged chunk).
    """
    out = Path(out)
    manifest = read_manifest(out)
    for name in ("runs.parquet", "design.parquet"):
        if not (out / name).is_file():
            raise SweepFolderError(f"{out}: sweep folder without {name}")
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
