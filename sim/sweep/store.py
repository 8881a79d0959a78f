"""The sweep folder: chunk files written atomically, final tables, and :func:`load_sweep`.

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
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.core.errors import UserError

CHUNK_DIGITS = 6
SUMS = "SHA256SUMS"
"""The checksum list of a finished sweep (``sha256sum`` format), in the folder's root."""
RECORD_KEY = b"sim.chunk_files"
"""Parquet metadata key of a status file: JSON ``{relative path: sha256}`` of the chunk's
other files."""
STATUS_COLUMNS = ("run_id", "status", "error")
_CHUNK_RE = re.compile(r"chunk-(\d+)")


class SweepFolderError(UserError):
    """A folder is not a sweep folder, or holds a different sweep."""


def _tmp_name(path: Path) -> Path:
    return path.parent / f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, as 64 hex digits."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def write_parquet(
    frame: pd.DataFrame | pa.Table, path: Path, metadata: dict[bytes, bytes] | None = None
) -> str:
    """Write a table to ``path`` atomically (temp file in the same folder, then rename).

    Args:
        frame: the table.
        path: where it goes.
        metadata: extra key-value metadata for the Parquet schema.

    Returns:
        The sha256 of the file written.
    """
    path = Path(path)
    tmp = _tmp_name(path)
    table = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    try:
        pq.write_table(table, tmp)
        digest = file_sha256(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest


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


def chunk_files(chunk_id: int) -> dict[str, str]:
    """The files a chunk may have, relative to the sweep folder, by kind."""
    name = chunk_name(chunk_id)
    return {
        "alliance": f"alliance/{name}.parquet",
        "members": f"members/{name}.parquet",
        "summary": f"chunks/{name}.summary.parquet",
        "status": f"chunks/{name}.status.parquet",
    }


def write_chunk(
    out: str | Path,
    chunk_id: int,
    status: pd.DataFrame,
    *,
    alliance: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
    summary: pd.DataFrame | None = None,
) -> dict[str, str]:
    """Write one chunk's files; the status file (run_id, status, error) goes last.

    The status file's metadata records the sha256 of the other files (:data:`RECORD_KEY`).

    Returns:
        ``{relative path: sha256}`` of every file written, the status file included.
    """
    out, rel = Path(out), chunk_files(chunk_id)
    written: dict[str, str] = {}
    for kind, frame in (("alliance", alliance), ("members", members), ("summary", summary)):
        if frame is not None:
            written[rel[kind]] = write_parquet(frame, out / rel[kind])
    record = {RECORD_KEY: json.dumps(written, sort_keys=True).encode()}
    written[rel["status"]] = write_parquet(status, out / rel["status"], record)
    return written


def remove_chunk(out: str | Path, chunk_id: int) -> None:
    """Delete a chunk's files, its status file (the completion marker) first."""
    rel = chunk_files(chunk_id)
    for kind in ("status", "alliance", "members", "summary"):
        (Path(out) / rel[kind]).unlink(missing_ok=True)


def completed_chunks(out: str | Path) -> list[int]:
    """The ids of the chunks whose status file exists, sorted."""
    folder = Path(out) / "chunks"
    if not folder.is_dir():
        return []
    return sorted(
        int(p.name.split(".")[0].split("-")[1]) for p in folder.glob("chunk-*.status.parquet")
    )


def read_status(out: str | Path, chunk_id: int) -> pd.DataFrame:
    """The status rows (run_id, status, error) of a completed chunk."""
    return pd.read_parquet(Path(out) / "chunks" / f"{chunk_name(chunk_id)}.status.parquet")


def make_folders(out: Path, keep_alliance: bool, keep_members: bool) -> None:
    """Create the sweep folder and its chunk folders; remove temp files of killed writers."""
    for sub in (
        "chunks",
        *(["alliance"] if keep_alliance else []),
        *(["members"] if keep_members else []),
    ):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for folder in (out, out / "chunks", out / "alliance", out / "members"):
        if folder.is_dir():
            for tmp in folder.glob(".*.tmp"):
                if tmp.is_file():  # a folder is not ours (e.g. another tool's temporary one)
                    tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on the sweep folder's ``.lock`` file (released if the process dies).

    Take it before looking at what the folder holds: a second writer is refused at once. The
    lock counts only while ``.lock`` is the file that was locked (a writer that removes a new
    folder removes ``.lock`` too, holding the lock), so a process that locked a removed file
    tries again.

    Raises:
        SweepFolderError: if another process is writing the same folder.
    """
    path = Path(out) / ".lock"
    while True:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SweepFolderError(
                f"{out}: another sweep process is writing this folder (it "
                "holds its .lock): wait for it to finish, or choose another "
                "--out"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            now = os.stat(path)
        except FileNotFoundError:
            now = None
        held = os.fstat(fd)
        if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
            break
        os.close(fd)
    try:
        yield
    finally:
        os.close(fd)


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
        raise SweepFolderError(f"{out}: not a sweep folder (no readable manifest.json)") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != "sweep":
        raise SweepFolderError(
            f"{out}: not a sweep folder (manifest kind is "
            f"{manifest.get('kind') if isinstance(manifest, dict) else None!r}"
            ", expected 'sweep')"
        )
    return manifest


def stream_table(path: Path, parts: Iterator[pd.DataFrame | pa.Table]) -> int:
    """Write the concatenation of ``parts`` to one Parquet file atomically; return its rows.

    Every part becomes a row group, cast to the schema of the first part, so memory holds one
    part at a time.
    """
    tmp, writer, rows = _tmp_name(path), None, 0
    try:
        for part in parts:
            table = (
                part
                if isinstance(part, pa.Table)
                else pa.Table.from_pandas(part, preserve_index=False)
            )
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


@dataclass
class FolderCheck:
    """What :func:`check_chunks` and :func:`check_tables` found in a sweep folder."""

    chunks: dict[int, dict[str, str]] = field(default_factory=dict)
    """Each intact completed chunk: ``{relative path: sha256}`` of its files (status included)."""
    damaged: dict[int, str] = field(default_factory=dict)
    """Each damaged chunk: what is wrong with it."""
    tables: list[str] = field(default_factory=list)
    """What is wrong with the folder-level files (final tables, design, SHA256SUMS)."""
    runs_done: int = 0
    runs_failed: int = 0

    @property
    def ok(self) -> bool:
        """Whether nothing is damaged."""
        return not self.damaged and not self.tables

    def problems(self) -> list[str]:
        """Every problem as ``what: why``, chunks first."""
        return [f"{chunk_name(c)}: {why}" for c, why in sorted(self.damaged.items())] + self.tables


def _check_chunk(
    out: Path, chunk_id: int, first: int, stop: int, keep_alliance: bool, keep_members: bool
) -> tuple[dict[str, str], int, int]:
    """Check one completed chunk; return its files' sha256 and its (runs, failed) counts.

    Raises:
        ValueError: saying what is wrong with the chunk.
    """
    rel = chunk_files(chunk_id)
    path = out / rel["status"]
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as err:
        raise ValueError(f"{rel['status']} cannot be read ({type(err).__name__})") from None
    missing = [c for c in STATUS_COLUMNS if c not in table.column_names]
    if missing:
        raise ValueError(f"{rel['status']} lacks the column(s) {', '.join(missing)}")
    ids = table.column("run_id").to_numpy()
    if not np.array_equal(ids, np.arange(first, stop)):
        held = f"runs {ids[0]}-{ids[-1]}" if len(ids) else "no runs"
        raise ValueError(f"{rel['status']} holds {held}, expected runs {first}-{stop - 1}")
    status = table.column("status").to_pylist()
    if not set(status) <= {"ok", "failed"}:
        raise ValueError(f"{rel['status']} has a status other than ok or failed")
    n_failed = status.count("failed")
    raw = (table.schema.metadata or {}).get(RECORD_KEY)
    if raw is None:  # written before checksums were recorded: check that the files exist
        wanted = [
            k
            for k, keep in (
                ("summary", True),
                ("alliance", keep_alliance),
                ("members", keep_members),
            )
            if keep and n_failed < len(ids)
        ]
        record = {rel[k]: None for k in wanted}
    else:
        try:
            record = json.loads(raw)
        except ValueError:
            raise ValueError(f"{rel['status']} has an unreadable checksum record") from None
    files = {}
    for name, digest in sorted(record.items()):
        if not (out / name).is_file():
            raise ValueError(f"{name} is missing")
        if digest is not None:
            actual = file_sha256(out / name)
            if actual != digest:
                raise ValueError(f"{name} does not match the sha256 recorded in {rel['status']}")
            files[name] = actual
    files[rel["status"]] = file_sha256(path)
    return files, len(ids), n_failed


def check_chunks(
    out: str | Path,
    n_runs: int,
    chunk_size: int,
    *,
    keep_alliance: bool = True,
    keep_members: bool = False,
) -> FolderCheck:
    """Check every completed chunk of a sweep folder against its checksum record.

    A chunk is damaged when its status file cannot be read, holds other runs than the chunk's
    (``chunk_id * chunk_size`` onwards), or one of its files is missing or differs from the
    sha256 its status file records.

    Args:
        out: the sweep folder.
        n_runs: the sweep's number of runs.
        chunk_size: runs per chunk.
        keep_alliance: whether the sweep keeps alliance series (for chunks without a record).
        keep_members: whether it keeps member series (likewise).

    Returns:
        The intact chunks with their files' sha256, the damaged ones, and the runs done and
        failed in the intact ones.
    """
    out, check = Path(out), FolderCheck()
    n_chunks = -(-n_runs // chunk_size)
    for c in completed_chunks(out):
        if c >= n_chunks:
            check.damaged[c] = f"not a chunk of this sweep (it has {n_chunks} chunks)"
            continue
        first, stop = c * chunk_size, min((c + 1) * chunk_size, n_runs)
        try:
            files, runs, failed = _check_chunk(out, c, first, stop, keep_alliance, keep_members)
        except ValueError as err:
            check.damaged[c] = str(err)
            continue
        check.chunks[c] = files
        check.runs_done += runs
        check.runs_failed += failed
    return check


def read_sums(path: Path) -> dict[str, str]:
    """``{relative path: sha256}`` from a ``sha256sum``-format file.

    Raises:
        ValueError: if a line is not ``<64 hex digits>  <path>``.
    """
    sums = {}
    for i, line in enumerate(path.read_text().splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest) or not name:
            raise ValueError(f"{path.name} line {i} is not '<sha256>  <file>'")
        sums[name] = digest
    return sums


def write_sums(out: Path, files: dict[str, str]) -> str:
    """Write ``SHA256SUMS`` (sorted by path) atomically; return its own sha256."""
    text = "".join(f"{digest}  {name}\n" for name, digest in sorted(files.items()))
    tmp = _tmp_name(out / SUMS)
    try:
        tmp.write_text(text)
        os.replace(tmp, out / SUMS)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return hashlib.sha256(text.encode()).hexdigest()


def check_tables(out: str | Path, manifest: dict[str, Any], check: FolderCheck) -> None:
    """Check a finished sweep's files against ``SHA256SUMS`` (adds to ``check``).

    The chunks' files are compared with the sha256 :func:`check_chunks` computed (a chunk
    whose status file is gone is damaged); the folder-level files are hashed here. A sweep
    written before checksums were recorded (no ``checksums`` in its manifest) is left as it is.
    """
    out = Path(out)
    info = manifest.get("checksums")
    if not isinstance(info, dict):
        return
    path = out / SUMS
    if not path.is_file():
        check.tables.append(f"{SUMS} is missing")
        return
    if file_sha256(path) != info.get("sha256"):
        check.tables.append(f"{SUMS} does not match the sha256 recorded in manifest.json")
        return
    try:
        sums = read_sums(path)
    except (OSError, ValueError) as err:
        check.tables.append(str(err))
        return
    for name, digest in sums.items():
        m = _CHUNK_RE.search(name)
        if m and "/" in name:
            c = int(m.group(1))
            if c in check.damaged:
                continue
            actual = check.chunks.get(c, {}).get(name)
            if actual is None:
                status = chunk_files(c)["status"]
                gone = name if (out / status).is_file() else status
                check.damaged[c] = f"{gone} is missing"
                check.chunks.pop(c, None)
            elif actual != digest:
                check.damaged[c] = f"{name} does not match its sha256 in {SUMS}"
                check.chunks.pop(c, None)
        elif not (out / name).is_file():
            check.tables.append(f"{name} is missing")
        elif file_sha256(out / name) != digest:
            check.tables.append(f"{name} does not match its sha256 in {SUMS}")


def _sweep_shape(out: Path, manifest: dict[str, Any]) -> tuple[int, int, bool, bool]:
    """(n_runs, chunk_size, keep alliance, keep members) from a sweep's manifest."""
    config = manifest.get("config")
    try:
        n_runs, chunk_size = manifest["n_runs"], config["chunk_size"]
        keep = config.get("keep", {})
        if not (isinstance(n_runs, int) and isinstance(chunk_size, int) and chunk_size >= 1):
            raise TypeError
    except (KeyError, TypeError, AttributeError):
        raise SweepFolderError(
            f"{out}: manifest.json lacks n_runs or config.chunk_size: "
            "not a manifest written by `sim sweep`"
        ) from None
    return n_runs, chunk_size, bool(keep.get("alliance", True)), bool(keep.get("members", False))


def verify_sweep(out: str | Path, manifest: dict[str, Any] | None = None) -> FolderCheck:
    """Check a sweep folder's files against their recorded sha256 (chunks and final tables).

    Args:
        out: the sweep folder.
        manifest: its manifest (read if not given).

    Returns:
        What was found (``FolderCheck.ok`` is true for an intact folder).

    Raises:
        SweepFolderError: if ``out`` is not a sweep folder.
    """
    out = Path(out)
    manifest = manifest if manifest is not None else read_manifest(out)
    n_runs, chunk_size, keep_alliance, keep_members = _sweep_shape(out, manifest)
    check = check_chunks(
        out, n_runs, chunk_size, keep_alliance=keep_alliance, keep_members=keep_members
    )
    if manifest.get("complete"):
        check_tables(out, manifest, check)
    return check


def damage_message(out: Path, check: FolderCheck) -> str:
    """One line naming what is damaged in a sweep folder and how to repair it."""
    problems = check.problems()
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return (
        f"{out}: damaged sweep folder: {problems[0]}{more}; run `sim sweep` with this "
        "sweep's config and --out on this folder to repair it (damaged chunks run again, "
        "tables rebuilt)"
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
