"""The compiled equations (issue 13): numpy's sums, one source with or without the compiler, the
decision generated from the registry, and a compiled step that a new process loads from disk."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import sim
from sim.core.dynamics import compiled
from sim.core.dynamics.jit import pairwise_sum
from sim.core.dynamics.terms import member_terms


@pytest.mark.parametrize("n", [*range(0, 300), 1000, 4097, 12345])
def test_pairwise_sum_adds_in_numpys_order(n):
    """The compiled sum is np.sum bit for bit (numpy's pairwise summation, loops_utils.h), on
    numbers spread over 16 orders of magnitude where any other order of addition differs."""
    rng = np.random.default_rng(n)
    a = rng.standard_normal(n) * 10.0 ** rng.uniform(-8, 8, n)
    assert pairwise_sum(a) == np.sum(a)


def test_the_decision_is_generated_from_the_registry_in_its_order():
    text = compiled.generated_source(member_terms())
    # the model's own terms: threat (+) and free riding (-) summed, then the pressure pull
    assert "before = before + values[r, 0, i]" in text
    assert "before = before - values[r, 2, i]" in text
    assert text.index("_term_0(x, r, values[r, 0])") < text.index("_term_1(x, r, values[r, 1])")
    assert "desired[r, i] = x.before[r, i] + values[r, 1, i]" in text
    # only the threat term is anchored: the pressure and free-riding terms start at 0
    assert "values[r, 1] = 0.0  # pressure" in text and "values[r, 2] = 0.0  # free_riding" in text


SNIPPET = """
import sys
import numpy as np, sim
from numba.core import event
from sim.core.dynamics.compiled import step_module
from sim.core.params import make_params
class Compiles(event.Listener):  # every function numba compiles in this process
    names = []
    def on_start(self, ev): self.names.append(ev.data["dispatcher"].py_func.__name__)
    def on_end(self, ev): pass
event.register("numba:compile", compiles := Compiles())
p = make_params({"end_quarter": "2026Q4", "noise_sd_pp": 0.2}, base=sim.default_params())
t = sim.simulate([p, p], [3, 4], keep_members=True)
stats = getattr(step_module().run, "stats", None)  # None uncompiled (NUMBA_DISABLE_JIT)
if stats is not None:
    refreshed = "numba.np.arraymath" in sys.modules  # numba's registries loaded
    print(sum(stats.cache_hits.values()), sum(stats.cache_misses.values()), len(compiles.names),
          refreshed)
np.save(OUT, np.concatenate([t.alliance.ravel(), t.members.ravel()]))
"""


def _child(tmp_path, name: str, **env: str) -> tuple[str, np.ndarray]:
    """Run SNIPPET in a new process; return what it printed and the numbers it saved."""
    out = tmp_path / f"{name}.npy"
    code = SNIPPET.replace("OUT", repr(str(out)))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return done.stdout.strip(), np.load(out)


@pytest.mark.slow
def test_a_new_process_loads_the_step_from_the_cache_and_uncompiled_gives_the_same_bits(
    tmp_path, monkeypatch
):
    cache = str(tmp_path / "kernels")
    monkeypatch.setenv("SIM_KERNEL_CACHE", cache)
    assert not compiled.is_compiled("run")  # an empty cache: the first process compiles
    _child(tmp_path, "first", SIM_KERNEL_CACHE=cache)  # compiles and writes the cache
    assert compiled.is_compiled("run")
    printed, compiled_numbers = _child(tmp_path, "second", SIM_KERNEL_CACHE=cache)
    hits, misses, compiles, refreshed = printed.split()
    assert int(misses) == 0 and int(hits) >= 1  # the step loaded from disk, not compiled again
    assert int(compiles) == 0  # nor anything else the set-up calls (sim.core.dynamics.ranks)
    # loaded without numba's refresh of every implementation (sim.core.quick_cache)
    assert refreshed == "False"
    # the same source run by the Python interpreter (numba's NUMBA_DISABLE_JIT): same bytes
    _, plain = _child(tmp_path, "plain", SIM_KERNEL_CACHE=cache, NUMBA_DISABLE_JIT="1")
    assert plain.tobytes() == compiled_numbers.tobytes()
    # and the numbers are those this process computes
    from sim.core.params import make_params

    p = make_params({"end_quarter": "2026Q4", "noise_sd_pp": 0.2}, base=sim.default_params())
    t = sim.simulate([p, p], [3, 4], keep_members=True)
    here = np.concatenate([t.alliance.ravel(), t.members.ravel()])
    assert here.tobytes() == compiled_numbers.tobytes()


def test_runs_spread_over_threads_give_the_same_bytes():
    """The calibration's threaded run (numba prange over blocks of runs) is the serial run, bit
    for bit: blocks share only read-only inputs (41 runs: a full block of 32 and a partial)."""
    from sim.core import dynamics, metrics
    from sim.core.members import members_of
    from sim.core.params import make_params

    params = make_params({"noise_sd_pp": 0.2}, base=sim.default_params())
    members = members_of(params)
    static = dynamics.build_static(params, members)
    p = dynamics.param_arrays([params] * 41)
    noise = dynamics.draw_shocks(range(41), static.n_steps, members.n)
    kwargs = dict(n_alliance=len(metrics.ALLIANCE_COLUMNS), keep_core=True)
    serial = dynamics.run_batch(static, p, *noise, **kwargs)
    threaded = dynamics.run_batch(static, p, *noise, threads=True, **kwargs)
    assert serial[0].tobytes() == threaded[0].tobytes()
    assert serial[2].tobytes() == threaded[2].tobytes()


def test_every_module_of_compiled_functions_is_hashed_into_a_cache_key():
    """numba's cache does not notice a change in a function that a cached one calls, so the keys
    of the compiled step and of the library compiled ahead of time hash the source of every module
    of the package that defines compiled functions (a decorator of ``sim.core.dynamics.jit`` or
    ``sim.core.deferred_jit`` at the start of a line). ``sim.core.fiscal`` was once left out."""
    from pathlib import Path

    from sim.core.dynamics import native

    root = Path(sim.__file__).parent
    decorators = ("@inlined", "@kernel", "@allocating", "@entry", "@threaded_entry", "@deferred")
    defining = {
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if any(line.startswith(decorators) for line in path.read_text().splitlines())
    }
    hashed = {f"core/dynamics/{p.name}" for p in (root / "core" / "dynamics").glob("*.py")}
    hashed |= {f"core/{name}" for name in compiled.CALLED_OUTSIDE}
    hashed |= {f"core/{name}" for name in native._SHOCKS}  # the library's shocks
    assert "core/fiscal.py" in defining and "core/dynamics/threat.py" in defining
    assert defining <= hashed, sorted(defining - hashed)
