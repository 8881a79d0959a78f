"""Chunk files and checksums of a sweep folder.

This module owns a chunk's files (its partition of each dataset; the ``runs/`` partition, written
last, marks the chunk complete and records, in its Parquet metadata, the sha256 of the chunk's
other files), the ``SHA256SUMS`` list of a finished sweep, and the checks of a folder's files
against these records (:func:`check_chunks`, :func:`check_tables`, :func:`verify_sweep`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.sweep.files import SweepFolderError, file_sha256, read_manifest, tmp_name, write_parquet
from sim.sweep.partitions import write_options

CHUNK_DIGITS = 6


SUMS = "SHA256SUMS"
"""The checksum list of a finished sweep (``sha256sum`` format), in the folder's root."""


RECORD_KEY = b"sim.chunk_files"
"""Parquet metadata key of a chunk's ``runs/`` partition: JSON ``{relative path: sha256}`` of the
chunk's other files."""


MARKER = "runs"
"""The dataset whose partition marks a chunk complete: it is written after the chunk's others."""


STATUS_COLUMNS = ("run_id", "status", "error")


_CHUNK_RE = re.compile(r"chunk-(\d+)")


def chunk_name(chunk_id: int) -> str:
    """File stem of a chunk: ``chunk-000012``."""
    return f"chunk-{chunk_id:0{CHUNK_DIGITS}d}"


def chunk_files(chunk_id: int) -> dict[str, str]:
    """The files a chunk may have, relative to the sweep folder, by dataset."""
    name = chunk_name(chunk_id)
    return {d: f"{d}/{name}.parquet" for d in ("runs", "summary", "alliance", "members")}


def write_chunk(out: str | Path, chunk_id: int, tables: dict[str, pa.Table]) -> dict[str, str]:
    """Write one chunk's partitions; the ``runs`` partition (the completion marker) goes last.

    Its metadata records the sha256 of the other files (:data:`RECORD_KEY`).

    Args:
        out: the sweep folder.
        chunk_id: the chunk.
        tables: the chunk's table of each dataset (``runs`` required; datasets not kept, or
            with no successful run, are left out).

    Returns:
        ``{relative path: sha256}`` of every file written, the marker included.
    """
    out, rel = Path(out), chunk_files(chunk_id)
    written: dict[str, str] = {}
    for dataset, table in sorted(tables.items()):
        if dataset != MARKER:
            written[rel[dataset]] = write_parquet(
                table, out / rel[dataset], options=write_options(dataset)
            )
    record = {RECORD_KEY: json.dumps(written, sort_keys=True).encode()}
    written[rel[MARKER]] = write_parquet(
        tables[MARKER], out / rel[MARKER], record, options=write_options(MARKER)
    )
    return written


def remove_chunk(out: str | Path, chunk_id: int) -> None:
    """Delete a chunk's files, its ``runs`` partition (the completion marker) first."""
    rel = chunk_files(chunk_id)
    for dataset in (MARKER, *(d for d in rel if d != MARKER)):
        (Path(out) / rel[dataset]).unlink(missing_ok=True)


def completed_chunks(out: str | Path) -> list[int]:
    """The ids of the chunks whose ``runs`` partition exists, sorted."""
    folder = Path(out) / MARKER
    if not folder.is_dir():
        return []
    return sorted(int(_CHUNK_RE.fullmatch(p.stem).group(1)) for p in folder.glob("chunk-*.parquet"))


@dataclass
class FolderCheck:
    """What :func:`check_chunks` and :func:`check_tables` found in a sweep folder."""

    chunks: dict[int, dict[str, str]] = field(default_factory=dict)
    """Each intact completed chunk: ``{relative path: sha256}`` of its files (marker included)."""
    damaged: dict[int, str] = field(default_factory=dict)
    """Each damaged chunk: what is wrong with it."""
    tables: list[str] = field(default_factory=list)
    """What is wrong with the folder-level files (design, SALib problem, SHA256SUMS)."""
    counts: dict[int, tuple[int, int]] = field(default_factory=dict)
    """Each intact completed chunk's (runs, failed runs)."""

    @property
    def runs_done(self) -> int:
        """Runs in the intact completed chunks."""
        return sum(self.counts[c][0] for c in self.chunks)

    @property
    def runs_failed(self) -> int:
        """Failed runs in the intact completed chunks."""
        return sum(self.counts[c][1] for c in self.chunks)

    @property
    def ok(self) -> bool:
        """Whether nothing is damaged."""
        return not self.damaged and not self.tables

    def problems(self) -> list[str]:
        """Every problem as ``what: why``, chunks first."""
        return [f"{chunk_name(c)}: {why}" for c, why in sorted(self.damaged.items())] + self.tables


