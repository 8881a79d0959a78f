"""The sweep folder: chunk files written atomically, final tables, and :func:`load_sweep`.

This module owns the layout of a sweep's results folder::

    manifest.json           what was run, by which code, how far it got (``complete``)
    design.parquet          point_id + one column per axis, in the sampler's order
    salib_problem.json      sobol / morris only: SALib's problem, method, N, second order/levels
    runs.parquet            run_id, point_id, replication, seed, status, error, every parameter
    summary.parquet         run_id + sim.summary.summarise columns, one row per successful run
    alliance/chunk-NNNNNN.parquet   run_id, quarter, sim.metrics.ALLIANCE_COLUMNS (a dataset)
    members/chunk-NNNNNN.parquet    run_id, quarter, iso3, MEMBER_COLUMNS (keep.members only)
    chunks/chunk-NNNNNN.summary.parquet, chunks/chunk-NNNNNN.status.parquet

Every file is written under a temporary name starting with ``.`` in the same folder and moved
into place with ``os.replace``, so a reader never sees half a file (Parquet dataset readers skip
names starting with ``.``). A chunk's status file is written after its other files: a chunk is
complete exactly when its status file exists. The final ``runs.parquet`` and
``summary.parquet`` are rebuilt from the chunk files in run_id order, one chunk at a time, so
their bytes do not depend on the order chunks finished in or on interruptions.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import UserError

CHUNK_DIGITS = 6


class SweepFolderError(UserError):
    """A folder is not a sweep folder, or holds a different sweep."""


def _tmp_name(path: Path) -> Path:
    return path.parent / f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"


def write_parquet(frame: pd.DataFrame | pa.Table, path: Path) -> None:
    """Write a table to ``path`` atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    tmp = _tmp_name(path)
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(
        frame, preserve_index=False)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json(data: Any, path: Path) -> None:
    """Write JSON to ``path`` atomically."""
    path = Path(path)
    tmp = _tmp_name(path)
    try:
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def chunk_name(chunk_id: int) -> str:
    """File stem of a chunk: ``chunk-000012``."""
    return f"chunk-{chunk_id:0{CHUNK_DIGITS}d}"


def write_chunk(out: str | Path, chunk_id: int, status: pd.DataFrame, *,
                alliance: pd.DataFrame | None = None, members: pd.DataFrame | None = None,
                summary: pd.DataFrame | None = None) -> None:
    """Write one chunk's files; the status file (run_id, status, error) goes last."""
    out, name = Path(out), chunk_name(chunk_id)
    if alliance is not None:
        write_parquet(alliance, out / "alliance" / f"{name}.parquet")
    if members is not None:
        write_parquet(members, out / "members" / f"{name}.parquet")
    if summary is not None:
        write_parquet(summary, out / "chunks" / f"{name}.summary.parquet")
    write_parquet(status, out / "chunks" / f"{name}.status.parquet")


def completed_chunks(out: str | Path) -> list[int]:
    """The ids of the chunks whose status file exists, sorted."""
    folder = Path(out) / "chunks"
    if not folder.is_dir():
        return []
    return sorted(int(p.name.split(".")[0].split("-")[1])
                  for p in folder.glob("chunk-*.status.parquet"))


def read_status(out: str | Path, chunk_id: int) -> pd.DataFrame:
    """The status rows (run_id, status, error) of a completed chunk."""
    return pd.read_parquet(Path(out) / "chunks" / f"{chunk_name(chunk_id)}.status.parquet")


