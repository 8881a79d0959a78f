"""Writing a new file past the page cache (``sim.sweep.direct_write``): the same bytes every way.

Sizes are chosen around the block (``ALIGN``) and the threshold (``DIRECT_MIN_BYTES``), where a
padded write and its truncation could go wrong; the bytes are random so that a block written
twice or out of place would show.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from sim.sweep import direct_write
from sim.sweep.direct_write import ALIGN, DIRECT_MIN_BYTES, write_new

SIZES = [
    0,
    1,
    ALIGN - 1,
    ALIGN,
    DIRECT_MIN_BYTES - 1,
    DIRECT_MIN_BYTES,
    DIRECT_MIN_BYTES + 1,
    DIRECT_MIN_BYTES + ALIGN,
    5 * 2**20 + 123,  # past the first staging buffer (4 MiB): it grows
]


def _bytes(n: int, seed: int = 0) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


def _direct_supported(folder: Path) -> bool:
    """Whether ``folder``'s file system accepts ``O_DIRECT`` (tmpfs, for one, does not)."""
    if not hasattr(os, "O_DIRECT"):
        return False
    probe = folder / "probe"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o644))
    except OSError:
        return False
    probe.unlink()
    return True


@pytest.mark.parametrize("n", SIZES)
def test_a_file_holds_exactly_its_bytes(tmp_path: Path, n: int) -> None:
    data = _bytes(n, seed=n)
    direct = write_new(tmp_path / "f", data)
    assert (tmp_path / "f").read_bytes() == data
    # small files go the usual way; large ones past the cache where the file system allows
    assert direct == (n >= DIRECT_MIN_BYTES and _direct_supported(tmp_path))


def test_a_staging_buffer_reused_for_a_smaller_file_leaves_nothing_of_the_larger(
    tmp_path: Path,
) -> None:
    big, small = _bytes(3 * DIRECT_MIN_BYTES, 1), _bytes(DIRECT_MIN_BYTES + 7, 2)
    write_new(tmp_path / "big", big)
    write_new(tmp_path / "small", small)
    assert (tmp_path / "small").read_bytes() == small
    assert (tmp_path / "big").read_bytes() == big


def test_a_file_that_exists_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"kept")
    with pytest.raises(FileExistsError):
        write_new(tmp_path / "f", _bytes(DIRECT_MIN_BYTES))
    assert (tmp_path / "f").read_bytes() == b"kept"


def test_a_refused_open_falls_back_to_the_page_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def no_direct(path, flags, *args):
        if flags & getattr(os, "O_DIRECT", 0):
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, *args)

    monkeypatch.setattr(direct_write.os, "open", no_direct)
    data = _bytes(DIRECT_MIN_BYTES * 2)
    assert write_new(tmp_path / "f", data) is False
    assert (tmp_path / "f").read_bytes() == data


def test_a_refused_write_leaves_no_partial_file_and_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _direct_supported(tmp_path):
        pytest.skip("this file system refuses O_DIRECT at open: the fallback above covers it")

    def refused(fd, view):
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(direct_write.os, "write", refused)
    data = _bytes(DIRECT_MIN_BYTES * 2)
    assert write_new(tmp_path / "f", data) is False
    assert (tmp_path / "f").read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_threads_writing_at_once_each_keep_their_own_bytes(tmp_path: Path) -> None:
    # a Dask worker may run chunks on several threads: each has its own staging buffer
    datas = [_bytes(DIRECT_MIN_BYTES * (k + 1) + k, seed=10 + k) for k in range(4)]
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            for i in range(5):
                write_new(tmp_path / f"t{k}-{i}", datas[k])
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(4):
        for i in range(5):
            assert (tmp_path / f"t{k}-{i}").read_bytes() == datas[k]


def test_a_tmpfs_folder_is_written_the_usual_way() -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        pytest.skip("no writable /dev/shm")
    path = shm / f"sim-direct-write-{os.getpid()}"
    data = _bytes(DIRECT_MIN_BYTES + 1)
    try:
        assert write_new(path, data) == _direct_supported(shm)
        assert path.read_bytes() == data
    finally:
        path.unlink(missing_ok=True)


def _write_many(folder: str, seed: int, n: int) -> None:
    """In a forked child: write ``n`` large files of this seed's bytes."""
    data = _bytes(DIRECT_MIN_BYTES * 3, seed)
    for i in range(n):
        write_new(Path(folder) / f"child-{i}", data)


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this system"
)
def test_a_process_forked_after_a_write_does_not_share_the_staging_buffer(tmp_path: Path) -> None:
    # the parent's buffer exists before the fork; were it shared memory, the child's writes
    # and the parent's would land in the same pages and the files would mix their bytes
    parent_data = _bytes(DIRECT_MIN_BYTES * 3, seed=1)
    write_new(tmp_path / "first", parent_data)
    child = multiprocessing.get_context("fork").Process(
        target=_write_many, args=(str(tmp_path), 2, 20)
    )
    child.start()
    for i in range(20):
        write_new(tmp_path / f"parent-{i}", parent_data)
    child.join(timeout=120)
    assert child.exitcode == 0
    child_data = _bytes(DIRECT_MIN_BYTES * 3, seed=2)
    for i in range(20):
        assert (tmp_path / f"parent-{i}").read_bytes() == parent_data
        assert (tmp_path / f"child-{i}").read_bytes() == child_data


def test_both_ways_create_a_file_with_the_same_permissions(tmp_path: Path) -> None:
    # open() creates files 0o666 less the umask; a direct write must not differ (a group that
    # shares a results folder under umask 002 would otherwise lose write access to some files)
    small, large = _bytes(10), _bytes(DIRECT_MIN_BYTES)
    old = os.umask(0o002)
    try:
        write_new(tmp_path / "small", small)
        write_new(tmp_path / "large", large)
    finally:
        os.umask(old)
    assert (tmp_path / "small").stat().st_mode & 0o777 == 0o664
    assert (tmp_path / "large").stat().st_mode & 0o777 == 0o664


def test_a_full_disk_raises_its_error_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(direct_write.os, "write", full)  # the direct way: refused, file removed
    monkeypatch.setattr(direct_write, "open", full, raising=False)  # the usual way: full too
    with pytest.raises(OSError) as raised:
        write_new(tmp_path / "f", _bytes(DIRECT_MIN_BYTES))
    assert raised.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_mid_write_closes_the_file_and_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _direct_supported(tmp_path):
        pytest.skip("this file system refuses O_DIRECT at open")
    closed: list[int] = []
    real_close = os.close

    def interrupted(fd, view):
        raise KeyboardInterrupt

    def close(fd):
        closed.append(fd)
        real_close(fd)

    monkeypatch.setattr(direct_write.os, "write", interrupted)
    monkeypatch.setattr(direct_write.os, "close", close)
    with pytest.raises(KeyboardInterrupt):
        write_new(tmp_path / "f", _bytes(DIRECT_MIN_BYTES))
    assert len(closed) == 1  # the file's descriptor, not leaked
    assert list(tmp_path.iterdir()) == []
