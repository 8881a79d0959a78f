"""One writer per output folder: the sibling lock file, and what a killed writer left.

This module owns the lock half of :mod:`sim.runs.outputs`' rules: :func:`folder_lock` holds an
exclusive ``fcntl.flock`` lock on ``PARENT/.NAME.lock`` (refusing a second writer at once), the
hidden siblings ``.NAME.partial-XXXXXXXX`` and ``.NAME.old-XXXXXXXX`` are named by
:func:`hidden_sibling`, and :func:`recover` clears those a writer killed mid-write left.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from sim.core.errors import UserError, shown

_HIDDEN = re.compile(r"\.(?P<base>.+)\.(?P<tag>partial|old)-[0-9a-f]{8}")


class OutputFolderError(UserError):
    """An output folder that may not be written or replaced, or whose writing failed."""


def hidden_sibling(path: Path, tag: str) -> Path:
    """``PARENT/.NAME.tag``, with a long NAME shortened so the name stays a valid file name."""
    name = path.name
    if len(name.encode()) > 120:
        name = f"{name[:60]}~{hashlib.sha256(name.encode()).hexdigest()[:16]}"
    return path.parent / f".{name}.{tag}"


def recover(path: Path) -> None:
    """Clear what writers of ``path`` killed mid-write left (call it holding the lock).

    A hidden ``.NAME.partial-*`` folder is removed. A ``.NAME.old-*`` folder is the folder an
    overwrite had moved aside: it goes back in place when nothing is at ``path`` (the writer was
    killed between its two renames), and is removed otherwise.
    """
    base = hidden_sibling(path, "x").name[1:-2]
    for entry in sorted(os.scandir(path.parent), key=lambda e: e.name):
        m = _HIDDEN.fullmatch(entry.name)
        if not (m and m["base"] == base and entry.is_dir(follow_symlinks=False)):
            continue
        if m["tag"] == "old" and not os.path.lexists(path):
            os.rename(entry.path, path)
        else:
            shutil.rmtree(entry.path, ignore_errors=True)


@contextlib.contextmanager
def exclusive_lock(lock_path: Path, busy: Exception, *, remove: bool) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_path`` (released by the OS if the process dies).

    A second holder is refused at once with ``busy``. The lock counts only while ``lock_path``
    is the file that was locked: a process whose file was removed by the holder before it
    (``remove``, or a writer removing a folder with its lock inside) tries again.

    Args:
        lock_path: the lock file, created if missing.
        busy: the error raised when another process holds the lock.
        remove: remove the lock file when done (still holding the lock).
    """
    while True:
        # Read-only: flock needs no write access, and the lock then never blocks a remount.
        fd = os.open(lock_path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise busy from None
        except BaseException:
            os.close(fd)
            raise
        try:
            now = os.stat(lock_path)
        except FileNotFoundError:
            now = None
        held = os.fstat(fd)
        if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
            break
        os.close(fd)
    try:
        yield
    finally:
        if remove:  # removed while still locked: a process that opened it finds it gone above
            with contextlib.suppress(OSError):
                os.unlink(lock_path)
        os.close(fd)


def folder_lock(lock_path: Path, target: Path) -> contextlib.AbstractContextManager[None]:
    """Hold the exclusive lock of an output folder ``target``; remove the lock file when done."""
    busy = OutputFolderError(
        f"{shown(str(target))} is being written by another process (it holds the lock "
        f"{lock_path.name}): wait for it to finish or choose another --out"
    )
    return exclusive_lock(lock_path, busy, remove=True)
