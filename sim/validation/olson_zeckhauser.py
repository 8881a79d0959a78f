"""Olson-Zeckhauser's pure public-good alliance: its Nash equilibrium and reference iterations.

The closed form and the iterations the model's ``anchor_mode = "public_good"`` docks with
(docs/THEORY.md §2.1; ``sim.validation.docking`` explains the mapping and re-exports these).
"""

from __future__ import annotations

import numpy as np


def oz_nash(incomes: np.ndarray, beta: float) -> tuple[np.ndarray, float]:
    """The Nash equilibrium of the pure public-good alliance (docs/THEORY.md §2.1), closed form.

    The contributors are the k richest allies for the largest k such that every one of them
    contributes: ``Q* = beta * sum_S I / (beta + k (1 - beta))``, ``q_i* = I_i - (1-beta) Q*/beta``
    for i in S, 0 otherwise.

    Returns:
        (q*, Q*), q* in the input order.
    """
    incomes = np.asarray(incomes, dtype=float)
    order = np.argsort(-incomes, kind="stable")
    best = None
    for k in range(1, len(incomes) + 1):
        top = incomes[order[:k]]
        total = beta * top.sum() / (beta + k * (1 - beta))
        contrib = top - (1 - beta) * total / beta
        if np.all(contrib > 0):
            best = (k, total)
    if best is None:
        raise ValueError("no contributor set (beta must be in (0, 1])")
    k, total = best
    q = np.zeros_like(incomes)
    q[order[:k]] = incomes[order[:k]] - (1 - beta) * total / beta
    return q, float(q.sum())


def oz_iterate(
    incomes: np.ndarray,
    beta: float,
    steps: int,
    *,
    q0: np.ndarray | None = None,
    gauss_seidel: bool = True,
    damping: float = 1.0,
) -> np.ndarray:
    """Iterate best responses from q0 (default 0); returns the path (steps + 1, N).

    ``gauss_seidel`` updates allies one after another; otherwise all at once (Jacobi), moving
    a fraction ``damping`` of the way to the unfloored best response and flooring the result
    at 0, as the model's partial adjustment does (``damping = adjustment_speed_per_year * DT``).
    """
    incomes = np.asarray(incomes, dtype=float)
    q = np.zeros_like(incomes) if q0 is None else np.asarray(q0, dtype=float).copy()
    out = [q.copy()]
    for _ in range(steps):
        if gauss_seidel:
            for i in range(len(q)):
                q[i] = max(0.0, beta * incomes[i] - (1 - beta) * (q.sum() - q[i]))
        else:
            raw = beta * incomes - (1 - beta) * (q.sum() - q)
            q = np.maximum(0.0, q + damping * (raw - q))
        out.append(q.copy())
    return np.array(out)
