"""Helpers shared by the sweep tests (not a test module)."""

from __future__ import annotations

import concurrent.futures as cf
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HAGUE = ROOT / "configs" / "hague.toml"
SMALL_SWEEP = """replications = 4
chunk_size = 4
[design]
method = "grid"
[axes]
hegemon_pressure = [0.2, 0.5, 0.8]
[keep]
members = true
"""
"""A small sweep body (3 points x 4 replications = 12 runs in 3 chunks of 4, members kept)."""


def write_config(folder: Path, body: str, name: str = "t") -> Path:
    """Write a sweep config whose base scenario is configs/hague.toml."""
    path = folder / f"{name}.toml"
    path.write_text(f'name = "{name}"\nscenario = "{HAGUE}"\n' + body)
    return path


def files_of(folder: Path, *, manifest: bool = False) -> dict[str, bytes]:
    """Every file under a folder with its bytes, but the lock file and, unless asked, the
    manifest (it holds timings)."""
    skip = {".lock"} | (set() if manifest else {"manifest.json"})
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() not in skip
    }


class CrashAfter(cf.Executor):
    """Runs the first ``n`` chunks in this process, then dies (an interrupted sweep)."""

    def __init__(self, n):
        self.n = n

    def submit(self, fn, /, *args, **kwargs):
        if self.n == 0:
            raise RuntimeError("simulated crash")
        self.n -= 1
        future = cf.Future()
        future.set_result(fn(*args, **kwargs))
        return future
