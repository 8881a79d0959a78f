"""How the equations are compiled, and the one summation they use.

This module owns the compiler settings of every function of the equations (:data:`kernel`,
numba's ``njit`` with numpy's floating-point error model, so that ``x / 0`` is ``inf`` as in
numpy rather than an exception) and :func:`pairwise_sum`, the sum over members.

Each decorator is deferred (``sim.core.deferred_jit``): numba is imported when a function is first
compiled or called, so a process that runs the library compiled ahead of time
(``sim.core.dynamics.native``) never imports it. With the environment variable
``NUMBA_DISABLE_JIT=1`` numba leaves every function as plain Python: the same source runs
uncompiled (about a hundred times slower), the project's fallback.
"""

from __future__ import annotations

import numpy as np

from sim.core.deferred_jit import deferred

kernel = deferred(error_model="numpy", nogil=True, _nrt=False)
"""The decorator of every function of the equations (compiled when first called, or loaded
from the cache by the compiled step of ``sim.core.dynamics.compiled``).

Compiled without numba's reference counting of arrays (``_nrt=False``): such a function
allocates no array (its work space comes from its caller, an :data:`entry` or an
:data:`allocating` function). With it, every array of a state or of the constants that a
function passes on (``st``, ``c``, ``s``: dozens each) was counted in and out by an atomic
operation at every call, inlined or not, in every member's loop: two thirds of the step's time
(docs/PERFORMANCE.md, issue 13). The arrays are owned by the Python caller throughout."""
inlined = deferred(error_model="numpy", nogil=True, inline="always", _nrt=False)
"""The decorator of a decision term's kernel and of the decision that sums the terms: as
:data:`kernel`, and inlined where it is called (a term is called once per member per quarter,
too often to pay for a call that passes every array)."""
allocating = deferred(error_model="numpy", nogil=True, _nrt=True)
"""The decorator of the few functions of the equations that allocate their work space (with
numba's reference counting): a block of runs' work space (``sim.core.dynamics.kernel``), the
stack of a sum over more than 128 members, the merge sort of more than 64."""
entry = deferred(quick=True, error_model="numpy", nogil=True, _nrt=True)
"""The decorator of the compiled step's entry points (``sim.core.dynamics.kernel``): as
:data:`allocating`, and their machine code is cached on disk so that a new process (a sweep
worker) loads it instead of compiling again, without numba's refresh of every implementation
(``sim.core.quick_cache``)."""
threaded_entry = deferred(quick=True, error_model="numpy", nogil=True, parallel=True)
"""The decorator of the entry point that spreads a batch's runs over threads (numba's
``parallel=True``, ``sim.core.dynamics.kernel.run_parallel``), cached as :data:`entry`."""

_BLOCK = 128  # numpy's PW_BLOCKSIZE
_UNROLL = 8


@kernel
def pairwise_sum(a: np.ndarray) -> float:
    """Sum of a 1-D float array, added in exactly numpy's order (``np.add.reduce``).

    numpy sums a contiguous float64 row by pairwise summation with eight partial sums in blocks
    of 128 (``pairwise_sum`` in numpy's ``loops_utils.h``); doing the same here makes the compiled
    equations give the bits the numpy ones gave (``tests/core/test_jit.py`` checks it against
    ``np.sum`` for every length up to 600).
    """
    n = a.shape[0]
    if n <= _BLOCK:  # one block: no stack to allocate
        return _block(a, 0, n)
    return _pairwise(a, 0, n)


@kernel
def _block(a: np.ndarray, start: int, n: int) -> float:
    """Numpy's pairwise sum of ``a[start:start + n]`` for ``n <= 128`` (one block)."""
    if n < _UNROLL:
        res = 0.0
        for i in range(start, start + n):
            res += a[i]
        return res
    r0 = a[start]
    r1 = a[start + 1]
    r2 = a[start + 2]
    r3 = a[start + 3]
    r4 = a[start + 4]
    r5 = a[start + 5]
    r6 = a[start + 6]
    r7 = a[start + 7]
    i = _UNROLL
    stop = n - n % _UNROLL
    while i < stop:
        r0 += a[start + i]
        r1 += a[start + i + 1]
        r2 += a[start + i + 2]
        r3 += a[start + i + 3]
        r4 += a[start + i + 4]
        r5 += a[start + i + 5]
        r6 += a[start + i + 6]
        r7 += a[start + i + 7]
        i += _UNROLL
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[start + i]
        i += 1
    return res


@allocating  # its stack (called for more than 128 members only)
def _pairwise(a: np.ndarray, start: int, n: int) -> float:
    """Numpy's pairwise sum of ``a[start:start + n]``: blocks of 128 combined by halves.

    numpy recurses (``sum(first half) + sum(second half)``, halves cut at a multiple of 8);
    this walks the same tree with an explicit stack (numba cannot cache recursive functions).
    """
    if n <= _BLOCK:
        return _block(a, start, n)
    todo = np.empty((64, 3), dtype=np.int64)  # (start, n, halves done) to visit
    values = np.empty(64)  # sums of finished subtrees, left before right
    top, done = 0, 0
    todo[0, 0], todo[0, 1], todo[0, 2] = start, n, 0
    while top >= 0:
        first, count, expanded = todo[top, 0], todo[top, 1], todo[top, 2]
        top -= 1
        if count <= _BLOCK:
            values[done] = _block(a, first, count)
            done += 1
        elif expanded:
            values[done - 2] = values[done - 2] + values[done - 1]
            done -= 1
        else:
            half = count // 2
            half -= half % _UNROLL
            todo[top + 1, 0], todo[top + 1, 1], todo[top + 1, 2] = first, count, 1
            todo[top + 2, 0], todo[top + 2, 1], todo[top + 2, 2] = first + half, count - half, 0
            todo[top + 3, 0], todo[top + 3, 1], todo[top + 3, 2] = first, half, 0
            top += 3
    return values[0]


@kernel
def fmax(a: float, b: float) -> float:
    """``np.maximum`` of two numbers (NaN if either is NaN)."""
    if a >= b or a != a:
        return a
    return b


@kernel
def fmin(a: float, b: float) -> float:
    """``np.minimum`` of two numbers (NaN if either is NaN)."""
    if a <= b or a != a:
        return a
    return b


@kernel
def clip(x: float, low: float, high: float) -> float:
    """``np.clip`` of a number: ``fmin(fmax(x, low), high)``."""
    return fmin(fmax(x, low), high)
