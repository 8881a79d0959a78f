"""Atomic writers and the folder lock of a sweep folder.

This module owns writing a sweep folder's files so that a reader never sees half a file: every file
is written under a temporary name starting with ``.`` in the same folder and moved into place with
``os.replace``. It also owns the folder's lock (:func:`folder_lock`) and reading its manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.core.errors import UserError
from sim.runs.folder_lock import exclusive_lock
from sim.sweep.direct_write import write_new

if TYPE_CHECKING:
    import pandas as pd

LAYOUT = 2
"""The version of the sweep folder's layout (``manifest.json``'s ``layout``): 2 has one Parquet
dataset per table (``runs/``, ``summary/``, ``alliance/``, ``members/``); the earlier layout,
without the key, had ``runs.parquet``, ``summary.parquet`` and ``chunks/``."""


class SweepFolderError(UserError):
    """A folder is not a sweep folder, or holds a different sweep."""


class SweepLayoutError(SweepFolderError):
    """A sweep folder written by an earlier version of ``sim sweep``, in another layout."""


def tmp_name(path: Path) -> Path:
    """A temporary name for ``path`` in its folder, hidden from readers (a leading ``.``)."""
    return path.parent / f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, as 64 hex digits."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def write_parquet(
    frame: pd.DataFrame | pa.Table,
    path: Path,
    metadata: dict[bytes, bytes] | None = None,
    options: dict[str, Any] | None = None,
) -> str:
    """Write a table to ``path`` atomically (temp file in the same folder, then rename).

    Args:
        frame: the table.
        path: where it goes.
        metadata: extra key-value metadata for the Parquet schema.
        options: keyword arguments of ``pyarrow.parquet.write_table`` (compression, encodings;
            ``sim.sweep.partitions.write_options``).

    Returns:
        The sha256 of the file written.
    """
    path = Path(path)
    tmp = tmp_name(path)
    table = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    try:  # encoded in memory, hashed there and written in one call: the file is not read back
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, **(options or {}))
        data = sink.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        write_new(tmp, data)  # a large file past the page cache (sim.sweep.direct_write)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest


def write_json(data: Any, path: Path) -> None:
    """Write JSON to ``path`` atomically."""
    path = Path(path)
    tmp = tmp_name(path)
    try:
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def make_folders(out: Path, keep_alliance: bool, keep_members: bool) -> None:
    """Create the sweep folder and its datasets' folders; remove temp files of killed writers."""
    for sub in (
        "runs",
        "summary",
        *(["alliance"] if keep_alliance else []),
        *(["members"] if keep_members else []),
    ):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for folder in (out, *(out / d for d in ("runs", "summary", "alliance", "members"))):
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
    busy = SweepFolderError(
        f"{out}: another sweep process is writing this folder (it holds its .lock): wait for it "
        "to finish, or choose another --out"
    )
    with exclusive_lock(Path(out) / ".lock", busy, remove=False):
        yield


def read_manifest(out: str | Path) -> dict[str, Any]:
    """The manifest of a sweep folder in this version's layout (:data:`LAYOUT`).

    Raises:
        SweepLayoutError: if the sweep was written in an earlier layout.
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
    if manifest.get("layout") != LAYOUT:
        raise SweepLayoutError(
            f"{out}: a sweep folder written by an earlier version of `sim sweep` (layout "
            f"{manifest.get('layout', 1)}, with runs.parquet and chunks/; this version reads "
            f"layout {LAYOUT}): run the sweep again into another --out"
        )
    return manifest
