"""A sweep folder, locked, then inspected: whose sweep it holds and which chunks are intact.

This module also owns undoing what a refused sweep made and turning a full disk into one user error.
"""

from __future__ import annotations

import contextlib
import errno
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.core.errors import UserError, os_error_text
from sim.sweep.config import UNHASHED_KEYS, SweepConfig
from sim.sweep.files import SweepFolderError, SweepLayoutError, read_manifest
from sim.sweep.integrity import FolderCheck, check_chunks, check_tables, chunk_name, remove_chunk
from sim.sweep.plan import Plan


class SweepDiskError(UserError):
    """The disk filled up (or refused writes) while a sweep or its tables were written."""


def check_folder(out: Path, config: SweepConfig) -> dict[str, Any] | None:
    """Return the manifest of a folder holding this sweep, None for a new or empty folder.

    Call it holding the folder's lock (``sim.sweep.files.folder_lock``) for an answer that stays
    true; without it, only its refusals are reliable.

    Raises:
        SweepFolderError: if the folder holds something else or a different sweep.
    """
    if not out.exists():
        return None
    if not out.is_dir():
        raise SweepFolderError(f"{out} exists and is not a folder")
    if not (out / "manifest.json").exists() and all(
        p.is_dir() or p.name == ".lock" or p.name.endswith(".tmp") for p in out.rglob("*")
    ):
        return None  # empty, or a sweep killed before its manifest was written
    try:
        manifest = read_manifest(out)
    except SweepLayoutError:
        raise
    except SweepFolderError:
        raise SweepFolderError(
            f"{out} exists and is not a sweep folder: choose another --out or remove it"
        ) from None
    if manifest.get("config_hash") != config.config_hash():
        old, new = manifest.get("config", {}), config.resolved()
        if not isinstance(old, dict):
            old = {}
        keys = sorted(
            k for k in set(old) | set(new) if k not in UNHASHED_KEYS and old.get(k) != new.get(k)
        )
        differs = ", ".join(keys) if keys else "the base scenario's parameters"
        raise SweepFolderError(
            f"{out} holds a different sweep ('{manifest.get('name')}'; "
            f"differs in: {differs}): choose another --out, or remove the "
            "folder to start over"
        )
    return manifest


def _warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


def inspect_folder(
    out: Path, plan: Plan, manifest: dict[str, Any] | None, warn: Callable[[str], None] = _warn
) -> FolderCheck:
    """Check the chunks already in a sweep folder; remove the damaged ones so they run again.

    Call it holding the folder's lock. A finished sweep's folder-level files are checked
    against ``SHA256SUMS`` too (a damaged one is rewritten by the next :func:`run_sweep`).
    """
    check = check_chunks(out, plan.n_runs, plan.chunk_size)
    if manifest is not None and manifest.get("complete"):
        check_tables(out, manifest, check)
    for chunk, why in sorted(check.damaged.items()):
        warn(f"{out}: {chunk_name(chunk)} is damaged ({why}): running it again")
        remove_chunk(out, chunk)
    for why in check.tables:
        warn(f"{out}: {why}: writing the sweep's folder-level files again")
    return check


def disk_error(out: Path, err: OSError) -> UserError | None:
    """A full disk (or a quota, a read-only file system) as one user error, else None."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return SweepDiskError(
            f"{out}: the disk is full ({os_error_text(err)}): the chunks "
            "finished so far are kept; make room and run the same command "
            "again to finish the sweep"
        )
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return SweepDiskError(
            f"{out}: cannot be written ({os_error_text(err)}): choose another "
            "--out, or make it writable and run the same command again"
        )
    return None


def undo_folder(out: Path, created: list[Path], lock_existed: bool) -> None:
    """Undo what a refused sweep made: its lock file and its empty new folders.

    Call it holding the lock; the lock file goes only if this call made it.
    """
    if not lock_existed:
        (out / ".lock").unlink(missing_ok=True)  # see sim.sweep.files.folder_lock: safe while held
    for folder in created:
        with contextlib.suppress(OSError):
            folder.rmdir()