def _check_chunk(
    out: Path, chunk_id: int, first: int, stop: int
) -> tuple[dict[str, str], int, int]:
    """Check one completed chunk; return its files' sha256 and its (runs, failed) counts.

    Raises:
        ValueError: saying what is wrong with the chunk.
    """
    marker = chunk_files(chunk_id)[MARKER]
    path = out / marker
    try:
        table = pq.read_table(path, columns=list(STATUS_COLUMNS[:2]))
    except (OSError, pa.ArrowException) as err:
        kind = type(err).__name__
        raise ValueError(f"{marker} cannot be read or lacks run_id and status ({kind})") from None
    ids = table.column("run_id").to_numpy()
    if not np.array_equal(ids, np.arange(first, stop)):
        held = f"runs {ids[0]}-{ids[-1]}" if len(ids) else "no runs"
        raise ValueError(f"{marker} holds {held}, expected runs {first}-{stop - 1}")
    status = table.column("status").to_pylist()
    if not set(status) <= {"ok", "failed"}:
        raise ValueError(f"{marker} has a status other than ok or failed")
    raw = (table.schema.metadata or {}).get(RECORD_KEY)
    try:
        record = json.loads(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{marker} has no readable checksum record") from None
    files = {}
    for name, digest in sorted(record.items()):
        if not (out / name).is_file():
            raise ValueError(f"{name} is missing")
        actual = file_sha256(out / name)
        if actual != digest:
            raise ValueError(f"{name} does not match the sha256 recorded in {marker}")
        files[name] = actual
    files[marker] = file_sha256(path)
    return files, len(ids), status.count("failed")


def check_chunks(out: str | Path, n_runs: int, chunk_size: int) -> FolderCheck:
    """Check every completed chunk of a sweep folder against its checksum record.

    A chunk is damaged when its ``runs`` partition cannot be read, holds other runs than the
    chunk's (``chunk_id * chunk_size`` onwards), or one of its files is missing or differs from
    the sha256 the partition records.

    Args:
        out: the sweep folder.
        n_runs: the sweep's number of runs.
        chunk_size: runs per chunk (the manifest's ``chunk_size``).

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
            files, runs, failed = _check_chunk(out, c, first, stop)
        except ValueError as err:
            check.damaged[c] = str(err)
            continue
        check.chunks[c] = files
        check.counts[c] = (runs, failed)
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
    tmp = tmp_name(out / SUMS)
    try:
        tmp.write_text(text)
        os.replace(tmp, out / SUMS)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return hashlib.sha256(text.encode()).hexdigest()


def _check_listed_chunk_file(out: Path, name: str, digest: str, check: FolderCheck) -> None:
    """Compare a chunk's file listed in ``SHA256SUMS`` with what :func:`check_chunks` found."""
    c = int(_CHUNK_RE.search(name).group(1))
    if c in check.damaged:
        return
    actual = check.chunks.get(c, {}).get(name)
    if actual is None:
        marker = chunk_files(c)[MARKER]
        gone = name if (out / marker).is_file() else marker
        check.damaged[c] = f"{gone} is missing"
        check.chunks.pop(c, None)
    elif actual != digest:
        check.damaged[c] = f"{name} does not match its sha256 in {SUMS}"
        check.chunks.pop(c, None)


def check_tables(out: str | Path, manifest: dict[str, Any], check: FolderCheck) -> None:
    """Check a finished sweep's files against ``SHA256SUMS`` (adds to ``check``).

    The chunks' files are compared with the sha256 :func:`check_chunks` computed (a chunk
    whose ``runs`` partition is gone is damaged); the folder-level files are hashed here.
    """
    out = Path(out)
    info = manifest.get("checksums")
    path = out / SUMS
    if not path.is_file():
        check.tables.append(f"{SUMS} is missing")
        return
    if not isinstance(info, dict) or file_sha256(path) != info.get("sha256"):
        check.tables.append(f"{SUMS} does not match the sha256 recorded in manifest.json")
        return
    try:
        sums = read_sums(path)
    except (OSError, ValueError) as err:
        check.tables.append(str(err))
        return
    for name, digest in sums.items():
        if "/" in name and _CHUNK_RE.search(name):
            _check_listed_chunk_file(out, name, digest, check)
        elif not (out / name).is_file():
            check.tables.append(f"{name} is missing")
        elif file_sha256(out / name) != digest:
            check.tables.append(f"{name} does not match its sha256 in {SUMS}")


def sweep_shape(out: Path, manifest: dict[str, Any]) -> tuple[int, int]:
    """(n_runs, chunk_size) from a sweep's manifest.

    Raises:
        SweepFolderError: if the manifest lacks them.
    """
    n_runs, chunk_size = manifest.get("n_runs"), manifest.get("chunk_size")
    for value in (n_runs, chunk_size):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SweepFolderError(
                f"{out}: manifest.json lacks n_runs or chunk_size: not a manifest written by "
                "`sim sweep`"
            )
    return n_runs, chunk_size


def verify_sweep(out: str | Path, manifest: dict[str, Any] | None = None) -> FolderCheck:
    """Check a sweep folder's files against their recorded sha256 (chunks and final files).

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
    check = check_chunks(out, *sweep_shape(out, manifest))
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
        "the checksum list rewritten)"
    )
