"""Writing a new file's bytes past the operating system's page cache, where the system allows.

This module owns :func:`write_new`. A sweep writes each chunk's series once and does not read
them back while it runs, so keeping a copy in the page cache buys it nothing, and making that copy
costs the worker CPU time: about 1 ms per MB on the development machine, a virtual machine whose
host hands memory out on first touch (a 600,000-run sweep on two workers spent about 4.5 s of
each worker's 35 s in the kernel's copy, ``perf``: ``copy_folio_from_iter_atomic``). Large files
are therefore written with ``O_DIRECT`` from a page-aligned buffer that each thread keeps and
reuses, padded to whole blocks and truncated to their size; the device then reads the buffer
itself (2 GB/s here, 0.04 s of CPU for 645 MB against 4.4 s through the cache).

Where the system cannot (no ``O_DIRECT``: macOS, Windows; a file system that refuses it, such as
tmpfs; a write it rejects), or the file is small (under :data:`DIRECT_MIN_BYTES`), the bytes are
written the usual way. The file's bytes are the same either way. On a slow local disk (a spinning
one) a direct write makes the worker wait for the device, which the page cache would hide; on
SSDs and network file systems (where ``close`` waits for the server anyway) it does not matter.
"""

from __future__ import annotations

import mmap
import os
import threading
from collections.abc import Buffer
from pathlib import Path

ALIGN = 4096
"""The alignment of a direct write's buffer, offset and length: a page, and a multiple of every
common logical block size (512 or 4,096 bytes)."""

DIRECT_MIN_BYTES = 256 * 2**10
"""The smallest file written past the page cache. An assumption, not a measurement: below a
quarter MB the cache's copy costs under 0.3 ms here, while a direct write adds up to a block of
padding and waits for the device."""

_local = threading.local()


def _staging(size: int) -> mmap.mmap:
    """This thread's page-aligned buffer of at least ``size`` bytes (kept for the next file)."""
    buffer = getattr(_local, "buffer", None)
    if buffer is None or len(buffer) < size:
        # private: a process forked after this keeps its own copy, never writes into this one
        buffer = mmap.mmap(-1, max(size, 4 * 2**20), flags=mmap.MAP_PRIVATE)
        _local.buffer = buffer
    return buffer


def _direct(path: Path, data: memoryview) -> bool:
    """Write ``data`` to the new file ``path`` with ``O_DIRECT``; False (and no file) if refused."""
    n = data.nbytes
    try:
        # 0o666 less the umask, as ``open`` creates a file: both ways give the same permissions
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_DIRECT, 0o666)
    except OSError:
        return False
    written = False
    try:
        padded = -(-n // ALIGN) * ALIGN
        view = memoryview(_staging(padded))
        try:
            view[:n] = data
            done = 0
            while done < padded:
                wrote = os.write(fd, view[done:padded])
                if wrote <= 0:
                    raise OSError(f"{path}: a direct write wrote nothing")
                done += wrote
        finally:
            view.release()
        os.ftruncate(fd, n)
        written = True
    except OSError:
        pass  # refused: the caller writes the file the usual way
    finally:  # closed whatever happened (an interrupt included), and no partial file left
        os.close(fd)
        if not written:
            path.unlink(missing_ok=True)
    return written


def write_new(path: str | Path, data: Buffer) -> bool:
    """Write ``data`` to ``path``, a file that must not exist yet, past the page cache if it can.

    Args:
        path: the new file (a temporary name: the caller moves it into place).
        data: the bytes, as any object with the buffer protocol (``bytes``, ``pyarrow.Buffer``).

    Returns:
        True if the bytes went past the page cache, False if they were written the usual way.

    Raises:
        OSError: the file could not be written (the usual way's error: no space, no access).
    """
    path = Path(path)
    view = memoryview(data).cast("B")
    if view.nbytes >= DIRECT_MIN_BYTES and hasattr(os, "O_DIRECT") and _direct(path, view):
        return True
    with open(path, "xb") as fh:
        fh.write(view)
    return False
