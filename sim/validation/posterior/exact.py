"""Arithmetic whose last bits do not depend on the CPU, for the posterior's sampler.

This module owns the few linear-algebra and transcendental operations of
``sim.validation.posterior`` in a form that gives the same bits whatever the CPU. BLAS and LAPACK
choose their kernels for the CPU, and the kernels add in different orders and fuse multiplies
with adds; numpy computes ``exp`` and ``log`` of float64 arrays with its own code on CPUs with
AVX-512 and with the C library's elsewhere. A sampler that accepts or rejects by comparing such
numbers takes another path after one differing bit. Here:

- products and sums run in a fixed order, as elementwise numpy operations (each an exactly
  rounded IEEE operation whatever the SIMD width) or through ``math.fsum`` (exactly rounded);
- ``exp``, ``log`` and ``log1p`` are the C library's, one value at a time (Python's ``math``).

The arrays are small (the calibration's 13 coordinates, a few hundred particles): the loops cost
milliseconds beside the distance evaluations.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for 1-D or 2-D arrays, each sum taken in the order of the inner index."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim == 1:
        return matmul(a[None, :], b)[0]
    if b.ndim == 1:
        return matmul(a, b[:, None])[:, 0]
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"matmul of shapes {a.shape} and {b.shape}: inner dimensions differ")
    out = np.zeros((a.shape[0], b.shape[1]))
    for k in range(a.shape[1]):
        out += a[:, k, None] * b[None, k, :]
    return out


def cholesky(a: np.ndarray) -> np.ndarray:
    """The lower Cholesky factor L of a symmetric positive-definite matrix (L L^T = a).

    Raises:
        numpy.linalg.LinAlgError: the matrix is not positive definite (as numpy's would).
    """
    a = np.asarray(a, dtype=float)
    n = len(a)
    low = np.zeros((n, n))
    for j in range(n):
        pivot = math.fsum([a[j, j], *(-(low[j, :j] ** 2)).tolist()])
        if not pivot > 0.0:
            raise np.linalg.LinAlgError(f"matrix is not positive definite (pivot {j}: {pivot})")
        low[j, j] = math.sqrt(pivot)
        for i in range(j + 1, n):
            low[i, j] = math.fsum([a[i, j], *(-(low[i, :j] * low[j, :j])).tolist()]) / low[j, j]
    return low


def solve_lower(low: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``y`` with ``low @ y = rhs`` for a lower-triangular ``low`` (D, D) and ``rhs`` (D, K)."""
    low, rhs = np.asarray(low, dtype=float), np.asarray(rhs, dtype=float)
    y = np.empty_like(rhs)
    for i in range(len(low)):
        acc = rhs[i].copy()
        for j in range(i):
            acc -= low[i, j] * y[j]
        y[i] = acc / low[i, i]
    return y


def _exp(v: float) -> float:
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf


def _log(v: float) -> float:
    if v > 0.0:
        return math.log(v)
    return -math.inf if v == 0.0 else math.nan


def _log1p(v: float) -> float:
    if v > -1.0:
        return math.log1p(v)
    return -math.inf if v == -1.0 else math.nan


def _each(f: Callable[[float], float], x: np.ndarray | float) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    flat = [f(v) for v in x.ravel().tolist()]
    return np.array(flat, dtype=float).reshape(x.shape)


def exp(x: np.ndarray | float) -> np.ndarray:
    """``numpy.exp`` by the C library, value by value (inf where it overflows)."""
    return _each(_exp, x)


def log(x: np.ndarray | float) -> np.ndarray:
    """``numpy.log`` by the C library (-inf at 0, NaN below)."""
    return _each(_log, x)


def log1p(x: np.ndarray | float) -> np.ndarray:
    """``numpy.log1p`` by the C library (-inf at -1, NaN below)."""
    return _each(_log1p, x)


def softplus(x: np.ndarray | float) -> np.ndarray:
    """``log(1 + exp(x))``, ``numpy.logaddexp(0, x)``, without overflow."""
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + log1p(exp(-np.abs(x)))


def logsumexp(x: np.ndarray, axis: int | None = None) -> np.ndarray | float:
    """``log(sum(exp(x)))`` over ``axis`` (all values for None), the sum exactly rounded."""
    x = np.asarray(x, dtype=float)
    if axis is None:
        return float(logsumexp(x.ravel()[None, :], axis=1)[0])
    moved = np.moveaxis(x, axis, -1)
    top = np.max(moved, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    terms = exp(moved - top).reshape(-1, moved.shape[-1])
    sums = np.array([math.fsum(row) for row in terms.tolist()]).reshape(moved.shape[:-1])
    return log(sums) + top[..., 0]
