"""Chunk files and checksums of a sweep folder.

This module owns a chunk's files (``chunks/chunk-NNNNNN.status.parquet`` marks a chunk complete
and records, in its Parquet metadata, the sha256 of the chunk's other files), the ``SHA256SUMS``
list of a finished sweep, and the checks of a folder's files against these records
(:func:`check_chunks`, :func:`check_tables`, :func:`verify_sweep`).
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
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.sweep.files import SweepFolderError, file_sha256, read_manifest, tmp_name, write_parquet

CHUNK_DIGITS = 6


SUMS = "SHA256SUMS"
"""The checksum list of a finished sweep (``sha256sum`` format), in the folder's root."""


RECORD_KEY = b"sim.chunk_files"
"""Parquet metadata key of a status file: JSON ``{relative path: sha256}`` of the chunk's
other files."""


STATUS_COLUMNS = ("run_id", "status", "error")


_CHUNK_RE = re.compile(r"chunk-(\d+)")


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
    tmp = tmp_name(out / SUMS)
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
