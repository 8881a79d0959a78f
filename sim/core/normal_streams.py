"""Each run's standard-normal streams, compiled: numpy's own numbers, bit for bit, faster.

This module owns drawing a batch's shocks (``sim.core.dynamics.draw_shocks``). A run's seed
``s`` gives two streams, ``Generator(PCG64(SeedSequence(s, spawn_key=(k,)))).standard_normal``
for ``k`` = 0 (the members) and 1 (the rival). Built through numpy, each run cost two
``SeedSequence`` and ``PCG64`` objects and two calls: 55 of the run's 230 microseconds. Here the
same three algorithms run compiled, in one call for the whole batch:

- numpy's ``SeedSequence`` (O'Neill's seed_seq hash of the seed's 32-bit words, padded to the
  pool of 4 and followed by the spawn key) and its ``generate_state(4, uint64)``;
- ``PCG64``'s seeding (``pcg64_set_seed``) and its XSL-RR output of a 128-bit LCG (the
  128-bit arithmetic in two 64-bit words);
- ``random_standard_normal``, numpy's 256-layer ziggurat, with numpy's tables
  (``sim.core.ziggurat``, from numpy's ``ziggurat_constants.h``).

``tests/core/test_normal_streams.py`` checks the numbers against numpy's for seeds from 0 to
2**63 - 1 and for streams long enough to take the ziggurat's rare branches. With numba's
``NUMBA_DISABLE_JIT=1`` the same source runs as Python on numpy's unsigned scalars.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sim.core.deferred_jit import deferred
from sim.core.ziggurat import FI as _FI
from sim.core.ziggurat import KI as _KI
from sim.core.ziggurat import WI as _WI

_U = np.uint64
_M32 = _U(0xFFFFFFFF)
_S32, _S16, _S64M = _U(32), _U(16), _U(63)
_ZERO, _ONE = _U(0), _U(1)
# SeedSequence's hash (numpy's bit_generator.pyx)
_INIT_A, _MULT_A = _U(0x43B0D7E5), _U(0x931E8875)
_INIT_B, _MULT_B = _U(0x8B51F9DD), _U(0x58F38DED)
_MIX_MULT_L, _MIX_MULT_R = _U(0xCA01F9DD), _U(0x4973F715)
_POOL = 4
# PCG64's 128-bit multiplier (pcg64.h: PCG_DEFAULT_MULTIPLIER_128), high and low words
_MULT_HIGH, _MULT_LOW = _U(2549297995355413924), _U(4865540595714422341)
# the ziggurat (numpy's distributions.c)
_LOW8, _SHIFT8, _SHIFT11, _MANTISSA = _U(0xFF), _U(8), _U(11), _U(0x000FFFFFFFFFFFFF)
_ZIGGURAT_R = 3.6541528853610087963519472518
_ZIGGURAT_INV_R = 0.27366123732975827203338247596
_TO_DOUBLE = 1.0 / 9007199254740992.0


@deferred(cache=True, nogil=True, inline="always")
def _hashmix(value: np.uint64, hash_const: np.ndarray) -> np.uint64:
    """SeedSequence's ``hashmix`` of a 32-bit word, advancing the hash constant."""
    value = (value ^ hash_const[0]) & _M32
    hash_const[0] = (hash_const[0] * _MULT_A) & _M32
    value = (value * hash_const[0]) & _M32
    return value ^ (value >> _S16)


@deferred(cache=True, nogil=True, inline="always")
def _mix(x: np.uint64, y: np.uint64) -> np.uint64:
    """SeedSequence's ``mix`` of two 32-bit words."""
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _M32
    return result ^ (result >> _S16)


