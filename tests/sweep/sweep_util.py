"""Helpers shared by the sweep tests (not a test module)."""

from __future__ import annotations

import concurrent.futures as cf
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HAGUE = ROOT / "configs" / "hague.toml"


def write_config(folder: Path, body: str, name: str = "t") -> Path:
    """Write a sweep config whose base scenario is configs/hague.toml."""
    path = folder / f"{name}.toml"
    path.write_text(f'name = "{name}"\nscenario = "{HAGUE}"\n' + body)
    return path


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
