"""The memory a sweep checks its size against (``sim.sweep.sizing.available_memory``)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from sim.sweep import sizing

MEMINFO = """MemTotal:        8000000 kB
MemFree:          500000 kB
MemAvailable:    3000000 kB
Buffers:           10000 kB
"""


def test_memavailable_is_read_in_bytes(tmp_path: Path) -> None:
    path = tmp_path / "meminfo"
    path.write_text(MEMINFO)
    assert sizing.available_memory(path) == 3_000_000 * 1024  # the file counts in kB


def test_without_memavailable_psutil_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an old kernel's file has no MemAvailable line; no file at all (macOS, Windows) likewise
    monkeypatch.setattr(psutil, "virtual_memory", lambda: SimpleNamespace(available=12345))
    old = tmp_path / "meminfo"
    old.write_text(MEMINFO.replace("MemAvailable:    3000000 kB\n", ""))
    assert sizing.available_memory(old) == 12345
    assert sizing.available_memory(tmp_path / "absent") == 12345
    old.write_text("MemAvailable: lots kB\n")  # unreadable: the same
    assert sizing.available_memory(old) == 12345


@pytest.mark.skipif(not sizing.MEMINFO.is_file(), reason="no /proc/meminfo (not Linux)")
def test_the_systems_figure_is_psutils() -> None:
    # psutil reads the same line; the two reads are microseconds apart, so memory in use can
    # move between them only a little (5% of what is available is far more than a test does)
    assert sizing.available_memory() == pytest.approx(psutil.virtual_memory().available, rel=0.05)