@deferred(cache=True, nogil=True, inline="always")
def _seed_state(seed: np.uint64, key: np.uint64, work: np.ndarray, out: np.ndarray) -> None:
    """``SeedSequence(seed, spawn_key=(key,)).generate_state(4, np.uint64)`` into ``out``.

    ``work`` is scratch of 10 words: the entropy (the seed's two 32-bit words, padded to the
    pool, then the key), the hash constant and the pool.
    """
    entropy = work[:5]
    entropy[0] = seed & _M32
    entropy[1] = seed >> _S32  # 0 below 2**32: the padding numpy adds to a one-word seed
    entropy[2] = _ZERO
    entropy[3] = _ZERO
    entropy[4] = key
    hash_const = work[5:6]
    hash_const[0] = _INIT_A
    pool = work[6:10]
    for i in range(_POOL):
        pool[i] = _hashmix(entropy[i], hash_const)
    for i_src in range(_POOL):
        for i_dst in range(_POOL):
            if i_src != i_dst:
                pool[i_dst] = _mix(pool[i_dst], _hashmix(pool[i_src], hash_const))
    for i_dst in range(_POOL):  # the entropy beyond the pool: the key
        pool[i_dst] = _mix(pool[i_dst], _hashmix(entropy[4], hash_const))
    hash_b = _INIT_B
    for i in range(2 * _POOL):  # eight 32-bit words, paired little-endian into four
        value = (pool[i % _POOL] ^ hash_b) & _M32
        hash_b = (hash_b * _MULT_B) & _M32
        value = (value * hash_b) & _M32
        value = value ^ (value >> _S16)
        if i % 2 == 0:
            out[i // 2] = value
        else:
            out[i // 2] = out[i // 2] | (value << _S32)


@deferred(cache=True, nogil=True, inline="always")
def _mul_high(a: np.uint64, b: np.uint64) -> np.uint64:
    """The high 64 bits of the 128-bit product of two 64-bit words."""
    a0, a1, b0, b1 = a & _M32, a >> _S32, b & _M32, b >> _S32
    p01, p10 = a0 * b1, a1 * b0
    middle = ((a0 * b0) >> _S32) + (p01 & _M32) + (p10 & _M32)
    return a1 * b1 + (p01 >> _S32) + (p10 >> _S32) + (middle >> _S32)


@deferred(cache=True, nogil=True, inline="always")
def _step(state: np.ndarray) -> None:
    """One step of the LCG, ``state * MULT + inc`` mod 2**128 (state's words, then inc's)."""
    high, low = state[0], state[1]
    product_low = low * _MULT_LOW
    product_high = _mul_high(low, _MULT_LOW) + high * _MULT_LOW + low * _MULT_HIGH
    new_low = product_low + state[3]
    carry = _ONE if new_low < product_low else _ZERO
    state[0] = product_high + state[2] + carry
    state[1] = new_low


@deferred(cache=True, nogil=True, inline="always")
def _seed_pcg64(words: np.ndarray, state: np.ndarray) -> None:
    """``pcg64_set_seed``: the initial state from ``generate_state(4, uint64)``'s words."""
    state[2] = (words[2] << _ONE) | (words[3] >> _S64M)  # inc = initseq << 1 | 1
    state[3] = (words[3] << _ONE) | _ONE
    state[0], state[1] = _ZERO, _ZERO
    _step(state)
    low = state[1] + words[1]
    state[0] = state[0] + words[0] + (_ONE if low < words[1] else _ZERO)
    state[1] = low
    _step(state)


@deferred(cache=True, nogil=True, inline="always")
def _next64(state: np.ndarray) -> np.uint64:
    """PCG64's next output: step, then XSL-RR of the new state."""
    _step(state)
    value = state[0] ^ state[1]
    rot = state[0] >> _U(58)
    return (value >> rot) | (value << ((_U(64) - rot) & _S64M))


@deferred(cache=True, nogil=True, inline="always")
def _next_double(state: np.ndarray) -> float:
    """A uniform double in [0, 1) from the next output's 53 high bits (numpy's ``next_double``)."""
    return (_next64(state) >> _SHIFT11) * _TO_DOUBLE


@deferred(cache=True, nogil=True, inline="always")
def _standard_normal(state: np.ndarray) -> float:
    """The ziggurat of numpy's ``random_standard_normal``, with its wedges and its tail."""
    while True:
        r = _next64(state)
        idx = np.intp(r & _LOW8)
        r = r >> _SHIFT8
        rabs = (r >> _ONE) & _MANTISSA
        x = rabs * _WI[idx]
        if r & _ONE:
            x = -x
        if rabs < _KI[idx]:
            return x
        if idx == 0:
            while True:
                xx = -_ZIGGURAT_INV_R * np.log1p(-_next_double(state))
                yy = -np.log1p(-_next_double(state))
                if yy + yy > xx * xx:
                    if (rabs >> _SHIFT8) & _ONE:
                        return -(_ZIGGURAT_R + xx)
                    return _ZIGGURAT_R + xx
        elif (_FI[idx - 1] - _FI[idx]) * _next_double(state) + _FI[idx] < np.exp(-0.5 * x * x):
            return x


@deferred(quick=True, nogil=True)
def _fill(seeds: np.ndarray, member: np.ndarray, rival: np.ndarray) -> None:
    """Each run's member stream into ``member[r]`` (C order), its rival stream into ``rival[r]``."""
    work = np.empty(10, dtype=np.uint64)
    words = np.empty(4, dtype=np.uint64)
    state = np.empty(4, dtype=np.uint64)
    runs, steps, n = member.shape
    for r in range(runs):
        seed = np.uint64(seeds[r])
        _seed_state(seed, _ZERO, work, words)
        _seed_pcg64(words, state)
        for t in range(steps):
            for i in range(n):
                member[r, t, i] = _standard_normal(state)
        _seed_state(seed, _ONE, work, words)
        _seed_pcg64(words, state)
        for t in range(steps):
            rival[r, t] = _standard_normal(state)


def normal_streams(
    seeds: Sequence[int],
    n_steps: int,
    n_members: int,
    compiled: Callable[[tuple], Callable[..., None] | None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Every run's two streams of standard normals: members (R, T, N) and rival (R, T).

    The same numbers as numpy's ``Generator(PCG64(SeedSequence(seed, spawn_key=(k,))))
    .standard_normal`` for ``k`` = 0 (shape (T, N)) and 1 (shape (T,)).

    Args:
        seeds: each run's seed.
        n_steps: T.
        n_members: N.
        compiled: given the arguments of the compiled fill (the seeds, the two arrays to fill),
            the same fill compiled elsewhere, or None (``sim.core.dynamics.native.entry``, the
            library compiled ahead of time); numba's when None or not given.

    Raises:
        ValueError: a seed outside 0 to 2**63 - 1.
    """
    array = np.asarray(seeds, dtype=np.int64) if len(seeds) else np.empty(0, dtype=np.int64)
    if array.size and array.min() < 0:
        raise ValueError(f"seed {int(array.min())}: expected 0 to 2**63 - 1")
    member = np.empty((len(array), n_steps, n_members))
    rival = np.empty((len(array), n_steps))
    fill = (compiled and compiled((array, member, rival))) or _fill
    with np.errstate(over="ignore"):  # uncompiled, numpy's unsigned scalars wrap as C's do
        fill(array, member, rival)
    return member, rival
