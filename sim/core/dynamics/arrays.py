"""The parameters of a batch as typed arrays: one (R, 1) array per numeric parameter.

:class:`ParamArrays` is generated from the parameter table (``sim.core.params.NUMERIC``): a
parameter added to the table is an attribute here with no further code, and a misspelt name is
an ``AttributeError`` where the equations read it (``p.hegemon_pressure``), not a silent key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, make_dataclass

import numpy as np

from sim.core.params import NUMERIC, Params

ParamArrays = make_dataclass(
    "ParamArrays",
    [(name, np.ndarray) for name in NUMERIC],
    frozen=True,
    module=__name__,
)
ParamArrays.__doc__ = (
    "Every numeric parameter of a batch of runs as an (R, 1) float array, one attribute per "
    "parameter of ``sim.core.params.NUMERIC`` (built by :func:`param_arrays`)."
)


def param_arrays(params: Sequence[Params]) -> ParamArrays:
    """Stack the numeric parameters of a batch into (R, 1) arrays (a :class:`ParamArrays`)."""
    return ParamArrays(
        **{
            name: np.array([getattr(p, name) for p in params], dtype=float)[:, None]
            for name in NUMERIC
        }
    )


def runs_of(p: ParamArrays) -> int:
    """Number of runs R in a batch's parameter arrays."""
    return getattr(p, fields(p)[0].name).shape[0]
