"""Loading from numba's cache without its refresh of every implementation (sim.core.quick_cache),
and numba's own load when that fails, in fresh interpreters sharing one cache folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

MODULE = """
import numpy as np
from sim.core.quick_cache import cached_njit

@cached_njit(nogil=True)
def squares(n):
    out = np.empty(n)  # allocates: the loaded code calls numba's runtime
    for i in range(n):
        out[i] = i * i
    return out
"""

CHILD = """
import sys
BREAK
import toy
out = toy.squares(5)
stats = toy.squares.stats
from numba.core import entrypoints
print(out.tolist(), sum(stats.cache_hits.values()), sum(stats.cache_misses.values()),
      "numba.np.arraymath" in sys.modules, entrypoints._already_initialized)
"""

BROKEN = """
import numba.core.caching as caching
original = caching.FunctionCache._load_overload
calls = []
def quick_fails_once(self, sig, target_context):
    calls.append(1)
    if len(calls) == 1:
        raise RuntimeError("the quick load failed")
    return original(self, sig, target_context)
caching.FunctionCache._load_overload = quick_fails_once
"""


def _child(folder, broken: bool = False) -> tuple[list[float], int, int, bool, bool]:
    """Call toy.squares(5) in a new interpreter; what it returned, its cache hits and misses,
    whether numba's registries were loaded and whether its third-party extensions were looked
    for (``numba.core.entrypoints.init_all``)."""
    code = CHILD.replace("BREAK", BROKEN if broken else "")
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={
            **os.environ,
            "PYTHONPATH": f"{folder}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
            "NUMBA_CACHE_DIR": str(folder / "cache"),
            "NUMBA_DISABLE_JIT": "0",
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    values, hits, misses, *flags = done.stdout.strip().rsplit(" ", 4)
    refreshed, extensions = (flag == "True" for flag in flags)
    return json.loads(values), int(hits), int(misses), refreshed, extensions


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quick_cache")
    (folder / "toy.py").write_text(MODULE, encoding="utf-8")
    return folder


def test_a_cached_function_loads_without_numbas_refresh_and_gives_the_same_values(toy):
    # the first process compiles (numba's compiler refreshes its contexts, its extensions
    # included) and saves the cache
    assert _child(toy) == ([0.0, 1.0, 4.0, 9.0, 16.0], 0, 1, True, True)
    # the next loads it: a hit, no miss, numba's registries never imported, no extension sought
    assert _child(toy) == ([0.0, 1.0, 4.0, 9.0, 16.0], 1, 0, False, False)


def test_when_the_quick_load_raises_numbas_own_load_is_used(toy):
    _child(toy)  # the cache is written (by this call, or the test before)
    # the quick load's call of numba's private loader raises once: numba's own load_overload
    # (refresh, then the loader again) takes over, and the same code is loaded from the cache
    # (numba's refresh loads its extensions too)
    assert _child(toy, broken=True) == ([0.0, 1.0, 4.0, 9.0, 16.0], 1, 0, True, True)
