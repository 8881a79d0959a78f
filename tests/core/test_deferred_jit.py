"""numba's decorators, deferred (sim.core.deferred_jit): importing the model imports no numba, and
a deferred function compiles, inlines and calls as numba's own would."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from sim.core.deferred_jit import Deferred, deferred, resolve


@deferred(inline="always")
def _twice(x: float) -> float:
    return 2.0 * x


@deferred()
def _sum_of_twice(a: np.ndarray) -> float:
    total = 0.0
    for x in a:
        total += _twice(x)  # a deferred global, typed as its dispatcher
    return total


def test_importing_the_model_and_reading_a_scenario_imports_no_numba():
    code = (
        "import sys, sim; sim.load_scenario('hague'); import sim.core.normal_streams; "
        "print('numba' in sys.modules, 'llvmlite' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_a_deferred_function_compiles_when_first_called_and_calls_another():
    fresh = Deferred(_sum_of_twice.py_func, {}, False)
    assert fresh._dispatcher is None and "deferred" in repr(fresh)
    assert fresh(np.array([1.0, 2.5])) == 7.0  # 2 * (1 + 2.5)
    from numba.core.dispatcher import Dispatcher

    assert isinstance(fresh._dispatcher, Dispatcher) and "compiled" in repr(fresh)
    assert len(fresh.signatures) == 1  # the dispatcher's attribute, through the Deferred
    assert resolve(fresh) is fresh._dispatcher
    assert resolve(np.sum) is np.sum  # anything else is itself


def test_a_deferred_function_keeps_its_name_and_python_function():
    assert _twice.__name__ == "_twice" and _twice.__doc__ is None
    assert _twice.py_func(3.0) == 6.0  # the Python function, without compiling
    assert _twice.targetoptions["inline"] == "always"  # what numba's inliner reads


def test_a_deferred_function_pickles_by_reference_as_a_function_does():
    import pickle

    from sim.core.dynamics.threat import THREAT

    assert pickle.loads(pickle.dumps(_twice)) is _twice
    assert pickle.loads(pickle.dumps(THREAT)).kernel is THREAT.kernel  # a term, sent to a worker
