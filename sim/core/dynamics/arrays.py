"""The parameters of a batch as one matrix: a row per run, a column per numeric parameter.

:func:`param_arrays` stacks the numeric parameters (``sim.core.params.NUMERIC``, in that order)
of a batch into a C-contiguous float (R, P) matrix, the form the compiled equations read
(``p[r, P.hegemon_pressure]``, with ``sim.core.dynamics.param_index`` as ``P``); one small
array keeps compilation fast, where a record of sixty arrays made it slow. A parameter added to
the table is a column with no further code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.core.params import NUMERIC, Params

ParamArrays = np.ndarray
"""A batch's parameter matrix (R, P) (the type :func:`param_arrays` returns)."""


def param_arrays(params: Sequence[Params]) -> np.ndarray:
    """Stack the numeric parameters of a batch into an (R, P) float matrix.

    The columns are in ``sim.core.params.NUMERIC`` order. Each distinct parameter set is read
    once and its row repeated (a sweep's chunk passes a design point's set once per replication).
    """
    index: dict[int, int] = {}
    distinct: list[Params] = []
    for p in params:
        if id(p) not in index:
            index[id(p)] = len(distinct)
            distinct.append(p)
    rows = np.array(
        [[getattr(p, name) for name in NUMERIC] for p in distinct], dtype=np.float64, ndmin=2
    )
    if len(distinct) == len(params):
        return rows
    return np.ascontiguousarray(rows[[index[id(p)] for p in params]])


def column(p: np.ndarray, name: str) -> np.ndarray:
    """Every run's value (R,) of the parameter ``name`` in a parameter matrix."""
    return p[:, NUMERIC.index(name)]


def runs_of(p: np.ndarray) -> int:
    """Number of runs R in a batch's parameter matrix."""
    return p.shape[0]