def make_folders(out: Path, keep_alliance: bool, keep_members: bool) -> None:
    """Create the sweep folder and its chunk folders; remove temp files of killed writers."""
    for sub in ("chunks", *(["alliance"] if keep_alliance else []),
                *(["members"] if keep_members else [])):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for folder in (out, out / "chunks", out / "alliance", out / "members"):
        if folder.is_dir():
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on the sweep folder (released by the OS if the process dies).

    Raises:
        SweepFolderError: if another process is writing the same sweep.
    """
    with open(out / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SweepFolderError(f"{out}: another sweep process is writing this folder"
                                   ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_manifest(out: str | Path) -> dict[str, Any]:
    """The manifest of a sweep folder.

    Raises:
        SweepFolderError: if the folder has no sweep manifest.
    """
    path = Path(out) / "manifest.json"
    if not Path(out).is_dir():
        raise SweepFolderError(f"{out}: no such folder")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        raise SweepFolderError(f"{out}: not a sweep folder (no readable manifest.json)"
                               ) from None
    if not isinstance(manifest, dict) or manifest.get("kind") != "sweep":
        raise SweepFolderError(f"{out}: not a sweep folder (manifest kind is "
                               f"{manifest.get('kind') if isinstance(manifest, dict) else None!r}"
                               ", expected 'sweep')")
    return manifest


def stream_table(path: Path, parts: Iterator[pd.DataFrame | pa.Table]) -> int:
    """Write the concatenation of ``parts`` to one Parquet file atomically; return its rows.

    Every part becomes a row group, cast to the schema of the first part, so memory holds one
    part at a time.
    """
    tmp, writer, rows = _tmp_name(path), None, 0
    try:
        for part in parts:
            table = part if isinstance(part, pa.Table) else pa.Table.from_pandas(
                part, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            elif table.schema != writer.schema:
                table = table.cast(writer.schema)
            writer.write_table(table)
            rows += table.num_rows
        if writer is None:
            return 0
        writer.close()
        writer = None
        os.replace(tmp, path)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
    return rows


class SweepResult:
    """A sweep folder's tables as pandas DataFrames (see :func:`load_sweep`).

    ``manifest`` and ``problem`` are read at once; the tables (``runs``, ``summary``,
    ``design``, ``alliance``, ``members``) on first access, so that holding a result costs no
    memory until a table is used. ``complete`` is false for a sweep that was interrupted: its
    tables then hold the chunks done so far and ``runs.status`` is ``"pending"`` for the others.
    """

    def __init__(self, path: Path, manifest: dict[str, Any], problem: dict[str, Any] | None,
                 chunks: list[int]) -> None:
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
        """One row per successful run: run_id and the ``sim.summary.summarise`` columns."""
        if self.complete and (self.path / "summary.parquet").is_file():
            return pd.read_parquet(self.path / "summary.parquet")
        files = [self.path / "chunks" / f"{chunk_name(c)}.summary.parquet" for c in self._chunks]
        parts = [pd.read_parquet(f) for f in files if f.is_file()]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def _series(self, sub: str) -> pd.DataFrame | None:
        if not (self.path / sub).is_dir():
            return None
        files = [self.path / sub / f"{chunk_name(c)}.parquet" for c in self._chunks]
        files = [f for f in files if f.is_file()]
        if not files:
            return pd.DataFrame()
        return pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()

    @functools.cached_property
    def alliance(self) -> pd.DataFrame:
        """Alliance series: run_id, quarter, ALLIANCE_COLUMNS (empty if not kept)."""
        frame = self._series("alliance")
        return pd.DataFrame() if frame is None else frame

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


def load_sweep(out: str | Path) -> SweepResult:
    """Open a sweep folder; its tables are read as pandas DataFrames on first access.

    Args:
        out: the sweep folder (written by ``python -m sim sweep``).

    Returns:
        The manifest, the SALib problem (sobol/morris, else None) and the tables ``runs``,
        ``summary``, ``design``, ``alliance`` and ``members`` (None unless kept).
        ``complete`` is false for an interrupted sweep, whose tables then hold the completed
        chunks only.

    Raises:
        SweepFolderError: if ``out`` is not a sweep folder.
    """
    out = Path(out)
    manifest = read_manifest(out)
    for name in ("runs.parquet", "design.parquet"):
        if not (out / name).is_file():
            raise SweepFolderError(f"{out}: sweep folder without {name}")
    problem_path = out / "salib_problem.json"
    problem = json.loads(problem_path.read_text()) if problem_path.is_file() else None
    return SweepResult(out, manifest, problem, completed_chunks(out))
